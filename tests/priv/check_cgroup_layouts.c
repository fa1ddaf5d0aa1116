/* Freeze and suspend on the cgroup layouts this host does not have: a pure cgroup v2 host
 * (Debian 12, current Ubuntu) and a v1-only one. Each test moves itself into a scratch group
 * of its own, enters a new mount and cgroup namespace (rooted at that group), hides the
 * host's /sys/fs/cgroup and mounts the layout there — nothing of it reaches the host's
 * mounts. Then common/hostprobe, the runtime's cgroup code, doctor and the real agent run in
 * it, and every check reads the kernel's answer: cgroup.events or freezer.state, a worker
 * process's progress, UDP traffic through a veth pair. */
#include "common/hostprobe.h"
#include "orchestrator/doctor/doctor.h"
#include "orchestrator/runtime/cgroup.h"
#include "tests/priv/util_agent.h"
#include "tests/priv/util_netns.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPEN_MS 3000
#define BLOCKED_MS 400

enum layout { LAYOUT_UNIFIED, LAYOUT_LEGACY };

static struct test_pair pair;
static char run_id[16], work_file[64];
/* Scratch parents on the host's hierarchies (the namespaces' roots), "" when the host has
 * no such hierarchy to take one from. */
static char parent_v2[PATH_MAX + 32], parent_v1[PATH_MAX + 32];
static pid_t worker = -1, *shared_worker;
static pid_t janitor = -1;
static int janitor_fd = -1;

/* --- host side: the scratch parents and the janitor ------------------------------------- */

static void write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, value, strlen(value)) < 0 && errno != EINVAL && errno != ENOENT)
			fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		close(fd);
	}
}

/* Thaws, kills and removes a cgroup tree, deepest first (retrying while it empties). */
static void tree_remove(const char *dir, int depth)
{
	char sub[PATH_MAX + 300], line[32];
	struct dirent *e;
	DIR *d = opendir(dir);
	FILE *f;

	while (d && depth < 8 && (e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			tree_remove(sub, depth + 1);
		}
	if (d)
		closedir(d);
	write_file(dir, "cgroup.freeze", "0");
	write_file(dir, "freezer.state", "THAWED");
	write_file(dir, "cgroup.kill", "1");
	snprintf(sub, sizeof(sub), "%s/cgroup.procs", dir);
	if ((f = fopen(sub, "re"))) {
		while (fgets(line, sizeof(line), f))
			kill(atoi(line), SIGKILL);
		fclose(f);
	}
	for (int i = 0; i < 500 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
}

static void layouts_cleanup(void)
{
	if (worker > 0) {
		kill(-worker, SIGCONT);
		kill(-worker, SIGKILL);
	}
	if (parent_v2[0])
		tree_remove(parent_v2, 0);
	if (parent_v1[0])
		tree_remove(parent_v1, 0);
	unlink(work_file);
	if (pair.ns_a[0])
		test_pair_down(&pair);
}

/* A process in its own session that cleans up once the test process is gone: its end of the
 * pipe closes when the process exits (a failed check _exit()s it), and only then is the
 * scratch parent it moved itself into empty. It cannot clean up itself: it cannot leave
 * its cgroup namespace. */
static void janitor_start(void)
{
	int p[2];
	char c;

	shared_worker = mmap(NULL, sizeof(*shared_worker), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(shared_worker, MAP_FAILED);
	*shared_worker = -1;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	janitor = fork();
	ck_assert_int_ge(janitor, 0);
	if (janitor == 0) {
		setsid();
		close(p[1]);
		for (ssize_t n = 1; n != 0;)
			if ((n = read(p[0], &c, 1)) < 0 && errno != EINTR)
				break;
		worker = *shared_worker;
		layouts_cleanup();
		_exit(0);
	}
	close(p[0]);
	janitor_fd = p[1];
}

static void layouts_setup(void)
{
	struct hostprobe_cgroups host;
	struct fl_error err = {0};

	snprintf(run_id, sizeof(run_id), "cl%d", (int)(getpid() % 100000));
	snprintf(work_file, sizeof(work_file), "/tmp/fltest-cgl-work-%d", (int)getpid());
	ck_assert_msg(hostprobe_cgroups_read(NULL, &host, &err) == 0, "%s", err.msg);
	parent_v2[0] = parent_v1[0] = '\0';
	if (host.v2[0])
		snprintf(parent_v2, sizeof(parent_v2), "%s/fltest-cgl-%d", host.v2, (int)getpid());
	if (host.v1_freezer[0])
		snprintf(parent_v1, sizeof(parent_v1), "%s/fltest-cgl-%d", host.v1_freezer,
			 (int)getpid());
	ck_assert_int_eq(test_pair_up(&pair, 47), 0);
	/* no ARP: these checks must not depend on the host's shared neighbour table */
	ck_assert_int_eq(test_pair_pin_neigh(&pair), 0);
	janitor_start();
}

/* --- inside: the private layouts --------------------------------------------------------- */

/* Moves this process into parent (on the host's hierarchy), so the cgroup namespace made
 * next is rooted there. "" (the host lacks the hierarchy): the namespace's mount shows the
 * hierarchy's real root, which no host mount shows. */
static void enter_parent(const char *parent)
{
	if (!parent[0])
		return;
	ck_assert_msg(mkdir(parent, 0755) == 0, "mkdir %s: %s", parent, strerror(errno));
	write_file(parent, "cgroup.procs", "0");
}

/* New mount and cgroup namespaces, the host's /sys/fs/cgroup gone from them, and `l`
 * mounted in its place. */
static void enter_layout(enum layout l)
{
	enter_parent(l == LAYOUT_UNIFIED ? parent_v2 : parent_v1);
	ck_assert_int_eq(unshare(CLONE_NEWNS | CLONE_NEWCGROUP), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	/* the whole subtree (tmpfs, v1 hierarchies, cgroup2 at unified) leaves with it */
	if (umount2("/sys/fs/cgroup", MNT_DETACH) < 0)
		ck_assert_int_eq(errno, EINVAL); /* not a mount point */
	if (l == LAYOUT_UNIFIED) {
		ck_assert_int_eq(mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL), 0);
		return;
	}
	ck_assert_int_eq(mount("tmpfs", "/sys/fs/cgroup", "tmpfs", 0, "mode=755"), 0);
	ck_assert_int_eq(mkdir("/sys/fs/cgroup/freezer", 0755), 0);
	ck_assert_msg(mount("cgroup", "/sys/fs/cgroup/freezer", "cgroup", 0, "freezer") == 0,
		      "mount the v1 freezer: %s", strerror(errno));
}

/* Starts a shell loop that appends to work_file every 20 ms, in its own process group,
 * inside cgroup dir. */
static void worker_start(const char *dir)
{
	worker = fork();
	ck_assert_int_ge(worker, 0);
	if (worker == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		dup2(null, 1);
		dup2(null, 2);
		write_file(dir, "cgroup.procs", "0");
		execl("/bin/sh", "sh", "-c", "while :; do echo x >> \"$0\"; sleep 0.02; done",
		      work_file, (char *)NULL);
		_exit(127);
	}
	*shared_worker = worker;
	setpgid(worker, worker);
}

static long work_size(void)
{
	struct stat st;

	return stat(work_file, &st) == 0 ? (long)st.st_size : -1;
}

/* Whether the worker appends within 2 s (it returns at the first append). */
static int worker_runs(void)
{
	long before = work_size();

	for (int i = 0; i < 100; i++) {
		usleep(20000);
		if (work_size() > before)
			return 1;
	}
	return 0;
}

/* Whether the worker stays still for 300 ms (it appends every 20 ms when it runs). */
static int worker_still(void)
{
	long before = work_size();

	usleep(300000);
	return work_size() == before;
}

/* The kernel's own word: cgroup.events "frozen 1" (v2) or freezer.state FROZEN (v1). */
static int cgroup_frozen(const char *dir, enum layout l)
{
	char path[PATH_MAX + 32], buf[256] = "";
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir,
		 l == LAYOUT_UNIFIED ? "cgroup.events" : "freezer.state");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, l == LAYOUT_UNIFIED ? "frozen 1" : "FROZEN") != NULL;
}

static void agent_start_in(struct test_agent *a, const char *cgroup)
{
	char ns[64];
	const char *argv[] = {test_agent_bin(), "--run",   run_id,     "--node", "a", "--netns", ns,
			      "--ifname",	pair.if_a, "--cgroup", cgroup,	 NULL};

	snprintf(ns, sizeof(ns), "/run/netns/%s", pair.ns_a);
	ck_assert_msg(test_agent_start(a, argv) == 0, "agent %s did not start", argv[0]);
}

static const char *engine_of(enum layout l)
{
	return hostprobe_freezer_name(l == LAYOUT_UNIFIED ? HOSTPROBE_FREEZER_CGROUP2
							  : HOSTPROBE_FREEZER_V1);
}

/* What hostprobe, the runtime and doctor see in the layout; dir gets the node's cgroup,
 * made by the runtime's cgroup_create. */
static void layout_probe(enum layout l, char *dir, size_t len)
{
	struct hostprobe_cgroups cg;
	struct fl_error err = {0};
	struct doctor_report r;
	char root[PATH_MAX];

	ck_assert_msg(hostprobe_cgroups_read(NULL, &cg, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(hostprobe_layout_name(cg.layout),
			 l == LAYOUT_UNIFIED ? "unified" : "legacy");
	ck_assert_str_eq(cg.v2, l == LAYOUT_UNIFIED ? "/sys/fs/cgroup" : "");
	ck_assert_str_eq(cg.v1_freezer, l == LAYOUT_UNIFIED ? "" : "/sys/fs/cgroup/freezer");
	/* what a hard-coded hybrid path would have found: nothing */
	ck_assert_int_ne(access("/sys/fs/cgroup/unified", F_OK), 0);
	if (l == LAYOUT_UNIFIED)
		ck_assert_int_ne(access("/sys/fs/cgroup/freezer", F_OK), 0);
	ck_assert_int_eq(cgroup_detect(root, sizeof(root)),
			 l == LAYOUT_UNIFIED ? HOSTPROBE_FREEZER_CGROUP2 : HOSTPROBE_FREEZER_V1);
	ck_assert_str_eq(root, l == LAYOUT_UNIFIED ? cg.v2 : cg.v1_freezer);
	ck_assert_msg(cgroup_create(root, run_id, "a", dir, len, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(hostprobe_cgroup_dir_freezer(dir),
			 l == LAYOUT_UNIFIED ? HOSTPROBE_FREEZER_CGROUP2 : HOSTPROBE_FREEZER_V1);
	doctor_run(&r);
	ck_assert_str_eq(r.freezer, engine_of(l));
}

static void freeze_and_thaw(const char *dir, enum layout l)
{
	struct test_agent a;
	char want[64];
	const char *r;

	agent_start_in(&a, dir);
	r = test_agent_req(
	    &a, "{\"op\":\"apply\",\"id\":\"z1\",\"kind\":\"freeze\",\"lease_ms\":60000}");
	snprintf(want, sizeof(want), "\"engine\":\"%s\"", engine_of(l));
	ck_assert_msg(r && strstr(r, "\"ok\":true") && strstr(r, want), "freeze: %s", r);
	ck_assert_msg(cgroup_frozen(dir, l), "the kernel does not report %s frozen", dir);
	ck_assert_msg(worker_still(), "the worker still runs while frozen");
	r = test_agent_req(&a, "{\"op\":\"revert\",\"id\":\"z1\"}");
	ck_assert_msg(r && strstr(r, "\"ok\":true"), "revert: %s", r);
	ck_assert_msg(!cgroup_frozen(dir, l), "%s still frozen after the thaw", dir);
	ck_assert_msg(worker_runs(), "the worker did not resume after the thaw");
	ck_assert_int_eq(test_agent_stop(&a), 0);
}

static int a_to_b(int ms)
{
	return test_udp_reaches(pair.ns_a, pair.ns_b, pair.addr_b, ms);
}

static int b_to_a(int ms)
{
	return test_udp_reaches(pair.ns_b, pair.ns_a, pair.addr_a, ms);
}

static void suspend_and_wake(const char *dir, enum layout l)
{
	struct test_agent a;
	char want[64];
	const char *r;

	ck_assert_msg(a_to_b(OPEN_MS) && b_to_a(OPEN_MS), "no traffic before the suspend");
	agent_start_in(&a, dir);
	r = test_agent_req(
	    &a, "{\"op\":\"apply\",\"id\":\"s1\",\"kind\":\"suspend\",\"lease_ms\":60000,"
		"\"params\":{\"wake_network_after_ms\":500}}");
	snprintf(want, sizeof(want), "\"engine\":\"%s+iptables\"", engine_of(l));
	ck_assert_msg(r && strstr(r, "\"ok\":true") && strstr(r, want), "suspend: %s", r);
	ck_assert_msg(cgroup_frozen(dir, l), "the kernel does not report %s frozen", dir);
	ck_assert_msg(worker_still(), "the worker still runs while suspended");
	ck_assert_msg(!a_to_b(BLOCKED_MS) && !b_to_a(BLOCKED_MS), "traffic passes while suspended");
	r = test_agent_req(&a, "{\"op\":\"revert\",\"id\":\"s1\"}");
	ck_assert_msg(r && strstr(r, "\"ok\":true"), "revert: %s", r);
	ck_assert_msg(worker_runs(), "the worker did not resume after the wake-up");
	ck_assert(
	    test_agent_event(&a, "{\"event\":\"restored\",\"id\":\"s1\",\"result\":\"ok\"}", 3000));
	ck_assert_msg(a_to_b(OPEN_MS) && b_to_a(OPEN_MS), "the network did not come back");
	ck_assert_int_eq(test_agent_stop(&a), 0);
}

static void layout_case(enum layout l)
{
	char dir[PATH_MAX];
	struct fl_error err = {0};

	enter_layout(l);
	layout_probe(l, dir, sizeof(dir));
	worker_start(dir);
	ck_assert_msg(worker_runs(), "the worker does not run in %s", dir);
	freeze_and_thaw(dir, l);
	suspend_and_wake(dir, l);
	/* teardown's path: the runtime kills what is in the group and removes it */
	ck_assert_int_eq(cgroup_remove(dir, &err), 1);
	ck_assert_int_ne(access(dir, F_OK), 0);
	worker = -1;
}

START_TEST(test_pure_cgroup2)
{
	layout_case(LAYOUT_UNIFIED);
}
END_TEST

START_TEST(test_v1_only)
{
	layout_case(LAYOUT_LEGACY);
}
END_TEST

Suite *cgroup_layouts_suite(void)
{
	Suite *s = suite_create("cgroup_layouts");
	TCase *tc = tcase_create("layouts");

	tcase_add_checked_fixture(tc, layouts_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pure_cgroup2);
	tcase_add_test(tc, test_v1_only);
	suite_add_tcase(s, tc);
	return s;
}
