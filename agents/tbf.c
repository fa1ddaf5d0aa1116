#include "agents/tbf.h"

#include "common/limits_faults.h"

#include <inttypes.h>

int tbf_plan_build(uint64_t rate_bps, uint64_t burst_bytes, struct tbf_plan *plan,
		   struct fl_error *err)
{
	uint64_t rate = rate_bps / 8, burst, limit;

	if (rate == 0)
		return fl_err(err, "params.rate_bps: expected a rate of at least 8 bit/s");
	/* libnl's tbf setter takes an int of bytes/s: the table's rate limit */
	if (fl_limit_check(FL_LIMIT_RATE, (double)rate_bps, err) < 0)
		return fl_wrap(err, "params.rate_bps");
	if (fl_limit_check(FL_LIMIT_BURST, (double)burst_bytes, err) < 0)
		return fl_wrap(err, "params.burst_bytes");
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
