#include "agents/netem_plan.h"

#include "common/cleanup.h"
#include "common/limits_faults.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const netem_plan_dists[] = {"uniform", "normal", "pareto", "paretonormal"};

int netem_plan_dist_parse(const char *name)
{
	for (size_t i = 0; i < FL_ARRAY_SIZE(netem_plan_dists); i++)
		if (name && strcmp(name, netem_plan_dists[i]) == 0)
			return (int)i;
	return -1;
}

const char *netem_plan_dist_name(enum netem_dist d)
{
	return (unsigned)d < FL_ARRAY_SIZE(netem_plan_dists) ? netem_plan_dists[d] : "?";
}

void netem_plan_params_init(struct netem_params *p)
{
	memset(p, 0, sizeof(*p));
	p->distribution = NETEM_DIST_UNIFORM;
	p->loss_model = NETEM_LOSS_RANDOM;
	p->ge_r = -1; /* "not given": becomes 1 - p */
	p->ge_k = 1;
	p->direction = NETEM_DIR_EGRESS;
}

uint32_t netem_plan_prob(double frac)
{
	if (!(frac > 0))
		return 0;
	if (frac >= 1)
		return UINT32_MAX;
	return (uint32_t)llround(frac * (double)UINT32_MAX);
}

uint32_t netem_plan_ticks(const struct netem_psched *ps, uint64_t us)
{
	uint64_t t = us * ps->t2us / (ps->us2t ? ps->us2t : 1);

	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

int netem_plan_psched_read(const char *path, struct netem_psched *ps, struct fl_error *err)
{
	cleanup_fclose FILE *f = NULL;
	unsigned t2us, us2t, res, hz;

	path = path ? path : "/proc/net/psched";
	f = fopen(path, "re");
	if (!f)
		return fl_err_errno(err, "open %s", path);
	if (fscanf(f, "%x %x %x %x", &t2us, &us2t, &res, &hz) != 4 || !t2us || !us2t)
		return fl_err(err, "%s: expected four hex numbers", path);
	ps->t2us = t2us;
	ps->us2t = us2t;
	return 0;
}

static int netem_plan_check_frac(const char *name, double v, struct fl_error *err)
{
	if (!(v >= 0 && v <= 1))
		return fl_err(err, "params.%s: fraction %g%% must lie between 0%% and 100%%", name,
			      v * 100);
	return 0;
}

static int netem_plan_check(const struct netem_params *p, struct fl_error *err)
{
	const struct {
		const char *name;
		double v;
	} fracs[] = {{"correlation", p->correlation},
		     {"loss", p->loss},
		     {"duplicate", p->duplicate},
		     {"reorder", p->reorder},
		     {"corrupt", p->corrupt},
		     {"ge_p", p->ge_p},
		     {"ge_h", p->ge_h},
		     {"ge_k", p->ge_k}};

	for (size_t i = 0; i < FL_ARRAY_SIZE(fracs); i++)
		if (netem_plan_check_frac(fracs[i].name, fracs[i].v, err) < 0)
			return -1;
	if (p->ge_r >= 0 && netem_plan_check_frac("ge_r", p->ge_r, err) < 0)
		return -1;
	/* the limits validate and inject check first (common/limits_faults.h) */
	if (fl_limit_check(FL_LIMIT_DELAY, p->delay_ms, err) < 0)
		return fl_wrap(err, "params.delay_ms");
	if (fl_limit_check(FL_LIMIT_JITTER, p->jitter_ms, err) < 0)
		return fl_wrap(err, "params.jitter_ms");
	if (p->jitter_ms > 0 && p->delay_ms == 0)
		return fl_err(err, "params.jitter_ms: jitter needs a delay_ms > 0");
	if (p->reorder > 0 && p->delay_ms == 0)
		return fl_err(err, "params.reorder: reordering needs a delay_ms > 0 (a reordered "
				   "packet is one sent without the delay)");
	if ((unsigned)p->distribution > NETEM_DIST_PARETONORMAL)
		return fl_err(err, "params.distribution: unknown distribution");
	return 0;
}

/* netem holds at most `limit` packets; keep room for a second of delayed traffic at a
 * busy node's rate (the kernel default of 1000 drops at 100 ms and 10 000 pps). */
static uint32_t netem_plan_limit(const struct netem_params *p)
{
	double ms = p->delay_ms + 3 * p->jitter_ms;

	return ms > 100 ? (uint32_t)fmin(1e6, 10000 * ms / 1000 + 1000) : 10000;
}

int netem_plan_build(const struct netem_params *p, const struct netem_psched *ps,
		     struct netem_plan *plan, struct fl_error *err)
{
	uint32_t corr;

	if (netem_plan_check(p, err) < 0)
		return -1;
	memset(plan, 0, sizeof(*plan));
	plan->latency_us = (uint32_t)llround(p->delay_ms * 1000);
	plan->jitter_us = (uint32_t)llround(p->jitter_ms * 1000);
	plan->latency_ticks = netem_plan_ticks(ps, plan->latency_us);
	plan->jitter_ticks = netem_plan_ticks(ps, plan->jitter_us);
	plan->latency_ns = llround(p->delay_ms * 1e6);
	plan->jitter_ns = llround(p->jitter_ms * 1e6);
	plan->limit = netem_plan_limit(p);
	plan->distribution = p->distribution;
	corr = netem_plan_prob(p->correlation);
	plan->delay_corr = p->jitter_ms > 0 ? corr : 0;
	plan->loss = p->loss_model == NETEM_LOSS_RANDOM ? netem_plan_prob(p->loss) : 0;
	plan->loss_corr = plan->loss ? corr : 0;
	plan->duplicate = netem_plan_prob(p->duplicate);
	plan->dup_corr = plan->duplicate ? corr : 0;
	plan->reorder = netem_plan_prob(p->reorder);
	plan->reorder_corr = plan->reorder ? corr : 0;
	plan->gap = plan->reorder ? 1 : 0; /* as tc: gap 1, each packet jumps with P(reorder) */
	plan->corrupt = netem_plan_prob(p->corrupt);
	plan->corrupt_corr = plan->corrupt ? corr : 0;
	if (p->loss_model == NETEM_LOSS_GEMODEL) {
		plan->gemodel = 1;
		plan->ge_p = netem_plan_prob(p->ge_p);
		plan->ge_r = netem_plan_prob(p->ge_r >= 0 ? p->ge_r : 1 - p->ge_p);
		plan->ge_h = netem_plan_prob(p->ge_h);
		plan->ge_k1 = netem_plan_prob(1 - p->ge_k);
	}
	plan->rate_Bps = p->rate_bps / 8;
	if (p->rate_bps && !plan->rate_Bps)
		return fl_err(err, "params.rate_bps: %llu bit/s is below 8 bit/s",
			      (unsigned long long)p->rate_bps);
	plan->seed = p->seed;
	return 0;
}
