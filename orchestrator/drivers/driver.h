/* Drivers: how the run talks to one node's control surfaces (docs/LABNODE.md). One small vtable per
 * node family — labnode (REST + status-cli JSON-RPC), waku-rest (nwaku / go-waku REST) — so the
 * run loop never sees URLs or JSON.
 *
 * Every request goes through libcurl with the socket opened by the caller's factory. A run
 * opens every driver socket inside the node's own network namespace (driver_node_netns,
 * nodesock.c; both runtimes), so control surfaces bound to the node's loopback answer (real
 * status-cli's JSON-RPC is 127.0.0.1 only, nwaku's REST defaults to 127.0.0.1) and requests
 * go to http://127.0.0.1:<port>. Requests are synchronous and bounded by node->timeout_ms. */
#ifndef FL_DRIVER_H
#define FL_DRIVER_H

#include "common/error.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Opens a socket from which node addresses are reachable (socket(2) arguments); -1 on error. */
typedef int (*driver_socket_fn)(void *ctx, int domain, int type, int protocol);

struct driver_node {
	char name[64];
	char address[16];    /* node address (IPv4 dotted) */
	char host[16];	     /* where requests go: "127.0.0.1" inside the node's namespace,
			      * "" = address (a socket factory outside the node) */
	int rest_port;	     /* REST / JSON-RPC port, 8645 by default */
	long timeout_ms;     /* per request; 0 = 2000 */
	char key[192];	     /* the node's messaging identity ("0x04…"), filled by identity() */
	char log_path[4096]; /* the node's stdout.log (labnode prints its key there) */
	driver_socket_fn open_socket; /* NULL: plain socket(2) */
	void *socket_ctx;
	const volatile int *cancel; /* when set and *cancel != 0, requests in flight abort */
	char role[16]; /* relay | service | light (where a node receives raw messages) */
	/* Polled receipts are written only when accept(ctx, n, text) says 1 (NULL: all): a
	 * node's own raw messages come back to its own subscription, and only the planned
	 * recipients count. */
	int (*accept)(void *ctx, const struct driver_node *n, const char *text);
	void *accept_ctx;
	void *priv;		    /* driver state, freed by driver_node_release */
	struct driver_netns *netns; /* node-namespace sockets (nodesock.c), NULL = none */
	/* Set by driver_node_restarted: the node started again, so its identity and its
	 * subscriptions are re-read / made again by the driver (log_from: its log's size at the
	 * restart; lines before it belong to the previous process). key_mu guards key. */
	int stale;
	long log_from;
	/* A warning the run journals (type "driver-warning") and clears, e.g. a receipt poll
	 * that may have lost messages to the node's cache. Written under the run's mu. */
	char warning[512];
	long polled_raw; /* messages driver_poll_raw saw, accepted or not (adds up) */
	int poll_soon;	 /* the driver's ask: poll this node at the run's fastest tick (250 ms) */
	pthread_mutex_t key_mu;
};

/* What a send returned. */
struct driver_sent {
	char node_msg_id[160]; /* the id the node gave the message ("" if none) */
	char hash[80];	       /* 0x… message hash when known, else "" */
};

/* What a driver needs to write a node's command line (see driver_ops.launch_args). */
struct driver_launch {
	const char *name, *role;
	const char *reliability;  /* comma list, "" = none */
	uint64_t seed;		  /* the plan's seed (identities derive from it) */
	const char *const *peers; /* addresses of the nodes this node dials */
	size_t n_peers;
	const char *telemetry_url; /* the run's collector (telemetry: on), else NULL */
};

/* The node's identity seed, in decimal, in this file of its data dir (mode 0600), written by
 * the run before the node starts (run_setup.c): a secret stays off command lines. */
#define DRIVER_IDENTITY_FILE "identity.seed"
/* The identity seed of node `name` in a plan with `seed` (stable across runs of one seed). */
uint64_t driver_identity_seed(uint64_t seed, const char *name);

/* Appends one argument (copied) to the command line being built. */
typedef void (*driver_push_fn)(void *ctx, const char *arg);

enum {
	DRIVER_ACCEPTS_CONTACT = 1u << 0, /* contact-request: the receiver accepts */
	DRIVER_ACCEPTS_JOIN = 1u << 1,	  /* join-request: the community owner accepts */
};

struct driver_ops {
	const char *name; /* "labnode" | "jswaku" | "waku-rest" | "status-cli" */
	/* The layers of the scenario's `reliability:` list the node takes, NULL-terminated; NULL
	 * when it takes none (the planner writes the list into plan.json only for nodes that
	 * take some; the validator refuses a layer the node's driver does not list). */
	const char *const *reliability;
	/* The scenario roles the node can play, NULL-terminated; NULL: every role. */
	const char *const *roles;
	/* The wire protocol between nodes ("labnode": labnode's own, "waku": libp2p + Waku);
	 * the validator refuses a link between nodes of two different wires. NULL: unknown (any
	 * link is allowed). */
	const char *wire;
	/* The host program that runs such a node on a runtime without images (netns): $env, else
	 * `program` next to faultlab (a path relative to faultlab's folder), else PATH. NULL:
	 * the node's image string is the program. */
	const char *program_env, *program;
	/* When the program is a script: pushes argv[0..] (interpreter, its arguments, the
	 * program found above) on a runtime without images. NULL: argv[0] is the program. */
	void (*host_argv)(const char *program, driver_push_fn push, void *ctx);
	/* The node's REST / JSON-RPC port; 0 = 8645 (status-cli: 8545, its -p default). */
	int port;
	/* The requests its nodes can accept on receipt and answer the sender for (scenario traffic
	 * accept: true): DRIVER_ACCEPTS_* bits; the validator refuses accept: true elsewhere. */
	unsigned accepts;
	/* Pushes the node's own arguments (after argv[0], before the plan's args); NULL when the
	 * image's command takes only the plan's args. */
	void (*launch_args)(const struct driver_launch *l, driver_push_fn push, void *ctx);
	/* 1 when GET /health says Ready, 0 when not (yet), -1 + err when the answer is malformed.
	 * An unreachable node is 0 (it may still be starting) with err holding why. */
	int (*health)(struct driver_node *n, struct fl_error *err);
	/* Fills n->key with the node's identity (labnode: its public key; waku: its peer id or
	 * enr). */
	int (*identity)(struct driver_node *n, struct fl_error *err);
	/* Connects n to peer (nwaku: POST /admin/v1/peers with the peer's listen address). */
	int (*connect)(struct driver_node *n, const struct driver_node *peer, struct fl_error *err);
	/* Sends text of `kind` (dm | contact-request | join-request | group | relay | lightpush)
	 * from n to the nodes `to` (group: every member). A contact-request or join-request
	 * whose receiver is to accept it (scenario accept: true) comes as "<kind>+accept"; a
	 * driver that cannot ask for that refuses it. */
	int (*send)(struct driver_node *n, const char *kind, struct driver_node *const *to,
		    size_t nto, const char *text, struct driver_sent *out, struct fl_error *err);
	/* Drivers of nodes that write no events file poll what the node received and append
	 * docs/FORMATS.md receipt lines to `events`; NULL when the node writes its own file.
	 * Returns the number of new receipts. */
	int (*receipts)(struct driver_node *n, FILE *events, struct fl_error *err);
	/* group creation before a group traffic's first message (NULL: the driver makes its
	 * groups itself or not at all): n creates a group of the members `to` named `name`;
	 * each member learns of it from a received message whose text starts with name. */
	int (*group_create)(struct driver_node *n, struct driver_node *const *to, size_t nto,
			    const char *name, struct driver_sent *out, struct fl_error *err);
	/* store-query (NULL: the driver cannot ask): n asks the store node `store` (itself when
	 * store == n) which of the nh message hashes it holds; found[i] = 1 for each. 0, or -1 +
	 * err when the store could not be asked. */
	int (*store_query)(struct driver_node *n, const struct driver_node *store,
			   char (*hashes)[80], size_t nh, unsigned char *found,
			   struct fl_error *err);
	/* 1 when the node itself writes its events file lines (sent/received) for `kind`; the
	 * run writes the sent line of the others. NULL = never. */
	int (*own_events)(const char *kind);
	/* Frees n->priv. May be NULL. */
	void (*release)(struct driver_node *n);
};

/* The driver table (driver_table.c): one entry per name a scenario's `images:` may give as
 * `driver:`, plus aliases. A new driver is one entry there and its own file. */
struct driver_entry {
	const char *name;
	const struct driver_ops *ops;
	int alias; /* accepted by driver_find, not offered in messages ("nwaku", "go-waku") */
};

/* 1 when the driver's reliability list holds `layer`. */
int driver_takes_reliability(const struct driver_ops *d, const char *layer);
/* 1 when the driver's role list holds `role` (or it has none). */
int driver_takes_role(const struct driver_ops *d, const char *role);
/* Every layer some driver takes, once each, NULL-terminated (the parser's vocabulary). */
const char *const *driver_reliability_names(void);

/* The driver by name ("labnode", "jswaku", "waku-rest" (also "nwaku", "go-waku"), "status-cli");
 * NULL: labnode; unknown: NULL. */
const struct driver_ops *driver_find(const char *name);
/* The default driver (labnode's), and the names a scenario may use, NULL-terminated, in table
 * order (no aliases). */
const struct driver_ops *driver_default(void);
const char *const *driver_names(void);

extern const struct driver_ops driver_labnode_ops;
extern const struct driver_ops driver_jswaku_ops;
extern const struct driver_ops driver_waku_rest_ops;
extern const struct driver_ops driver_status_cli_ops;

/* --- the HTTP helper every driver uses (drivers/driver_http.c) --------------------------- */

struct driver_http_reply {
	long status; /* HTTP status, 0 when no answer */
	char *body;  /* NUL-terminated, owned by the caller (free) */
	size_t len;
};

/* Sends method (GET, POST, DELETE) to http://address:port<path> with an optional JSON body.
 * Returns 0 when an HTTP answer arrived (any status), -1 + err when none did. */
int driver_http(struct driver_node *n, const char *method, const char *path, const char *json,
		struct driver_http_reply *reply, struct fl_error *err);
/* POSTs json to path and drops the answer. 0 on a status below 300; -1 + err when no answer
 * came or on any other status ("<node>: <what>: HTTP <status>"). */
int driver_http_post(struct driver_node *n, const char *path, const char *json, const char *what,
		     struct fl_error *err);

/* Normalises a message hash: "0x…" hex is lower-cased, base64 of 32 bytes (nwaku's 2024 store
 * shape) is converted to 0x hex. Returns 0, or -1 when it is neither. */
int driver_hash_normalise(const char *in, char *out, size_t len);

/* Polls GET <path_prefix><urlencoded topic> for raw messages (the nwaku shape: an array of
 * {"payload":b64,"contentTopic",...}) and appends a received line of `kind` per accepted
 * message. Returns how many, or -1. */
int driver_poll_raw(struct driver_node *n, const char *path_prefix, const char *topic,
		    const char *kind, FILE *events, struct fl_error *err);

/* Reads the node key from the last "messenger started, public key: 0x…" line of a log at or
 * after byte `from` (labnode and status-cli print it at each start). Returns 0 when found. */
int driver_key_from_log(const char *log_path, long from, char *key, size_t len);
/* 1 when the log holds `marker` at or after byte `from`, 0 when not, -1 when unreadable. */
int driver_log_has(const char *log_path, long from, const char *marker);

/* --- node-namespace sockets (drivers/nodesock.c) ------------------------------------------ */

/* Makes every later request of n open its socket inside the network namespace at ns_path
 * (/run/netns/… or /proc/<pid>/ns/net) and go to 127.0.0.1. Returns 0, or -1 + err when the
 * namespace cannot be entered (no CAP_SYS_ADMIN, gone): n is left as it was. */
int driver_node_netns(struct driver_node *n, const char *ns_path, struct fl_error *err);
/* After a restart: the namespace may have moved (docker: a new pid), the identity and
 * subscriptions are re-read lazily (n->stale). */
void driver_node_restarted(struct driver_node *n, const char *ns_path);
/* Closes what driver_node_netns opened. */
void driver_node_close(struct driver_node *n);
/* n->key copied under key_mu (senders read other nodes' keys while they are refreshed). */
void driver_node_key(struct driver_node *n, char *out, size_t len);
void driver_node_set_key(struct driver_node *n, const char *key);

#endif
