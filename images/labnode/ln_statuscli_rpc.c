/* status-cli mode's group chats, in status-go's JSON-RPC shapes (status-go
 * protocol/messenger_group_chat.go CreateGroupChatWithMembers; services/ext/api.go
 * CreateGroupChatWithMembers(ctx Context, name string, members []string), whose Context
 * parameter is JSON null, and SendGroupChatMessage(requests.SendGroupChatMessage{ID,
 * Message}); called as
 * status-cli-tests @ 07d9737 src/node/status_node.py does):
 *
 *   wakuext_createGroupChatWithMembers [null, name, [key, …]]
 *     → {"chats":[{"id","name","chatType":3,"active":true,"members":[{"id","admin"}]}],
 *        "messages":[{"id","chatId","text":"@<creator> created the group <name>"}]}
 *     and the members receive that system message (status-cli logs it as `message
 *     received:`, which status-cli-tests waits for: "created the group <name>");
 *   wakuext_sendGroupChatMessage [{"id": chat id, "message": text}]
 *     → {"chats":[…],"messages":[{"id","chatId","text","hash"}]}, sent to every member but
 *     the sender.
 *
 * The chat id is status-go's group chat id: a random UUID, "-", the creator's key
 * (v1protocol NewGroupWithCreator). Not copied: membership update events and signatures,
 * the mutual-contact check (ErrGroupChatAddedContacts), communities. */
#include "images/labnode/ln_dm.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_statuscli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SC_MAX_CHATS 256

struct sc_chat {
	char id[180];
	char name[128];
	int n_members;
	char members[LN_MAX_PEERS][133];
};

static struct sc_chat sc_chats[SC_MAX_CHATS];
static int sc_n_chats;

static char *sc_rpc_error(json_t *id, int code, const char *msg)
{
	json_t *j = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
			      id ? id : json_null(), "error", "code", code, "message", msg);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static char *sc_rpc_result(json_t *id, json_t *result)
{
	json_t *j = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(),
			      "result", result);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static void sc_uuid(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		memset(b, 0x5a, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static json_t *sc_chat_json(const struct ln_node *n, const struct sc_chat *c)
{
	json_t *m = json_array();

	json_array_append_new(m, json_pack("{s:s,s:b}", "id", n->pubkey, "admin", 1));
	for (int i = 0; i < c->n_members; i++)
		json_array_append_new(m, json_pack("{s:s,s:b}", "id", c->members[i], "admin", 0));
	return json_pack("[{s:s,s:s,s:i,s:b,s:o}]", "id", c->id, "name", c->name, "chatType", 3,
			 "active", 1, "members", m);
}

/* Sends text to the chat's members; the answer's message. */
static json_t *sc_chat_send(struct ln_node *n, const struct sc_chat *c, const char *text,
			    struct fl_error *err)
{
	const char *to[LN_MAX_PEERS];
	char mid[67], hash[67];
	int k = 0;

	for (int i = 0; i < c->n_members; i++)
		if (strcmp(c->members[i], n->pubkey) != 0)
			to[k++] = c->members[i];
	if (k == 0) {
		fl_err(err, "the group has no member but its creator");
		return NULL;
	}
	if (ln_dm_send(n, LN_DM_GROUP, to, k, text, 0, mid, hash, err) < 0)
		return NULL;
	return json_pack("{s:s,s:s,s:s,s:s}", "id", mid, "chatId", c->id, "text", text, "hash",
			 hash);
}

static char *sc_create_group(struct ln_node *n, json_t *id, json_t *params, unsigned *status)
{
	json_t *keys = json_array_get(params, 2), *k, *msg;
	const char *name = json_string_value(json_array_get(params, 1));
	struct sc_chat *c;
	struct fl_error err = {0};
	char uuid[37], text[320];
	size_t i;

	if (!name || !json_is_array(keys) || json_array_size(keys) > LN_MAX_PEERS) {
		*status = 400;
		return sc_rpc_error(id, -32602, "params must be [null, name, [key, ...]]");
	}
	if (sc_n_chats == SC_MAX_CHATS) {
		*status = 400;
		return sc_rpc_error(id, -32000, "too many group chats");
	}
	c = &sc_chats[sc_n_chats];
	memset(c, 0, sizeof(*c));
	sc_uuid(uuid);
	snprintf(c->id, sizeof(c->id), "%s-%s", uuid, n->pubkey);
	snprintf(c->name, sizeof(c->name), "%s", name);
	json_array_foreach(keys, i, k) {
		if (!json_is_string(k) || strlen(json_string_value(k)) != 132) {
			*status = 400;
			return sc_rpc_error(id, -32602, "a member is not a public key");
		}
		snprintf(c->members[c->n_members++], sizeof(c->members[0]), "%s",
			 json_string_value(k));
	}
	snprintf(text, sizeof(text), "@%s created the group %s", n->pubkey, c->name);
	msg = sc_chat_send(n, c, text, &err);
	if (!msg) {
		*status = 400;
		return sc_rpc_error(id, -32000, err.msg);
	}
	sc_n_chats++;
	return sc_rpc_result(
	    id, json_pack("{s:o,s:[o]}", "chats", sc_chat_json(n, c), "messages", msg));
}

static char *sc_send_group(struct ln_node *n, json_t *id, json_t *params, unsigned *status)
{
	json_t *p = json_array_get(params, 0), *msg;
	const char *chat = json_string_value(json_object_get(p, "id"));
	const char *text = json_string_value(json_object_get(p, "message"));
	struct fl_error err = {0};

	if (!chat || !text) {
		*status = 400;
		return sc_rpc_error(id, -32602,
				    "params must be [{\"id\": chat id, \"message\": text}]");
	}
	for (int i = 0; i < sc_n_chats; i++) {
		if (strcmp(sc_chats[i].id, chat) != 0)
			continue;
		msg = sc_chat_send(n, &sc_chats[i], text, &err);
		if (!msg) {
			*status = 400;
			return sc_rpc_error(id, -32000, err.msg);
		}
		return sc_rpc_result(id, json_pack("{s:o,s:[o]}", "chats",
						   sc_chat_json(n, &sc_chats[i]), "messages", msg));
	}
	*status = 400;
	return sc_rpc_error(id, -32000, "chat not found"); /* status-go ErrChatNotFound */
}

char *ln_statuscli_rpc(struct ln_node *n, const char *method, json_t *id, json_t *params,
		       unsigned *status)
{
	if (!ln_statuscli_on())
		return NULL;
	if (!strncmp(method, "wakuext_", 8) && strstr(method, "ommunit"))
		return ln_statuscli_comm_rpc(n, method, id, params, status);
	if (strcmp(method, "wakuext_createGroupChatWithMembers") == 0)
		return sc_create_group(n, id, params, status);
	if (strcmp(method, "wakuext_sendGroupChatMessage") == 0)
		return sc_send_group(n, id, params, status);
	return NULL;
}
