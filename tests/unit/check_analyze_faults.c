/* The analyzer never passes over a fault that did not happen, nor over a run that did not
 * finish: copies of tests/data/runs/mixed and clean with journals edited as a refused apply, a
 * lost agent, a missing revert and an interruption would leave them. */
#include "orchestrator/analyze/analyze.h"
#include "tests/util_test.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[64];
static char scratch[4096]; /* output of the shell commands that only must succeed */

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/fl-anf-%d", (int)getpid());
	ck_assert_int_eq(
	    test_sh_out(scratch, sizeof(scratch), "rm -rf %s && mkdir -p %s", tmp, tmp), 0);
}

static void teardown(void)
{
	test_sh_out(scratch, sizeof(scratch), "rm -rf %s", tmp);
}

static char *slurp(const char *dir, const char *name)
{
	static char buf[1 << 20];
	char p[256];
	FILE *f;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "%s", p);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Copies tests/data/runs/<from> to tmp/<to> and runs sed_script over its journal. */
static const char *fixture(const char *from, const char *to, const char *sed_script)
{
	static char dir[128];

	snprintf(dir, sizeof(dir), "%s/%s", tmp, to);
	ck_assert_int_eq(
	    test_sh_out(scratch, sizeof(scratch),
			"cp -r tests/data/runs/%s %s && sed -i -e '%s' %s/events.jsonl", from, dir,
			sed_script, dir),
	    0);
	return dir;
}

START_TEST(fault_errors_fail_and_are_named)
{
	/* f1 (partition alice|bob): alice's revert missing, bob's agent died; f2 (netem on carol)
	 * refused and so never reverted; f3 (a kill) holds nothing to revert */
	const char *dir = fixture(
	    "mixed", "errs",
	    "/\"fault-revert\", \"id\": \"e9\", \"fault\": \"f1\", \"node\": \"alice\"/d;"
	    "/\"fault-revert\", \"id\": \"e11\"/d;"
	    "/\"id\": \"e10\"/s/\"result\": \"ok\"/\"result\": \"error\", \"error\": \"agent of "
	    "carol refused: interface nope0: No such device\"/;"
	    "/\"fault-revert\", \"id\": \"e9\", \"fault\": \"f1\", \"node\": \"bob\"/i "
	    "{\"type\":\"fault-lost\",\"id\":\"agent-exit\",\"fault\":\"f1\",\"node\":\"bob\","
	    "\"t_ms\":15000.0,\"result\":\"error\",\"error\":\"agent of bob killed by SIGKILL\"}");
	struct analyze_opts o = {.quiet = 1};
	struct fl_error err = {0};
	int verdict = -1;
	char out[4096];

	ck_assert_msg(analyze_run_dir(dir, &o, &verdict, NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(verdict, 1);
	ck_assert_int_eq(test_reports_valid(dir), 1);
	ck_assert_int_eq(
	    test_sh_out(
		out, sizeof(out),
		"python3 -c \"import json; r = json.load(open('%s/report.json')); "
		"print(r['verdict'], r['fault_errors'], r['status'], r['interrupted']); "
		"[print(f['id'], f['status'], [(e['node'], e['phase'], e['error']) for e in "
		"f['errors']]) for f in r['faults']]; "
		"print([(n['name'], n['fault_errors']) for n in r['nodes']])\"",
		dir),
	    0);
	ck_assert_str_eq(out,
			 "fail 3 completed None\n"
			 "f1 error [('bob', 'lost', 'agent of bob killed by SIGKILL'), "
			 "('alice', 'revert', 'never reverted (no fault-revert line for this "
			 "node)')]\n"
			 "f2 error [('carol', 'apply', 'agent of carol refused: interface nope0: "
			 "No such device')]\n"
			 "f3 ok []\n"
			 "[('alice', 1), ('bob', 1), ('carol', 1), ('dave', 0)]\n");
	ck_assert_ptr_nonnull(strstr(slurp(dir, "summary.md"),
				     "fault f2 (quiet) on carol: apply failed at 40.0 s: agent of "
				     "carol refused: interface nope0: No such device"));
	ck_assert_ptr_nonnull(strstr(slurp(dir, "junit.xml"), "errors=\"3\""));
	ck_assert_ptr_nonnull(strstr(slurp(dir, "report.html"), "fault f1 (cut) on bob: lost"));
}
END_TEST

START_TEST(interrupted_counts_only_what_was_sent)
{
	/* interrupted after m1: m2 was still queued ("not sent") */
	const char *dir = fixture("clean", "int",
				  "/\"msg\":\"m2\"/s/\"result\":\"ok\"/\"result\":\"error\","
				  "\"error\":\"not sent: the run ended first\"/;"
				  "s/\"status\":\"completed\"/\"status\":\"interrupted\"/");
	struct analyze_opts o = {.quiet = 1};
	struct fl_error err = {0};
	int verdict = -1;
	char out[1024];

	ck_assert_int_eq(test_sh_out(scratch, sizeof(scratch), "rm %s/nodes/*/events.jsonl", dir),
			 0);
	ck_assert_msg(analyze_run_dir(dir, &o, &verdict, NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(verdict, 1);
	ck_assert_int_eq(test_reports_valid(dir), 1);
	ck_assert_int_eq(
	    test_sh_out(out, sizeof(out),
			"python3 -c \"import json; r = json.load(open('%s/report.json')); "
			"t = r['totals']; print(r['verdict'], r['status'], "
			"r['interrupted'], t['sent'], t['failed'], len(r['messages']))\"",
			dir),
	    0);
	ck_assert_str_eq(out, "fail interrupted {'at_ms': 6000, 'unsent_messages': 1} 1 0 1\n");
	ck_assert_ptr_nonnull(strstr(slurp(dir, "summary.md"), "the run was interrupted at 6.0 s"));
	ck_assert_ptr_nonnull(strstr(slurp(dir, "junit.xml"), "type=\"interrupted\""));
	/* a journal without run-end: faultlab died */
	dir = fixture("clean", "crash", "/\"run-end\"/d");
	ck_assert_msg(analyze_run_dir(dir, &o, &verdict, NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(verdict, 1);
	ck_assert_ptr_nonnull(strstr(slurp(dir, "report.json"), "\"status\": \"crashed\""));
}
END_TEST

Suite *analyze_faults_suite(void)
{
	Suite *s = suite_create("analyze_faults");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60); /* python3 reads each report */
	tcase_add_test(tc, fault_errors_fail_and_are_named);
	tcase_add_test(tc, interrupted_counts_only_what_was_sent);
	suite_add_tcase(s, tc);
	return s;
}
