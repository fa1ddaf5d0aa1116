#include "common/rng.h"

#include <math.h>
#include <sys/random.h>
#include <time.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* Lemire's rejection keeps the draw unbiased. */
	uint64_t threshold = -n % n, x;

	do
		x = rng_next(r);
	while (x < threshold);
	return x % n;
}

double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t rng_derive(uint64_t seed, const char *label, uint64_t index)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the label */

	for (const char *p = label; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	uint64_t x = seed ^ h ^ (index * 0x9e3779b97f4a7c15ull);
	splitmix64(&x);
	return splitmix64(&x);
}

uint64_t rng_os_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = (uint64_t)time(NULL) * 2654435761u;
	/* Keep seeds short enough to type: 1..2^31-1. */
	return (s % 2147483646u) + 1;
}
