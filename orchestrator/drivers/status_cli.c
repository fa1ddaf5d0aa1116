/* The status-cli driver: status-go's cmd/status-cli (status-go @ c72f491, 2024-10-23) as
 * status-cli-tests drives it (status-im/status-cli-tests @ 07d9737, src/node/status_node.py,
 * src/steps/common.py):
 *
 * - launched as `serve -n <name> -p 8545 [-l]` (main.go ServeFlags; `serve` makes a new
 *   account at every start, so the key changes after a restart);
 * - ready once its log holds `retrieve messages...` (serve.go: "nightly testrunner looks for
 *   this log"), its key from `messenger started, public key: 0x…` — both re-read after every
 *   (re)start, from the log bytes the new process wrote;
 * - JSON-RPC at POST / on 127.0.0.1:<-p> inside the node (util.go: HTTPHost "127.0.0.1"), so
 *   the run's sockets are made in the node's namespace (nodesock.c);
 * - dm: wakuext_sendOneToOneMessage [{id, message}]; contact-request:
 *   wakuext_sendContactRequest [{id, message}];
 * - group: wakuext_createGroupChatWithMembers [null, name, [keys]] once per member set (the
 *   chat id is result.chats[0].id), then wakuext_sendGroupChatMessage [{id: chat id,
 *   message}]; status-go refuses members that are not mutual contacts
 *   (messenger_group_chat.go ErrGroupChatAddedContacts): then the driver sends each member a
 *   contact request (status-cli accepts them itself, serve.go) and tries again;
 * - join-request: the recipient owns a community made as status-cli-tests makes one
 *   (wakuext_createCommunity [{membership: 3, name, color, description}] →
 *   result.communities[0].id); the request itself, its receipt and the owner's acceptance
 *   (accept: true) are status_cli_join.c's;
 * - a send's MessengerResponse lists `messages` in random order: matched by text.
 *
 * status-cli writes no events file: its receipts are the `message received: <text> (ID=<id>)`
 * lines of its console, which `faultlab analyze` reads from the node's stdout.log
 * (analyze/statuscli_log.c). Join requests and acceptances show no such line: receipts()
 * writes what the driver saw of them over JSON-RPC (status_cli_join.c) to the file the run
 * keeps for it, and the analyzer reads both. */
#include "orchestrator/drivers/driver_json.h"
#include "orchestrator/drivers/status_cli.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SC_PORT 8545 /* main.go PortFlag default */
#define SC_READY "retrieve messages..."
#define SC_MAX_GROUPS 64
#define SC_MAX_COMMUNITIES 64
#define SC_MAX_ASKED 64

struct sc_group {
	char *members; /* the member keys, comma-joined, in the plan's order */
	char chat_id[200];
};

/* A community a node owns and the nodes that asked to join it: a request to join is one per
 * requester and community (status-go: its id is key + community), so a second request of the
 * same node goes to a new community of the owner. */
struct sc_community {
	char id[160];
	const struct driver_node *asked[SC_MAX_ASKED];
	size_t n_asked;
};

/* Chats and the community belong to an account: each is kept with the key it was made
 * under, and made again when the node's key changed (a restart of `serve`). */
struct sc_priv {
	pthread_mutex_t mu; /* communities (other senders ask this node for them) */
	struct sc_community communities[SC_MAX_COMMUNITIES]; /* the ones this node owns */
	size_t n_communities;
	char community_key[192];	       /* the node's key when they were made */
	struct sc_group groups[SC_MAX_GROUPS]; /* this node's chats (its sender thread only) */
	size_t n_groups;
	char groups_key[192]; /* the node's key when they were made */
};

static struct sc_priv *sc_priv(struct driver_node *n)
{
	return n->priv;
}

/* The node's own thread only. */
static void sc_forget_groups(struct sc_priv *p)
{
	for (size_t i = 0; i < p->n_groups; i++)
		free(p->groups[i].members);
	p->n_groups = 0;
}

static void sc_launch_args(const struct driver_launch *l, driver_push_fn push, void *ctx)
{
	char port[16];

	snprintf(port, sizeof(port), "%d", SC_PORT);
	push(ctx, "serve");
	push(ctx, "-n"), push(ctx, l->name);
	push(ctx, "-p"), push(ctx, port);
	if (strcmp(l->role, "light") == 0)
		push(ctx, "-l");
}

static int sc_health(struct driver_node *n, struct fl_error *err)
{
	json_auto_t *res = NULL;
	int r;

	if (!n->log_path[0])
		return driver_json_rpc(n, "waku_info", json_array(), &res, err) == 0;
	r = driver_log_has(n->log_path, n->log_from, SC_READY);
	if (r < 0)
		fl_err(err, "%s: cannot read %s", n->name, n->log_path);
	return r == 1;
}

static int sc_read_key(struct driver_node *n, struct fl_error *err)
{
	char key[sizeof(n->key)];

	if (driver_key_from_log(n->log_path, n->log_from, key, sizeof(key)) < 0)
		return fl_err(err, "%s: no \"messenger started, public key:\" line in %s", n->name,
			      n->log_path);
	driver_node_set_key(n, key);
	return 0;
}

static int sc_identity(struct driver_node *n, struct fl_error *err)
{
	if (!n->priv) {
		struct sc_priv *p = fl_xcalloc(1, sizeof(*p));

		pthread_mutex_init(&p->mu, NULL);
		n->priv = p;
	}
	return sc_read_key(n, err);
}

/* After a restart: once the new process is ready, its (new) key (its chats and community
 * died with its old account: made again on next use, see sc_priv). Called by any sender for
 * any node, so it touches only the key. 0 when n is usable, -1 + err while not ready yet. */
static int sc_refresh(struct driver_node *n, struct fl_error *err)
{
	if (!__atomic_load_n(&n->stale, __ATOMIC_ACQUIRE))
		return 0;
	if (sc_health(n, err) != 1)
		return fl_err(err, "%s: restarted and not ready yet (no \"%s\")", n->name,
			      SC_READY);
	if (sc_read_key(n, err) < 0)
		return -1;
	__atomic_store_n(&n->stale, 0, __ATOMIC_RELEASE);
	return 0;
}

static int sc_connect(struct driver_node *n, const struct driver_node *peer, struct fl_error *err)
{
	return 0; /* status-cli finds its peers through its fleet's discovery */
}

/* [{"id": key, "message": text}] */
static json_t *sc_to_params(struct driver_node *to, const char *text)
{
	char key[192];

	driver_node_key(to, key, sizeof(key));
	return json_pack("[{s:s,s:s}]", "id", key, "message", text);
}

static int sc_send_direct(struct driver_node *n, const char *method, struct driver_node *to,
			  const char *text, struct driver_sent *out, struct fl_error *err)
{
	json_auto_t *res = NULL;

	if (driver_json_rpc(n, method, sc_to_params(to, text), &res, err) < 0)
		return -1;
	return driver_json_sent_from(n, method, res, text, out, err);
}

static char *sc_members(struct driver_node *const *to, size_t nto)
{
	size_t cap = nto * 192 + 1, off = 0;
	char *s = fl_xmalloc(cap), key[192];

	s[0] = '\0';
	for (size_t i = 0; i < nto; i++) {
		driver_node_key(to[i], key, sizeof(key));
		off += (size_t)snprintf(s + off, cap - off, "%s%s", i ? "," : "", key);
	}
	return s;
}

/* wakuext_createGroupChatWithMembers [null, name, [keys]] → result.chats[0].id */
static int sc_group_create(struct driver_node *n, struct driver_node *const *to, size_t nto,
			   char *chat_id, size_t len, struct fl_error *err)
{
	json_auto_t *res = NULL;
	json_t *keys = json_array();
	const char *id;
	char name[96], key[192];

	for (size_t i = 0; i < nto; i++) {
		driver_node_key(to[i], key, sizeof(key));
		json_array_append_new(keys, json_string(key));
	}
	snprintf(name, sizeof(name), "faultlab-%s-%zu", n->name, sc_priv(n)->n_groups + 1);
	if (driver_json_rpc(n, "wakuext_createGroupChatWithMembers",
			    json_pack("[n,s,o]", name, keys), &res, err) < 0)
		return -1;
	id = json_string_value(
	    json_object_get(json_array_get(json_object_get(res, "chats"), 0), "id"));
	if (!id || strlen(id) >= len)
		return fl_err(err, "%s: wakuext_createGroupChatWithMembers answered no chats[0].id",
			      n->name);
	snprintf(chat_id, len, "%s", id);
	return 0;
}

/* Members must be mutual contacts: a contact request to each (status-cli accepts it on its
 * own), then the creation is tried again for up to 10 s. */
static int sc_group_create_contacts(struct driver_node *n, struct driver_node *const *to,
				    size_t nto, char *chat_id, size_t len, struct fl_error *err)
{
	double until;

	if (sc_group_create(n, to, nto, chat_id, len, err) == 0)
		return 0;
	if (!strstr(err->msg, "mutual contacts"))
		return -1;
	for (size_t i = 0; i < nto; i++) {
		json_auto_t *res = NULL;

		driver_json_rpc(n, "wakuext_sendContactRequest",
				sc_to_params(to[i], "faultlab: contact for a group"), &res, err);
	}
	for (until = fltime_mono_ms() + 10000; fltime_mono_ms() < until;) {
		fltime_sleep_ms(500);
		if (sc_group_create(n, to, nto, chat_id, len, err) == 0)
			return 0;
	}
	return fl_wrap(err, "%s: group members never became mutual contacts", n->name);
}

static int sc_send_group(struct driver_node *n, struct driver_node *const *to, size_t nto,
			 const char *text, struct driver_sent *out, struct fl_error *err)
{
	struct sc_priv *p = sc_priv(n);
	cleanup_free char *members = sc_members(to, nto);
	json_auto_t *res = NULL;
	struct sc_group *g = NULL;
	char key[192];

	driver_node_key(n, key, sizeof(key));
	if (strcmp(key, p->groups_key) != 0) { /* a new account: its chats are gone */
		sc_forget_groups(p);
		snprintf(p->groups_key, sizeof(p->groups_key), "%s", key);
	}

	for (size_t i = 0; i < p->n_groups && !g; i++)
		if (strcmp(p->groups[i].members, members) == 0)
			g = &p->groups[i];
	if (!g) {
		if (p->n_groups == SC_MAX_GROUPS)
			return fl_err(err, "%s: more than %d group chats", n->name, SC_MAX_GROUPS);
		g = &p->groups[p->n_groups];
		if (sc_group_create_contacts(n, to, nto, g->chat_id, sizeof(g->chat_id), err) < 0)
			return -1;
		g->members = steal_ptr(&members);
		p->n_groups++;
	}
	if (driver_json_rpc(n, "wakuext_sendGroupChatMessage",
			    json_pack("[{s:s,s:s}]", "id", g->chat_id, "message", text), &res,
			    err) < 0)
		return -1;
	return driver_json_sent_from(n, "wakuext_sendGroupChatMessage", res, text, out, err);
}

/* A community `owner` owns that `n` has not asked to join yet, made when there is none
 * (status-cli-tests create_community: [{membership: 3, name, color, description}]). */
static int sc_community(struct driver_node *owner, const struct driver_node *n, char *id,
			size_t len, struct fl_error *err)
{
	struct sc_priv *p = sc_priv(owner);
	struct sc_community *c = NULL;
	json_auto_t *res = NULL;
	const char *cid;
	char key[192], name[32];
	int rc = 0;

	driver_node_key(owner, key, sizeof(key));
	pthread_mutex_lock(&p->mu);
	if (strcmp(key, p->community_key) != 0) { /* a new account: its communities are gone */
		p->n_communities = 0;
		snprintf(p->community_key, sizeof(p->community_key), "%s", key);
	}
	for (size_t i = 0; i < p->n_communities && !c; i++) {
		int asked = p->communities[i].n_asked == SC_MAX_ASKED;

		for (size_t k = 0; k < p->communities[i].n_asked && !asked; k++)
			asked = p->communities[i].asked[k] == n;
		if (!asked)
			c = &p->communities[i];
	}
	if (!c && p->n_communities == SC_MAX_COMMUNITIES)
		rc = fl_err(err, "%s: more than %d communities", owner->name, SC_MAX_COMMUNITIES);
	if (!c && rc == 0) {
		/* status-go's names are at most 30 characters (create_community_request.go) */
		snprintf(name, sizeof(name), "fl-%.20s-%zu", owner->name, p->n_communities + 1);
		rc = driver_json_rpc(owner, "wakuext_createCommunity",
				     json_pack("[{s:i,s:s,s:s,s:s}]", "membership", 3, "name", name,
					       "color", "#ffffff", "description", name),
				     &res, err);
		cid = json_string_value(
		    json_object_get(json_array_get(json_object_get(res, "communities"), 0), "id"));
		if (rc == 0 && (!cid || strlen(cid) >= sizeof(c->id)))
			rc =
			    fl_err(err, "%s: wakuext_createCommunity answered no communities[0].id",
				   owner->name);
		if (rc == 0) {
			c = &p->communities[p->n_communities++];
			memset(c, 0, sizeof(*c));
			snprintf(c->id, sizeof(c->id), "%s", cid);
		}
	}
	if (c) {
		c->asked[c->n_asked++] = n;
		snprintf(id, len, "%s", c->id);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int sc_send_join(struct driver_node *n, struct driver_node *owner, const char *text,
			int accept, struct driver_sent *out, struct fl_error *err)
{
	char cid[160];

	if (!owner->priv)
		return fl_err(err, "%s: %s has no identity yet", n->name, owner->name);
	if (sc_community(owner, n, cid, sizeof(cid), err) < 0)
		return -1;
	return sc_join_send(n, owner, cid, text, accept, out, err);
}

static int sc_send(struct driver_node *n, const char *kind, struct driver_node *const *to,
		   size_t nto, const char *text, struct driver_sent *out, struct fl_error *err)
{
	memset(out, 0, sizeof(*out));
	if (sc_refresh(n, err) < 0)
		return -1;
	for (size_t i = 0; i < nto; i++)
		if (sc_refresh(to[i], err) < 0)
			return -1;
	if (strcmp(kind, "dm") == 0 && nto == 1)
		return sc_send_direct(n, "wakuext_sendOneToOneMessage", to[0], text, out, err);
	if (strcmp(kind, "contact-request") == 0 && nto == 1)
		return sc_send_direct(n, "wakuext_sendContactRequest", to[0], text, out, err);
	if (strcmp(kind, "group") == 0 && nto > 0)
		return sc_send_group(n, to, nto, text, out, err);
	if (strcmp(kind, "join-request") == 0 && nto == 1)
		return sc_send_join(n, to[0], text, 0, out, err);
	if (strcmp(kind, "join-request+accept") == 0 && nto == 1)
		return sc_send_join(n, to[0], text, 1, out, err);
	return fl_err(err, "%s: status-cli cannot send %s to %zu nodes", n->name, kind, nto);
}

static int sc_own_events(const char *kind)
{
	return 1; /* nothing is written for it: its log is read instead */
}

static void sc_release(struct driver_node *n)
{
	struct sc_priv *p = n->priv;

	sc_join_forget(n);
	if (!p)
		return;
	sc_forget_groups(p);
	pthread_mutex_destroy(&p->mu);
	free(p);
	n->priv = NULL;
}

const struct driver_ops driver_status_cli_ops = {
    .name = "status-cli",
    .accepts = DRIVER_ACCEPTS_JOIN, /* contact requests: it accepts them itself (serve.go) */
    .port = SC_PORT,
    .launch_args = sc_launch_args,
    .health = sc_health,
    .identity = sc_identity,
    .connect = sc_connect,
    .send = sc_send,
    .receipts = sc_join_receipts,
    .own_events = sc_own_events,
    .release = sc_release,
};
