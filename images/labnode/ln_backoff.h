/* Exponential back-off with jitter, shared by the dialer and MVDS retransmission:
 * attempt n (from 1) waits base·2^(n−1), scaled by a uniform factor in [0.8, 1.2), capped at
 * max. Attempt 0 waits nothing. */
#ifndef LN_BACKOFF_H
#define LN_BACKOFF_H

#include "common/rng.h"

#include <stdint.h>

int64_t ln_backoff_delay_ms(int64_t base_ms, int64_t max_ms, unsigned attempt, struct rng *r);

#endif
