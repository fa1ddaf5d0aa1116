/* The reliability pair of scenarios/, end to end as root: dm-reliability-off.yaml and
 * dm-reliability-on.yaml carry the same DMs and contact requests through the same partition
 * and suspend; without reliability messages are lost and `faultlab run` exits 1, with
 * [mvds, store-recovery] every one arrives once and it exits 0. Both runs go at once (each
 * ~35 s) into a temp dir named after the pid, removed afterwards. */
#include "tests/util_test.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char pair_bin[PATH_MAX];
static char pair_scen[PATH_MAX];
static char pair_tmp[128];

static void pair_setup(void)
{
	char self[PATH_MAX];
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	if (getenv("FL_BUILD_DIR")) /* the binaries' folder when the runner lives elsewhere */
		snprintf(self, sizeof(self), "%s", getenv("FL_BUILD_DIR"));
	snprintf(pair_bin, sizeof(pair_bin), "%.4000s/faultlab", self);
	/* the scenarios: from the repository root (where the runners run), else next to build/ */
	if (stat("scenarios/dm-reliability-on.yaml", &st) == 0)
		snprintf(pair_scen, sizeof(pair_scen), "scenarios");
	else
		snprintf(pair_scen, sizeof(pair_scen), "%.4000s/../scenarios", self);
	snprintf(pair_tmp, sizeof(pair_tmp), "/tmp/fl-pair-%d", (int)getpid());
	mkdir(pair_tmp, 0755);
}

/* Both runs' report.json are validated against the schema, then the directory goes. */
static void pair_teardown(void)
{
	static char msg[16384];
	char cmd[256];
	int n = test_reports_check(pair_tmp, msg, sizeof(msg));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", pair_tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", pair_tmp);
	ck_assert_msg(n >= 0, "report.json against reports/report.schema.json:\n%s", msg);
}

/* Starts `faultlab run scenarios/dm-reliability-HALF.yaml --out TMP/HALF --quiet`, its
 * stdout/stderr in TMP/HALF.out and .err. */
static pid_t pair_start(const char *half)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char sc[PATH_MAX + 64], out[256], o[300], e[300];

		snprintf(sc, sizeof(sc), "%s/dm-reliability-%s.yaml", pair_scen, half);
		snprintf(out, sizeof(out), "%s/%s", pair_tmp, half);
		snprintf(o, sizeof(o), "%s.out", out);
		snprintf(e, sizeof(e), "%s.err", out);
		dup2(open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
		dup2(open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
		setpgid(0, 0);
		execl(pair_bin, "faultlab", "run", sc, "--out", out, "--quiet", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The whole file TMP/HALF/NAME (or TMP/HALF.NAME when dot), "" when missing. */
static char *pair_read(const char *half, const char *name, int dot)
{
	static char buf[1 << 20];
	char path[512];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s%s%s", pair_tmp, half, dot ? "." : "/", name);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* A count of the "totals" object of report.json ("lost", "duplicates"...), -1 if absent. */
static long pair_total(const char *report, const char *key)
{
	char k[64];
	const char *t = strstr(report, "\"totals\"");
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = t ? strstr(t, k) : NULL;
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

START_TEST(off_loses_on_delivers_all_once)
{
	pid_t off = pair_start("off");
	pid_t on = pair_start("on");
	int rc_off = test_faultlab_wait(off, 150);
	int rc_on = test_faultlab_wait(on, 150);
	char *rep;

	ck_assert_msg(rc_off == 1, "reliability off: exit %d, expected 1 (fail): %s", rc_off,
		      pair_read("off", "err", 1));
	rep = pair_read("off", "report.json", 0);
	ck_assert_ptr_nonnull(strstr(rep, "\"verdict\": \"fail\""));
	ck_assert_int_eq(pair_total(rep, "sent"), 52);
	ck_assert_msg(pair_total(rep, "lost") > 0, "reliability off lost nothing:\n%s",
		      pair_read("off", "summary.md", 0));

	ck_assert_msg(rc_on == 0, "reliability on: exit %d, expected 0 (pass): %s\n%s", rc_on,
		      pair_read("on", "err", 1), pair_read("on", "summary.md", 0));
	rep = pair_read("on", "report.json", 0);
	ck_assert_ptr_nonnull(strstr(rep, "\"verdict\": \"pass\""));
	ck_assert_int_eq(pair_total(rep, "sent"), 52);
	ck_assert_int_eq(pair_total(rep, "delivered"), 52);
	ck_assert_int_eq(pair_total(rep, "lost"), 0);
	ck_assert_int_eq(pair_total(rep, "duplicates"), 0);
}
END_TEST

Suite *reliability_pair_suite(void)
{
	Suite *s = suite_create("reliability_pair");
	TCase *t = tcase_create("netns");

	tcase_add_checked_fixture(t, pair_setup, pair_teardown);
	tcase_set_timeout(t, 240);
	tcase_add_test(t, off_loses_on_delivers_all_once);
	suite_add_tcase(s, t);
	return s;
}
