/* Drivers against a recording fake HTTP server: the answer shapes of nwaku (2024 and current)
 * and labnode, and the requests the drivers make. */
#include "fake_drvhttp.h"

#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/driver_json.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void node_at(struct driver_node *n, const char *name, int port)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->address, sizeof(n->address), "127.0.0.1");
	n->rest_port = port;
	n->timeout_ms = 2000;
}

/* --- pure shapes -------------------------------------------------------------------------- */

static const struct {
	long status;
	const char *body;
	int want;
} health_cases[] = {
    {200, "Node is healthy", 1}, /* nwaku < mid 2024 */
    {200, "{\"nodeHealth\":\"Ready\",\"protocolsHealth\":[{\"Rln Relay\":\"Ready\"}]}",
     1}, /* 2024 */
    {200,
     "{\"nodeHealth\":\"READY\",\"connectionStatus\":\"Connected\",\"protocolsHealth\":[{"
     "\"Relay\":\"READY\"},{\"Store\":\"READY\"}]}",
     1}, /* current */
    {200, "{\"nodeHealth\":\"Initializing\",\"protocolsHealth\":[]}", 0},
    {503, "{\"nodeHealth\":\"NOT_READY\",\"protocolsHealth\":[]}", 0},
    {500, "Health check timed out", 0},
    {200, "{\"status\":\"ok\"}", -1},
    {200, "<html>", -1},
};

START_TEST(health_shapes)
{
	ck_assert_int_eq(driver_json_health_parse(health_cases[_i].status, health_cases[_i].body),
			 health_cases[_i].want);
}
END_TEST

START_TEST(store_hashes_2024_and_current)
{
	/* 2024 (nwaku v0.30/v0.31): base64 hashes; current: 0x hex. Same hash both ways. */
	const char *old =
	    "{\"requestId\":\"r1\",\"statusCode\":200,\"statusDesc\":\"OK\",\"messages\":["
	    "{\"messageHash\":\"ZMznM/7RNOg9oCsCxvaJgUhysaCsl+pWt2CVw8cr/gU=\"}],"
	    "\"paginationCursor\":\"ZMznM/7RNOg9oCsCxvaJgUhysaCsl+pWt2CVw8cr/gU=\"}";
	const char *cur =
	    "{\"requestId\":\"r2\",\"statusCode\":200,\"statusDesc\":\"OK\",\"messages\":["
	    "{\"messageHash\":"
	    "\"0x64CCE733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05\","
	    "\"pubsubTopic\":\"/waku/2/rs/0/"
	    "0\"},{\"messageHash\":"
	    "\"0xa2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8\"}]}";
	char hashes[4][80];
	char *cursor = NULL;

	ck_assert_int_eq(driver_json_store_hashes(old, hashes, 4, &cursor), 1);
	ck_assert_str_eq(hashes[0],
			 "0x64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05");
	ck_assert_ptr_nonnull(cursor);
	free(cursor);
	ck_assert_int_eq(driver_json_store_hashes(cur, hashes, 4, &cursor), 2);
	ck_assert_str_eq(hashes[0],
			 "0x64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05");
	ck_assert_str_eq(hashes[1],
			 "0xa2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8");
	ck_assert_ptr_null(cursor);
	ck_assert_int_eq(driver_json_store_hashes("{\"statusCode\":200}", hashes, 4, &cursor), -1);
}
END_TEST

START_TEST(peers_2024_and_current)
{
	const char *old = "[{\"multiaddr\":\"/ip4/10.0.0.2/tcp/60000/p2p/16Uiu2A\",\"protocols\":["
			  "{\"protocol\":\"/vac/waku/relay/2.0.0\",\"connected\":true},"
			  "{\"protocol\":\"/vac/waku/store/2.0.0\",\"connected\":false}]},"
			  "{\"multiaddr\":\"/ip4/10.0.0.3/tcp/60000/p2p/16Uiu2B\",\"protocols\":["
			  "{\"protocol\":\"/vac/waku/relay/2.0.0\",\"connected\":false}]}]";
	const char *cur =
	    "[{\"multiaddr\":\"/ip4/10.0.0.2/tcp/60000/p2p/16Uiu2A\",\"protocols\":["
	    "\"/vac/waku/relay/2.0.0\"],\"shards\":[0],\"connected\":\"Connected\","
	    "\"origin\":\"Static\",\"score\":0},{\"multiaddr\":\"/ip4/10.0.0.3/tcp/60000\","
	    "\"protocols\":[],\"connected\":\"CannotConnect\"},{\"multiaddr\":\"x\","
	    "\"connected\":true}]";

	ck_assert_int_eq(driver_json_peers_connected(old), 1);
	ck_assert_int_eq(driver_json_peers_connected(cur), 2);
	ck_assert_int_eq(driver_json_peers_connected("{}"), -1);
}
END_TEST

START_TEST(hash_normalise)
{
	char out[80];

	ck_assert_int_eq(driver_hash_normalise("0xABcd", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "0xabcd");
	ck_assert_int_eq(driver_hash_normalise("0xzz", out, sizeof(out)), -1);
	ck_assert_int_eq(driver_hash_normalise("not base64 !", out, sizeof(out)), -1);
	ck_assert_int_eq(driver_hash_normalise("AAAA", out, sizeof(out)), -1); /* not 32 bytes */
}
END_TEST

/* --- through HTTP ------------------------------------------------------------------------- */

START_TEST(labnode_send_dm_and_group)
{
	static const struct fake_drvhttp_route routes[] = {
	    {"GET", "/health", 200, "{\"nodeHealth\":\"Ready\",\"protocolsHealth\":[]}"},
	    /* messages come from a Go map in status-go: any order; matched by text */
	    {"POST", "/", 200,
	     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"messages\":[{\"id\":\"0x5f02\","
	     "\"text\":\"m2 y\"},{\"id\":\"0x5f01\",\"text\":\"m1 x\"}]}}"},
	};
	struct fake_drvhttp f;
	struct driver_node a, b, c;
	struct driver_node *to[2] = {&b, &c};
	struct driver_sent out;
	struct fl_error err = {0};
	json_t *req;

	ck_assert_int_eq(fake_drvhttp_start(&f, routes, 2), 0);
	node_at(&a, "alice", f.port);
	node_at(&b, "bob", f.port);
	node_at(&c, "carol", f.port);
	snprintf(b.key, sizeof(b.key), "0x04bb");
	snprintf(c.key, sizeof(c.key), "0x04cc");
	ck_assert_int_eq(driver_labnode_ops.health(&a, &err), 1);
	ck_assert_int_eq(driver_labnode_ops.send(&a, "dm", to, 1, "m1 x", &out, &err), 0);
	ck_assert_str_eq(out.node_msg_id, "0x5f01");
	ck_assert_int_eq(driver_labnode_ops.send(&a, "group", to, 2, "m2 y", &out, &err), 0);
	ck_assert_str_eq(out.node_msg_id, "0x5f02");
	ck_assert_int_eq(driver_labnode_ops.send(&a, "dm", to, 1, "m3 z", &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no message with the text sent"));
	fake_drvhttp_stop(&f);

	ck_assert_int_eq(f.n_reqs, 4);
	req = json_loads(f.reqs[1].body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(req, "method")),
			 "wakuext_sendOneToOneMessage");
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_array_get(json_object_get(req, "params"), 0), "id")),
			 "0x04bb");
	json_decref(req);
	req = json_loads(f.reqs[2].body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(req, "method")),
			 "wakuext_sendGroupChatMessage");
	ck_assert_int_eq(json_array_size(json_object_get(
			     json_array_get(json_object_get(req, "params"), 0), "members")),
			 2);
	json_decref(req);
}
END_TEST

START_TEST(labnode_rpc_error_is_reported)
{
	static const struct fake_drvhttp_route routes[] = {
	    {"POST", "/", 200,
	     "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"unknown "
	     "peer key\"}}"},
	};
	struct fake_drvhttp f;
	struct driver_node a, b;
	struct driver_node *to[1] = {&b};
	struct driver_sent out;
	struct fl_error err = {0};

	ck_assert_int_eq(fake_drvhttp_start(&f, routes, 1), 0);
	node_at(&a, "alice", f.port);
	node_at(&b, "bob", f.port);
	ck_assert_int_eq(driver_labnode_ops.send(&a, "contact-request", to, 1, "m1 ", &out, &err),
			 -1);
	fake_drvhttp_stop(&f);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown peer key"));
	ck_assert_ptr_nonnull(strstr(f.reqs[0].body, "wakuext_sendContactRequest"));
}
END_TEST

START_TEST(unreachable_node_is_not_ready)
{
	struct driver_node a;
	struct fl_error err = {0};

	node_at(&a, "alice", 1); /* nothing listens on port 1 */
	a.timeout_ms = 500;
	ck_assert_int_eq(driver_labnode_ops.health(&a, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "/health"));
}
END_TEST

START_TEST(waku_rest_identity_send_receipts)
{
	/* payload "m3 hello" in base64 */
#define DM_BOB                                                                                     \
	"[{\"payload\":\"bTMgaGVsbG8=\",\"contentTopic\":\"/faultlab/1/dm-bob/proto\","            \
	"\"version\":0,\"timestamp\":1}]"
	static const struct fake_drvhttp_route routes[] = {
	    {"GET", "/debug/v1/info", 200,
	     "{\"listenAddresses\":[\"/ip4/0.0.0.0/tcp/60000/p2p/16Uiu2HAmBob\"],\"enrUri\":"
	     "\"enr:-abc\"}"},
	    {"POST", "/relay/v1/auto/subscriptions", 200, "OK"},
	    {"POST", "/relay/v1/auto/messages", 200, "OK"},
	    {"GET", "/relay/v1/auto/messages/%2Ffaultlab%2F1%2Fdm-bob", 200, DM_BOB},
	    {"GET", "/relay/v1/auto/messages//faultlab/1/dm-bob", 200, DM_BOB},
	    {"GET", "/relay/v1/auto/messages/", 200, "[]"},
	    {"POST", "/admin/v1/peers", 200, "OK"},
	};
	struct fake_drvhttp f;
	struct driver_node a, b;
	struct driver_node *to[1] = {&b};
	struct driver_sent out;
	struct fl_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *ev = open_memstream(&buf, &len);
	json_t *req;

	ck_assert_int_eq(fake_drvhttp_start(&f, routes, 7), 0);
	node_at(&a, "alice", f.port);
	node_at(&b, "bob", f.port);
	ck_assert_int_eq(driver_waku_rest_ops.identity(&b, &err), 0);
	ck_assert_str_eq(b.key, "16Uiu2HAmBob");
	ck_assert_int_eq(driver_waku_rest_ops.connect(&a, &b, &err), 0);
	ck_assert_int_eq(driver_waku_rest_ops.send(&a, "dm", to, 1, "m3 hello", &out, &err), 0);
	ck_assert_int_eq(driver_waku_rest_ops.receipts(&b, ev, &err), 1);
	fclose(ev);
	fake_drvhttp_stop(&f);

	/* its version asked first (the lightpush route depends on it) */
	ck_assert_str_eq(f.reqs[1].url, "/debug/v1/version");
	/* subscribed to its own dm topic */
	ck_assert_ptr_nonnull(strstr(f.reqs[2].body, "/faultlab/1/dm-bob/proto"));
	/* connect sends the peer's multiaddr with the wildcard replaced by its address */
	ck_assert_str_eq(f.reqs[3].url, "/admin/v1/peers");
	ck_assert_ptr_nonnull(strstr(f.reqs[3].body, "/ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAmBob"));
	req = json_loads(f.reqs[4].body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(req, "contentTopic")),
			 "/faultlab/1/dm-bob/proto");
	ck_assert_str_eq(json_string_value(json_object_get(req, "payload")), "bTMgaGVsbG8=");
	json_decref(req);
	ck_assert_ptr_nonnull(strstr(buf, "\"event\":\"received\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"text\":\"m3 hello\""));
	driver_waku_rest_ops.release(&b);
	free(buf);
}
END_TEST

START_TEST(status_cli_ready_through_rpc)
{
	static const struct fake_drvhttp_route ok[] = {
	    {"POST", "/", 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"peerId\":\"x\"}}"},
	};
	static const struct fake_drvhttp_route starting[] = {
	    {"POST", "/", 503, "starting"},
	};
	struct fake_drvhttp f;
	struct driver_node a;
	struct fl_error err = {0};

	ck_assert_int_eq(fake_drvhttp_start(&f, ok, 1), 0);
	node_at(&a, "alice", f.port);
	ck_assert_int_eq(driver_status_cli_ops.health(&a, &err), 1);
	fake_drvhttp_stop(&f);
	ck_assert_ptr_nonnull(strstr(f.reqs[0].body, "\"method\":\"waku_info\""));
	ck_assert_int_eq(fake_drvhttp_start(&f, starting, 1), 0);
	node_at(&a, "alice", f.port);
	ck_assert_int_eq(driver_status_cli_ops.health(&a, &err), 0);
	fake_drvhttp_stop(&f);
}
END_TEST

START_TEST(driver_lookup)
{
	ck_assert_ptr_eq(driver_find("labnode"), &driver_labnode_ops);
	ck_assert_ptr_eq(driver_find("waku-rest"), &driver_waku_rest_ops);
	ck_assert_ptr_eq(driver_find("status-cli"), &driver_status_cli_ops);
	ck_assert_ptr_eq(driver_find("nwaku"), &driver_waku_rest_ops);
	ck_assert_ptr_null(driver_find("status-cli-v9"));
}
END_TEST

Suite *driver_suite(void)
{
	Suite *s = suite_create("driver");
	TCase *t = tcase_create("shapes");

	tcase_add_loop_test(t, health_shapes, 0, sizeof(health_cases) / sizeof(health_cases[0]));
	tcase_add_test(t, store_hashes_2024_and_current);
	tcase_add_test(t, peers_2024_and_current);
	tcase_add_test(t, hash_normalise);
	tcase_add_test(t, driver_lookup);
	suite_add_tcase(s, t);
	t = tcase_create("http");
	tcase_set_timeout(t, 20);
	tcase_add_test(t, labnode_send_dm_and_group);
	tcase_add_test(t, labnode_rpc_error_is_reported);
	tcase_add_test(t, unreachable_node_is_not_ready);
	tcase_add_test(t, waku_rest_identity_send_receipts);
	tcase_add_test(t, status_cli_ready_through_rpc);
	suite_add_tcase(s, t);
	return s;
}
