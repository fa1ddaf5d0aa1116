#include "images/labnode/ln_rest.h"

#include "common/xalloc.h"
#include "images/labnode/ln_json.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_rest_conns.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODY_MAX (1u << 20)

struct ln_rest {
	struct ln_node *node;
	struct MHD_Daemon *d;
	struct ln_io io;
	struct ln_timer timer;
	int run_needed;
	struct ln_rest_conns conns;
};

struct rest_req {
	struct ln_rest *rest;
	struct MHD_Connection *conn;
	struct ln_rest_conn *rc; /* the connection's record (busy while this request runs) */
	struct ln_buf body;
	int too_big, suspended, done;
	unsigned status;
	char *resp;
	const char *ctype;
};

static void reply(struct rest_req *r, unsigned status, json_t *j)
{
	r->status = status;
	r->resp = json_dumps(j, JSON_COMPACT);
	r->ctype = "application/json";
	r->done = 1;
	json_decref(j);
}

static void reply_text(struct rest_req *r, unsigned status, const char *text)
{
	r->status = status;
	r->resp = fl_xstrdup(text);
	r->ctype = "text/plain";
	r->done = 1;
}

static json_t *parse_body(struct rest_req *r)
{
	json_error_t e;
	json_t *j;
	char msg[300];

	j = json_loadb((const char *)ln_buf_head(&r->body), ln_buf_used(&r->body), 0, &e);
	if (!j) {
		snprintf(msg, sizeof(msg), "invalid JSON body: line %d: %s", e.line, e.text);
		reply_text(r, 400, msg);
	}
	return j;
}

/* Resumes a suspended request once its peer answered (or did not). */
static void resume(struct rest_req *r)
{
	MHD_resume_connection(r->conn);
	r->suspended = 0;
	r->rest->run_needed = 1;
}

static void suspend(struct rest_req *r)
{
	r->suspended = 1;
	MHD_suspend_connection(r->conn);
}

/* --- health, info, peers --- */

static void h_health(struct rest_req *r, const char *arg)
{
	struct ln_node *n = r->rest->node;
	json_t *p = json_array();

	if (n->cfg.role != LN_ROLE_LIGHT)
		json_array_append_new(p, json_pack("{s:s}", "Relay", "Ready"));
	if (n->cfg.role == LN_ROLE_SERVICE) {
		json_array_append_new(p, json_pack("{s:s}", "Store", "Ready"));
		json_array_append_new(p, json_pack("{s:s}", "Filter", "Ready"));
		json_array_append_new(p, json_pack("{s:s}", "Lightpush", "Ready"));
	}
	if (n->cfg.role == LN_ROLE_LIGHT) {
		const char *st = ln_node_service_peer(n) ? "Ready" : "Not Ready";
		json_array_append_new(p, json_pack("{s:s}", "Lightpush Client", st));
		json_array_append_new(p, json_pack("{s:s}", "Filter Client", st));
	}
	reply(r, 200, json_pack("{s:s, s:o}", "nodeHealth", "Ready", "protocolsHealth", p));
}

static void multiaddr(const char *addr, const char *peer_id, char *out, size_t cap)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	size_t hl = colon ? (size_t)(colon - addr) : 0;

	if (!colon || hl >= sizeof(host)) {
		snprintf(out, cap, "%s", addr);
		return;
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	snprintf(out, cap, "/ip4/%s/tcp/%s%s%s", host, colon + 1, peer_id[0] ? "/p2p/" : "",
		 peer_id);
}

static void h_info(struct rest_req *r, const char *arg)
{
	struct ln_node *n = r->rest->node;
	char ma[200], enr[200];
	static const char *const roles[] = {"relay", "service", "light"};

	multiaddr(n->cfg.listen, n->peer_id, ma, sizeof(ma));
	snprintf(enr, sizeof(enr), "enr:-labnode-%s", n->peer_id);
	reply(r, 200,
	      json_pack("{s:[s], s:s, s:s, s:s, s:s, s:s}", "listenAddresses", ma, "enrUri", enr,
			"peerId", n->peer_id, "publicKey", n->pubkey, "name", n->cfg.name, "role",
			roles[n->cfg.role]));
}

static json_t *peer_json(const struct ln_peer *p)
{
	static const char *const protos[] = {"/vac/waku/relay/2.0.0", "/vac/waku/store-query/3.0.0",
					     "/vac/waku/filter-subscribe/2.0.0-beta1",
					     "/vac/waku/lightpush/3.0.0"};
	char ma[200];
	int up = p->state == LN_PEER_UP;
	json_t *pr = json_array();

	multiaddr(p->addr[0] ? p->addr : p->listen_addr, p->peer_id, ma, sizeof(ma));
	for (size_t i = 0; i < FL_ARRAY_SIZE(protos); i++) {
		if (i == 0 && p->role == LN_ROLE_LIGHT)
			continue;
		if (i > 0 && p->role != LN_ROLE_SERVICE)
			continue;
		json_array_append_new(
		    pr, json_pack("{s:s, s:b}", "protocol", protos[i], "connected", up));
	}
	return json_pack("{s:s, s:o, s:b, s:s, s:s, s:s}", "multiaddr", ma, "protocols", pr,
			 "connected", up, "origin", p->persistent ? "Static" : "Incoming", "peerId",
			 p->peer_id, "publicKey", p->key);
}

static void h_peers_get(struct rest_req *r, const char *arg)
{
	struct ln_node *n = r->rest->node;
	json_t *a = json_array();

	for (int i = 0; i < LN_MAX_PEERS; i++)
		if (n->peers[i] && !n->peers[i]->dead &&
		    (n->peers[i]->persistent || n->peers[i]->state == LN_PEER_UP))
			json_array_append_new(a, peer_json(n->peers[i]));
	reply(r, 200, a);
}

/* Accepts "/ip4/A/tcp/P[/p2p/ID]" or "A:P". */
static int addr_from_multiaddr(const char *s, char *out, size_t cap)
{
	char host[64];
	unsigned port;
	int used = 0;

	if (s[0] != '/') {
		snprintf(out, cap, "%s", s);
		return 0;
	}
	if ((sscanf(s, "/ip4/%63[^/]/tcp/%u%n", host, &port, &used) != 2 &&
	     sscanf(s, "/dns4/%63[^/]/tcp/%u%n", host, &port, &used) != 2) ||
	    (s[used] && s[used] != '/'))
		return -1;
	snprintf(out, cap, "%s:%u", host, port);
	return 0;
}

static void h_peers_post(struct rest_req *r, const char *arg)
{
	json_t *j = parse_body(r), *v;
	size_t i;
	char addr[128], msg[400];
	struct fl_error err;

	if (!j)
		return;
	if (!json_is_array(j)) {
		json_decref(j);
		return reply_text(r, 400, "body must be a JSON array of multiaddrs");
	}
	json_array_foreach(j, i, v) {
		if (!json_is_string(v) ||
		    addr_from_multiaddr(json_string_value(v), addr, sizeof(addr)) < 0 ||
		    ln_node_add_peer(r->rest->node, addr, &err) < 0) {
			snprintf(msg, sizeof(msg), "bad peer address at index %zu", i);
			json_decref(j);
			return reply_text(r, 400, msg);
		}
	}
	json_decref(j);
	reply_text(r, 200, "OK");
}

/* --- relay --- */

static int topic_list(struct rest_req *r, json_t **out)
{
	json_t *j = parse_body(r), *v;
	size_t i;

	if (!j)
		return -1;
	if (!json_is_array(j))
		goto bad;
	json_array_foreach(j, i, v)
		if (!json_is_string(v) || !json_string_length(v) ||
		    json_string_length(v) >= LN_TOPIC_MAX)
			goto bad;
	*out = j;
	return 0;
bad:
	json_decref(j);
	reply_text(r, 400, "body must be a JSON array of topic strings");
	return -1;
}

static void subs_change(struct rest_req *r, int kind, int add)
{
	json_t *j, *v;
	size_t i;

	if (topic_list(r, &j) < 0)
		return;
	json_array_foreach(j, i, v) {
		if (!add)
			ln_relay_sub_del(r->rest->node, kind, json_string_value(v));
		else if (!ln_relay_sub_add(r->rest->node, kind, json_string_value(v)))
			return json_decref(j), reply_text(r, 400, "too many subscriptions");
	}
	json_decref(j);
	reply_text(r, 200, "OK");
}

static void h_relay_sub(struct rest_req *r, const char *arg)
{
	subs_change(r, 0, 1);
}
static void h_relay_unsub(struct rest_req *r, const char *arg)
{
	subs_change(r, 0, 0);
}
static void h_auto_sub(struct rest_req *r, const char *arg)
{
	subs_change(r, 1, 1);
}
static void h_auto_unsub(struct rest_req *r, const char *arg)
{
	subs_change(r, 1, 0);
}

static void publish(struct rest_req *r, const char *pubsub)
{
	struct ln_node *n = r->rest->node;
	json_t *j = parse_body(r);
	struct ln_msg m;
	struct fl_error err;
	char msg[1100];

	if (!j)
		return;
	/* nwaku v0.36.0 waku/waku_api/rest/relay/handlers.nim: a message without contentTopic
	 * (auto) or payload (RelayWakuMessage's required field) is 400 */
	if (!json_is_string(json_object_get(j, "payload"))) {
		json_decref(j);
		return reply_text(r, 400, "Field `payload` is missing");
	}
	if (ln_json_to_msg(j, &m, &err) < 0) {
		json_decref(j);
		snprintf(msg, sizeof(msg), "invalid message: %s", err.msg);
		return reply_text(r, 400, msg);
	}
	json_decref(j);
	if (n->cfg.role == LN_ROLE_LIGHT) {
		ln_msg_free(&m);
		return reply_text(r, 400, "relay is not mounted on a light node");
	}
	ln_relay_handle(n, pubsub, &m, NULL);
	ln_msg_free(&m);
	reply_text(r, 200, "OK");
}

static void h_auto_post(struct rest_req *r, const char *arg)
{
	publish(r, r->rest->node->cfg.pubsub);
}

static void h_relay_post(struct rest_req *r, const char *arg)
{
	char msg[LN_TOPIC_MAX + 64];

	if (!arg[0] || strlen(arg) >= LN_TOPIC_MAX)
		return reply_text(r, 400, "missing pubsub topic in the path");
	/* nwaku v0.36.0 relay/handlers.nim: publishing on a pubsub topic the node is not
	 * subscribed to is 400 (labnode's own --pubsub-topic counts as subscribed, as nwaku's
	 * configured shards are) */
	if (strcmp(arg, r->rest->node->cfg.pubsub) != 0 &&
	    !ln_relay_sub_find(r->rest->node, 0, arg)) {
		snprintf(msg, sizeof(msg), "Failed to publish: Node not subscribed to topic: %s",
			 arg);
		return reply_text(r, 400, msg);
	}
	publish(r, arg);
}

static void drain(struct rest_req *r, int kind, const char *topic)
{
	struct ln_sub *s = ln_relay_sub_find(r->rest->node, kind, topic);
	json_t *a;

	if (!s)
		return reply_text(r, 404, "not subscribed to this topic");
	a = json_array();
	for (int i = 0; i < s->n; i++) {
		json_t *m = ln_json_msg(&s->msgs[i]);
		if (kind == 2)
			json_object_set_new(m, "pubsubTopic", json_string(s->pubsubs[i]));
		json_array_append_new(a, m);
	}
	ln_relay_sub_clear(s);
	reply(r, 200, a);
}

static void h_relay_get(struct rest_req *r, const char *arg)
{
	drain(r, 0, arg);
}
static void h_auto_get(struct rest_req *r, const char *arg)
{
	drain(r, 1, arg);
}
static void h_filter_get(struct rest_req *r, const char *arg)
{
	drain(r, 2, arg);
}

/* --- lightpush --- */

static void push_done(struct ln_node *n, void *arg, const struct ln_field *f, int nf)
{
	struct rest_req *r = arg;
	/* nwaku v0.36.0 waku/waku_api/rest/lightpush/handlers.nim: a push that times out is
	 * SERVICE_NOT_AVAILABLE (503) "Push request timed out"; 504 is OUT_OF_RLN_PROOF
	 * (waku/waku_lightpush/common.nim) */
	char desc[300] = "Push request timed out";
	uint64_t code = 503, cnt = 0;
	struct fl_error err;

	if (f) {
		ln_frame_u64(f, nf, LN_T_CODE, &code, &err);
		ln_frame_u64(f, nf, LN_T_COUNT, &cnt, &err);
		ln_frame_str(f, nf, LN_T_DESC, desc, sizeof(desc), 0, &err);
	}
	reply(r, (unsigned)code,
	      json_pack("{s:s, s:i}", "statusDesc", desc, "relayPeerCount", (int)cnt));
	resume(r);
}

static void h_lightpush(struct rest_req *r, const char *arg)
{
	struct ln_node *n = r->rest->node;
	json_t *j = parse_body(r), *ps;
	struct ln_msg m;
	struct fl_error err;
	char pubsub[LN_TOPIC_MAX], msg[1100];

	if (!j)
		return;
	ps = json_object_get(j, "pubsubTopic");
	snprintf(pubsub, sizeof(pubsub), "%s",
		 json_is_string(ps) && json_string_length(ps) ? json_string_value(ps)
							      : n->cfg.pubsub);
	if (ln_json_to_msg(json_object_get(j, "message"), &m, &err) < 0) {
		json_decref(j);
		snprintf(msg, sizeof(msg), "{\"statusDesc\":\"invalid message\"}");
		reply(r, 400, json_pack("{s:s, s:i}", "statusDesc", err.msg, "relayPeerCount", 0));
		return;
	}
	json_decref(j);
	if (n->cfg.role != LN_ROLE_LIGHT) {
		ln_relay_handle(n, pubsub, &m, NULL);
		int cnt = ln_node_count_up(n, 1);
		reply(r, cnt || n->store ? 200 : 505,
		      json_pack("{s:s, s:i}", "statusDesc",
				cnt || n->store ? "OK" : "no peers to relay", "relayPeerCount",
				cnt));
	} else if (ln_relay_lightpush(n, pubsub, &m, push_done, r) < 0) {
		reply(r, 503,
		      json_pack("{s:s, s:i}", "statusDesc", "no suitable service peer",
				"relayPeerCount", 0));
	} else {
		suspend(r);
	}
	ln_msg_free(&m);
}

/* --- filter --- */

static void filter_change(struct rest_req *r, int add)
{
	struct ln_node *n = r->rest->node;
	json_t *j = parse_body(r), *cf, *v;
	const char *reqid;
	size_t i;

	if (!j)
		return;
	cf = json_object_get(j, "contentFilters");
	reqid = json_string_value(json_object_get(j, "requestId"));
	if (!json_is_array(cf) || (add && !json_array_size(cf))) {
		json_decref(j);
		return reply_text(r, 400,
				  "\"contentFilters\" must be a non-empty array of strings");
	}
	json_array_foreach(cf, i, v) {
		const char *t = json_string_value(v);
		int k = 0;
		if (!t || !t[0] || strlen(t) >= LN_TOPIC_MAX)
			continue;
		while (k < n->n_filter_topics && strcmp(n->filter_topics[k], t))
			k++;
		if (add && k == n->n_filter_topics && k < LN_MAX_SUBS) {
			snprintf(n->filter_topics[n->n_filter_topics++], LN_TOPIC_MAX, "%s", t);
			ln_relay_sub_add(n, 2, t);
		} else if (!add && k < n->n_filter_topics) {
			memmove(n->filter_topics[k], n->filter_topics[k + 1],
				(size_t)(n->n_filter_topics - k - 1) * LN_TOPIC_MAX);
			n->n_filter_topics--;
			ln_relay_sub_del(n, 2, t);
		}
	}
	ln_relay_filter_sync(n);
	int ok = n->cfg.role != LN_ROLE_LIGHT || ln_node_service_peer(n);
	reply(r, ok ? 200 : 503,
	      json_pack("{s:s, s:s}", "requestId", reqid ? reqid : "", "statusDesc",
			ok ? "OK" : "no suitable service peer"));
	json_decref(j);
}

static void h_filter_sub(struct rest_req *r, const char *arg)
{
	filter_change(r, 1);
}
static void h_filter_unsub(struct rest_req *r, const char *arg)
{
	filter_change(r, 0);
}

/* --- store --- */

static const char *qarg(struct rest_req *r, const char *key)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);

	return v && v[0] ? v : NULL;
}

static int split_list(const char *s, char out[][LN_TOPIC_MAX], int max)
{
	int n = 0;

	while (s && *s) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (n == max || len >= LN_TOPIC_MAX)
			return -1;
		if (len) {
			memcpy(out[n], s, len);
			out[n++][len] = '\0';
		}
		s = c ? c + 1 : NULL;
	}
	return n;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;

	if (!s)
		return 0;
	*out = strtoll(s, &end, 10);
	return *end || *out < 0 ? -1 : 0;
}

/* Fills q from the query string; on error replies 400 and returns -1. */
static int store_params(struct rest_req *r, struct ln_store_query *q)
{
	static char hashes[LN_STORE_MAX_HASHES][LN_TOPIC_MAX];
	const char *v;
	int64_t ps = 0;
	int k;

	memset(q, 0, sizeof(*q));
	q->ascending = 1;
	if ((v = qarg(r, "pubsubTopic")))
		snprintf(q->pubsub, sizeof(q->pubsub), "%s", v);
	if ((q->n_ctopics = split_list(qarg(r, "contentTopics"), q->ctopics, LN_STORE_MAX_TOPICS)) <
	    0)
		return reply_text(r, 400, "too many or too long contentTopics (max 10)"), -1;
	if ((k = split_list(qarg(r, "hashes"), hashes, LN_STORE_MAX_HASHES)) < 0)
		return reply_text(r, 400, "too many hashes (max 100)"), -1;
	for (q->n_hashes = 0; q->n_hashes < k; q->n_hashes++)
		if (ln_buf_unhex(hashes[q->n_hashes], q->hashes[q->n_hashes], LN_HASH_LEN) !=
		    LN_HASH_LEN)
			return reply_text(r, 400, "hashes must be 0x + 64 hex digits"), -1;
	if ((v = qarg(r, "cursor"))) {
		if (ln_buf_unhex(v, q->cursor, LN_HASH_LEN) != LN_HASH_LEN)
			return reply_text(r, 400, "cursor must be 0x + 64 hex digits"), -1;
		q->has_cursor = 1;
	}
	if (parse_i64(qarg(r, "startTime"), &q->start_ns) < 0 ||
	    parse_i64(qarg(r, "endTime"), &q->end_ns) < 0 ||
	    parse_i64(qarg(r, "pageSize"), &ps) < 0)
		return reply_text(r, 400,
				  "startTime, endTime (ns) and pageSize must be non-negative "
				  "integers"),
		       -1;
	/* nwaku v0.36.0 waku/waku_archive/archive.nim: min(pageSize, MaxPageSize = 100) */
	q->page_size = (int)(ps > LN_STORE_PAGE_MAX ? LN_STORE_PAGE_MAX : ps);
	if ((v = qarg(r, "ascending")))
		q->ascending = !strcmp(v, "true") || !strcmp(v, "1");
	if ((v = qarg(r, "includeData")))
		q->include_data = !strcmp(v, "true") || !strcmp(v, "1");
	return 0;
}

static json_t *page_json(const struct ln_store_page *pg, int code, const char *desc)
{
	json_t *a = json_array(), *j;
	char hex[67];

	for (int i = 0; i < pg->n; i++) {
		ln_msg_hash_hex(pg->e[i].hash, hex);
		json_t *e = json_pack("{s:s}", "messageHash", hex);
		if (pg->e[i].msg.content_topic[0])
			json_object_set_new(e, "message", ln_json_msg(&pg->e[i].msg));
		if (pg->e[i].pubsub[0])
			json_object_set_new(e, "pubsubTopic", json_string(pg->e[i].pubsub));
		json_array_append_new(a, e);
	}
	j = json_pack("{s:s, s:i, s:s, s:o}", "requestId", "", "statusCode", code, "statusDesc",
		      desc, "messages", a);
	if (pg->has_cursor) {
		ln_msg_hash_hex(pg->cursor, hex);
		json_object_set_new(j, "paginationCursor", json_string(hex));
	}
	return j;
}

static void store_done(struct ln_node *n, void *arg, const struct ln_field *f, int nf)
{
	static struct ln_store_page page;
	struct rest_req *r = arg;
	char desc[300] = "request timed out";
	int code = 504;

	memset(&page, 0, sizeof(page));
	if (f && ln_relay_decode_page(f, nf, &page, &code, desc, sizeof(desc)) < 0) {
		code = 500;
		snprintf(desc, sizeof(desc), "malformed store response");
	}
	reply(r, code == 200 ? 200 : (unsigned)code, page_json(&page, code, desc));
	ln_store_page_free(&page);
	if (r->suspended)
		resume(r);
}

static void h_store(struct rest_req *r, const char *arg)
{
	static struct ln_store_query q;
	struct ln_peer *peer = NULL;
	const char *pa = qarg(r, "peerAddr");
	int at = 0;

	if (store_params(r, &q) < 0)
		return;
	/* peerAddr (nwaku's): ask that store node (ln_store_peer.c) */
	if (pa && (at = ln_store_peer_find(r->rest->node, pa, &peer)) < 0)
		return reply_text(r, 412, "No suitable service peer & no discovery method");
	/* nwaku v0.36.0 waku/waku_api/rest/store/handlers.nim NoPeerNoDiscError:
	 * preconditionFailed = 412, text/plain (responses.nim) */
	if (ln_relay_store_query_at(r->rest->node, peer, !pa || at == 0, &q, store_done, r) < 0)
		return reply_text(r, 412, "No suitable service peer & no discovery method");
	if (!r->done)
		suspend(r);
}

static void h_rpc(struct rest_req *r, const char *arg)
{
	r->resp = ln_rpc_handle(r->rest->node, (const char *)ln_buf_head(&r->body),
				ln_buf_used(&r->body), &r->status);
	r->ctype = "application/json";
	r->done = 1;
}

/* --- routing and MHD glue --- */

struct route {
	const char *method;
	const char *path; /* a trailing '/' matches a prefix whose rest is the argument */
	void (*fn)(struct rest_req *r, const char *arg);
};

static const struct route routes[] = {
    {"GET", "/health", h_health},
    {"GET", "/debug/v1/info", h_info},
    {"GET", "/admin/v1/peers", h_peers_get},
    {"POST", "/admin/v1/peers", h_peers_post},
    {"POST", "/relay/v1/subscriptions", h_relay_sub},
    {"DELETE", "/relay/v1/subscriptions", h_relay_unsub},
    {"POST", "/relay/v1/auto/subscriptions", h_auto_sub},
    {"DELETE", "/relay/v1/auto/subscriptions", h_auto_unsub},
    {"POST", "/relay/v1/auto/messages", h_auto_post},
    {"GET", "/relay/v1/auto/messages/", h_auto_get},
    {"POST", "/relay/v1/messages/", h_relay_post},
    {"GET", "/relay/v1/messages/", h_relay_get},
    {"POST", "/lightpush/v3/message", h_lightpush},
    {"POST", "/filter/v2/subscriptions", h_filter_sub},
    {"DELETE", "/filter/v2/subscriptions", h_filter_unsub},
    {"GET", "/filter/v2/messages/", h_filter_get},
    {"GET", "/store/v3/messages", h_store},
    {"POST", "/", h_rpc},
};

/* Percent-decodes s in place (topics in paths arrive as %2F). */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		unsigned v;
		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1 && v) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static void route(struct rest_req *r, const char *method, const char *url)
{
	int path_known = 0;

	for (size_t i = 0; i < FL_ARRAY_SIZE(routes); i++) {
		const struct route *rt = &routes[i];
		size_t pl = strlen(rt->path);
		int prefix = pl > 1 && rt->path[pl - 1] == '/';
		if (prefix ? strncmp(url, rt->path, pl) : strcmp(url, rt->path))
			continue;
		path_known = 1;
		if (strcmp(method, rt->method))
			continue;
		char arg[LN_TOPIC_MAX * 3];
		snprintf(arg, sizeof(arg), "%s", prefix ? url + pl : "");
		unescape(arg);
		rt->fn(r, arg);
		return;
	}
	reply_text(r, path_known ? 405 : 404, path_known ? "method not allowed" : "not found");
}

static enum MHD_Result queue(struct rest_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = r->resp ? r->resp : fl_xstrdup("");

	r->resp = NULL;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/plain");
	ret = MHD_queue_response(r->conn, r->status ? r->status : 500, resp);
	MHD_destroy_response(resp);
	return ret;
}

static struct ln_rest_conn *conn_record(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct ln_rest *rest = cls;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		ln_rest_conns_del(&rest->conns, *socket_ctx);
		*socket_ctx = NULL;
		rest->run_needed = 1;
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci)
		*socket_ctx = ln_rest_conns_add(&rest->conns, ci->connect_fd, ln_loop_now_ms());
	rest->run_needed = 1; /* evicted connections are closed on MHD's next run */
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct rest_req *r = *con_cls;

	if (!r) {
		r = fl_xcalloc(1, sizeof(*r));
		r->rest = cls;
		r->conn = conn;
		r->rc = conn_record(conn);
		if (r->rc)
			r->rc->busy = 1;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (ln_buf_used(&r->body) + *upload_size > BODY_MAX)
			r->too_big = 1;
		else
			ln_buf_append(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->suspended)
		return MHD_YES;
	if (!r->done) {
		if (r->too_big)
			reply_text(r, 413, "request body exceeds 1 MiB");
		else
			route(r, method, url);
		if (!r->done)
			return MHD_YES; /* suspended until a peer answers */
	}
	return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct rest_req *r = *con_cls;

	if (!r)
		return;
	if (r->rc) {
		r->rc->busy = 0;
		r->rc->idle_since_ms = ln_loop_now_ms();
	}
	ln_buf_free(&r->body);
	free(r->resp);
	free(r);
	*con_cls = NULL;
}

static void rest_io(struct ln_io *io, uint32_t events)
{
	struct ln_rest *rest = io->arg;

	rest->run_needed = 1;
}

static void rest_timer(struct ln_timer *t)
{
	struct ln_rest *rest = t->arg;

	rest->run_needed = 1;
}

/* MHD's own epoll is edge-triggered: a connection with more to do than one MHD_run handles
 * shows up only in MHD_get_timeout (0 = run again now), so the timer keeps the loop coming
 * back until MHD is idle. */
void ln_rest_run(struct ln_node *n)
{
	struct ln_rest *rest = n->rest;
	MHD_UNSIGNED_LONG_LONG to;

	if (!rest || !rest->run_needed)
		return;
	rest->run_needed = 0;
	MHD_run(rest->d);
	/* A connection closed during the run (on_connection set run_needed): MHD frees its slot
	 * at the end of MHD_run but puts a listen socket it took out at the limit back into its
	 * epoll set only on the next run, and nothing else may wake us up for it. */
	if (rest->run_needed)
		ln_loop_timer_at(n->loop, &rest->timer, ln_loop_now_ms());
	else if (MHD_get_timeout(rest->d, &to) == MHD_YES)
		ln_loop_timer_at(n->loop, &rest->timer, ln_loop_now_ms() + (int64_t)to);
	else
		ln_loop_timer_cancel(n->loop, &rest->timer);
}

/* The listening socket, made here rather than by MHD so that a taken port is reported with
 * its errno, and with SO_REUSEADDR only: MHD_OPTION_LISTENING_ADDRESS_REUSE 1 would set
 * SO_REUSEPORT, and a second labnode could then bind the same port and take half the
 * connections. */
static int rest_listen(const struct sockaddr_in *sa, const char *addr, struct fl_error *err)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return fl_err_errno(err, "REST: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 1024) < 0) {
		fl_err_errno(err, "REST: bind %s", addr);
		close(fd);
		return -1;
	}
	return fd;
}

int ln_rest_start(struct ln_node *n, const char *addr, struct fl_error *err)
{
	struct ln_rest *rest = fl_xcalloc(1, sizeof(*rest));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const union MHD_DaemonInfo *info;
	char host[64];
	unsigned port, idle_s = (unsigned)((n->cfg.rest_idle_timeout_ms + 999) / 1000);
	int lfd;

	if (sscanf(addr, "%63[^:]:%u", host, &port) != 2 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		free(rest);
		return fl_err(err, "--rest: expected IPv4:PORT, got \"%s\"", addr);
	}
	sa.sin_port = htons((uint16_t)port);
	rest->node = n;
	rest->conns.max = n->cfg.rest_max_conns;
	if ((lfd = rest_listen(&sa, addr, err)) < 0) {
		free(rest);
		return -1;
	}
	rest->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO,
				   (uint16_t)port, NULL, NULL, on_request, rest,
				   MHD_OPTION_LISTEN_SOCKET, lfd, MHD_OPTION_NOTIFY_COMPLETED,
				   on_completed, rest, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
				   rest, MHD_OPTION_CONNECTION_LIMIT, n->cfg.rest_max_conns,
				   MHD_OPTION_CONNECTION_TIMEOUT, idle_s, MHD_OPTION_END);
	if (!rest->d) {
		close(lfd);
		free(rest);
		return fl_err(err, "cannot start the REST server on %s", addr);
	}
	info = MHD_get_daemon_info(rest->d, MHD_DAEMON_INFO_EPOLL_FD);
	rest->io.fd = info->epoll_fd;
	rest->io.cb = rest_io;
	rest->io.arg = rest;
	rest->timer.cb = rest_timer;
	rest->timer.arg = rest;
	if (ln_loop_add(n->loop, &rest->io, EPOLLIN, err) < 0) {
		MHD_stop_daemon(rest->d);
		free(rest);
		return -1;
	}
	n->rest = rest;
	return 0;
}

void ln_rest_stop(struct ln_node *n)
{
	struct ln_rest *rest = n->rest;

	if (!rest)
		return;
	ln_loop_del(n->loop, &rest->io);
	ln_loop_timer_cancel(n->loop, &rest->timer);
	/* MHD must not stop with suspended connections: answer them, let MHD resume them */
	ln_node_cancel_requests(n);
	MHD_run(rest->d);
	MHD_stop_daemon(rest->d);
	ln_rest_conns_free(&rest->conns);
	free(rest);
	n->rest = NULL;
}
