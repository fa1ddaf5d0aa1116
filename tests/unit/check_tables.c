/* The tables that hold every per-runtime, per-driver, per-image, per-metric and per-fault-kind
 * difference: each name resolves to its entry, and the callers read fields, not names. */
#include "orchestrator/analyze/analyze.h"
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/image.h"
#include "orchestrator/run/rundir.h"
#include "orchestrator/plan/plan.h"
#include "orchestrator/run/agentctl.h"
#include "orchestrator/runtime/docker_image.h"
#include "orchestrator/runtime/runtime.h"
#include "orchestrator/scenario/fault_kind.h"

#include <jansson.h>
#include <signal.h>
#include <unistd.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(runtime_table)
{
	const struct runtime_ops *n = runtime_ops_find("netns"), *d = runtime_ops_find("docker");

	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_eq(runtime_ops_at(0), n); /* the default */
	ck_assert_ptr_null(runtime_ops_find("podman"));
	ck_assert_str_eq(runtime_names(), "netns or docker");
	ck_assert_int_eq(n->ready_timeout_ms, 20000);
	ck_assert_int_eq(d->ready_timeout_ms, 90000);
	ck_assert_int_eq(n->status_interval_ms, 0);
	ck_assert_int_eq(d->status_interval_ms, 1000);
	ck_assert(!n->runs_images && d->runs_images);
	for (size_t i = 0; runtime_ops_at(i); i++) {
		const struct runtime_ops *o = runtime_ops_at(i);

		ck_assert_ptr_nonnull(o->init);
		ck_assert_ptr_nonnull(o->node_netns);
		ck_assert_ptr_nonnull(o->nodes_start);
	}
}
END_TEST

START_TEST(unknown_runtime_names_the_known_ones)
{
	struct fl_error err = {0};

	ck_assert_ptr_null(runtime_new("podman", &err));
	ck_assert_str_eq(err.msg, "unknown runtime \"podman\" (expected netns or docker)");
}
END_TEST

START_TEST(driver_table)
{
	const char *const *names = driver_names();

	ck_assert_str_eq(names[0], "labnode");
	ck_assert_str_eq(names[1], "jswaku");
	ck_assert_str_eq(names[2], "waku-rest");
	ck_assert_str_eq(names[3], "status-cli");
	ck_assert_ptr_null(names[4]); /* aliases are not offered */
	ck_assert_ptr_eq(driver_find(NULL), driver_default());
	ck_assert_ptr_eq(driver_find("go-waku"), &driver_waku_rest_ops);
	ck_assert(driver_takes_reliability(driver_find("labnode"), "mvds"));
	ck_assert(!driver_takes_reliability(driver_find("labnode"), "sds"));
	ck_assert(driver_takes_reliability(driver_find("jswaku"), "sds"));
	ck_assert(!driver_takes_reliability(driver_find("jswaku"), "mvds"));
	ck_assert(!driver_find("waku-rest")->reliability);
	ck_assert(driver_takes_role(driver_find("jswaku"), "relay"));
	ck_assert(!driver_takes_role(driver_find("jswaku"), "service"));
	ck_assert(driver_takes_role(driver_find("labnode"), "light"));
	ck_assert_str_eq(driver_reliability_names()[3], "sds"); /* after labnode's three */
	ck_assert_ptr_null(driver_reliability_names()[4]);
	ck_assert_ptr_nonnull(driver_find("labnode")->launch_args);
	ck_assert_ptr_nonnull(driver_find("status-cli")->launch_args); /* serve -n -p */
	ck_assert_int_eq(driver_find("status-cli")->port, 8545);
}
END_TEST

START_TEST(image_table)
{
	const struct image_desc *l = image_find("labnode");

	ck_assert_ptr_eq(l, image_default());
	ck_assert_str_eq(l->driver, "labnode");
	ck_assert_ptr_nonnull(driver_find(l->driver));
	ck_assert_str_eq(l->docker_ref, "faultlab/labnode:latest");
	ck_assert_ptr_null(image_find("nwaku"));
	ck_assert_str_eq(image_names(), "labnode or jswaku");
	/* one entry per image: its driver and how its docker image is built */
	ck_assert_str_eq(image_find("jswaku")->driver, "jswaku");
	ck_assert_str_eq(image_find("jswaku")->tool, "image-jswaku");
	ck_assert_ptr_eq(docker_image_find("faultlab/jswaku:latest"), image_find("jswaku"));
	ck_assert_ptr_eq(docker_image_find("labnode"), l);
	ck_assert_ptr_null(docker_image_find("wakuorg/nwaku:v0.31"));
}
END_TEST

/* A plan of one labnode relay and one waku-rest node with two args of its own. */
static void two_node_plan(struct planread *p, struct planread_node *nodes)
{
	static char *wargs[] = {"--rest=true", "--relay=true", NULL};
	static char *none[] = {NULL};

	memset(p, 0, sizeof(*p));
	memset(nodes, 0, 2 * sizeof(*nodes));
	snprintf(p->subnet, sizeof(p->subnet), "10.213.0.0/24");
	snprintf(nodes[0].name, sizeof(nodes[0].name), "a");
	snprintf(nodes[0].role, sizeof(nodes[0].role), "relay");
	snprintf(nodes[0].image, sizeof(nodes[0].image), "labnode");
	snprintf(nodes[0].driver, sizeof(nodes[0].driver), "labnode");
	snprintf(nodes[0].address, sizeof(nodes[0].address), "10.213.0.2");
	nodes[0].args = none;
	snprintf(nodes[1].name, sizeof(nodes[1].name), "w");
	snprintf(nodes[1].role, sizeof(nodes[1].role), "relay");
	snprintf(nodes[1].image, sizeof(nodes[1].image), "wakuorg/nwaku:v0.31");
	snprintf(nodes[1].driver, sizeof(nodes[1].driver), "waku-rest");
	snprintf(nodes[1].address, sizeof(nodes[1].address), "10.213.0.3");
	nodes[1].args = wargs;
	p->nodes = nodes;
	p->n_nodes = 2;
}

START_TEST(command_lines_per_runtime)
{
	struct planread p;
	struct planread_node nodes[2];
	char **a, **w;

	two_node_plan(&p, nodes);
	setenv("FL_LABNODE", "/opt/labnode", 1);
	a = rundir_node_argv(&p, 0, runtime_ops_find("docker")->runs_images, 7);
	w = rundir_node_argv(&p, 1, runtime_ops_find("docker")->runs_images, 7);
	ck_assert_str_eq(a[0], "/labnode"); /* ignored by docker; the entrypoint gets a[1..] */
	ck_assert_str_eq(a[1], "--name");
	/* argv[0] is dropped by docker: the node's own args must all follow it */
	ck_assert_str_eq(w[0], "wakuorg/nwaku:v0.31");
	ck_assert_str_eq(w[1], "--rest=true");
	ck_assert_str_eq(w[2], "--relay=true");
	ck_assert_ptr_null(w[3]);
	ck_assert_str_eq(rundir_node_image(&nodes[0], 1), "faultlab/labnode:latest");
	ck_assert_str_eq(rundir_node_image(&nodes[0], 0), "labnode");
	ck_assert_str_eq(rundir_node_image(&nodes[1], 1), "wakuorg/nwaku:v0.31");
	rundir_argv_free(a);
	rundir_argv_free(w);
	a = rundir_node_argv(&p, 0, runtime_ops_find("netns")->runs_images, 7);
	ck_assert_str_eq(a[0], "/opt/labnode");
	rundir_argv_free(a);
	/* jswaku: a script; on netns node runs it after the polyfill, on docker the image's
	 * entrypoint takes the flags; the identity seed comes through a file */
	snprintf(nodes[0].image, sizeof(nodes[0].image), "jswaku");
	snprintf(nodes[0].driver, sizeof(nodes[0].driver), "jswaku");
	setenv("FL_JSWAKU", "/opt/jsw/jswaku.mjs", 1);
	a = rundir_node_argv(&p, 0, runtime_ops_find("netns")->runs_images, 7);
	ck_assert_str_eq(a[0], "node");
	ck_assert_str_eq(a[1], "--import");
	ck_assert_str_eq(a[2], "/opt/jsw/lib/polyfill.mjs");
	ck_assert_str_eq(a[3], "/opt/jsw/jswaku.mjs");
	ck_assert_str_eq(a[4], "--name");
	for (char **x = a; *x; x++)
		ck_assert_msg(strcmp(*x, "--identity-seed") != 0, "no seed on the command line");
	rundir_argv_free(a);
	a = rundir_node_argv(&p, 0, runtime_ops_find("docker")->runs_images, 7);
	ck_assert_str_eq(a[1], "--name");
	rundir_argv_free(a);
	ck_assert_str_eq(rundir_node_image(&nodes[0], 1), "faultlab/jswaku:latest");
	unsetenv("FL_JSWAKU");
}
END_TEST

START_TEST(metric_table)
{
	const struct metric_desc *p95 = metric_find("latency.p95");
	struct analyze_stats st = {.sent = 4, .delivered = 3, .p95 = 12.5};
	struct analyze_expect e = {0};

	ck_assert_ptr_nonnull(p95);
	ck_assert_int_eq(p95->unit, METRIC_MS);
	p95->measure(p95, NULL, &e, &st);
	ck_assert_double_eq(e.actual, 12.5);
	ck_assert_int_eq(metric_find("delivery")->unit, METRIC_FRACTION);
	ck_assert_int_eq(metric_find("lost")->unit, METRIC_COUNT);
	ck_assert(metric_find("recovery")->needs_fault);
	ck_assert(!metric_find("delivery")->needs_fault);
	ck_assert_ptr_null(metric_find("latency.p42"));
	for (size_t i = 0; metric_at(i); i++) {
		ck_assert_ptr_nonnull(metric_at(i)->measure);
		ck_assert_ptr_eq(metric_find(metric_at(i)->name), metric_at(i)); /* unique */
	}
}
END_TEST

START_TEST(fault_kind_table)
{
	char names[160];

	for (size_t i = 0; fault_kind_at(i); i++) {
		const struct fault_kind *k = fault_kind_at(i);

		ck_assert_ptr_eq(fault_kind_find(k->name), k);
		ck_assert_ptr_eq(fault_kind_of(k->kind), k);
		ck_assert_ptr_nonnull(k->keys);
		ck_assert_msg(k->lasts == (k->via == FAULT_VIA_AGENT), "%s", k->name);
		ck_assert_msg(k->lasts || k->moment_why, "%s says why it takes no for:", k->name);
	}
	ck_assert_int_eq(fault_kind_find("kill")->via, FAULT_VIA_RUNTIME_STOP);
	ck_assert_int_eq(fault_kind_find("restart")->via, FAULT_VIA_RUNTIME_RESTART);
	ck_assert(fault_kind_find("partition")->groups);
	ck_assert_int_eq(fault_kind_find("connection-drop")->via, FAULT_VIA_AGENT);
	ck_assert_ptr_null(fault_kind_find("conndrop"));
	fault_kind_names(1, names, sizeof(names));
	ck_assert_str_eq(
	    names, "netem, bandwidth, partition, link-down, freeze, suspend, connection-drop");
	ck_assert_int_eq(fault_signal_parse("SIGTERM"), SIGTERM);
	ck_assert_int_eq(fault_signal_parse("KILL"), SIGKILL);
	ck_assert_int_eq(fault_signal_parse("bogus"), 0);
}
END_TEST

/* connection-drop's mode and ports go scenario → plan.json → typed params → the agent's
 * request as the agent reads them (agents/conndrop.c); without ports none is sent (every
 * port); a FAULT-SPEC's "60000,8080" is the same list. */
START_TEST(conndrop_params_round_trip)
{
	static const char yaml[] =
	    "version: 1\nname: t\nduration: 20s\nnodes:\n  - {name: a, image: jswaku}\n"
	    "  - {name: b, image: jswaku}\nfaults:\n"
	    "  - {at: 1s, for: 2s, connection-drop: {target: a, mode: reset, ports: [60000, "
	    "8080]}}\n"
	    "  - {at: 5s, for: 2s, connection-drop: {target: b}}\n";
	struct scenario_errors errs;
	struct scenario sc;
	struct plan *plan;
	struct planread rp;
	struct fl_error err = {0};
	char path[64], *line;
	const char *want[] = {"{\"mode\":\"reset\",\"ports\":[60000,8080]}",
			      "{\"mode\":\"blackhole\"}"};
	json_t *ports;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fl-conndrop-%d.json", (int)getpid());
	ck_assert_int_eq(scenario_load_buffer("t.yaml", yaml, strlen(yaml), &sc, &errs), 0);
	ck_assert_int_eq(plan_build(&sc, 7, &plan, &err), 0);
	f = fopen(path, "w");
	ck_assert_int_eq(plan_write_json(plan, f), 0);
	fclose(f);
	ck_assert_msg(planread_load(path, &rp, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(rp.n_faults, 2);
	for (size_t i = 0; i < 2; i++) {
		struct agentctl_fault af = {.id = rp.faults[i].id,
					    .kind = rp.faults[i].kind,
					    .lease_ms = 1,
					    .params = &rp.faults[i].params};
		json_t *req, *params;
		char *got;

		line = agentctl_apply_request(&af);
		req = json_loads(line, 0, NULL);
		params = json_object_get(req, "params");
		got = json_dumps(params, JSON_COMPACT | JSON_PRESERVE_ORDER);
		ck_assert_str_eq(got, want[i]);
		ck_assert_str_eq(json_string_value(json_object_get(req, "kind")),
				 "connection-drop");
		free(got);
		json_decref(req);
		free(line);
	}
	ports = fault_ports_parse("60000,8080");
	line = json_dumps(ports, JSON_COMPACT);
	ck_assert_str_eq(line, "[60000,8080]");
	free(line);
	json_decref(ports);
	ck_assert_ptr_null(fault_ports_parse("60000,"));
	ck_assert_ptr_null(fault_ports_parse("0"));
	ck_assert_ptr_null(fault_ports_parse("x"));
	planread_free(&rp);
	plan_free(plan);
	scenario_free(&sc);
	unlink(path);
}
END_TEST

/* Every param the planner writes reaches the agent with the same value, through plan.json →
 * typed params → agentctl's encoder (partition's groups become drop_from per node). */
START_TEST(fault_params_round_trip)
{
	struct scenario_errors errs;
	struct scenario sc;
	struct plan *plan;
	struct planread rp;
	struct fl_error err = {0};
	char path[64];
	json_t *pj, *faults, *fj;
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fl-tables-%d.json", (int)getpid());
	ck_assert_int_eq(scenario_load("tests/data/scenarios/full-example.yaml", &sc, &errs), 0);
	ck_assert_int_eq(plan_build(&sc, 7, &plan, &err), 0);
	f = fopen(path, "w");
	ck_assert_int_eq(plan_write_json(plan, f), 0);
	fclose(f);
	ck_assert_msg(planread_load(path, &rp, &err) == 0, "%s", err.msg);
	pj = json_load_file(path, 0, NULL);
	faults = json_object_get(pj, "faults");
	ck_assert_uint_eq(json_array_size(faults), rp.n_faults);
	json_array_foreach(faults, i, fj) {
		const struct planread_fault *rf = &rp.faults[i];
		struct agentctl_fault af = {
		    .id = rf->id, .kind = rf->kind, .lease_ms = 1, .params = &rf->params};
		json_t *want = json_object_get(fj, "params"), *req, *got, *v;
		const char *key;
		char *line;

		ck_assert_str_eq(rf->kind->name, json_string_value(json_object_get(fj, "kind")));
		if (rf->kind->via == FAULT_VIA_RUNTIME_STOP)
			ck_assert_int_eq(rf->params.signal, SIGKILL);
		if (rf->kind->via != FAULT_VIA_AGENT || rf->kind->groups)
			continue;
		line = agentctl_apply_request(&af);
		req = json_loads(line, 0, NULL);
		got = json_object_get(req, "params");
		ck_assert_uint_eq(json_object_size(got), json_object_size(want));
		json_object_foreach(want, key, v) {
			json_t *g = json_object_get(got, key);

			ck_assert_msg(g != NULL, "%s: %s lost on the way to the agent", rf->id,
				      key);
			if (json_is_number(v))
				ck_assert_double_eq(json_number_value(g), json_number_value(v));
			else
				ck_assert_msg(json_equal(g, v), "%s: %s", rf->id, key);
		}
		json_decref(req);
		free(line);
	}
	json_decref(pj);
	planread_free(&rp);
	plan_free(plan);
	scenario_free(&sc);
	unlink(path);
}
END_TEST

Suite *tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *t = tcase_create("runtime");

	tcase_add_test(t, runtime_table);
	tcase_add_test(t, unknown_runtime_names_the_known_ones);
	suite_add_tcase(s, t);
	t = tcase_create("driver");
	tcase_add_test(t, driver_table);
	tcase_add_test(t, image_table);
	tcase_add_test(t, command_lines_per_runtime);
	suite_add_tcase(s, t);
	t = tcase_create("fault_kind");
	tcase_add_test(t, fault_kind_table);
	tcase_add_test(t, fault_params_round_trip);
	tcase_add_test(t, conndrop_params_round_trip);
	suite_add_tcase(s, t);
	t = tcase_create("metric");
	tcase_add_test(t, metric_table);
	suite_add_tcase(s, t);
	return s;
}
