/* The analyzer's memory helpers: a bump arena for strings and an open-addressing hash map
 * from a byte string to a 32-bit value. Keys are not copied: they must outlive the map (put
 * them in the arena). Both are sized for a million messages and ten million trace lines. */
#ifndef FL_AMAP_H
#define FL_AMAP_H

#include <stddef.h>
#include <stdint.h>

struct amap_arena {
	struct amap_chunk *head;
};

/* Copies n bytes plus a NUL into the arena; NULL when out of memory. */
char *amap_arena_strndup(struct amap_arena *a, const char *s, size_t n);
char *amap_arena_strdup(struct amap_arena *a, const char *s);
/* Zeroed memory from the arena (8-byte aligned); NULL when out of memory. */
void *amap_arena_alloc(struct amap_arena *a, size_t n);
void amap_arena_free(struct amap_arena *a);

struct amap_slot {
	uint64_t hash; /* 0 = empty */
	const char *key;
	uint32_t klen;
	uint32_t val;
};

struct amap {
	struct amap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t len;
};

uint64_t amap_hash(const char *key, size_t n);
/* Inserts key → val, or replaces the value of an existing key. -1 when out of memory. */
int amap_put(struct amap *m, const char *key, size_t klen, uint32_t val);
/* Inserts only when absent. Returns 1 inserted, 0 already there (*val left alone), -1 ENOMEM. */
int amap_put_new(struct amap *m, const char *key, size_t klen, uint32_t val);
/* Finds key; returns 1 and sets *val, or 0. */
int amap_get(const struct amap *m, const char *key, size_t klen, uint32_t *val);
void amap_free(struct amap *m);

#endif
