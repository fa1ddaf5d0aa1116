/* The scenario parser on every example of docs/SCENARIO.md: the full example (from
 * tests/data/scenarios/, run from the repository root), the units, the selectors. */
#include "orchestrator/scenario/scenario.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define FULL_EXAMPLE "tests/data/scenarios/full-example.yaml"
#define NODES2 "version: 1\nname: t\nduration: 3m\nnodes:\n  - name: alice\n  - name: bob\n"

static void load_ok(const char *yaml, struct scenario *sc)
{
	struct scenario_errors errs;
	char line[1024] = "";

	if (scenario_load_buffer("t.yaml", yaml, strlen(yaml), sc, &errs) < 0)
		scenario_errors_format(&errs, 0, line, sizeof(line));
	ck_assert_msg(errs.n == 0, "refused: %s", line);
}

START_TEST(test_full_example_top)
{
	struct scenario_errors errs;
	struct scenario sc;

	ck_assert_int_eq(scenario_load(FULL_EXAMPLE, &sc, &errs), 0);
	ck_assert_str_eq(sc.name, "dm-partition-heal");
	ck_assert_int_eq(sc.version, 1);
	ck_assert(sc.has_seed);
	ck_assert_uint_eq(sc.seed, 42);
	ck_assert_str_eq(sc.runtime, "netns");
	ck_assert_int_eq(sc.duration_ms, 180000);
	ck_assert_int_eq(sc.drain_ms, 60000);
	ck_assert_uint_eq(sc.n_images, 1);
	ck_assert_str_eq(sc.images[0].name, "nwaku");
	ck_assert_str_eq(sc.images[0].image, "wakuorg/nwaku:v0.36.0");
	ck_assert_str_eq(sc.images[0].driver, "waku-rest");
	ck_assert(strncmp(sc.description, "Alice and Bob", 13) == 0);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_full_example_nodes)
{
	static const char *names[] = {"svc1", "svc2", "svc3", "svc4", "alice", "bob"};
	struct scenario_errors errs;
	struct scenario sc;

	ck_assert_int_eq(scenario_load(FULL_EXAMPLE, &sc, &errs), 0);
	ck_assert_uint_eq(sc.n_nodes, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(sc.nodes[i].name, names[i]);
	ck_assert_int_eq(sc.nodes[0].role, SCENARIO_ROLE_SERVICE);
	ck_assert_int_eq(sc.nodes[4].role, SCENARIO_ROLE_RELAY);
	ck_assert_int_eq(sc.nodes[5].role, SCENARIO_ROLE_LIGHT);
	/* defaults: reliability [mvds, store-recovery]; bob overrides with [mvds] */
	ck_assert_uint_eq(sc.nodes[0].reliability.n, 2);
	ck_assert_str_eq(sc.nodes[0].reliability.v[1], "store-recovery");
	ck_assert_uint_eq(sc.nodes[5].reliability.n, 1);
	ck_assert_str_eq(sc.nodes[5].args.v[0], "--keepalive=5s");
	ck_assert_str_eq(sc.nodes[3].image, "labnode");
	ck_assert_int_eq(sc.nodes[5].mark.line, 23); /* "- name: bob" value */
	ck_assert_int_eq(sc.nodes[5].mark.col, 11);
	ck_assert_int_eq(sc.topology.kind, SCENARIO_TOPO_MESH);
	ck_assert_uint_eq(sc.topology.degree, 3);
	ck_assert_uint_eq(sc.topology.n_links, 2);
	ck_assert_str_eq(sc.topology.links[1].a, "bob");
	ck_assert_str_eq(sc.topology.links[1].b, "svc3");
	scenario_free(&sc);
}
END_TEST

START_TEST(test_full_example_traffic_expect)
{
	struct scenario_errors errs;
	struct scenario sc;
	const struct scenario_traffic *t;

	ck_assert_int_eq(scenario_load(FULL_EXAMPLE, &sc, &errs), 0);
	ck_assert_uint_eq(sc.n_traffic, 1);
	t = &sc.traffic[0];
	ck_assert_str_eq(t->name, "chat");
	ck_assert_int_eq(t->kind, SCENARIO_TRAFFIC_DM);
	ck_assert_double_eq_tol(t->rate_per_s, 1.0, 1e-9);
	ck_assert_uint_eq(t->count, 120);
	ck_assert_int_eq(t->start_ms, 5000);
	ck_assert_uint_eq(t->size_min, 200);
	ck_assert_uint_eq(t->size_max, 2048);
	ck_assert_uint_eq(sc.n_expect, 5);
	ck_assert_str_eq(sc.expect[0].metric, "delivery");
	ck_assert_double_eq_tol(sc.expect[0].min, 0.99, 1e-12);
	ck_assert_int_eq(sc.expect[1].where_kind, SCENARIO_TRAFFIC_CONTACT_REQUEST);
	ck_assert_double_eq(sc.expect[2].max, 10000);
	ck_assert(sc.expect[3].has_max && !sc.expect[3].has_min);
	ck_assert_str_eq(sc.expect[4].where_fault, "cut");
	ck_assert_double_eq(sc.expect[4].max, 30000);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_full_example_faults)
{
	struct scenario_errors errs;
	struct scenario sc;
	const struct scenario_fault *f;

	ck_assert_int_eq(scenario_load(FULL_EXAMPLE, &sc, &errs), 0);
	ck_assert_uint_eq(sc.n_faults, 8);
	f = &sc.faults[0];
	ck_assert_str_eq(f->name, "cut");
	ck_assert_int_eq(f->kind, SCENARIO_FAULT_PARTITION);
	ck_assert_uint_eq(f->n_groups, 2);
	ck_assert_uint_eq(f->groups[1].n_items, 3);
	ck_assert_str_eq(f->direction, "both");
	f = &sc.faults[1];
	ck_assert_str_eq(f->name, "f2");
	ck_assert_int_eq(f->netem.delay_ms, 1000);
	ck_assert_int_eq(f->netem.jitter_ms, 100);
	ck_assert_str_eq(f->netem.distribution, "normal");
	ck_assert_double_eq_tol(f->netem.correlation, 0.25, 1e-12);
	ck_assert_double_eq_tol(f->netem.loss, 0.2, 1e-12);
	ck_assert_double_eq_tol(f->netem.corrupt, 0.001, 1e-12);
	ck_assert_str_eq(f->direction, "both");
	ck_assert_uint_eq(sc.faults[2].rate_bps, 1000);
	ck_assert_uint_eq(sc.faults[2].burst_bytes, 125);
	ck_assert_int_eq(sc.faults[4].wake_network_after_ms, 2000);
	ck_assert_uint_eq(sc.faults[5].times, 3);
	ck_assert_int_eq(sc.faults[5].every_ms, 10000);
	ck_assert_int_eq(sc.faults[5].kind, SCENARIO_FAULT_LINK_DOWN);
	ck_assert_str_eq(sc.faults[6].signal, "KILL");
	ck_assert(!sc.faults[6].has_for);
	ck_assert_int_eq(sc.faults[7].kind, SCENARIO_FAULT_RESTART);
	scenario_free(&sc);
}
END_TEST

/* The Units section: each example of each unit, in a place that takes it. */
START_TEST(test_units)
{
	struct scenario sc;

	load_ok(NODES2
		"drain: 250ms\n"
		"traffic:\n"
		"  - {kind: dm, from: alice, to: bob, rate: 5/s, count: 10, start: 1.5s}\n"
		"  - {kind: dm, from: bob, to: alice, rate: 30/m, count: 10, size: 1MiB}\n"
		"faults:\n"
		"  - {at: 2s, for: 1m, bandwidth: {target: bob, rate: 2mbit, burst: 400mbit}}\n"
		"  - {at: 2m, for: 1s, netem: {target: bob, loss: 20%, duplicate: 0.2}}\n",
		&sc);
	ck_assert_int_eq(sc.drain_ms, 250);
	ck_assert_double_eq_tol(sc.traffic[0].rate_per_s, 5, 1e-9);
	ck_assert_int_eq(sc.traffic[0].start_ms, 1500);
	ck_assert_double_eq_tol(sc.traffic[1].rate_per_s, 0.5, 1e-9);
	ck_assert_uint_eq(sc.traffic[1].size_min, 1048576);
	ck_assert_int_eq(sc.faults[0].for_ms, 60000);
	ck_assert_uint_eq(sc.faults[0].rate_bps, 2000000);
	ck_assert_uint_eq(sc.faults[0].burst_bytes, 50000000);
	ck_assert_int_eq(sc.faults[1].at_ms, 120000);
	ck_assert_int_eq(sc.duration_ms, 180000);
	ck_assert_double_eq_tol(sc.faults[1].netem.loss, 0.2, 1e-12);
	ck_assert_double_eq_tol(sc.faults[1].netem.duplicate, 0.2, 1e-12);
	scenario_free(&sc);
	load_ok("version: 1\nname: t\nduration: 1h\nnodes:\n  - name: a\n", &sc);
	ck_assert_int_eq(sc.duration_ms, 3600000);
	scenario_free(&sc);
}
END_TEST

/* The Selectors section: a name, a list, a glob, all, a seeded pick. */
START_TEST(test_selectors)
{
	struct scenario sc;
	uint32_t out[8];

	load_ok("version: 1\nname: t\nduration: 3m\nnodes:\n  - name: svc{1..3}\n"
		"  - name: alice\n  - name: bob\n"
		"faults:\n"
		"  - {at: 1s, for: 1s, freeze: {target: alice}}\n"
		"  - {at: 1s, for: 1s, freeze: {target: [alice, bob]}}\n"
		"  - {at: 1s, for: 1s, freeze: {target: svc*}}\n"
		"  - {at: 1s, for: 1s, freeze: {target: all}}\n"
		"  - {at: 1s, for: 1s, freeze: {target: {pick: 2, from: \"svc*\"}}}\n",
		&sc);
	ck_assert_int_eq(sc.faults[0].target.kind, SCENARIO_SEL_NAME);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[0].target, NULL, out), 1);
	ck_assert_uint_eq(out[0], 3);
	ck_assert_int_eq(sc.faults[1].target.kind, SCENARIO_SEL_LIST);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[1].target, NULL, out), 2);
	ck_assert_uint_eq(out[1], 4);
	ck_assert_int_eq(sc.faults[2].target.kind, SCENARIO_SEL_GLOB);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[2].target, NULL, out), 3);
	ck_assert_int_eq(sc.faults[3].target.kind, SCENARIO_SEL_ALL);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[3].target, NULL, out), 5);
	ck_assert_int_eq(sc.faults[4].target.kind, SCENARIO_SEL_PICK);
	ck_assert_uint_eq(sc.faults[4].target.pick, 2);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[4].target, NULL, out), 2);
	ck_assert(out[0] < 3 && out[1] < 3 && out[0] < out[1]);
	scenario_free(&sc);
}
END_TEST

/* sites: each node's site; {site: X} as a selector is its nodes; netem and bandwidth on
 * exactly {site: X} shape its uplink (fault.site), other kinds just take its nodes. */
START_TEST(test_sites)
{
	struct scenario sc;
	uint32_t out[8];

	load_ok("version: 1\nname: t\nduration: 3m\nnodes:\n  - name: c{1..3}\n"
		"  - name: srv\n"
		"sites:\n  home: [c1, c2]\n  far: \"c3\"\n"
		"faults:\n"
		"  - {at: 1s, for: 1s, bandwidth: {target: {site: home}, rate: 1kbit}}\n"
		"  - {at: 1s, for: 1s, netem: {target: {site: far}, delay: 1s}}\n"
		"  - {at: 1s, for: 1s, freeze: {target: {site: home}}}\n"
		"  - {at: 1s, for: 1s, bandwidth: {target: [{site: home}, srv], rate: 1kbit}}\n"
		"  - {at: 1s, for: 1s, partition: {groups: [{site: home}, rest]}}\n",
		&sc);
	ck_assert_uint_eq(sc.n_sites, 2);
	ck_assert_str_eq(sc.sites[0].name, "home");
	ck_assert_uint_eq(sc.nodes[0].site, 1);
	ck_assert_uint_eq(sc.nodes[1].site, 1);
	ck_assert_uint_eq(sc.nodes[2].site, 2);
	ck_assert_uint_eq(sc.nodes[3].site, 0);
	ck_assert_uint_eq(sc.faults[0].site, 1);
	ck_assert_uint_eq(sc.faults[1].site, 2);
	ck_assert_uint_eq(sc.faults[2].site, 0); /* freeze: the site's nodes, each one */
	ck_assert_uint_eq(sc.faults[3].site, 0); /* a list: each node's own interface */
	ck_assert_int_eq(sc.faults[0].target.kind, SCENARIO_SEL_SITE);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[2].target, NULL, out), 2);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], 1);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[3].target, NULL, out), 3);
	ck_assert_uint_eq(scenario_selector_resolve(&sc, &sc.faults[4].groups[0], NULL, out), 2);
	ck_assert_int_eq(scenario_site_find(&sc, "far"), 1);
	ck_assert_int_eq(scenario_site_find(&sc, "x"), -1);
	scenario_free(&sc);
}
END_TEST

/* Defaults fill what the file leaves out; brace ranges keep zero padding. */
START_TEST(test_defaults_and_braces)
{
	struct scenario sc;

	load_ok("version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{08..11}\n"
		"  - {name: s, role: service}\n"
		"defaults: {role: light, args: [\"-v\"]}\n",
		&sc);
	ck_assert_uint_eq(sc.n_nodes, 5);
	ck_assert_str_eq(sc.nodes[0].name, "n08");
	ck_assert_str_eq(sc.nodes[3].name, "n11");
	ck_assert_int_eq(sc.nodes[0].role, SCENARIO_ROLE_LIGHT);
	ck_assert_int_eq(sc.nodes[4].role, SCENARIO_ROLE_SERVICE);
	ck_assert_str_eq(sc.nodes[4].args.v[0], "-v");
	ck_assert_uint_eq(sc.nodes[0].reliability.n, 0);
	ck_assert_int_eq(sc.drain_ms, 30000);
	ck_assert_str_eq(sc.runtime, "netns");
	ck_assert_int_eq(sc.topology.kind, SCENARIO_TOPO_FULL);
	scenario_free(&sc);
}
END_TEST

/* Without count, a traffic sends as many as fit between start and the end. */
START_TEST(test_traffic_defaults)
{
	struct scenario sc;

	load_ok(NODES2 "traffic:\n  - {kind: dm, from: alice, to: bob, interval: 2s, start: 60s}\n",
		&sc);
	ck_assert_uint_eq(sc.traffic[0].count, 60);
	ck_assert_str_eq(sc.traffic[0].name, "t1");
	ck_assert_uint_eq(sc.traffic[0].size_min, 256);
	scenario_free(&sc);
}
END_TEST

/* Every traffic kind and every metric of docs/SCENARIO.md. */
START_TEST(test_kinds_and_metrics)
{
	static const char *kinds[] = {"dm",    "contact-request", "join-request",
				      "group", "relay",		  "lightpush"};
	static const char *metrics[] = {"delivery",    "lost",	      "duplicates",
					"latency.p50", "latency.p90", "latency.p95",
					"latency.p99", "latency.max", "recovery",
					"reordered",   "acked",	      "telemetry-drift"};
	char yaml[4096];
	size_t used =
	    snprintf(yaml, sizeof(yaml), "%s", NODES2 "  - {name: svc, role: service}\ntraffic:\n");
	struct scenario sc;

	for (size_t i = 0; i < 6; i++)
		used +=
		    snprintf(yaml + used, sizeof(yaml) - used,
			     "  - {kind: %s, from: alice, to: [alice, bob], rate: 1/s, count: 3}\n",
			     kinds[i]);
	used += snprintf(yaml + used, sizeof(yaml) - used,
			 "faults:\n  - {name: cut, at: 1s, kill: {target: bob}}\nexpect:\n");
	for (size_t i = 0; i < 12; i++)
		used += snprintf(yaml + used, sizeof(yaml) - used,
				 "  - {metric: %s, where: {kind: dm, traffic: t1, from: alice, to: "
				 "bob, fault: cut}, max: %s}\n",
				 metrics[i],
				 i >= 3 && i <= 8	      ? "1s"
				 : i == 1 || i == 2 || i == 9 ? "3"
							      : "50%");
	load_ok(yaml, &sc);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(scenario_traffic_kind_name(sc.traffic[i].kind), kinds[i]);
	for (size_t i = 0; i < 12; i++)
		ck_assert_str_eq(sc.expect[i].metric, metrics[i]);
	ck_assert_double_eq(sc.expect[0].max, 0.5);
	ck_assert_double_eq(sc.expect[1].max, 3);
	ck_assert_double_eq(sc.expect[7].max, 1000);
	ck_assert_str_eq(sc.expect[11].where_to, "bob");
	scenario_free(&sc);
}
END_TEST

/* `faults:` with nothing after it is an empty list, as are ~ and null. */
START_TEST(test_empty_sections)
{
	struct scenario sc;

	load_ok(NODES2
		"images:\ntraffic: ~\nfaults:\nexpect: null\ntopology:\n  kind: line\n  links:\n",
		&sc);
	ck_assert_uint_eq(sc.n_traffic + sc.n_faults + sc.n_expect + sc.n_images, 0);
	ck_assert_int_eq(sc.topology.kind, SCENARIO_TOPO_LINE);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_smoke_file)
{
	struct scenario_errors errs;
	struct scenario sc;

	ck_assert_int_eq(scenario_load("scenarios/smoke.yaml", &sc, &errs), 0);
	ck_assert_uint_eq(sc.n_nodes, 5);
	ck_assert_int_eq(sc.duration_ms, 30000);
	ck_assert_int_eq(sc.topology.kind, SCENARIO_TOPO_MESH);
	ck_assert_uint_eq(sc.n_faults, 3);
	scenario_free(&sc);
}
END_TEST

Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("examples");

	tcase_add_test(tc, test_full_example_top);
	tcase_add_test(tc, test_full_example_nodes);
	tcase_add_test(tc, test_full_example_traffic_expect);
	tcase_add_test(tc, test_full_example_faults);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_selectors);
	tcase_add_test(tc, test_sites);
	tcase_add_test(tc, test_defaults_and_braces);
	tcase_add_test(tc, test_traffic_defaults);
	tcase_add_test(tc, test_kinds_and_metrics);
	tcase_add_test(tc, test_empty_sections);
	tcase_add_test(tc, test_smoke_file);
	suite_add_tcase(s, tc);
	return s;
}
