/* group creation through labnode: wakuext_createGroupChatWithMembers in labnode's own shape,
 * [{"members": [key, ...], "name": name}]; each member learns of it from a group message
 * "<name> created the group" (docs/LABNODE.md). */
#include "orchestrator/drivers/driver_json.h"
#include "orchestrator/drivers/labnode.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int labnode_group_create(struct driver_node *n, struct driver_node *const *to, size_t nto,
			 const char *name, struct driver_sent *out, struct fl_error *err)
{
	json_t *p = json_object(), *m = json_array();
	json_auto_t *res = NULL;
	char key[192], text[300];

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < nto; i++) {
		driver_node_key(to[i], key, sizeof(key));
		json_array_append_new(m, json_string(key));
	}
	json_object_set_new(p, "members", m);
	json_object_set_new(p, "name", json_string(name));
	if (driver_json_rpc(n, "wakuext_createGroupChatWithMembers", json_pack("[o]", p), &res,
			    err) < 0)
		return -1;
	snprintf(text, sizeof(text), "%s created the group", name);
	return driver_json_sent_from(n, "wakuext_createGroupChatWithMembers", res, text, out, err);
}
