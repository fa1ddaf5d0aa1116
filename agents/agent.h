/* The agent's core: the faults in force, their leases, and the protocol's replies and events
 * (agents/README.md). No I/O loop here (agent_loop.c feeds it lines and times), so tests
 * drive it directly with a fake kind table and a memory stream. */
#ifndef FL_AGENT_H
#define FL_AGENT_H

#include "agents/fault.h"
#include "agents/lease.h"

#include <stdint.h>
#include <stdio.h>

#define AGENT_FAULTS_MAX 128

struct agent_fault {
	struct fault f;
	int restoring; /* reverted; its kind's finish runs when its timer falls due */
};

struct agent {
	struct agent_node node;
	const struct fault_kind *const *kinds; /* NULL-terminated; fault_kinds in the binary */
	struct agent_fault *faults[AGENT_FAULTS_MAX]; /* in the order applied */
	size_t nfaults;
	struct lease_set leases; /* each fault's lease, or its finish time when restoring */
	FILE *out;		 /* replies and events, one JSON object a line */
};

void agent_init(struct agent *a, const struct agent_node *node,
		const struct fault_kind *const *kinds, FILE *out);
/* Handles one request line (no newline) read at monotonic t_read_ns: writes exactly one
 * reply line. */
void agent_handle_line(struct agent *a, const char *line, size_t len, uint64_t t_read_ns);
/* Reverts the faults whose lease ran out by now_ns and finishes the restores due ("expired"
 * and "restored" events). */
void agent_run_due(struct agent *a, uint64_t now_ns);
/* The next deadline; 0 when nothing is pending. */
int agent_next_due(const struct agent *a, uint64_t *due_ns);
/* Reverts every fault and finishes every restore now, latest applied first, writing a
 * "reverted" event (with `reason`) per fault. Returns how many steps failed. */
int agent_revert_all(struct agent *a, const char *reason);

#endif
