/* Direct messages between node identities and the three reliability layers:
 *   mvds           ids, acks, retransmission on base·2^(n−1) (jittered, capped) until acked;
 *                  schedules reset when our links come back or the peer is heard from; no
 *                  retries counted while this node is offline; `failed` after the last one.
 *   store-recovery periodic store hash queries over [now−window, now−lag] on our own topic,
 *                  fetching the missing messages; a catch-up after reconnection or wake-up.
 *   sent-check     after each publish, store presence checks every interval until expiry,
 *                  republishing (same hash) while the store does not have it.
 * A direct message is a Waku message on the recipient's content topic whose payload is JSON:
 *   {"t":"m","id":"0x…","k":"dm","from":"0x04…","text":"…","ack":1}   (a message)
 *   {"t":"a","ids":["0x…"],"from":"0x04…"}                           (an acknowledgement) */
#include "images/labnode/ln_dm.h"

#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "images/labnode/ln_backoff.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_statuscli.h"
#include "images/labnode/ln_sha256.h"
#include "images/labnode/ln_telemetry.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum out_state { OUT_PENDING, OUT_DELIVERED, OUT_FAILED };

struct dm_out {
	char id[67];
	char to[140];
	enum ln_dm_kind kind;
	int want_accept; /* the payload asks the receiver to accept (LN_DM_WANT_ACCEPT) */
	char *text;
	enum out_state state;
	int mvds;
	unsigned attempts;
	int64_t next_ms; /* next mvds transmission; 0 = none */
	/* sent-check of the latest transmission */
	struct ln_msg msg;
	uint8_t hash[LN_HASH_LEN];
	int64_t check_ms, expire_ms; /* 0 = not checking */
	int check_inflight;
	int64_t first_ms; /* first transmission: --mvds-expiry counts from here */
	size_t bytes;	  /* what the record holds (text, envelope), in the queue's total */
	int dropped;	  /* given up (expired or evicted): freed once no store query holds it */
};

struct ln_dm {
	struct dm_out **out;
	int n_out, cap;
	size_t bytes;	       /* sum of the records' bytes (--dm-pending-bytes) */
	struct ln_seen ids;    /* message ids handed to the app */
	struct ln_seen hashes; /* Waku hashes of direct messages already processed */
	char topic[LN_TOPIC_MAX];
	struct ln_timer timer, recovery;
	uint64_t counter;
	int recovery_inflight, catchup_pending;
	int64_t last_recovery_ms;
};

static const char *const kind_names[] = {"dm",	  "contact-request", "join-request",
					 "group", "accept",	     "community"};

const char *ln_dm_kind_name(enum ln_dm_kind k)
{
	return k < LN_DM_KIND_MAX ? kind_names[k] : "dm";
}

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	ln_sha256(p, n, out);
}

void ln_dm_topic(const char *key, char out[LN_TOPIC_MAX])
{
	uint8_t h[32];
	char hex[17];

	sha256(key, strlen(key), h);
	ln_buf_hex(h, 8, hex);
	snprintf(out, LN_TOPIC_MAX, "/labnode/1/dm-%s/proto", hex);
}

static int key_valid(const char *k)
{
	uint8_t b[65];

	return strlen(k) == 132 && !strncmp(k, "0x04", 4) && ln_buf_unhex(k, b, 65) == 65;
}

static int online(struct ln_node *n)
{
	return n->cfg.role == LN_ROLE_LIGHT ? ln_node_service_peer(n) != NULL
					    : ln_node_count_up(n, 1) > 0;
}

static int id_bytes(const char *id, uint8_t out[32])
{
	return ln_buf_unhex(id, out, 32) == 32 ? 0 : -1;
}

static void rearm(struct ln_node *n);

/* Publishes m on the node's pubsub topic: relay, or lightpush from a light node.
 * republish: forward even though this node has seen the hash (sent-check). */
static void publish(struct ln_node *n, struct ln_msg *m, int republish)
{
	if (n->cfg.role == LN_ROLE_LIGHT) {
		ln_telemetry_lightpush(n, n->cfg.pubsub, m);
		return;
	}
	if (republish)
		ln_relay_forward(n, n->cfg.pubsub, m);
	else
		ln_relay_handle(n, n->cfg.pubsub, m, NULL);
	ln_telemetry_published(n, n->cfg.pubsub, m);
}

static void build_msg(struct ln_node *n, const char *to, const char *payload, struct ln_msg *m)
{
	memset(m, 0, sizeof(*m));
	ln_dm_topic(to, m->content_topic);
	/* a fresh timestamp per transmission: a resend is a new envelope with a new hash */
	m->timestamp = (int64_t)fltime_real_ns() + (int64_t)(n->dm->counter++ % 1000);
	ln_msg_set_payload(m, payload, strlen(payload));
}

static char *dm_payload(struct ln_node *n, const char *id, enum ln_dm_kind kind, const char *text,
			int ack, int want_accept)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "t", "m", "id", id, "k",
			      kind_names[kind], "from", n->pubkey, "text", text, "ack", ack);
	char *payload;

	if (want_accept)
		json_object_set_new(j, "acc", json_integer(1));
	payload = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return payload;
}

/* Sets what o holds (its text, and its envelope while a sent-check may republish it) in the
 * queue's byte count. */
static void account(struct ln_dm *d, struct dm_out *o)
{
	size_t b = sizeof(*o) + (o->text ? strlen(o->text) + 1 : 0) + o->msg.payload_len;

	d->bytes = d->bytes - o->bytes + b;
	o->bytes = b;
}

static void transmit(struct ln_node *n, struct dm_out *o)
{
	struct ln_dm *d = n->dm;
	char *payload = dm_payload(n, o->id, o->kind, o->text, o->mvds, o->want_accept);

	ln_msg_free(&o->msg);
	build_msg(n, o->to, payload, &o->msg);
	free(payload);
	ln_msg_hash(n->cfg.pubsub, &o->msg, o->hash);
	ln_seen_check_add(&d->hashes, o->hash, ln_loop_now_ms());
	publish(n, &o->msg, 0);
	if (n->cfg.reliability & LN_REL_SENT_CHECK) {
		int64_t now = ln_loop_now_ms();
		o->check_ms = now + n->cfg.sentcheck_interval_ms;
		o->expire_ms = now + n->cfg.sentcheck_expiry_ms;
	} else {
		ln_msg_free(&o->msg); /* only a sent-check republishes the same envelope */
	}
	account(d, o);
}

static struct dm_out *out_new(struct ln_dm *d)
{
	if (d->n_out == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->out = fl_xreallocarray(d->out, (size_t)d->cap, sizeof(*d->out));
	}
	struct dm_out *o = fl_xcalloc(1, sizeof(*o));
	d->out[d->n_out++] = o;
	return o;
}

static void make_id(struct ln_node *n, const char *text, char out[67])
{
	char buf[512];
	uint8_t h[32];

	snprintf(buf, sizeof(buf), "%s|%llu|%llu|%.200s", n->pubkey,
		 (unsigned long long)fltime_real_ns(), (unsigned long long)n->dm->counter++, text);
	sha256(buf, strlen(buf), h);
	ln_msg_hash_hex(h, out);
}

static void bound_queue(struct ln_node *n, const struct dm_out *keep);

int ln_dm_send(struct ln_node *n, enum ln_dm_kind kind, const char *const *to, int n_to,
	       const char *text, unsigned flags, char id_out[67], char hash_out[67],
	       struct fl_error *err)
{
	char hex[67], *payload;
	size_t len;

	for (int i = 0; i < n_to; i++)
		if (!key_valid(to[i]) && !ln_statuscli_community_id(to[i]))
			return fl_err(
			    err, "recipient %d is not a public key (0x04 + 128 hex digits)", i);
	make_id(n, text, id_out);
	/* what cannot travel is refused here: peers drop a link that carries a payload over
	 * LN_PAYLOAD_MAX (Waku's 150 KiB), and the record would be retransmitted forever */
	payload = dm_payload(n, id_out, kind, text, 1, (flags & LN_DM_WANT_ACCEPT) != 0);
	len = payload ? strlen(payload) : 0;
	free(payload);
	if (!len || len > LN_PAYLOAD_MAX)
		return fl_err(err, "message too large: its payload is %zu bytes, at most %d", len,
			      LN_PAYLOAD_MAX);
	hash_out[0] = '\0';
	ln_node_say(n, NULL, "sent message: %s (ID=%s)", text, id_out);
	for (int i = 0; i < n_to; i++) {
		if (!strcmp(to[i], n->pubkey) && n_to > 1)
			continue; /* a group send skips the sender itself */
		struct dm_out *o = out_new(n->dm);
		snprintf(o->id, sizeof(o->id), "%s", id_out);
		snprintf(o->to, sizeof(o->to), "%s", to[i]);
		o->kind = kind;
		o->want_accept = (flags & LN_DM_WANT_ACCEPT) != 0;
		o->text = fl_xstrdup(text);
		o->mvds = (n->cfg.reliability & LN_REL_MVDS) != 0;
		o->first_ms = ln_loop_now_ms();
		transmit(n, o);
		ln_msg_hash_hex(o->hash, hex);
		if (!hash_out[0])
			memcpy(hash_out, hex, 67);
		ln_node_event(n, "sent", o->id, hex, kind_names[kind], o->to, text);
		if (o->mvds) {
			o->attempts = 0;
			o->next_ms =
			    ln_loop_now_ms() + ln_backoff_delay_ms(n->cfg.mvds_base_ms,
								   n->cfg.mvds_max_ms, 1, &n->rng);
		}
		bound_queue(n, o);
	}
	rearm(n);
	return 0;
}

/* --- receiving --- */

static void send_ack(struct ln_node *n, const char *to, const char *id)
{
	json_t *j = json_pack("{s:s, s:[s], s:s}", "t", "a", "ids", id, "from", n->pubkey);
	char *payload = json_dumps(j, JSON_COMPACT);
	struct ln_msg m;
	uint8_t h[LN_HASH_LEN];

	json_decref(j);
	build_msg(n, to, payload, &m);
	free(payload);
	ln_msg_hash(n->cfg.pubsub, &m, h);
	publish(n, &m, 0);
	ln_msg_free(&m);
}

/* The peer was heard from: a long back-off towards it starts over (MVDS resets on online). */
static void peer_heard(struct ln_node *n, const char *key)
{
	struct ln_dm *d = n->dm;
	int64_t now = ln_loop_now_ms();

	for (int i = 0; i < d->n_out; i++) {
		struct dm_out *o = d->out[i];
		if (!o->mvds || o->state == OUT_DELIVERED || o->dropped || strcmp(o->to, key))
			continue;
		/* only a grown back-off: a fresh message's first wait stays as it is */
		if (o->state == OUT_FAILED ||
		    (o->attempts >= 2 && o->next_ms > now + n->cfg.mvds_base_ms)) {
			o->state = OUT_PENDING;
			o->attempts = 0;
			o->next_ms = now;
		}
	}
}

static void on_ack(struct ln_node *n, json_t *j, const char *from)
{
	struct ln_dm *d = n->dm;
	json_t *ids = json_object_get(j, "ids"), *v;
	size_t k;
	char hex[67];

	json_array_foreach(ids, k, v) {
		const char *id = json_string_value(v);
		for (int i = 0; id && i < d->n_out; i++) {
			struct dm_out *o = d->out[i];
			if (o->state == OUT_DELIVERED || o->dropped || strcmp(o->id, id) ||
			    (strcmp(o->to, from) && !ln_statuscli_community_owned_by(o->to, from)))
				continue;
			o->state = OUT_DELIVERED;
			o->next_ms = 0;
			ln_msg_hash_hex(o->hash, hex);
			ln_node_say(n, "status-cli/serve.go:92", "message delivered: %s", o->id);
			ln_node_event(n, "delivered", o->id, hex, kind_names[o->kind], from, NULL);
		}
	}
}

/* The receiver accepts a request that asked for it (status-go's wakuext_acceptContactRequest /
 * the owner's wakuext_acceptRequestToJoinCommunity, done on receipt): an acceptance DM back to
 * the requester whose text is the request's first word (the plan's message id) + ".accept". */
static void accept_request(struct ln_node *n, const char *from, const char *text)
{
	char reply[96], mid[67], hash[67];
	size_t w = strcspn(text, " ");
	struct fl_error err;

	snprintf(reply, sizeof(reply), "%.*s.accept", (int)(w < 80 ? w : 80), text);
	if (ln_dm_send(n, LN_DM_ACCEPT, &from, 1, reply, 0, mid, hash, &err) < 0)
		log_warn("accepting %s: %s", reply, err.msg);
}

static void on_dm(struct ln_node *n, json_t *j, const char *from, const char *hashhex,
		  int recovered)
{
	struct ln_dm *d = n->dm;
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *text = json_string_value(json_object_get(j, "text"));
	const char *kind = json_string_value(json_object_get(j, "k"));
	uint8_t idb[32];

	if (!id || !text || id_bytes(id, idb) < 0)
		return;
	if (json_is_true(json_object_get(j, "ack")) ||
	    json_integer_value(json_object_get(j, "ack")))
		send_ack(n, from, id); /* also for a duplicate: the first ack may have been lost */
	if (ln_seen_check_add(&d->ids, idb, ln_loop_now_ms()))
		return; /* a retransmission already delivered to the app */
	if (recovered)
		ln_node_event(n, "recovered", id, hashhex, kind ? kind : "dm", from, text);
	if (ln_statuscli_community_dm(n, kind, from, text))
		return; /* status-cli shows no line for a community's own messages */
	ln_node_say(n, "status-cli/serve.go:70", "message received: %s (ID=%s)", text, id);
	ln_node_event(n, "received", id, hashhex, kind ? kind : "dm", from, text);
	if (json_integer_value(json_object_get(j, "acc")) && kind &&
	    (!strcmp(kind, "contact-request") || !strcmp(kind, "join-request")))
		accept_request(n, from, text);
}

static void dm_receive(struct ln_node *n, const struct ln_msg *m, const uint8_t *hash,
		       int recovered)
{
	struct ln_dm *d = n->dm;
	json_t *j;
	const char *t, *from;
	char hex[67];

	if (!d ||
	    (strcmp(m->content_topic, d->topic) && !ln_statuscli_community_topic(m->content_topic)))
		return;
	if (ln_seen_check_add(&d->hashes, hash, ln_loop_now_ms()))
		return;
	j = json_loadb((const char *)m->payload, m->payload_len, 0, NULL);
	t = json_string_value(json_object_get(j, "t"));
	from = json_string_value(json_object_get(j, "from"));
	if (t && from && key_valid(from)) {
		ln_msg_hash_hex(hash, hex);
		peer_heard(n, from);
		ln_telemetry_received(n, m, hex, j);
		if (!strcmp(t, "m"))
			on_dm(n, j, from, hex, recovered);
		else if (!strcmp(t, "a"))
			on_ack(n, j, from);
	}
	json_decref(j);
	rearm(n);
}

void ln_dm_on_message(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
		      const uint8_t hash[LN_HASH_LEN])
{
	dm_receive(n, m, hash, 0);
}

/* --- store recovery --- */

static struct ln_store_query rq;
static struct ln_store_page rpage;

static void recovery_hashes(struct ln_node *n, void *arg, const struct ln_field *f, int nf);

static void recovery_data(struct ln_node *n, void *arg, const struct ln_field *f, int nf)
{
	struct ln_dm *d = n->dm;
	char desc[256];
	int code;

	if (f && ln_relay_decode_page(f, nf, &rpage, &code, desc, sizeof(desc)) == 0 && code == 200)
		for (int i = 0; i < rpage.n; i++)
			if (rpage.e[i].msg.content_topic[0])
				dm_receive(n, &rpage.e[i].msg, rpage.e[i].hash, 1);
	ln_store_page_free(&rpage);
	d->recovery_inflight = 0;
}

/* Pages through the hashes in the window; asks for the data of the ones not seen yet. */
static void recovery_hashes(struct ln_node *n, void *arg, const struct ln_field *f, int nf)
{
	struct ln_dm *d = n->dm;
	static struct ln_store_query fetch;
	char desc[256];
	int code;

	d->recovery_inflight = 0;
	if (!f || ln_relay_decode_page(f, nf, &rpage, &code, desc, sizeof(desc)) < 0 ||
	    code != 200) {
		ln_store_page_free(&rpage);
		return;
	}
	memset(&fetch, 0, sizeof(fetch));
	fetch.include_data = 1;
	fetch.page_size = LN_STORE_PAGE_MAX;
	for (int i = 0; i < rpage.n; i++)
		if (!ln_seen_contains(&d->hashes, rpage.e[i].hash, ln_loop_now_ms()))
			memcpy(fetch.hashes[fetch.n_hashes++], rpage.e[i].hash, LN_HASH_LEN);
	rq.has_cursor = rpage.has_cursor;
	memcpy(rq.cursor, rpage.cursor, LN_HASH_LEN);
	ln_store_page_free(&rpage);
	if (fetch.n_hashes) {
		d->recovery_inflight = 1;
		if (ln_relay_store_query(n, &fetch, recovery_data, NULL) < 0)
			d->recovery_inflight = 0;
	}
	if (rq.has_cursor && !d->recovery_inflight) {
		d->recovery_inflight = 1;
		if (ln_relay_store_query(n, &rq, recovery_hashes, NULL) < 0)
			d->recovery_inflight = 0;
	}
}

static void recovery_start(struct ln_node *n, int catchup)
{
	struct ln_dm *d = n->dm;
	int64_t now_ns = (int64_t)fltime_real_ns();

	if (d->recovery_inflight)
		return;
	memset(&rq, 0, sizeof(rq));
	snprintf(rq.pubsub, sizeof(rq.pubsub), "%s", n->cfg.pubsub);
	snprintf(rq.ctopics[0], LN_TOPIC_MAX, "%s", d->topic);
	rq.n_ctopics = 1;
	rq.start_ns = now_ns - n->cfg.recovery_window_ms * 1000000;
	rq.end_ns = catchup ? 0 : now_ns - n->cfg.recovery_lag_ms * 1000000;
	rq.page_size = LN_STORE_PAGE_MAX;
	rq.ascending = 1;
	d->last_recovery_ms = ln_loop_now_ms();
	d->recovery_inflight = 1;
	if (ln_relay_store_query(n, &rq, recovery_hashes, NULL) < 0)
		d->recovery_inflight = 0;
}

static void recovery_timer(struct ln_timer *t)
{
	struct ln_node *n = t->arg;
	int catchup = n->dm->catchup_pending;

	if (n->dm->recovery_inflight && catchup) { /* a query is still out: catch up after it */
		ln_loop_timer_at(n->loop, t, ln_loop_now_ms() + 500);
		return;
	}
	n->dm->catchup_pending = 0;
	recovery_start(n, catchup);
	ln_loop_timer_at(n->loop, t, ln_loop_now_ms() + n->cfg.recovery_interval_ms);
}

static void catch_up_soon(struct ln_node *n)
{
	struct ln_dm *d = n->dm;

	if (!d || !(n->cfg.reliability & LN_REL_STORE_RECOVERY))
		return;
	/* coalesces the peer-ups of one reconnection */
	d->catchup_pending = 1;
	ln_loop_timer_at(n->loop, &d->recovery, ln_loop_now_ms() + 300);
}

/* --- mvds retransmission and sent-check --- */

static void check_done(struct ln_node *n, void *arg, const struct ln_field *f, int nf)
{
	struct dm_out *o = arg;
	char desc[256], hex[67];
	int code = 0;

	o->check_inflight = 0;
	if (o->dropped)
		return; /* given up while the query was out: freed at the next tick */
	o->check_ms = ln_loop_now_ms() + n->cfg.sentcheck_interval_ms;
	if (!f || ln_relay_decode_page(f, nf, &rpage, &code, desc, sizeof(desc)) < 0 ||
	    code != 200) {
		ln_store_page_free(&rpage);
		rearm(n);
		return; /* no answer: ask again next interval */
	}
	if (rpage.n > 0) {
		o->check_ms = 0; /* the store has it */
		ln_msg_free(&o->msg);
		account(n->dm, o);
	} else {
		ln_msg_hash_hex(o->hash, hex);
		log_info("sent-check: store lacks %s, republishing", hex);
		publish(n, &o->msg, 1);
		ln_node_event(n, "retransmit", o->id, hex, kind_names[o->kind], o->to, NULL);
	}
	ln_store_page_free(&rpage);
	rearm(n);
}

static void sent_check(struct ln_node *n, struct dm_out *o, int64_t now)
{
	static struct ln_store_query q;

	if (now > o->expire_ms || o->state == OUT_DELIVERED) {
		o->check_ms = 0;
		ln_msg_free(&o->msg);
		account(n->dm, o);
		return;
	}
	memset(&q, 0, sizeof(q));
	memcpy(q.hashes[0], o->hash, LN_HASH_LEN);
	q.n_hashes = 1;
	q.ascending = 1;
	o->check_inflight = 1;
	o->check_ms = now + n->cfg.sentcheck_interval_ms;
	if (ln_relay_store_query(n, &q, check_done, o) < 0)
		o->check_inflight = 0;
}

static void retransmit(struct ln_node *n, struct dm_out *o, int64_t now)
{
	char hex[67];

	if (!online(n)) {
		o->next_ms = 0; /* offline: no retry counted; peer-up resumes the schedule */
		return;
	}
	if (o->attempts >= (unsigned)n->cfg.mvds_max_retries) {
		o->state = OUT_FAILED;
		o->next_ms = 0;
		ln_msg_hash_hex(o->hash, hex);
		ln_node_event(n, "failed", o->id, hex, kind_names[o->kind], o->to, o->text);
		log_warn("message %s to %.20s… failed after %u retries", o->id, o->to, o->attempts);
		return;
	}
	o->attempts++;
	transmit(n, o);
	ln_msg_hash_hex(o->hash, hex);
	ln_node_event(n, "retransmit", o->id, hex, kind_names[o->kind], o->to, NULL);
	o->next_ms = now + ln_backoff_delay_ms(n->cfg.mvds_base_ms, n->cfg.mvds_max_ms,
					       o->attempts + 1, &n->rng);
}

/* Gives up on o (expired, or evicted from a full queue): a `failed` event for an mvds message
 * not yet acknowledged nor failed, and its text and envelope freed at once; the record goes at
 * the next tick, once no store query holds it. */
static void give_up(struct ln_node *n, struct dm_out *o, const char *why)
{
	struct ln_dm *d = n->dm;
	char hex[67];

	if (o->mvds && o->state == OUT_PENDING) {
		ln_msg_hash_hex(o->hash, hex);
		ln_node_event(n, "failed", o->id, hex, kind_names[o->kind], o->to, o->text);
		log_warn("message %s to %.20s… dropped: %s", o->id, o->to, why);
	}
	if (o->state != OUT_DELIVERED)
		o->state = OUT_FAILED;
	o->dropped = 1;
	o->next_ms = o->check_ms = 0;
	free(o->text);
	o->text = NULL;
	ln_msg_free(&o->msg);
	d->bytes -= o->bytes;
	o->bytes = 0;
}

static int queue_over(struct ln_node *n, long live)
{
	const struct ln_config *c = &n->cfg;

	return (c->dm_pending_max > 0 && live > c->dm_pending_max) ||
	       (c->dm_pending_bytes > 0 && n->dm->bytes > c->dm_pending_bytes);
}

/* --dm-pending-max / --dm-pending-bytes: the oldest failed records go first, then the oldest
 * others; keep (the message just sent) stays even when it alone is over the bytes cap. */
static void bound_queue(struct ln_node *n, const struct dm_out *keep)
{
	struct ln_dm *d = n->dm;
	long live = 0;

	for (int i = 0; i < d->n_out; i++)
		live += !d->out[i]->dropped;
	for (int pass = 0; pass < 2 && queue_over(n, live); pass++) {
		for (int i = 0; i < d->n_out && queue_over(n, live); i++) {
			struct dm_out *o = d->out[i];
			if (o == keep || o->dropped || (pass == 0 && o->state != OUT_FAILED))
				continue;
			give_up(n, o, "the pending queue is full (--dm-pending-max/-bytes)");
			live--;
		}
	}
}

/* A record is done once nothing is left to do with it: acknowledged (or sent without mvds)
 * and no longer checked, or given up. */
static int record_done(const struct dm_out *o)
{
	if (o->check_inflight)
		return 0;
	return o->dropped || (!o->check_ms && (o->state == OUT_DELIVERED || !o->mvds));
}

static void dm_tick(struct ln_timer *t)
{
	struct ln_node *n = t->arg;
	struct ln_dm *d = n->dm;
	int64_t now = ln_loop_now_ms();
	int k = 0;

	for (int i = 0; i < d->n_out; i++) {
		struct dm_out *o = d->out[i];
		if (o->dropped)
			continue;
		if (o->mvds && o->state != OUT_DELIVERED && n->cfg.mvds_expiry_ms > 0 &&
		    now - o->first_ms >= n->cfg.mvds_expiry_ms) {
			give_up(n, o, "expired (--mvds-expiry)");
			continue;
		}
		if (o->state == OUT_PENDING && o->mvds && o->next_ms && o->next_ms <= now)
			retransmit(n, o, now);
		if (o->check_ms && !o->check_inflight && o->check_ms <= now)
			sent_check(n, o, now);
	}
	for (int i = 0; i < d->n_out; i++) {
		struct dm_out *o = d->out[i];
		if (record_done(o)) {
			d->bytes -= o->bytes;
			ln_msg_free(&o->msg);
			free(o->text);
			free(o);
		} else {
			d->out[k++] = o;
		}
	}
	d->n_out = k;
	rearm(n);
}

static void rearm(struct ln_node *n)
{
	struct ln_dm *d = n->dm;
	int64_t min = -1, due;

	for (int i = 0; i < d->n_out; i++) {
		struct dm_out *o = d->out[i];
		if (record_done(o)) { /* free it soon */
			min = ln_loop_now_ms();
			break;
		}
		if (o->state == OUT_PENDING && o->mvds && o->next_ms &&
		    (min < 0 || o->next_ms < min))
			min = o->next_ms;
		if (o->check_ms && !o->check_inflight && (min < 0 || o->check_ms < min))
			min = o->check_ms;
		due = o->first_ms + n->cfg.mvds_expiry_ms;
		if (o->mvds && o->state != OUT_DELIVERED && !o->dropped &&
		    n->cfg.mvds_expiry_ms > 0 && (min < 0 || due < min))
			min = due;
	}
	if (min >= 0)
		ln_loop_timer_at(n->loop, &d->timer, min);
	else
		ln_loop_timer_cancel(n->loop, &d->timer);
}

/* Our connectivity came back: every unacknowledged message (failed ones too) goes out again
 * with a fresh schedule. */
static void resume_all(struct ln_node *n)
{
	struct ln_dm *d = n->dm;
	int64_t now = ln_loop_now_ms();

	for (int i = 0; i < d->n_out; i++) {
		struct dm_out *o = d->out[i];
		if (!o->mvds || o->state == OUT_DELIVERED || o->dropped)
			continue;
		o->state = OUT_PENDING;
		o->attempts = 0;
		o->next_ms = now + 200; /* let the other links of a reconnection come up */
	}
	rearm(n);
}

/* --- hooks --- */

int ln_dm_init(struct ln_node *n, struct fl_error *err)
{
	struct ln_dm *d = fl_xcalloc(1, sizeof(*d));
	int64_t now = ln_loop_now_ms(), ttl = 2 * n->cfg.recovery_window_ms;

	n->dm = d;
	if (ttl < 2 * n->cfg.mvds_max_ms)
		ttl = 2 * n->cfg.mvds_max_ms;
	ln_seen_init(&d->ids, ttl, now);
	ln_seen_init(&d->hashes, ttl, now);
	ln_dm_topic(n->pubkey, d->topic);
	d->timer.cb = dm_tick;
	d->timer.arg = n;
	d->recovery.cb = recovery_timer;
	d->recovery.arg = n;
	if (n->cfg.role == LN_ROLE_LIGHT && n->n_filter_topics < LN_MAX_SUBS)
		snprintf(n->filter_topics[n->n_filter_topics++], LN_TOPIC_MAX, "%s", d->topic);
	if (n->cfg.reliability & LN_REL_STORE_RECOVERY)
		ln_loop_timer_at(n->loop, &d->recovery, now + n->cfg.recovery_interval_ms);
	ln_node_say(n, "status-cli/util.go:94", "messenger started, public key: %s", n->pubkey);
	return 0;
}

void ln_dm_free(struct ln_node *n)
{
	struct ln_dm *d = n->dm;

	if (!d)
		return;
	ln_loop_timer_cancel(n->loop, &d->timer);
	ln_loop_timer_cancel(n->loop, &d->recovery);
	for (int i = 0; i < d->n_out; i++) {
		ln_msg_free(&d->out[i]->msg);
		free(d->out[i]->text);
		free(d->out[i]);
	}
	free(d->out);
	ln_seen_free(&d->ids);
	ln_seen_free(&d->hashes);
	free(d);
	n->dm = NULL;
}

void ln_dm_peer_up(struct ln_node *n, struct ln_peer *p)
{
	if (!n->dm || p->role == LN_ROLE_LIGHT)
		return;
	resume_all(n);
	catch_up_soon(n);
}

void ln_dm_peer_down(struct ln_node *n, struct ln_peer *p)
{
}

void ln_dm_wakeup(struct ln_node *n)
{
	if (!n->dm)
		return;
	resume_all(n);
	catch_up_soon(n);
}
