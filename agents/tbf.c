#include "agents/tbf.h"

#include <inttypes.h>

int tbf_plan_build(uint64_t rate_bps, uint64_t burst_bytes, struct tbf_plan *plan,
		   struct fl_error *err)
{
	uint64_t rate = rate_bps / 8, burst, limit;

	if (rate == 0)
		return fl_err(err, "params.rate_bps: expected a rate of at least 8 bit/s");
	if (rate > INT32_MAX) /* libnl's tbf setter takes an int */
		return fl_err(err, "params.rate_bps: %" PRIu64 " bit/s is above tbf's 17 Gbit/s",
			      rate_bps);
	if (burst_bytes > 64u * 1024 * 1024)
		return fl_err(err, "params.burst_bytes: %" PRIu64 " is above 64 MiB", burst_bytes);
	burst = burst_bytes ? burst_bytes : rate / 100;
	if (burst < TBF_BURST_MIN)
		burst = TBF_BURST_MIN;
	limit = burst + rate * TBF_LATENCY_MS / 1000;
	if (limit > INT32_MAX)
		limit = INT32_MAX;
	plan->rate_Bps = (uint32_t)rate;
	plan->burst = (uint32_t)burst;
	plan->limit = (uint32_t)limit;
	return 0;
}
