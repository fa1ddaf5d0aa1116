#include "images/labnode/ln_rest_conns.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <sys/socket.h>

/* Shuts down the connection idle for longest; 0 when every connection is busy or closing.
 * MHD sees end-of-stream on its next read and closes the connection as a client abort (the
 * descriptor stays MHD's to close). */
static int evict_one(struct ln_rest_conns *cs, const struct ln_rest_conn *keep)
{
	struct ln_rest_conn *best = NULL;

	for (unsigned i = 0; i < cs->n; i++) {
		struct ln_rest_conn *c = cs->v[i];
		if (c == keep || c->busy || c->closing)
			continue;
		if (!best || c->idle_since_ms < best->idle_since_ms)
			best = c;
	}
	if (!best)
		return 0;
	shutdown(best->fd, SHUT_RDWR);
	best->closing = 1;
	cs->evicted++;
	return 1;
}

static unsigned open_count(const struct ln_rest_conns *cs)
{
	unsigned k = 0;

	for (unsigned i = 0; i < cs->n; i++)
		k += !cs->v[i]->closing;
	return k;
}

struct ln_rest_conn *ln_rest_conns_add(struct ln_rest_conns *cs, int fd, int64_t now_ms)
{
	struct ln_rest_conn *c;
	unsigned room = cs->max > LN_REST_SPARE ? cs->max - LN_REST_SPARE : 1;

	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 64;
		cs->v = fl_xreallocarray(cs->v, cs->cap, sizeof(*cs->v));
	}
	c = fl_xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->idle_since_ms = now_ms;
	c->idx = cs->n;
	cs->v[cs->n++] = c;
	if (cs->n > room) /* only near the limit: the count is a scan */
		for (unsigned open = open_count(cs); open > room && evict_one(cs, c); open--)
			;
	return c;
}

void ln_rest_conns_del(struct ln_rest_conns *cs, struct ln_rest_conn *c)
{
	if (!c)
		return;
	cs->v[c->idx] = cs->v[--cs->n];
	cs->v[c->idx]->idx = c->idx;
	free(c);
}

void ln_rest_conns_free(struct ln_rest_conns *cs)
{
	for (unsigned i = 0; i < cs->n; i++)
		free(cs->v[i]);
	free(cs->v);
	cs->v = NULL;
	cs->n = cs->cap = 0;
}
