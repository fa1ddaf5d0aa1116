/* Is there anything left to wait for? The drain ledger holds every (message, recipient) pair
 * the run has sent and settles each one when the recipient's events file says "received", when
 * the sender gives the message up ("failed"), or when the recipient is gone for good. A run
 * whose traffic is over, whose faults are all reverted and whose ledger has nothing pending
 * (after a quiet time) ends its drain early instead of waiting for nothing.
 *
 * Owned by the run's main thread: the send threads never touch it (the main thread adds a
 * message when it queues the send). */
#ifndef FL_RUN_DRAIN_H
#define FL_RUN_DRAIN_H

#include <stddef.h>
#include <stdint.h>

struct drain;

struct drain *drain_new(size_t n_nodes);
void drain_free(struct drain *d);
/* A message the run has queued: its plan id ("m12"), its sender and its recipients. */
void drain_expect(struct drain *d, const char *msg, uint32_t from, const uint32_t *to, size_t n_to);
/* The acceptance of request msg (accept: true): "<msg>.accept" from acceptor back to
 * requester. Given up with msg, or when the acceptor is gone. */
void drain_expect_accept(struct drain *d, const char *msg, uint32_t acceptor, uint32_t requester);
/* One complete line of node `node`'s events file (labnode's format: "event", "text" whose first
 * word is the plan message id). Returns 1 when the line settled a pair. */
int drain_line(struct drain *d, uint32_t node, const char *line, size_t len);
/* The sender could not send msg (its send request failed): nothing will arrive. */
void drain_give_up(struct drain *d, const char *msg);
/* The node will receive nothing more (exited, not to be restarted): its pairs are settled. */
void drain_node_gone(struct drain *d, uint32_t node);
/* Pairs neither received nor given up; the number of messages queued so far. */
/* 1 when message msg reached every recipient, -1 when one pair was given up, 0 while one
 * is waiting or msg is unknown. */
int drain_delivered(const struct drain *d, const char *msg);
size_t drain_pending(const struct drain *d);
size_t drain_messages(const struct drain *d);
/* The index (queue order) of the first message at or after `from` with a pair still pending;
 * drain_messages() when every one of them is settled. */
size_t drain_settled_from(const struct drain *d, size_t from);

#endif
