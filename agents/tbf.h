/* tbf's pure plan: a rate in bit/s and an optional burst → what the kernel's token bucket
 * takes (bytes per second, bucket and queue limit in bytes). */
#ifndef FL_AGENT_TBF_H
#define FL_AGENT_TBF_H

#include "common/error.h"

#include <stdint.h>

/* A bucket smaller than one full frame would stop every full-sized packet for good. */
#define TBF_BURST_MIN 1600u
/* Queue up to this long a wait before tbf drops (as tc's "latency"). */
#define TBF_LATENCY_MS 100u

struct tbf_plan {
	uint32_t rate_Bps; /* bytes per second */
	uint32_t burst;	   /* bucket, bytes */
	uint32_t limit;	   /* queue, bytes */
};

/* burst_bytes 0: 10 ms at the rate. Errors name params.rate_bps / params.burst_bytes. */
int tbf_plan_build(uint64_t rate_bps, uint64_t burst_bytes, struct tbf_plan *plan,
		   struct fl_error *err);

#endif
