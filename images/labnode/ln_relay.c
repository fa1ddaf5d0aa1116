/* Relay (flooding with de-duplication by hash), store, lightpush and filter: both the
 * service side and the client side of each protocol frame. */
#include "images/labnode/ln_node.h"

#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "images/labnode/ln_dm.h"

#include <stdlib.h>
#include <string.h>

struct ln_sub *ln_relay_sub_find(struct ln_node *n, int kind, const char *topic)
{
	for (int i = 0; i < LN_MAX_SUBS; i++)
		if (n->subs[i].used && n->subs[i].kind == kind && !strcmp(n->subs[i].topic, topic))
			return &n->subs[i];
	return NULL;
}

struct ln_sub *ln_relay_sub_add(struct ln_node *n, int kind, const char *topic)
{
	struct ln_sub *s = ln_relay_sub_find(n, kind, topic);

	if (s)
		return s;
	for (int i = 0; i < LN_MAX_SUBS; i++) {
		s = &n->subs[i];
		if (s->used)
			continue;
		memset(s, 0, sizeof(*s));
		s->used = 1;
		s->kind = kind;
		snprintf(s->topic, sizeof(s->topic), "%s", topic);
		s->msgs = fl_xcalloc(LN_CACHE_MAX, sizeof(*s->msgs));
		s->pubsubs = fl_xcalloc(LN_CACHE_MAX, sizeof(*s->pubsubs));
		return s;
	}
	return NULL;
}

void ln_relay_sub_clear(struct ln_sub *s)
{
	for (int i = 0; i < s->n; i++)
		ln_msg_free(&s->msgs[i]);
	s->n = 0;
}

void ln_relay_sub_del(struct ln_node *n, int kind, const char *topic)
{
	struct ln_sub *s = ln_relay_sub_find(n, kind, topic);

	if (!s)
		return;
	ln_relay_sub_clear(s);
	free(s->msgs);
	free(s->pubsubs);
	memset(s, 0, sizeof(*s));
}

static void sub_push(struct ln_sub *s, const char *pubsub, const struct ln_msg *m)
{
	if (s->n == LN_CACHE_MAX) { /* full: the oldest goes */
		ln_msg_free(&s->msgs[0]);
		memmove(s->msgs, s->msgs + 1, (LN_CACHE_MAX - 1) * sizeof(*s->msgs));
		memmove(s->pubsubs, s->pubsubs + 1, (LN_CACHE_MAX - 1) * sizeof(*s->pubsubs));
		s->n--;
	}
	ln_msg_copy(&s->msgs[s->n], m);
	snprintf(s->pubsubs[s->n], LN_TOPIC_MAX, "%s", pubsub);
	s->n++;
}

/* b := one frame of `type` carrying the message (b is reset first). */
static void relay_msg_frame(struct ln_buf *b, enum ln_frame_type type, const char *pubsub,
			    const struct ln_msg *m)
{
	size_t mk;

	b->len = b->off = 0;
	mk = ln_frame_begin(b, type);
	ln_frame_put_msg(b, pubsub, m);
	ln_frame_end(b, mk);
}

static int fsub_match(const struct ln_peer *p, const char *pubsub, const char *ctopic)
{
	if (p->fsub_pubsub[0] && strcmp(p->fsub_pubsub, pubsub))
		return 0;
	for (int i = 0; i < p->n_fsub; i++)
		if (!strcmp(p->fsub[i], ctopic))
			return 1;
	return 0;
}

static void filter_push(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
			const char *hashhex)
{
	struct ln_buf *b = &n->scratch;
	int built = 0;

	/* nwaku logs once per message, before pushing it to its subscribers */
	ln_node_trace(n, &LN_TR_FILTER_HANDLE, "pubsubTopic=%s msg_hash=%s", pubsub, hashhex);
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (!p || p->state != LN_PEER_UP || !p->n_fsub ||
		    !fsub_match(p, pubsub, m->content_topic))
			continue;
		if (!built) {
			relay_msg_frame(b, LN_F_FILTER_PUSH, pubsub, m);
			built = 1;
		}
		ln_node_send(p, b);
	}
}

static void deliver_local(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
			  const uint8_t *hash, const char *hashhex)
{
	struct fl_error err;

	if (n->store && !m->ephemeral && ln_store_put(n->store, pubsub, m, hash, &err) < 0)
		log_error("%s", err.msg);
	for (int i = 0; i < LN_MAX_SUBS; i++) {
		struct ln_sub *s = &n->subs[i];
		if (!s->used)
			continue;
		if ((s->kind == 0 && !strcmp(s->topic, pubsub)) ||
		    (s->kind != 0 && !strcmp(s->topic, m->content_topic)))
			sub_push(s, pubsub, m);
	}
	if (n->cfg.role == LN_ROLE_SERVICE)
		filter_push(n, pubsub, m, hashhex);
	ln_dm_on_message(n, pubsub, m, hash);
}

int ln_relay_handle(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
		    struct ln_peer *from)
{
	uint8_t hash[LN_HASH_LEN];
	char hex[67];
	struct ln_buf *b = &n->scratch;
	int built = 0;

	ln_msg_hash(pubsub, m, hash);
	if (ln_seen_check_add(&n->seen, hash, ln_loop_now_ms()))
		return 0;
	ln_msg_hash_hex(hash, hex);
	if (from)
		log_debug("relay rx t_ms=%lld up=%d", (long long)ln_loop_now_ms(),
			  ln_node_count_up(n, 1));
	if (from)
		ln_node_trace(
		    n, &LN_TR_RELAY_RECV,
		    "my_peer_id=%s msg_hash=%s from_peer_id=%s topic=%s receivedTime=%llu "
		    "payloadSizeBytes=%zu",
		    n->peer_id, hex, from->peer_id, pubsub, (unsigned long long)fltime_real_ns(),
		    m->payload_len);
	n->received++;
	deliver_local(n, pubsub, m, hash, hex);
	if (n->cfg.role == LN_ROLE_LIGHT)
		return 1;
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (!p || p == from || p->state != LN_PEER_UP || p->role == LN_ROLE_LIGHT)
			continue;
		if (!built) {
			relay_msg_frame(b, LN_F_RELAY, pubsub, m);
			built = 1;
		}
		ln_node_send(p, b);
		n->relayed++;
		ln_node_trace(n, &LN_TR_RELAY_SENT,
			      "my_peer_id=%s msg_hash=%s to_peer_id=%s topic=%s sentTime=%llu "
			      "payloadSizeBytes=%zu",
			      n->peer_id, hex, p->peer_id, pubsub,
			      (unsigned long long)fltime_real_ns(), m->payload_len);
	}
	return 1;
}

void ln_relay_forward(struct ln_node *n, const char *pubsub, const struct ln_msg *m)
{
	struct ln_buf *b = &n->scratch;

	relay_msg_frame(b, LN_F_RELAY, pubsub, m);
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (p && p->state == LN_PEER_UP && p->role != LN_ROLE_LIGHT)
			ln_node_send(p, b);
	}
}

/* --- store --- */

static void put_query(struct ln_buf *b, const struct ln_store_query *q)
{
	if (q->pubsub[0])
		ln_frame_put_str(b, LN_T_PUBSUB, q->pubsub);
	for (int i = 0; i < q->n_ctopics; i++)
		ln_frame_put_str(b, LN_T_CTOPIC, q->ctopics[i]);
	for (int i = 0; i < q->n_hashes; i++)
		ln_frame_put(b, LN_T_HASH, q->hashes[i], LN_HASH_LEN);
	if (q->start_ns)
		ln_frame_put_u64(b, LN_T_START, (uint64_t)q->start_ns);
	if (q->end_ns)
		ln_frame_put_u64(b, LN_T_END, (uint64_t)q->end_ns);
	if (q->has_cursor)
		ln_frame_put(b, LN_T_CURSOR, q->cursor, LN_HASH_LEN);
	ln_frame_put_u64(b, LN_T_PAGESIZE, (uint64_t)q->page_size);
	ln_frame_put_u64(b, LN_T_ASC, (uint64_t)q->ascending);
	ln_frame_put_u64(b, LN_T_INCLUDE, (uint64_t)q->include_data);
}

static int opt_u64(const struct ln_frame *f, uint8_t tag, uint64_t *v, struct fl_error *err)
{
	*v = 0;
	return ln_frame_find(f->f, f->n, tag) ? ln_frame_u64(f->f, f->n, tag, v, err) : 0;
}

static int get_query(const struct ln_frame *f, struct ln_store_query *q, struct fl_error *err)
{
	uint64_t v;

	memset(q, 0, sizeof(*q));
	if (ln_frame_str(f->f, f->n, LN_T_PUBSUB, q->pubsub, LN_TOPIC_MAX, 0, err) < 0)
		return -1;
	for (int i = 0; i < f->n; i++) {
		const struct ln_field *x = &f->f[i];
		if (x->tag == LN_T_CTOPIC) {
			if (q->n_ctopics == LN_STORE_MAX_TOPICS || x->len >= LN_TOPIC_MAX ||
			    memchr(x->val, 0, x->len))
				return fl_err(err, "bad content topic list");
			memcpy(q->ctopics[q->n_ctopics], x->val, x->len);
			q->ctopics[q->n_ctopics++][x->len] = '\0';
		} else if (x->tag == LN_T_HASH) {
			if (q->n_hashes == LN_STORE_MAX_HASHES || x->len != LN_HASH_LEN)
				return fl_err(err, "bad hash list");
			memcpy(q->hashes[q->n_hashes++], x->val, LN_HASH_LEN);
		} else if (x->tag == LN_T_CURSOR) {
			if (x->len != LN_HASH_LEN)
				return fl_err(err, "bad cursor");
			memcpy(q->cursor, x->val, LN_HASH_LEN);
			q->has_cursor = 1;
		}
	}
	if (opt_u64(f, LN_T_START, &v, err) < 0)
		return -1;
	q->start_ns = (int64_t)v;
	if (opt_u64(f, LN_T_END, &v, err) < 0)
		return -1;
	q->end_ns = (int64_t)v;
	if (opt_u64(f, LN_T_PAGESIZE, &v, err) < 0)
		return -1;
	q->page_size = v > LN_STORE_PAGE_MAX ? LN_STORE_PAGE_MAX : (int)v;
	if (opt_u64(f, LN_T_ASC, &v, err) < 0)
		return -1;
	q->ascending = v != 0;
	if (opt_u64(f, LN_T_INCLUDE, &v, err) < 0)
		return -1;
	q->include_data = v != 0;
	return 0;
}

/* Answers q from the local store as a STORE_RESP frame in b. */
static void store_answer(struct ln_node *n, uint64_t reqid, const struct ln_store_query *q,
			 struct ln_buf *b)
{
	static struct ln_store_page page;
	struct fl_error err;
	size_t mk = ln_frame_begin(b, LN_F_STORE_RESP);
	int ok = n->store && ln_store_query(n->store, q, &page, &err) == 0;

	ln_frame_put_u64(b, LN_T_REQID, reqid);
	ln_frame_put_u64(b, LN_T_CODE, ok ? 200 : n->store ? 400 : 503);
	ln_frame_put_str(b, LN_T_DESC, ok ? "OK" : n->store ? err.msg : "store not available");
	for (int i = 0; ok && i < page.n; i++) {
		size_t e = ln_frame_nest_begin(b, LN_T_ENTRY);
		ln_frame_put(b, LN_T_HASH, page.e[i].hash, LN_HASH_LEN);
		if (q->include_data)
			ln_frame_put_msg(b, page.e[i].pubsub, &page.e[i].msg);
		else
			ln_frame_put_str(b, LN_T_PUBSUB, page.e[i].pubsub);
		ln_frame_nest_end(b, e);
	}
	if (ok && page.has_cursor)
		ln_frame_put(b, LN_T_CURSOR, page.cursor, LN_HASH_LEN);
	if (ok)
		ln_store_page_free(&page);
	ln_frame_end(b, mk);
}

int ln_relay_decode_page(const struct ln_field *f, int nf, struct ln_store_page *page, int *code,
			 char *desc, size_t desc_cap)
{
	static struct ln_field sub[32];
	struct fl_error err;
	uint64_t v = 500;

	memset(page, 0, sizeof(*page));
	ln_frame_u64(f, nf, LN_T_CODE, &v, &err);
	*code = (int)v;
	if (ln_frame_str(f, nf, LN_T_DESC, desc, desc_cap, 0, &err) < 0)
		desc[0] = '\0';
	for (int i = 0; i < nf && page->n < LN_STORE_PAGE_MAX; i++) {
		if (f[i].tag == LN_T_CURSOR && f[i].len == LN_HASH_LEN) {
			memcpy(page->cursor, f[i].val, LN_HASH_LEN);
			page->has_cursor = 1;
		}
		if (f[i].tag != LN_T_ENTRY)
			continue;
		int k = ln_frame_fields(f[i].val, f[i].len, sub, 32, &err);
		const struct ln_field *h = k > 0 ? ln_frame_find(sub, k, LN_T_HASH) : NULL;
		if (!h || h->len != LN_HASH_LEN)
			return -1;
		struct ln_store_entry *e = &page->e[page->n];
		memset(e, 0, sizeof(*e));
		memcpy(e->hash, h->val, LN_HASH_LEN);
		if (ln_frame_find(sub, k, LN_T_CTOPIC)) {
			if (ln_frame_get_msg(sub, k, e->pubsub, &e->msg, &err) < 0)
				return -1;
		} else if (ln_frame_str(sub, k, LN_T_PUBSUB, e->pubsub, LN_TOPIC_MAX, 0, &err) <
			   0) {
			return -1;
		}
		page->n++;
	}
	return 0;
}

int ln_relay_store_query(struct ln_node *n, const struct ln_store_query *q,
			 void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
			 void *arg)
{
	return ln_relay_store_query_at(n, NULL, n->store != NULL, q, cb, arg);
}

int ln_relay_store_query_at(struct ln_node *n, struct ln_peer *peer, int here,
			    const struct ln_store_query *q,
			    void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
			    void *arg)
{
	struct ln_buf *b = &n->scratch;
	struct ln_peer *p = peer;
	uint64_t id;

	if (!peer && here && n->store) { /* answer locally through the same encoding */
		static struct ln_frame f;
		struct ln_buf local = {0};
		struct fl_error err;
		size_t used;
		store_answer(n, 0, q, &local);
		if (ln_frame_parse(ln_buf_head(&local), ln_buf_used(&local), &f, &used, &err) == 1)
			cb(n, arg, f.f, f.n);
		else
			cb(n, arg, NULL, 0);
		ln_buf_free(&local);
		return 0;
	}
	if ((!p && !(p = ln_node_service_peer(n))) || !(id = ln_node_pending_add(n, p, cb, arg)))
		return -1;
	b->len = b->off = 0;
	size_t mk = ln_frame_begin(b, LN_F_STORE_REQ);
	ln_frame_put_u64(b, LN_T_REQID, id);
	put_query(b, q);
	ln_frame_end(b, mk);
	ln_node_send(p, b);
	return 0;
}

static void on_store_req(struct ln_node *n, struct ln_peer *p, const struct ln_frame *f)
{
	static struct ln_store_query q;
	struct fl_error err;
	uint64_t reqid = 0;
	struct ln_buf *b = &n->scratch;

	ln_frame_u64(f->f, f->n, LN_T_REQID, &reqid, &err);
	b->len = b->off = 0;
	if (get_query(f, &q, &err) < 0) {
		size_t mk = ln_frame_begin(b, LN_F_STORE_RESP);
		ln_frame_put_u64(b, LN_T_REQID, reqid);
		ln_frame_put_u64(b, LN_T_CODE, 400);
		ln_frame_put_str(b, LN_T_DESC, err.msg);
		ln_frame_end(b, mk);
	} else {
		ln_node_trace(n, &LN_TR_STORE_QUERY,
			      "peerId=%s requestId=%llu pubsubTopic=%s contentTopics=%d hashes=%d",
			      p->peer_id, (unsigned long long)reqid, q.pubsub, q.n_ctopics,
			      q.n_hashes);
		store_answer(n, reqid, &q, b);
	}
	ln_node_send(p, b);
}

/* --- lightpush --- */

int ln_relay_lightpush(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
		       void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
		       void *arg)
{
	struct ln_buf *b = &n->scratch;
	struct ln_peer *p = ln_node_service_peer(n);
	uint64_t id;

	if (!p || !(id = ln_node_pending_add(n, p, cb, arg)))
		return -1;
	b->len = b->off = 0;
	size_t mk = ln_frame_begin(b, LN_F_PUSH_REQ);
	ln_frame_put_u64(b, LN_T_REQID, id);
	ln_frame_put_msg(b, pubsub, m);
	ln_frame_end(b, mk);
	ln_node_send(p, b);
	return 0;
}

static void on_push_req(struct ln_node *n, struct ln_peer *p, const struct ln_frame *f)
{
	char pubsub[LN_TOPIC_MAX], hex[67], desc[256] = "OK";
	uint8_t hash[LN_HASH_LEN];
	struct ln_msg m;
	struct fl_error err;
	uint64_t reqid = 0;
	int code = 200, peers = 0;
	struct ln_buf *b = &n->scratch;

	ln_frame_u64(f->f, f->n, LN_T_REQID, &reqid, &err);
	if (n->cfg.role == LN_ROLE_LIGHT) {
		code = 503;
		snprintf(desc, sizeof(desc), "lightpush service not available");
	} else if (ln_frame_get_msg(f->f, f->n, pubsub, &m, &err) < 0) {
		code = 420;
		snprintf(desc, sizeof(desc), "invalid message: %.200s", err.msg);
	} else {
		ln_msg_hash(pubsub, &m, hash);
		ln_msg_hash_hex(hash, hex);
		ln_node_trace(n, &LN_TR_LIGHTPUSH,
			      "my_peer_id=%s peer_id=%s requestId=%llu pubsubTopic=%s msg_hash=%s "
			      "receivedTime=%llu",
			      n->peer_id, p->peer_id, (unsigned long long)reqid, pubsub, hex,
			      (unsigned long long)fltime_real_ns());
		ln_relay_handle(n, pubsub, &m, NULL);
		ln_msg_free(&m);
		peers = ln_node_count_up(n, 1);
		if (!peers && !n->store) {
			code = 505;
			snprintf(desc, sizeof(desc), "no peers to relay");
		}
	}
	b->len = b->off = 0;
	size_t mk = ln_frame_begin(b, LN_F_PUSH_RESP);
	ln_frame_put_u64(b, LN_T_REQID, reqid);
	ln_frame_put_u64(b, LN_T_CODE, (uint64_t)code);
	ln_frame_put_str(b, LN_T_DESC, desc);
	ln_frame_put_u64(b, LN_T_COUNT, (uint64_t)peers);
	ln_frame_end(b, mk);
	ln_node_send(p, b);
}

/* --- filter --- */

static void on_filter_sub(struct ln_peer *p, const struct ln_frame *f, int unsub)
{
	struct fl_error err;
	char topic[LN_TOPIC_MAX];

	if (!unsub &&
	    ln_frame_str(f->f, f->n, LN_T_PUBSUB, p->fsub_pubsub, LN_TOPIC_MAX, 0, &err) < 0)
		return;
	if (unsub && !ln_frame_find(f->f, f->n, LN_T_CTOPIC))
		p->n_fsub = 0;
	for (int i = 0; i < f->n; i++) {
		const struct ln_field *x = &f->f[i];
		if (x->tag != LN_T_CTOPIC || x->len >= LN_TOPIC_MAX || memchr(x->val, 0, x->len))
			continue;
		memcpy(topic, x->val, x->len);
		topic[x->len] = '\0';
		int k = 0;
		while (k < p->n_fsub && strcmp(p->fsub[k], topic))
			k++;
		if (unsub && k < p->n_fsub) {
			memmove(p->fsub[k], p->fsub[k + 1],
				(size_t)(p->n_fsub - k - 1) * LN_TOPIC_MAX);
			p->n_fsub--;
		} else if (!unsub && k == p->n_fsub && p->n_fsub < LN_MAX_SUBS) {
			if (!p->fsub)
				p->fsub = fl_xcalloc(LN_MAX_SUBS, LN_TOPIC_MAX);
			memcpy(p->fsub[p->n_fsub++], topic, LN_TOPIC_MAX);
		}
	}
}

static void filter_sync_peer(struct ln_node *n, struct ln_peer *p)
{
	struct ln_buf *b = &n->scratch;

	b->len = b->off = 0;
	size_t mk = ln_frame_begin(b, LN_F_FILTER_UNSUB);
	ln_frame_end(b, mk);
	mk = ln_frame_begin(b, LN_F_FILTER_SUB);
	ln_frame_put_str(b, LN_T_PUBSUB, n->cfg.pubsub);
	for (int i = 0; i < n->n_filter_topics; i++)
		ln_frame_put_str(b, LN_T_CTOPIC, n->filter_topics[i]);
	ln_frame_end(b, mk);
	ln_node_send(p, b);
}

/* A light node subscribes at every connected service peer (duplicates are dropped by hash),
 * so losing one service loses nothing while the others stay. */
void ln_relay_filter_sync(struct ln_node *n)
{
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (p && p->state == LN_PEER_UP && p->role == LN_ROLE_SERVICE)
			filter_sync_peer(n, p);
	}
}

void ln_relay_on_peer_up(struct ln_node *n, struct ln_peer *p)
{
	if (n->cfg.role == LN_ROLE_LIGHT && p->role == LN_ROLE_SERVICE && n->n_filter_topics)
		filter_sync_peer(n, p);
}

void ln_relay_peer_gone(struct ln_node *n, struct ln_peer *p)
{
	p->n_fsub = 0;
	p->fsub_pubsub[0] = '\0';
}

static void on_response(struct ln_node *n, const struct ln_frame *f)
{
	struct fl_error err;
	uint64_t id;

	if (ln_frame_u64(f->f, f->n, LN_T_REQID, &id, &err) < 0)
		return;
	for (size_t i = 0; i < FL_ARRAY_SIZE(n->pending); i++) {
		struct ln_pending *q = &n->pending[i];
		if (q->used && q->reqid == id) {
			q->used = 0;
			if (q->cb)
				q->cb(n, q->arg, f->f, f->n);
			return;
		}
	}
}

/* A light node's filter client gets a push (nwaku waku_filter_v2/client.nim:194 logs every
 * push it decodes, duplicates too). */
static void filter_push_received(struct ln_node *n, struct ln_peer *p, const char *pubsub,
				 const struct ln_msg *m)
{
	uint8_t hash[LN_HASH_LEN];
	char hex[67];

	ln_msg_hash(pubsub, m, hash);
	ln_msg_hash_hex(hash, hex);
	ln_node_trace(n, &LN_TR_FILTER_PUSH_RECV,
		      "peerId=%s msg_hash=%s pubsubTopic=%s content_topic=%s", p->peer_id, hex,
		      pubsub, m->content_topic);
	ln_relay_handle(n, pubsub, m, NULL);
}

void ln_relay_frame(struct ln_node *n, struct ln_peer *p, const struct ln_frame *f)
{
	char pubsub[LN_TOPIC_MAX];
	struct ln_msg m;
	struct fl_error err;

	switch (f->type) {
	case LN_F_RELAY:
	case LN_F_FILTER_PUSH:
		if (ln_frame_get_msg(f->f, f->n, pubsub, &m, &err) < 0) {
			ln_node_peer_drop(p, err.msg);
			return;
		}
		if (f->type == LN_F_RELAY && n->cfg.role != LN_ROLE_LIGHT)
			ln_relay_handle(n, pubsub, &m, p);
		else if (f->type == LN_F_FILTER_PUSH)
			filter_push_received(n, p, pubsub, &m);
		ln_msg_free(&m);
		break;
	case LN_F_STORE_REQ:
		on_store_req(n, p, f);
		break;
	case LN_F_PUSH_REQ:
		on_push_req(n, p, f);
		break;
	case LN_F_FILTER_SUB:
	case LN_F_FILTER_UNSUB:
		if (n->cfg.role == LN_ROLE_SERVICE)
			on_filter_sub(p, f, f->type == LN_F_FILTER_UNSUB);
		break;
	case LN_F_STORE_RESP:
	case LN_F_PUSH_RESP:
		on_response(n, f);
		break;
	default:
		break;
	}
}
