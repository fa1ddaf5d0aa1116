/* Selectors: a name, a glob, `all`, a list of selectors, or a seeded {pick: N, from: SEL}. */
#include "orchestrator/scenario/parse.h"

#include "common/rng.h"
#include "common/xalloc.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static const struct scenario_key pick_keys[];

static int selector_read_pick(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_selector *sel = obj;
	uint64_t n;

	if (scenario_value_uint(p, v, 1, SCENARIO_MAX_NODES, &n) < 0)
		return -1;
	sel->pick = (unsigned)n;
	return 0;
}

static int selector_read_from(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_selector *sel = obj;

	sel->from = fl_xcalloc(1, sizeof(*sel->from));
	return scenario_value_selector(p, v, sel->from);
}

static const struct scenario_key pick_keys[] = {
    {"pick", 1, selector_read_pick},
    {"from", 1, selector_read_from},
    {NULL, 0, NULL},
};

#define SELECTOR_WHAT "a selector (a node name, a glob, all, a list or {pick: N, from: ...})"

int scenario_value_selector(struct sparse *p, const struct ytree *v, struct scenario_selector *out)
{
	memset(out, 0, sizeof(*out));
	out->mark = v->mark;
	if (v->type == YTREE_MAP && ytree_get(v, "site"))
		return scenario_value_site_selector(p, v, out);
	if (v->type == YTREE_MAP) {
		out->kind = SCENARIO_SEL_PICK;
		return scenario_keys_walk(p, v, SELECTOR_WHAT, "pick", pick_keys, out);
	}
	if (v->type == YTREE_SEQ) {
		int rc = 0;

		out->kind = SCENARIO_SEL_LIST;
		for (size_t i = 0; i < v->n; i++) {
			struct scenario_selector *item =
			    scenario_array_push(&out->items, &out->n_items, sizeof(*item));

			if (scenario_value_selector(p, v->items[i], item) < 0)
				rc = -1;
		}
		return rc;
	}
	if (v->value[0] == '\0') {
		scenario_error_at(p, v->mark, "expected %s, got \"\"", SELECTOR_WHAT);
		return -1;
	}
	if (strcmp(v->value, "all") == 0)
		out->kind = SCENARIO_SEL_ALL;
	else if (strpbrk(v->value, "*?["))
		out->kind = SCENARIO_SEL_GLOB;
	else
		out->kind = SCENARIO_SEL_NAME;
	out->text = scenario_strdup(v->value);
	return 0;
}

void scenario_selector_free(struct scenario_selector *sel)
{
	for (size_t i = 0; i < sel->n_items; i++)
		scenario_selector_free(&sel->items[i]);
	free(sel->items);
	if (sel->from) {
		scenario_selector_free(sel->from);
		free(sel->from);
	}
	free(sel->text);
	memset(sel, 0, sizeof(*sel));
}

static void selector_add(uint8_t *seen, uint32_t *out, size_t *n, uint32_t idx)
{
	if (!seen[idx]) {
		seen[idx] = 1;
		out[(*n)++] = idx;
	}
}

static int selector_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void selector_walk(const struct scenario *sc, const struct scenario_selector *sel,
			  struct rng *rng, uint8_t *seen, uint32_t *out, size_t *n);

/* Draws sel->pick of the nodes `from` matches (all of them when fewer), in node order. */
static void selector_pick(const struct scenario *sc, const struct scenario_selector *sel,
			  struct rng *rng, uint8_t *seen, uint32_t *out, size_t *n)
{
	uint32_t *pool = fl_xcalloc(sc->n_nodes + 1, sizeof(*pool));
	uint8_t *pool_seen = fl_xcalloc(sc->n_nodes + 1, 1);
	size_t n_pool = 0, take;

	selector_walk(sc, sel->from, rng, pool_seen, pool, &n_pool);
	take = sel->pick < n_pool ? sel->pick : n_pool;
	for (size_t i = 0; rng && i < take; i++) { /* partial Fisher–Yates */
		size_t j = i + rng_below(rng, n_pool - i);
		uint32_t t = pool[i];

		pool[i] = pool[j];
		pool[j] = t;
	}
	qsort(pool, take, sizeof(*pool), selector_cmp_u32);
	for (size_t i = 0; i < take; i++)
		selector_add(seen, out, n, pool[i]);
	free(pool);
	free(pool_seen);
}

static void selector_walk(const struct scenario *sc, const struct scenario_selector *sel,
			  struct rng *rng, uint8_t *seen, uint32_t *out, size_t *n)
{
	long idx;

	switch (sel->kind) {
	case SCENARIO_SEL_NAME:
		idx = scenario_node_find(sc, sel->text);
		if (idx >= 0)
			selector_add(seen, out, n, (uint32_t)idx);
		break;
	case SCENARIO_SEL_GLOB:
		for (size_t i = 0; i < sc->n_nodes; i++)
			if (fnmatch(sel->text, sc->nodes[i].name, 0) == 0)
				selector_add(seen, out, n, (uint32_t)i);
		break;
	case SCENARIO_SEL_ALL:
		for (size_t i = 0; i < sc->n_nodes; i++)
			selector_add(seen, out, n, (uint32_t)i);
		break;
	case SCENARIO_SEL_LIST:
		for (size_t i = 0; i < sel->n_items; i++)
			selector_walk(sc, &sel->items[i], rng, seen, out, n);
		break;
	case SCENARIO_SEL_PICK:
		if (sel->from)
			selector_pick(sc, sel, rng, seen, out, n);
		break;
	case SCENARIO_SEL_SITE:
		idx = scenario_site_find(sc, sel->text);
		for (size_t i = 0; idx >= 0 && i < sc->n_nodes; i++)
			if (sc->nodes[i].site == (size_t)idx + 1)
				selector_add(seen, out, n, (uint32_t)i);
		break;
	}
}

size_t scenario_selector_resolve(const struct scenario *sc, const struct scenario_selector *sel,
				 struct rng *rng, uint32_t *out)
{
	uint8_t *seen = fl_xcalloc(sc->n_nodes + 1, 1);
	size_t n = 0;

	selector_walk(sc, sel, rng, seen, out, &n);
	free(seen);
	return n;
}
