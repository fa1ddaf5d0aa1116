/* The bandwidth fault kind (tbf on egress, IFB + tbf on ingress) and the shaping sweep it
 * shares with netem. */
#ifndef FL_AGENT_BANDWIDTH_H
#define FL_AGENT_BANDWIDTH_H

#include "agents/fault.h"
#include "agents/qdisc.h"

extern const struct fault_kind bandwidth_fault_kind;

/* Removes the run's leftover shaping of the node: a faultlab root qdisc on its interface and
 * on its IFB, the IFB and the ingress redirect. */
int bandwidth_sweep_shaping(const struct agent_node *node, struct fl_error *err);
/* The ifindex of the node's interface, or -1 with an error. */
int bandwidth_node_ifindex(const struct agent_node *node, struct fl_error *err);

/* One fault's qdiscs: at the bottom of the interface's stack (egress) and/or at the bottom
 * of the run's IFB stack (ingress). Used by bandwidth (tbf) and netem (netem). */
struct bandwidth_shaping {
	struct qdisc_spec egress, ingress;
	int has_egress, has_ingress;
};

/* Pushes a copy of q (q->ifindex: the node's interface) on egress when dir has
 * NETEM_DIR_EGRESS, and one on the run's IFB, which it takes, when dir has NETEM_DIR_INGRESS.
 * Returns 0; 1 when a push failed with ENOENT (the kernel lacks the qdisc kind) before
 * anything was installed: nothing changed; -1 on other errors, with what was pushed still
 * in place (has_*) for bandwidth_shaping_pop. err is set on 1 and -1. */
int bandwidth_shaping_push(const struct agent_node *node, struct bandwidth_shaping *s,
			   const struct qdisc_spec *q, enum netem_dir dir, struct fl_error *err);
/* Pops what bandwidth_shaping_push installed and gives the IFB back. Best effort: reports
 * the first error. */
int bandwidth_shaping_pop(struct bandwidth_shaping *s, struct fl_error *err);

#endif
