/* A run whose nodes are status-cli (tests/data/runs/statuscli): no events files, so the
 * receipts are the `message received: <text> (ID=<id>)` lines of each node's zap console in
 * stdout.log (status-go cmd/status-cli serve.go, Oct 2024), on the run's timeline through the
 * journal's real0_ms. alice sends m1, m2 to bob and m3, m4 to carol; m4 never arrives, m2
 * arrives twice, bob also logs the contact request ("Hello!"), which is no plan message.
 * Traces: bob's geth-format line (no year: the run's started_at gives it) saw m4, carol's
 * chronicles line names m3 by nwaku's shortLog form only. */
#include "orchestrator/analyze/analyze.h"
#include "orchestrator/analyze/statuscli_log.h"

#include <check.h>
#include <math.h>
#include <string.h>

static const struct analyze_delivery *delivery(const struct analyze_run *run, const char *id)
{
	for (size_t i = 0; i < run->n_dels; i++)
		if (strcmp(run->msgs[run->dels[i].msg].id, id) == 0)
			return &run->dels[i];
	ck_abort_msg("no delivery of %s", id);
	return NULL;
}

START_TEST(test_statuscli_run)
{
	struct fl_error err = {0};
	struct analyze_run *run = analyze_load("tests/data/runs/statuscli", NULL, &err);
	const struct analyze_delivery *d;

	ck_assert_msg(run != NULL, "%s", err.msg);
	ck_assert_uint_eq(run->totals.sent, 4);
	ck_assert_uint_eq(run->totals.delivered, 3);
	ck_assert_uint_eq(run->totals.lost, 1);
	ck_assert_uint_eq(run->totals.duplicates, 1);
	ck_assert_uint_eq(run->stray_receipts, 1); /* the contact request */
	d = delivery(run, "m1");		   /* bob's clock is +01:00 */
	ck_assert_double_eq_tol(d->received_ms, 1042, 1e-6);
	d = delivery(run, "m2");
	ck_assert_uint_eq(d->copies, 2);
	ck_assert_double_eq_tol(d->received_ms, 2050, 1e-6);
	d = delivery(run, "m3"); /* carol's clock is -04:00 */
	ck_assert_double_eq_tol(d->received_ms, 3075, 1e-6);
	ck_assert(isnan(delivery(run, "m4")->received_ms));
	for (size_t i = 0; i < run->n_msgs; i++) {
		const struct analyze_message *m = &run->msgs[i];

		if (!strcmp(m->id, "m4")) { /* died after bob's relay saw it */
			ck_assert_str_eq(analyze_node_name(run, m->trace_node), "bob");
			ck_assert_double_eq_tol(m->trace_t, 1795482007280.0, 1e-3);
		} else if (!strcmp(m->id, "m3")) {
			ck_assert_str_eq(analyze_node_name(run, m->trace_node), "carol");
			ck_assert_double_eq_tol(m->trace_t, 1795482006320.0, 1e-3);
		} else {
			ck_assert_uint_eq(m->trace_node, UINT32_MAX);
		}
	}
	ck_assert_uint_eq(run->trace_lines, 2);
	analyze_free(run);
}
END_TEST

START_TEST(test_statuscli_lines)
{
	struct statuscli_receipt r;
	const char *l1 = "2024-10-24T08:59:24.058+0200\tINFO\tAlice\tstatus-cli/serve.go:70\t"
			 "message received: hi (ID) there (ID=0x5f01)";
	const char *l2 = "message received:  (ID=0xab)"; /* no console columns, empty text */

	ck_assert_int_eq(statuscli_parse(l1, strlen(l1), &r), 1);
	ck_assert(r.text_len == 13 && !memcmp(r.text, "hi (ID) there", 13));
	ck_assert(r.id_len == 6 && !memcmp(r.id, "0x5f01", 6));
	ck_assert(r.t_ns == 1729753164058000000ull); /* 06:59:24.058Z */
	ck_assert_int_eq(statuscli_parse(l2, strlen(l2), &r), 1);
	ck_assert_uint_eq(r.text_len, 0);
	ck_assert(r.id_len == 4 && r.t_ns == 0);
	ck_assert_int_eq(statuscli_parse("x\tmessage delivered: 0xab", 24, &r), 0);
	ck_assert_int_eq(statuscli_parse("xmessage received: a", 20, &r), 0);
}
END_TEST

Suite *analyze_statuscli_suite(void)
{
	Suite *s = suite_create("analyze_statuscli");
	TCase *tc = tcase_create("statuscli");

	tcase_add_test(tc, test_statuscli_lines);
	tcase_add_test(tc, test_statuscli_run);
	suite_add_tcase(s, tc);
	return s;
}
