/* `faultlab suite` over real runs, as root: a passing scenario runs once, a scenario that
 * always fails an expectation is run 1 + --reruns times with one seed, and the JUnit file,
 * the summary and the history directory say so, and a deliberately flaky scenario (fails once,
 * then passes) is classified flaky (issue 12). Scenarios are 3 s, two labnodes. */
#include "tests/util_test.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static const char suite_body[] =
    "version: 1\nname: %s\nduration: 3s\ndrain: 1s\n"
    "nodes:\n  - name: a\n  - name: b\ntopology:\n  kind: full\n"
    "traffic:\n  - kind: dm\n    from: a\n    to: b\n    interval: 1s\n"
    "    count: 2\n    start: 1s\n"
    "expect:\n  - metric: delivery\n    min: 100%%\n%s";

static void suite_scenario(const char *file, const char *name, const char *extra)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sc/%s", dir, file);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, suite_body, name, extra);
	fclose(f);
}

static void setup(void)
{
	char sc[PATH_MAX];

	snprintf(dir, sizeof(dir), "/tmp/fl-suite-%d", (int)getpid());
	snprintf(sc, sizeof(sc), "%s/sc", dir);
	mkdir(dir, 0755);
	mkdir(sc, 0755);
}

static void teardown(void)
{
	char out[64];

	test_sh_out(out, sizeof(out), "rm -rf %s", dir);
}

START_TEST(reruns_junit_history)
{
	static char out[65536];
	char bin[PATH_MAX];
	int rc;

	test_bin("faultlab", bin, sizeof(bin));
	suite_scenario("a-pass.yaml", "suite-pass", "");
	/* nothing crosses a bridge in 0 ms: fails every time */
	suite_scenario("b-fail.yaml", "suite-fail", "  - metric: latency.p50\n    max: 0ms\n");
	rc = test_sh_out(out, sizeof(out),
			 "%s suite %s/sc --reruns 1 --junit %s/j.xml --summary %s/s.md "
			 "--history %s/h --out %s/runs 2>&1",
			 bin, dir, dir, dir, dir, dir);
	ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
	test_sh_out(out, sizeof(out), "cat %s/j.xml", dir);
	ck_assert_msg(strstr(out, "<property name=\"outcome\" value=\"pass\"/>"), "%s", out);
	ck_assert_msg(strstr(out, "<property name=\"outcome\" value=\"fail\"/>"), "%s", out);
	ck_assert_msg(strstr(out, "<property name=\"attempts\" value=\"2\"/>"), "%s", out);
	ck_assert_msg(strstr(out, "<rerunFailure type=\"expectation\" message=\"latency.p50: "),
		      "%s", out);
	test_sh_out(out, sizeof(out), "cat %s/s.md; ls %s/runs | wc -l", dir, dir);
	ck_assert_msg(strstr(out, "| pass | 1 (0) |"), "%s", out);
	ck_assert_msg(strstr(out, "| fail | 2 (1, 1) |"), "%s", out);
	ck_assert_msg(strstr(out, "\n3\n"), "three run directories expected: %s", out);
	test_sh_out(out, sizeof(out), "cat %s/h/history.md; ls %s/h", dir, dir);
	ck_assert_msg(strstr(out, "/b-fail.yaml | **fail** | 0 | 0 | 1 | 0 |"), "%s", out);
	ck_assert_msg(strstr(out, "history.html"), "%s", out);
	ck_assert_int_eq(test_reports_valid(dir), 3);
}
END_TEST

/* A deliberately flaky scenario over real runs: the first attempt starts node b with its CLI
 * results thrown away (a wrapper as FL_LABNODE adds --events /dev/null once, then never
 * again), so none of a's DMs is seen arriving and delivery fails; the rerun is the scenario
 * as written and passes.
 * The suite calls it flaky, exits 0, and JUnit carries Surefire's flakyFailure. */
START_TEST(fail_then_pass_is_flaky_for_real)
{
	static char out[65536];
	char bin[PATH_MAX], ln[PATH_MAX], wrap[PATH_MAX];
	FILE *f;
	int rc;

	test_bin("faultlab", bin, sizeof(bin));
	test_bin("labnode", ln, sizeof(ln));
	snprintf(wrap, sizeof(wrap), "%s/labnode-once-astray", dir);
	ck_assert_ptr_nonnull(f = fopen(wrap, "w"));
	fprintf(f,
		"#!/bin/sh\n"
		"case \" $* \" in *\" --name b \"*)\n"
		"\tif mkdir %s/astray 2>/dev/null; then\n"
		"\t\texec %s \"$@\" --events /dev/null; fi;;\n"
		"esac\n"
		"exec %s \"$@\"\n",
		dir, ln, ln);
	fclose(f);
	ck_assert_int_eq(chmod(wrap, 0755), 0);
	suite_scenario("flaky.yaml", "suite-flaky", "");
	rc = test_sh_out(
	    out, sizeof(out),
	    "FL_LABNODE=%s %s suite %s/sc --reruns 2 --junit %s/j.xml --summary %s/s.md "
	    "--out %s/runs 2>&1",
	    wrap, bin, dir, dir, dir, dir);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "1 scenarios — 0 pass, 1 flaky, 0 fail, 0 error"), "%s", out);
	test_sh_out(out, sizeof(out), "cat %s/j.xml", dir);
	ck_assert_msg(strstr(out, "<property name=\"outcome\" value=\"flaky\"/>"), "%s", out);
	ck_assert_msg(strstr(out, "<property name=\"attempts\" value=\"2\"/>"), "%s", out);
	ck_assert_msg(strstr(out, "<flakyFailure type=\"expectation\" message=\"delivery: "), "%s",
		      out);
	ck_assert_msg(!strstr(out, "<rerunFailure"), "%s", out);
	test_sh_out(out, sizeof(out), "ls %s/runs | wc -l", dir);
	ck_assert_str_eq(out, "2\n");
	ck_assert_int_eq(test_reports_valid(dir), 2);
}
END_TEST

Suite *suite_runs_suite(void)
{
	Suite *s = suite_create("suite_runs");
	TCase *tc = tcase_create("suite_runs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, reruns_junit_history);
	tcase_add_test(tc, fail_then_pass_is_flaky_for_real);
	suite_add_tcase(s, tc);
	return s;
}
