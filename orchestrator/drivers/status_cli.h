/* The status-cli driver's join requests (status_cli_join.c), apart from its chats
 * (status_cli.c). */
#ifndef FL_STATUS_CLI_H
#define FL_STATUS_CLI_H

#include "orchestrator/drivers/driver.h"

/* n fetches community cid (owned by owner) and asks to join it; the request id goes to
 * out->node_msg_id. Its receipt at the owner, the owner's acceptance (accept) and the
 * requester's joining are then seen by sc_join_receipts. */
int sc_join_send(struct driver_node *n, struct driver_node *owner, const char *cid,
		 const char *text, int accept, struct driver_sent *out, struct fl_error *err);
/* The join receipts node n shows now, as `received` lines appended to events. The number of
 * new lines, or -1 + err. */
int sc_join_receipts(struct driver_node *n, FILE *events, struct fl_error *err);
/* Drops the requests n sent or owns (its release). */
void sc_join_forget(struct driver_node *n);

#endif
