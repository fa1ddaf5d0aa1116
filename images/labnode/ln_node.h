/* A labnode: configuration, peers, relay, store/filter/lightpush services, and the hooks the
 * REST surface and the direct-message layer use. Everything runs on one ln_loop. */
#ifndef LN_NODE_H
#define LN_NODE_H

#include "common/cleanup.h"
#include "common/error.h"
#include "common/rng.h"
#include "images/labnode/ln_buf.h"
#include "images/labnode/ln_frame.h"
#include "images/labnode/ln_loop.h"
#include "images/labnode/ln_msg.h"
#include "images/labnode/ln_seen.h"
#include "images/labnode/ln_store.h"

#include <netinet/in.h>
#include <stdio.h>

#define LN_MAX_PEERS 256
#define LN_MAX_STATIC 64
#define LN_MAX_SUBS 64
#define LN_CACHE_MAX 1000
#define LN_DEFAULT_PUBSUB "/waku/2/default-waku/proto"

enum ln_role { LN_ROLE_RELAY, LN_ROLE_SERVICE, LN_ROLE_LIGHT };
enum ln_rel { LN_REL_MVDS = 1, LN_REL_STORE_RECOVERY = 2, LN_REL_SENT_CHECK = 4 };

struct ln_config {
	char name[64];
	enum ln_role role;
	char listen[64];
	char rest[64];
	char *peers[LN_MAX_STATIC];
	int n_peers;
	const char *events_path;
	const char *db_path;
	uint64_t seed;
	int has_seed;
	char key_hex[80];
	unsigned reliability;
	char pubsub[LN_TOPIC_MAX];
	int traces;
	int64_t keepalive_ms, keepalive_timeout_ms, backoff_base_ms, backoff_max_ms;
	int64_t seen_ttl_ms, request_timeout_ms, sleep_threshold_ms;
	long store_retention;
	int64_t mvds_base_ms, mvds_max_ms;
	int mvds_max_retries;
	int64_t recovery_interval_ms, recovery_window_ms, recovery_lag_ms;
	int64_t sentcheck_interval_ms, sentcheck_expiry_ms;
	const char *telemetry_url; /* --telemetry-url (ln_telemetry.c) */
	int64_t telemetry_period_ms;
	/* bounds of the outgoing direct messages kept for retransmission (ln_dm.c) */
	long dm_pending_max;
	uint64_t dm_pending_bytes;
	int64_t mvds_expiry_ms;
	/* REST connections (ln_rest_conns.h) */
	unsigned rest_max_conns;
	int64_t rest_idle_timeout_ms;
};

enum ln_peer_state { LN_PEER_IDLE, LN_PEER_CONNECTING, LN_PEER_HANDSHAKE, LN_PEER_UP };

struct ln_node;

struct ln_peer {
	struct ln_node *node;
	int used;
	int dead;	/* closed and not persistent: freed after the current batch */
	char addr[64];	/* dial address; "" for an inbound connection */
	int persistent; /* redial after loss */
	int fd;
	enum ln_peer_state state;
	unsigned attempts;
	int64_t next_dial_ms, last_rx_ms, up_ms, ping_sent_ms;
	char peer_id[64];
	char key[140];
	char listen_addr[64];
	int role;
	struct ln_buf in, out;
	int want_write, dirty;
	struct ln_io io;
	struct ln_timer timer;
	/* filter subscriptions held for this peer (service side) */
	char fsub_pubsub[LN_TOPIC_MAX];
	char (*fsub)[LN_TOPIC_MAX];
	int n_fsub;
};

/* A queue of received messages behind one REST subscription (relay or filter). */
struct ln_sub {
	int used;
	int kind; /* 0 relay pubsub topic, 1 relay content topic, 2 filter content topic */
	char topic[LN_TOPIC_MAX];
	struct ln_msg *msgs;
	char (*pubsubs)[LN_TOPIC_MAX];
	int n;
};

/* A request sent to a peer waiting for its answer (store, lightpush). */
struct ln_pending {
	int used;
	uint64_t reqid;
	int64_t deadline_ms;
	struct ln_peer *peer; /* the request fails at once if this peer goes away */
	/* fields == NULL: timed out or the peer went away */
	void (*cb)(struct ln_node *n, void *arg, const struct ln_field *fields, int nf);
	void *arg;
};

struct ln_dm;
struct ln_telemetry;

struct ln_node {
	struct ln_config cfg;
	struct ln_loop *loop;
	struct rng rng;
	char peer_id[64];
	uint8_t privkey[32];
	char pubkey[133]; /* "0x04" + 128 hex digits */
	int listen_fd;
	struct ln_io listen_io;
	struct ln_timer accept_retry; /* accepting paused: out of descriptors */
	struct sockaddr_in listen_sa;
	struct ln_peer *peers[LN_MAX_PEERS];
	struct ln_seen seen;
	struct ln_store *store;
	struct ln_sub subs[LN_MAX_SUBS];
	char filter_topics[LN_MAX_SUBS][LN_TOPIC_MAX]; /* light node: what to subscribe to */
	int n_filter_topics;
	struct ln_pending pending[256];
	uint64_t next_reqid;
	struct ln_timer tick;
	int64_t last_tick_ms; /* CLOCK_BOOTTIME */
	struct ln_buf scratch;
	FILE *events;
	struct ln_dm *dm;
	void *rest;
	struct ln_telemetry *telemetry; /* NULL unless --telemetry-url */
	unsigned long wakeups;
	unsigned long relayed, received;
};

/* --- ln_node.c: lifecycle and peers --- */
void ln_config_defaults(struct ln_config *c);
int ln_node_start(struct ln_node *n, struct ln_loop *loop, struct fl_error *err);
void ln_node_stop(struct ln_node *n);
/* Adds a persistent peer and dials it now. Returns 0, or -1 on a bad address. */
int ln_node_add_peer(struct ln_node *n, const char *addr, struct fl_error *err);
void ln_node_peer_drop(struct ln_peer *p, const char *why);
/* Queues a frame built in n->scratch (from mark) to p; flushed after the current batch. */
void ln_node_send(struct ln_peer *p, const struct ln_buf *frame);
void ln_node_flush(struct ln_node *n);
/* Fails every request still waiting for a peer (their callbacks get NULL): at shutdown, so
 * suspended HTTP requests are answered before the REST daemon stops. */
void ln_node_cancel_requests(struct ln_node *n);
int ln_node_count_up(struct ln_node *n, int relay_only);
/* The first connected service peer, or NULL. */
struct ln_peer *ln_node_service_peer(struct ln_node *n);
/* One of nwaku's log statements, as its chronicles text line shows it. */
struct ln_trace {
	const char *level, *msg, *topics, *file; /* "NTC", "received relay message", … */
};

/* The nwaku statements labnode mirrors (waku-org/nwaku v0.36.0: level, message, logScope
 * topics, file:line of the statement). */
extern const struct ln_trace LN_TR_RELAY_RECV, LN_TR_RELAY_SENT, LN_TR_FILTER_HANDLE,
    LN_TR_FILTER_PUSH_RECV, LN_TR_LIGHTPUSH, LN_TR_STORE_QUERY;

/* A fleet trace line on stdout in nim-chronicles' textlines layout (log_output.nim as
 * vendored by nwaku v0.36.0): "NTC 2024-10-24 08:59:24.001+00:00 <msg padded to 42>
 * topics=\"…\" tid=<n> file=<f> " then fmt's key=value pairs. */
void ln_node_trace(struct ln_node *n, const struct ln_trace *t, const char *fmt, ...)
    FL_PRINTF(3, 4);
void ln_node_event(struct ln_node *n, const char *event, const char *id, const char *hash,
		   const char *kind, const char *peer, const char *text);
/* Registers a pending request; returns its id. */
uint64_t ln_node_pending_add(struct ln_node *n, struct ln_peer *peer,
			     void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
			     void *arg);

/* --- ln_relay.c: relay, store, lightpush, filter --- */
/* Publishes (from == NULL) or handles a relayed message. Returns 1 if new, 0 if a duplicate. */
int ln_relay_handle(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
		    struct ln_peer *from);
/* Forwards m to the relay peers even though this node has seen it (sent-check republish). */
void ln_relay_forward(struct ln_node *n, const char *pubsub, const struct ln_msg *m);
void ln_relay_frame(struct ln_node *n, struct ln_peer *p, const struct ln_frame *f);
/* A light node's (or anyone's) lightpush to a service peer; cb gets the PUSH_RESP fields. */
int ln_relay_lightpush(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
		       void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
		       void *arg);
/* Sends a store query to a service peer (or answers locally on a service node). */
int ln_relay_store_query(struct ln_node *n, const struct ln_store_query *q,
			 void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
			 void *arg);
/* The same, to one peer (NULL: as ln_relay_store_query; answered locally when `here`). */
int ln_relay_store_query_at(struct ln_node *n, struct ln_peer *peer, int here,
			    const struct ln_store_query *q,
			    void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
			    void *arg);
/* ln_store_peer.c: peerAddr of a store query ("/ip4/A/tcp/P…", "A:P", "A") → a connected
 * service peer (1, *peer set), this node itself when it has a store (0), or -1: none. */
int ln_store_peer_find(struct ln_node *n, const char *addr, struct ln_peer **peer);
/* Store query answers as fields: decodes a STORE_RESP into page (code = HTTP-like status). */
int ln_relay_decode_page(const struct ln_field *f, int nf, struct ln_store_page *page, int *code,
			 char *desc, size_t desc_cap);
void ln_relay_on_peer_up(struct ln_node *n, struct ln_peer *p);
void ln_relay_peer_gone(struct ln_node *n, struct ln_peer *p);
void ln_relay_filter_sync(struct ln_node *n);
struct ln_sub *ln_relay_sub_find(struct ln_node *n, int kind, const char *topic);
struct ln_sub *ln_relay_sub_add(struct ln_node *n, int kind, const char *topic);
void ln_relay_sub_del(struct ln_node *n, int kind, const char *topic);
void ln_relay_sub_clear(struct ln_sub *s);

#endif
