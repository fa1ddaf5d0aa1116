/* `faultlab run` with telemetry on, as root, through the real binaries: the collector in the
 * run's hub receives every labnode's pushes (telemetry.db), the journal has its counters, and
 * the report puts the aggregator's R beside the truth (report.json's telemetry section,
 * summary.md, report.html). tests/data/scenarios/telemetry-short.yaml (~16 s) with
 * `telemetry: on`; a second, shorter run turns it on with --telemetry. */
#include "tests/util_test.h"

#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tr_bin[PATH_MAX], tr_tmp[128];

static void tr_setup(void)
{
	test_bin("faultlab", tr_bin, sizeof(tr_bin));
	test_tmpdir("telrun", tr_tmp, sizeof(tr_tmp));
}

static void tr_teardown(void)
{
	char cmd[256], out[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tr_tmp);
	test_sh_out(out, sizeof(out), "%s", cmd);
}

/* faultlab run SCENARIO --out OUT --quiet [extra]: its exit code; stderr in OUT.err */
static int tr_run(const char *scenario, const char *out, const char *extra)
{
	char buf[256];

	return test_sh_out(buf, sizeof(buf), "%s run %s --out %s --quiet %s >%s.out 2>%s.err",
			   tr_bin, scenario, out, extra ? extra : "", out, out);
}

/* Records per (node, type) in OUT/telemetry.db. */
static long tr_records(const char *out, const char *node, const char *type)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long n = -1;

	snprintf(path, sizeof(path), "%s/telemetry.db", out);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db,
			       "SELECT COUNT(*) FROM records WHERE node_name = ?1 AND type = ?2",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static const char *tr_file(const char *out, const char *name)
{
	static char buf[1 << 20];
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cat %s/%s 2>/dev/null", out, name);
	test_sh_out(buf, sizeof(buf), "%s", cmd);
	return buf;
}

START_TEST(collector_in_the_run_and_report)
{
	char out[256];
	json_error_t jerr;
	json_t *rep, *tel, *win, *chats;
	int rc;

	snprintf(out, sizeof(out), "%s/short", tr_tmp);
	rc = tr_run("tests/data/scenarios/telemetry-short.yaml", out, NULL);
	ck_assert_msg(rc == 0 || rc == 1, "exit %d: %s", rc, tr_file(tr_tmp, "short.err"));
	/* every node pushed: the sender its SentEnvelope, the receivers their ReceivedMessages */
	ck_assert_int_ge(tr_records(out, "n0", "SentEnvelope"), 30);
	ck_assert_int_ge(tr_records(out, "n1", "ReceivedMessages"), 15);
	ck_assert_int_ge(tr_records(out, "n2", "ReceivedMessages"), 5);
	ck_assert_ptr_nonnull(
	    strstr(tr_file(out, "events.jsonl"), "\"type\":\"telemetry-collector\""));
	ck_assert_ptr_nonnull(strstr(tr_file(out, "plan.json"), "\"telemetry\": true"));
	/* the report: counts, the run's window and the fault's, R beside the truth */
	rep = json_load_file(strcat(out, "/report.json"), 0, &jerr);
	*strrchr(out, '/') = '\0';
	ck_assert_msg(rep != NULL, "%s", jerr.text);
	tel = json_object_get(rep, "telemetry");
	ck_assert_ptr_nonnull(tel);
	ck_assert_int_ge(json_integer_value(json_object_get(tel, "records")), 50);
	ck_assert_int_eq(json_integer_value(json_object_get(tel, "refused")), 0);
	ck_assert_int_eq(json_array_size(json_object_get(tel, "windows")), 2);
	win = json_array_get(json_object_get(tel, "windows"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(win, "id")), "run");
	ck_assert(json_is_number(json_object_get(json_object_get(win, "aggregator"), "r")));
	ck_assert(json_is_number(json_object_get(json_object_get(win, "estimator"), "r")));
	ck_assert(json_is_number(json_object_get(json_object_get(win, "truth"), "delivery")));
	ck_assert_int_gt(json_integer_value(json_object_get(json_object_get(win, "truth"), "sent")),
			 20);
	chats = json_object_get(win, "chats");
	ck_assert_int_eq(json_array_size(chats), 2); /* one chat per DM receiver */
	win = json_array_get(json_object_get(tel, "windows"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(win, "fault")), "cut");
	json_decref(rep);
	ck_assert_ptr_nonnull(strstr(tr_file(out, "summary.md"), "**Telemetry**"));
	ck_assert_ptr_nonnull(strstr(tr_file(out, "report.html"), "Telemetry against the truth"));
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

static const char tr_flag_scenario[] = "version: 1\nname: telemetry-flag\nseed: 1\n"
				       "duration: 5s\ndrain: {max: 3s, quiet: 1s}\n"
				       "defaults:\n  reliability: []\n"
				       "nodes:\n  - name: a\n  - name: b\n"
				       "traffic:\n  - kind: dm\n    from: a\n    to: b\n"
				       "    interval: 500ms\n    count: 8\n";

START_TEST(telemetry_flag_turns_it_on)
{
	char out[256], sc[256];
	FILE *f;
	int rc;

	snprintf(sc, sizeof(sc), "%s/flag.yaml", tr_tmp);
	f = fopen(sc, "w");
	ck_assert_ptr_nonnull(f);
	fputs(tr_flag_scenario, f);
	fclose(f);
	snprintf(out, sizeof(out), "%s/flag", tr_tmp);
	rc = tr_run(sc, out, "--telemetry");
	ck_assert_msg(rc == 0, "exit %d: %s", rc, tr_file(tr_tmp, "flag.err"));
	ck_assert_int_ge(tr_records(out, "a", "SentEnvelope"), 8);
	ck_assert_int_ge(tr_records(out, "b", "ReceivedMessages"), 8);
	ck_assert_ptr_nonnull(strstr(tr_file(out, "report.json"), "\"telemetry\": {"));
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

Suite *telemetry_run_suite(void)
{
	Suite *s = suite_create("telemetry_run");
	TCase *t = tcase_create("run");

	tcase_add_checked_fixture(t, tr_setup, tr_teardown);
	tcase_set_timeout(t, 90);
	tcase_add_test(t, collector_in_the_run_and_report);
	tcase_add_test(t, telemetry_flag_turns_it_on);
	suite_add_tcase(s, t);
	return s;
}
