/* Token buckets keyed by client "IP:port" (see ratelimit.h for the source it follows). */
#include "orchestrator/telemetry/ratelimit.h"

#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tm_ratelimit_init(struct tm_ratelimit *rl, double per_s, double burst, uint64_t now_ns)
{
	memset(rl, 0, sizeof(*rl));
	rl->per_s = per_s;
	rl->burst = burst;
	rl->last_sweep_ns = now_ns;
}

void tm_ratelimit_free(struct tm_ratelimit *rl)
{
	free(rl->b);
	rl->b = NULL;
	rl->n = rl->cap = 0;
}

/* ratelimiter.go cleanup(): every hour, drop buckets whose lastUsed is over 2 s old. */
static void sweep(struct tm_ratelimit *rl, uint64_t now_ns)
{
	size_t k = 0;

	for (size_t i = 0; i < rl->n; i++)
		if (rl->b[i].last_used_ns + TM_RATE_IDLE_NS >= now_ns)
			rl->b[k++] = rl->b[i];
	rl->n = k;
	rl->last_sweep_ns = now_ns;
}

static struct tm_bucket *lookup(struct tm_ratelimit *rl, const char *key, uint64_t now_ns)
{
	for (size_t i = 0; i < rl->n; i++)
		if (!strcmp(rl->b[i].key, key))
			return &rl->b[i];
	if (rl->n == rl->cap) {
		rl->cap = rl->cap ? rl->cap * 2 : 16;
		rl->b = fl_xreallocarray(rl->b, rl->cap, sizeof(*rl->b));
	}
	struct tm_bucket *b = &rl->b[rl->n++];
	memset(b, 0, sizeof(*b));
	snprintf(b->key, sizeof(b->key), "%s", key);
	b->tokens = rl->burst; /* rate.NewLimiter: the first advance() fills the bucket */
	b->last_ns = now_ns;
	return b;
}

int tm_ratelimit_allow(struct tm_ratelimit *rl, const char *key, uint64_t now_ns)
{
	if (now_ns - rl->last_sweep_ns >= TM_RATE_SWEEP_NS)
		sweep(rl, now_ns);
	struct tm_bucket *b = lookup(rl, key, now_ns);
	/* x/time/rate advance(): tokens += elapsed·limit, capped at burst; a time before the
	 * last one counts as no time */
	uint64_t elapsed = now_ns > b->last_ns ? now_ns - b->last_ns : 0;
	double tokens = b->tokens + (double)elapsed * rl->per_s / 1e9;

	if (tokens > rl->burst)
		tokens = rl->burst;
	b->last_used_ns = now_ns;
	if (tokens < 1.0)
		return 0; /* reserveN: not ok, state unchanged */
	b->tokens = tokens - 1.0;
	b->last_ns = now_ns;
	return 1;
}
