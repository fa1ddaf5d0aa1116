#include "images/labnode/ln_seen.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void gen_free(struct ln_seen_gen *g)
{
	free(g->keys);
	free(g->used);
	memset(g, 0, sizeof(*g));
}

static void gen_alloc(struct ln_seen_gen *g, size_t cap)
{
	g->keys = fl_xreallocarray(NULL, cap, LN_HASH_LEN);
	g->used = fl_xcalloc(cap, 1);
	g->cap = cap;
	g->n = 0;
}

static size_t slot_of(const uint8_t *h, size_t cap)
{
	uint64_t v;

	memcpy(&v, h, sizeof(v)); /* a SHA-256 output is already uniform */
	return (size_t)(v & (cap - 1));
}

static int gen_find(const struct ln_seen_gen *g, const uint8_t *h, size_t *slot)
{
	size_t i = slot_of(h, g->cap);

	while (g->used[i]) {
		if (!memcmp(g->keys[i], h, LN_HASH_LEN)) {
			*slot = i;
			return 1;
		}
		i = (i + 1) & (g->cap - 1);
	}
	*slot = i;
	return 0;
}

static void gen_insert(struct ln_seen_gen *g, const uint8_t *h)
{
	size_t slot;

	if ((g->n + 1) * 2 > g->cap) {
		struct ln_seen_gen bigger;
		gen_alloc(&bigger, g->cap * 2);
		for (size_t i = 0; i < g->cap; i++)
			if (g->used[i])
				gen_insert(&bigger, g->keys[i]);
		gen_free(g);
		*g = bigger;
	}
	if (gen_find(g, h, &slot))
		return;
	memcpy(g->keys[slot], h, LN_HASH_LEN);
	g->used[slot] = 1;
	g->n++;
}

void ln_seen_init(struct ln_seen *s, int64_t ttl_ms, int64_t now_ms)
{
	gen_alloc(&s->gen[0], 1024);
	gen_alloc(&s->gen[1], 1024);
	s->ttl_ms = ttl_ms;
	s->rotated_ms = now_ms;
}

static void rotate(struct ln_seen *s, int64_t now_ms)
{
	int64_t half = s->ttl_ms / 2;

	if (now_ms - s->rotated_ms < half)
		return;
	gen_free(&s->gen[1]);
	if (now_ms - s->rotated_ms >= 2 * half) { /* both generations are older than ttl */
		gen_free(&s->gen[0]);
		gen_alloc(&s->gen[0], 1024);
	}
	s->gen[1] = s->gen[0];
	gen_alloc(&s->gen[0], 1024);
	s->rotated_ms = now_ms;
}

int ln_seen_contains(struct ln_seen *s, const uint8_t hash[LN_HASH_LEN], int64_t now_ms)
{
	size_t slot;

	rotate(s, now_ms);
	return gen_find(&s->gen[0], hash, &slot) || gen_find(&s->gen[1], hash, &slot);
}

int ln_seen_check_add(struct ln_seen *s, const uint8_t hash[LN_HASH_LEN], int64_t now_ms)
{
	if (ln_seen_contains(s, hash, now_ms))
		return 1;
	gen_insert(&s->gen[0], hash);
	return 0;
}

size_t ln_seen_count(const struct ln_seen *s)
{
	return s->gen[0].n + s->gen[1].n;
}

void ln_seen_free(struct ln_seen *s)
{
	gen_free(&s->gen[0]);
	gen_free(&s->gen[1]);
}
