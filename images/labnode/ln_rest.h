/* The REST + JSON-RPC surface (nwaku's subset and shapes, docs/LABNODE.md), on libmicrohttpd in
 * external-epoll mode: its epoll fd sits in the node's loop, so handlers run on the loop's
 * thread and touch node state without locks. Answers that need a peer (lightpush from a light
 * node, store queries forwarded to a service) suspend the HTTP connection until the peer's
 * answer or the request timeout. */
#ifndef LN_REST_H
#define LN_REST_H

#include "common/error.h"

struct ln_node;

int ln_rest_start(struct ln_node *n, const char *addr, struct fl_error *err);
/* Lets MHD process what is ready; the node calls it after each batch of events. */
void ln_rest_run(struct ln_node *n);
void ln_rest_stop(struct ln_node *n);

/* JSON-RPC 2.0 at POST / (ln_rpc.c): returns the response body (malloc'd), sets *status. */
char *ln_rpc_handle(struct ln_node *n, const char *body, size_t len, unsigned *status);

#endif
