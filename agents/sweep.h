/* `faultlab-agent --sweep`: removes what a crashed run left in a node, by the run's marker. */
#ifndef FL_AGENT_SWEEP_H
#define FL_AGENT_SWEEP_H

#include "agents/fault.h"

#include <stdio.h>

/* Calls every kind's sweep for node->run_id (after agent_node_enter), keeps going past a
 * failing kind, and writes one summary line to out:
 *   {"ok":true,"op":"sweep","run":"r1","kinds":{"partition":"ok",...}}
 * Returns the number of kinds whose sweep failed. */
int sweep_run(const struct agent_node *node, const struct fault_kind *const *kinds, FILE *out);

#endif
