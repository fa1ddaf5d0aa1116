/* The agent's fault kinds: one table entry per kind (like iproute2's qdisc_util).
 *
 * The agent process has already entered the node's network namespace (setns) when any of
 * these run, so every netlink or iptables call made here acts on the node, never on the
 * host. Each kind parses its own JSON params (the request handler is edge code), builds a
 * pure plan from them, and applies it through its ops; revert undoes exactly what apply did,
 * so overlapping faults of different kinds (and of one kind, where the kind allows it)
 * unwind independently. A failed apply rolls back whatever part of it was done before
 * returning -1. */
#ifndef FL_AGENT_FAULT_H
#define FL_AGENT_FAULT_H

#include "common/error.h"

#include <jansson.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

/* What the agent knows about its node; fixed for the agent's life. */
struct agent_node {
	char run_id[32];	  /* marker carried by every object the agent makes */
	char node[64];		  /* node name, for messages */
	char ifname[IF_NAMESIZE]; /* the node's interface inside its netns */
	char cgroup[256];	  /* the node's cgroup directory (v2 or v1 freezer), "" if none */
	pid_t pgid;		  /* the node's process group, for the SIGSTOP fallback */
};

struct fault {
	char id[64]; /* the orchestrator's fault id, unique while active */
	const struct fault_kind *kind;
	uint64_t seed;		 /* engine seed from the plan */
	char engine[24];	 /* set by apply: "netem", "nfqueue", "tbf", "iptables", ... */
	void *state;		 /* owned by the kind; freed by revert (or by finish, see below) */
	int64_t finish_after_ms; /* kinds with finish: set by apply, the delay before it */
};

struct fault_kind {
	const char *name; /* "netem", "bandwidth", "partition", "link-down", "freeze", "suspend" */
	/* Parses params (errors name the field: "params.loss: expected a fraction ...") and
	 * applies the fault. On error nothing of it remains. */
	int (*apply)(const struct agent_node *node, struct fault *f, json_t *params,
		     struct fl_error *err);
	/* Undoes exactly what apply did and frees f->state. Best effort: keeps going past
	 * a failing step and reports the first error. */
	int (*revert)(const struct agent_node *node, struct fault *f, struct fl_error *err);
	/* Removes every object of this kind carrying node->run_id (a crashed run's leftovers);
	 * NULL when the kind leaves nothing behind. */
	int (*sweep)(const struct agent_node *node, struct fl_error *err);
	/* Optional: the late part of a revert. When set, revert undoes the first part and keeps
	 * f->state; the agent calls finish f->finish_after_ms later (at once when it shuts
	 * down), which undoes the rest and frees f->state. Suspend uses it to bring the network
	 * back after the thaw. */
	int (*finish)(const struct agent_node *node, struct fault *f, struct fl_error *err);
};

/* Chain names: FL<run_id>-<fault id>[suffix]. Fault ids are 1..AGENT_FAULT_ID_MAX chars of
 * [A-Za-z0-9.-] and run ids 1..10 of [a-z0-9], so a suffix of up to 2 characters that
 * starts with '_' (never in an id) still fits the 28 characters iptables allows. */
#define AGENT_FAULT_ID_MAX 13
#define AGENT_RUN_ID_MAX 10
/* Writes the chain name for fault `id` with `suffix` ("" or "_o", "_q", ...). */
void fault_chain_name(const struct agent_node *node, const char *id, const char *suffix, char *out,
		      size_t len);
/* Writes the prefix every chain of this run starts with: "FL<run_id>-". */
void fault_chain_prefix(const struct agent_node *node, char *out, size_t len);

/* Params helpers for the kinds' apply (agents/fault_params.c). Each names the field in its
 * error ("params.wake_network_after_ms: expected ..."). */
/* Fails naming the first key of params not in the NULL-terminated `known`. */
int fault_params_only(json_t *params, const char *const *known, struct fl_error *err);
/* An integer in [min, max]; `def` when absent. */
int fault_params_int(json_t *params, const char *key, int64_t min, int64_t max, int64_t def,
		     int64_t *out, struct fl_error *err);

/* The kinds in this tree. */
extern const struct fault_kind partition_fault_kind;
extern const struct fault_kind linkdown_fault_kind;
extern const struct fault_kind freeze_fault_kind;
extern const struct fault_kind suspend_fault_kind;
extern const struct fault_kind netem_fault_kind;
extern const struct fault_kind bandwidth_fault_kind;
extern const struct fault_kind conndrop_fault_kind;

/* The registry (agents/fault_registry.c). */
const struct fault_kind *fault_kind_find(const char *name);
extern const struct fault_kind *const fault_kinds[]; /* NULL-terminated */

#endif
