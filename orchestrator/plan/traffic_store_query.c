/* store-query events: query k is asked by the senders in turn (from[k mod n_from]) of every
 * store node of `to`, at the traffic's times; the run asks each store for the messages of
 * the traffic `of` names sent so far. Queries are numbered q1, q2, … in time order. */
#include "orchestrator/plan/plan.h"

#include <math.h>

void plan_store_query_events(struct plan *plan, size_t i, const double *at)
{
	struct plan_traffic *pt = &plan->traffic[i];
	const struct scenario_traffic *t = pt->src;

	for (uint64_t k = 0; k < t->count; k++) {
		struct plan_event *ev = plan_event_push(plan);

		ev->type = PLAN_EVENT_STORE_QUERY;
		ev->t_ms = t->start_ms + llround(at[k]);
		ev->traffic = (uint32_t)i;
		ev->from = pt->from[k % pt->n_from];
		ev->to = pt->to;
		ev->n_to = pt->n_to;
	}
}
