/* What the agent is told about its node on the command line, checked, and the one step that
 * puts the agent in the node's network namespace. */
#ifndef FL_AGENT_NODE_H
#define FL_AGENT_NODE_H

#include "agents/fault.h"

/* Fills node, checking each value: run id 1..10 of [a-z0-9] (it goes into chain names),
 * interface name, cgroup directory (must exist when given), process group (≥ 0). Errors
 * name the option ("--run: ..."). */
int agent_node_init(struct agent_node *node, const char *run_id, const char *name,
		    const char *ifname, const char *cgroup, long pgid, struct fl_error *err);
/* Enters the network namespace at path (/proc/PID/ns/net or /run/netns/NAME) for good.
 * Refuses the host's root namespace (pid 1's), which the agent never changes. */
int agent_node_enter(const char *netns_path, struct fl_error *err);

#endif
