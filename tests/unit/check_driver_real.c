/* The drivers against the real nodes' bodies (tests/data/real/rest/, sources in
 * tests/data/real/README.md), one test per fixture: status-go's MessengerResponses (messages
 * in map order, group chat ids, communities, requests to join, the owner's pending list, its
 * acceptance and the requester's joined communities), nwaku's version text per
 * release and the lightpush route it selects, go-waku's /debug/v1/version answer, nwaku's
 * store pages (base64 up to v0.34, hex after) and a relay cache poll that fills the cache. */
#include "fake_drvhttp.h"

#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/driver_json.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REST "tests/data/real/rest/"
#define SG REST "status-go-c72f491/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "fixture %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static json_t *result_of(const char *path)
{
	char *s = slurp(path);
	json_t *j = json_loads(s, 0, NULL), *r;

	free(s);
	ck_assert_ptr_nonnull(j);
	r = json_incref(json_object_get(j, "result"));
	json_decref(j);
	return r;
}

static void node_at(struct driver_node *n, const char *name, int port, const char *log)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->address, sizeof(n->address), "127.0.0.1");
	n->rest_port = port;
	n->timeout_ms = 2000;
	if (log)
		snprintf(n->log_path, sizeof(n->log_path), "%s", log);
}

/* sendContactRequest: the request's own message is the second of two */
START_TEST(sg_contact_request_by_text)
{
	json_t *r = result_of(SG "sendContactRequest.json");
	struct driver_node n = {.name = "alice"};
	struct driver_sent out = {0};
	struct fl_error err = {0};

	ck_assert_int_eq(json_array_size(json_object_get(r, "messages")), 2);
	ck_assert_int_eq(driver_json_sent_from(&n, "wakuext_sendContactRequest", r,
					       "m4 hello there", &out, &err),
			 0);
	ck_assert_str_eq(out.node_msg_id,
			 "0x5e7a00000000000000000000000000000000000000000000000000000000c0de");
	ck_assert_str_eq(out.hash, ""); /* status-go gives no hash */
	ck_assert_int_eq(driver_json_sent_from(&n, "x", r, "m5 never sent", &out, &err), -1);
	json_decref(r);
}
END_TEST

START_TEST(sg_one_to_one)
{
	json_t *r = result_of(SG "sendOneToOneMessage.json");
	struct driver_node n = {.name = "alice"};
	struct driver_sent out = {0};
	struct fl_error err = {0};

	ck_assert_int_eq(
	    driver_json_sent_from(&n, "wakuext_sendOneToOneMessage", r, "m1 xpvcq", &out, &err), 0);
	ck_assert_str_eq(out.node_msg_id,
			 "0x11aa00000000000000000000000000000000000000000000000000000000beef");
	json_decref(r);
}
END_TEST

/* A log with one start, or two (serve makes a new key at each start). */
static void write_log(const char *path, int starts)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < starts; i++)
		fprintf(f,
			"2024-10-24T08:59:2%d.000Z\tINFO\talice\tstatus-cli/util.go:94\tmessenger "
			"started, public key: 0x04%s\n"
			"2024-10-24T08:59:2%d.001Z\tINFO\talice\tstatus-cli/serve.go:107\tretrieve "
			"messages...\n",
			i, i ? "b2b2" : "a1a1", i);
	fclose(f);
}

/* createGroupChatWithMembers then sendGroupChatMessage by the chat id it answered (the
 * fixtures), readiness and key from the log. */
START_TEST(sg_group_chat_by_id)
{
	char *created = slurp(SG "createGroupChatWithMembers.json");
	char *sent = slurp(SG "sendGroupChatMessage.json");
	const struct fake_drvhttp_route routes[] = {
	    {"POST", "#wakuext_createGroupChatWithMembers", 200, created},
	    {"POST", "#wakuext_sendGroupChatMessage", 200, sent},
	};
	char log[64];
	struct fake_drvhttp f;
	struct driver_node a, b, c;
	struct driver_node *to[2] = {&b, &c};
	struct driver_sent out;
	struct fl_error err = {0};
	json_t *req, *p;

	snprintf(log, sizeof(log), "/tmp/fl-sc-%d.log", (int)getpid());
	write_log(log, 1);
	ck_assert_int_eq(fake_drvhttp_start(&f, routes, 2), 0);
	node_at(&a, "alice", f.port, log);
	node_at(&b, "bob", f.port, NULL);
	node_at(&c, "carol", f.port, NULL);
	snprintf(b.key, sizeof(b.key), "0x04bb");
	snprintf(c.key, sizeof(c.key), "0x04cc");
	ck_assert_int_eq(driver_status_cli_ops.health(&a, &err), 1);
	ck_assert_int_eq(driver_status_cli_ops.identity(&a, &err), 0);
	ck_assert_str_eq(a.key, "0x04a1a1");
	ck_assert_int_eq(
	    driver_status_cli_ops.send(&a, "group", to, 2, "m2 to the group", &out, &err), 0);
	ck_assert_str_eq(out.node_msg_id,
			 "0x7d3300000000000000000000000000000000000000000000000000000000f00d");
	/* the same members again: no second chat */
	driver_status_cli_ops.send(&a, "group", to, 2, "m2 to the group", &out, &err);
	fake_drvhttp_stop(&f);
	ck_assert_int_eq(f.n_reqs, 3);
	req = json_loads(f.reqs[0].body, 0, NULL);
	p = json_object_get(req, "params"); /* [null, name, [keys]] */
	ck_assert(json_is_null(json_array_get(p, 0)));
	ck_assert(json_is_string(json_array_get(p, 1)));
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(p, 2), 1)), "0x04cc");
	json_decref(req);
	req = json_loads(f.reqs[1].body, 0, NULL);
	p = json_array_get(json_object_get(req, "params"), 0); /* {id: chat id, message} */
	ck_assert_str_eq(json_string_value(json_object_get(p, "id")),
			 "3f0c2a8e-6b1d-4c52-9a70-1e2d3c4b5a69-0x04"
			 "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
			 "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1");
	ck_assert_str_eq(json_string_value(json_object_get(p, "message")), "m2 to the group");
	ck_assert_ptr_null(json_object_get(p, "members"));
	json_decref(req);
	driver_status_cli_ops.release(&a);
	unlink(log);
	free(created);
	free(sent);
}
END_TEST

/* After a restart the key is the new process's, read once its readiness line is there. */
START_TEST(sg_key_after_restart)
{
	char log[64];
	struct driver_node a;
	struct fl_error err = {0};
	struct stat st;

	snprintf(log, sizeof(log), "/tmp/fl-sc2-%d.log", (int)getpid());
	write_log(log, 1);
	node_at(&a, "alice", 1, log);
	ck_assert_int_eq(driver_status_cli_ops.identity(&a, &err), 0);
	ck_assert_str_eq(a.key, "0x04a1a1");
	driver_node_restarted(&a, NULL);
	ck_assert_int_eq(a.stale, 1);
	stat(log, &st);
	ck_assert_int_eq(a.log_from, st.st_size);
	ck_assert_int_eq(driver_status_cli_ops.health(&a, &err), 0); /* not ready yet */
	write_log(log, 2);					     /* the new start */
	ck_assert_int_eq(driver_status_cli_ops.health(&a, &err), 1);
	ck_assert_int_eq(driver_key_from_log(log, a.log_from, a.key, sizeof(a.key)), 0);
	ck_assert_str_eq(a.key, "0x04b2b2");
	ck_assert_int_eq(driver_key_from_log(log, 0, a.key, sizeof(a.key)), 0);
	ck_assert_str_eq(a.key, "0x04b2b2"); /* the last start's */
	driver_status_cli_ops.release(&a);
	unlink(log);
}
END_TEST

/* A join request: the owner's community made as status-cli-tests makes one, fetched, then
 * wakuext_requestToJoinCommunity {communityId, addressesToReveal, airdropAddress}. */
START_TEST(sg_join_request_shape)
{
	char *community = slurp(SG "createCommunity.json");
	char *fetched = slurp(SG "fetchCommunity.json");
	char *joined = slurp(SG "requestToJoinCommunity.json");
	const struct fake_drvhttp_route routes[] = {
	    {"POST", "#wakuext_createCommunity", 200, community},
	    {"POST", "#wakuext_fetchCommunity", 200, fetched},
	    {"POST", "#wakuext_requestToJoinCommunity", 200, joined},
	};
	struct fake_drvhttp f;
	struct driver_node a, b;
	struct driver_node *to[1] = {&b};
	struct driver_sent out;
	struct fl_error err = {0};
	char log[64];
	json_t *req, *p;

	snprintf(log, sizeof(log), "/tmp/fl-sc3-%d.log", (int)getpid());
	write_log(log, 1);
	ck_assert_int_eq(fake_drvhttp_start(&f, routes, 3), 0);
	node_at(&a, "alice", f.port, log);
	node_at(&b, "bob", f.port, log);
	ck_assert_int_eq(driver_status_cli_ops.identity(&a, &err), 0);
	ck_assert_int_eq(driver_status_cli_ops.identity(&b, &err), 0);
	ck_assert_int_eq(
	    driver_status_cli_ops.send(&a, "join-request", to, 1, "m6 join", &out, &err), 0);
	ck_assert_str_eq(out.node_msg_id,
			 "0x44ee00000000000000000000000000000000000000000000000000000000aaaa");
	fake_drvhttp_stop(&f);
	ck_assert_int_eq(f.n_reqs, 3);
	req = json_loads(f.reqs[0].body, 0, NULL); /* on the owner */
	p = json_array_get(json_object_get(req, "params"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "membership")), 3);
	json_decref(req);
	req = json_loads(f.reqs[2].body, 0, NULL);
	p = json_array_get(json_object_get(req, "params"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "communityId")),
			 "0x02dededededededededededededededededededededededededededededededede");
	ck_assert_int_eq(json_array_size(json_object_get(p, "addressesToReveal")), 1);
	ck_assert(json_is_string(json_object_get(p, "airdropAddress")));
	json_decref(req);
	driver_status_cli_ops.release(&a);
	driver_status_cli_ops.release(&b);
	unlink(log);
	free(community);
	free(fetched);
	free(joined);
}
END_TEST

/* The join path after the request (status_cli_join.c): the owner's pending list, its
 * acceptance by id, the requester's joined communities. Sends "m6 join" from alice to bob's
 * community (accept as given) through the fixtures; the requests the fake saw stay in f. */
struct sg_join {
	char *bodies[6];
	struct fake_drvhttp f;
	struct driver_node a, b;
	char log[64];
};

static void sg_join_start(struct sg_join *j, int accept)
{
	static const char *const files[] = {
	    SG "createCommunity.json",
	    SG "fetchCommunity.json",
	    SG "requestToJoinCommunity.json",
	    SG "pendingRequestsToJoinForCommunity.json",
	    SG "acceptRequestToJoinCommunity.json",
	    SG "joinedCommunities.json",
	};
	static struct fake_drvhttp_route routes[6];
	static const char *const methods[] = {
	    "#wakuext_createCommunity",
	    "#wakuext_fetchCommunity",
	    "#wakuext_requestToJoinCommunity",
	    "#wakuext_pendingRequestsToJoinForCommunity",
	    "#wakuext_acceptRequestToJoinCommunity",
	    "#wakuext_joinedCommunities",
	};
	struct driver_node *to[1] = {&j->b};
	struct driver_sent out;
	struct fl_error err = {0};

	for (int i = 0; i < 6; i++) {
		j->bodies[i] = slurp(files[i]);
		routes[i] = (struct fake_drvhttp_route){"POST", methods[i], 200, j->bodies[i]};
	}
	snprintf(j->log, sizeof(j->log), "/tmp/fl-sc4-%d.log", (int)getpid());
	write_log(j->log, 1);
	ck_assert_int_eq(fake_drvhttp_start(&j->f, routes, 6), 0);
	node_at(&j->a, "alice", j->f.port, j->log);
	node_at(&j->b, "bob", j->f.port, j->log);
	ck_assert_int_eq(driver_status_cli_ops.identity(&j->a, &err), 0);
	ck_assert_int_eq(driver_status_cli_ops.identity(&j->b, &err), 0);
	ck_assert_int_eq(driver_status_cli_ops.send(&j->a,
						    accept ? "join-request+accept" : "join-request",
						    to, 1, "m6 join", &out, &err),
			 0);
	ck_assert_int_eq(j->f.n_reqs, 3); /* create, fetch, request */
	ck_assert_int_eq(j->b.poll_soon, 1);
}

static void sg_join_stop(struct sg_join *j)
{
	fake_drvhttp_stop(&j->f);
	driver_status_cli_ops.release(&j->a);
	driver_status_cli_ops.release(&j->b);
	unlink(j->log);
	for (int i = 0; i < 6; i++)
		free(j->bodies[i]);
}

/* receipts(n) into a memory file: the lines written. */
static char *sg_receipts(struct driver_node *n, int *count)
{
	static char buf[8192];
	FILE *ev = fmemopen(buf, sizeof(buf), "w");
	struct fl_error err = {0};

	ck_assert_ptr_nonnull(ev);
	*count = driver_status_cli_ops.receipts(n, ev, &err);
	fclose(ev);
	return buf;
}

/* the params of the fake's i-th request */
static json_t *sg_params(const struct fake_drvhttp *f, int i)
{
	json_t *req = json_loads(f->reqs[i].body, 0, NULL), *p;

	ck_assert_ptr_nonnull(req);
	p = json_incref(json_object_get(req, "params"));
	json_decref(req);
	return p;
}

/* pendingRequestsToJoinForCommunity [communityId] lists the request: the owner's receipt, the
 * plan's text under the request id, once. */
START_TEST(sg_join_pending_is_the_receipt)
{
	struct sg_join j;
	char *lines;
	json_t *p;
	int n;

	sg_join_start(&j, 0);
	lines = sg_receipts(&j.b, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(lines, "\"event\":\"received\""));
	ck_assert_ptr_nonnull(strstr(lines, "\"text\":\"m6 join\""));
	ck_assert_ptr_nonnull(strstr(
	    lines,
	    "\"id\":\"0x44ee00000000000000000000000000000000000000000000000000000000aaaa\""));
	ck_assert_int_eq(j.f.n_reqs, 4);
	p = sg_params(&j.f, 3);
	ck_assert_str_eq(json_string_value(json_array_get(p, 0)),
			 "0x02dededededededededededededededededededededededededededededededede");
	json_decref(p);
	ck_assert_int_eq(j.b.poll_soon, 0); /* nothing left to see: no accept asked */
	sg_receipts(&j.b, &n);		    /* again: nothing new, no request */
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(j.f.n_reqs, 4);
	sg_join_stop(&j);
}
END_TEST

/* accept: true: the owner accepts by the request's id ([{id}]) once it lists it. */
START_TEST(sg_join_accept_by_id)
{
	struct sg_join j;
	json_t *p;
	int n;

	sg_join_start(&j, 1);
	sg_receipts(&j.b, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(j.f.n_reqs, 5);
	ck_assert_ptr_nonnull(strstr(j.f.reqs[4].body, "wakuext_acceptRequestToJoinCommunity"));
	p = sg_params(&j.f, 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "id")),
			 "0x44ee00000000000000000000000000000000000000000000000000000000aaaa");
	json_decref(p);
	ck_assert_int_eq(j.a.poll_soon, 1); /* the requester is watched for the join */
	sg_join_stop(&j);
}
END_TEST

/* joinedCommunities [] lists the community: the acceptance at the requester, "<plan
 * id>.accept". */
START_TEST(sg_joined_is_the_acceptance)
{
	struct sg_join j;
	char *lines;
	int n;

	sg_join_start(&j, 1);
	sg_receipts(&j.a, &n); /* not accepted yet: nothing asked */
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(j.f.n_reqs, 3);
	sg_receipts(&j.b, &n);
	lines = sg_receipts(&j.a, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(lines, "\"text\":\"m6.accept\""));
	ck_assert_ptr_nonnull(strstr(lines, "\"kind\":\"accept\""));
	ck_assert_ptr_nonnull(strstr(j.f.reqs[5].body, "wakuext_joinedCommunities"));
	ck_assert_int_eq(j.a.poll_soon, 0);
	sg_join_stop(&j);
}
END_TEST

static const struct {
	const char *file;
	int minor;
} versions[] = {
    {REST "nwaku/v0.35.1-debug-v1-version.txt", 35},
    {REST "nwaku/v0.36.0-debug-v1-version.txt", 36},
    {REST "nwaku/v0.37.0-debug-v1-version.txt", 37},
    {REST "go-waku-v0.8.1/debug-v1-version.json", -1},
};

START_TEST(nwaku_version)
{
	char *body = slurp(versions[_i].file);

	ck_assert_int_eq(driver_waku_version_minor(body), versions[_i].minor);
	free(body);
}
END_TEST

/* The lightpush route each version gets: v1 before v0.36, v3 from it; go-waku (unknown)
 * tries v3, gets 404 and stays on v1. */
static const char *lightpush_route(const char *version_file)
{
	static char url[64];
	char *ver = slurp(version_file);
	const struct fake_drvhttp_route routes[] = {
	    {"GET", "/debug/v1/info", 200,
	     "{\"listenAddresses\":[\"/ip4/0.0.0.0/tcp/60000/p2p/16Uiu2HAmX\"]}"},
	    {"GET", "/debug/v1/version", 200, ver},
	    {"POST", "/relay/v1/auto/subscriptions", 200, "OK"},
	    {"POST", strstr(version_file, "go-waku") ? "/lightpush/v1/" : "/lightpush/", 200, "OK"},
	};
	struct fake_drvhttp f;
	struct driver_node n;
	struct driver_sent out;
	struct fl_error err = {0};

	ck_assert_int_eq(fake_drvhttp_start(&f, routes, 4), 0);
	node_at(&n, "w", f.port, NULL);
	ck_assert_int_eq(driver_waku_rest_ops.identity(&n, &err), 0);
	ck_assert_int_eq(driver_waku_rest_ops.send(&n, "lightpush", NULL, 0, "m7 lp", &out, &err),
			 0);
	driver_waku_rest_ops.send(&n, "lightpush", NULL, 0, "m8 lp", &out, &err);
	fake_drvhttp_stop(&f);
	snprintf(url, sizeof(url), "%s", f.reqs[f.n_reqs - 1].url);
	if (strstr(version_file, "go-waku")) { /* v3 (404), v1, then v1 straight away */
		ck_assert_str_eq(f.reqs[3].url, "/lightpush/v3/message");
		ck_assert_str_eq(f.reqs[4].url, "/lightpush/v1/message");
		ck_assert_int_eq(f.n_reqs, 6);
	}
	driver_waku_rest_ops.release(&n);
	free(ver);
	return url;
}

START_TEST(lightpush_route_per_version)
{
	ck_assert_str_eq(lightpush_route(versions[0].file), "/lightpush/v1/message");
	ck_assert_str_eq(lightpush_route(versions[1].file), "/lightpush/v3/message");
	ck_assert_str_eq(lightpush_route(versions[2].file), "/lightpush/v3/message");
	ck_assert_str_eq(lightpush_route(versions[3].file), "/lightpush/v1/message");
}
END_TEST

/* Store pages: base64 hashes and cursor (v0.34.0), 0x hex (v0.36.0): the same hashes. */
START_TEST(store_pages_both_encodings)
{
	const char *files[] = {REST "nwaku/v0.34.0-store-v3-messages.json",
			       REST "nwaku/v0.36.0-store-v3-messages.json"};

	for (int i = 0; i < 2; i++) {
		char hashes[4][80], *cursor = NULL, *body = slurp(files[i]), norm[80];

		ck_assert_int_eq(driver_json_store_hashes(body, hashes, 4, &cursor), 2);
		ck_assert_str_eq(
		    hashes[0],
		    "0x4c3200000000000000000000000000000000000000000000000000000000b826");
		ck_assert_ptr_nonnull(cursor);
		ck_assert_int_eq(driver_hash_normalise(cursor, norm, sizeof(norm)), 0);
		ck_assert_str_eq(norm, hashes[1]);
		free(cursor);
		free(body);
	}
}
END_TEST

/* A poll that returns as many messages as nwaku's cache holds leaves a driver warning. */
START_TEST(relay_cache_overflow_warns)
{
	char *two = slurp(REST "nwaku/v0.36.0-relay-v1-auto-messages.json");
	json_t *msgs = json_loads(two, 0, NULL), *fifty = json_array();
	char *body, *buf = NULL;
	size_t len = 0;
	FILE *ev = open_memstream(&buf, &len);
	struct fake_drvhttp f;
	struct driver_node n;
	struct fl_error err = {0};

	for (int i = 0; i < 50; i++)
		json_array_append(fifty, json_array_get(msgs, 0));
	body = json_dumps(fifty, JSON_COMPACT);
	{
		const struct fake_drvhttp_route routes[] = {
		    {"GET", "/debug/v1/info", 200,
		     "{\"listenAddresses\":[\"/ip4/0.0.0.0/tcp/60000/p2p/16Uiu2HAmX\"]}"},
		    {"GET", "/debug/v1/version", 200, "v0.36.0"},
		    {"POST", "/relay/v1/auto/subscriptions", 200, "OK"},
		    /* libmicrohttpd hands the URL over unescaped */
		    {"GET", "/relay/v1/auto/messages//faultlab/1/relay", 200, body},
		    {"GET", "/relay/v1/auto/messages/", 200, "[]"},
		};

		ck_assert_int_eq(fake_drvhttp_start(&f, routes, 5), 0);
		node_at(&n, "w", f.port, NULL);
		ck_assert_int_eq(driver_waku_rest_ops.identity(&n, &err), 0);
		ck_assert_int_eq(driver_waku_rest_ops.receipts(&n, ev, &err), 50);
		fake_drvhttp_stop(&f);
	}
	ck_assert_ptr_nonnull(strstr(n.warning, "--rest-relay-cache-capacity"));
	ck_assert_int_eq(n.poll_soon, 1); /* and asks to be polled at the fastest tick */
	fclose(ev);
	free(buf);
	free(body);
	free(two);
	json_decref(fifty);
	json_decref(msgs);
	driver_waku_rest_ops.release(&n);
}
END_TEST

/* A lightpush that timed out at the service node: 503 and its statusDesc in the error. */
START_TEST(lightpush_timeout_is_an_error)
{
	char *body = slurp(REST "nwaku/v0.36.0-lightpush-v3-timeout.json");
	const struct fake_drvhttp_route routes[] = {
	    {"GET", "/debug/v1/info", 200,
	     "{\"listenAddresses\":[\"/ip4/0.0.0.0/tcp/60000/p2p/16Uiu2HAmX\"]}"},
	    {"GET", "/debug/v1/version", 200, "v0.36.0"},
	    {"POST", "/relay/v1/auto/subscriptions", 200, "OK"},
	    {"POST", "/lightpush/v3/message", 503, body},
	};
	struct fake_drvhttp f;
	struct driver_node n;
	struct driver_sent out;
	struct fl_error err = {0};

	ck_assert_int_eq(fake_drvhttp_start(&f, routes, 4), 0);
	node_at(&n, "w", f.port, NULL);
	ck_assert_int_eq(driver_waku_rest_ops.identity(&n, &err), 0);
	ck_assert_int_eq(driver_waku_rest_ops.send(&n, "lightpush", NULL, 0, "m9", &out, &err), -1);
	fake_drvhttp_stop(&f);
	ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 503"));
	ck_assert_ptr_nonnull(strstr(err.msg, "Push request timed out"));
	ck_assert_int_eq(f.n_reqs, 4); /* a known v0.36: no retry at v1 */
	driver_waku_rest_ops.release(&n);
	free(body);
}
END_TEST

Suite *driver_real_suite(void)
{
	Suite *s = suite_create("driver_real");
	TCase *t = tcase_create("fixtures");

	tcase_add_test(t, sg_contact_request_by_text);
	tcase_add_test(t, sg_one_to_one);
	tcase_add_test(t, sg_group_chat_by_id);
	tcase_add_test(t, sg_key_after_restart);
	tcase_add_test(t, sg_join_request_shape);
	tcase_add_test(t, sg_join_pending_is_the_receipt);
	tcase_add_test(t, sg_join_accept_by_id);
	tcase_add_test(t, sg_joined_is_the_acceptance);
	tcase_add_loop_test(t, nwaku_version, 0, sizeof(versions) / sizeof(versions[0]));
	tcase_add_test(t, lightpush_route_per_version);
	tcase_add_test(t, store_pages_both_encodings);
	tcase_add_test(t, relay_cache_overflow_warns);
	tcase_add_test(t, lightpush_timeout_is_an_error);
	suite_add_tcase(s, t);
	return s;
}
