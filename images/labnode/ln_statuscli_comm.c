/* status-cli mode's communities, in status-go's JSON-RPC shapes (status-go @ c72f491,
 * 2024-10-23: services/ext/api.go; protocol/requests/create_community_request.go,
 * request_to_join_community.go, accept_request_to_join_community.go;
 * protocol/communities/request_to_join.go), called as status-cli-tests @ 07d9737
 * src/node/status_node.py and src/steps/common.py call them:
 *
 *   wakuext_createCommunity [{membership, name, color, description}]
 *     → {"communities":[{"id","name","description","color","joined":true,
 *        "isControlNode":true,"permissions":{"access":<membership>},"members":{<owner>:{}},
 *        "chats":{<chat id>:{"id","name":"general"}}}], "chats":[…]}
 *   wakuext_fetchCommunity [{communityKey, waitForResponse, tryDatabase}]
 *     → the community, or null while its description has not arrived (asked of its owner
 *       over the network; status-cli-tests retries the call for 30 s)
 *   wakuext_requestToJoinCommunity [{communityId, addressesToReveal, airdropAddress}]
 *     → {"communities":[…"joined":false,"requestedToJoinAt"…],
 *        "requestsToJoinCommunity":[{"id","publicKey","clock","communityId","state":1,
 *        "our":true}],"activityCenterNotifications":[]}
 *   wakuext_pendingRequestsToJoinForCommunity [communityId] → [RequestToJoin…] (state 1)
 *   wakuext_acceptRequestToJoinCommunity [{id}] → {"communities":[…members + requester…],
 *     "requestsToJoinCommunity":[…"state":3]}; an id the owner has not received fails as
 *     status-go's GetRequestToJoin does ("sql: no rows in result set")
 *   wakuext_joinedCommunities [] → [community…] with "joined": true
 *
 * Validation texts are status-go's (ErrCreateCommunityInvalid*, ErrRequestToJoin*).
 * A community id has status-go's shape ("0x02" + 64 hex: a compressed public key, random
 * here); its messages travel as labnode direct messages to that id's content topic, which
 * only its (relay) owner reads: the fetch ("community" {"fetch": id}), the description back
 * to the asker, the join request ({"r": request id, "c": community id, "clock"}) and the
 * acceptance ("accept" {"r","c"}). None of them prints a `message received:` line: status-cli
 * prints those only for chat messages. Not copied: the request id (status-go: keccak256 of
 * key + community id; here sha256), signatures and revealed addresses, permissions, shards,
 * the control node's community key, spectating. */
#include "images/labnode/ln_dm.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_sha256.h"
#include "images/labnode/ln_statuscli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define SC_MAX_COMMS 64
#define SC_MAX_REQS 512

enum { REQ_PENDING = 1, REQ_ACCEPTED = 3 }; /* communities.RequestToJoinState */

struct sc_comm {
	char id[69], owner[133], chat_id[120];
	char name[64], description[160], color[16];
	int access, owned, joined;
	long long requested_at;
	int n_members;
	char members[LN_MAX_PEERS][133];
};

struct sc_req {
	char id[67], pubkey[133], cid[69];
	long long clock;
	int state, our;
};

static struct sc_comm comms[SC_MAX_COMMS];
static int n_comms;
static struct sc_req reqs[SC_MAX_REQS];
static int n_reqs;

static char *comm_answer(json_t *id, json_t *result, json_t *error)
{
	json_t *j = json_pack("{s:s, s:O}", "jsonrpc", "2.0", "id", id ? id : json_null());
	char *s;

	json_object_set_new(j, error ? "error" : "result", error ? error : result);
	s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

static char *comm_error(json_t *id, unsigned *status, const char *msg)
{
	*status = 400;
	return comm_answer(id, NULL, json_pack("{s:i, s:s}", "code", -32000, "message", msg));
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return s[n] == '\0';
}

int ln_statuscli_community_id(const char *s)
{
	return s && (!strncmp(s, "0x02", 4) || !strncmp(s, "0x03", 4)) && is_hex(s + 4, 64);
}

static struct sc_comm *comm_find(const char *cid)
{
	for (int i = 0; cid && i < n_comms; i++)
		if (!strcasecmp(comms[i].id, cid))
			return &comms[i];
	return NULL;
}

static struct sc_req *req_find(const char *rid)
{
	for (int i = 0; rid && i < n_reqs; i++)
		if (!strcasecmp(reqs[i].id, rid))
			return &reqs[i];
	return NULL;
}

int ln_statuscli_community_topic(const char *topic)
{
	char t[LN_TOPIC_MAX];

	for (int i = 0; i < n_comms; i++) {
		if (!comms[i].owned)
			continue;
		ln_dm_topic(comms[i].id, t);
		if (!strcmp(t, topic))
			return 1;
	}
	return 0;
}

int ln_statuscli_community_owned_by(const char *cid, const char *key)
{
	struct sc_comm *c = comm_find(cid);

	return c && !strcmp(c->owner, key);
}

static void comm_add_member(struct sc_comm *c, const char *key)
{
	for (int i = 0; i < c->n_members; i++)
		if (!strcmp(c->members[i], key))
			return;
	if (c->n_members < LN_MAX_PEERS)
		snprintf(c->members[c->n_members++], sizeof(c->members[0]), "%s", key);
}

static json_t *comm_json(const struct sc_comm *c)
{
	json_t *m = json_object(), *chats = json_object();

	json_object_set_new(m, c->owner, json_object());
	for (int i = 0; i < c->n_members; i++)
		json_object_set_new(m, c->members[i], json_object());
	if (c->joined || c->owned)
		json_object_set_new(
		    chats, c->chat_id,
		    json_pack("{s:s, s:s}", "id", c->chat_id + strlen(c->id), "name", "general"));
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:{s:i}, s:o, s:o}", "id", c->id,
			      "name", c->name, "description", c->description, "color", c->color,
			      "joined", c->joined, "isControlNode", c->owned, "permissions",
			      "access", c->access, "members", m, "chats", chats);

	if (c->requested_at)
		json_object_set_new(j, "requestedToJoinAt", json_integer(c->requested_at));
	return j;
}

static json_t *req_json(const struct sc_req *r)
{
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:b, s:b}", "id", r->id, "publicKey",
			 r->pubkey, "clock", (json_int_t)r->clock, "chatId", "", "communityId",
			 r->cid, "state", r->state, "our", r->our, "deleted", 0);
}

static void random_hex(char *out, size_t bytes)
{
	unsigned char b[32];

	if (bytes > sizeof(b) || getrandom(b, bytes, 0) != (ssize_t)bytes)
		memset(b, 0x5a, sizeof(b));
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* A community message to `to` (a key or a community id). */
static int comm_send(struct ln_node *n, enum ln_dm_kind kind, const char *to, json_t *body,
		     struct fl_error *err)
{
	char *text = json_dumps(body, JSON_COMPACT), mid[67], hash[67];
	int rc = ln_dm_send(n, kind, &to, 1, text, 0, mid, hash, err);

	free(text);
	json_decref(body);
	return rc;
}

/* [{membership, name, color, description}] */
static char *comm_create(struct ln_node *n, json_t *id, json_t *params, unsigned *status)
{
	json_t *p = json_array_get(params, 0);
	const char *name = json_string_value(json_object_get(p, "name"));
	const char *desc = json_string_value(json_object_get(p, "description"));
	const char *color = json_string_value(json_object_get(p, "color"));
	json_int_t access = json_integer_value(json_object_get(p, "membership"));
	struct sc_comm *c;
	char uuid[33];

	if (!name || !*name || strlen(name) > 30)
		return comm_error(id, status, "create-community: invalid name");
	if (!desc || !*desc || strlen(desc) > 140)
		return comm_error(id, status, "create-community: invalid description");
	if (access == 0)
		return comm_error(id, status, "create-community: invalid membership");
	if (!color || !*color || strlen(color) >= sizeof(c->color))
		return comm_error(id, status, "create-community: invalid color");
	if (n_comms == SC_MAX_COMMS)
		return comm_error(id, status, "too many communities");
	c = &comms[n_comms++];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, "0x02", 4);
	random_hex(c->id + 4, 32);
	random_hex(uuid, 16);
	memcpy(c->chat_id, c->id, 68); /* status-go: community id + a UUID */
	snprintf(c->chat_id + 68, sizeof(c->chat_id) - 68, "%.8s-%.4s-%.4s-%.4s-%.12s", uuid,
		 uuid + 8, uuid + 12, uuid + 16, uuid + 20);
	snprintf(c->owner, sizeof(c->owner), "%s", n->pubkey);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->description, sizeof(c->description), "%s", desc);
	snprintf(c->color, sizeof(c->color), "%s", color);
	c->access = (int)access;
	c->owned = c->joined = 1;
	return comm_answer(id, json_pack("{s:[o]}", "communities", comm_json(c)), NULL);
}

/* [{communityKey, waitForResponse, tryDatabase}]: the community once its owner described it;
 * until then null, and the owner is asked (again). */
static char *comm_fetch(struct ln_node *n, json_t *id, json_t *params, unsigned *status)
{
	const char *cid =
	    json_string_value(json_object_get(json_array_get(params, 0), "communityKey"));
	struct sc_comm *c = comm_find(cid);
	struct fl_error err = {0};

	if (!ln_statuscli_community_id(cid))
		return comm_error(id, status, "invalid community key");
	if (c)
		return comm_answer(id, comm_json(c), NULL);
	if (comm_send(n, LN_DM_COMMUNITY, cid, json_pack("{s:s}", "fetch", cid), &err) < 0)
		return comm_error(id, status, err.msg);
	return comm_answer(id, json_null(), NULL);
}

/* [{communityId, addressesToReveal, airdropAddress}] (request_to_join_community.go Validate) */
static char *comm_join(struct ln_node *n, json_t *id, json_t *params, unsigned *status)
{
	json_t *p = json_array_get(params, 0), *addrs = json_object_get(p, "addressesToReveal"), *a;
	const char *cid = json_string_value(json_object_get(p, "communityId"));
	const char *airdrop = json_string_value(json_object_get(p, "airdropAddress"));
	struct sc_comm *c;
	struct sc_req *r;
	struct fl_error err = {0};
	char material[256], rid[67];
	uint8_t h[32];
	int found = 0;
	size_t i;

	if (!cid || !*cid)
		return comm_error(id, status, "request-to-join-community: invalid community id");
	if (!json_array_size(addrs))
		return comm_error(id, status, "request-to-join-community: no addresses to reveal");
	if (!airdrop || !*airdrop)
		return comm_error(id, status,
				  "request-to-join-community: airdropAddress is "
				  "necessary when sending a list of addresses");
	json_array_foreach(addrs, i, a)
		found |= json_is_string(a) && !strcmp(json_string_value(a), airdrop);
	if (!found)
		return comm_error(id, status,
				  "request-to-join-community: airdropAddress must be "
				  "in the set of addresses to reveal");
	if (!(c = comm_find(cid)))
		return comm_error(id, status,
				  "community not found"); /* communities.ErrOrgNotFound */
	snprintf(material, sizeof(material), "%s-%s", n->pubkey, c->id);
	ln_sha256(material, strlen(material), h);
	memcpy(rid, "0x", 2);
	for (int k = 0; k < 32; k++)
		snprintf(rid + 2 + 2 * k, 3, "%02x", h[k]);
	if (!(r = req_find(rid))) { /* asked again: the same request (its id is key + community) */
		if (n_reqs == SC_MAX_REQS)
			return comm_error(id, status, "too many requests to join");
		r = &reqs[n_reqs++];
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", rid);
	snprintf(r->pubkey, sizeof(r->pubkey), "%s", n->pubkey);
	snprintf(r->cid, sizeof(r->cid), "%s", c->id);
	r->clock = (long long)time(NULL);
	r->state = REQ_PENDING;
	r->our = 1;
	c->requested_at = r->clock;
	if (comm_send(
		n, LN_DM_JOIN, c->id,
		json_pack("{s:s, s:s, s:I}", "r", r->id, "c", c->id, "clock", (json_int_t)r->clock),
		&err) < 0)
		return comm_error(id, status, err.msg);
	return comm_answer(id,
			   json_pack("{s:[o], s:[o], s:[]}", "communities", comm_json(c),
				     "requestsToJoinCommunity", req_json(r),
				     "activityCenterNotifications"),
			   NULL);
}

/* [communityId] */
static char *comm_pending(json_t *id, json_t *params, unsigned *status)
{
	const char *cid = json_string_value(json_array_get(params, 0));
	json_t *a = json_array();

	if (!cid) {
		json_decref(a);
		return comm_error(id, status, "params must be [communityId]");
	}
	for (int i = 0; i < n_reqs; i++)
		if (!reqs[i].our && reqs[i].state == REQ_PENDING && !strcasecmp(reqs[i].cid, cid))
			json_array_append_new(a, req_json(&reqs[i]));
	return comm_answer(id, a, NULL);
}

/* [{id}] (accept_request_to_join_community.go) */
static char *comm_accept(struct ln_node *n, json_t *id, json_t *params, unsigned *status)
{
	const char *rid = json_string_value(json_object_get(json_array_get(params, 0), "id"));
	struct sc_req *r = req_find(rid);
	struct sc_comm *c;
	struct fl_error err = {0};

	if (!rid || !*rid)
		return comm_error(id, status, "accept-request-to-join-community: invalid id");
	if (!r || r->our || !(c = comm_find(r->cid)) || !c->owned)
		return comm_error(id, status, "sql: no rows in result set");
	r->state = REQ_ACCEPTED;
	comm_add_member(c, r->pubkey);
	if (comm_send(n, LN_DM_ACCEPT, r->pubkey, json_pack("{s:s, s:s}", "r", r->id, "c", c->id),
		      &err) < 0)
		return comm_error(id, status, err.msg);
	return comm_answer(id,
			   json_pack("{s:[o], s:[o]}", "communities", comm_json(c),
				     "requestsToJoinCommunity", req_json(r)),
			   NULL);
}

static char *comm_joined(json_t *id)
{
	json_t *a = json_array();

	for (int i = 0; i < n_comms; i++)
		if (comms[i].joined)
			json_array_append_new(a, comm_json(&comms[i]));
	return comm_answer(id, a, NULL);
}

char *ln_statuscli_comm_rpc(struct ln_node *n, const char *method, json_t *id, json_t *params,
			    unsigned *status)
{
	if (!strcmp(method, "wakuext_createCommunity"))
		return comm_create(n, id, params, status);
	if (!strcmp(method, "wakuext_fetchCommunity"))
		return comm_fetch(n, id, params, status);
	if (!strcmp(method, "wakuext_requestToJoinCommunity"))
		return comm_join(n, id, params, status);
	if (!strcmp(method, "wakuext_pendingRequestsToJoinForCommunity"))
		return comm_pending(id, params, status);
	if (!strcmp(method, "wakuext_acceptRequestToJoinCommunity"))
		return comm_accept(n, id, params, status);
	if (!strcmp(method, "wakuext_joinedCommunities"))
		return comm_joined(id);
	return NULL;
}

/* --- the community's messages between nodes --- */

static void on_fetch(struct ln_node *n, const char *from, const char *cid)
{
	struct sc_comm *c = comm_find(cid);
	struct fl_error err = {0};

	if (c && c->owned)
		comm_send(n, LN_DM_COMMUNITY, from,
			  json_pack("{s:{s:s, s:s, s:s, s:s, s:i, s:s}}", "description", "id",
				    c->id, "name", c->name, "description", c->description, "color",
				    c->color, "access", c->access, "chat", c->chat_id),
			  &err);
}

static void on_description(const char *from, json_t *d)
{
	const char *cid = json_string_value(json_object_get(d, "id"));
	const char *s;
	struct sc_comm *c;

	if (!ln_statuscli_community_id(cid) || comm_find(cid) || n_comms == SC_MAX_COMMS)
		return;
	c = &comms[n_comms++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", cid);
	snprintf(c->owner, sizeof(c->owner), "%s", from);
	if ((s = json_string_value(json_object_get(d, "name"))))
		snprintf(c->name, sizeof(c->name), "%s", s);
	if ((s = json_string_value(json_object_get(d, "description"))))
		snprintf(c->description, sizeof(c->description), "%s", s);
	if ((s = json_string_value(json_object_get(d, "color"))))
		snprintf(c->color, sizeof(c->color), "%s", s);
	if ((s = json_string_value(json_object_get(d, "chat"))))
		snprintf(c->chat_id, sizeof(c->chat_id), "%s", s);
	c->access = (int)json_integer_value(json_object_get(d, "access"));
}

static void on_request(const char *from, json_t *j)
{
	const char *rid = json_string_value(json_object_get(j, "r"));
	const char *cid = json_string_value(json_object_get(j, "c"));
	struct sc_comm *c = comm_find(cid);
	struct sc_req *r;

	if (!rid || strlen(rid) != 66 || !c || !c->owned || req_find(rid) || n_reqs == SC_MAX_REQS)
		return;
	r = &reqs[n_reqs++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", rid);
	snprintf(r->pubkey, sizeof(r->pubkey), "%s", from);
	snprintf(r->cid, sizeof(r->cid), "%s", c->id);
	r->clock = json_integer_value(json_object_get(j, "clock"));
	r->state = REQ_PENDING;
}

static void on_accepted(const char *from, json_t *j)
{
	struct sc_comm *c = comm_find(json_string_value(json_object_get(j, "c")));
	struct sc_req *r = req_find(json_string_value(json_object_get(j, "r")));

	if (!c || strcmp(c->owner, from) != 0)
		return;
	c->joined = 1;
	if (r && r->our)
		r->state = REQ_ACCEPTED;
}

int ln_statuscli_community_dm(struct ln_node *n, const char *kind, const char *from,
			      const char *text)
{
	json_t *j;
	int done = 1;

	if (!ln_statuscli_on() || !kind || text[0] != '{')
		return 0;
	j = json_loads(text, 0, NULL);
	if (!j)
		return 0;
	if (!strcmp(kind, "community") && json_is_string(json_object_get(j, "fetch")))
		on_fetch(n, from, json_string_value(json_object_get(j, "fetch")));
	else if (!strcmp(kind, "community") && json_is_object(json_object_get(j, "description")))
		on_description(from, json_object_get(j, "description"));
	else if (!strcmp(kind, "join-request") && json_object_get(j, "c"))
		on_request(from, j);
	else if (!strcmp(kind, "accept") && json_object_get(j, "c"))
		on_accepted(from, j);
	else
		done = 0;
	json_decref(j);
	return done;
}
