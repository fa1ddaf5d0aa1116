/* A replay against its original (orchestrator/analyze/replay_compare.c) on hand-built
 * ledgers, and the pauses taken out of a replay's times (orchestrator/analyze/pauses.c). */
#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/replay_compare.h"
#include "orchestrator/render/jsonw.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct analyze_node nodes[] = {{.name = "alice"}, {.name = "bob"}};
static struct analyze_message msgs[] = {{.id = "m1"}, {.id = "m2"}, {.id = "m3"}, {.id = "m4"}};

/* A run of four dms: lost[i] says whether m<i+1> was lost (to bob for m1, m2, m4; to alice for
 * m3). */
static void fake_run(struct analyze_run *run, struct analyze_delivery *dels, const int *lost,
		     int verdict_ok, double p95)
{
	memset(run, 0, sizeof(*run));
	run->nodes = nodes;
	run->n_nodes = 2;
	run->msgs = msgs;
	run->n_msgs = 4;
	for (uint32_t i = 0; i < 4; i++) {
		dels[i] = (struct analyze_delivery){.msg = i, .to = i == 2 ? 0 : 1};
		dels[i].status = lost[i] ? ANALYZE_LOST : ANALYZE_DELIVERED;
		run->totals.lost += (size_t)lost[i];
	}
	run->dels = dels;
	run->n_dels = 4;
	run->verdict_ok = verdict_ok;
	run->totals.sent = 4;
	run->totals.delivered = 4 - run->totals.lost;
	run->totals.p50 = run->totals.p99 = run->totals.max = NAN;
	run->totals.p95 = p95;
}

static const struct replay_cmp_metric *metric(const struct replay_cmp *c, const char *name)
{
	for (size_t i = 0; i < c->n_metrics; i++)
		if (strcmp(c->metrics[i].name, name) == 0)
			return &c->metrics[i];
	ck_abort_msg("no metric %s", name);
	return NULL;
}

START_TEST(test_lost_overlap)
{
	struct analyze_run orig, rep;
	struct analyze_delivery d1[4], d2[4];
	static const int lost_orig[] = {1, 1, 1, 0}, lost_rep[] = {0, 1, 1, 1};
	struct replay_cmp *c;

	fake_run(&orig, d1, lost_orig, 0, 30.0);
	fake_run(&rep, d2, lost_rep, 0, 31.5);
	c = replay_compare(&rep, &orig);
	ck_assert_int_eq(c->same_verdict, 1);
	ck_assert_uint_eq(c->lost_orig, 3);
	ck_assert_uint_eq(c->lost_replay, 3);
	ck_assert_uint_eq(c->lost_both, 2); /* m2>bob, m3>alice */
	ck_assert_uint_eq(c->lost_union, 4);
	ck_assert_double_eq_tol(c->jaccard, 0.5, 1e-9);
	ck_assert_double_eq_tol(metric(c, "p95_ms")->orig, 30.0, 1e-9);
	ck_assert_double_eq_tol(metric(c, "p95_ms")->replay, 31.5, 1e-9);
	ck_assert(isnan(metric(c, "p50_ms")->orig));
	ck_assert_double_eq_tol(metric(c, "lost")->orig, 3, 1e-9);
	replay_compare_free(c);
}
END_TEST

START_TEST(test_verdicts_and_empty_sets)
{
	struct analyze_run orig, rep;
	struct analyze_delivery d1[4], d2[4];
	static const int none[] = {0, 0, 0, 0}, one[] = {0, 0, 0, 1};
	struct replay_cmp *c;

	fake_run(&orig, d1, none, 1, 5.0);
	fake_run(&rep, d2, none, 1, 5.0);
	c = replay_compare(&rep, &orig);
	ck_assert_int_eq(c->same_verdict, 1);
	ck_assert_uint_eq(c->lost_union, 0);
	ck_assert_double_eq_tol(c->jaccard, 1.0, 1e-9); /* neither lost anything: the same */
	replay_compare_free(c);

	fake_run(&rep, d2, one, 0, 5.0);
	c = replay_compare(&rep, &orig);
	ck_assert_int_eq(c->same_verdict, 0);
	ck_assert_int_eq(c->orig_verdict_ok, 1);
	ck_assert_int_eq(c->replay_verdict_ok, 0);
	ck_assert_uint_eq(c->lost_both, 0);
	ck_assert_uint_eq(c->lost_union, 1);
	ck_assert_double_eq_tol(c->jaccard, 0.0, 1e-9);
	replay_compare_free(c);
}
END_TEST

/* The report's "replay" and "pauses" parts are JSON with the documented fields. */
START_TEST(test_json)
{
	struct analyze_run orig, rep;
	struct analyze_delivery d1[4], d2[4];
	static const int lost_orig[] = {1, 0, 0, 0}, lost_rep[] = {1, 0, 0, 0};
	struct analyze_pause pause = {.event = "e3",
				      .kept_running = "alice,bob",
				      .at_ms = 900,
				      .duration_ms = 20000,
				      .frozen = 2};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jsonw w;
	json_t *j, *r;

	fake_run(&orig, d1, lost_orig, 0, 1.0);
	fake_run(&rep, d2, lost_rep, 0, 2.0);
	rep.pauses = &pause;
	rep.n_pauses = 1;
	rep.cmp = replay_compare(&rep, &orig);
	snprintf(rep.cmp->of, sizeof(rep.cmp->of), "/runs/orig");
	jsonw_init(&w, f);
	jsonw_obj(&w, 0);
	replay_compare_json(&w, &rep);
	jsonw_obj_end(&w);
	fclose(f);
	j = json_loads(buf, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", buf);
	r = json_object_get(j, "replay");
	ck_assert_str_eq(json_string_value(json_object_get(r, "of")), "/runs/orig");
	ck_assert(json_is_true(json_object_get(r, "same_verdict")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "lost"), "both")),
			 1);
	ck_assert_double_eq_tol(
	    json_number_value(json_object_get(json_object_get(r, "lost"), "jaccard")), 1.0, 1e-9);
	r = json_array_get(json_object_get(j, "pauses"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "event")), "e3");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "duration_ms")), 20000);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r, "kept_running"), 1)),
			 "bob");
	json_decref(j);
	free(buf);
	replay_compare_free(rep.cmp);
}
END_TEST

/* A time after a pause is its length earlier; one inside it counts as its start. */
START_TEST(test_pauses_unshift)
{
	struct analyze_run run;
	struct flatjson_val ev = {.type = FLATJSON_STR, .p = "e5", .n = 2};
	struct flatjson_val kept = {.type = FLATJSON_ARR, .p = "[\"bob\"]", .n = 7};

	memset(&run, 0, sizeof(run));
	pauses_line(&run, &ev, &kept, 5000, 20000, 3);
	pauses_line(&run, &ev, &kept, 30000, 1000, 3);
	ck_assert_uint_eq(run.n_pauses, 2);
	ck_assert_str_eq(run.pauses[0].kept_running, "bob");
	ck_assert_double_eq_tol(run.pauses[1].at_ms, 10000, 1e-9); /* on the run's clock */
	ck_assert_double_eq_tol(pauses_unshift(&run, 4000), 4000, 1e-9);
	ck_assert_double_eq_tol(pauses_unshift(&run, 12000), 5000, 1e-9);
	ck_assert_double_eq_tol(pauses_unshift(&run, 26000), 6000, 1e-9);
	ck_assert_double_eq_tol(pauses_unshift(&run, 32000), 11000, 1e-9);
	ck_assert(isnan(pauses_unshift(&run, NAN)));
	free(run.pauses);
	amap_arena_free(&run.arena);
}
END_TEST

Suite *replay_compare_suite(void)
{
	Suite *s = suite_create("replay_compare");
	TCase *tc = tcase_create("compare");

	tcase_add_test(tc, test_lost_overlap);
	tcase_add_test(tc, test_verdicts_and_empty_sets);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_pauses_unshift);
	suite_add_tcase(s, tc);
	return s;
}
