/* The NFQUEUE engine's per-packet decisions, drawn from the fault's seed (common/rng.h) with
 * netem's semantics: loss (random, or Gilbert–Elliott), duplication,
 * corruption, reordering (a reordered packet skips the delay) and a delay of
 * delay ± jitter from the uniform, normal or a tabulated (pareto, paretonormal) distribution.
 * Correlation makes the yes/no events come in runs while keeping their long-run fraction
 * (netem's blended draw lowers it), and pulls each delay towards the previous one.
 * Pure: the same seed and parameters give the same decisions on any machine. */
#ifndef FL_AGENT_NFQ_DRAW_H
#define FL_AGENT_NFQ_DRAW_H

#include "agents/netem_plan.h"
#include "common/rng.h"

#include <stddef.h>
#include <stdint.h>

struct nfq_draw {
	struct rng rng;
	struct netem_params p;
	const int16_t *table; /* delay distribution (NETEM_DIST_SCALE units), or NULL */
	size_t table_n;
	double last[5];	 /* correlated delay draw: netem's blend of the previous value */
	uint8_t prev[5]; /* correlated events: did loss, dup, reorder, corrupt last fire */
	int ge_bad;	 /* Gilbert–Elliott: 1 in the bad state */
	uint64_t rate_next_ns;
};

struct nfq_draw_decision {
	int drop, dup, corrupt, reorder;
	int64_t delay_ns;
};

/* table may be NULL (then normal uses Box–Muller and the tabulated kinds are uniform); the
 * table must outlive d. */
void nfq_draw_init(struct nfq_draw *d, const struct netem_params *p, const int16_t *table,
		   size_t table_n);
void nfq_draw_packet(struct nfq_draw *d, struct nfq_draw_decision *out);
/* With a rate limit: when a packet of len bytes due at due_ns leaves (serialised after the
 * previous one). Without one: due_ns. */
uint64_t nfq_draw_rate(struct nfq_draw *d, uint64_t due_ns, uint32_t len);

#endif
