/* Direct messages between node identities and their reliability layers (mvds,
 * store-recovery, sent-check). The node calls these hooks; the REST JSON-RPC calls
 * ln_dm_send. */
#ifndef LN_DM_H
#define LN_DM_H

#include "common/error.h"
#include "images/labnode/ln_msg.h"

struct ln_node;
struct ln_peer;

/* LN_DM_ACCEPT: the acceptance a node sends back for a contact or join request that asked for
 * one (LN_DM_WANT_ACCEPT); its text is the request's first word + ".accept". */
/* LN_DM_COMMUNITY: status-cli mode's community description and its fetch (ln_statuscli_comm.c),
 * sent to a community id as well as to keys. */
enum ln_dm_kind {
	LN_DM_DM,
	LN_DM_CONTACT,
	LN_DM_JOIN,
	LN_DM_GROUP,
	LN_DM_ACCEPT,
	LN_DM_COMMUNITY,
	LN_DM_KIND_MAX
};

/* ln_dm_send flags */
#define LN_DM_WANT_ACCEPT 1u /* the receiver is to accept the request (contact/join) */

int ln_dm_init(struct ln_node *n, struct fl_error *err);
void ln_dm_free(struct ln_node *n);
void ln_dm_peer_up(struct ln_node *n, struct ln_peer *p);
void ln_dm_peer_down(struct ln_node *n, struct ln_peer *p);
void ln_dm_wakeup(struct ln_node *n);
/* Sees every message the node receives or publishes (relay or filter). */
void ln_dm_on_message(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
		      const uint8_t hash[LN_HASH_LEN]);
/* Sends text to each of to[n_to] (public keys); flags: LN_DM_WANT_ACCEPT or 0. Writes the message
 * id ("0x" + 64 hex) to id_out and the Waku hash of the first envelope to hash_out. Returns -1 (err
 * set) when a key is malformed. */
int ln_dm_send(struct ln_node *n, enum ln_dm_kind kind, const char *const *to, int n_to,
	       const char *text, unsigned flags, char id_out[67], char hash_out[67],
	       struct fl_error *err);
const char *ln_dm_kind_name(enum ln_dm_kind k);
/* The content topic on which key receives direct messages. */
void ln_dm_topic(const char *key, char out[LN_TOPIC_MAX]);

#endif
