/* The NFQUEUE engine's schedule: a binary min-heap of held packets ordered by release time,
 * ties broken by arrival sequence so packets due at the same instant leave in arrival order. */
#ifndef FL_AGENT_NFQ_HEAP_H
#define FL_AGENT_NFQ_HEAP_H

#include <stddef.h>
#include <stdint.h>

enum nfq_heap_action {
	NFQ_HEAP_ACCEPT, /* verdict the held packet NF_ACCEPT (with data when data != NULL) */
	NFQ_HEAP_INJECT, /* send the copy in data through the raw socket (a duplicate) */
};

struct nfq_heap_entry {
	uint64_t due_ns; /* CLOCK_MONOTONIC */
	uint64_t seq;
	uint32_t packet_id;
	uint8_t action;
	uint8_t *data; /* owned by the entry: modified packet or duplicate; may be NULL */
	uint32_t len;
};

struct nfq_heap {
	struct nfq_heap_entry *v;
	size_t n, cap;
};

void nfq_heap_init(struct nfq_heap *h);
/* Frees the array and every entry's data. */
void nfq_heap_free(struct nfq_heap *h);
/* Copies e in (out of memory is fatal: common/xalloc.h). */
void nfq_heap_push(struct nfq_heap *h, const struct nfq_heap_entry *e);
/* The earliest entry, or NULL when empty. */
const struct nfq_heap_entry *nfq_heap_peek(const struct nfq_heap *h);
/* Removes the earliest entry into *out (its data now owned by the caller); -1 when empty. */
int nfq_heap_pop(struct nfq_heap *h, struct nfq_heap_entry *out);

#endif
