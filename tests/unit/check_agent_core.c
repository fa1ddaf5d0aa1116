/* The agent core without a kernel: a recording fake kind behind the real request parser,
 * lease handling and replies. Each test reads the exact lines the orchestrator would. */
#include "agents/agent.h"
#include "agents/agent_node.h"
#include "common/fltime.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char calls[1024];
static struct agent ag;
static char *outbuf;
static size_t outlen;
static FILE *out;

static int fake_apply(const struct agent_node *node, struct fault *f, json_t *params,
		      struct fl_error *err)
{
	json_t *fail = json_object_get(params, "fail");

	if (fail)
		return fl_err(err, "params.fail: asked to fail (%s)", json_string_value(fail));
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "apply:%s ", f->id);
	snprintf(f->engine, sizeof(f->engine), "fake");
	f->finish_after_ms = json_integer_value(json_object_get(params, "late_ms"));
	return 0;
}

static int fake_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "revert:%s ", f->id);
	return 0;
}

static int fake_finish(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "finish:%s ", f->id);
	return 0;
}

static const struct fault_kind fake_kind = {"fake", fake_apply, fake_revert, NULL, NULL};
static const struct fault_kind late_kind = {"late", fake_apply, fake_revert, NULL, fake_finish};
static const struct fault_kind *const fake_kinds[] = {&fake_kind, &late_kind, NULL};

static void core_setup(void)
{
	struct agent_node node = {.run_id = "t1", .node = "n1", .ifname = "eth0"};

	calls[0] = '\0';
	out = open_memstream(&outbuf, &outlen);
	agent_init(&ag, &node, fake_kinds, out);
}

static void core_teardown(void)
{
	fclose(out);
	free(outbuf);
}

/* Sends one line; returns everything written since the last call. */
static const char *send_line(const char *line)
{
	static char got[4096];

	if (line)
		agent_handle_line(&ag, line, strlen(line), fltime_mono_ns());
	fclose(out);
	snprintf(got, sizeof(got), "%s", outbuf);
	free(outbuf);
	out = open_memstream(&outbuf, &outlen);
	ag.out = out;
	return got;
}

struct bad_case {
	const char *line, *reply;
};

static const struct bad_case bad_cases[] = {
    {"{\"op\":", "{\"ok\":false,\"error\":\"request: invalid JSON at column 6: unexpected token "
		 "near end of file\",\"field\":\"request\"}\n"},
    {"[1]", "{\"ok\":false,\"error\":\"request: expected a JSON object\",\"field\":\"request\"}\n"},
    {"{\"id\":\"f1\"}",
     "{\"ok\":false,\"id\":\"f1\",\"error\":\"op: missing\",\"field\":\"op\"}\n"},
    {"{\"op\":\"zap\"}", "{\"ok\":false,\"op\":\"zap\",\"error\":\"op: unknown operation "
			 "\\\"zap\\\" (expected apply, revert, renew, list or ping)\","
			 "\"field\":\"op\"}\n"},
    {"{\"op\":\"apply\",\"kind\":\"fake\",\"lease_ms\":5}",
     "{\"ok\":false,\"op\":\"apply\",\"error\":\"id: missing\",\"field\":\"id\"}\n"},
    {"{\"op\":\"apply\",\"id\":\"f 1\",\"kind\":\"fake\",\"lease_ms\":5}",
     "{\"ok\":false,\"op\":\"apply\",\"id\":\"f 1\",\"error\":\"id: \\\"f 1\\\" must be 1 to 13 "
     "characters of [A-Za-z0-9.-]\",\"field\":\"id\"}\n"},
    {"{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"netemx\",\"lease_ms\":5}",
     "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":\"kind: unknown fault kind "
     "\\\"netemx\\\" (known: fake, late)\",\"field\":\"kind\"}\n"},
    {"{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"fake\"}",
     "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":\"lease_ms: missing\","
     "\"field\":\"lease_ms\"}\n"},
    {"{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"fake\",\"lease_ms\":86400001}",
     "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":\"lease_ms: expected an integer "
     "of milliseconds between 1 and 86400000\",\"field\":\"lease_ms\"}\n"},
    {"{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"fake\",\"lease_ms\":5,\"seed\":-1}",
     "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":\"seed: expected a non-negative "
     "integer\",\"field\":\"seed\"}\n"},
    {"{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"fake\",\"lease_ms\":5,\"params\":[]}",
     "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":\"params: expected an object\","
     "\"field\":\"params\"}\n"},
    {"{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"fake\",\"lease_ms\":5,\"params\":{\"fail\":"
     "\"x\"}}",
     "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":\"params.fail: asked to fail "
     "(x)\",\"field\":\"params.fail\"}\n"},
    {"{\"op\":\"renew\",\"id\":\"f1\",\"lease_ms\":\"5s\"}",
     "{\"ok\":false,\"op\":\"renew\",\"id\":\"f1\",\"error\":\"lease_ms: expected an integer "
     "of milliseconds between 1 and 86400000\",\"field\":\"lease_ms\"}\n"},
    {"{\"op\":\"revert\",\"id\":\"f9\"}",
     "{\"ok\":false,\"op\":\"revert\",\"id\":\"f9\",\"error\":\"id: fault \\\"f9\\\" is not in "
     "force\",\"field\":\"id\"}\n"},
};

START_TEST(test_bad_requests)
{
	const struct bad_case *c = &bad_cases[_i];

	ck_assert_str_eq(send_line(c->line), c->reply);
	ck_assert_str_eq(calls, "");
	/* and the agent keeps serving */
	ck_assert_str_eq(send_line("{\"op\":\"ping\"}"), "{\"ok\":true,\"op\":\"ping\"}\n");
}
END_TEST

static const char *apply_line(const char *id, const char *kind, int lease_ms, const char *params)
{
	static char line[256];

	snprintf(line, sizeof(line),
		 "{\"op\":\"apply\",\"id\":\"%s\",\"kind\":\"%s\",\"lease_ms\":%d,\"params\":%s}",
		 id, kind, lease_ms, params);
	return send_line(line);
}

/* r is prefix, then an ack time under a second, then "}\n". */
static int ack_ok(const char *r, const char *prefix)
{
	char *end;
	long us;

	if (strncmp(r, prefix, strlen(prefix)) != 0)
		return 0;
	us = strtol(r + strlen(prefix), &end, 10);
	return us >= 0 && us < 1000000 && strcmp(end, "}\n") == 0;
}

START_TEST(test_apply_list_revert)
{
	const char *r = apply_line("f1", "fake", 60000, "{}");

	ck_assert_msg(ack_ok(r, "{\"ok\":true,\"op\":\"apply\",\"id\":\"f1\",\"engine\":\"fake\","
				"\"ack_us\":"),
		      "%s", r);
	ck_assert_str_eq(apply_line("f1", "fake", 60000, "{}"),
			 "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":\"id: fault "
			 "\\\"f1\\\" is already in force\",\"field\":\"id\"}\n");
	r = send_line("{\"op\":\"list\"}");
	ck_assert_ptr_nonnull(strstr(r, "\"faults\":[{\"id\":\"f1\",\"kind\":\"fake\",\"engine\":"
					"\"fake\",\"expires_in_ms\":"));
	r = send_line("{\"op\":\"renew\",\"id\":\"f1\",\"lease_ms\":10}");
	ck_assert_str_eq(r, "{\"ok\":true,\"op\":\"renew\",\"id\":\"f1\",\"expires_in_ms\":10}\n");
	r = send_line("{\"op\":\"revert\",\"id\":\"f1\"}");
	ck_assert_msg(ack_ok(r, "{\"ok\":true,\"op\":\"revert\",\"id\":\"f1\",\"ack_us\":"), "%s",
		      r);
	ck_assert_str_eq(calls, "apply:f1 revert:f1 ");
	ck_assert_str_eq(send_line("{\"op\":\"list\"}"),
			 "{\"ok\":true,\"op\":\"list\",\"faults\":[]}\n");
}
END_TEST

START_TEST(test_lease_expiry)
{
	uint64_t due;

	apply_line("f2", "fake", 2000, "{}");
	apply_line("f1", "fake", 1000, "{}");
	send_line(NULL);
	ck_assert_int_eq(agent_next_due(&ag, &due), 1);
	agent_run_due(&ag, due - 1);
	ck_assert_str_eq(send_line(NULL), "");
	agent_run_due(&ag, due + 5000000000ull);
	ck_assert_str_eq(send_line(NULL),
			 "{\"event\":\"expired\",\"id\":\"f1\",\"result\":\"ok\"}\n"
			 "{\"event\":\"expired\",\"id\":\"f2\",\"result\":\"ok\"}\n");
	ck_assert_str_eq(calls, "apply:f2 apply:f1 revert:f1 revert:f2 ");
	ck_assert_int_eq(agent_next_due(&ag, &due), 0);
}
END_TEST

START_TEST(test_late_finish)
{
	uint64_t due;
	const char *r;

	apply_line("s1", "late", 60000, "{\"late_ms\":3000}");
	send_line("{\"op\":\"revert\",\"id\":\"s1\"}");
	ck_assert_str_eq(calls, "apply:s1 revert:s1 ");
	r = send_line("{\"op\":\"revert\",\"id\":\"s1\"}");
	ck_assert_ptr_nonnull(strstr(r, "is already reverted"));
	r = send_line("{\"op\":\"list\"}");
	ck_assert_ptr_nonnull(strstr(r, "\"state\":\"restoring\""));
	ck_assert_int_eq(agent_next_due(&ag, &due), 1);
	agent_run_due(&ag, due);
	ck_assert_str_eq(send_line(NULL),
			 "{\"event\":\"restored\",\"id\":\"s1\",\"result\":\"ok\"}\n");
	ck_assert_str_eq(calls, "apply:s1 revert:s1 finish:s1 ");
}
END_TEST

START_TEST(test_revert_all_latest_first)
{
	apply_line("a", "fake", 60000, "{}");
	apply_line("b", "late", 60000, "{\"late_ms\":60000}");
	apply_line("c", "fake", 60000, "{}");
	send_line("{\"op\":\"revert\",\"id\":\"b\"}");
	apply_line("d", "late", 60000, "{}");
	send_line(NULL);
	ck_assert_int_eq(agent_revert_all(&ag, "eof"), 0);
	ck_assert_str_eq(calls, "apply:a apply:b apply:c revert:b apply:d "
				"revert:d finish:d revert:c finish:b revert:a ");
	ck_assert_str_eq(
	    send_line(NULL),
	    "{\"event\":\"reverted\",\"id\":\"d\",\"result\":\"ok\",\"reason\":\"eof\"}\n"
	    "{\"event\":\"restored\",\"id\":\"d\",\"result\":\"ok\"}\n"
	    "{\"event\":\"reverted\",\"id\":\"c\",\"result\":\"ok\",\"reason\":\"eof\"}\n"
	    "{\"event\":\"restored\",\"id\":\"b\",\"result\":\"ok\"}\n"
	    "{\"event\":\"reverted\",\"id\":\"a\",\"result\":\"ok\",\"reason\":\"eof\"}\n");
}
END_TEST

struct node_case {
	const char *run, *ifname, *cgroup;
	long pgid;
	const char *err;
};

static const struct node_case node_cases[] = {
    {"r1", "eth0", "/tmp", 0, NULL},
    {"abcdefghij", "eth0", NULL, 42, NULL},
    {"abcdefghijk", "eth0", NULL, 0,
     "--run: \"abcdefghijk\" must be 1 to 10 characters of [a-z0-9]"},
    {"Run1", "eth0", NULL, 0, "--run: \"Run1\" must be 1 to 10 characters of [a-z0-9]"},
    {"r-1", "eth0", NULL, 0, "--run: \"r-1\" must be 1 to 10 characters of [a-z0-9]"},
    {"", "eth0", NULL, 0, "--run: \"\" must be 1 to 10 characters of [a-z0-9]"},
    {"r1", "a/b", NULL, 0, "--ifname: \"a/b\" is not an interface name"},
    {"r1", "sixteen-chars-if", NULL, 0, "--ifname: \"sixteen-chars-if\" is not an interface name"},
    {"r1", "eth0", "relative", 0,
     "--cgroup: \"relative\" must be an absolute path under 256 bytes"},
    {"r1", "eth0", "/nonexistent/cg", 0, "--cgroup: \"/nonexistent/cg\" is not a directory"},
    {"r1", "eth0", NULL, 1, "--pgid: 1 is not a node's process group"},
};

START_TEST(test_node_options)
{
	const struct node_case *c = &node_cases[_i];
	struct agent_node node;
	struct fl_error err = {0};
	int r = agent_node_init(&node, c->run, "n1", c->ifname, c->cgroup, c->pgid, &err);

	if (c->err) {
		ck_assert_int_eq(r, -1);
		ck_assert_str_eq(err.msg, c->err);
	} else {
		ck_assert_int_eq(r, 0);
		ck_assert_str_eq(node.run_id, c->run);
		ck_assert_int_eq(node.pgid, c->pgid);
	}
}
END_TEST

START_TEST(test_chain_names_fit)
{
	struct agent_node node = {.run_id = "abcdefghij"};
	char name[64];

	/* the longest run id and fault id, with a suffix, still make a chain iptables takes */
	fault_chain_name(&node, "f123456789.12", "_o", name, sizeof(name));
	ck_assert_str_eq(name, "FLabcdefghij-f123456789.12_o");
	ck_assert_uint_eq(strlen(name), 28);
	fault_chain_prefix(&node, name, sizeof(name));
	ck_assert_str_eq(name, "FLabcdefghij-");
}
END_TEST

Suite *agent_core_suite(void)
{
	Suite *s = suite_create("agent_core");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, core_setup, core_teardown);
	tcase_add_loop_test(tc, test_bad_requests, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_apply_list_revert);
	tcase_add_test(tc, test_lease_expiry);
	tcase_add_test(tc, test_late_finish);
	tcase_add_test(tc, test_revert_all_latest_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("node");
	tcase_add_loop_test(tc, test_node_options, 0,
			    (int)(sizeof(node_cases) / sizeof(node_cases[0])));
	tcase_add_test(tc, test_chain_names_fit);
	suite_add_tcase(s, tc);
	return s;
}
