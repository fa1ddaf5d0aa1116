/* plan_build: nodes and addresses here; topology, traffic and faults in their own files;
 * then the events are sorted and the messages numbered. */
#include "orchestrator/plan/plan.h"

#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void plan_nodes(struct plan *plan)
{
	const struct scenario *sc = plan->sc;
	unsigned bits = 8; /* at most /24 */

	while ((1ull << bits) < sc->n_nodes + 3) /* network, gateway .1, broadcast */
		bits++;
	snprintf(plan->subnet, sizeof(plan->subnet), "10.213.0.0/%u", 32 - bits);
	plan->nodes = fl_xcalloc(sc->n_nodes + 1, sizeof(*plan->nodes));
	plan->n_nodes = sc->n_nodes;
	for (size_t i = 0; i < sc->n_nodes; i++) {
		struct plan_node *n = &plan->nodes[i];
		long img = scenario_image_find(sc, sc->nodes[i].image);
		size_t host = i + 2;

		n->src = &sc->nodes[i];
		n->image =
		    img >= 0 && sc->images[img].image ? sc->images[img].image : sc->nodes[i].image;
		n->driver = scenario_node_driver(sc, &sc->nodes[i]);
		snprintf(n->address, sizeof(n->address), "10.213.%u.%u",
			 (unsigned)(host >> 8) & 255, (unsigned)host & 255);
	}
}

struct plan_event *plan_event_push(struct plan *plan)
{
	size_t n = plan->n_events;
	struct plan_event *ev;

	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) { /* capacities 16, 32, 64, ... */
		size_t cap = n ? n * 2 : 16;
		plan->events = fl_xreallocarray(plan->events, cap, sizeof(*plan->events));
	}
	ev = &plan->events[plan->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->seq = (uint32_t)n;
	return ev;
}

static int plan_event_cmp(const void *a, const void *b)
{
	const struct plan_event *x = a, *y = b;

	if (x->t_ms != y->t_ms)
		return x->t_ms < y->t_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void plan_events_finish(struct plan *plan)
{
	if (plan->n_events)
		qsort(plan->events, plan->n_events, sizeof(*plan->events), plan_event_cmp);
	for (size_t i = 0; i < plan->n_events; i++)
		if (plan->events[i].type == PLAN_EVENT_SEND)
			plan->events[i].msg = (uint32_t)++plan->n_messages;
		else if (plan->events[i].type == PLAN_EVENT_STORE_QUERY)
			plan->events[i].msg = (uint32_t)++plan->n_queries;
}

int plan_build(const struct scenario *sc, uint64_t seed, struct plan **out, struct fl_error *err)
{
	struct plan *plan = fl_xcalloc(1, sizeof(*plan));

	plan->sc = sc;
	plan->seed = seed;
	plan_nodes(plan);
	/* Faults first: their events are created first, so they sort before sends at equal t. */
	if (plan_topology_build(plan, err) < 0 || plan_faults_build(plan, err) < 0 ||
	    plan_traffic_build(plan, err) < 0) {
		plan_free(plan);
		return -1;
	}
	plan_events_finish(plan);
	*out = plan;
	return 0;
}

void plan_free(struct plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_traffic; i++) {
		free(plan->traffic[i].from);
		free(plan->traffic[i].to);
		free(plan->traffic[i].recv);
		free(plan->traffic[i].n_recv);
	}
	for (size_t i = 0; i < plan->n_faults; i++) {
		free(plan->faults[i].targets);
		free(plan->faults[i].group_len);
	}
	free(plan->traffic);
	free(plan->faults);
	free(plan->nodes);
	free(plan->links);
	free(plan->events);
	free(plan);
}
