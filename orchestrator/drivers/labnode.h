/* labnode's control surfaces (labnode.c), shared by the drivers of nodes that offer the same
 * ones: jswaku (images/jswaku) answers labnode's REST and JSON-RPC subset and writes the same
 * events file, so its driver differs from labnode's only in how the node is started. */
#ifndef FL_DRIVERS_LABNODE_H
#define FL_DRIVERS_LABNODE_H

#include "orchestrator/drivers/driver.h"

int labnode_health(struct driver_node *n, struct fl_error *err);
int labnode_identity(struct driver_node *n, struct fl_error *err);
int labnode_connect(struct driver_node *n, const struct driver_node *peer, struct fl_error *err);
int labnode_send(struct driver_node *n, const char *kind, struct driver_node *const *to, size_t nto,
		 const char *text, struct driver_sent *out, struct fl_error *err);
int labnode_receipts(struct driver_node *n, FILE *events, struct fl_error *err);
/* labnode_group.c: wakuext_createGroupChatWithMembers (driver_ops.group_create). */
int labnode_group_create(struct driver_node *n, struct driver_node *const *to, size_t nto,
			 const char *name, struct driver_sent *out, struct fl_error *err);
/* labnode_store.c: GET /store/v3/messages?peerAddr=…&hashes=… (driver_ops.store_query). */
int labnode_store_query(struct driver_node *n, const struct driver_node *store, char (*hashes)[80],
			size_t nh, unsigned char *found, struct fl_error *err);
int labnode_own_events(const char *kind);
void labnode_release(struct driver_node *n);

#endif
