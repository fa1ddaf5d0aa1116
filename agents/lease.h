/* The agent's timers: one deadline per fault id (its lease, or for a suspend being undone,
 * the moment its network comes back), kept in deadline order. Pure: the caller passes the
 * monotonic time in; nothing here reads a clock. */
#ifndef FL_AGENT_LEASE_H
#define FL_AGENT_LEASE_H

#include <stddef.h>
#include <stdint.h>

#define LEASE_SET_MAX 256
#define LEASE_ID_MAX 64

struct lease {
	char id[LEASE_ID_MAX];
	uint64_t due_ns; /* monotonic */
	uint64_t seq;	 /* insertion order, breaks ties between equal deadlines */
};

/* Sorted by (due_ns, seq): v[0] falls due first. Zero-initialised is empty. */
struct lease_set {
	struct lease v[LEASE_SET_MAX];
	size_t n;
	uint64_t seq;
};

/* Sets id's deadline, replacing the one it had (a renewal). -1 when the set is full or the
 * id does not fit. */
int lease_set_put(struct lease_set *s, const char *id, uint64_t due_ns);
/* Removes id's deadline. -1 when it had none. */
int lease_set_remove(struct lease_set *s, const char *id);
/* id's deadline, or NULL. */
const struct lease *lease_set_find(const struct lease_set *s, const char *id);
/* The earliest deadline, or NULL when the set is empty. */
const struct lease *lease_set_first(const struct lease_set *s);
/* Removes the earliest lease if it is due at now_ns, copying its id out. 1 when one was
 * popped, 0 when none is due. Deadlines that fall together pop in the order they were set. */
int lease_set_pop_due(struct lease_set *s, uint64_t now_ns, char *id, size_t len);

#endif
