/* Freezing the node's processes, shared by the freeze and suspend kinds. Nested: the node
 * is frozen by the first freeze_node() and thawed by the matching last freeze_thaw(), so a
 * freeze overlapping a suspend keeps the node frozen until both are reverted. */
#ifndef FL_AGENT_FREEZE_H
#define FL_AGENT_FREEZE_H

#include "agents/fault.h"

#include <stddef.h>

/* Freezes the node: cgroup2 cgroup.freeze when node->cgroup has it, else the v1 freezer's
 * freezer.state, else SIGSTOP to node->pgid. Returns once the kernel reports the cgroup
 * frozen. Writes the engine used (hostprobe_freezer_name: "cgroup2", "freezer-v1",
 * "sigstop") to engine. */
int freeze_node(const struct agent_node *node, char *engine, size_t len, struct fl_error *err);
/* Undoes one freeze_node(); thaws when it was the last. */
int freeze_thaw(const struct agent_node *node, struct fl_error *err);
/* Thaws the node whatever froze it (a crashed agent's leftover). */
int freeze_sweep(const struct agent_node *node, struct fl_error *err);

#endif
