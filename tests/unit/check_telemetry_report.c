/* The report's telemetry section on a hand-made run with known answers
 * (tests/data/telemetry/run: a sends 4 DMs to b and 4 to c at 1, 2, 3, 4 s; b misses m3 during
 * the fault `cut`, 2.5–3.5 s) and a telemetry.db written here through the collector's store:
 * b reports m1 m2 m4, c m5..m8, a every SentEnvelope, and one push was refused (429).
 *
 * The run's window is 1 s after the first ReceivedMessages arrival (1.5 s) to 1 s before the
 * last (4.5 s): 2.5–3.5 s, Unix seconds [T+2, T+3] of sentAt, i.e. messages sent 2.0–3.999 s.
 * The aggregator keeps b's m2 and c's m6 m7 (both receivers reported before and after): R = 1.
 * The truth of those seconds: m2 m6 m7 delivered, m3 lost: 0.75, so the drift is 0.25. The
 * estimator: attempts m2 m3 m6 m7, three reported received: 0.75 (drift 0). */
#include "orchestrator/analyze/analyze.h"
#include "orchestrator/analyze/telemetry_report.h"
#include "orchestrator/render/render.h"
#include "orchestrator/telemetry/store.h"
#include "tests/util_test.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1000000000LL /* Unix s at the run's 0 */

static char dir[64];

static void tr_push(struct tm_store *st, int64_t run_ms, const struct tm_rec *recs, size_t n,
		    int status)
{
	struct tm_arrival a = {5000 + run_ms, T0 + run_ms / 1000, "10.213.9.3:40000"};
	struct fl_error err = {0};
	int64_t p = tm_store_push_begin(st, &a, "POST", "/record-metrics", &err);

	ck_assert_msg(p > 0, "%s", err.msg);
	for (size_t i = 0; status == 201 && i < n; i++)
		ck_assert_msg(tm_store_record(st, p, &a, &recs[i], &err) >= 0, "%s", err.msg);
	ck_assert_int_eq(tm_store_push_end(st, p, status, (int)n, 0, &err), 0);
}

/* ReceivedMessages of message m (1..8) at its receiver, arriving at arr_ms. */
static void tr_received(struct tm_store *st, int m, int64_t arr_ms)
{
	char hash[16];
	int b = m <= 4;
	struct tm_rec r = {.type = "ReceivedMessages",
			   .node_name = b ? "b" : "c",
			   .chat_id = b ? "contact-discovery-1" : "contact-discovery-2",
			   .message_hash = hash,
			   .key_uid = b ? "0xkb" : "0xkc",
			   .sent_at = T0 + (m - 1) % 4 + 1,
			   .topic = b ? "topic-b" : "topic-c",
			   .raw = "{}"};

	snprintf(hash, sizeof(hash), "0xh%d", m);
	tr_push(st, arr_ms, &r, 1, 201);
}

static void tr_db(void)
{
	struct fl_error err = {0};
	struct tm_store *st;
	struct tm_rec se[8];
	char hashes[8][16];
	char cmd[256];

	snprintf(dir, sizeof(dir), "/tmp/fl-telrep-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -r tests/data/telemetry/run %s", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	st = tm_store_open(dir, 5000, T0 * 1000, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	for (int m = 1; m <= 8; m++) {
		if (m == 3)
			continue; /* lost at b */
		tr_received(st, m, ((m - 1) % 4 + 1) * 1000 + 500);
	}
	for (int m = 1; m <= 8; m++) {
		snprintf(hashes[m - 1], sizeof(hashes[m - 1]), "0xh%d", m);
		se[m - 1] = (struct tm_rec){.type = "SentEnvelope",
					    .node_name = "a",
					    .message_hash = hashes[m - 1],
					    .key_uid = "0xka",
					    .sent_at = T0 + (m - 1) % 4 + 1,
					    .topic = m <= 4 ? "topic-b" : "topic-c",
					    .raw = "{}"};
	}
	tr_push(st, 4600, se, 8, 201);
	tr_push(st, 4601, NULL, 0, 429);
	tm_store_close(st);
}

/* teardown: also after a failed check */
static void tr_rm(void)
{
	char cmd[128];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	dir[0] = '\0';
}

START_TEST(windows_against_the_truth)
{
	struct fl_error err = {0};
	struct analyze_run *run;
	const struct analyze_tl_window *w;

	tr_db();
	run = analyze_load(dir, NULL, &err);
	ck_assert_msg(run != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(run->telemetry);
	ck_assert_int_eq(run->telemetry->counts.records, 15);
	ck_assert_int_eq(run->telemetry->counts.refused, 1);
	ck_assert_int_eq(run->telemetry->n_wins, 2);
	w = &run->telemetry->wins[0];
	ck_assert_str_eq(w->id, "run");
	ck_assert_double_eq_tol(w->from_ms, 2500, 1e-6);
	ck_assert_double_eq_tol(w->to_ms, 3500, 1e-6);
	ck_assert(w->w.agg.has_r);
	ck_assert_double_eq_tol(w->w.agg.r, 1.0, 1e-9);
	ck_assert_double_eq_tol(w->truth_from_ms, 2000, 1e-6);
	ck_assert_int_eq(w->sent, 4);
	ck_assert_int_eq(w->delivered, 3);
	ck_assert_double_eq_tol(w->drift_agg, 0.25, 1e-9);
	ck_assert_double_eq_tol(w->w.est.r, 0.75, 1e-9);
	ck_assert_double_eq_tol(w->drift_est, 0.0, 1e-9);
	ck_assert_int_eq(w->n_chats, 2);
	ck_assert_str_eq(w->chats[0].node, "b");
	ck_assert(w->chats[0].has_r);
	ck_assert_double_eq_tol(w->chats[0].truth, 0.5, 1e-9); /* m2 delivered, m3 lost */
	ck_assert_double_eq_tol(w->chats[1].truth, 1.0, 1e-9);
	/* the fault's window, and telemetry-drift over both */
	ck_assert_ptr_eq(telemetry_report_window(run, "cut"), &run->telemetry->wins[1]);
	ck_assert_ptr_null(telemetry_report_window(run, "nope"));
	for (size_t i = 0; i < run->n_expects; i++)
		ck_assert_msg(run->expects[i].ok, "expectation %zu: %f", i, run->expects[i].actual);
	ck_assert_int_ge(run->telemetry->n_series, 1);
	analyze_free(run);
}
END_TEST

START_TEST(no_db_no_section)
{
	struct fl_error err = {0};
	struct analyze_run *run = analyze_load("tests/data/telemetry/run", NULL, &err);

	ck_assert_msg(run != NULL, "%s", err.msg);
	ck_assert_ptr_null(run->telemetry);
	/* the fallback: the acked fraction (none) against the truth (7 of 8) */
	ck_assert_double_eq_tol(run->expects[0].actual, 0.875, 1e-9);
	analyze_free(run);
}
END_TEST

static char *tr_slurp(const char *name)
{
	static char buf[1 << 18];
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

START_TEST(rendered_in_every_report)
{
	struct analyze_opts o = {.quiet = 1};
	struct fl_error err = {0};
	int verdict = -1;

	tr_db();
	ck_assert_msg(analyze_run_dir(dir, &o, &verdict, NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(verdict, 0);
	ck_assert_ptr_nonnull(strstr(tr_slurp("report.json"), "\"telemetry\": {"));
	ck_assert_ptr_nonnull(
	    strstr(tr_slurp("summary.md"),
		   "| run (2.5–3.5 s) | 0.75 (3/4) | 1.00 | 0.25 | 0.75 | 0.00 | 0 |"));
	ck_assert_ptr_nonnull(
	    strstr(tr_slurp("summary.md"), "| contact-discovery-1 | b | 1.00 | 0.50 (1/2) |"));
	ck_assert_ptr_nonnull(strstr(tr_slurp("report.html"), "<table id=\"telemetry\">"));
	ck_assert_ptr_nonnull(strstr(
	    tr_slurp("junit.xml"), "<property name=\"telemetry.cut.aggregator\" value=\"1.00\"/>"));
	ck_assert_int_eq(test_reports_valid(dir), 1);
}
END_TEST

Suite *telemetry_report_suite(void)
{
	Suite *s = suite_create("telemetry_report");
	TCase *t = tcase_create("report");

	tcase_add_checked_fixture(t, NULL, tr_rm);

	tcase_add_test(t, windows_against_the_truth);
	tcase_add_test(t, no_db_no_section);
	tcase_add_test(t, rendered_in_every_report);
	suite_add_tcase(s, t);
	return s;
}
