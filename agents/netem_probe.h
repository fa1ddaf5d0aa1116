/* Does this kernel have sch_netem? `faultlab doctor` asks from a scratch netns it made. */
#ifndef FL_AGENT_NETEM_PROBE_H
#define FL_AGENT_NETEM_PROBE_H

#include "common/error.h"

/* Adds a netem qdisc (10 ms delay) as root of `lo` in the current netns and removes it
 * again. Returns 1 when netem works, 0 when the kernel lacks it, -1 on another error (no
 * privileges...). Call it only inside a scratch netns: it replaces lo's root qdisc. */
int netem_probe(struct fl_error *err);

#endif
