/* The planner: determinism, seed sensitivity, the random regular mesh, repeats, picks,
 * independent streams, event order, addresses, and plan.json that parses. */
#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/scenario.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FULL_EXAMPLE "tests/data/scenarios/full-example.yaml"

static void sc_load(const char *yaml, struct scenario *sc)
{
	struct scenario_errors errs;
	char line[1024] = "";

	if (scenario_load_buffer("t.yaml", yaml, strlen(yaml), sc, &errs) < 0)
		scenario_errors_format(&errs, 0, line, sizeof(line));
	ck_assert_msg(errs.n == 0, "refused: %s", line);
}

static struct plan *plan_of(const struct scenario *sc, uint64_t seed)
{
	struct fl_error err = {0};
	struct plan *plan = NULL;

	ck_assert_msg(plan_build(sc, seed, &plan, &err) == 0, "plan_build: %s", err.msg);
	return plan;
}

/* plan.json of (file, seed), malloc'd. */
static char *plan_json_of_file(const char *path, uint64_t seed)
{
	struct scenario_errors errs;
	struct scenario sc;
	struct plan *plan;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(scenario_load(path, &sc, &errs), 0);
	plan = plan_of(&sc, seed);
	ck_assert_int_eq(plan_write_json(plan, f), 0);
	fclose(f);
	plan_free(plan);
	scenario_free(&sc);
	return buf;
}

START_TEST(test_deterministic)
{
	char *a = plan_json_of_file(FULL_EXAMPLE, 42), *b = plan_json_of_file(FULL_EXAMPLE, 42);

	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_seed_sensitivity)
{
	char *a = plan_json_of_file(FULL_EXAMPLE, 1), *b = plan_json_of_file(FULL_EXAMPLE, 2);
	char *la = strstr(a, "\"links\""), *lb = strstr(b, "\"links\"");
	char *ea = strstr(a, "\"events\""), *eb = strstr(b, "\"events\"");

	ck_assert_str_ne(a, b);
	ck_assert(strncmp(la, lb, (size_t)(strstr(a, "\"traffic\"") - la)) != 0); /* other mesh */
	ck_assert_str_ne(ea, eb);						  /* other sizes */
	free(a);
	free(b);
}
END_TEST

static void mesh_check(size_t n, unsigned d, uint64_t seed)
{
	char yaml[512];
	struct scenario sc;
	struct plan *plan;
	unsigned *deg = calloc(n, sizeof(*deg));
	size_t *comp = calloc(n, sizeof(*comp)), changed = 1;

	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{1..%zu}\n"
		 "topology: {kind: mesh, degree: %u}\n",
		 n, d);
	sc_load(yaml, &sc);
	plan = plan_of(&sc, seed);
	ck_assert_uint_eq(plan->n_links, n * d / 2);
	for (size_t i = 0; i < plan->n_links; i++) {
		ck_assert_uint_lt(plan->links[i].a, plan->links[i].b); /* no loops */
		if (i)
			ck_assert(plan->links[i - 1].a != plan->links[i].a ||
				  plan->links[i - 1].b != plan->links[i].b); /* no double links */
		deg[plan->links[i].a]++;
		deg[plan->links[i].b]++;
	}
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(deg[i], d);
		comp[i] = i;
	}
	while (changed) { /* label propagation: connected iff one label remains */
		changed = 0;
		for (size_t i = 0; i < plan->n_links; i++) {
			size_t *x = &comp[plan->links[i].a], *y = &comp[plan->links[i].b];

			if (*x != *y) {
				*x = *y = *x < *y ? *x : *y;
				changed = 1;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(comp[i], 0);
	plan_free(plan);
	scenario_free(&sc);
	free(deg);
	free(comp);
}

START_TEST(test_mesh_regular_connected)
{
	for (uint64_t seed = 1; seed <= 5; seed++) {
		mesh_check(60, 4, seed);
		mesh_check(10, 3, seed);
		mesh_check(7, 2, seed);
		mesh_check(6, 5, seed);
		mesh_check(200, 3, seed);
		mesh_check(100, 90, seed); /* dense: the complement of a 9-regular graph */
		mesh_check(40, 20, seed);
	}
}
END_TEST

#define REPEAT_YAML                                                                                \
	"version: 1\nname: t\nduration: 1m\nnodes:\n  - name: svc{1..8}\n  - name: alice\n"        \
	"faults:\n"                                                                                \
	"  - name: flap\n    at: 5s\n    for: 2s\n    repeat: {every: 10s, times: 3}\n"            \
	"    link-down: {target: {pick: 2, from: \"svc*\"}}\n"                                     \
	"  - {at: 40s, kill: {target: alice}}\n"

START_TEST(test_repeat_expansion)
{
	struct scenario sc;
	struct plan *plan;

	sc_load(REPEAT_YAML, &sc);
	plan = plan_of(&sc, 9);
	ck_assert_uint_eq(plan->n_faults, 4);
	for (unsigned k = 0; k < 3; k++) {
		char id[16];

		snprintf(id, sizeof(id), "f1.%u", k + 1);
		ck_assert_str_eq(plan->faults[k].id, id);
		ck_assert_int_eq(plan->faults[k].start_ms, 5000 + 10000 * k);
		ck_assert_int_eq(plan->faults[k].end_ms, 7000 + 10000 * k);
		ck_assert_str_eq(plan->faults[k].src->name, "flap");
		ck_assert_uint_lt(plan->faults[k].engine_seed, 1ull << 53);
		ck_assert_uint_eq(plan->faults[k].n_targets, 2); /* one draw for every occurrence */
		ck_assert_uint_eq(plan->faults[k].targets[0], plan->faults[0].targets[0]);
		ck_assert_uint_eq(plan->faults[k].targets[1], plan->faults[0].targets[1]);
	}
	ck_assert(plan->faults[0].engine_seed != plan->faults[1].engine_seed);
	ck_assert_str_eq(plan->faults[3].id, "f2");
	ck_assert_int_eq(plan->faults[3].end_ms, 40000);
	ck_assert_uint_eq(plan->n_events, 7); /* 3 × (apply, revert) + one kill, no revert */
	ck_assert_int_eq(plan->events[6].type, PLAN_EVENT_FAULT_APPLY);
	ck_assert_int_eq(plan->events[6].t_ms, 40000);
	plan_free(plan);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_picks)
{
	struct scenario sc;
	unsigned seen[8] = {0};

	sc_load(REPEAT_YAML, &sc);
	for (uint64_t seed = 0; seed < 40; seed++) {
		struct plan *plan = plan_of(&sc, seed), *again = plan_of(&sc, seed);
		const struct plan_fault *f = &plan->faults[0];

		ck_assert_uint_lt(f->targets[0], f->targets[1]);
		ck_assert_uint_lt(f->targets[1], 8); /* only svc* */
		ck_assert_uint_eq(again->faults[0].targets[0], f->targets[0]);
		ck_assert_uint_eq(again->faults[0].targets[1], f->targets[1]);
		seen[f->targets[0]]++;
		seen[f->targets[1]]++;
		plan_free(plan);
		plan_free(again);
	}
	for (int i = 0; i < 8; i++) /* 80 draws over 8 nodes: each is drawn at least once */
		ck_assert_uint_gt(seen[i], 0);
	scenario_free(&sc);
}
END_TEST

/* A partition group written rest holds, in node order, every node no other group drew —
 * wherever it stands in the list and with picks drawn by the seed. */
START_TEST(test_partition_rest)
{
	struct scenario sc;

	sc_load("version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{1..6}\n"
		"faults:\n  - at: 1s\n    for: 2s\n    partition:\n"
		"      groups: [rest, {pick: 2, from: [n1, n2, n3]}]\n",
		&sc);
	for (uint64_t seed = 0; seed < 10; seed++) {
		struct plan *plan = plan_of(&sc, seed);
		const struct plan_fault *f = &plan->faults[0];
		unsigned in = 0;

		ck_assert_uint_eq(f->n_groups, 2);
		ck_assert_uint_eq(f->group_len[0], 4);
		ck_assert_uint_eq(f->group_len[1], 2);
		for (size_t k = 0; k < 6; k++)
			in |= 1u << f->targets[k];
		ck_assert_uint_eq(in, 0x3f); /* every node once */
		ck_assert_uint_lt(f->targets[0], f->targets[1]);
		ck_assert_uint_eq(f->targets[3], 5); /* n4..n6 are always in rest */
		ck_assert_uint_lt(f->targets[4], 3);
		plan_free(plan);
	}
	scenario_free(&sc);
}
END_TEST

#define TRAFFIC_YAML                                                                               \
	"version: 1\nname: t\nduration: 1m\nnodes:\n  - name: a\n  - name: b\n  - name: c\n"       \
	"traffic:\n"                                                                               \
	"  - {kind: dm, from: [a, b], to: [a, b], rate: 2/s, count: 20, size: 100B..1KiB}\n"       \
	"  - {kind: group, from: a, to: all, interval: 3s, count: 5, start: 1s}\n"                 \
	"  - {kind: relay, from: c, to: all, rate: 1/s, poisson: true, count: 50, start: 5s}\n"

/* The send events of a plan, as text, to compare two plans. */
static char *plan_sends(const struct plan *plan)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < plan->n_events; i++) {
		const struct plan_event *ev = &plan->events[i];

		if (ev->type == PLAN_EVENT_SEND)
			fprintf(f, "%lld m%u %u>%u %u\n", (long long)ev->t_ms, ev->msg, ev->from,
				ev->to[0], ev->size);
	}
	fclose(f);
	return buf;
}

START_TEST(test_fault_does_not_move_traffic)
{
	struct scenario a, b;
	struct plan *pa, *pb;
	char *sa, *sb;

	sc_load(TRAFFIC_YAML, &a);
	sc_load(TRAFFIC_YAML
		"faults:\n  - {at: 3s, for: 2s, freeze: {target: {pick: 1, from: all}}}\n",
		&b);
	pa = plan_of(&a, 5);
	pb = plan_of(&b, 5);
	sa = plan_sends(pa);
	sb = plan_sends(pb);
	ck_assert_str_eq(sa, sb);
	ck_assert_uint_eq(pb->n_events, pa->n_events + 2);
	free(sa);
	free(sb);
	plan_free(pa);
	plan_free(pb);
	scenario_free(&a);
	scenario_free(&b);
}
END_TEST

START_TEST(test_traffic_events)
{
	struct scenario sc;
	struct plan *plan;
	uint32_t msg = 0;
	size_t relay = 0;

	sc_load(TRAFFIC_YAML, &sc);
	plan = plan_of(&sc, 3);
	ck_assert_uint_eq(plan->n_messages, 75);
	for (size_t i = 0; i < plan->n_events; i++) {
		const struct plan_event *ev = &plan->events[i];

		if (i)
			ck_assert_int_le(plan->events[i - 1].t_ms, ev->t_ms);
		ck_assert_uint_eq(ev->msg, ++msg);
		for (size_t k = 0; k < ev->n_to; k++)
			ck_assert_uint_ne(ev->to[k], ev->from);
		if (ev->traffic == 0) /* dm pairs alternate a→b, b→a */
			ck_assert_uint_eq(ev->n_to, 1);
		if (ev->traffic == 1) /* group: every member but the sender */
			ck_assert_uint_eq(ev->n_to, 2);
		if (ev->traffic == 2) {
			ck_assert_int_ge(ev->t_ms, 5000);
			ck_assert_int_lt(ev->t_ms, 60000);
			relay++;
		}
		if (ev->traffic == 0)
			ck_assert(ev->size >= 100 && ev->size <= 1024);
	}
	ck_assert_uint_eq(relay, 50);
	ck_assert_int_eq(plan->events[0].t_ms, 0);
	ck_assert_uint_eq(plan->events[0].from, 0);
	ck_assert_uint_eq(plan->events[1].traffic, 0);
	ck_assert_uint_eq(plan->events[1].from, 1); /* t=500: the b→a turn */
	plan_free(plan);
	scenario_free(&sc);
}
END_TEST

/* from: all, to: all spreads over senders and receivers instead of exhausting one sender. */
START_TEST(test_pairs_spread)
{
	struct scenario sc;
	struct plan *plan;
	unsigned sent[10] = {0}, got[10] = {0};

	sc_load("version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{0..9}\n"
		"traffic:\n  - {kind: dm, from: all, to: all, rate: 10/s, count: 100}\n",
		&sc);
	plan = plan_of(&sc, 1);
	for (size_t i = 0; i < plan->n_events; i++) {
		ck_assert_uint_ne(plan->events[i].from, plan->events[i].to[0]);
		sent[plan->events[i].from]++;
		got[plan->events[i].to[0]]++;
	}
	for (int i = 0; i < 10; i++) {
		ck_assert_uint_eq(sent[i], 10);
		ck_assert_uint_eq(got[i], 10);
	}
	plan_free(plan);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_addresses)
{
	struct scenario sc;
	struct plan *plan;

	sc_load("version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{1..300}\n"
		"topology: {kind: ring}\n",
		&sc);
	plan = plan_of(&sc, 1);
	ck_assert_str_eq(plan->subnet, "10.213.0.0/23");
	ck_assert_str_eq(plan->nodes[0].address, "10.213.0.2");
	ck_assert_str_eq(plan->nodes[299].address, "10.213.1.45");
	ck_assert_uint_eq(plan->n_links, 300);
	plan_free(plan);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_json_parses)
{
	char *text = plan_json_of_file(FULL_EXAMPLE, 42);
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr), *ev;

	ck_assert_msg(root != NULL, "plan.json: %s at %d", jerr.text, jerr.line);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "faultlab_plan")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "seed")), 42);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "nodes")), 6);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "faults")), 10);
	ev = json_array_get(json_object_get(root, "events"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "id")), "e1");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "msg")), "m1");
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "t_ms")), 5000);
	ck_assert(strstr(text, "\"params\": {\"groups\": [[\"alice\", \"svc1\", \"svc2\"], "
			       "[\"bob\", \"svc3\", \"svc4\"]], \"direction\": \"both\"}"));
	ck_assert(strstr(text, "{\"metric\": \"delivery\", \"where\": {}, \"min\": 0.99}"));
	json_decref(root);
	free(text);
}
END_TEST

/* until: delivered goes into plan.json beside end_ms (its cap), and only on that fault;
 * at: boot likewise ("at": "boot", start_ms 0). */
START_TEST(test_until_and_boot)
{
	static const char yaml[] =
	    "version: 1\nname: t\nduration: 10s\nnodes:\n  - name: a\n  - name: b\n"
	    "faults:\n  - {at: 1s, for: 5s, until: delivered, netem: {target: a, delay: 1s}}\n"
	    "  - {at: 1s, for: 2s, freeze: {target: b}}\n"
	    "  - {at: boot, for: 3s, netem: {target: b, loss: 50%}}\n";
	struct scenario sc;
	struct plan *plan;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sc_load(yaml, &sc);
	ck_assert_str_eq(sc.faults[0].until, "delivered");
	ck_assert_ptr_null(sc.faults[1].until);
	plan = plan_of(&sc, 1);
	ck_assert_int_eq(plan->faults[0].end_ms, 6000);
	ck_assert_int_eq(plan_write_json(plan, f), 0);
	fclose(f);
	ck_assert_msg(strstr(buf, "\"start_ms\": 1000, \"end_ms\": 6000, \"until\": "
				  "\"delivered\", \"engine_seed\""),
		      "%s", buf);
	ck_assert_int_eq(strstr(strstr(buf, "\"until\"") + 1, "\"until\"") == NULL, 1);
	/* at: boot: the timeline's 0, for counted from there, and its apply is the first event */
	ck_assert_int_eq(plan->faults[2].start_ms, 0);
	ck_assert_int_eq(plan->faults[2].end_ms, 3000);
	ck_assert_int_eq(plan->events[0].type, PLAN_EVENT_FAULT_APPLY);
	ck_assert_uint_eq(plan->events[0].fault, 2);
	ck_assert_msg(strstr(buf, "\"start_ms\": 0, \"end_ms\": 3000, \"at\": \"boot\", "
				  "\"engine_seed\""),
		      "%s", buf);
	free(buf);
	plan_free(plan);
	scenario_free(&sc);
}
END_TEST

/* sites: a node in a site carries "site"; a fault on a site's uplink carries "site" and the
 * site's nodes as targets; a partition group {site: X} is its nodes. Nothing else changes. */
START_TEST(test_sites_in_json)
{
	static const char yaml[] =
	    "version: 1\nname: t\nduration: 10s\nnodes:\n  - name: a\n  - name: b\n  - name: c\n"
	    "sites: {home: [a, b]}\n"
	    "faults:\n  - {at: 1s, for: 2s, bandwidth: {target: {site: home}, rate: 1kbit}}\n"
	    "  - {at: 4s, for: 2s, partition: {groups: [{site: home}, rest]}}\n";
	struct scenario sc;
	struct plan *plan;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sc_load(yaml, &sc);
	plan = plan_of(&sc, 1);
	ck_assert_uint_eq(plan->faults[0].n_targets, 2);
	ck_assert_uint_eq(plan->faults[1].group_len[0], 2);
	ck_assert_uint_eq(plan->faults[1].group_len[1], 1);
	ck_assert_int_eq(plan_write_json(plan, f), 0);
	fclose(f);
	ck_assert_msg(strstr(buf, "\"address\": \"10.213.0.2\", \"site\": \"home\"}"), "%s", buf);
	ck_assert_msg(strstr(buf, "\"address\": \"10.213.0.4\"}"), "%s", buf);
	ck_assert_msg(strstr(buf, "\"targets\": [\"a\", \"b\"], \"start_ms\": 1000, \"end_ms\": "
				  "3000, \"site\": \"home\", \"engine_seed\""),
		      "%s", buf);
	ck_assert_msg(strstr(buf, "\"groups\": [[\"a\", \"b\"], [\"c\"]]"), "%s", buf);
	free(buf);
	plan_free(plan);
	scenario_free(&sc);
}
END_TEST

/* accept: true marks its send events "accept": true (the run asks the receiver to accept);
 * other traffic's events carry no accept key, so plans without it are unchanged. */
START_TEST(test_accept_in_json)
{
	static const char yaml[] =
	    "version: 1\nname: t\nduration: 10s\nnodes:\n  - name: a\n  - name: b\n"
	    "traffic:\n  - {kind: contact-request, from: a, to: b, rate: 1/s, count: 2, accept: "
	    "true}\n  - {kind: join-request, from: b, to: a, rate: 1/s, count: 1}\n"
	    "  - {kind: dm, from: b, to: a, rate: 1/s, count: 1}\n";
	struct scenario sc;
	struct plan *plan;
	char *buf = NULL;
	size_t len = 0, accept = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *root, *ev;
	size_t i;

	sc_load(yaml, &sc);
	ck_assert_int_eq(sc.traffic[0].accept, 1);
	ck_assert_int_eq(sc.traffic[1].accept, 0);
	plan = plan_of(&sc, 1);
	ck_assert_int_eq(plan_write_json(plan, f), 0);
	fclose(f);
	root = json_loads(buf, 0, NULL);
	ck_assert_ptr_nonnull(root);
	json_array_foreach(json_object_get(root, "events"), i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		json_t *a = json_object_get(ev, "accept");

		if (strcmp(kind, "contact-request") == 0) {
			ck_assert(json_is_true(a));
			accept++;
		} else {
			ck_assert_ptr_null(a);
		}
	}
	ck_assert_uint_eq(accept, 2);
	json_decref(root);
	free(buf);
	plan_free(plan);
	scenario_free(&sc);
}
END_TEST

Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_seed_sensitivity);
	tcase_add_test(tc, test_mesh_regular_connected);
	tcase_add_test(tc, test_repeat_expansion);
	tcase_add_test(tc, test_picks);
	tcase_add_test(tc, test_partition_rest);
	tcase_add_test(tc, test_fault_does_not_move_traffic);
	tcase_add_test(tc, test_traffic_events);
	tcase_add_test(tc, test_pairs_spread);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_json_parses);
	tcase_add_test(tc, test_until_and_boot);
	tcase_add_test(tc, test_sites_in_json);
	tcase_add_test(tc, test_accept_in_json);
	suite_add_tcase(s, tc);
	return s;
}
