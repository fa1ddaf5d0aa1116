/* Message texts of the timeline (docs/FORMATS.md: "m17 " then filler up to size). */
#include "orchestrator/run/run.h"

#include "common/rng.h"

#include <stdio.h>
#include <string.h>

size_t run_text(const char *msg_id, uint64_t size, uint64_t seed, char *buf, size_t cap)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct rng r;
	size_t n;

	if (cap == 0)
		return 0;
	n = (size_t)snprintf(buf, cap, "%s ", msg_id);
	if (n >= cap)
		n = cap - 1;
	if (size > cap - 1)
		size = cap - 1;
	rng_seed(&r, rng_derive(seed, msg_id, 0));
	while (n < size)
		buf[n++] = alphabet[rng_below(&r, sizeof(alphabet) - 1)];
	buf[n] = '\0';
	return n;
}
