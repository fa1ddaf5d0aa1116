/* The netem fault kind. Where the kernel has sch_netem: a netem qdisc on the node's
 * interface (egress) and/or its IFB (ingress), stacked with any bandwidth fault. Elsewhere
 * (f->engine = "nfqueue"): the userspace engine of agents/nfq_engine.h behind an NFQUEUE
 * rule in the fault's own chains, FL<run>-<id> on INPUT (ingress) and FL<run>-<id>_o on
 * OUTPUT (egress). FL_NETEM_ENGINE=nfqueue|netem in the environment forces an engine. */
#ifndef FL_AGENT_NETEM_H
#define FL_AGENT_NETEM_H

#include "agents/fault.h"

#include <stdint.h>

/* NFQUEUE numbers the agent uses: NETEM_QUEUE_BASE + 0..NETEM_QUEUE_COUNT-1, one per fault
 * (queues are per netns; the agent is alone in its node's netns). */
#define NETEM_QUEUE_BASE 0xf1a0u
#define NETEM_QUEUE_COUNT 64

extern const struct fault_kind netem_fault_kind;

#endif
