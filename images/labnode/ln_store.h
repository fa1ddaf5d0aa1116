/* The service node's message store (store v3 semantics) on SQLite. Messages are ordered by
 * (timestamp, hash); a cursor is the hash of the last message of the previous page. */
#ifndef LN_STORE_H
#define LN_STORE_H

#include "common/error.h"
#include "images/labnode/ln_msg.h"

#include <stdint.h>

#define LN_STORE_MAX_TOPICS 10
#define LN_STORE_MAX_HASHES 100
#define LN_STORE_PAGE_MAX 100
#define LN_STORE_PAGE_DEFAULT 20

struct ln_store;

struct ln_store_query {
	char pubsub[LN_TOPIC_MAX]; /* "" = any */
	char ctopics[LN_STORE_MAX_TOPICS][LN_TOPIC_MAX];
	int n_ctopics;
	int64_t start_ns, end_ns; /* inclusive; 0 = open */
	uint8_t hashes[LN_STORE_MAX_HASHES][LN_HASH_LEN];
	int n_hashes;
	uint8_t cursor[LN_HASH_LEN];
	int has_cursor;
	int page_size; /* 1..100; 0 → 20 */
	int ascending;
	int include_data;
};

struct ln_store_entry {
	uint8_t hash[LN_HASH_LEN];
	char pubsub[LN_TOPIC_MAX];
	struct ln_msg msg; /* payload only when include_data */
};

struct ln_store_page {
	struct ln_store_entry e[LN_STORE_PAGE_MAX];
	int n;
	uint8_t cursor[LN_HASH_LEN]; /* valid when has_cursor: more may follow */
	int has_cursor;
};

/* Opens (creating) the database at path (":memory:" works). retention: the most messages
 * kept, oldest dropped first (0 = unlimited). */
struct ln_store *ln_store_open(const char *path, long retention, struct fl_error *err);
void ln_store_close(struct ln_store *s);
/* Stores m under pubsub unless its hash is already there. Returns 1 if new, 0 if known. */
int ln_store_put(struct ln_store *s, const char *pubsub, const struct ln_msg *m,
		 const uint8_t hash[LN_HASH_LEN], struct fl_error *err);
int ln_store_query(struct ln_store *s, const struct ln_store_query *q, struct ln_store_page *out,
		   struct fl_error *err);
void ln_store_page_free(struct ln_store_page *p);
long ln_store_count(struct ln_store *s);

#endif
