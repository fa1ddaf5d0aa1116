/* The run's pure parts: the journal lines of docs/FORMATS.md, plan.json read back, addresses
 * shifted into the run's subnet, message texts, labnode command lines, partition drop lists and the
 * FAULT-SPEC of `faultlab inject`. */
#include "orchestrator/run/injectspec.h"
#include "orchestrator/run/runjournal.h"
#include "orchestrator/run/run_int.h"
#include "orchestrator/run/rundir.h"
#include "orchestrator/plan/planread.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char plan_json[] =
    "{\n  \"faultlab_plan\": 1,\n  \"scenario\": \"smoke\", \"seed\": 42, \"runtime\": "
    "\"netns\",\n  \"duration_ms\": 180000, \"drain_ms\": 30000,\n  \"subnet\": "
    "\"10.213.0.0/24\",\n  \"nodes\": [\n"
    "    {\"name\": \"alice\", \"role\": \"relay\", \"image\": \"labnode\", \"driver\": "
    "\"labnode\", \"reliability\": [\"mvds\", \"store-recovery\"], \"args\": [\"--keepalive=5s\"], "
    "\"address\": \"10.213.0.2\"},\n"
    "    {\"name\": \"bob\", \"role\": \"light\", \"image\": \"labnode\", \"driver\": \"labnode\", "
    "\"reliability\": [], \"args\": [], \"address\": \"10.213.0.3\"},\n"
    "    {\"name\": \"svc1\", \"role\": \"service\", \"image\": \"labnode\", \"driver\": "
    "\"labnode\", \"reliability\": [\"mvds\"], \"args\": [], \"address\": \"10.213.0.4\"}\n  ],\n"
    "  \"links\": [[\"alice\", \"svc1\"], [\"svc1\", \"bob\"]],\n"
    "  \"traffic\": [{\"name\": \"chat\", \"kind\": \"dm\", \"from\": [\"alice\"], \"to\": "
    "[\"bob\"], \"count\": 1}],\n  \"faults\": [\n"
    "    {\"id\": \"f1\", \"name\": \"cut\", \"kind\": \"partition\", \"targets\": [\"alice\", "
    "\"bob\", \"svc1\"], \"start_ms\": 30000, \"end_ms\": 70000, \"engine_seed\": 123456789, "
    "\"params\": {\"groups\": [[\"alice\"], [\"bob\", \"svc1\"]], \"direction\": \"both\"}},\n"
    "    {\"id\": \"f2\", \"name\": \"one-way\", \"kind\": \"partition\", \"targets\": "
    "[\"alice\", \"bob\"], \"start_ms\": 1000, \"end_ms\": 2000, \"engine_seed\": 7, "
    "\"params\": {\"groups\": [[\"alice\"], [\"bob\"]], \"direction\": \"forward\"}}\n  ],\n"
    "  \"expect\": [{\"metric\": \"delivery\", \"where\": {\"kind\": \"dm\"}, \"min\": 0.99}],\n"
    "  \"events\": [\n"
    "    {\"id\": \"e1\", \"t_ms\": 5000, \"type\": \"send\", \"msg\": \"m1\", \"traffic\": "
    "\"chat\", \"kind\": \"dm\", \"from\": \"alice\", \"to\": [\"bob\"], \"size\": 512},\n"
    "    {\"id\": \"e2\", \"t_ms\": 30000, \"type\": \"fault-apply\", \"fault\": \"f1\"},\n"
    "    {\"id\": \"e3\", \"t_ms\": 70000, \"type\": \"fault-revert\", \"fault\": \"f1\"}\n  "
    "]\n}\n";

static char tmp_plan[64];

static void plan_file(struct planread *p)
{
	struct fl_error err = {0};
	FILE *f;

	snprintf(tmp_plan, sizeof(tmp_plan), "/tmp/fl-plan-%d.json", (int)getpid());
	f = fopen(tmp_plan, "w");
	ck_assert_ptr_nonnull(f);
	fputs(plan_json, f);
	fclose(f);
	ck_assert_msg(planread_load(tmp_plan, p, &err) == 0, "%s", err.msg);
	unlink(tmp_plan);
}

START_TEST(plan_read_back)
{
	struct planread p;

	plan_file(&p);
	ck_assert_str_eq(p.scenario, "smoke");
	ck_assert_uint_eq(p.seed, 42);
	ck_assert_int_eq(p.duration_ms, 180000);
	ck_assert_uint_eq(p.n_nodes, 3);
	ck_assert_str_eq(p.nodes[0].reliability, "mvds,store-recovery");
	ck_assert_str_eq(p.nodes[0].args[0], "--keepalive=5s");
	ck_assert_ptr_null(p.nodes[0].args[1]);
	ck_assert_uint_eq(p.n_links, 2);
	ck_assert_uint_eq(p.links[1][0], 2);
	ck_assert_uint_eq(p.n_events, 3);
	ck_assert_int_eq(p.events[0].type, PLANREAD_SEND);
	ck_assert_uint_eq(p.events[0].to[0], 1);
	ck_assert_uint_eq(p.events[0].size, 512);
	ck_assert_int_eq(p.events[2].type, PLANREAD_FAULT_REVERT);
	ck_assert_ptr_eq(p.faults[0].kind, fault_kind_find("partition"));
	ck_assert_int_eq(p.faults[0].params.group_of[0], 0);
	ck_assert_int_eq(p.faults[0].params.group_of[2], 1);
	ck_assert_str_eq(p.faults[0].params.direction, "both");
	ck_assert_int_eq(planread_event_find(&p, "e3"), 2);
	planread_free(&p);
}
END_TEST

START_TEST(plan_rejects_unknown_node)
{
	struct planread p;
	struct fl_error err = {0};
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fl-badplan-%d.json", (int)getpid());
	f = fopen(path, "w");
	fputs("{\"faultlab_plan\":1,\"nodes\":[{\"name\":\"a\"}],\"links\":[[\"a\",\"zed\"]]}", f);
	fclose(f);
	ck_assert_int_eq(planread_load(path, &p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "links"));
	unlink(path);
}
END_TEST

START_TEST(address_shift)
{
	char out[16];
	struct fl_error err = {0};

	ck_assert_int_eq(planread_address_shift("10.213.0.0/24", "10.213.7.0/24", "10.213.0.2", out,
						sizeof(out), &err),
			 0);
	ck_assert_str_eq(out, "10.213.7.2");
	ck_assert_int_eq(planread_address_shift("10.213.0.0/22", "10.213.8.0/22", "10.213.1.7", out,
						sizeof(out), &err),
			 0);
	ck_assert_str_eq(out, "10.213.9.7");
	ck_assert_int_eq(
	    planread_address_shift("10.213.0.0/24", "nope", "10.213.0.2", out, sizeof(out), &err),
	    -1);
}
END_TEST

START_TEST(message_text)
{
	char a[600], b[600];

	ck_assert_uint_eq(run_text("m17", 512, 42, a, sizeof(a)), 512);
	ck_assert_int_eq(strncmp(a, "m17 ", 4), 0);
	ck_assert_uint_eq(strlen(a), 512);
	run_text("m17", 512, 42, b, sizeof(b));
	ck_assert_str_eq(a, b); /* same seed, same text */
	run_text("m18", 512, 42, b, sizeof(b));
	ck_assert_str_ne(a + 4, b + 4);
	ck_assert_uint_eq(run_text("m1234", 2, 42, a, sizeof(a)), 6); /* never shorter than id */
	ck_assert_str_eq(a, "m1234 ");
}
END_TEST

static int argv_has(char **v, const char *a, const char *b)
{
	for (; v && v[0] && v[1]; v++)
		if (strcmp(v[0], a) == 0 && strcmp(v[1], b) == 0)
			return 1;
	return 0;
}

START_TEST(labnode_command_lines)
{
	struct planread p;
	char **a, **b, **s;

	plan_file(&p);
	setenv("FL_LABNODE", "/opt/labnode", 1);
	a = rundir_node_argv_shifted(&p, 0, 0, 42, "10.213.9.0/24");
	b = rundir_node_argv_shifted(&p, 1, 0, 42, "10.213.9.0/24");
	s = rundir_node_argv_shifted(&p, 2, 0, 42, "10.213.9.0/24");
	ck_assert_str_eq(a[0], "/opt/labnode");
	ck_assert(argv_has(a, "--name", "alice"));
	ck_assert(argv_has(a, "--role", "relay"));
	ck_assert(argv_has(a, "--events", "@DATA@/events.jsonl"));
	ck_assert(argv_has(a, "--reliability", "mvds,store-recovery"));
	ck_assert(argv_has(a, "--peer", "10.213.9.4:60000"));  /* first of [alice, svc1] dials */
	ck_assert(argv_has(b, "--peer", "10.213.9.4:60000"));  /* light bob dials its service */
	ck_assert(!argv_has(s, "--peer", "10.213.9.3:60000")); /* the service never dials it */
	ck_assert(argv_has(s, "--db", "@DATA@/store.db"));
	ck_assert(!argv_has(a, "--db", "@DATA@/store.db"));
	/* issue 15 finding 8: the identity seed is in a 0600 file, never on the command line */
	ck_assert(argv_has(a, "--identity-file", "@DATA@/identity.seed"));
	for (char **x = a; *x; x++)
		ck_assert_str_ne(*x, "--identity-seed");
	for (char **x = a; *x; x++)
		if (!x[1])
			ck_assert_str_eq(*x, "--keepalive=5s"); /* the plan's args come last */
	rundir_argv_free(a);
	rundir_argv_free(b);
	rundir_argv_free(s);
	unsetenv("FL_LABNODE");
	planread_free(&p);
}
END_TEST

START_TEST(receipts_count_for_planned_recipients_only)
{
	struct run_ctx c = {0};
	struct driver_node alice = {.name = "alice"}, bob = {.name = "bob"};
	static const struct planread_event *idx[3];

	plan_file(&c.plan);
	idx[1] = &c.plan.events[0]; /* m1: alice → bob */
	c.msg_event = idx;
	c.n_msgs = 1;
	ck_assert_int_eq(run_receipt_accept(&c, &bob, "m1 xyz"), 1);
	ck_assert_int_eq(run_receipt_accept(&c, &alice, "m1 xyz"), 0); /* its own echo */
	ck_assert_int_eq(run_receipt_accept(&c, &bob, "m2 xyz"), 0);   /* not in the plan */
	ck_assert_int_eq(run_receipt_accept(&c, &bob, "m1xyz"), 0);
	ck_assert_int_eq(run_receipt_accept(&c, &bob, "hello"), 0);
	planread_free(&c.plan);
}
END_TEST

/* The agent request of fault f for node i, as agentctl writes it. */
static char *partition_request(struct run_ctx *c, size_t f, size_t i)
{
	const char *drop[4] = {0};
	struct agentctl_fault af = {.id = c->plan.faults[f].id,
				    .kind = c->plan.faults[f].kind,
				    .lease_ms = 1000,
				    .seed = 1,
				    .params = &c->plan.faults[f].params,
				    .drop_from = drop};

	af.n_drop_from = run_partition_drop_from(c, af.params, i, drop);
	return af.n_drop_from ? agentctl_apply_request(&af) : NULL;
}

START_TEST(partition_drop_lists)
{
	struct run_ctx c = {0};
	struct run_node rn[3];
	char *pa, *pb, *ps;

	memset(rn, 0, sizeof(rn));
	plan_file(&c.plan);
	c.nt.n = 3;
	c.nt.rn = rn;
	snprintf(rn[0].dn.address, 16, "10.213.9.2");
	snprintf(rn[1].dn.address, 16, "10.213.9.3");
	snprintf(rn[2].dn.address, 16, "10.213.9.4");
	/* both ways: alice drops bob and svc1; each of those drops alice only; the direction
	 * stays with the run (the agent takes drop_from only) */
	pa = partition_request(&c, 0, 0);
	pb = partition_request(&c, 0, 1);
	ps = partition_request(&c, 0, 2);
	ck_assert_ptr_nonnull(strstr(pa, "\"kind\":\"partition\""));
	ck_assert_ptr_nonnull(
	    strstr(pa, "\"params\":{\"drop_from\":[\"10.213.9.3\",\"10.213.9.4\"]}}"));
	ck_assert_ptr_nonnull(strstr(pb, "\"params\":{\"drop_from\":[\"10.213.9.2\"]}}"));
	ck_assert_ptr_nonnull(strstr(ps, "\"params\":{\"drop_from\":[\"10.213.9.2\"]}}"));
	free(pa), free(pb), free(ps);
	/* forward: the first group cannot reach the second, so only bob drops (alice's packets) */
	ck_assert_ptr_null(partition_request(&c, 1, 0));
	pb = partition_request(&c, 1, 1);
	ck_assert_ptr_nonnull(strstr(pb, "\"params\":{\"drop_from\":[\"10.213.9.2\"]}}"));
	free(pb);
	ck_assert_ptr_null(partition_request(&c, 1, 2)); /* not in it */
	planread_free(&c.plan);
}
END_TEST

static json_t *read_lines(const char *path, size_t *n)
{
	json_t *arr = json_array();
	char line[4096];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);

		ck_assert_msg(j != NULL, "not JSON: %s", line);
		json_array_append_new(arr, j);
	}
	if (f)
		fclose(f);
	*n = json_array_size(arr);
	return arr;
}

START_TEST(journal_lines)
{
	struct runjournal j;
	struct fl_error err = {0};
	char path[64], first[64];
	struct runjournal_send ok = {.id = "e1",
				     .msg = "m1",
				     .node = "alice",
				     .planned_ms = 5000,
				     .issued_ms = 5000.24,
				     .done_ms = 5001.0,
				     .node_msg_id = "0x5f",
				     .hash = "0x64"};
	struct runjournal_send bad = {.id = "e2", .msg = "m2", .node = "alice", .error = "down"};
	struct runjournal_fault ap = {.type = "fault-apply",
				      .id = "e3",
				      .fault = "f1",
				      .node = "bob",
				      .planned_ms = 30000,
				      .issued_ms = 30000.1,
				      .done_ms = 30001.8,
				      .engine = "iptables"};
	struct runjournal_fault rv = {.type = "fault-revert",
				      .id = "e4",
				      .fault = "f1",
				      .node = "bob",
				      .error = "agent gone"};
	json_t *arr, *o;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fl-journal-%d.jsonl", (int)getpid());
	unlink(path);
	ck_assert_int_eq(runjournal_open(&j, path, &err), 0);
	runjournal_run_start(&j, "smoke-x-42", "abc123", 42, "netns", "2026-11-24T01:00:00Z",
			     "10.213.7.0/24");
	runjournal_node_up(&j, "alice", "10.213.7.2", "0x04ab", 812.34);
	runjournal_send(&j, &ok);
	runjournal_send(&j, &bad);
	runjournal_fault(&j, &ap);
	runjournal_fault(&j, &rv);
	runjournal_node_exit(&j, "svc4", -1, "KILL", 1);
	runjournal_run_end(&j, "completed");
	runjournal_close(&j);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(first, sizeof(first), f));
	fclose(f);
	ck_assert_int_eq(strncmp(first, "{\"type\":\"run-start\",\"run\":\"smoke-x-42\"", 38), 0);
	arr = read_lines(path, &n);
	ck_assert_uint_eq(n, 8);
	ck_assert(json_is_real(json_object_get(json_array_get(arr, 0), "mono0_ms")));
	ck_assert_double_eq_tol(
	    json_real_value(json_object_get(json_array_get(arr, 1), "ready_ms")), 812.3, 1e-9);
	o = json_array_get(arr, 2);
	ck_assert_str_eq(json_string_value(json_object_get(o, "result")), "ok");
	ck_assert_ptr_null(json_object_get(o, "error"));
	ck_assert_double_eq_tol(json_real_value(json_object_get(o, "issued_ms")), 5000.2, 1e-9);
	ck_assert_str_eq(json_string_value(json_object_get(o, "node_msg_id")), "0x5f");
	o = json_array_get(arr, 3);
	ck_assert_str_eq(json_string_value(json_object_get(o, "result")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(o, "error")), "down");
	o = json_array_get(arr, 4);
	ck_assert_str_eq(json_string_value(json_object_get(o, "engine")), "iptables");
	ck_assert(json_is_real(json_object_get(o, "applied_ms")));
	o = json_array_get(arr, 5);
	ck_assert(json_is_real(json_object_get(o, "reverted_ms")));
	ck_assert_ptr_null(json_object_get(o, "engine"));
	o = json_array_get(arr, 6);
	ck_assert(json_is_null(json_object_get(o, "code")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "signal")), "KILL");
	ck_assert(json_is_true(json_object_get(o, "expected")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 7), "status")),
			 "completed");
	json_decref(arr);
	unlink(path);
}
END_TEST

START_TEST(inject_spec_netem)
{
	struct fl_error err = {0};
	json_t *req = NULL, *p;

	ck_assert_int_eq(injectspec_request("bob",
					    "{netem: {delay: 200ms, loss: 5%, jitter: "
					    "\"10ms\"}, for: 30s}",
					    &req, &err),
			 0);
	ck_assert_str_eq(json_string_value(json_object_get(req, "kind")), "netem");
	ck_assert_str_eq(json_string_value(json_object_get(req, "node")), "bob");
	ck_assert_int_eq(json_integer_value(json_object_get(req, "lease_ms")), 30000);
	p = json_object_get(req, "params");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "delay_ms")), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "jitter_ms")), 10);
	ck_assert_double_eq_tol(json_real_value(json_object_get(p, "loss")), 0.05, 1e-12);
	json_decref(req);
	ck_assert_int_eq(injectspec_request("a", "{partition: {from: [b, c]}}", &req, &err), 0);
	ck_assert_int_eq(json_array_size(json_object_get(req, "drop_from_nodes")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(req, "lease_ms")), 30000);
	json_decref(req);
	ck_assert_int_eq(
	    injectspec_request("a", "{\"link-down\": {}, \"for\": \"2s\"}", &req, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(req, "kind")), "link-down");
	json_decref(req);
	ck_assert_int_eq(
	    injectspec_request("a",
			       "{connection-drop: {mode: reset, ports: \"60000,8080\"}, "
			       "for: 5s}",
			       &req, &err),
	    0);
	ck_assert_str_eq(json_string_value(json_object_get(req, "kind")), "connection-drop");
	p = json_object_get(req, "params");
	ck_assert_str_eq(json_string_value(json_object_get(p, "mode")), "reset");
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(p, "ports"), 1)), 8080);
	json_decref(req);
}
END_TEST

static const struct {
	const char *spec, *msg;
} bad_specs[] = {
    {"{netem: {delya: 2ms}}", "netem: unknown key \"delya\""},
    {"{netem: {delay: 2}}", "netem.delay"},
    {"{freeze: {}, netem: {}}", "a second fault"},
    {"{wobble: {}}", "unknown key \"wobble\""},
    {"{connection-drop: {ports: \"60000,x\"}}", "connection-drop.ports"},
    /* issue 15 finding 6: what the agent would refuse is refused here, exit 2 */
    {"{netem: {delay: 2h}}", "netem: delay 2h is above the limit of 1h"},
    {"{netem: {delay: 1s, jitter: 2h}}", "netem: jitter 2h is above the limit of 1h"},
    {"{suspend: {wake-network-after: 99h}}",
     "suspend: wake-network-after 99h is above the limit of 10m"},
    {"{bandwidth: {rate: 100gbit}}", "bandwidth: rate 100 Gbit/s is above the limit"},
    {"{bandwidth: {rate: 1mbit, burst: 1gbit}}", "bandwidth: burst 119.2 MiB is above the limit"},
    {"{netem: {delay: 1ms}, for: 25h}", "for 25h is above the limit of 24h"},
    {"{netem: {}}", "netem changes nothing"},
    {"{netem: {direction: egress}}", "netem changes nothing"},
    {"{netem: {jitter: 5ms, loss: 1%}}", "netem jitter needs a delay"},
    {"{bandwidth: {burst: 10kbit}}", "bandwidth needs a rate"},
    {"{partition: {from: [n]}}", "partition.from: n cannot be cut off from itself"},
    {"{partition: {}}", "partition needs from"},
    {"{netem: {delay: 5ms, distribution: gauss}}", "netem.distribution: expected uniform"},
    {"{bandwidth: {rate: 1mbit, direction: up}}", "bandwidth.direction: expected egress"},
    {"{netem: {delay: 2ms}", "column 21"},
    {"{for: 3s}", "names no fault kind"},
    {"[netem]", "expected a mapping"},
};

START_TEST(inject_spec_errors)
{
	struct fl_error err = {0};
	json_t *req = NULL;

	ck_assert_int_eq(injectspec_request("n", bad_specs[_i].spec, &req, &err), -1);
	ck_assert_msg(strstr(err.msg, bad_specs[_i].msg) != NULL, "%s → %s", bad_specs[_i].spec,
		      err.msg);
}
END_TEST

Suite *journal_run_suite(void)
{
	Suite *s = suite_create("journal_run");
	TCase *t = tcase_create("run");

	tcase_add_test(t, plan_read_back);
	tcase_add_test(t, plan_rejects_unknown_node);
	tcase_add_test(t, address_shift);
	tcase_add_test(t, message_text);
	tcase_add_test(t, labnode_command_lines);
	tcase_add_test(t, partition_drop_lists);
	tcase_add_test(t, receipts_count_for_planned_recipients_only);
	tcase_add_test(t, journal_lines);
	tcase_add_test(t, inject_spec_netem);
	tcase_add_loop_test(t, inject_spec_errors, 0, sizeof(bad_specs) / sizeof(bad_specs[0]));
	suite_add_tcase(s, t);
	return s;
}
