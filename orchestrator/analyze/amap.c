#include "orchestrator/analyze/amap.h"

#include <stdlib.h>
#include <string.h>

#define AMAP_CHUNK (1u << 20)

struct amap_chunk {
	struct amap_chunk *next;
	size_t used, cap;
	char data[];
};

void *amap_arena_alloc(struct amap_arena *a, size_t n)
{
	struct amap_chunk *c = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > AMAP_CHUNK / 4 ? n : AMAP_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
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
	memset(p, 0, n);
	return p;
}

char *amap_arena_strndup(struct amap_arena *a, const char *s, size_t n)
{
	char *p = amap_arena_alloc(a, n + 1);

	if (p)
		memcpy(p, s, n);
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

/* FNV-1a, then a final mix so that the low bits used for the slot index are well spread. */
uint64_t amap_hash(const char *key, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

static struct amap_slot *amap_find(const struct amap *m, const char *key, size_t klen, uint64_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct amap_slot *s = &m->slots[i];

		if (s->hash == 0)
			return s;
		if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
			return s;
	}
}

static int amap_grow(struct amap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct amap old = *m;

	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -1;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++) {
		struct amap_slot *s = &old.slots[i];

		if (s->hash)
			*amap_find(m, s->key, s->klen, s->hash) = *s;
	}
	free(old.slots);
	return 0;
}

static int amap_insert(struct amap *m, const char *key, size_t klen, uint32_t val, int replace)
{
	uint64_t h = amap_hash(key, klen);
	struct amap_slot *s;

	if ((m->len + 1) * 10 > m->cap * 7 && amap_grow(m) < 0)
		return -1;
	s = amap_find(m, key, klen, h);
	if (s->hash) {
		if (replace)
			s->val = val;
		return 0;
	}
	s->hash = h;
	s->key = key;
	s->klen = (uint32_t)klen;
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
	struct amap_slot *s;

	if (m->cap == 0)
		return 0;
	s = amap_find(m, key, klen, amap_hash(key, klen));
	if (!s->hash)
		return 0;
	*val = s->val;
	return 1;
}

void amap_free(struct amap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}
