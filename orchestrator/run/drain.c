/* The drain ledger: messages by plan id, each with its recipients and what became of them. */
#include "orchestrator/run/drain.h"

#include "orchestrator/analyze/amap.h"

#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum drain_pair { DRAIN_WAITING, DRAIN_RECEIVED, DRAIN_GIVEN_UP };

struct drain_msg {
	uint32_t from;
	uint32_t *to;
	unsigned char *state; /* enum drain_pair per recipient */
	size_t n_to;
	int answer; /* an acceptance: nothing comes once its sender is gone */
};

struct drain {
	struct amap ids; /* plan id → index in msgs */
	struct drain_msg *msgs;
	size_t n, cap;
	size_t pending;
	size_t n_nodes;
	unsigned char *gone; /* per node */
};

struct drain *drain_new(size_t n_nodes)
{
	struct drain *d = fl_xcalloc(1, sizeof(*d));

	d->n_nodes = n_nodes;
	d->gone = fl_xcalloc(n_nodes + 1, 1);
	return d;
}

void drain_free(struct drain *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->msgs[i].to);
		free(d->msgs[i].state);
	}
	free(d->msgs);
	free(d->gone);
	amap_free(&d->ids);
	free(d);
}

void drain_expect(struct drain *d, const char *msg, uint32_t from, const uint32_t *to, size_t n_to)
{
	struct drain_msg *m;

	if (!amap_put_new(&d->ids, msg, strlen(msg), (uint32_t)d->n))
		return; /* queued twice (a replay's resend): counted once */
	if (d->n == d->cap) {
		d->cap = d->cap * 2 + 64;
		d->msgs = fl_xreallocarray(d->msgs, d->cap, sizeof(*d->msgs));
	}
	m = &d->msgs[d->n++];
	m->answer = 0;
	m->from = from;
	m->n_to = n_to;
	m->to = fl_xmalloc(n_to * sizeof(*m->to));
	m->state = fl_xcalloc(n_to, 1);
	memcpy(m->to, to, n_to * sizeof(*m->to));
	for (size_t i = 0; i < n_to; i++) {
		if (to[i] < d->n_nodes && d->gone[to[i]])
			m->state[i] = DRAIN_GIVEN_UP;
		else
			d->pending++;
	}
}

/* The value of "key":"…" in a JSON line, up to its closing quote (no unescaping: the values
 * read here — event names and plan ids — never hold escapes). */
static const char *drain_field(const char *line, size_t len, const char *key, size_t *vlen)
{
	char pat[32];
	size_t plen = (size_t)snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = memmem(line, len, pat, plen), *end;

	if (!p)
		return NULL;
	p += plen;
	end = memchr(p, '"', len - (size_t)(p - line));
	if (!end)
		return NULL;
	*vlen = (size_t)(end - p);
	return p;
}

static int drain_settle(struct drain *d, struct drain_msg *m, size_t i, enum drain_pair to)
{
	if (m->state[i] != DRAIN_WAITING)
		return 0;
	m->state[i] = (unsigned char)to;
	d->pending--;
	return 1;
}

void drain_expect_accept(struct drain *d, const char *msg, uint32_t acceptor, uint32_t requester)
{
	char id[64];
	size_t n = d->n;

	snprintf(id, sizeof(id), "%s.accept", msg);
	drain_expect(d, id, acceptor, &requester, 1);
	if (d->n > n) {
		d->msgs[n].answer = 1;
		if (acceptor < d->n_nodes && d->gone[acceptor])
			drain_settle(d, &d->msgs[n], 0, DRAIN_GIVEN_UP);
	}
}

int drain_line(struct drain *d, uint32_t node, const char *line, size_t len)
{
	size_t elen, tlen, idlen;
	const char *ev = drain_field(line, len, "event", &elen);
	const char *text = drain_field(line, len, "text", &tlen);
	uint32_t idx;
	struct drain_msg *m;
	int settled = 0;

	if (!ev || !text)
		return 0;
	for (idlen = 0; idlen < tlen && text[idlen] != ' '; idlen++)
		;
	if (!amap_get(&d->ids, text, idlen, &idx))
		return 0;
	m = &d->msgs[idx];
	if (elen == 8 && memcmp(ev, "received", 8) == 0) {
		for (size_t i = 0; i < m->n_to; i++)
			if (m->to[i] == node)
				settled |= drain_settle(d, m, i, DRAIN_RECEIVED);
	} else if (elen == 6 && memcmp(ev, "failed", 6) == 0 && node == m->from) {
		for (size_t i = 0; i < m->n_to; i++)
			settled |= drain_settle(d, m, i, DRAIN_GIVEN_UP);
	}
	return settled;
}

void drain_give_up(struct drain *d, const char *msg)
{
	char acc[64];
	uint32_t idx;

	if (!amap_get(&d->ids, msg, strlen(msg), &idx))
		return;
	for (size_t i = 0; i < d->msgs[idx].n_to; i++)
		drain_settle(d, &d->msgs[idx], i, DRAIN_GIVEN_UP);
	snprintf(acc, sizeof(acc), "%s.accept", msg);
	if (amap_get(&d->ids, acc, strlen(acc), &idx)) /* no request, no acceptance */
		drain_settle(d, &d->msgs[idx], 0, DRAIN_GIVEN_UP);
}

void drain_node_gone(struct drain *d, uint32_t node)
{
	if (node >= d->n_nodes || d->gone[node])
		return;
	d->gone[node] = 1;
	for (size_t k = 0; k < d->n; k++)
		for (size_t i = 0; i < d->msgs[k].n_to; i++)
			if (d->msgs[k].to[i] == node ||
			    (d->msgs[k].answer && d->msgs[k].from == node))
				drain_settle(d, &d->msgs[k], i, DRAIN_GIVEN_UP);
}

int drain_delivered(const struct drain *d, const char *msg)
{
	const struct drain_msg *m;
	uint32_t idx;
	int r = 1;

	if (!amap_get(&d->ids, msg, strlen(msg), &idx))
		return 0;
	m = &d->msgs[idx];
	for (size_t i = 0; i < m->n_to; i++) {
		if (m->state[i] == DRAIN_GIVEN_UP)
			return -1;
		if (m->state[i] == DRAIN_WAITING)
			r = 0;
	}
	return r;
}

size_t drain_pending(const struct drain *d)
{
	return d->pending;
}

size_t drain_messages(const struct drain *d)
{
	return d->n;
}

size_t drain_settled_from(const struct drain *d, size_t from)
{
	for (; from < d->n; from++)
		for (size_t i = 0; i < d->msgs[from].n_to; i++)
			if (d->msgs[from].state[i] == DRAIN_WAITING)
				return from;
	return d->n;
}
