/* Issue 13, "every phase interruptible": a run of FL_SCALE_SIGNALS_NODES labnodes (default
 * 150; the figure is 300) in a degree-4 mesh gets SIGINT at a random moment of each
 * setup phase — deploy, readiness, agents, settle — and of its timeline. Each time faultlab
 * must exit 4 within FL_SCALE_SIGNALS_MAX_MS (default 2000) of the signal, and nothing of the
 * run may be left: namespaces, cgroups, processes (labnodes in its cgroups, agents naming
 * it), its lock, subnet, control socket. The moments are drawn from FL_SCALE_SIGNALS_SEED
 * (default: the time; printed), so a failure can be replayed. Root; output under
 * /tmp/fl-scale-sig-<pid>. */
#include "tests/util_test.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sig_setup(void)
{
	test_faultlab_setup("scale-sig");
}

/* Not test_faultlab_teardown: an interrupted run has no report to validate. */
static void sig_teardown(void)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", test_dir);
}

/* The scenario: N relays, one tenth cut off (one-way, as scenarios/scale-1000.yaml). */
static const char *sig_scenario(long n)
{
	long k = n / 10 > 0 ? n / 10 : 1;

	return test_scenario(
	    "scale.yaml",
	    "version: 1\nname: scale-sig-%d\nseed: 3\nduration: 8s\ndrain: {exactly: 1s}\n"
	    "nodes:\n  - name: a{1..%ld}\n  - name: b{1..%ld}\n"
	    "topology: {kind: mesh, degree: 4}\n"
	    "traffic:\n  - {kind: relay, from: b1, to: b2, interval: 1s, count: 5, start: 1s}\n"
	    "faults:\n  - {at: 2s, for: 4s, partition: {groups: [[\"a*\"], [\"b*\"]], "
	    "direction: forward}}\n",
	    (int)getpid(), k, n - k);
}

/* Processes of the run: labnodes in its cgroups, agents with --run ID on their command line. */
static int sig_procs(const char *id)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	char needle[64], cg_needle[64];

	ck_assert_ptr_nonnull(d);
	snprintf(needle, sizeof(needle), "--run %s ", id);
	snprintf(cg_needle, sizeof(cg_needle), "/faultlab/%s/", id);
	while ((e = readdir(d))) {
		char path[300], buf[8192];
		size_t len;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r"))) {
			len = fread(buf, 1, sizeof(buf) - 2, f);
			fclose(f);
			for (size_t i = 0; i < len; i++)
				if (buf[i] == '\0')
					buf[i] = ' ';
			buf[len] = '\0';
			n += strstr(buf, needle) != NULL;
		}
		snprintf(path, sizeof(path), "/proc/%s/cgroup", e->d_name);
		if ((f = fopen(path, "r"))) {
			len = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[len] = '\0';
			n += strstr(buf, cg_needle) != NULL;
		}
	}
	closedir(d);
	return n;
}

static void sig_assert_nothing_left(const char *id)
{
	const char *o;

	o = test_sh("ls /run/netns 2>/dev/null | grep -c -- '-%s' ", id);
	ck_assert_msg(atoi(o) == 0, "%d namespaces of %s remain", atoi(o), id);
	o = test_sh("ls -d /sys/fs/cgroup/faultlab/%1$s /sys/fs/cgroup/unified/faultlab/%1$s "
		    "/sys/fs/cgroup/freezer/faultlab/%1$s 2>/dev/null",
		    id);
	ck_assert_msg(o[0] == '\0', "cgroups of %s remain: %s", id, o);
	ck_assert_msg(sig_procs(id) == 0, "%d processes of %s remain", sig_procs(id), id);
	o = test_sh("ls /run/faultlab 2>/dev/null | grep -- '^%s\\.'", id);
	ck_assert_msg(o[0] == '\0', "run files of %s remain: %s", id, o);
}

/* Waits until the stderr file holds `needle` (≤ timeout_s) or the run ended. */
static int sig_wait_for(const char *path, const char *needle, pid_t pid, int timeout_s)
{
	for (int i = 0; i < timeout_s * 20; i++) {
		if (test_file_has(path, needle))
			return 1;
		if (waitpid(pid, NULL, WNOHANG | WNOWAIT) == pid)
			return 0;
		usleep(50000);
	}
	return 0;
}

/* One run interrupted `jitter_ms` after the line `after` appears in its log (NULL: after the
 * start). Returns 1 when the signal landed while the run was still up. */
static int sig_round(const char *sc, int round, const char *after, long jitter_ms, long max_ms)
{
	char out[256], err_path[300], id[32] = "";
	pid_t pid;
	int status = 0, landed;
	double waited, reacted;

	snprintf(out, sizeof(out), "%s/r%d", test_dir, round);
	snprintf(err_path, sizeof(err_path), "%s.err", out);
	/* FL_LOG_LEVEL=debug: the "phase X: … ms" lines say where it is */
	pid = test_faultlab_start(out, "debug", sc, (char *)NULL);
	if (after)
		ck_assert_msg(sig_wait_for(err_path, after, pid, 240),
			      "round %d: never saw \"%s\": %s", round, after,
			      test_sh("tail -5 %s", err_path));
	usleep((useconds_t)jitter_ms * 1000);
	for (int i = 0; i < 100 && !test_run_id(out, id, sizeof(id)); i++)
		usleep(20000);
	landed = waitpid(pid, &status, WNOHANG) == 0;
	/* the reaction: faultlab logs "signal 2: reverting faults and tearing down" when it
	 * reads the signal, then tears down (not part of the 1–2 s bound, but bounded too) */
	waited = test_run_sigint(pid, err_path, &status, &reacted);
	fprintf(stderr,
		"scale_signals: round %d (%s +%ld ms): exit %d, signal read after %.0f ms, "
		"exited after %.0f ms\n",
		round, after ? after : "start", jitter_ms,
		WIFEXITED(status) ? WEXITSTATUS(status) : -1, reacted, waited);
	if (landed) {
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 4,
			      "round %d: status %#x; last lines: %s", round, status,
			      test_sh("tail -5 %s", err_path));
		ck_assert_msg(reacted >= 0 && reacted <= (double)max_ms,
			      "round %d: the signal was read after %.0f ms (max %ld)", round,
			      reacted, max_ms);
		ck_assert_msg(waited <= 30000, "round %d: exit %.0f ms after the signal", round,
			      waited);
	}
	ck_assert_msg(id[0], "round %d: no run id for %s", round, out);
	sig_assert_nothing_left(id);
	return landed;
}

START_TEST(sigint_any_phase_exit4_nothing_left)
{
	long n = test_env_long("FL_SCALE_SIGNALS_NODES", 150),
	     max_ms = test_env_long("FL_SCALE_SIGNALS_MAX_MS", 2000);
	unsigned seed =
	    (unsigned)test_env_long("FL_SCALE_SIGNALS_SEED", (long)time(NULL) % 100000 + 1);
	/* the line that ends the phase before the one to interrupt */
	const char *after[] = {
	    NULL, "phase deploy:", "phase ready:", "phase agents:", "phase links+settle:"};
	const char *sc;

	if (geteuid() != 0)
		TEST_SKIP("root", "needs root (a real run)");
	sc = sig_scenario(n);
	srand(seed);
	fprintf(stderr, "scale_signals: %ld nodes, seed %u (FL_SCALE_SIGNALS_SEED)\n", n, seed);
	for (int r = 0; r < (int)(sizeof(after) / sizeof(after[0])); r++) {
		/* deploy: anywhere in its first ~n×10 ms; later phases: within 300 ms of start */
		long jitter = r == 0 ? 300 + rand() % (n * 10 + 1) : rand() % 300;

		sig_round(sc, r, after[r], jitter, max_ms);
	}
}
END_TEST

Suite *scale_signals_suite(void)
{
	Suite *s = suite_create("scale_signals");
	TCase *t = tcase_create("signals");

	tcase_set_timeout(t, 900);
	tcase_add_checked_fixture(t, sig_setup, sig_teardown);
	tcase_add_test(t, sigint_any_phase_exit4_nothing_left);
	suite_add_tcase(s, t);
	return s;
}
