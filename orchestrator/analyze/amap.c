#include "orchestrator/analyze/amap.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#define AMAP_CHUNK (1u << 20)

struct amap_chunk {
	struct amap_chunk *next;
	size_t used, cap;
	char data[];
};

/* n bytes, 8-byte aligned, not zeroed. */
static void *amap_arena_raw(struct amap_arena *a, size_t n)
{
	struct amap_chunk *c = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > AMAP_CHUNK / 4 ? n : AMAP_CHUNK;

		c = fl_xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		/* A big allocation gets its own chunk behind the current one, so the rest of
		 * the current chunk is not wasted. */
		if (cap != AMAP_CHUNK && a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

void *amap_arena_alloc(struct amap_arena *a, size_t n)
{
	void *p = amap_arena_raw(a, n);

	if (p)
		memset(p, 0, n);
	return p;
}

char *amap_arena_strndup(struct amap_arena *a, const char *s, size_t n)
{
	char *p = amap_arena_raw(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *amap_arena_strdup(struct amap_arena *a, const char *s)
{
	return s ? amap_arena_strndup(a, s, strlen(s)) : NULL;
}

void amap_arena_free(struct amap_arena *a)
{
	struct amap_chunk *c = a->head;

	while (c) {
		struct amap_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
}

/* Reads up to 8 bytes little-endian. */
static uint64_t amap_word(const char *p, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, p, n < 8 ? n : 8);
	return w;
}

static uint64_t amap_mix(uint64_t h)
{
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return h;
}

void amap_hash2(const char *key, size_t n, uint64_t h[2])
{
	uint64_t a = 0x243f6a8885a308d3ull ^ n, b = 0x13198a2e03707344ull + n;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = amap_word(key + i, n - i);

		a = (a ^ w) * 0x9e3779b97f4a7c15ull;
		a ^= a >> 29;
		b = (b + w) * 0xbf58476d1ce4e5b9ull;
		b ^= b >> 31;
	}
	h[0] = amap_mix(a);
	h[1] = amap_mix(b ^ (a >> 17));
	if (!h[0])
		h[0] = 1;
}

uint64_t amap_hash(const char *key, size_t n)
{
	uint64_t h[2];

	amap_hash2(key, n, h);
	return h[0];
}

/* Keys are never compared byte by byte: a 96-bit fingerprint (hash, check) identifies them,
 * so a lookup touches one cache line and never the key's memory. A false match needs a 64-bit
 * and an independent 32-bit hash to collide at once (about 2^-96 per pair of keys). */
static struct amap_slot *amap_find(const struct amap *m, const uint64_t h[2])
{
	size_t mask = m->cap - 1;

	for (size_t i = h[0] & mask;; i = (i + 1) & mask) {
		struct amap_slot *s = &m->slots[i];

		if (s->hash == 0 || (s->hash == h[0] && s->check == (uint32_t)h[1]))
			return s;
	}
}

#define AMAP_HUGE (2u << 20)

/* Zeroed slots. Tables of 8 MiB and more sit in their own mapping with transparent huge
 * pages asked for: random probes into a table of millions of slots otherwise miss the TLB
 * on nearly every lookup. */
static int amap_alloc(struct amap *m, size_t cap)
{
	size_t bytes = cap * sizeof(*m->slots);
	char *p;

	m->map = NULL;
	m->map_len = 0;
	if (bytes < 4 * AMAP_HUGE) {
		m->slots = fl_xcalloc(cap, sizeof(*m->slots));
		return 0;
	}
	p = mmap(NULL, bytes + AMAP_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		fl_oom();
	m->map = p;
	m->map_len = bytes + AMAP_HUGE;
	m->slots =
	    (struct amap_slot *)(((uintptr_t)p + AMAP_HUGE - 1) & ~(uintptr_t)(AMAP_HUGE - 1));
	madvise(m->slots, bytes, MADV_HUGEPAGE);
	return 0;
}

static void amap_release(struct amap *m)
{
	if (m->map)
		munmap(m->map, m->map_len);
	else
		free(m->slots);
}

static int amap_grow_to(struct amap *m, size_t cap)
{
	struct amap old = *m;

	if (amap_alloc(m, cap) < 0) {
		*m = old;
		return -1;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++) {
		struct amap_slot *s = &old.slots[i];
		uint64_t h[2] = {s->hash, s->check};

		if (s->hash)
			*amap_find(m, h) = *s;
	}
	amap_release(&old);
	return 0;
}

static int amap_grow(struct amap *m)
{
	return amap_grow_to(m, m->cap ? m->cap * 2 : 64);
}

int amap_reserve(struct amap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 64;

	while ((n + 1) * 10 > cap * 7)
		cap *= 2;
	return cap == m->cap ? 0 : amap_grow_to(m, cap); /* one rehash, whatever the size */
}

static int amap_insert(struct amap *m, const char *key, size_t klen, uint32_t val, int replace)
{
	uint64_t h[2];
	struct amap_slot *s;

	if ((m->len + 1) * 10 > m->cap * 7 && amap_grow(m) < 0)
		return -1;
	amap_hash2(key, klen, h);
	s = amap_find(m, h);
	if (s->hash) {
		if (replace)
			s->val = val;
		return 0;
	}
	s->hash = h[0];
	s->check = (uint32_t)h[1];
	s->val = val;
	m->len++;
	return 1;
}

int amap_put(struct amap *m, const char *key, size_t klen, uint32_t val)
{
	return amap_insert(m, key, klen, val, 1) < 0 ? -1 : 0;
}

int amap_put_new(struct amap *m, const char *key, size_t klen, uint32_t val)
{
	return amap_insert(m, key, klen, val, 0);
}

int amap_get(const struct amap *m, const char *key, size_t klen, uint32_t *val)
{
	uint64_t h[2];
	struct amap_slot *s;

	if (m->cap == 0)
		return 0;
	amap_hash2(key, klen, h);
	s = amap_find(m, h);
	if (!s->hash)
		return 0;
	*val = s->val;
	return 1;
}

void amap_prefetch(const struct amap *m, const uint64_t h[2])
{
	if (m->cap)
		__builtin_prefetch(&m->slots[h[0] & (m->cap - 1)]);
}

int amap_get_hashed(const struct amap *m, const uint64_t h[2], uint32_t *val)
{
	struct amap_slot *s;

	if (m->cap == 0)
		return 0;
	s = amap_find(m, h);
	if (!s->hash)
		return 0;
	*val = s->val;
	return 1;
}

void amap_free(struct amap *m)
{
	if (m->slots)
		amap_release(m);
	m->slots = NULL;
	m->map = NULL;
	m->cap = m->len = 0;
}
