/* `faultlab clean` as root: a run whose orchestrator was SIGKILLed leaves namespaces, node
 * processes, cgroups and run files, which clean removes; a live run is refused and kept;
 * `faultlab ps` lists the live one. A forked child plays the orchestrator. */
#include "orchestrator/runtime/cgroup.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"
#include "orchestrator/runtime/sweep.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct rc_child {
	pid_t pid;
	char id[16];
	pid_t nodes[2];
	char cgroup[2][4096];
	char addr1[16];
};

/* The child: run lock, subnet, network, two nodes; reports, then waits to be killed. */
static void rc_orchestrate(const char *id, int fd)
{
	static char *argv[] = {"/bin/sleep", "120", NULL};
	struct runlock_info info = {"clean-test", "netns", 2, "/tmp/rc-run"};
	struct runtime_node_spec specs[2];
	struct runtime_node nodes[2];
	char subnet[RUNTIME_SUBNET_LEN], addr[2][16];
	struct runlock lk;
	struct fl_error err;
	struct runtime *rt;
	unsigned a, b, c;

	if (runlock_acquire(id, &info, &lk, &err) < 0 ||
	    runtime_subnet_pick(NULL, id, subnet, &err) < 0 || !(rt = runtime_new("netns", &err)))
		_exit(2);
	sscanf(subnet, "%u.%u.%u", &a, &b, &c);
	for (int i = 0; i < 2; i++) {
		snprintf(addr[i], sizeof(addr[i]), "%u.%u.%u.%d", a, b, c, i + 2);
		specs[i] = (struct runtime_node_spec){i ? "n1" : "n0", NULL,	   addr[i], argv,
						      "/tmp",	       "/dev/null"};
	}
	struct runtime_net_spec net = {id, subnet};
	if (rt->ops->net_create(rt, &net, &err) < 0 ||
	    rt->ops->nodes_start(rt, specs, 2, nodes, &err) < 0)
		_exit(3);
	for (int i = 0; i < 2; i++)
		if (write(fd, &nodes[i], sizeof(nodes[i])) < 0)
			_exit(4);
	for (;;)
		pause();
}

static void rc_start(struct rc_child *c, char tag)
{
	struct runtime_node n[2];
	int p[2];

	snprintf(c->id, sizeof(c->id), "rc%c%d", tag, (int)(getpid() % 1000000));
	ck_assert_int_eq(pipe(p), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		close(p[0]);
		rc_orchestrate(c->id, p[1]);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &n[0], sizeof(n[0])), sizeof(n[0]));
	ck_assert_int_eq(read(p[0], &n[1], sizeof(n[1])), sizeof(n[1]));
	close(p[0]);
	snprintf(c->addr1, sizeof(c->addr1), "%s", n[1].address);
	for (int i = 0; i < 2; i++) {
		c->nodes[i] = n[i].pid;
		snprintf(c->cgroup[i], sizeof(c->cgroup[i]), "%s", n[i].cgroup);
	}
}

static int rc_faultlab(const char *args, char *out, size_t len)
{
	char cmd[512];
	FILE *f;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "build/faultlab %s 2>&1", args);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int rc_exists(const char *prefix, const char *id, const char *suffix)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s%s%s", prefix, id, suffix);
	return access(p, F_OK) == 0;
}

/* Running, i.e. neither gone nor a zombie waiting for a reaper (this host's pid 1 may not
 * reap orphans). */
static int rc_alive(pid_t pid)
{
	char p[64], st[512] = "";
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	f = fopen(p, "r");
	if (!f)
		return 0;
	if (!fgets(st, sizeof(st), f))
		st[0] = '\0';
	fclose(f);
	const char *rp = strrchr(st, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

START_TEST(clean_refuses_a_live_run_and_ps_lists_it)
{
	struct rc_child c;
	char out[8192], args[64];
	struct sweep_result res;
	struct fl_error err;

	rc_start(&c, 'l');
	ck_assert_int_eq(runlock_is_live(c.id), 1);
	ck_assert_int_eq(rc_faultlab("ps", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, c.id) && strstr(out, "clean-test"), "ps: %s", out);
	snprintf(args, sizeof(args), "clean --run %s", c.id);
	ck_assert_int_eq(rc_faultlab(args, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "live"), "clean: %s", out);
	/* --all skips it too (and says so) */
	ck_assert_int_eq(sweep_runs(NULL, 0, &res, &err), 0);
	ck_assert_int_ge(res.runs_live, 1);
	ck_assert(rc_exists("/run/netns/fl-", c.id, "-n0"));
	ck_assert(rc_exists("/run/netns/fl-", c.id, ""));
	ck_assert(rc_alive(c.nodes[0]));
	/* faultlab shell RUN NODE CMD runs CMD inside the node's namespace */
	snprintf(args, sizeof(args), "shell %s n1 ip -o -4 addr show dev eth0", c.id);
	ck_assert_int_eq(rc_faultlab(args, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, c.addr1), "shell: %s", out);
	snprintf(args, sizeof(args), "shell %s nosuchnode true", c.id);
	ck_assert_int_ne(rc_faultlab(args, out, sizeof(out)), 0);
	snprintf(args, sizeof(args), "clean --run %s", c.id);
	kill(c.pid, SIGKILL);
	waitpid(c.pid, NULL, 0);
	ck_assert_int_eq(rc_faultlab(args, out, sizeof(out)), 0);
}
END_TEST

START_TEST(clean_removes_a_killed_orchestrators_leftovers)
{
	struct rc_child c;
	char out[8192], args[64];

	rc_start(&c, 'k');
	kill(c.pid, SIGKILL);
	waitpid(c.pid, NULL, 0);
	/* what a kill -9 leaves: nodes still running, namespaces, cgroups, run files */
	ck_assert_int_eq(runlock_is_live(c.id), 0);
	ck_assert(rc_alive(c.nodes[1]));
	ck_assert(rc_exists("/run/netns/fl-", c.id, "-n1"));
	ck_assert(rc_exists(RUNLOCK_DIR "/", c.id, ".json"));
	snprintf(args, sizeof(args), "clean --run %s", c.id);
	ck_assert_int_eq(rc_faultlab(args, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "removed") && !strstr(out, "removed 0 "), "clean: %s", out);
	for (int i = 0; i < 2; i++) {
		for (int t = 0; t < 100 && rc_alive(c.nodes[i]); t++)
			usleep(10000);
		ck_assert(!rc_alive(c.nodes[i]));
		ck_assert_int_eq(access(c.cgroup[i], F_OK), -1);
	}
	ck_assert(!rc_exists("/run/netns/fl-", c.id, "-n0"));
	ck_assert(!rc_exists("/run/netns/fl-", c.id, "-n1"));
	ck_assert(!rc_exists("/run/netns/fl-", c.id, ""));
	ck_assert(!rc_exists(RUNLOCK_DIR "/", c.id, ".json"));
	ck_assert(!rc_exists(RUNLOCK_DIR "/", c.id, ".subnet"));
	ck_assert(!rc_exists(RUNLOCK_DIR "/", c.id, ".lock"));
	{
		char roots[2][PATH_MAX], prefix[PATH_MAX + 16];
		size_t n = cgroup_roots(roots);

		ck_assert_uint_gt(n,
				  0); /* this host has cgroups: the check below means something */
		for (size_t i = 0; i < n; i++) {
			snprintf(prefix, sizeof(prefix), "%s/faultlab/", roots[i]);
			ck_assert(!rc_exists(prefix, c.id, ""));
		}
	}
	/* nothing left to do the second time */
	ck_assert_int_eq(rc_faultlab(args, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "removed 0 "), "clean: %s", out);
}
END_TEST

Suite *runtime_clean_suite(void)
{
	Suite *s = suite_create("runtime_clean");
	TCase *tc = tcase_create("clean");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, clean_refuses_a_live_run_and_ps_lists_it);
	tcase_add_test(tc, clean_removes_a_killed_orchestrators_leftovers);
	suite_add_tcase(s, tc);
	return s;
}
