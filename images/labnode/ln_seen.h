/* The relay's seen cache: a set of message hashes whose entries live between ttl/2 and ttl.
 * Two generations of open-addressed tables; the older one is dropped every ttl/2, so expiry
 * costs nothing per message. */
#ifndef LN_SEEN_H
#define LN_SEEN_H

#include "images/labnode/ln_msg.h"

#include <stddef.h>
#include <stdint.h>

struct ln_seen_gen {
	uint8_t (*keys)[LN_HASH_LEN];
	uint8_t *used;
	size_t cap;
	size_t n;
};

struct ln_seen {
	struct ln_seen_gen gen[2]; /* [0] current, [1] previous */
	int64_t ttl_ms;
	int64_t rotated_ms;
};

void ln_seen_init(struct ln_seen *s, int64_t ttl_ms, int64_t now_ms);
/* Returns 1 if hash was already there, else adds it and returns 0. */
int ln_seen_check_add(struct ln_seen *s, const uint8_t hash[LN_HASH_LEN], int64_t now_ms);
int ln_seen_contains(struct ln_seen *s, const uint8_t hash[LN_HASH_LEN], int64_t now_ms);
size_t ln_seen_count(const struct ln_seen *s);
void ln_seen_free(struct ln_seen *s);

#endif
