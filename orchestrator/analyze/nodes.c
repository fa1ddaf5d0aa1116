/* nodes/<node>/events.jsonl (what each node's CLI reported: sent, received, delivered,
 * failed, retransmit, recovered), joined to the plan's messages. */
#include "orchestrator/analyze/mesh.h"
#include "orchestrator/analyze/ledger.h"

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "orchestrator/analyze/linescan.h"
#include "orchestrator/analyze/statuscli_log.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A receipt whose message could not be named yet (its sender's file comes later). */
struct nodes_pending {
	const char *id, *hash, *text;
	uint32_t node;
	double t_ms;
};

struct nodes_ctx {
	struct analyze_run *run;
	uint32_t node;
	struct nodes_pending *pending;
	size_t n_pending, cap_pending;
	int timed_only; /* status-cli lines beside an events file: only zap console ones */
};

struct nodes_event {
	struct flatjson_val event, id, hash, text;
	double t_ms;
};

static int nodes_parse(const char *p, size_t n, struct nodes_event *e)
{
	struct flatjson it;
	struct flatjson_val v;
	const char *k;
	size_t kl;
	int r;

	memset(e, 0, sizeof(*e));
	e->event.type = e->id.type = e->hash.type = e->text.type = FLATJSON_NULL;
	e->t_ms = NAN;
	if (flatjson_begin(&it, p, n) < 0)
		return -1;
	while ((r = flatjson_next(&it, &k, &kl, &v)) > 0) {
		if (flatjson_key_is(k, kl, "event"))
			e->event = v;
		else if (flatjson_key_is(k, kl, "id"))
			e->id = v;
		else if (flatjson_key_is(k, kl, "hash"))
			e->hash = v;
		else if (flatjson_key_is(k, kl, "text"))
			e->text = v;
		else if (flatjson_key_is(k, kl, "t_ms") && v.type == FLATJSON_NUM)
			e->t_ms = v.num;
	}
	return r;
}

/* Builds msg_by_node_id the first time a receipt cannot be named by its text (a node that
 * does not echo the text); until then the million inserts are not worth it. */
static void nodes_node_id_map(struct analyze_run *run)
{
	run->node_id_map = 1;
	amap_reserve(&run->msg_by_node_id, run->n_msgs);
	for (size_t i = 0; i < run->n_msgs; i++) {
		const char *id = run->msgs[i].node_id;

		if (id)
			amap_put_new(&run->msg_by_node_id, id, strlen(id), (uint32_t)i);
	}
}

/* Names the message of an event: plan id at the start of the text, node id, hash. */
static uint32_t nodes_resolve(struct analyze_run *run, const char *text, size_t tn, const char *id,
			      size_t idn, const char *hash, size_t hn)
{
	uint32_t mi;

	if (text && (mi = runload_msg_by_text(run, text, tn)) != ANALYZE_NONE)
		return mi;
	if (id && idn && !run->node_id_map)
		nodes_node_id_map(run);
	if (id && idn && amap_get(&run->msg_by_node_id, id, idn, &mi))
		return mi;
	if (hash && hn && amap_get(&run->msg_by_hash, hash, hn, &mi))
		return mi;
	return ANALYZE_NONE;
}

static uint32_t nodes_resolve_event(struct analyze_run *run, const struct nodes_event *e)
{
	const struct flatjson_val *t = &e->text, *i = &e->id, *h = &e->hash;

	return nodes_resolve(run, t->type == FLATJSON_STR ? t->p : NULL, t->n,
			     i->type == FLATJSON_STR ? i->p : NULL, i->n,
			     h->type == FLATJSON_STR ? h->p : NULL, h->n);
}

/* A copy surfaced to the receiving app: a `received` line. (`recovered` only says how a copy
 * came — from a store — and is always followed by its `received` line; docs/FORMATS.md.) */
static void nodes_receipt(struct analyze_run *run, uint32_t mi, uint32_t node, double t_ms)
{
	struct analyze_message *m = &run->msgs[mi];

	for (uint32_t i = m->first; i < m->first + m->n; i++) {
		struct analyze_delivery *d = &run->dels[i];

		if (d->to != node)
			continue;
		d->copies++;
		if (isnan(d->received_ms) || t_ms < d->received_ms)
			d->received_ms = t_ms;
		return;
	}
	run->stray_receipts++;
}

static void nodes_sender_event(struct analyze_run *run, uint32_t mi, const struct nodes_event *e,
			       double t_ms)
{
	struct analyze_message *m = &run->msgs[mi];
	const struct flatjson_val *ev = &e->event;

	if (flatjson_key_is(ev->p, ev->n, "sent")) {
		if (!isnan(t_ms))
			m->sent_ms = t_ms; /* the node's own clock beats the journal's */
		if (!m->node_id && e->id.type == FLATJSON_STR && e->id.n) {
			m->node_id = runload_str(run, &e->id);
			if (m->node_id && run->node_id_map)
				amap_put_new(&run->msg_by_node_id, m->node_id, strlen(m->node_id),
					     mi);
		}
		if (!m->hash && e->hash.type == FLATJSON_STR && e->hash.n) {
			m->hash = runload_str(run, &e->hash);
			if (m->hash)
				amap_put_new(&run->msg_by_hash, m->hash, strlen(m->hash), mi);
		}
	} else if (flatjson_key_is(ev->p, ev->n, "failed")) {
		m->failed = 1;
	} else if (flatjson_key_is(ev->p, ev->n, "delivered")) {
		m->acked = 1;
	}
}

static int nodes_defer(struct nodes_ctx *c, const struct nodes_event *e, double t_ms)
{
	struct nodes_pending *p;

	if (c->n_pending == c->cap_pending) {
		size_t cap = c->cap_pending ? c->cap_pending * 2 : 256;

		c->pending = fl_xreallocarray(c->pending, cap, sizeof(*c->pending));
		c->cap_pending = cap;
	}
	p = &c->pending[c->n_pending++];
	p->id = runload_str(c->run, &e->id);
	p->hash = runload_str(c->run, &e->hash);
	p->text = NULL;
	if (e->text.type == FLATJSON_STR) { /* only the plan id matters */
		const char *sp = memchr(e->text.p, ' ', e->text.n);

		p->text = amap_arena_strndup(&c->run->arena, e->text.p,
					     sp ? (size_t)(sp - e->text.p) : e->text.n);
	}
	p->node = c->node;
	p->t_ms = t_ms;
	return 0;
}

static int nodes_event_cb(void *ctx, const char *p, size_t n)
{
	struct nodes_ctx *c = ctx;
	struct nodes_event e;
	const struct flatjson_val *ev = &e.event;
	double t_ms;
	uint32_t mi;

	if (n == 0 || nodes_parse(p, n, &e) < 0 || ev->type != FLATJSON_STR)
		return 0;
	t_ms = e.t_ms - c->run->mono0_ms;
	if (flatjson_key_is(ev->p, ev->n, "mesh")) { /* the relay mesh, not a message (mesh.c) */
		mesh_event(c->run, c->node, p, n, t_ms);
		return 0;
	}
	if (flatjson_key_is(ev->p, ev->n, "received") && e.text.type == FLATJSON_STR &&
	    accept_receipt(c->run, e.text.p, e.text.n, c->node, t_ms))
		return 0;
	if (flatjson_key_is(ev->p, ev->n, "received") && e.text.type == FLATJSON_STR &&
	    groups_receipt(c->run, e.text.p, e.text.n, c->node, t_ms))
		return 0; /* a member learning of a group's creation (groups.c) */
	mi = nodes_resolve_event(c->run, &e);
	if (flatjson_key_is(ev->p, ev->n, "received")) {
		if (mi != ANALYZE_NONE)
			nodes_receipt(c->run, mi, c->node, t_ms);
		else if (nodes_defer(c, &e, t_ms) < 0)
			return -1;
	} else if (mi != ANALYZE_NONE) {
		nodes_sender_event(c->run, mi, &e, t_ms);
	}
	return 0;
}

/* A status-cli receipt (statuscli_log.c): named like a `received` event. */
static int nodes_statuscli_cb(void *ctx, const struct statuscli_receipt *r, double t_ms)
{
	struct nodes_ctx *c = ctx;
	struct nodes_event e = {.t_ms = t_ms};
	uint32_t mi;

	if (c->timed_only && !r->t_ns)
		return 0; /* labnode's and jswaku's own plain lines: their events file has them */
	mi = nodes_resolve(c->run, r->text, r->text_len, r->id, r->id_len, NULL, 0);
	if (mi != ANALYZE_NONE) {
		nodes_receipt(c->run, mi, c->node, t_ms);
		return 0;
	}
	e.text = (struct flatjson_val){.type = FLATJSON_STR, .p = r->text, .n = r->text_len};
	e.id = (struct flatjson_val){
	    .type = r->id ? FLATJSON_STR : FLATJSON_NULL, .p = r->id, .n = r->id_len};
	e.hash.type = FLATJSON_NULL;
	return nodes_defer(c, &e, t_ms);
}

static int nodes_dir_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Calls fn(ctx, path) for nodes/<name>/<file> of every node directory, in name order. */
static int nodes_each(struct analyze_run *run, const char *file, struct nodes_ctx *c,
		      linescan_fn fn, struct fl_error *err)
{
	char dir[4096], path[4600];
	struct dirent **list = NULL;
	int n, r = 0;

	snprintf(dir, sizeof(dir), "%s/nodes", run->dir);
	n = scandir(dir, &list, nodes_dir_filter, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : fl_err_errno(err, "read %s", dir);
	for (int i = 0; i < n; i++) {
		struct fl_error e2 = {0};

		snprintf(path, sizeof(path), "%s/%s/%s", dir, list[i]->d_name, file);
		c->node = runload_node(run, list[i]->d_name, strlen(list[i]->d_name), 1);
		if (r == 0 && linescan_file(path, fn, c, &e2) < 0 && e2.code != ENOENT) {
			*err = e2;
			r = -1;
		} else if (r == 0) {
			/* status-cli's receipts are its console lines: all of them when the node
			 * has no events file, else the timed ones (the file holds what the
			 * status-cli driver saw over JSON-RPC: join requests, acceptances) */
			c->timed_only = e2.code != ENOENT;
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			r = statuscli_log_load(run, path, nodes_statuscli_cb, c, err);
		}
		free(list[i]);
	}
	free(list);
	return r;
}

int nodes_load_events(struct analyze_run *run, struct fl_error *err)
{
	struct nodes_ctx c = {.run = run};
	int r = nodes_each(run, "events.jsonl", &c, nodes_event_cb, err);

	for (size_t i = 0; r == 0 && i < c.n_pending; i++) {
		const struct nodes_pending *p = &c.pending[i];
		uint32_t mi = nodes_resolve(run, p->text, p->text ? strlen(p->text) : 0, p->id,
					    p->id ? strlen(p->id) : 0, p->hash,
					    p->hash ? strlen(p->hash) : 0);

		if (mi != ANALYZE_NONE)
			nodes_receipt(run, mi, p->node, p->t_ms);
		else
			run->stray_receipts++;
	}
	free(c.pending);
	return r;
}
