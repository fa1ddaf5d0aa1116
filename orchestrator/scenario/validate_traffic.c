/* Semantic checks of traffic: selectors, parties, and whether the count fits the duration. */
#include "orchestrator/scenario/parse.h"
#include "orchestrator/drivers/driver.h"

#include "common/units.h"
#include "common/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The gap between two sends, in ms (fractional for rates such as 3/s). */
static double traffic_gap_ms(const struct scenario_traffic *t)
{
	return t->rate_per_s > 0 ? 1000.0 / t->rate_per_s : (double)t->interval_ms;
}

static void validate_traffic_parties(struct sparse *p, const struct scenario_traffic *t)
{
	const struct scenario *sc = p->sc;
	uint32_t *from = fl_xcalloc(sc->n_nodes + 1, sizeof(*from));
	uint32_t *to = fl_xcalloc(sc->n_nodes + 1, sizeof(*to));
	size_t nf, nt;

	nf = scenario_selector_resolve(sc, &t->from, NULL, from);
	nt = scenario_selector_resolve(sc, &t->to, NULL, to);
	if (t->kind == SCENARIO_TRAFFIC_GROUP) {
		if (nt < 2)
			scenario_error_at(p, t->to.mark,
					  "traffic \"%s\": a group needs at least 2 members, to: "
					  "selects %zu",
					  t->name, nt);
	} else if (t->kind != SCENARIO_TRAFFIC_RELAY && t->kind != SCENARIO_TRAFFIC_LIGHTPUSH &&
		   t->kind != SCENARIO_TRAFFIC_STORE_QUERY && nf == 1 && nt == 1 &&
		   from[0] == to[0]) {
		scenario_error_at(
		    p, t->to.mark,
		    "traffic \"%s\": from and to are the same node \"%s\" (a %s needs "
		    "two parties)",
		    t->name, sc->nodes[to[0]].name, scenario_traffic_kind_name(t->kind));
	}
	free(from);
	free(to);
}

/* lightpush goes through a service node's lightpush and filter: there must be one. */
static void validate_traffic_service(struct sparse *p, const struct scenario_traffic *t)
{
	const struct scenario *sc = p->sc;

	if (t->kind != SCENARIO_TRAFFIC_LIGHTPUSH)
		return;
	for (size_t i = 0; i < sc->n_nodes; i++)
		if (sc->nodes[i].role == SCENARIO_ROLE_SERVICE)
			return;
	scenario_error_at(p, t->mark,
			  "traffic \"%s\": lightpush needs a node with role: service to push "
			  "through",
			  t->name);
}

/* start must lie inside the duration and count × gap must fit after it; without a count,
 * as many as fit. A traffic with after: counts from its latest opening (open_ms). */
void scenario_validate_traffic_time(struct sparse *p, struct scenario_traffic *t, int64_t open_ms)
{
	const struct scenario *sc = p->sc;
	double gap = traffic_gap_ms(t), avail = (double)(sc->duration_ms - open_ms - t->start_ms);
	char need_s[32], avail_s[32], start_s[96], dur_s[32];

	units_format_duration(t->start_ms, start_s, sizeof(start_s));
	units_format_duration(sc->duration_ms, dur_s, sizeof(dur_s));
	if (open_ms > 0) {
		char open_s[32];

		units_format_duration(open_ms, open_s, sizeof(open_s));
		if (open_ms + t->start_ms >= sc->duration_ms) {
			scenario_error_at(
			    p, t->within_mark,
			    "traffic \"%s\" may open as late as %s (\"%s\"'s last "
			    "send plus within), and start %s after that is not before "
			    "the end of duration %s",
			    t->name, open_s, t->after, start_s, dur_s);
			return;
		}
		units_format_duration(t->start_ms, need_s, sizeof(need_s));
		snprintf(start_s, sizeof(start_s), "%s after its latest opening %s", need_s,
			 open_s);
	}
	if (open_ms + t->start_ms >= sc->duration_ms) {
		scenario_error_at(p, t->start_mark,
				  "traffic \"%s\": start %s is not before the end "
				  "of duration %s",
				  t->name, start_s, dur_s);
		return;
	}
	if (!t->count) {
		t->count = (uint64_t)floor(avail / gap + 1e-9);
		if (!t->count)
			scenario_error_at(p, t->mark,
					  "traffic \"%s\": not one message fits between "
					  "start %s and duration %s",
					  t->name, start_s, dur_s);
		return;
	}
	if ((double)t->count * gap > avail + 1e-6) {
		units_format_duration((int64_t)ceil((double)t->count * gap), need_s,
				      sizeof(need_s));
		units_format_duration((int64_t)avail, avail_s, sizeof(avail_s));
		scenario_error_at(p, t->count_mark,
				  "traffic \"%s\": %llu messages need %s at this rate, but only %s "
				  "remain between start %s and duration %s",
				  t->name, (unsigned long long)t->count, need_s, avail_s, start_s,
				  dur_s);
	}
}

/* accept: true asks the receiver to accept: only requests have an acceptance, and only
 * labnode's receivers answer one, or a status-cli community owner, whose driver calls
 * wakuext_acceptRequestToJoinCommunity (status-go's wakuext_acceptContactRequest is not
 * driven: status-cli accepts contact requests on its own). */
static void validate_traffic_accept(struct sparse *p, const struct scenario_traffic *t)
{
	const struct scenario *sc = p->sc;
	uint32_t *nodes;
	unsigned want;
	size_t n;

	if (!t->accept)
		return;
	if (t->kind != SCENARIO_TRAFFIC_CONTACT_REQUEST &&
	    t->kind != SCENARIO_TRAFFIC_JOIN_REQUEST) {
		scenario_error_at(p, t->accept_mark,
				  "traffic \"%s\": accept: true needs kind contact-request or "
				  "join-request (a %s has no acceptance)",
				  t->name, scenario_traffic_kind_name(t->kind));
		return;
	}
	want =
	    t->kind == SCENARIO_TRAFFIC_JOIN_REQUEST ? DRIVER_ACCEPTS_JOIN : DRIVER_ACCEPTS_CONTACT;
	nodes = fl_xcalloc(2 * sc->n_nodes + 1, sizeof(*nodes));
	n = scenario_selector_resolve(sc, &t->from, NULL, nodes);
	n += scenario_selector_resolve(sc, &t->to, NULL, nodes + n);
	for (size_t i = 0; i < n; i++) {
		const struct driver_ops *d =
		    driver_find(scenario_node_driver(sc, &sc->nodes[nodes[i]]));

		if (d && !(d->accepts & want)) {
			scenario_error_at(p, t->accept_mark,
					  "traffic \"%s\": accept: true needs labnode nodes; "
					  "\"%s\" runs driver %s",
					  t->name, sc->nodes[nodes[i]].name, d->name);
			break;
		}
	}
	free(nodes);
}

#define VALIDATE_MAX_MESSAGES 1000000

void scenario_validate_traffic(struct sparse *p)
{
	struct scenario *sc = p->sc;
	uint64_t total = 0;

	for (size_t i = 0; i < sc->n_traffic; i++) {
		struct scenario_traffic *t = &sc->traffic[i];
		size_t before = p->errs->n;

		for (size_t j = 0; j < i; j++)
			if (strcmp(sc->traffic[j].name, t->name) == 0)
				scenario_error_at(p, t->mark, "duplicate traffic name \"%s\"",
						  t->name);
		scenario_validate_selector(p, &t->from);
		scenario_validate_selector(p, &t->to);
		if (p->errs->n == before)
			validate_traffic_parties(p, t);
		validate_traffic_service(p, t);
		if (p->errs->n == before)
			scenario_validate_store_query(p, t);
		if (p->errs->n == before)
			validate_traffic_accept(p, t);
		if (!t->after)
			scenario_validate_traffic_time(p, t, 0);
	}
	scenario_validate_after(p);
	for (size_t i = 0; i < sc->n_traffic; i++) {
		struct scenario_traffic *t = &sc->traffic[i];

		if (total <= VALIDATE_MAX_MESSAGES && (total += t->count) > VALIDATE_MAX_MESSAGES)
			scenario_error_at(p, t->mark,
					  "traffic \"%s\" brings the run above %d messages",
					  t->name, VALIDATE_MAX_MESSAGES);
	}
}

int64_t scenario_traffic_last_ms(const struct scenario *sc, const struct scenario_traffic *t)
{
	int64_t open = t->after ? t->latest_ms : 0;

	if (t->poisson || !t->count)
		return sc->duration_ms - 1;
	return open + t->start_ms + (int64_t)ceil((double)(t->count - 1) * traffic_gap_ms(t));
}
