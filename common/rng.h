/* The lab's one PRNG: splitmix64 to seed, xoshiro256** to draw. The planner and the agents'
 * NFQUEUE engine both use it, so one run seed reproduces every decision on any machine. */
#ifndef FL_RNG_H
#define FL_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_unit(struct rng *r);
/* Uniform integer in [0, n); n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Standard normal draw (Box–Muller). */
double rng_normal(struct rng *r);
/* Derives an independent seed for a named stream: same (seed, label, index) → same value. */
uint64_t rng_derive(uint64_t seed, const char *label, uint64_t index);
/* A seed from the OS (getrandom), for runs with none given. */
uint64_t rng_os_seed(void);

#endif
