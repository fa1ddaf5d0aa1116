/* The ledger's nodes, faults, expectations and messages from plan.json, through the plan
 * reader (plan/planread.h): the header once, then the events one at a time (a million sends in a
 * big run), each send becoming a message and its deliveries without a second copy of the plan.
 * Also the ledger's lookups: a node by name, a message by plan id. */
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"
#include "orchestrator/plan/planread.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t runload_node(struct analyze_run *run, const char *name, size_t n, int create)
{
	uint32_t idx;
	struct analyze_node *nodes;
	char *copy;

	if (amap_get(&run->node_by_name, name, n, &idx))
		return idx;
	if (!create)
		return ANALYZE_NONE;
	nodes = fl_xreallocarray(run->nodes, run->n_nodes + 1, sizeof(*nodes));
	copy = amap_arena_strndup(&run->arena, name, n);
	run->nodes = nodes;
	memset(&nodes[run->n_nodes], 0, sizeof(*nodes));
	nodes[run->n_nodes].name = copy;
	nodes[run->n_nodes].exit_code = -1;
	idx = (uint32_t)run->n_nodes++;
	if (amap_put(&run->node_by_name, copy, n, idx) < 0)
		return ANALYZE_NONE;
	return idx;
}

const char *runload_str(struct analyze_run *run, const struct flatjson_val *v)
{
	char small[512], *buf = small;
	const char *r;
	size_t n;

	if (v->type != FLATJSON_STR && v->type != FLATJSON_NUM)
		return NULL;
	if (!v->escaped)
		return amap_arena_strndup(&run->arena, v->p, v->n);
	if (v->n + 8 > sizeof(small))
		buf = fl_xmalloc(v->n + 8);
	n = flatjson_str(v, buf, v->n + 8);
	r = amap_arena_strndup(&run->arena, buf, n);
	if (buf != small)
		free(buf);
	return r;
}

/* N when id is "m<N>", else 0. */
static size_t runload_plan_number(const char *id, size_t n)
{
	size_t x = 0;

	if (n < 2 || n > 11 || id[0] != 'm')
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (id[i] < '0' || id[i] > '9')
			return 0;
		x = x * 10 + (size_t)(id[i] - '0');
	}
	return x;
}

/* "m<N>" names the N-th message when the plan numbered them in order (it does): index N-1.
 * A bitmap says which messages carry their canonical name, so no string is touched. */
static uint32_t runload_plan_index(const struct analyze_run *run, const char *id, size_t n)
{
	size_t x = runload_plan_number(id, n);

	if (x == 0 || x > run->n_msgs || !run->canon ||
	    !(run->canon[(x - 1) / 8] & (1u << ((x - 1) % 8))))
		return ANALYZE_NONE;
	return (uint32_t)(x - 1);
}

uint32_t runload_msg_by_id(struct analyze_run *run, const char *id, size_t n)
{
	uint32_t idx = runload_plan_index(run, id, n);

	if (idx == ANALYZE_NONE && !amap_get(&run->msg_by_id, id, n, &idx))
		return ANALYZE_NONE;
	return idx;
}

uint32_t runload_msg_by_text(struct analyze_run *run, const char *text, size_t n)
{
	const char *sp = memchr(text, ' ', n);

	return runload_msg_by_id(run, text, sp ? (size_t)(sp - text) : n);
}

int runload_msg_by_reply(struct analyze_run *run, const char *text, size_t n, const char *suffix,
			 uint32_t *mi)
{
	const char *sp = memchr(text, ' ', n);
	size_t w = sp ? (size_t)(sp - text) : n, sl = strlen(suffix);

	if (w <= sl || memcmp(text + w - sl, suffix, sl) != 0)
		return 0;
	*mi = runload_msg_by_id(run, text, w - sl);
	return 1;
}

/* Plan node i → the ledger's node (the same index unless a name repeats). */
struct runload_ctx {
	struct analyze_run *run;
	uint32_t *node;		    /* [plan node] */
	const char *traffic, *kind; /* the last send's, copied once per change */
};

static const char *runload_copy(struct analyze_run *run, const char *s)
{
	return s ? amap_arena_strdup(&run->arena, s) : NULL;
}

static void runload_nodes(struct runload_ctx *c, const struct planread *p)
{
	struct analyze_run *run = c->run;

	c->node = fl_xcalloc(p->n_nodes + 1, sizeof(*c->node));
	for (size_t i = 0; i < p->n_nodes; i++) {
		const struct planread_node *n = &p->nodes[i];
		uint32_t idx = runload_node(run, n->name, strlen(n->name), 1);

		c->node[i] = idx;
		run->nodes[idx].role = runload_copy(run, n->role);
		run->nodes[idx].image = runload_copy(run, n->image);
		run->nodes[idx].address = runload_copy(run, n->address);
	}
}

static void runload_faults(struct runload_ctx *c, const struct planread *p)
{
	struct analyze_run *run = c->run;

	run->faults = fl_xcalloc(p->n_faults + 1, sizeof(*run->faults));
	for (size_t i = 0; i < p->n_faults; i++) {
		const struct planread_fault *pf = &p->faults[i];
		struct analyze_fault *f = &run->faults[run->n_faults++];

		f->id = runload_copy(run, pf->id);
		f->name = runload_copy(run, pf->name);
		f->kind = pf->kind->name;
		f->desc = pf->kind;
		f->start_ms = (double)pf->start_ms;
		f->end_ms = (double)pf->end_ms;
		f->until = pf->until_delivered ? "delivered" : NULL;
		f->site = pf->site[0] ? runload_copy(run, pf->site) : NULL;
		f->applied_ms = f->reverted_ms = f->recovery_ms = NAN;
		f->targets = amap_arena_alloc(&run->arena, (pf->n_targets + 1) * 4);
		for (size_t t = 0; t < pf->n_targets; t++)
			f->targets[f->n_targets++] = c->node[pf->targets[t]];
	}
}

static void runload_expects(struct runload_ctx *c, const struct planread *p)
{
	struct analyze_run *run = c->run;

	run->expects = fl_xcalloc(p->n_expects + 1, sizeof(*run->expects));
	for (size_t i = 0; i < p->n_expects; i++) {
		const struct planread_expect *pe = &p->expects[i];
		struct analyze_expect *e = &run->expects[run->n_expects++];

		e->metric = runload_copy(run, pe->metric);
		e->desc = metric_find(e->metric);
		e->has_min = pe->has_min;
		e->has_max = pe->has_max;
		e->min = pe->min;
		e->max = pe->max;
		e->where.kind = runload_copy(run, pe->where.kind);
		e->where.traffic = runload_copy(run, pe->where.traffic);
		e->where.from = runload_copy(run, pe->where.from);
		e->where.to = runload_copy(run, pe->where.to);
		e->where.fault = runload_copy(run, pe->where.fault);
		e->where.node = runload_copy(run, pe->where.node);
	}
}

static void runload_header(struct runload_ctx *c, const struct planread *p)
{
	struct analyze_run *run = c->run;

	run->scenario = runload_copy(run, p->scenario);
	run->runtime = runload_copy(run, p->runtime);
	run->seed = p->seed;
	run->has_seed = 1;
	run->duration_ms = (double)p->duration_ms;
	run->drain_ms = (double)p->drain_ms;
	runload_nodes(c, p);
	runload_faults(c, p);
	runload_expects(c, p);
}

static void runload_grow(struct analyze_run *run, size_t n_to)
{
	if (run->n_msgs + 1 > run->cap_msgs) {
		size_t cap = run->cap_msgs ? run->cap_msgs * 2 : 1024;
		run->msgs = fl_xreallocarray(run->msgs, cap, sizeof(*run->msgs));
		run->cap_msgs = cap;
	}
	while (run->n_dels + n_to > run->cap_dels) {
		size_t cap = run->cap_dels ? run->cap_dels * 2 : 1024;
		run->dels = fl_xreallocarray(run->dels, cap, sizeof(*run->dels));
		run->cap_dels = cap;
	}
}

/* Marks message mi as named m<mi+1>, or maps its id when it is not (only ids out of the
 * plan's order need the map). */
static int runload_msg_name(struct analyze_run *run, uint32_t mi, const char *id)
{
	if (runload_plan_number(id, strlen(id)) != (size_t)mi + 1)
		return amap_put(&run->msg_by_id, id, strlen(id), mi);
	if (mi / 8 >= run->cap_canon) {
		size_t cap = run->cap_canon ? run->cap_canon * 2 : 4096;
		uint8_t *c = fl_xrealloc(run->canon, cap);

		memset(c + run->cap_canon, 0, cap - run->cap_canon);
		run->canon = c;
		run->cap_canon = cap;
	}
	run->canon[mi / 8] |= (uint8_t)(1u << (mi % 8));
	return 0;
}

/* A send event → one message and a delivery per receiver; other events are the run's. */
static int runload_event(void *ctx, const struct planread_event *e)
{
	struct runload_ctx *c = ctx;
	struct analyze_run *run = c->run;
	struct analyze_message *m;
	uint32_t mi;

	if (e->type != PLANREAD_SEND || !e->msg[0])
		return 0;
	runload_grow(run, e->n_to);
	mi = (uint32_t)run->n_msgs;
	m = &run->msgs[run->n_msgs++];
	memset(m, 0, sizeof(*m));
	m->id = runload_copy(run, e->msg);
	if (!c->traffic || strcmp(c->traffic, e->traffic) != 0)
		c->traffic = runload_copy(run, e->traffic);
	if (!c->kind || strcmp(c->kind, e->kind) != 0)
		c->kind = runload_copy(run, e->kind);
	m->traffic = c->traffic;
	m->kind = c->kind;
	m->from = c->node[e->from];
	m->planned_ms = (double)e->t_ms;
	m->sent_ms = NAN;
	m->want_accept = e->accept;
	m->accepted_ms = NAN;
	m->first = (uint32_t)run->n_dels;
	m->trace_node = ANALYZE_NONE;
	for (size_t i = 0; i < e->n_to; i++) {
		struct analyze_delivery *d = &run->dels[run->n_dels++];

		memset(d, 0, sizeof(*d));
		d->msg = mi;
		d->to = c->node[e->to[i]];
		d->received_ms = NAN;
		m->n++;
	}
	return runload_msg_name(run, mi, m->id);
}

int runload_plan(struct analyze_run *run, struct fl_error *err)
{
	struct runload_ctx c = {.run = run};
	struct planread p;
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/plan.json", run->dir);
	if (planread_open(path, &p, err) < 0)
		return -1;
	runload_header(&c, &p);
	/* a send event takes ~150 bytes: size the arrays once */
	run->cap_msgs = run->cap_dels = p.events_bytes / 150 + 16;
	run->msgs = fl_xreallocarray(run->msgs, run->cap_msgs, sizeof(*run->msgs));
	run->dels = fl_xreallocarray(run->dels, run->cap_dels, sizeof(*run->dels));
	r = planread_each_event(&p, runload_event, &c, err);
	planread_free(&p);
	free(c.node);
	if (r == 0)
		amap_reserve(&run->msg_by_hash, run->n_msgs);
	return r;
}
