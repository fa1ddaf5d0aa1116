/* Node argument placeholders (nodeargs.h). */
#include "orchestrator/drivers/nodeargs.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct nodeargs_buf {
	char *s;
	size_t n, cap;
};

static void nodeargs_put(struct nodeargs_buf *b, const char *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = fl_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, p, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void nodeargs_str(struct nodeargs_buf *b, const char *s)
{
	nodeargs_put(b, s, strlen(s));
}

/* One placeholder at p ("@…@", len bytes): its value appended; 0 when it is not ours. */
static int nodeargs_one(const struct nodeargs *x, const char *p, size_t len, const char *peer,
			struct nodeargs_buf *b)
{
	char buf[64];

	if (len == 6 && memcmp(p, "@PEER@", 6) == 0) {
		nodeargs_str(b, peer ? peer : "");
	} else if (len == 7 && memcmp(p, "@PEERS@", 7) == 0) {
		for (size_t i = 0; i < x->n_peers; i++) {
			if (i)
				nodeargs_str(b, ",");
			nodeargs_str(b, x->peers[i]);
		}
	} else if (len == 6 && memcmp(p, "@ADDR@", 6) == 0) {
		nodeargs_str(b, x->address);
	} else if (len == 6 && memcmp(p, "@NAME@", 6) == 0) {
		nodeargs_str(b, x->name);
	} else if (len > 7 && memcmp(p, "@ADDR:", 6) == 0 && x->addr_of) {
		const char *a = x->addr_of(x->addr_ctx, p + 6, len - 7, buf, sizeof(buf));

		if (!a)
			return 0;
		nodeargs_str(b, a);
	} else {
		return 0;
	}
	return 1;
}

static char *nodeargs_subst(const struct nodeargs *x, const char *arg, const char *peer)
{
	struct nodeargs_buf b = {0};
	const char *p = arg;

	nodeargs_put(&b, "", 0);
	while (*p) {
		const char *at = strchr(p, '@'), *end;

		if (!at) {
			nodeargs_str(&b, p);
			break;
		}
		nodeargs_put(&b, p, (size_t)(at - p));
		end = strchr(at + 1, '@');
		if (!end || !nodeargs_one(x, at, (size_t)(end - at + 1), peer, &b)) {
			nodeargs_put(&b, at, 1); /* not ours (e.g. @DATA@): kept */
			p = at + 1;
			continue;
		}
		p = end + 1;
	}
	return b.s;
}

void nodeargs_expand(const struct nodeargs *x, const char *arg, driver_push_fn push, void *ctx)
{
	char *s;

	if (!strstr(arg, "@PEER@")) {
		s = nodeargs_subst(x, arg, NULL);
		push(ctx, s);
		free(s);
		return;
	}
	for (size_t i = 0; i < x->n_peers; i++) {
		s = nodeargs_subst(x, arg, x->peers[i]);
		push(ctx, s);
		free(s);
	}
}
