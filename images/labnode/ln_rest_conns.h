/* The REST server's connections: which are idle, and room kept for new ones. libmicrohttpd
 * (0.9.75) stops accepting once MHD_OPTION_CONNECTION_LIMIT is reached; new connections
 * (the orchestrator's health checks among them) then wait in the listen backlog for as long
 * as the old ones are held, and those whose client gives up sit there in CLOSE-WAIT. Here, a
 * connection that takes the count past max − LN_REST_SPARE shuts down the connection that has
 * been idle (no request in progress) the longest, so there is always room. */
#ifndef LN_REST_CONNS_H
#define LN_REST_CONNS_H

#include <stdint.h>

#define LN_REST_SPARE 8

struct ln_rest_conn {
	int fd;
	int busy;	       /* a request is in progress (headers received, not answered) */
	int closing;	       /* shut down by us; MHD closes it on its next run */
	int64_t idle_since_ms; /* last request answered, or accepted */
	unsigned idx;
};

struct ln_rest_conns {
	struct ln_rest_conn **v;
	unsigned n, cap;
	unsigned max;	       /* the connection limit given to MHD */
	unsigned long evicted; /* idle connections shut down to make room */
};

/* A new connection on fd: tracked, and the longest-idle ones shut down while the count of
 * connections not already closing exceeds max − LN_REST_SPARE. Returns the record. */
struct ln_rest_conn *ln_rest_conns_add(struct ln_rest_conns *cs, int fd, int64_t now_ms);
void ln_rest_conns_del(struct ln_rest_conns *cs, struct ln_rest_conn *c);
void ln_rest_conns_free(struct ln_rest_conns *cs);

#endif
