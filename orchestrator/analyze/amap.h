/* The analyzer's memory helpers: a bump arena for strings and an open-addressing hash map
 * from a byte string to a 32-bit value. The map keeps a 96-bit fingerprint of each key, not
 * the key, so lookups (ten million trace lines) touch one slot and nothing else. */
#ifndef FL_AMAP_H
#define FL_AMAP_H

#include <stddef.h>
#include <stdint.h>

struct amap_arena {
	struct amap_chunk *head;
};

/* Copies n bytes plus a NUL into the arena (out of memory is fatal: common/xalloc.h). */
char *amap_arena_strndup(struct amap_arena *a, const char *s, size_t n);
char *amap_arena_strdup(struct amap_arena *a, const char *s);
/* Zeroed memory from the arena (8-byte aligned). */
void *amap_arena_alloc(struct amap_arena *a, size_t n);
void amap_arena_free(struct amap_arena *a);

struct amap_slot {
	uint64_t hash;	/* 0 = empty */
	uint32_t check; /* 32 bits of a second, independent hash of the key */
	uint32_t val;
};

struct amap {
	struct amap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t len;
	void *map; /* big tables: the mapping that holds slots (huge pages), else NULL */
	size_t map_len;
};

uint64_t amap_hash(const char *key, size_t n);
/* Inserts key → val, or replaces the value of an existing key. Returns 0. */
int amap_put(struct amap *m, const char *key, size_t klen, uint32_t val);
/* Inserts only when absent. Returns 1 inserted, 0 already there (*val left alone). */
int amap_put_new(struct amap *m, const char *key, size_t klen, uint32_t val);
/* Finds key; returns 1 and sets *val, or 0. */
int amap_get(const struct amap *m, const char *key, size_t klen, uint32_t *val);
void amap_free(struct amap *m);
/* Grows the map to hold n keys without growing again. Returns 0. */
int amap_reserve(struct amap *m, size_t n);
/* The same in steps, so a caller can prefetch a batch of slots before it reads them:
 * two independent 64-bit hashes (h[0] places the key, h[1] confirms it). */
void amap_hash2(const char *key, size_t n, uint64_t h[2]);
void amap_prefetch(const struct amap *m, const uint64_t h[2]);
int amap_get_hashed(const struct amap *m, const uint64_t h[2], uint32_t *val);

#endif
