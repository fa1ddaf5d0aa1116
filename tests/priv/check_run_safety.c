/* Issue 15, findings 2, 3 and 8, end to end as root through the real binaries: a run
 * directory another user prepared (links to root's files) is refused and the link targets stay
 * untouched; two identical runs started in the same second get two directories and two
 * correct reports; artefacts are 0700/0600 unless --share; the node's identity seed is not on
 * its command line; the control socket is 0600 and a user who may not use it is told so.
 * Output dirs carry the test's pid. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char safe_bin[PATH_MAX];
static char safe_tmp[128];

static void safe_setup(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	if (getenv("FL_BUILD_DIR"))
		snprintf(self, sizeof(self), "%s", getenv("FL_BUILD_DIR"));
	snprintf(safe_bin, sizeof(safe_bin), "%.4000s/faultlab", self);
	snprintf(safe_tmp, sizeof(safe_tmp), "/tmp/fl-safety-%d", (int)getpid());
	ck_assert_int_eq(mkdir(safe_tmp, 0755), 0);
}

static void safe_teardown(void)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", safe_tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", safe_tmp);
}

static char *safe_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *safe_sh(const char *fmt, ...)
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

static const char *safe_scenario(const char *tag, const char *body)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.yaml", safe_tmp, tag);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "version: 1\nname: safety-%s-%d\nseed: 7\n%s", tag, (int)getpid(), body);
	fclose(f);
	return path;
}

static const char safe_body[] =
    "duration: 4s\ndrain: 2s\n"
    "nodes:\n  - name: a\n  - name: b\n"
    "topology:\n  kind: full\n"
    "traffic:\n  - name: a2b\n    kind: dm\n    from: a\n    to: b\n    rate: 4/s\n"
    "    count: 8\n    start: 1s\n    size: 200B\n"
    "expect:\n  - metric: delivery\n    min: 0%\n";

static unsigned safe_mode(const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "%s missing", path);
	return st.st_mode & 07777;
}

/* A root-owned file the links point at, with known content. */
static void safe_target(char *target, size_t len)
{
	FILE *f;

	snprintf(target, len, "%s/root-file", safe_tmp);
	f = fopen(target, "w");
	ck_assert_ptr_nonnull(f);
	fputs("precious\n", f);
	fclose(f);
}

/* The reproduction: an unprivileged user's --out with scenario.yaml and
 * nodes/a/stdout.log linked to a root file. Refused before anything is written. */
START_TEST(user_out_with_links_refused)
{
	char target[256], evil[256];
	const char *sc = safe_scenario("evil", safe_body);
	const char *o;

	safe_target(target, sizeof(target));
	snprintf(evil, sizeof(evil), "%s/evil", safe_tmp);
	safe_sh("mkdir -p %s/nodes/a && ln -s %s %s/scenario.yaml && "
		"ln -s %s %s/nodes/a/stdout.log && chown -hR 65534:65534 %s",
		evil, target, evil, target, evil, evil);
	o = safe_sh("%s run %s --out %s --quiet 2>&1; echo rc=$?", safe_bin, sc, evil);
	ck_assert_msg(strstr(o, "rc=3"), "%s", o);
	ck_assert_msg(strstr(o, "refusing ") && strstr(o, "owned by uid 65534, not root"), "%s", o);
	ck_assert_str_eq(safe_sh("cat %s", target), "precious\n");
	ck_assert_str_eq(safe_sh("ls %s | sort | tr '\\n' ' '", evil), "nodes scenario.yaml ");
	/* a link as --out itself, or above it */
	o = safe_sh("ln -s %s %s/link && %s run %s --out %s/link/x --quiet 2>&1; echo rc=$?",
		    safe_tmp, safe_tmp, safe_bin, sc, safe_tmp);
	ck_assert_msg(strstr(o, "rc=3") && strstr(o, "/link: it is a symbolic link"), "%s", o);
}
END_TEST

/* Links left in a root-owned --out: scenario.yaml is created exclusively, a node's log is
 * opened without following links; the targets stay untouched and the run fails with exit 3. */
START_TEST(links_in_root_out_not_followed)
{
	char target[256], out[256];
	const char *sc = safe_scenario("links", safe_body);
	const char *o;

	safe_target(target, sizeof(target));
	snprintf(out, sizeof(out), "%s/out1", safe_tmp);
	safe_sh("mkdir -p %s && ln -s %s %s/scenario.yaml", out, target, out);
	o = safe_sh("%s run %s --out %s --quiet 2>&1; echo rc=$?", safe_bin, sc, out);
	ck_assert_msg(strstr(o, "rc=3") && strstr(o, "scenario.yaml (it must not exist yet)"), "%s",
		      o);
	snprintf(out, sizeof(out), "%s/out2", safe_tmp);
	safe_sh("mkdir -p %s/nodes/a && ln -s %s %s/nodes/a/stdout.log", out, target, out);
	o = safe_sh("%s run %s --out %s --quiet 2>&1; echo rc=$?", safe_bin, sc, out);
	ck_assert_msg(strstr(o, "rc=3") && strstr(o, "stdout.log: it is a symbolic link"), "%s", o);
	ck_assert_str_eq(safe_sh("cat %s", target), "precious\n");
}
END_TEST

/* Two identical runs (same scenario file, same seed) started together, no --out: two run
 * directories, two reports, each counting its own 8 messages once. The directories and every
 * file in them are private (0700/0600), the node's seed file too. */
START_TEST(same_second_runs_unique_and_private)
{
	const char *sc = safe_scenario("twin", safe_body);
	char dirs[2][512];
	const char *o;

	o = safe_sh("cd %s && (FL_RUNS_DIR=%s/runs %s run %s --quiet >a.out 2>a.err & "
		    "FL_RUNS_DIR=%s/runs %s run %s --quiet >b.out 2>b.err & wait) && "
		    "cat a.out b.out",
		    safe_tmp, safe_tmp, safe_bin, sc, safe_tmp, safe_bin, sc);
	ck_assert_msg(sscanf(o, "%511s %511s", dirs[0], dirs[1]) == 2, "%s\n%s", o,
		      safe_sh("cat %s/a.err %s/b.err", safe_tmp, safe_tmp));
	ck_assert_str_ne(dirs[0], dirs[1]);
	ck_assert_str_eq(safe_sh("ls %s/runs | wc -l", safe_tmp), "2\n");
	for (int i = 0; i < 2; i++) {
		char p[1200];

		ck_assert_msg(
		    strstr(safe_sh("grep -c '\"type\":\"send\"' %s/events.jsonl", dirs[i]), "8\n"),
		    "%s", dirs[i]);
		o = safe_sh("tr -d ' \\n' < %s/report.json | grep -o '\"totals\":{[^}]*}'",
			    dirs[i]);
		ck_assert_msg(strstr(o, "\"sent\":8,") && strstr(o, "\"duplicates\":0"), "%s: %s",
			      dirs[i], o);
		ck_assert_uint_eq(safe_mode(dirs[i]), 0700);
		snprintf(p, sizeof(p), "%s/events.jsonl", dirs[i]);
		ck_assert_uint_eq(safe_mode(p), 0600);
		snprintf(p, sizeof(p), "%s/report.json", dirs[i]);
		ck_assert_uint_eq(safe_mode(p), 0600);
		snprintf(p, sizeof(p), "%s/nodes/a/stdout.log", dirs[i]);
		ck_assert_uint_eq(safe_mode(p), 0600);
		snprintf(p, sizeof(p), "%s/nodes/a/identity.seed", dirs[i]);
		ck_assert_uint_eq(safe_mode(p), 0600);
	}
}
END_TEST

/* --share: the documented way to let other users read a run. */
START_TEST(share_opens_artefacts)
{
	const char *sc = safe_scenario("share", safe_body);
	char out[256], p[320];
	const char *o;

	snprintf(out, sizeof(out), "%s/shared", safe_tmp);
	o = safe_sh("%s run %s --out %s --quiet --share 2>&1; echo rc=$?", safe_bin, sc, out);
	ck_assert_msg(strstr(o, "rc=0"), "%s", o);
	ck_assert_uint_eq(safe_mode(out), 0755);
	snprintf(p, sizeof(p), "%s/report.json", out);
	ck_assert_uint_eq(safe_mode(p), 0644);
	snprintf(p, sizeof(p), "%s/nodes/a/identity.seed", out); /* the secret stays private */
	ck_assert_uint_eq(safe_mode(p), 0600);
}
END_TEST

/* While a run is kept: labnode's command line names the seed file, not the seed; the control
 * socket and the run's /run/faultlab file are 0600; an unprivileged inject reads as a
 * permission problem, not as a dead run. */
START_TEST(kept_run_secrets_and_socket)
{
	const char *sc = safe_scenario("kept", safe_body);
	char out[256], id[32], p[128], err_path[300];
	const char *o;
	pid_t pid;
	int status;

	snprintf(out, sizeof(out), "%s/kept", safe_tmp);
	snprintf(err_path, sizeof(err_path), "%s.err", out);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fo = open("/dev/null", O_WRONLY);

		dup2(fo, 1);
		dup2(fe, 2);
		execl(safe_bin, "faultlab", "run", sc, "--out", out, "--quiet", "--keep",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300 && !strstr(safe_sh("cat %s", err_path), "kept alive"); i++)
		usleep(100000);
	ck_assert_msg(strstr(safe_sh("cat %s", err_path), "kept alive"), "%s",
		      safe_sh("cat %s", err_path));
	o = safe_sh("head -1 %s/events.jsonl | sed 's/.*\"run_id\":\"\\([a-z0-9]*\\)\".*/\\1/'",
		    out);
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(o, "\n"), o);
	o = safe_sh("for p in /proc/[0-9]*; do cat $p/cmdline 2>/dev/null | tr '\\0' ' ' | "
		    "grep -- '%s/nodes/a' && echo; done",
		    out);
	ck_assert_msg(strstr(o, "--identity-file") && !strstr(o, "--identity-seed"), "%s", o);
	snprintf(p, sizeof(p), "/run/faultlab/%s.sock", id);
	ck_assert_uint_eq(safe_mode(p), 0600);
	snprintf(p, sizeof(p), "/run/faultlab/%s.json", id);
	ck_assert_uint_eq(safe_mode(p), 0600);
	o = safe_sh("setpriv --reuid=65534 --regid=65534 --clear-groups %s inject %s a "
		    "'{netem: {delay: 10ms}}' 2>&1; echo rc=$?",
		    safe_bin, id);
	ck_assert_msg(strstr(o, "not allowed to use the control socket") && strstr(o, "rc=3"), "%s",
		      o);
	kill(pid, SIGINT);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

Suite *run_safety_suite(void)
{
	Suite *s = suite_create("run_safety");
	TCase *t = tcase_create("safety");

	tcase_set_timeout(t, 240);
	tcase_add_checked_fixture(t, safe_setup, safe_teardown);
	tcase_add_test(t, user_out_with_links_refused);
	tcase_add_test(t, links_in_root_out_not_followed);
	tcase_add_test(t, same_second_runs_unique_and_private);
	tcase_add_test(t, share_opens_artefacts);
	tcase_add_test(t, kept_run_secrets_and_socket);
	suite_add_tcase(s, t);
	return s;
}
