#include "agents/nfq_draw.h"

#include "agents/netem_dist.h"

#include <math.h>
#include <string.h>

enum { NFQ_DRAW_DELAY, NFQ_DRAW_LOSS, NFQ_DRAW_DUP, NFQ_DRAW_REORDER, NFQ_DRAW_CORRUPT };

void nfq_draw_init(struct nfq_draw *d, const struct netem_params *p, const int16_t *table,
		   size_t table_n)
{
	memset(d, 0, sizeof(*d));
	rng_seed(&d->rng, p->seed);
	d->p = *p;
	d->table = table_n ? table : NULL;
	d->table_n = table_n;
	for (int i = 0; i < 5; i++)
		d->last[i] = rng_unit(&d->rng);
}

/* netem's get_crandom, for the delay: a uniform draw pulled towards the previous one. */
static double nfq_draw_crandom(struct nfq_draw *d, int which)
{
	double u = rng_unit(&d->rng), rho = d->p.correlation;

	if (rho <= 0)
		return u;
	d->last[which] = u * (1 - rho) + d->last[which] * rho;
	return d->last[which];
}

/* A yes/no event of probability prob whose outcomes are correlated: a two-state Markov
 * chain with P(yes | yes) = rho + (1 - rho) prob and P(yes | no) = (1 - rho) prob, so the
 * long-run fraction stays prob (netem's blended draw shrinks it) and runs grow with rho. */
static int nfq_draw_event(struct nfq_draw *d, int which, double prob)
{
	double rho = d->p.correlation, pe;
	int yes;

	if (prob <= 0)
		return 0;
	pe = d->prev[which] ? rho + (1 - rho) * prob : (1 - rho) * prob;
	yes = rng_unit(&d->rng) < pe;
	d->prev[which] = (uint8_t)yes;
	return yes;
}

static int nfq_draw_loss(struct nfq_draw *d)
{
	const struct netem_params *p = &d->p;
	double r = p->ge_r >= 0 ? p->ge_r : 1 - p->ge_p;

	if (p->loss_model == NETEM_LOSS_RANDOM)
		return nfq_draw_event(d, NFQ_DRAW_LOSS, p->loss);
	/* Gilbert–Elliott as the kernel's: move, then lose with the state's probability. */
	if (!d->ge_bad) {
		if (rng_unit(&d->rng) < p->ge_p)
			d->ge_bad = 1;
		return rng_unit(&d->rng) < 1 - p->ge_k;
	}
	if (rng_unit(&d->rng) < r)
		d->ge_bad = 0;
	return rng_unit(&d->rng) >= p->ge_h;
}

static double nfq_draw_jitter(struct nfq_draw *d)
{
	double u = nfq_draw_crandom(d, NFQ_DRAW_DELAY);

	if (d->p.distribution == NETEM_DIST_UNIFORM ||
	    (!d->table && d->p.distribution != NETEM_DIST_NORMAL))
		return (2 * u - 1) * d->p.jitter_ms;
	if (!d->table)
		return rng_normal(&d->rng) * d->p.jitter_ms;
	size_t i = (size_t)(u * (double)d->table_n);

	if (i >= d->table_n)
		i = d->table_n - 1;
	return d->p.jitter_ms * d->table[i] / NETEM_DIST_SCALE;
}

void nfq_draw_packet(struct nfq_draw *d, struct nfq_draw_decision *out)
{
	const struct netem_params *p = &d->p;
	double ms;

	memset(out, 0, sizeof(*out));
	if (nfq_draw_loss(d)) {
		out->drop = 1;
		return;
	}
	out->dup = nfq_draw_event(d, NFQ_DRAW_DUP, p->duplicate);
	out->corrupt = nfq_draw_event(d, NFQ_DRAW_CORRUPT, p->corrupt);
	out->reorder = nfq_draw_event(d, NFQ_DRAW_REORDER, p->reorder);
	if (out->reorder)
		return; /* sent at once, ahead of the delayed ones */
	ms = p->delay_ms;
	if (p->jitter_ms > 0)
		ms += nfq_draw_jitter(d);
	out->delay_ns = ms > 0 ? llround(ms * 1e6) : 0;
}

uint64_t nfq_draw_rate(struct nfq_draw *d, uint64_t due_ns, uint32_t len)
{
	uint64_t start;

	if (!d->p.rate_bps)
		return due_ns;
	start = due_ns > d->rate_next_ns ? due_ns : d->rate_next_ns;
	d->rate_next_ns = start + (uint64_t)((double)len * 8e9 / (double)d->p.rate_bps);
	return d->rate_next_ns;
}
