/* store-query: a node asks a store (a service node) for the messages of the traffic `of`
 * names. Checks: `of` only on store-query and required there, naming another traffic that
 * sends messages; the store nodes (`to`) are service nodes; every party runs labnode (the
 * only driver asking a store for given hashes, labnode's /store/v3/messages with peerAddr). */
#include "orchestrator/scenario/parse.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void store_query_parties(struct sparse *p, const struct scenario_traffic *t)
{
	const struct scenario *sc = p->sc;
	uint32_t *nodes = fl_xcalloc(2 * sc->n_nodes + 1, sizeof(*nodes));
	size_t nf = scenario_selector_resolve(sc, &t->from, NULL, nodes);
	size_t n = nf + scenario_selector_resolve(sc, &t->to, NULL, nodes + nf);

	for (size_t i = nf; i < n; i++)
		if (sc->nodes[nodes[i]].role != SCENARIO_ROLE_SERVICE) {
			scenario_error_at(p, t->to.mark,
					  "traffic \"%s\": \"%s\" is no store (a store-query asks "
					  "nodes with role: service)",
					  t->name, sc->nodes[nodes[i]].name);
			break;
		}
	for (size_t i = 0; i < n; i++) {
		const char *d = scenario_node_driver(sc, &sc->nodes[nodes[i]]);

		if (d && strcmp(d, "labnode") != 0) {
			scenario_error_at(
			    p, t->mark,
			    "traffic \"%s\": a store-query needs labnode nodes; \"%s\" "
			    "runs driver %s",
			    t->name, sc->nodes[nodes[i]].name, d);
			break;
		}
	}
	free(nodes);
}

void scenario_validate_store_query(struct sparse *p, struct scenario_traffic *t)
{
	const struct scenario *sc = p->sc;

	if (t->kind != SCENARIO_TRAFFIC_STORE_QUERY) {
		if (t->of)
			scenario_error_at(
			    p, t->of_mark,
			    "traffic \"%s\": of is for kind store-query (a %s asks no "
			    "store)",
			    t->name, scenario_traffic_kind_name(t->kind));
		return;
	}
	if (!t->of) {
		scenario_error_at(p, t->mark,
				  "traffic \"%s\": a store-query needs of: (the traffic whose "
				  "messages it asks the store for)",
				  t->name);
		return;
	}
	t->of_index = scenario_traffic_find(sc, t->of);
	if (t->of_index < 0) {
		scenario_validate_unknown_traffic(p, t, "of", t->of, t->of_mark);
		return;
	}
	if (sc->traffic[t->of_index].kind == SCENARIO_TRAFFIC_STORE_QUERY) {
		scenario_error_at(
		    p, t->of_mark,
		    "traffic \"%s\": of: \"%s\" is a store-query (it sends no messages "
		    "to store)",
		    t->name, t->of);
		t->of_index = -1;
		return;
	}
	if (sc->traffic[t->of_index].kind == SCENARIO_TRAFFIC_RELAY ||
	    sc->traffic[t->of_index].kind == SCENARIO_TRAFFIC_LIGHTPUSH) {
		scenario_error_at(p, t->of_mark,
				  "traffic \"%s\": of: \"%s\" is a %s traffic, whose sends return "
				  "no message hash to ask a store for (dm, contact-request, "
				  "join-request and group do)",
				  t->name, t->of,
				  scenario_traffic_kind_name(sc->traffic[t->of_index].kind));
		t->of_index = -1;
		return;
	}
	if (t->after) {
		scenario_error_at(p, t->after_mark,
				  "traffic \"%s\": a store-query takes a start, not after",
				  t->name);
		return;
	}
	store_query_parties(p, t);
}
