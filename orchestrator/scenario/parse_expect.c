/* expect: a list of {metric, where: {kind, traffic, from, to, fault}, min, max}. The unit of
 * min/max follows the metric: fractions, durations (ms) or counts. */
#include "orchestrator/scenario/parse.h"

#include <string.h>

struct expect_entry {
	struct scenario_expect *e;
	const struct ytree *min, *max;
};

static int expect_metric(struct sparse *p, const struct ytree *v, void *obj)
{
	const char *names[64];
	struct scenario_expect *e = ((struct expect_entry *)obj)->e;
	int i;

	for (i = 0; metric_at((size_t)i) && i < 63; i++)
		names[i] = metric_at((size_t)i)->name;
	names[i] = NULL;
	if (scenario_value_enum(p, v, names, &i) < 0)
		return -1;
	e->desc = metric_at((size_t)i);
	e->metric = e->desc->name;
	return 0;
}

static int expect_kind(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const kinds[] = {
	    "dm", "contact-request", "join-request", "group", "relay", "lightpush", NULL};
	struct scenario_expect *e = obj;

	return scenario_value_enum(p, v, kinds, &e->where_kind);
}

#define EXPECT_WHERE(field)                                                                        \
	static int expect_where_##field(struct sparse *p, const struct ytree *v, void *obj)        \
	{                                                                                          \
		struct scenario_expect *e = obj;                                                   \
		e->field##_mark = v->mark;                                                         \
		return scenario_value_string(p, v, &e->where_##field);                             \
	}
EXPECT_WHERE(traffic)
EXPECT_WHERE(from)
EXPECT_WHERE(to)
EXPECT_WHERE(fault)
EXPECT_WHERE(node)

static const struct scenario_key where_keys[] = {
    {"kind", 0, expect_kind},
    {"traffic", 0, expect_where_traffic},
    {"from", 0, expect_where_from},
    {"to", 0, expect_where_to},
    {"fault", 0, expect_where_fault},
    {"node", 0, expect_where_node},
    {NULL, 0, NULL},
};

static int expect_where(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_keys_walk(p, v, "a mapping with kind, traffic, from, to, fault or node",
				  "where", where_keys, ((struct expect_entry *)obj)->e);
}

static int expect_min(struct sparse *p, const struct ytree *v, void *obj)
{
	((struct expect_entry *)obj)->min = v;
	return 0;
}

static int expect_max(struct sparse *p, const struct ytree *v, void *obj)
{
	((struct expect_entry *)obj)->max = v;
	return 0;
}

static const struct scenario_key expect_keys[] = {
    {"metric", 1, expect_metric},
    {"where", 0, expect_where},
    {"min", 0, expect_min},
    {"max", 0, expect_max},
    {NULL, 0, NULL},
};

/* Reads a threshold in the metric's unit. */
static int expect_threshold(struct sparse *p, const struct scenario_expect *e,
			    const struct ytree *v, double *out)
{
	int64_t ms;
	uint64_t n;

	switch (e->desc->unit) {
	case METRIC_FRACTION:
		return scenario_value_fraction(p, v, out);
	case METRIC_MS:
		if (scenario_value_duration(p, v, &ms) < 0)
			return -1;
		*out = (double)ms;
		return 0;
	case METRIC_BYTES:
		if (scenario_value_size(p, v, &n) < 0)
			return -1;
		*out = (double)n;
		return 0;
	default:
		if (scenario_value_uint(p, v, 0, 1000000000, &n) < 0)
			return -1;
		*out = (double)n;
		return 0;
	}
}

static void expect_entry(struct sparse *p, const struct ytree *v)
{
	struct scenario *sc = p->sc;
	struct scenario_expect *e = scenario_array_push(&sc->expect, &sc->n_expect, sizeof(*e));
	struct expect_entry x = {.e = e};

	e->mark = v->mark;
	e->where_kind = -1;
	if (scenario_keys_walk(p, v, "an expectation (a mapping with metric, min, max)",
			       "an expectation", expect_keys, &x) < 0 ||
	    !e->metric)
		return;
	if (e->where_node && !e->desc->per_node)
		scenario_error_at(
		    p, e->node_mark,
		    "where.node applies to the per-node metrics (cpu, rss, bytes), not "
		    "to %s",
		    e->metric);
	if (!x.min && !x.max) {
		scenario_error_at(p, v->mark, "expectation on %s needs min or max", e->metric);
		return;
	}
	if (x.min)
		e->has_min = expect_threshold(p, e, x.min, &e->min) == 0;
	if (x.max)
		e->has_max = expect_threshold(p, e, x.max, &e->max) == 0;
	if (e->has_min && e->has_max && e->min > e->max)
		scenario_error_at(p, x.max->mark, "max is below min, nothing can pass");
}

int scenario_parse_expect(struct sparse *p, const struct ytree *v, void *obj)
{
	if (scenario_value_is_null(v))
		return 0;
	if (v->type != YTREE_SEQ) {
		scenario_error_at(p, v->mark, "expected a list of expectations, got %s",
				  ytree_type_name(v));
		return -1;
	}
	for (size_t i = 0; i < v->n; i++)
		expect_entry(p, v->items[i]);
	return 0;
}
