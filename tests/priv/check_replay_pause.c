/* `faultlab replay --pause-before` as root, through the real binaries: the short
 * tests/data/scenarios/replay-pause.yaml is run, then replayed with a ~4 s pause before e8
 * (DMs from a sit in b's 2 s ingress delay across it) and c kept running. While paused, a and
 * b are frozen (their cgroup says "frozen", their events files do not grow) and c is not; the
 * replay's report lists the pause, its latencies and wall time leave it out (the DMs in flight
 * across it count until the pause began, not 4 s more), nothing is lost (reliability is off: a
 * pause seen by labnode's keep-alives would lose messages), and it compares itself with the
 * original. ~20 s. And the lease renewal a pause relies on (agentctl_renew, run_freeze.c): a
 * fault renewed past its first lease is still in force when that lease has run out. */
#include "orchestrator/run/agentctl.h"
#include "orchestrator/runtime/cgroup.h"
#include "tests/priv/util_netns.h"
#include "tests/util_test.h"

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAUSE_S 4

static char rp_bin[PATH_MAX], rp_tmp[128];

static void rp_setup(void)
{
	test_bin("faultlab", rp_bin, sizeof(rp_bin));
	test_tmpdir("replay", rp_tmp, sizeof(rp_tmp));
}

static void rp_teardown(void)
{
	test_tmpdir_done(rp_tmp);
}

/* Runs faultlab with argv (NULL-terminated after argv[0]), stdin from in_fd (-1: /dev/null),
 * stdout and stderr into <log>.out/.err. */
static pid_t rp_start(const char *log, int in_fd, char *const *argv)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char o[PATH_MAX + 8], e[PATH_MAX + 8];

		snprintf(o, sizeof(o), "%s.out", log);
		snprintf(e, sizeof(e), "%s.err", log);
		dup2(open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
		dup2(open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
		dup2(in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY), 0);
		setpgid(0, 0);
		execv(rp_bin, argv);
		_exit(127);
	}
	return pid;
}

static char *rp_slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The node's cgroup dir (under whichever hierarchy the runtime used); "" when none. */
static void rp_cgroup(const char *run_id, const char *node, char *out, size_t len)
{
	char roots[2][PATH_MAX];
	size_t n = cgroup_roots(roots);

	out[0] = '\0';
	for (size_t i = 0; i < n && !out[0]; i++) {
		snprintf(out, len, "%s/faultlab/%s/%s", roots[i], run_id, node);
		if (access(out, F_OK) < 0)
			out[0] = '\0';
	}
}

static long rp_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

START_TEST(test_paused_replay_is_frozen_and_left_out)
{
	char orig[256], rep[256], log[300], path[PATH_MAX], cg[3][PATH_MAX], run_id[32] = "";
	char *run_argv[] = {"faultlab", "run", "tests/data/scenarios/replay-pause.yaml",
			    "--out",	orig,  "--quiet",
			    NULL};
	char *rep_argv[] = {"faultlab", "replay", orig, "--pause-before", "e8", "--keep-running",
			    "c",	"--out",  rep,	"--quiet",	  NULL};
	static const char *const names[] = {"a", "b", "c"};
	long events_a, events_b;
	json_t *r, *p, *msgs;
	const char *err, *s;
	int in[2], rc, crossed = 0;
	pid_t pid;

	snprintf(orig, sizeof(orig), "%s/orig", rp_tmp);
	snprintf(rep, sizeof(rep), "%s/rep", rp_tmp);
	rc = test_faultlab_wait(rp_start(orig, -1, run_argv), 60);
	snprintf(log, sizeof(log), "%s.err", orig);
	ck_assert_msg(rc == 0, "original run: exit %d\n%s", rc, rp_slurp(log));

	ck_assert_int_eq(pipe(in), 0);
	pid = rp_start(rep, in[0], rep_argv);
	close(in[0]);
	snprintf(log, sizeof(log), "%s.err", rep);
	for (int i = 0; i < 400 && !strstr(rp_slurp(log), "paused before e8"); i++)
		usleep(100000);
	err = rp_slurp(log);
	ck_assert_msg(strstr(err, "paused before e8"), "never paused:\n%s", err);
	ck_assert_msg(strstr(err, "2 node(s) frozen"), "%s", err);
	s = strstr(err, "faultlab shell ");
	ck_assert_ptr_nonnull(s);
	sscanf(s, "faultlab shell %31s", run_id);
	for (int i = 0; i < 3; i++)
		rp_cgroup(run_id, names[i], cg[i], sizeof(cg[i]));
	ck_assert_msg(cg[0][0] && cg[1][0] && cg[2][0], "no node cgroups for run %s", run_id);

	snprintf(path, sizeof(path), "%s/nodes/a/events.jsonl", rep);
	events_a = rp_size(path);
	snprintf(path, sizeof(path), "%s/nodes/b/events.jsonl", rep);
	events_b = rp_size(path);
	for (int t = 0; t < PAUSE_S * 2; t++) { /* frozen the whole time, c never */
		ck_assert_msg(cgroup_freeze_state(cg[0]) == 1, "a not frozen (%s)", cg[0]);
		ck_assert_msg(cgroup_freeze_state(cg[1]) == 1, "b not frozen (%s)", cg[1]);
		ck_assert_msg(cgroup_freeze_state(cg[2]) == 0, "c (--keep-running) frozen");
		usleep(500000);
	}
	/* DMs that reached b's socket during the pause stay unread: no receipt */
	ck_assert_int_eq(rp_size(path), events_b);
	snprintf(path, sizeof(path), "%s/nodes/a/events.jsonl", rep);
	ck_assert_int_eq(rp_size(path), events_a);
	ck_assert_int_eq(write(in[1], "\n", 1), 1);
	close(in[1]);
	rc = test_faultlab_wait(pid, 60);
	ck_assert_msg(rc == 0, "replay: exit %d\n%s", rc, rp_slurp(log));
	ck_assert_int_eq(cgroup_freeze_state(cg[0]) == 1, 0); /* thawed (or gone with the run) */

	snprintf(path, sizeof(path), "%s/events.jsonl", rep);
	ck_assert_msg(strstr(rp_slurp(path), "\"type\":\"pause\""), "no pause line in the journal");
	snprintf(path, sizeof(path), "%s/nodes/b/stdout.log", rep);
	ck_assert_msg(!strstr(rp_slurp(path), "loop stalled"), "b saw the pause as a stall");

	snprintf(path, sizeof(path), "%s/report.json", rep);
	r = json_load_file(path, 0, NULL);
	ck_assert_ptr_nonnull(r);
	p = json_array_get(json_object_get(r, "pauses"), 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(p, "event")), "e8");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "frozen")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(p, "kept_running"), 0)),
			 "c");
	ck_assert_double_ge(json_number_value(json_object_get(p, "duration_ms")), PAUSE_S * 1000.0);
	/* a DM in flight across the pause counts until the pause began (b read it at once after
	 * it), one sent after it took its 2 s delay: neither the pause too */
	msgs = json_object_get(r, "messages");
	for (size_t i = 0; i < json_array_size(msgs); i++) {
		json_t *m = json_array_get(msgs, i);
		double sent = json_number_value(json_object_get(m, "sent_ms"));
		double got = json_number_value(json_object_get(m, "received_ms"));

		ck_assert_str_eq(json_string_value(json_object_get(m, "status")), "delivered");
		ck_assert_msg(got - sent < 3500, "%s took %.0f ms",
			      json_string_value(json_object_get(m, "id")), got - sent);
		crossed += sent < json_number_value(json_object_get(p, "at_ms")) &&
			   got > json_number_value(json_object_get(p, "at_ms"));
	}
	ck_assert_msg(crossed > 0, "no message was in flight across the pause");
	ck_assert_double_lt(json_number_value(json_object_get(r, "wall_s")), 4 + 3 + 1.5);
	ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "pass");
	p = json_object_get(r, "replay");
	ck_assert(json_is_true(json_object_get(p, "same_verdict")));
	ck_assert_double_eq_tol(
	    json_number_value(json_object_get(json_object_get(p, "lost"), "jaccard")), 1.0, 1e-9);
	json_decref(r);
	snprintf(path, sizeof(path), "%s/summary.md", rep);
	ck_assert_msg(strstr(rp_slurp(path), "left out of every figure"), "summary.md: no pause");
}
END_TEST

/* The kernel's view of the pair's interface in ns_a: 1 up, 0 down. */
static int rp_link_up(const struct test_pair *p)
{
	return test_ns_sh(p->ns_a, "ip -o link show %s | grep -qw UP", p->if_a) == 0;
}

START_TEST(test_renewed_lease_outlives_the_first)
{
	struct test_pair p;
	struct agentctl a = {0};
	struct agentctl_reply rep = {0};
	struct fl_error err = {0};
	struct fault_params none = {0};
	char bin[PATH_MAX], netns[64], run[16];
	struct agentctl_spec spec = {
	    .agent_bin = bin, .run_id = run, .node = "a", .netns_path = netns};
	struct agentctl_fault f = {.id = "f1", .lease_ms = 1000, .params = &none};

	ck_assert_msg(test_pair_up(&p, 0) == 0, "no namespace pair");
	agentctl_find_bin(bin, sizeof(bin));
	snprintf(netns, sizeof(netns), "/run/netns/%s", p.ns_a);
	snprintf(run, sizeof(run), "rp%d", (int)getpid() % 100000);
	spec.ifname = p.if_a;
	f.kind = fault_kind_find("link-down");
	ck_assert_ptr_nonnull(f.kind);
	ck_assert_msg(agentctl_start(&a, &spec, &err) == 0, "%s", err.msg);
	ck_assert_msg(agentctl_apply(&a, &f, &rep, &err) == 0 && rep.ok, "apply: %s %s", err.msg,
		      rep.error);
	ck_assert_int_eq(rp_link_up(&p), 0);
	ck_assert_msg(agentctl_renew(&a, "f1", 3000, &rep, &err) == 0 && rep.ok, "renew: %s %s",
		      err.msg, rep.error);
	usleep(1800000); /* the first lease ran out 0.8 s ago */
	ck_assert_msg(!rp_link_up(&p), "link-down reverted at its first lease, not renewed");
	for (int i = 0; i < 40 && !rp_link_up(&p); i++) /* the renewed one runs out at 3 s */
		usleep(100000);
	ck_assert_msg(rp_link_up(&p), "link still down 5.8 s after a 3 s renewal");
	agentctl_stop(&a);
	test_pair_down(&p);
}
END_TEST

Suite *replay_pause_suite(void)
{
	Suite *s = suite_create("replay_pause");
	TCase *tc = tcase_create("pause");

	tcase_add_checked_fixture(tc, rp_setup, rp_teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_paused_replay_is_frozen_and_left_out);
	tcase_add_test(tc, test_renewed_lease_outlives_the_first);
	suite_add_tcase(s, tc);
	return s;
}
