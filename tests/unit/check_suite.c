/* faultlab suite above the runs (orchestrator/cli/suite*.c): reruns with the first attempt's
 * seed, flaky / fail / error classification, Surefire's flakyFailure and rerunFailure in the
 * JUnit file, the exit code, and the history table across suite runs (issue 12). The runs are
 * a fake runner here that writes the junit.xml a run would (render_junit.c's shape); the real
 * runs are in tests/priv/check_run_e2e.c. */
#include "orchestrator/cli/suite.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];
static unsigned runs; /* run directories made so far: each attempt gets its own */

struct fake {
	const int *rcs; /* exit code of each attempt, in order */
	size_t calls;
	uint64_t seeds[8];
	int has_seed[8];
};

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/fl-suite-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

/* A run that exits rcs[calls]; for 0 and 1 it writes junit.xml with testcase "delivery"
 * failing when the run failed (measured value = attempt number, to tell attempts apart). */
static int fake_run(struct run_opts *o, void *ctx)
{
	struct fake *f = ctx;
	size_t k = f->calls++;
	int rc = f->rcs[k];
	char path[sizeof(o->run_dir) + 16];
	FILE *x;

	f->has_seed[k] = o->has_seed;
	f->seeds[k] = o->seed;
	o->seed_used = o->has_seed ? o->seed : 4242;
	snprintf(o->run_dir, sizeof(o->run_dir), "%s/run%u", base, ++runs);
	if (rc > 1)
		return rc;
	ck_assert_int_eq(mkdir(o->run_dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/junit.xml", o->run_dir);
	ck_assert_ptr_nonnull(x = fopen(path, "w"));
	fprintf(x,
		"<?xml version=\"1.0\"?>\n<testsuites name=\"faultlab\">\n"
		"  <testsuite name=\"s\" tests=\"2\" failures=\"%d\">\n    <properties>\n"
		"    </properties>\n    <testcase classname=\"faultlab.s\" name=\"latency.p95\" "
		"time=\"0\">\n      <system-out>measured 1 s</system-out>\n    </testcase>\n"
		"    <testcase classname=\"faultlab.s\" name=\"delivery\" time=\"0\">",
		rc);
	if (rc)
		fprintf(x,
			"\n      <failure type=\"expectation\" message=\"delivery: measured "
			"%zu%%\">m</failure>\n    </testcase>\n",
			k + 1);
	else
		fputs("\n      <system-out>measured 100%</system-out>\n    </testcase>\n", x);
	fputs("  </testsuite>\n</testsuites>\n", x);
	fclose(x);
	return rc;
}

static char *junit_of(const struct suite_entry *e)
{
	static char buf[8192];
	FILE *m = fmemopen(buf, sizeof(buf), "w");

	suite_junit_entry(m, e);
	fclose(m);
	return buf;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

/* Fails, then passes: flaky, two attempts, the rerun keeps the first seed; JUnit shows the
 * last (passing) testsuite with the first attempt's failure as a flakyFailure. */
START_TEST(fail_then_pass_is_flaky)
{
	static const int rcs[] = {1, 0};
	struct fake f = {.rcs = rcs};
	struct run_opts base_opts = {0};
	struct suite_entry e = {.scenario = "s.yaml"};
	const char *x;

	ck_assert_int_eq(suite_run_entry(&e, &base_opts, 2, fake_run, &f), 0);
	ck_assert_uint_eq(f.calls, 2);
	ck_assert_int_eq(f.has_seed[1], 1);
	ck_assert_uint_eq(f.seeds[1], 4242);
	ck_assert_int_eq(suite_outcome_of(&e), SUITE_FLAKY);
	ck_assert_int_eq(suite_exit_code(&e, 1), 0);
	x = junit_of(&e);
	ck_assert_uint_eq(count(x, "<flakyFailure "), 1);
	ck_assert_uint_eq(count(x, "<rerunFailure "), 0);
	ck_assert_ptr_nonnull(strstr(x, "message=\"delivery: measured 1%\""));
	ck_assert_ptr_nonnull(strstr(x, "<property name=\"outcome\" value=\"flaky\"/>"));
	ck_assert_ptr_nonnull(strstr(x, "<property name=\"attempts\" value=\"2\"/>"));
	/* the flakyFailure sits inside the delivery testcase, not latency's */
	ck_assert_ptr_nonnull(strstr(x, "name=\"delivery\""));
	ck_assert(strstr(x, "<flakyFailure ") > strstr(x, "name=\"delivery\""));
	free(e.at);
}
END_TEST

/* Fails every time: three attempts with --reruns 2, fail, exit 1, two rerunFailures beside the
 * last attempt's failure. */
START_TEST(always_failing_reruns_then_fails)
{
	static const int rcs[] = {1, 1, 1, 0};
	struct fake f = {.rcs = rcs};
	struct run_opts base_opts = {0};
	struct suite_entry e = {.scenario = "s.yaml"};
	const char *x;

	ck_assert_int_eq(suite_run_entry(&e, &base_opts, 2, fake_run, &f), 1);
	ck_assert_uint_eq(f.calls, 3);
	ck_assert_int_eq(suite_outcome_of(&e), SUITE_FAIL);
	ck_assert_int_eq(suite_exit_code(&e, 1), 1);
	x = junit_of(&e);
	ck_assert_uint_eq(count(x, "<failure "), 1);
	ck_assert_uint_eq(count(x, "<rerunFailure "), 2);
	ck_assert_ptr_nonnull(strstr(x, "measured 3%\">m</failure>"));
	free(e.at);
}
END_TEST

/* Passing, invalid (2) and host (3) runs are not rerun; errors become an errored testsuite and
 * the worst exit code; a flaky scenario next to a passing one leaves the suite at 0. */
START_TEST(errors_not_rerun)
{
	static const int pass[] = {0}, invalid[] = {2}, host[] = {3};
	struct fake fp = {.rcs = pass}, fi = {.rcs = invalid}, fh = {.rcs = host};
	struct run_opts base_opts = {0};
	struct suite_entry v[3] = {
	    {.scenario = "p.yaml"}, {.scenario = "i.yaml"}, {.scenario = "h.yaml"}};

	suite_run_entry(&v[0], &base_opts, 2, fake_run, &fp);
	suite_run_entry(&v[1], &base_opts, 2, fake_run, &fi);
	suite_run_entry(&v[2], &base_opts, 2, fake_run, &fh);
	ck_assert_uint_eq(fp.calls + fi.calls + fh.calls, 3);
	ck_assert_int_eq(suite_outcome_of(&v[0]), SUITE_PASS);
	ck_assert_int_eq(suite_outcome_of(&v[1]), SUITE_ERROR);
	ck_assert_int_eq(suite_exit_code(v, 3), 3);
	ck_assert_ptr_nonnull(strstr(junit_of(&v[1]), "exited 2 (invalid scenario)"));
	for (size_t i = 0; i < 3; i++)
		free(v[i].at);
}
END_TEST

/* Two suite runs into one history directory: history.md has a column per run, the flaky
 * scenario's cells, and its counts. */
START_TEST(history_two_nights)
{
	static const int night1[] = {1, 0}, night2[] = {0};
	struct fake f1 = {.rcs = night1}, f2 = {.rcs = night2};
	struct run_opts base_opts = {0};
	struct suite_entry e1 = {.scenario = "dm.yaml"}, e2 = {.scenario = "dm.yaml"};
	struct fl_error err = {0};
	char dir[PATH_MAX], md[PATH_MAX + 32], text[4096] = {0};
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/history", base);
	suite_run_entry(&e1, &base_opts, 1, fake_run, &f1);
	ck_assert_int_eq(suite_history_update(dir, &e1, 1, 1764806400, &err), 0);
	suite_run_entry(&e2, &base_opts, 1, fake_run, &f2);
	ck_assert_msg(suite_history_update(dir, &e2, 1, 1764892800, &err) == 0, "%s", err.msg);
	snprintf(md, sizeof(md), "%s/history.md", dir);
	ck_assert_ptr_nonnull(f = fopen(md, "r"));
	ck_assert_uint_gt(fread(text, 1, sizeof(text) - 1, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "2 suite runs recorded"));
	ck_assert_ptr_nonnull(strstr(text, "| 2025-12-04T00:00:00Z | 2025-12-05T00:00:00Z |"));
	ck_assert_msg(strstr(text, "| dm.yaml | **flaky** | pass | 1 | 1 | 0 | 0 |"), "%s", text);
	snprintf(md, sizeof(md), "%s/history.html", dir);
	ck_assert_int_eq(access(md, R_OK), 0);
	free(e1.at);
	free(e2.at);
}
END_TEST

Suite *suite_suite(void)
{
	Suite *s = suite_create("suite");
	TCase *tc = tcase_create("suite");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fail_then_pass_is_flaky);
	tcase_add_test(tc, always_failing_reruns_then_fails);
	tcase_add_test(tc, errors_not_rerun);
	tcase_add_test(tc, history_two_nights);
	suite_add_tcase(s, tc);
	return s;
}
