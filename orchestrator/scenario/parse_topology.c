/* topology: {kind, degree, links}. */
#include "orchestrator/scenario/parse.h"

#include <string.h>

static const char *const topology_kinds[] = {"full", "mesh", "ring", "star", "line", "none", NULL};

static int topology_kind(struct sparse *p, const struct ytree *v, void *obj)
{
	int i;

	if (scenario_value_enum(p, v, topology_kinds, &i) < 0)
		return -1;
	p->sc->topology.kind = (enum scenario_topology_kind)i;
	return 0;
}

static int topology_degree(struct sparse *p, const struct ytree *v, void *obj)
{
	uint64_t d;

	p->sc->topology.degree_mark = v->mark;
	if (scenario_value_uint(p, v, 1, SCENARIO_MAX_NODES, &d) < 0)
		return -1;
	p->sc->topology.degree = (unsigned)d;
	return 0;
}

static int topology_links(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_topology *t = &p->sc->topology;

	if (scenario_value_is_null(v))
		return 0;
	if (v->type != YTREE_SEQ) {
		scenario_error_at(p, v->mark,
				  "expected a list of links such as [[alice, svc1]], got %s",
				  ytree_type_name(v));
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ytree *l = v->items[i];
		struct scenario_link *link;

		if (l->type != YTREE_SEQ || l->n != 2 || l->items[0]->type != YTREE_SCALAR ||
		    l->items[1]->type != YTREE_SCALAR) {
			scenario_error_at(
			    p, l->mark, "expected a link of two node names such as [alice, svc1]");
			continue;
		}
		link = scenario_array_push(&t->links, &t->n_links, sizeof(*link));
		link->a = scenario_strdup(l->items[0]->value);
		link->b = scenario_strdup(l->items[1]->value);
		link->mark_a = l->items[0]->mark;
		link->mark_b = l->items[1]->mark;
	}
	return 0;
}

static const struct scenario_key topology_keys[] = {
    {"kind", 1, topology_kind},
    {"degree", 0, topology_degree},
    {"links", 0, topology_links},
    {NULL, 0, NULL},
};

int scenario_parse_topology(struct sparse *p, const struct ytree *v, void *obj)
{
	p->sc->topology.mark = v->mark;
	return scenario_keys_walk(p, v, "a mapping with kind, degree, links", "topology",
				  topology_keys, NULL);
}

const char *scenario_topology_kind_name(enum scenario_topology_kind kind)
{
	return topology_kinds[kind];
}
