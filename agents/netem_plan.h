/* netem's pure plan: scenario units (ms, fractions, bits/s) → the kernel's units (psched
 * ticks, probabilities on the UINT32_MAX scale, bytes/s). No I/O except reading the tick
 * rate from /proc/net/psched; the NFQUEUE engine and the netlink backend both start here. */
#ifndef FL_AGENT_NETEM_PLAN_H
#define FL_AGENT_NETEM_PLAN_H

#include "common/error.h"

#include <stdint.h>

enum netem_dist {
	NETEM_DIST_UNIFORM,
	NETEM_DIST_NORMAL,
	NETEM_DIST_PARETO,
	NETEM_DIST_PARETONORMAL
};
enum netem_loss_model { NETEM_LOSS_RANDOM, NETEM_LOSS_GEMODEL };
enum netem_dir { NETEM_DIR_EGRESS = 1, NETEM_DIR_INGRESS = 2, NETEM_DIR_BOTH = 3 };

/* What a netem fault asks for, in scenario units (fractions in [0, 1]). Gilbert–Elliott:
 * ge_p = P(good → bad), ge_r = P(bad → good), ge_h = P(a packet gets through | bad),
 * ge_k = P(a packet gets through | good) (defaults: r = 1 - p, h = 0, k = 1). */
struct netem_params {
	double delay_ms, jitter_ms;
	enum netem_dist distribution;
	double correlation; /* applies to delay, loss, duplicate, reorder and corrupt */
	double loss;
	enum netem_loss_model loss_model;
	double ge_p, ge_r, ge_h, ge_k;
	double duplicate, reorder, corrupt;
	uint64_t rate_bps; /* 0: no rate limit */
	enum netem_dir direction;
	uint64_t seed;
};

/* The kernel's psched clock, from /proc/net/psched: ticks = us * t2us / us2t. */
struct netem_psched {
	uint32_t t2us, us2t;
};

/* Everything the kernel's netem takes, in its own units. */
struct netem_plan {
	uint32_t latency_us, jitter_us;	      /* what libnl's setters take */
	uint32_t latency_ticks, jitter_ticks; /* what reaches tc_netem_qopt */
	int64_t latency_ns, jitter_ns;	      /* TCA_NETEM_LATENCY64 / JITTER64 */
	uint32_t limit;			      /* packets netem may hold */
	uint32_t loss, duplicate, gap;
	uint32_t delay_corr, loss_corr, dup_corr;
	uint32_t reorder, reorder_corr, corrupt, corrupt_corr;
	enum netem_dist distribution;
	int gemodel;			  /* 1: ge_* below replace loss */
	uint32_t ge_p, ge_r, ge_h, ge_k1; /* struct tc_netem_gemodel fields */
	uint64_t rate_Bps;		  /* TCA_NETEM_RATE(64), bytes per second */
	uint64_t seed;			  /* TCA_NETEM_PRNG_SEED */
};

/* A fraction in [0, 1] on the kernel's probability scale (0 → 0, 1 → UINT32_MAX). */
uint32_t netem_plan_prob(double frac);
/* Microseconds → psched ticks. */
uint32_t netem_plan_ticks(const struct netem_psched *ps, uint64_t us);
/* Parses the four hex words of /proc/net/psched (path: NULL for the default). */
int netem_plan_psched_read(const char *path, struct netem_psched *ps, struct fl_error *err);
/* Validates p and fills plan. Errors name the parameter ("params.jitter_ms: ..."). */
int netem_plan_build(const struct netem_params *p, const struct netem_psched *ps,
		     struct netem_plan *plan, struct fl_error *err);
/* "uniform" etc. → enum; -1 if unknown. netem_plan_dist_name is the reverse. */
int netem_plan_dist_parse(const char *name);
const char *netem_plan_dist_name(enum netem_dist d);
/* Zeroes p and sets the defaults: uniform, random loss, GE r = 1 - p, h = 0, k = 1,
 * direction egress. */
void netem_plan_params_init(struct netem_params *p);

#endif
