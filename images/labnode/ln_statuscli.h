/* status-cli mode: labnode started with status-go's cmd/status-cli command line (status-go
 * @ c72f491, 2024-10-23: main.go, serve.go, util.go) behaves as that program does on its
 * surfaces: the same subcommands and flags, JSON-RPC on 127.0.0.1:<port> only, its zap
 * development-console lines on stderr (`message received: <text> (ID=<id>)`, readiness
 * `retrieve messages...`), no events file. images/labnode/README.md, "status-cli mode". */
#ifndef LN_STATUSCLI_H
#define LN_STATUSCLI_H

#include "common/error.h"

struct ln_config;
struct ln_node;

/* When argv[1] is serve|s|serve-account|sl: reads status-cli's flags into c and replaces
 * *argc, *argv by what labnode's own parser should still see (the labnode options that follow
 * the status-cli flags, then the words of $LABNODE_ARGS). 1 in status-cli mode, 0 when the
 * command line is labnode's own, -1 with err on a bad status-cli command line. */
int ln_statuscli_args(int *argc, char ***argv, struct ln_config *c, struct fl_error *err);
/* After the config is final: the account (a new one for serve, the stored one for
 * serve-account, under ./test-<name>/) and the start-up lines. -1 with err. */
int ln_statuscli_account(struct ln_config *c, struct fl_error *err);
/* Once the node and its RPC listen: the contact request of -a, then `retrieve messages...`. */
void ln_statuscli_ready(struct ln_node *n);
void ln_statuscli_exiting(void);
int ln_statuscli_on(void);
/* status-cli mode's JSON-RPC methods that differ from labnode's own (ln_statuscli_rpc.c: group
 * chats in status-go's shapes). The answer (status set), or NULL when method is not one of
 * them or the mode is off. */
struct json_t;
char *ln_statuscli_rpc(struct ln_node *n, const char *method, struct json_t *id,
		       struct json_t *params, unsigned *status);

/* status-cli mode's communities (ln_statuscli_comm.c). The RPC methods' answer (status set),
 * or NULL when method is not one of them. */
char *ln_statuscli_comm_rpc(struct ln_node *n, const char *method, struct json_t *id,
			    struct json_t *params, unsigned *status);
/* 1 when s has a community id's shape ("0x02"|"0x03" + 64 hex: a compressed public key). */
int ln_statuscli_community_id(const char *s);
/* 1 when topic is the content topic of a community this node owns (its requests arrive
 * there). */
int ln_statuscli_community_topic(const char *topic);
/* 1 when the community cid is known to be owned by key (its acks come from the owner). */
int ln_statuscli_community_owned_by(const char *cid, const char *key);
/* A direct message of kind (NULL: dm) from `from`: 1 when it is a community's own message
 * (fetch, description, join request, acceptance) and was handled, 0 otherwise. */
int ln_statuscli_community_dm(struct ln_node *n, const char *kind, const char *from,
			      const char *text);

/* An application line: in status-cli mode a zap console line on stderr with caller (NULL:
 * status-cli prints no such line, nothing is printed); else the text on stdout. */
void ln_node_say(struct ln_node *n, const char *caller, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
