/* The faultlab qdiscs of one interface, kept as a stack: the first is the root, each next one
 * the child of the one before (netem and tbf both take one child on minor 1). Overlapping
 * faults on one interface stack up; removing any one of them rebuilds the stack without it,
 * so the others keep working and each revert undoes exactly its own part. Handles come from
 * the reserved majors QDISC_MAJOR_MIN..QDISC_MAJOR_MAX (sweep deletes any root there).
 *
 * The kernel work goes through struct qdisc_ops: qdisc_nl_ops (libnl) in the agent, a
 * recording fake in unit tests. The stack is process-wide and not thread-safe: the agent's
 * loop is its only user. */
#ifndef FL_AGENT_QDISC_H
#define FL_AGENT_QDISC_H

#include "agents/netem_plan.h"
#include "agents/tbf.h"
#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

struct nl_sock;

#define QDISC_MAJOR_MIN 0xf1a0u
#define QDISC_MAJOR_MAX 0xf1afu
#define QDISC_STACK_MAX 32

enum qdisc_kind { QDISC_NETEM, QDISC_TBF };

struct qdisc_spec {
	enum qdisc_kind kind;
	int ifindex;
	uint32_t handle, parent; /* set by qdisc_push */
	struct netem_plan netem;
	const int16_t *dist; /* netem delay table (owned by the caller), or NULL */
	size_t dist_n;
	struct tbf_plan tbf;
};

struct qdisc_ops {
	/* Adds q under q->parent with q->handle, replacing what is there. */
	int (*add)(const struct qdisc_ops *ops, const struct qdisc_spec *q, struct fl_error *err);
	/* Deletes q (and with it every qdisc below it). */
	int (*del)(const struct qdisc_ops *ops, const struct qdisc_spec *q, struct fl_error *err);
	/* Deletes the root qdisc of ifindex when its major is in the reserved range; returns
	 * 1 when it deleted one, 0 when there was none. */
	int (*sweep)(const struct qdisc_ops *ops, int ifindex, struct fl_error *err);
};

extern const struct qdisc_ops qdisc_nl_ops;
/* A libnl socket connected to NETLINK_ROUTE (free it with nl_socket_free), or NULL + err. */
struct nl_sock *qdisc_nl_socket(struct fl_error *err);

/* Puts q at the bottom of its interface's stack (q must stay valid until qdisc_pop). On
 * error nothing changed. */
int qdisc_push(const struct qdisc_ops *ops, struct qdisc_spec *q, struct fl_error *err);
/* Takes q out: the stack is deleted from its root and rebuilt without q. Best effort:
 * reports the first error. */
int qdisc_pop(const struct qdisc_ops *ops, struct qdisc_spec *q, struct fl_error *err);
/* How many qdiscs the stack of ifindex holds. */
size_t qdisc_depth(int ifindex);

#endif
