/* The bandwidth fault kind (tbf on egress, IFB + tbf on ingress) and the shaping sweep it
 * shares with netem. */
#ifndef FL_AGENT_BANDWIDTH_H
#define FL_AGENT_BANDWIDTH_H

#include "agents/fault.h"

extern const struct fault_kind bandwidth_fault_kind;

/* Removes the run's leftover shaping of the node: a faultlab root qdisc on its interface and
 * on its IFB, the IFB and the ingress redirect. */
int bandwidth_sweep_shaping(const struct agent_node *node, struct fl_error *err);
/* The ifindex of the node's interface, or -1 with an error. */
int bandwidth_node_ifindex(const struct agent_node *node, struct fl_error *err);

#endif
