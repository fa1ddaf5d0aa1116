#include "agents/nfq_heap.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

static int nfq_heap_less(const struct nfq_heap_entry *a, const struct nfq_heap_entry *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void nfq_heap_swap(struct nfq_heap_entry *a, struct nfq_heap_entry *b)
{
	struct nfq_heap_entry t = *a;

	*a = *b;
	*b = t;
}

void nfq_heap_init(struct nfq_heap *h)
{
	memset(h, 0, sizeof(*h));
}

void nfq_heap_free(struct nfq_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].data);
	free(h->v);
	nfq_heap_init(h);
}

void nfq_heap_push(struct nfq_heap *h, const struct nfq_heap_entry *e)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;

		h->v = fl_xreallocarray(h->v, cap, sizeof(*h->v));
		h->cap = cap;
	}
	i = h->n++;
	h->v[i] = *e;
	while (i > 0 && nfq_heap_less(&h->v[i], &h->v[(i - 1) / 2])) {
		nfq_heap_swap(&h->v[i], &h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

const struct nfq_heap_entry *nfq_heap_peek(const struct nfq_heap *h)
{
	return h->n ? &h->v[0] : NULL;
}

int nfq_heap_pop(struct nfq_heap *h, struct nfq_heap_entry *out)
{
	size_t i = 0;

	if (!h->n)
		return -1;
	*out = h->v[0];
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->n && nfq_heap_less(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && nfq_heap_less(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		nfq_heap_swap(&h->v[i], &h->v[m]);
		i = m;
	}
	return 0;
}
