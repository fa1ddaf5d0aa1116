/* The planner: a checked scenario + a seed → every decision of the run, fixed in advance.
 *
 *   struct plan *plan;
 *   if (plan_build(&sc, seed, &plan, &err) < 0) ...;     // sc must outlive plan
 *   plan_write_json(plan, stdout);                       // plan.json of docs/FORMATS.md
 *   plan_free(plan);
 *
 * One seed drives everything, through independent streams (common/rng.h rng_derive), so that
 * adding a fault does not move a single message:
 *   "topology"              the random regular mesh
 *   "traffic" / i           send times (poisson) and sizes of traffic i
 *   "traffic-select" / i    picks in traffic i's from/to
 *   "fault-targets" / i     picks in fault i's target or partition groups
 *   <fault id> / 0          the fault's engine_seed (netem / NFQUEUE), below 2^53
 * The same scenario and seed give byte-identical JSON.
 *
 * Conventions (see docs/FORMATS.md): node addresses are nominal, 10.213.0.2 upward in the
 * smallest subnet (at most /24) that fits; fault ids f<N> (file order) or f<N>.<k> for the
 * k-th repeat occurrence (picks are drawn once per fault, so every occurrence hits the same
 * nodes); a fault's name defaults to f<N>; events are sorted by (t_ms, creation) where fault
 * events are created before sends (a fault applied at the same ms as a send is active for
 * it); message numbers follow that order. dm, contact-request and join-request take the
 * senders in turn and, for message k, receiver k / n_from (mod n_to), the next one when that
 * is the sender itself; group, relay and lightpush take the senders in turn and go to every
 * node of `to` but the sender. Poisson traffic draws exponential
 * gaps of mean 1/rate and is squeezed into [start, duration) when the draws overrun. */
#ifndef FL_PLAN_H
#define FL_PLAN_H

#include "common/error.h"
#include "orchestrator/scenario/scenario.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum plan_event_type {
	PLAN_EVENT_SEND,
	PLAN_EVENT_FAULT_APPLY,
	PLAN_EVENT_FAULT_REVERT,
	PLAN_EVENT_STORE_QUERY, /* a store-query: msg is N of q<N>, to the stores asked */
};

struct plan_node {
	const struct scenario_node *src; /* name, role, reliability, args */
	const char *image;  /* the docker reference if the image has one, else its name */
	const char *driver; /* labnode | waku-rest | status-cli */
	char address[16];   /* nominal, e.g. 10.213.0.2 */
};

struct plan_link {
	uint32_t a, b; /* node indices, a < b; links are sorted and unique */
};

struct plan_traffic {
	const struct scenario_traffic *src;
	uint32_t *from, *to; /* resolved selectors (node indices) */
	size_t n_from, n_to;
	uint32_t *recv; /* group/relay/lightpush: per sender i, recv[i*n_to ..] = to − sender */
	size_t *n_recv;
};

struct plan_fault {
	char id[40];			  /* f3, or f3.2 for the 2nd occurrence of a repeat */
	const struct scenario_fault *src; /* name, kind and params (base units) */
	uint32_t *targets;		  /* partition: the groups one after another */
	size_t n_targets;
	size_t *group_len; /* partition: the size of each group within targets */
	size_t n_groups;
	int64_t start_ms, end_ms; /* end == start for kill/restart */
	uint64_t engine_seed;
};

struct plan_event {
	int64_t t_ms;
	enum plan_event_type type;
	uint32_t seq;	    /* creation order (ties in sorting) */
	uint32_t msg;	    /* send: N of message id m<N> */
	uint32_t traffic;   /* send: index into plan->traffic */
	uint32_t from;	    /* send: node index */
	const uint32_t *to; /* send: receivers (node indices), points into plan_traffic */
	size_t n_to;
	uint32_t size;	/* send: payload bytes */
	int create;	/* send: a group traffic's first message, its group created first */
	uint32_t fault; /* fault events: index into plan->faults */
};

struct plan {
	const struct scenario *sc; /* borrowed */
	uint64_t seed;
	char subnet[24];	 /* e.g. 10.213.0.0/24 */
	struct plan_node *nodes; /* same order as sc->nodes */
	size_t n_nodes;
	struct plan_link *links;
	size_t n_links;
	struct plan_traffic *traffic; /* same order as sc->traffic */
	size_t n_traffic;
	struct plan_fault *faults; /* every occurrence, file order */
	size_t n_faults;
	struct plan_event *events; /* sorted; events[i] has id e<i+1> */
	size_t n_events;
	size_t n_messages;
	size_t n_queries; /* store-query events, q1 … */
};

/* Builds the plan of a scenario that scenario_load accepted. Returns 0 with *out set (free it
 * with plan_free), or -1 with err set (a draw that cannot be satisfied, e.g. no mesh found). */
int plan_build(const struct scenario *sc, uint64_t seed, struct plan **out, struct fl_error *err);
void plan_free(struct plan *plan);

/* Writes plan.json (docs/FORMATS.md: keys in order, two-space indent, one item per line). Returns
 * 0, or -1 when the stream reports a write error. */
int plan_write_json(const struct plan *plan, FILE *f);

/* Topology (plan/topology.c): fills plan->links from the scenario's kind and links. */
int plan_topology_build(struct plan *plan, struct fl_error *err);
/* traffic_store_query.c: the store-query events of traffic i (times at[k] from its start). */
void plan_store_query_events(struct plan *plan, size_t i, const double *at);
/* Traffic (plan/traffic.c): resolves parties and appends the send events. */
int plan_traffic_build(struct plan *plan, struct fl_error *err);
/* Faults (plan/faults.c): expands repeats, draws targets, appends apply/revert events. */
int plan_faults_build(struct plan *plan, struct fl_error *err);
/* Appends a zeroed event (plan.c); its seq is its creation index. */
struct plan_event *plan_event_push(struct plan *plan);

#endif
