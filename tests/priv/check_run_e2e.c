/* `faultlab run` end to end, as root, through the real binaries (build/faultlab, labnode,
 * faultlab-agent): the run directory of docs/CLI-AND-REPORT.md on netns (and docker when it is
 * there), kill -9 mid-fault (faults reverted by the agents within 1 s, `faultlab clean`
 * removes the rest), two runs at once, a node that never becomes ready (exit 3 naming it with
 * its log tail), SIGINT (exit 4, nothing left). Scenarios are short (≤ 10 s). Output dirs and
 * scenario names carry the test's pid. */
#include "tests/util_test.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char e2e_bin[PATH_MAX];
static char e2e_tmp[128];

static void e2e_setup(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	if (getenv("FL_BUILD_DIR")) /* the binaries' folder when the runner lives elsewhere */
		snprintf(self, sizeof(self), "%s", getenv("FL_BUILD_DIR"));
	snprintf(e2e_bin, sizeof(e2e_bin), "%.4000s/faultlab", self);
	snprintf(e2e_tmp, sizeof(e2e_tmp), "/tmp/fl-e2e-%d", (int)getpid());
	mkdir(e2e_tmp, 0755);
}

/* Every report.json the test's runs wrote is validated against the schema, then the test
 * directory goes (also when they do not validate). */
static void e2e_teardown(void)
{
	static char msg[16384];
	char cmd[PATH_MAX + 32];
	int n = test_reports_check(e2e_tmp, msg, sizeof(msg));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", e2e_tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", e2e_tmp);
	ck_assert_msg(n >= 0, "report.json against reports/report.schema.json:\n%s", msg);
}

static char *e2e_sh(const char *fmt, ...)
{
	static char buf[65536];
	char cmd[4096];
	va_list ap;
	FILE *f;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		pclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* A scenario file in the test dir; returns its path. */
static const char *e2e_scenario(const char *tag, const char *body)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.yaml", e2e_tmp, tag);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "version: 1\nname: e2e-%s-%d\nseed: 7\n%s", tag, (int)getpid(), body);
	fclose(f);
	return path;
}

/* Starts `faultlab run SCENARIO --out DIR --quiet [extra]` with stdout/stderr in DIR.out/.err. */
static pid_t e2e_start(const char *scenario, const char *out, const char *extra)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char o[PATH_MAX + 8], e[PATH_MAX + 8];
		int fo, fe;

		snprintf(o, sizeof(o), "%s.out", out);
		snprintf(e, sizeof(e), "%s.err", out);
		fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fo, 1);
		dup2(fe, 2);
		setpgid(0, 0);
		execl(e2e_bin, "faultlab", "run", scenario, "--out", out, "--quiet", extra,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The run id from the run-start line. */
static void e2e_run_id(const char *out, char *id, size_t len)
{
	const char *s = e2e_sh(
	    "head -1 %s/events.jsonl | sed 's/.*\"run_id\":\"\\([a-z0-9]*\\)\".*/\\1/'", out);

	snprintf(id, len, "%.*s", (int)strcspn(s, "\n"), s);
}

static int e2e_exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int e2e_exists(const char *fmt, ...)
{
	char p[PATH_MAX + 256];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	return stat(p, &st) == 0;
}

static const char e2e_body[] =
    "duration: 6s\ndrain: 2s\n"
    "nodes:\n  - name: alice\n    role: relay\n  - name: bob\n    role: relay\n"
    "  - name: svc1\n    role: service\n"
    "topology:\n  kind: full\n"
    "traffic:\n  - name: a2b\n    kind: dm\n    from: alice\n    to: bob\n    rate: 2/s\n"
    "    count: 8\n    start: 1s\n    size: 200B\n"
    "faults:\n  - name: cut\n    at: 2s\n    for: 2s\n    partition:\n"
    "      groups: [[alice], [bob, svc1]]\n"
    "expect:\n  - metric: delivery\n    min: 0%\n";

/* `ip netns list`, which must have worked (an empty answer is then evidence). */
static const char *e2e_netns_list(void)
{
	static char out[16384];
	int rc = test_sh_out(out, sizeof(out), "ip netns list 2>&1");

	ck_assert_msg(rc == 0, "ip netns list: exit %d: %s", rc, out);
	return out;
}

/* How many processes run argv[0] `prog` (by its base name) with `needle` in their command
 * line; the scan must at least see this process. */
static int e2e_procs(const char *prog, const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0, seen = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char path[300], cmd[8192];
		const char *base;
		size_t len;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		len = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		cmd[len] = '\0';
		seen += atoi(e->d_name) == getpid();
		base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
		for (size_t i = 0; i + 1 < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		n += strncmp(base, prog, strlen(prog)) == 0 && base[strlen(prog)] == ' ' &&
		     strstr(cmd, needle) != NULL;
	}
	closedir(d);
	ck_assert_msg(seen == 1, "the /proc scan did not see this process");
	return n;
}

static void e2e_assert_nothing_left(const char *id)
{
	ck_assert_msg(strstr(e2e_netns_list(), id) == NULL, "namespaces of %s remain:\n%s", id,
		      e2e_netns_list());
	ck_assert_msg(!e2e_exists("/run/faultlab/%s.lock", id), "run lock of %s remains", id);
	ck_assert_msg(!e2e_exists("/run/faultlab/%s.sock", id), "control socket remains");
}

START_TEST(netns_run_directory)
{
	char out[256], id[32];
	const char *sc = e2e_scenario("dir", e2e_body);
	const char *files[] = {"scenario.yaml", "plan.json",  "events.jsonl", "report.json",
			       "junit.xml",	"summary.md", "report.html"};
	int rc;

	snprintf(out, sizeof(out), "%s/run-dir", e2e_tmp);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 60);
	ck_assert_msg(rc == 0 || rc == 1, "exit %d: %s", rc, e2e_sh("cat %s.err", out));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		ck_assert_msg(e2e_exists("%s/%s", out, files[i]), "no %s", files[i]);
	ck_assert(e2e_exists("%s/nodes/%s/stdout.log", out, "alice"));
	ck_assert(e2e_exists("%s/nodes/%s/events.jsonl", out, "bob"));
	/* stdout names the run directory */
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s.out", out), out));
	/* the journal: start, every node up, 8 sends on time, the partition on both sides */
	ck_assert_str_eq(e2e_sh("grep -c '\"type\":\"node-up\"' %s/events.jsonl", out), "3\n");
	ck_assert_str_eq(
	    e2e_sh("grep -c '\"type\":\"send\".*\"result\":\"ok\"' %s/events.jsonl", out), "8\n");
	/* what alice sent before the cut (1 s, 1.5 s) reached bob's app, joined by plan id */
	ck_assert_str_eq(e2e_sh("grep '\"event\":\"received\"' %s/nodes/bob/events.jsonl | "
				"grep -c -E '\"text\":\"m[12] '",
				out),
			 "2\n");
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s/report.json", out), "\"sent\": 8"));
	ck_assert_int_eq(test_reports_valid(out), 1);
	ck_assert_str_eq(e2e_sh("grep '\"type\":\"fault-apply\"' %s/events.jsonl | grep -c "
				"'\"engine\":\"iptables\",\"result\":\"ok\"'",
				out),
			 "3\n");
	ck_assert_str_eq(e2e_sh("grep -c '\"type\":\"fault-revert\".*\"result\":\"ok\"' "
				"%s/events.jsonl",
				out),
			 "3\n");
	ck_assert_ptr_nonnull(strstr(e2e_sh("tail -1 %s/events.jsonl", out), "\"completed\""));
	e2e_run_id(out, id, sizeof(id));
	ck_assert_int_gt(strlen(id), 0);
	e2e_assert_nothing_left(id);
}
END_TEST

/* Two nodes cut apart for 8 s of a 10 s run: long enough to interrupt mid-fault. */
static const char e2e_cut[] = "duration: 10s\ndrain: 1s\n"
			      "nodes:\n  - name: a\n  - name: b\n"
			      "topology:\n  kind: full\n"
			      "faults:\n  - at: 1s\n    for: 8s\n    partition:\n"
			      "      groups: [[a], [b]]\n";

START_TEST(kill9_mid_fault_then_clean)
{
	char out[256], id[32], ev[PATH_MAX + 16], chain[160];
	const char *sc = e2e_scenario("k9", e2e_cut);
	pid_t pid;
	const char *left;

	snprintf(out, sizeof(out), "%s/k9", e2e_tmp);
	snprintf(ev, sizeof(ev), "%s/events.jsonl", out);
	pid = e2e_start(sc, out, NULL);
	ck_assert_msg(test_wait_file(ev, "\"engine\":\"iptables\"", 20),
		      "the partition was never applied: %s", e2e_sh("cat %s.err", out));
	usleep(300000); /* let b's apply land too */
	e2e_run_id(out, id, sizeof(id));
	kill(pid, SIGKILL);
	test_faultlab_wait(pid, 5);
	usleep(1000000);
	/* the agents saw EOF and reverted: no FL chain of this run in either node namespace */
	left = e2e_sh("for n in a b; do ip netns exec fl-%s-$n iptables-legacy -S || echo FAILED; "
		      "done 2>&1",
		      id);
	snprintf(chain, sizeof(chain), "FL%s", id);
	ck_assert_msg(!strstr(left, "FAILED") && strstr(left, "-P INPUT") &&
			  strstr(strstr(left, "-P INPUT") + 1, "-P INPUT"),
		      "the rules of a and b were not listed: %s", left);
	ck_assert_msg(!strstr(left, chain), "chains left 1 s after kill -9: %s", left);
	/* the namespaces may remain; clean removes everything of the dead run */
	ck_assert_msg(strstr(e2e_netns_list(), id) != NULL, "expected leftovers before clean");
	e2e_sh("%s clean --run %s 2>&1", e2e_bin, id);
	e2e_assert_nothing_left(id);
	snprintf(chain, sizeof(chain), "%.100s/k9/", e2e_tmp);
	ck_assert_int_eq(e2e_procs("labnode", chain), 0);
}
END_TEST

START_TEST(two_runs_at_once)
{
	char o1[256], o2[256], id1[32], id2[32], s1[64], s2[64];
	const char *sc1 = strdup(e2e_scenario("two1", e2e_body));
	const char *sc2 = e2e_scenario("two2", e2e_body);
	pid_t p1, p2;
	int r1, r2;

	snprintf(o1, sizeof(o1), "%s/two1", e2e_tmp);
	snprintf(o2, sizeof(o2), "%s/two2", e2e_tmp);
	p1 = e2e_start(sc1, o1, NULL);
	p2 = e2e_start(sc2, o2, NULL);
	r1 = test_faultlab_wait(p1, 60);
	r2 = test_faultlab_wait(p2, 60);
	ck_assert_msg(r1 == 0 || r1 == 1, "run 1 exit %d: %s", r1, e2e_sh("cat %s.err", o1));
	ck_assert_msg(r2 == 0 || r2 == 1, "run 2 exit %d: %s", r2, e2e_sh("cat %s.err", o2));
	e2e_run_id(o1, id1, sizeof(id1));
	e2e_run_id(o2, id2, sizeof(id2));
	ck_assert_str_ne(id1, id2);
	snprintf(s1, sizeof(s1), "%s",
		 e2e_sh("head -1 %s/events.jsonl | grep -o '\"subnet\":\"[0-9./]*\"'", o1));
	snprintf(s2, sizeof(s2), "%s",
		 e2e_sh("head -1 %s/events.jsonl | grep -o '\"subnet\":\"[0-9./]*\"'", o2));
	ck_assert_str_ne(s1, s2);
	/* both partitions applied and reverted cleanly, each on its own run's chains */
	ck_assert_str_eq(e2e_sh("grep -c 'fault-revert.*\"ok\"' %s/events.jsonl", o1), "3\n");
	ck_assert_str_eq(e2e_sh("grep -c 'fault-revert.*\"ok\"' %s/events.jsonl", o2), "3\n");
	e2e_assert_nothing_left(id1);
	e2e_assert_nothing_left(id2);
	free((void *)sc1);
}
END_TEST

START_TEST(node_never_ready_exit3)
{
	char out[256];
	const char *sc = e2e_scenario("bad", "duration: 3s\ndrain: 1s\n"
					     "nodes:\n  - name: good\n  - name: broken\n"
					     "    args: [\"--no-such-flag\"]\n"
					     "topology:\n  kind: full\n");
	const char *err;
	int rc;

	snprintf(out, sizeof(out), "%s/bad", e2e_tmp);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 40);
	err = e2e_sh("cat %s.err", out);
	ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
	ck_assert_msg(strstr(err, "node broken") != NULL, "does not name the node: %s", err);
	ck_assert_msg(strstr(err, "last lines of") != NULL, "no log tail: %s", err);
	ck_assert_msg(strstr(err, "no-such-flag") != NULL, "log tail lacks the cause: %s", err);
	ck_assert_msg(!strstr(e2e_netns_list(), "-broken"), "%s", e2e_netns_list());
}
END_TEST

START_TEST(node_not_answering_times_out_exit3)
{
	char out[256];
	/* no REST at all: a REST on the node's loopback answers (driver requests are made
	 * inside the node's namespace) */
	const char *sc = e2e_scenario("deaf", "duration: 3s\ndrain: 1s\n"
					      "nodes:\n  - name: deaf\n"
					      "    args: [\"--rest\", \"off\"]\n");
	const char *err;
	int rc;

	snprintf(out, sizeof(out), "%s/deaf", e2e_tmp);
	setenv("FL_READY_TIMEOUT_MS", "2500", 1);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 40);
	unsetenv("FL_READY_TIMEOUT_MS");
	err = e2e_sh("cat %s.err", out);
	ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
	ck_assert_msg(strstr(err, "node deaf never became ready") != NULL, "%s", err);
}
END_TEST

/* The preflight refuses a run the host cannot fit, before anything is made: 40 nodes need more
 * than 100 open files. */
START_TEST(preflight_refuses_exit3)
{
	const char *sc = e2e_scenario("pre", "duration: 2s\nnodes:\n  - name: n{1..40}\n");
	const char *o;

	o = e2e_sh("ulimit -n 100; %s run %s --out %s/pre --quiet 2>&1; echo rc=$?", e2e_bin, sc,
		   e2e_tmp);
	ck_assert_msg(strstr(o, "this host cannot fit 40 nodes") &&
			  strstr(o, "open files: ~344.0 needed, 100.0 available") &&
			  strstr(o, "rc=3"),
		      "%s", o);
	ck_assert_msg(!strstr(e2e_netns_list(), "-n1 "), "%s", e2e_netns_list());
}
END_TEST

/* A run whose messages all arrive within a second ends its drain early (journalled, in the
 * report), with the verdict of the full wait; drain: {exactly: …} still waits it all. */
START_TEST(drain_ends_when_settled)
{
	static const char body[] = "duration: 4s\nnodes:\n  - name: a\n  - name: b\n"
				   "topology:\n  kind: full\n"
				   "traffic:\n  - kind: dm\n    from: a\n    to: b\n"
				   "    interval: 200ms\n    count: 3\n"
				   "expect:\n  - metric: delivery\n    min: 100%\n";
	char sc_body[512], out[256];
	const char *sc, *o;
	double t0;
	int rc;

	snprintf(sc_body, sizeof(sc_body), "%s", body);
	strcat(sc_body, "drain: 60s\n");
	sc = e2e_scenario("early", sc_body);
	snprintf(out, sizeof(out), "%s/early", e2e_tmp);
	t0 = (double)time(NULL);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 60);
	ck_assert_int_eq(rc, 0);
	/* 64 s planned; the 3 messages are in after ~1 s, then 1 s of quiet */
	ck_assert_msg((double)time(NULL) - t0 < 15, "took %.0f s", (double)time(NULL) - t0);
	o = e2e_sh("grep -c '\"type\":\"drain-end\"' %s/events.jsonl", out);
	ck_assert_str_eq(o, "1\n");
	o = e2e_sh("cat %s/report.json", out);
	ck_assert_msg(strstr(o, "\"ended_early\": {\"at_ms\": ") &&
			  strstr(o, "\"planned_end_ms\": 64000"),
		      "%.600s", o);
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s/summary.md", out), "Ended early at "));
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s/report.html", out), "id=\"ended-early\""));

	snprintf(sc_body, sizeof(sc_body), "%s", body);
	strcat(sc_body, "drain: {exactly: 3s}\n");
	sc = e2e_scenario("exact", sc_body);
	snprintf(out, sizeof(out), "%s/exact", e2e_tmp);
	t0 = (double)time(NULL);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 60);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg((double)time(NULL) - t0 >= 7, "took %.0f s", (double)time(NULL) - t0);
	ck_assert_str_eq(e2e_sh("grep -c drain-end %s/events.jsonl", out), "0\n");
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s/report.json", out), "\"ended_early\": null"));
}
END_TEST

/* until: delivered: a 300 ms delay on a, capped at 20 s, is reverted once the five messages
 * a sends during it (one every 700 ms: each arrives before the next leaves) have all been
 * sent and arrived at b (~4.1 s), journalled once, and the run does not wait for the cap (a
 * no-op by then). */
START_TEST(fault_until_delivered)
{
	static const char body[] = "duration: 5s\ndrain: 30s\nnodes:\n  - name: a\n  - name: b\n"
				   "topology:\n  kind: full\n"
				   "traffic:\n  - kind: dm\n    from: a\n    to: b\n"
				   "    interval: 700ms\n    count: 5\n    start: 1s\n"
				   "faults:\n  - name: slow\n    at: 500ms\n    for: 20s\n"
				   "    until: delivered\n    netem: {target: a, delay: 300ms}\n"
				   "expect:\n  - metric: delivery\n    min: 100%\n";
	char out[256];
	const char *sc = e2e_scenario("until", body), *o;
	double t0 = (double)time(NULL), reverted;
	int rc;

	snprintf(out, sizeof(out), "%s/until", e2e_tmp);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 60);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, e2e_sh("tail -5 %s.err", out));
	ck_assert_msg((double)time(NULL) - t0 < 15, "took %.0f s (the cap is 20.5 s)",
		      (double)time(NULL) - t0);
	ck_assert_str_eq(e2e_sh("grep '\"type\":\"fault-revert\"' %s/events.jsonl | grep -c "
				"'\"fault\":\"f1\"'",
				out),
			 "1\n");
	o = e2e_sh("grep '\"type\":\"fault-revert\"' %s/events.jsonl | sed "
		   "'s/.*\"reverted_ms\":\\([0-9.]*\\).*/\\1/'",
		   out);
	reverted = atof(o);
	/* the last message leaves a at 3.8 s and lands ~300 ms later; the check runs 4×/s */
	ck_assert_msg(reverted >= 4100 && reverted <= 6500, "reverted at %s", o);
	o = e2e_sh("cat %s/report.json", out);
	ck_assert_msg(strstr(o, "\"until\": \"delivered\", \"ended_early\": true") &&
			  strstr(o, "\"planned_end_ms\": 20500"),
		      "%.1500s", o);
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("cat %s/summary.md", out), "| netem, until delivered: ended at "));
}
END_TEST

/* at: boot: 20 % loss on n1 is applied before the run links n1 and n2 (labnode under the
 * waku-rest driver, whose links the run makes): its fault-apply line comes before the link
 * line, applied before the timeline's 0, and it is reverted at `for` counted from 0. */
START_TEST(fault_at_boot_before_links)
{
	char body[PATH_MAX + 1024], out[256], dir[PATH_MAX];
	const char *sc, *o;
	int rc;

	snprintf(dir, sizeof(dir), "%s", e2e_bin);
	*strrchr(dir, '/') = '\0';
	snprintf(body, sizeof(body),
		 "images:\n  real:\n    image: %s/labnode\n    driver: waku-rest\n"
		 "defaults:\n  image: real\n  args: [\"--name\", \"@NAME@\", "
		 "\"--peer=@PEER@:60000\"]\n"
		 "nodes:\n  - name: n1\n  - name: n2\ntopology:\n  kind: line\n"
		 "traffic:\n  - {kind: dm, from: n1, to: n2, count: 3, interval: 300ms, "
		 "start: 1s}\n"
		 "faults:\n  - {name: lossy, at: boot, for: 3s, netem: {target: n1, loss: 20%%}}\n"
		 "duration: 5s\ndrain: 3s\n",
		 dir);
	sc = e2e_scenario("boot", body);
	snprintf(out, sizeof(out), "%s/boot", e2e_tmp);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 60);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, e2e_sh("tail -5 %s.err", out));
	o = e2e_sh("grep -oE '\"type\":\"(run-start|link|fault-apply|fault-revert)\"' "
		   "%s/events.jsonl | tr '\\n' ' '",
		   out);
	ck_assert_str_eq(o, "\"type\":\"run-start\" \"type\":\"fault-apply\" \"type\":\"link\" "
			    "\"type\":\"fault-revert\" ");
	o = e2e_sh("grep '\"type\":\"fault-apply\"' %s/events.jsonl", out);
	ck_assert_msg(strstr(o, "\"planned_ms\":0.0,\"issued_ms\":-") &&
			  strstr(o, "\"applied_ms\":-") && strstr(o, "\"result\":\"ok\""),
		      "%s", o);
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("grep '\"type\":\"fault-revert\"' %s/events.jsonl", out),
		   "\"planned_ms\":3000.0"));
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s/plan.json", out),
				     "\"start_ms\": 0, \"end_ms\": 3000, \"at\": \"boot\""));
}
END_TEST

START_TEST(sigint_exit4_nothing_left)
{
	char out[256], id[32], ev[PATH_MAX + 16];
	const char *sc = e2e_scenario("int", e2e_cut);
	pid_t pid;
	int rc;

	snprintf(out, sizeof(out), "%s/int", e2e_tmp);
	snprintf(ev, sizeof(ev), "%s/events.jsonl", out);
	pid = e2e_start(sc, out, NULL);
	ck_assert(test_wait_file(ev, "\"engine\":\"iptables\"", 20));
	e2e_run_id(out, id, sizeof(id));
	kill(pid, SIGINT);
	rc = test_faultlab_wait(pid, 20);
	ck_assert_msg(rc == 4, "exit %d: %s", rc, e2e_sh("cat %s.err", out));
	ck_assert_ptr_nonnull(strstr(e2e_sh("tail -1 %s", ev), "\"interrupted\""));
	ck_assert_str_eq(e2e_sh("grep -c 'fault-revert.*teardown.*\"ok\"' %s", ev), "2\n");
	e2e_assert_nothing_left(id);
}
END_TEST

START_TEST(node_crash_is_journalled)
{
	char out[256], ev[300];
	const char *sc =
	    e2e_scenario("crash", "duration: 4s\ndrain: 1s\n"
				  "nodes:\n  - name: a\n  - name: b\n"
				  "topology:\n  kind: full\n"
				  "traffic:\n  - kind: dm\n    from: a\n    to: b\n"
				  "    interval: 500ms\n    count: 6\n    start: 1s\n");
	pid_t pid;
	int rc;

	snprintf(out, sizeof(out), "%s/crash", e2e_tmp);
	snprintf(ev, sizeof(ev), "%s/events.jsonl", out);
	pid = e2e_start(sc, out, NULL);
	ck_assert(test_wait_file(ev, "run-start", 20));
	e2e_sh("kill -KILL $(pgrep -f -- '%s/[n]odes/b/events.jsonl')", out);
	rc = test_faultlab_wait(pid, 30);
	ck_assert_msg(rc == 0 || rc == 1, "exit %d: %s", rc, e2e_sh("cat %s.err", out));
	ck_assert_ptr_nonnull(strstr(e2e_sh("grep node-exit %s", ev), "\"node\":\"b\",\"t_ms\""));
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("grep node-exit %s", ev), "\"signal\":\"KILL\",\"expected\":false"));
	ck_assert_ptr_nonnull(strstr(e2e_sh("tail -1 %s", ev), "\"completed\""));
}
END_TEST

START_TEST(docker_run_directory)
{
	char out[256], id[32];
	const char *sc;
	int rc;

	/* Installs docker.io and starts dockerd when missing; skips only when no daemon can be
	 * had on this host. The labnode image is made stale first (an empty image under its tag):
	 * the run must rebuild it from this tree's labnode by itself (no registry). */
	if (system("tools/setup docker >/dev/null 2>&1") != 0)
		TEST_SKIP("docker", "no docker daemon could be started here");
	ck_assert_int_eq(system("tar -cf - -T /dev/null | docker import - faultlab/labnode:latest "
				">/dev/null"),
			 0);
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("%s image ls", e2e_bin), "faultlab/labnode:latest      stale"));
	sc = e2e_scenario("dock", e2e_body);
	snprintf(out, sizeof(out), "%s/dock", e2e_tmp);
	{
		char errf[PATH_MAX];
		pid_t pid;

		snprintf(errf, sizeof(errf), "%.4000s.err", out);
		pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			int fe = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			dup2(fd, 1);
			dup2(fe, 2);
			execl(e2e_bin, "faultlab", "run", sc, "--out", out, "--quiet", "--runtime",
			      "docker", (char *)NULL);
			_exit(127);
		}
		rc = test_faultlab_wait(pid, 120);
		ck_assert_msg(strstr(e2e_sh("cat %s", errf),
				     "image faultlab/labnode:latest is stale: building it"),
			      "%s", e2e_sh("cat %s", errf));
	}
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("%s image ls", e2e_bin), "faultlab/labnode:latest      current"));
	ck_assert_msg(rc == 0 || rc == 1, "docker run exit %d", rc);
	ck_assert(e2e_exists("%s/%s", out, "report.json"));
	ck_assert_str_eq(e2e_sh("grep -c '\"type\":\"node-up\"' %s/events.jsonl", out), "3\n");
	/* the agents entered the containers' namespaces: the partition on all three, reverted */
	ck_assert_str_eq(e2e_sh("grep -c 'fault-apply.*\"engine\":\"iptables\",\"result\":\"ok\"' "
				"%s/events.jsonl",
				out),
			 "3\n");
	ck_assert_str_eq(e2e_sh("grep -c 'fault-revert.*\"ok\"' %s/events.jsonl", out), "3\n");
	e2e_run_id(out, id, sizeof(id));
	ck_assert_str_eq(e2e_sh("docker ps -aq --filter label=faultlab.run=%s | wc -l", id), "0\n");
	/* by hand: rm, then build */
	ck_assert_str_eq(e2e_sh("%s image rm labnode; echo rc=$?", e2e_bin),
			 "removed faultlab/labnode:latest\nrc=0\n");
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("%s image ls", e2e_bin), "faultlab/labnode:latest      missing"));
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("%s image build labnode 2>&1; echo rc=$?", e2e_bin), "rc=0"));
	ck_assert_ptr_nonnull(
	    strstr(e2e_sh("%s image ls", e2e_bin), "faultlab/labnode:latest      current"));
}
END_TEST

static const char e2e_small[] = "duration: 3s\ndrain: 1s\n"
				"nodes:\n  - name: a\n  - name: b\n"
				"topology:\n  kind: full\n"
				"traffic:\n  - kind: dm\n    from: a\n    to: b\n    interval: 1s\n"
				"    count: 2\n    start: 1s\n"
				"faults:\n  - at: 1s\n    for: 1s\n    freeze: {target: b}\n";

START_TEST(replay_same_plan_or_refuse)
{
	char out[256], copy[256];
	const char *sc = e2e_scenario("rep", e2e_small);
	const char *o;
	int rc;

	snprintf(out, sizeof(out), "%s/rep", e2e_tmp);
	rc = test_faultlab_wait(e2e_start(sc, out, NULL), 40);
	ck_assert_msg(rc == 0 || rc == 1, "exit %d: %s", rc, e2e_sh("cat %s.err", out));
	/* replay into FL_RUNS_DIR: a new run directory with the same plan, byte for byte */
	o = e2e_sh("FL_RUNS_DIR=%s/runs %s replay %s --quiet 2>/dev/null </dev/null; echo rc=$?",
		   e2e_tmp, e2e_bin, out);
	ck_assert_msg(strstr(o, "rc=0") || strstr(o, "rc=1"), "%s", o);
	ck_assert_str_eq(
	    e2e_sh("cmp %s/plan.json %s/runs/e2e-rep-*/plan.json && echo same", out, e2e_tmp),
	    "same\n");
	/* a changed scenario no longer gives the saved plan: refused, nothing started */
	snprintf(copy, sizeof(copy), "%s/rep-changed", e2e_tmp);
	e2e_sh("cp -r %s %s && sed -i 's/interval: 1s/interval: 500ms/' %s/scenario.yaml", out,
	       copy, copy);
	o = e2e_sh("%s replay %s 2>&1 </dev/null; echo rc=$?", e2e_bin, copy);
	ck_assert_msg(strstr(o, "rc=2") && strstr(o, "differs"), "%s", o);
	o = e2e_sh("%s replay %s --pause-before e99 2>&1; echo rc=$?", e2e_bin, out);
	ck_assert_msg(strstr(o, "rc=2") && strstr(o, "no event \"e99\""), "%s", o);
}
END_TEST

START_TEST(suite_one_junit)
{
	const char *good = e2e_scenario("sg", e2e_small);
	char bad[256], junit[256];
	const char *o;

	snprintf(bad, sizeof(bad), "%s/sb.yaml", e2e_tmp);
	e2e_sh("printf 'version: 1\\nname: sb\\nnodes: 3\\n' > %s", bad);
	snprintf(junit, sizeof(junit), "%s/suite.xml", e2e_tmp);
	o = e2e_sh("FL_RUNS_DIR=%s/runs %s suite %s %s --junit %s 2>&1 >/dev/null; echo rc=$?",
		   e2e_tmp, e2e_bin, good, bad, junit);
	ck_assert_msg(strstr(o, "rc=2"), "the worst exit is the invalid scenario's: %s", o);
	ck_assert_str_eq(e2e_sh("grep -c '<testsuite ' %s", junit), "2\n");
	ck_assert_str_eq(e2e_sh("grep -c '<testsuites' %s", junit), "1\n");
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s", junit), "exited 2 (invalid scenario)"));
	ck_assert_str_eq(e2e_sh("python3 -c 'import xml.dom.minidom,sys; "
				"xml.dom.minidom.parse(sys.argv[1]); print(\"ok\")' %s",
				junit),
			 "ok\n");
}
END_TEST

START_TEST(keep_then_inject)
{
	char out[256], id[32], ev[300];
	const char *sc = e2e_scenario("keep", "duration: 2s\ndrain: 1s\n"
					      "nodes:\n  - name: a\n  - name: b\n"
					      "topology:\n  kind: full\n");
	const char *o;
	pid_t pid;
	int rc;

	snprintf(out, sizeof(out), "%s/keep", e2e_tmp);
	snprintf(ev, sizeof(ev), "%s/events.jsonl", out);
	pid = e2e_start(sc, out, "--keep");
	ck_assert(test_wait_file(ev, "run-start", 20));
	e2e_run_id(out, id, sizeof(id));
	usleep(4000000); /* past the timeline: the run is kept */
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);
	/* bash completion offers the live run's id, then its node names */
	o = e2e_sh("bash -c '. tools/completion/faultlab.bash; COMP_WORDS=(%s shell \"\"); "
		   "COMP_CWORD=2; _faultlab; echo \"${COMPREPLY[*]}\"'",
		   e2e_bin);
	ck_assert_msg(strstr(o, id), "completion of run ids: %s", o);
	o = e2e_sh("bash -c '. tools/completion/faultlab.bash; COMP_WORDS=(%s inject %s \"\"); "
		   "COMP_CWORD=3; _faultlab; echo \"${COMPREPLY[*]}\"'",
		   e2e_bin, id);
	ck_assert_str_eq(o, "a b\n");
	o = e2e_sh("%s inject %s a '{partition: {from: [b]}, for: 20s}' 2>&1; echo rc=$?", e2e_bin,
		   id);
	ck_assert_msg(strstr(o, "rc=0") && strstr(o, "engine iptables"), "%s", o);
	ck_assert_str_eq(
	    e2e_sh("ip netns exec fl-%s-a iptables-legacy -S | grep -c 'FL%s-i1'", id, id), "3\n");
	o = e2e_sh("%s inject %s a '{netem: {delya: 1ms}}' 2>&1; echo rc=$?", e2e_bin, id);
	ck_assert_msg(strstr(o, "rc=2") && strstr(o, "unknown key \"delya\""), "%s", o);
	o = e2e_sh("%s inject %s nobody '{freeze: {}}' 2>&1; echo rc=$?", e2e_bin, id);
	ck_assert_msg(strstr(o, "rc=3") && strstr(o, "unknown node"), "%s", o);
	kill(pid, SIGTERM);
	rc = test_faultlab_wait(pid, 20);
	ck_assert_msg(rc == 0 || rc == 1, "a kept run ends with its verdict, got %d", rc);
	ck_assert_ptr_nonnull(strstr(e2e_sh("cat %s", ev), "\"fault\":\"i1\""));
	e2e_assert_nothing_left(id);
}
END_TEST

Suite *run_e2e_suite(void)
{
	Suite *s = suite_create("run_e2e");
	TCase *t = tcase_create("netns");

	tcase_add_checked_fixture(t, e2e_setup, e2e_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, netns_run_directory);
	tcase_add_test(t, kill9_mid_fault_then_clean);
	tcase_add_test(t, two_runs_at_once);
	tcase_add_test(t, node_never_ready_exit3);
	tcase_add_test(t, node_not_answering_times_out_exit3);
	tcase_add_test(t, sigint_exit4_nothing_left);
	tcase_add_test(t, preflight_refuses_exit3);
	tcase_add_test(t, drain_ends_when_settled);
	tcase_add_test(t, node_crash_is_journalled);
	suite_add_tcase(s, t);
	t = tcase_create("conditions"); /* faults bound to conditions: until, at: boot */
	tcase_add_checked_fixture(t, e2e_setup, e2e_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, fault_until_delivered);
	tcase_add_test(t, fault_at_boot_before_links);
	suite_add_tcase(s, t);
	t = tcase_create("verbs");
	tcase_add_checked_fixture(t, e2e_setup, e2e_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, replay_same_plan_or_refuse);
	tcase_add_test(t, suite_one_junit);
	tcase_add_test(t, keep_then_inject);
	suite_add_tcase(s, t);
	t = tcase_create("docker");
	tcase_add_checked_fixture(t, e2e_setup, e2e_teardown);
	tcase_set_timeout(t, 180);
	tcase_add_test(t, docker_run_directory);
	suite_add_tcase(s, t);
	return s;
}
