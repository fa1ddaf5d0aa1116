#include "agents/lease.h"

#include <stdio.h>
#include <string.h>

static long lease_set_index(const struct lease_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0)
			return (long)i;
	return -1;
}

static int lease_before(const struct lease *a, const struct lease *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

int lease_set_remove(struct lease_set *s, const char *id)
{
	long i = lease_set_index(s, id);

	if (i < 0)
		return -1;
	memmove(&s->v[i], &s->v[i + 1], (s->n - (size_t)i - 1) * sizeof(s->v[0]));
	s->n--;
	return 0;
}

int lease_set_put(struct lease_set *s, const char *id, uint64_t due_ns)
{
	struct lease l = {.due_ns = due_ns};
	size_t at = 0;

	if (strlen(id) >= sizeof(l.id))
		return -1;
	lease_set_remove(s, id);
	if (s->n == LEASE_SET_MAX)
		return -1;
	snprintf(l.id, sizeof(l.id), "%s", id);
	l.seq = s->seq++;
	while (at < s->n && !lease_before(&l, &s->v[at]))
		at++;
	memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof(s->v[0]));
	s->v[at] = l;
	s->n++;
	return 0;
}

const struct lease *lease_set_find(const struct lease_set *s, const char *id)
{
	long i = lease_set_index(s, id);

	return i < 0 ? NULL : &s->v[i];
}

const struct lease *lease_set_first(const struct lease_set *s)
{
	return s->n ? &s->v[0] : NULL;
}

int lease_set_pop_due(struct lease_set *s, uint64_t now_ns, char *id, size_t len)
{
	if (s->n == 0 || s->v[0].due_ns > now_ns)
		return 0;
	snprintf(id, len, "%s", s->v[0].id);
	memmove(&s->v[0], &s->v[1], (s->n - 1) * sizeof(s->v[0]));
	s->n--;
	return 1;
}
