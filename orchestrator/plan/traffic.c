/* Send events: parties from the selectors, times from the rate (fixed or poisson), sizes
 * drawn in the range. Each traffic has its own random streams. */
#include "orchestrator/plan/plan.h"

#include "common/rng.h"
#include "common/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int traffic_pairwise(enum scenario_traffic_kind kind)
{
	return kind == SCENARIO_TRAFFIC_DM || kind == SCENARIO_TRAFFIC_CONTACT_REQUEST ||
	       kind == SCENARIO_TRAFFIC_JOIN_REQUEST;
}

static int traffic_resolve(struct plan *plan, size_t i, struct fl_error *err)
{
	const struct scenario *sc = plan->sc;
	struct plan_traffic *pt = &plan->traffic[i];
	struct rng r;

	rng_seed(&r, rng_derive(plan->seed, "traffic-select", i));
	pt->src = &sc->traffic[i];
	pt->from = fl_xcalloc(sc->n_nodes + 1, sizeof(*pt->from));
	pt->to = fl_xcalloc(sc->n_nodes + 1, sizeof(*pt->to));
	pt->n_from = scenario_selector_resolve(sc, &pt->src->from, &r, pt->from);
	pt->n_to = scenario_selector_resolve(sc, &pt->src->to, &r, pt->to);
	if (!pt->n_from || !pt->n_to)
		return fl_err(err, "traffic \"%s\" has no sender or no receiver", pt->src->name);
	if (traffic_pairwise(pt->src->kind) || pt->src->kind == SCENARIO_TRAFFIC_STORE_QUERY)
		return 0; /* a store-query asks every node of to (traffic_store_query.c) */
	pt->recv = fl_xcalloc(pt->n_from * pt->n_to + 1, sizeof(*pt->recv));
	pt->n_recv = fl_xcalloc(pt->n_from + 1, sizeof(*pt->n_recv));
	for (size_t f = 0; f < pt->n_from; f++) {
		for (size_t t = 0; t < pt->n_to; t++)
			if (pt->to[t] != pt->from[f])
				pt->recv[f * pt->n_to + pt->n_recv[f]++] = pt->to[t];
		if (!pt->n_recv[f])
			return fl_err(err, "traffic \"%s\": sender \"%s\" has nobody to send to",
				      pt->src->name, sc->nodes[pt->from[f]].name);
	}
	return 0;
}

/* Send offsets from start, in ms; poisson runs squeezed into the time left. */
static void traffic_times(const struct plan *plan, const struct scenario_traffic *t, struct rng *r,
			  double *at)
{
	double gap = t->rate_per_s > 0 ? 1000.0 / t->rate_per_s : (double)t->interval_ms;
	/* after: times count from the opening, which may come as late as t->latest_ms */
	double avail =
		   (double)(plan->sc->duration_ms - (t->after ? t->latest_ms : 0) - t->start_ms) -
		   1,
	       sum = 0;

	for (uint64_t k = 0; k < t->count; k++) {
		if (t->poisson) {
			sum += -log(1.0 - rng_unit(r)) * gap;
			at[k] = sum;
		} else {
			at[k] = (double)k * gap;
		}
	}
	if (t->poisson && t->count && at[t->count - 1] > avail)
		for (uint64_t k = 0; k < t->count; k++)
			at[k] = at[k] * avail / at[t->count - 1];
}

/* Message k of a pairwise kind: senders in turn, each time the next receiver, skipping the
 * sender itself (to has no duplicates, so the next one differs). */
static void traffic_pair(const struct plan_traffic *pt, uint64_t k, size_t *fi, size_t *ti)
{
	*fi = k % pt->n_from;
	*ti = k / pt->n_from % pt->n_to;
	if (pt->from[*fi] != pt->to[*ti])
		return;
	if (pt->n_to > 1)
		*ti = (*ti + 1) % pt->n_to;
	else
		*fi = (*fi + 1) % pt->n_from;
}

/* A group traffic between labnode nodes creates its group before its first message (its
 * driver's group_create); other drivers make their groups themselves (status-cli) or none. */
static int traffic_creates(const struct plan *plan, const struct plan_traffic *pt)
{
	if (pt->src->kind != SCENARIO_TRAFFIC_GROUP)
		return 0;
	for (size_t i = 0; i < pt->n_from; i++)
		if (strcmp(plan->nodes[pt->from[i]].driver, "labnode") != 0)
			return 0;
	for (size_t i = 0; i < pt->n_to; i++)
		if (strcmp(plan->nodes[pt->to[i]].driver, "labnode") != 0)
			return 0;
	return 1;
}

static void traffic_sends(struct plan *plan, size_t i, const double *at, struct rng *r)
{
	struct plan_traffic *pt = &plan->traffic[i];
	const struct scenario_traffic *t = pt->src;
	size_t fi, ti;

	for (uint64_t k = 0; k < t->count; k++) {
		struct plan_event *ev = plan_event_push(plan);

		ev->type = PLAN_EVENT_SEND;
		ev->t_ms = t->start_ms + llround(at[k]);
		ev->traffic = (uint32_t)i;
		ev->create = k == 0 && traffic_creates(plan, pt);
		ev->size =
		    (uint32_t)(t->size_min + (t->size_max > t->size_min
						  ? rng_below(r, t->size_max - t->size_min + 1)
						  : 0));
		if (traffic_pairwise(t->kind)) {
			traffic_pair(pt, k, &fi, &ti);
			ev->from = pt->from[fi];
			ev->to = &pt->to[ti];
			ev->n_to = 1;
		} else {
			fi = k % pt->n_from;
			ev->from = pt->from[fi];
			ev->to = &pt->recv[fi * pt->n_to];
			ev->n_to = pt->n_recv[fi];
		}
	}
}

static int traffic_has_pair(const struct plan_traffic *pt)
{
	if (!traffic_pairwise(pt->src->kind))
		return 1;
	return pt->n_from > 1 || pt->n_to > 1 || pt->from[0] != pt->to[0];
}

int plan_traffic_build(struct plan *plan, struct fl_error *err)
{
	const struct scenario *sc = plan->sc;

	plan->traffic = fl_xcalloc(sc->n_traffic + 1, sizeof(*plan->traffic));
	plan->n_traffic = sc->n_traffic;
	for (size_t i = 0; i < sc->n_traffic; i++) {
		double *at;
		struct rng r;

		if (traffic_resolve(plan, i, err) < 0)
			return -1;
		if (!traffic_has_pair(&plan->traffic[i]))
			return fl_err(err, "traffic \"%s\": from and to are the same node",
				      sc->traffic[i].name);
		at = fl_xcalloc(sc->traffic[i].count + 1, sizeof(*at));
		rng_seed(&r, rng_derive(plan->seed, "traffic", i));
		traffic_times(plan, &sc->traffic[i], &r, at);
		if (sc->traffic[i].kind == SCENARIO_TRAFFIC_STORE_QUERY)
			plan_store_query_events(plan, i, at);
		else
			traffic_sends(plan, i, at, &r);
		free(at);
	}
	return 0;
}
