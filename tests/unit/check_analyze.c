/* The analyzer on hand-built run directories with known answers (tests/data/runs/):
 *   mixed — lost, duplicated, late, reordered, recovered and refused messages, a fault with no
 *           traffic under it, a kill that never recovered, a node that crashed, traces;
 *   clean — everything delivered (one copy recovered from a store), a restart, telemetry;
 *   empty — no traffic and no journal at all. */
#include "orchestrator/analyze/analyze.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUNS "tests/data/runs/"

static struct analyze_run *load(const char *name)
{
	struct fl_error err = {0};
	char dir[256];
	struct analyze_run *run;

	snprintf(dir, sizeof(dir), RUNS "%s", name);
	run = analyze_load(dir, NULL, &err);
	ck_assert_msg(run != NULL, "load %s: %s", dir, err.msg);
	return run;
}

static const struct analyze_delivery *delivery(const struct analyze_run *run, const char *id,
					       const char *to)
{
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];

		if (strcmp(run->msgs[d->msg].id, id) == 0 &&
		    strcmp(analyze_node_name(run, d->to), to) == 0)
			return d;
	}
	ck_abort_msg("no delivery %s → %s", id, to);
	return NULL;
}

static const struct analyze_fault *fault(const struct analyze_run *run, const char *id)
{
	for (size_t i = 0; i < run->n_faults; i++)
		if (strcmp(run->faults[i].id, id) == 0)
			return &run->faults[i];
	ck_abort_msg("no fault %s", id);
	return NULL;
}

START_TEST(test_mixed_totals)
{
	struct analyze_run *run = load("mixed");
	const struct analyze_stats *t = &run->totals;

	ck_assert_uint_eq(t->sent, 11); /* 10 messages, the group one to 2 members */
	ck_assert_uint_eq(t->delivered, 8);
	ck_assert_uint_eq(t->lost, 2);
	ck_assert_uint_eq(t->failed, 1);
	ck_assert_uint_eq(t->duplicates, 1);
	ck_assert_uint_eq(t->reordered, 2);
	ck_assert_uint_eq(t->acked, 3);
	/* latencies 50 100 100 100 200 900 5000 10000 */
	ck_assert_double_eq_tol(t->p50, 150, 1e-9);
	ck_assert_double_eq_tol(t->p90, 6500, 1e-9);
	ck_assert_double_eq_tol(t->max, 10000, 1e-9);
	ck_assert_uint_eq(run->stray_receipts, 1); /* carol got m1, which was not for her */
	ck_assert_int_eq(run->verdict_ok, 0);
	analyze_free(run);
}
END_TEST

/* Failed sends by cause: the texts name nodes, addresses and numbers, the causes do not. */
START_TEST(test_send_causes)
{
	static const struct {
		const char *err, *cause;
	} cases[] = {
	    {"alice is down", "node down"},
	    {"not sent: the run ended first", "run ended first"},
	    {"POST http://10.77.0.5:8645/relay/v1/messages: Timeout was reached", "timeout"},
	    {"GET http://10.77.0.9:8645/health: Couldn't connect to server", "connection refused"},
	    {"bob: /relay/v1/auto/messages: HTTP 503", "HTTP 503"},
	    {"carol: wakuext_sendOneToOneMessage: chat 0x04ab12 not found", "chat N not found"},
	    {"node refused: no peers", "no peers"},
	};
	struct analyze_run *run = load("mixed");
	char buf[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(
		    analyze_send_cause(cases[i].err, strlen(cases[i].err), buf, sizeof(buf)),
		    cases[i].cause);
	/* the mixed run's one refused send is counted, with its text as the example */
	ck_assert_uint_eq(run->send_failures, 1);
	ck_assert_uint_eq(run->n_send_causes, 1);
	ck_assert_str_eq(run->send_causes[0].cause, "no peers");
	ck_assert_str_eq(run->send_causes[0].example, "node refused: no peers");
	analyze_free(run);
}
END_TEST

START_TEST(test_mixed_messages)
{
	struct analyze_run *run = load("mixed");
	const struct analyze_delivery *d;

	d = delivery(run, "m2", "bob");
	ck_assert_uint_eq(d->copies, 2);
	ck_assert_double_eq_tol(d->received_ms, 2100, 1e-9);
	d = delivery(run, "m3", "bob"); /* late, overtaken by m4 */
	ck_assert_double_eq_tol(d->received_ms - 3000, 900, 1e-9);
	ck_assert_int_eq(d->reordered, 0);
	ck_assert_int_eq(delivery(run, "m4", "bob")->reordered, 1); /* joined by node id only */
	ck_assert_int_eq(delivery(run, "m6", "bob")->status, ANALYZE_DELIVERED); /* by hash */
	ck_assert_int_eq(delivery(run, "m7", "bob")->reordered, 1);
	ck_assert_int_eq(delivery(run, "m5", "carol")->status, ANALYZE_DELIVERED);
	ck_assert_int_eq(delivery(run, "m8", "carol")->status, ANALYZE_LOST);
	ck_assert_int_eq(delivery(run, "m9", "dave")->status, ANALYZE_LOST);
	ck_assert_int_eq(delivery(run, "m10", "bob")->status, ANALYZE_FAILED);
	/* where they died: m8's last trace is bob's filter push, m9 never left alice */
	ck_assert_str_eq(
	    analyze_node_name(run, run->msgs[delivery(run, "m8", "carol")->msg].trace_node), "bob");
	ck_assert_str_eq(
	    analyze_node_name(run, run->msgs[delivery(run, "m9", "dave")->msg].trace_node),
	    "alice");
	analyze_free(run);
}
END_TEST

START_TEST(test_mixed_faults)
{
	struct analyze_run *run = load("mixed");
	const struct analyze_fault *cut = fault(run, "f1"), *quiet = fault(run, "f2");

	ck_assert_double_eq_tol(cut->applied_ms, 10001, 1e-9);	/* first node */
	ck_assert_double_eq_tol(cut->reverted_ms, 20002, 1e-9); /* last node */
	ck_assert_str_eq(cut->engine, "iptables");
	ck_assert_uint_eq(cut->sent_during, 2);
	ck_assert_uint_eq(cut->lost_during, 0);
	ck_assert_double_eq_tol(cut->recovery_ms, 22000 - 20002, 1e-9);
	ck_assert_uint_eq(quiet->sent_during, 0); /* no traffic under it */
	ck_assert_double_eq_tol(quiet->recovery_ms, 0, 1e-9);
	ck_assert(isnan(fault(run, "f3")->recovery_ms)); /* m8 before the kill, never arrived */
	ck_assert_int_eq(run->nodes[3].exited, 1);
	ck_assert_str_eq(run->nodes[3].name, "dave");
	ck_assert_int_eq(run->nodes[3].exit_code, 1);
	ck_assert_int_eq(run->nodes[3].exit_expected, 0);
	ck_assert_str_eq(run->nodes[2].exit_signal, "KILL");
	analyze_free(run);
}
END_TEST

struct want_expect {
	double actual; /* NAN = null */
	int ok;
};

/* In the order of mixed/plan.json's expect list. */
static const struct want_expect mixed_expects[] = {
    {8.0 / 11, 0}, {1, 1}, {8250, 1},	  {1, 0}, {1998, 1}, {NAN, 0},
    {1, 0},	   {2, 1}, {3.0 / 11, 1}, {1, 1}, {NAN, 0},
};

START_TEST(test_mixed_expectations)
{
	struct analyze_run *run = load("mixed");

	ck_assert_uint_eq(run->n_expects, sizeof(mixed_expects) / sizeof(mixed_expects[0]));
	for (size_t i = 0; i < run->n_expects; i++) {
		const struct analyze_expect *e = &run->expects[i];

		ck_assert_msg(e->ok == mixed_expects[i].ok, "expect %zu (%s) ok=%d", i, e->metric,
			      e->ok);
		if (isnan(mixed_expects[i].actual))
			ck_assert_msg(isnan(e->actual) && e->note, "expect %zu should be null", i);
		else
			ck_assert_double_eq_tol(e->actual, mixed_expects[i].actual, 1e-9);
	}
	analyze_free(run);
}
END_TEST

START_TEST(test_mixed_breakdowns)
{
	struct analyze_run *run = load("mixed");
	const struct analyze_breakdown *kind = &run->by[ANALYZE_BY_KIND];
	const struct analyze_breakdown *to = &run->by[ANALYZE_BY_TO];

	ck_assert_uint_eq(kind->n, 2);
	ck_assert_str_eq(kind->groups[0].name, "dm");
	ck_assert_uint_eq(kind->groups[0].st.sent, 9);
	ck_assert_uint_eq(kind->groups[0].st.delivered, 6);
	ck_assert_uint_eq(kind->groups[0].st.lost, 2);
	ck_assert_uint_eq(kind->groups[0].st.failed, 1);
	ck_assert_double_eq_tol(kind->groups[0].st.p50, 500, 1e-9); /* 50 100 100 900 5000 10000 */
	ck_assert_str_eq(kind->groups[1].name, "group");
	ck_assert_double_eq_tol(kind->groups[1].st.max, 200, 1e-9);
	ck_assert_uint_eq(to->n, 3);
	ck_assert_str_eq(to->groups[2].name, "dave");
	ck_assert_uint_eq(to->groups[2].st.lost, 1);
	ck_assert(isnan(to->groups[2].st.p50));
	ck_assert_uint_eq(run->by[ANALYZE_BY_TRAFFIC].n, 3);
	ck_assert_uint_eq(run->by[ANALYZE_BY_FROM].groups[0].st.sent, 11);
	analyze_free(run);
}
END_TEST

START_TEST(test_clean_and_empty)
{
	struct analyze_run *run = load("clean");

	ck_assert_int_eq(run->verdict_ok, 1);
	ck_assert_uint_eq(run->totals.delivered, 2);  /* one of them recovered from a store */
	ck_assert_uint_eq(run->totals.duplicates, 0); /* recovered + its received line: one copy */
	ck_assert_double_eq_tol(run->totals.max, 60, 1e-9); /* node clocks via mono0_ms */
	ck_assert_int_eq(run->nodes[1].ups, 2);
	ck_assert_double_eq_tol(run->expects[3].actual, 0, 1e-9); /* telemetry said 1.0 */
	/* node-resources: a's figures; b's line has none of them */
	ck_assert_int_eq(run->nodes[0].has_resources, 1);
	ck_assert_double_eq_tol(run->nodes[0].cpu_ms, 1234.5, 1e-9);
	ck_assert_double_eq_tol(run->nodes[0].max_rss_bytes, 9089024, 1e-9);
	ck_assert_double_eq_tol(run->nodes[0].tx_bytes, 2448, 1e-9);
	ck_assert_str_eq(run->nodes[0].resources_source, "cgroup2");
	ck_assert(isnan(run->nodes[1].cpu_ms) && !run->nodes[1].resources_source);
	/* cpu where node a; rss without a node: the largest (a's, b has none) */
	ck_assert_double_eq_tol(run->expects[4].actual, 1234.5, 1e-9);
	ck_assert_double_eq_tol(run->expects[5].actual, 9089024, 1e-9);
	analyze_free(run);
	run = load("compact"); /* the same run, its plan on one line with events first */
	ck_assert_str_eq(run->scenario, "compact");
	/* its plan says netns, the run was told --runtime docker: the report says what ran */
	ck_assert_str_eq(run->runtime, "docker");
	ck_assert_uint_eq(run->n_msgs, 2);
	ck_assert_uint_eq(run->totals.delivered, 2);
	ck_assert_int_eq(run->verdict_ok, 1);
	analyze_free(run);
	run = load("empty");
	ck_assert_int_eq(run->verdict_ok, 1);
	ck_assert_uint_eq(run->totals.sent, 0);
	ck_assert(isnan(run->totals.p50));
	ck_assert_uint_eq(run->faults[0].sent_during, 0);
	analyze_free(run);
}
END_TEST

START_TEST(test_missing_plan)
{
	struct fl_error err = {0};
	struct analyze_run *run = analyze_load(RUNS "does-not-exist", NULL, &err);

	ck_assert_ptr_null(run);
	ck_assert_msg(strstr(err.msg, "plan.json") != NULL, "%s", err.msg);
}
END_TEST

Suite *analyze_suite(void)
{
	Suite *s = suite_create("analyze");
	TCase *tc = tcase_create("ledger");

	tcase_add_test(tc, test_mixed_totals);
	tcase_add_test(tc, test_send_causes);
	tcase_add_test(tc, test_mixed_messages);
	tcase_add_test(tc, test_mixed_faults);
	tcase_add_test(tc, test_mixed_expectations);
	tcase_add_test(tc, test_mixed_breakdowns);
	tcase_add_test(tc, test_clean_and_empty);
	tcase_add_test(tc, test_missing_plan);
	suite_add_tcase(s, tc);
	return s;
}
