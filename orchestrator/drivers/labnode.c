/* The labnode driver: nwaku-shaped REST for health and raw messages, the status-cli JSON-RPC
 * subset at POST / for direct messages (docs/LABNODE.md). labnode writes its own events file, so
 * direct kinds need no receipts poll; raw relay / lightpush messages (which labnode does not
 * journal) are polled from its relay subscription (filter for light nodes). Its peers come
 * from --peer on its command line, so connect() only asks it to dial again. */
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/driver_json.h"
#include "orchestrator/drivers/labnode.h"

#include "common/cleanup.h"
#include "common/rng.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int labnode_health(struct driver_node *n, struct fl_error *err)
{
	return driver_json_health(n, err);
}

static const char *const labnode_raw_kinds[] = {"relay", "lightpush"};

/* Subscribes to the raw-message topics (relay, lightpush): relay and service nodes through
 * relay, light nodes through filter at their service peers. */
static int labnode_subscribe(struct driver_node *n, struct fl_error *err)
{
	int light = strcmp(n->role, "light") == 0;
	char t0[128], t1[128], body[512];

	driver_json_topic(labnode_raw_kinds[0], NULL, t0, sizeof(t0));
	driver_json_topic(labnode_raw_kinds[1], NULL, t1, sizeof(t1));
	if (light)
		snprintf(body, sizeof(body),
			 "{\"requestId\":\"faultlab\",\"contentFilters\":[\"%s\",\"%s\"]}", t0, t1);
	else
		snprintf(body, sizeof(body), "[\"%s\",\"%s\"]", t0, t1);
	if (driver_http_post(n, light ? "/filter/v2/subscriptions" : "/relay/v1/auto/subscriptions",
			     body, "subscribe to raw topics", err) < 0)
		return -1;
	n->priv = (void *)1; /* subscribed: receipts() may poll */
	return 0;
}

int labnode_receipts(struct driver_node *n, FILE *events, struct fl_error *err)
{
	int light = strcmp(n->role, "light") == 0, total = 0;
	char topic[128];

	if (__atomic_load_n(&n->stale, __ATOMIC_ACQUIRE)) {
		/* restarted: its subscriptions died with the process; subscribe again once it
		 * answers (the events of an unanswered poll stay in the node's file) */
		if (labnode_subscribe(n, err) < 0)
			return 0;
		__atomic_store_n(&n->stale, 0, __ATOMIC_RELEASE);
	}
	if (!n->priv)
		return 0;
	for (size_t k = 0; k < FL_ARRAY_SIZE(labnode_raw_kinds); k++) {
		int c;

		driver_json_topic(labnode_raw_kinds[k], NULL, topic, sizeof(topic));
		c = driver_poll_raw(n, light ? "/filter/v2/messages/" : "/relay/v1/auto/messages/",
				    topic, labnode_raw_kinds[k], events, err);
		if (c < 0)
			return -1;
		total += c;
	}
	return total;
}

int labnode_own_events(const char *kind)
{
	return strcmp(kind, "relay") != 0 && strcmp(kind, "lightpush") != 0;
}

void labnode_release(struct driver_node *n)
{
	n->priv = NULL;
}

int labnode_identity(struct driver_node *n, struct fl_error *err)
{
	json_auto_t *res = NULL;
	char key[sizeof(n->key)];
	const char *k;

	if (labnode_subscribe(n, err) < 0) {
		if (strcmp(n->role, "light") != 0)
			return -1;
		/* a light node answers 503 until it has a service peer: receipts() subscribes
		 * again on its next poll, as after a restart */
		__atomic_store_n(&n->stale, 1, __ATOMIC_RELEASE);
	}
	if (n->log_path[0] &&
	    driver_key_from_log(n->log_path, n->log_from, key, sizeof(key)) == 0) {
		driver_node_set_key(n, key);
		return 0;
	}
	if (driver_json_rpc(n, "waku_info", json_array(), &res, err) < 0)
		return fl_wrap(err, "%s: no public key in its log and waku_info failed", n->name);
	k = json_string_value(json_object_get(res, "publicKey"));
	if (!k)
		k = json_string_value(json_object_get(res, "public_key"));
	if (!k)
		k = json_string_value(json_object_get(res, "key"));
	if (!k || strlen(k) >= sizeof(n->key))
		return fl_err(err, "%s: waku_info has no publicKey", n->name);
	driver_node_set_key(n, k);
	return 0;
}

int labnode_connect(struct driver_node *n, const struct driver_node *peer, struct fl_error *err)
{
	char body[128];

	snprintf(body, sizeof(body), "[\"%s:60000\"]", peer->address);
	return driver_http_post(n, "/admin/v1/peers", body, "POST /admin/v1/peers", err);
}

static const char *labnode_method(const char *kind)
{
	static const struct {
		const char *kind, *method;
	} t[] = {
	    {"dm", "wakuext_sendOneToOneMessage"},
	    {"contact-request", "wakuext_sendContactRequest"},
	    {"join-request", "wakuext_requestToJoinCommunity"},
	    {"group", "wakuext_sendGroupChatMessage"},
	};

	for (size_t i = 0; i < FL_ARRAY_SIZE(t); i++)
		if (strcmp(t[i].kind, kind) == 0)
			return t[i].method;
	return NULL;
}

static json_t *labnode_params(const char *kind, struct driver_node *const *to, size_t nto,
			      const char *text, int accept)
{
	json_t *p = json_object();
	char key[192];

	if (strcmp(kind, "group") == 0) {
		json_t *m = json_array();

		for (size_t i = 0; i < nto; i++) {
			driver_node_key(to[i], key, sizeof(key));
			json_array_append_new(m, json_string(key));
		}
		json_object_set_new(p, "members", m);
	} else {
		key[0] = '\0';
		if (nto)
			driver_node_key(to[0], key, sizeof(key));
		json_object_set_new(p, "id", json_string(key));
	}
	json_object_set_new(p, "message", json_string(text));
	if (accept) /* labnode's addition: the receiver accepts on receipt (docs/LABNODE.md) */
		json_object_set_new(p, "accept", json_true());
	return json_pack("[o]", p);
}

int labnode_send(struct driver_node *n, const char *kind, struct driver_node *const *to, size_t nto,
		 const char *text, struct driver_sent *out, struct fl_error *err)
{
	char base[32];
	const char *plus = strchr(kind, '+'), *method;
	int accept = plus && strcmp(plus, "+accept") == 0;
	json_auto_t *res = NULL;

	memset(out, 0, sizeof(*out));
	snprintf(base, sizeof(base), "%.*s", plus ? (int)(plus - kind) : (int)strlen(kind), kind);
	method = labnode_method(base);
	if (plus && (!accept || (strcmp(base, "contact-request") && strcmp(base, "join-request"))))
		return fl_err(err, "%s: cannot send kind %s", n->name, kind);
	if (!method)
		return driver_json_publish(n, kind, text, out, err);
	if (driver_json_rpc(n, method, labnode_params(base, to, nto, text, accept), &res, err) < 0)
		return -1;
	return driver_json_sent_from(n, method, res, text, out, err);
}

uint64_t driver_identity_seed(uint64_t seed, const char *name)
{
	return rng_derive(seed, name, 0) >> 11;
}

/* labnode's command line (docs/LABNODE.md): its listen and REST ports, its events file and
 * store in the data dir, an identity derived from the plan's seed (in a file of the data dir), and
 * a
 * --peer per dialled node. */
static void labnode_launch_args(const struct driver_launch *l, driver_push_fn push, void *ctx)
{
	char buf[64];

	push(ctx, "--name"), push(ctx, l->name);
	push(ctx, "--role"), push(ctx, l->role);
	push(ctx, "--listen"), push(ctx, "0.0.0.0:60000");
	push(ctx, "--rest"), push(ctx, "0.0.0.0:8645");
	push(ctx, "--events"), push(ctx, "@DATA@/events.jsonl");
	if (strcmp(l->role, "service") == 0)
		push(ctx, "--db"), push(ctx, "@DATA@/store.db");
	/* the seed through a 0600 file the run writes (DRIVER_IDENTITY_FILE), never on the
	 * command line that every local user can read */
	push(ctx, "--identity-file"), push(ctx, "@DATA@/" DRIVER_IDENTITY_FILE);
	push(ctx, "--reliability"), push(ctx, l->reliability);
	for (size_t i = 0; i < l->n_peers; i++) {
		snprintf(buf, sizeof(buf), "%s:60000", l->peers[i]);
		push(ctx, "--peer"), push(ctx, buf);
	}
	if (l->telemetry_url) /* the run's collector; a 2 s period so a short run is seen */
		push(ctx, "--telemetry-url"), push(ctx, l->telemetry_url),
		    push(ctx, "--telemetry-period"), push(ctx, "2s");
}

static const char *const labnode_reliability[] = {"mvds", "store-recovery", "sent-check", NULL};

const struct driver_ops driver_labnode_ops = {
    .name = "labnode",
    .reliability = labnode_reliability,
    .wire = "labnode",
    .accepts = DRIVER_ACCEPTS_CONTACT | DRIVER_ACCEPTS_JOIN,
    .program_env = "FL_LABNODE",
    .program = "labnode",
    .launch_args = labnode_launch_args,
    .health = labnode_health,
    .identity = labnode_identity,
    .connect = labnode_connect,
    .send = labnode_send,
    .receipts = labnode_receipts,
    .store_query = labnode_store_query,
    .group_create = labnode_group_create,
    .own_events = labnode_own_events,
    .release = labnode_release,
};
