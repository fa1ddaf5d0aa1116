/* The status-cli JSON-RPC subset at POST / (docs/LABNODE.md). */
#include "images/labnode/ln_dm.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_rest.h"
#include "images/labnode/ln_statuscli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *rpc_error(json_t *id, int code, const char *msg)
{
	json_t *j = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
			      id ? id : json_null(), "error", "code", code, "message", msg);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static char *rpc_result(json_t *id, json_t *result)
{
	json_t *j = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(),
			      "result", result);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static json_t *rpc_peers(struct ln_node *n)
{
	json_t *a = json_array();

	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (p && p->state == LN_PEER_UP)
			json_array_append_new(
			    a, json_pack("{s:s, s:s}", "peerId", p->peer_id, "publicKey", p->key));
	}
	return a;
}

static const struct {
	const char *method;
	enum ln_dm_kind kind;
} send_methods[] = {
    {"wakuext_sendOneToOneMessage", LN_DM_DM},
    {"wakuext_sendContactRequest", LN_DM_CONTACT},
    {"wakuext_requestToJoinCommunity", LN_DM_JOIN},
    {"wakuext_sendGroupChatMessage", LN_DM_GROUP},
};

/* params: [{"id": key, "message": text}], or for groups [{"members": [key...],
 * "message": text}]. A contact or join request may add "accept": true (labnode's addition):
 * the receiver accepts it on receipt, as its user would with status-go's
 * wakuext_acceptContactRequest / the owner's wakuext_acceptRequestToJoinCommunity. */
static char *rpc_send(struct ln_node *n, const char *method, json_t *id, json_t *params,
		      unsigned *status)
{
	const char *to[LN_MAX_PEERS], *text;
	json_t *p = json_array_get(params, 0), *members, *v;
	char mid[67], hash[67];
	struct fl_error err;
	int kind = -1, n_to = 0;
	unsigned flags = 0;
	size_t i;

	for (i = 0; i < FL_ARRAY_SIZE(send_methods); i++)
		if (!strcmp(method, send_methods[i].method))
			kind = (int)send_methods[i].kind;
	if (kind < 0) {
		*status = 404;
		return rpc_error(id, -32601, "method not found");
	}
	text = json_string_value(json_object_get(p, "message"));
	if (kind == LN_DM_GROUP) {
		members = json_object_get(p, "members");
		json_array_foreach(members, i, v)
			if (n_to < LN_MAX_PEERS && json_is_string(v))
				to[n_to++] = json_string_value(v);
	} else if (json_is_string(json_object_get(p, "id"))) {
		to[n_to++] = json_string_value(json_object_get(p, "id"));
	}
	if (!json_is_object(p) || !text || !n_to) {
		*status = 400;
		return rpc_error(
		    id, -32602,
		    kind == LN_DM_GROUP
			? "params must be [{\"members\": [key, ...], \"message\": text}]"
			: "params must be [{\"id\": key, \"message\": text}]");
	}
	if (json_is_true(json_object_get(p, "accept")) &&
	    (kind == LN_DM_CONTACT || kind == LN_DM_JOIN))
		flags |= LN_DM_WANT_ACCEPT;
	if (ln_dm_send(n, (enum ln_dm_kind)kind, to, n_to, text, flags, mid, hash, &err) < 0) {
		*status = 400;
		return rpc_error(id, -32602, err.msg);
	}
	/* "hash" is labnode's addition (the first envelope's Waku hash, for the run journal) */
	return rpc_result(id, json_pack("{s:[{s:s, s:s, s:s}]}", "messages", "id", mid, "text",
					text, "hash", hash));
}

/* Labnode's own shape of group creation: [{"members": [key, ...], "name": name}]. Each
 * member learns of the group from a group message "<name> created the group" (status-go's
 * members receive the "@<creator> created the group <name>" line the same way); the answer
 * is status-go's {"chats": [{"id", "name", "chatType": 3}], "messages": [{"id", "text",
 * "hash"}]}. */
static char *rpc_group_create(struct ln_node *n, json_t *id, json_t *params, unsigned *status)
{
	const char *to[LN_MAX_PEERS], *name;
	json_t *p = json_array_get(params, 0), *v;
	char mid[67], hash[67], text[300], chat[400];
	struct fl_error err;
	int n_to = 0;
	size_t i;

	name = json_string_value(json_object_get(p, "name"));
	json_array_foreach(json_object_get(p, "members"), i, v)
		if (n_to < LN_MAX_PEERS && json_is_string(v))
			to[n_to++] = json_string_value(v);
	if (!name || !n_to || strlen(name) > 200) {
		*status = 400;
		return rpc_error(id, -32602,
				 "params must be [{\"members\": [key, ...], \"name\": name}]");
	}
	snprintf(text, sizeof(text), "%s created the group", name);
	if (ln_dm_send(n, LN_DM_GROUP, to, n_to, text, 0, mid, hash, &err) < 0) {
		*status = 400;
		return rpc_error(id, -32602, err.msg);
	}
	snprintf(chat, sizeof(chat), "%s-%s", name, n->pubkey);
	return rpc_result(id, json_pack("{s:[{s:s, s:s, s:i}], s:[{s:s, s:s, s:s}]}", "chats", "id",
					chat, "name", name, "chatType", 3, "messages", "id", mid,
					"text", text, "hash", hash));
}

char *ln_rpc_handle(struct ln_node *n, const char *body, size_t len, unsigned *status)
{
	json_error_t e;
	json_t *j = json_loadb(body, len, 0, &e), *id, *params;
	const char *method;
	char *out;

	*status = 200;
	if (!j) {
		*status = 400;
		return rpc_error(NULL, -32700, e.text);
	}
	id = json_object_get(j, "id");
	method = json_string_value(json_object_get(j, "method"));
	params = json_object_get(j, "params");
	if (!method) {
		*status = 400;
		out = rpc_error(id, -32600, "missing \"method\"");
	} else if ((out = ln_statuscli_rpc(n, method, id, params, status))) {
		/* status-go's shapes in status-cli mode */
	} else if (!strcmp(method, "waku_info")) {
		out = rpc_result(id, json_pack("{s:s, s:s, s:s}", "peerId", n->peer_id, "publicKey",
					       n->pubkey, "name", n->cfg.name));
	} else if (!strcmp(method, "wakuext_createGroupChatWithMembers")) {
		out = rpc_group_create(n, id, params, status);
	} else if (!strcmp(method, "wakuext_peers")) {
		out = rpc_result(id, rpc_peers(n));
	} else {
		out = rpc_send(n, method, id, params, status);
	}
	json_decref(j);
	return out;
}
