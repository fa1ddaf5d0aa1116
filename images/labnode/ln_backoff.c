#include "images/labnode/ln_backoff.h"

int64_t ln_backoff_delay_ms(int64_t base_ms, int64_t max_ms, unsigned attempt, struct rng *r)
{
	double d;

	if (attempt == 0 || base_ms <= 0)
		return 0;
	d = (double)base_ms;
	for (unsigned i = 1; i < attempt && d < (double)max_ms; i++)
		d *= 2;
	d *= 0.8 + 0.4 * rng_unit(r);
	if (d > (double)max_ms)
		d = (double)max_ms;
	return (int64_t)d;
}
