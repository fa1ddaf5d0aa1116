/* Fault kinds: one entry of fault_kind_table (fault_kind.c) per kind, read by every layer:
 *
 *   scenario  parse (its YAML keys, scenario/parse_faults.c), validate, lasts (takes for:)
 *   plan      the params object it writes into plan.json: `fields`, in order
 *   plan.json → struct fault_params (plan/planread.c, the one reader), through the same fields
 *   analyze   delay_engine: whose engine the report names as the run's delay engine
 *   run       via: through the target's agent, or through the runtime (stop / restart)
 *   agent     the apply request's params (run/agentctl.c, the one encoder), same fields
 *   inject    `faultlab inject` FAULT-SPEC keys (inject_key of each field)
 *
 * Nobody compares kind names: a new kind is one entry here (plus its scenario keys and, for
 * an agent kind, its agent side in agents/). */
#ifndef FL_FAULT_KIND_H
#define FL_FAULT_KIND_H

#include "orchestrator/scenario/scenario.h"

#include <stddef.h>
#include <stdint.h>

struct sparse;
struct ytree;

/* How a fault reaches a node. */
enum fault_via {
	FAULT_VIA_AGENT,	   /* apply / revert requests to the node's faultlab-agent */
	FAULT_VIA_RUNTIME_STOP,	   /* the runtime's node_stop with params.signal (a moment) */
	FAULT_VIA_RUNTIME_RESTART, /* the runtime's node_stop + node_restart (a moment) */
};

enum fault_field_type {
	FAULT_FIELD_MS,	    /* int64_t milliseconds; plan and agent: an integer */
	FAULT_FIELD_FRAC,   /* double 0..1; plan: shortest exact decimal, agent: a real */
	FAULT_FIELD_BPS,    /* uint64_t bits per second */
	FAULT_FIELD_BYTES,  /* uint64_t bytes */
	FAULT_FIELD_TEXT,   /* char[16] (an enum word: direction, distribution) */
	FAULT_FIELD_SIGNAL, /* int signal; plan: its name without SIG ("KILL") */
	FAULT_FIELD_GROUPS, /* partition: plan "groups" of node names; agent "drop_from" */
	FAULT_FIELD_PORTS,  /* TCP ports (ports, n_ports); plan and agent: a list of integers,
			     * FAULT-SPEC: comma-separated */
};

/* Typed parameters of one fault, parsed once (from the scenario, plan.json or a FAULT-SPEC).
 * A kind reads only its own fields. */
struct fault_params {
	unsigned given; /* bit i: the kind's field i was given (the encoder writes only those) */
	int64_t delay_ms, jitter_ms, wake_network_after_ms;
	double correlation, loss, duplicate, reorder, corrupt;
	uint64_t rate_bps, burst_bytes;
	char distribution[16], direction[16], mode[16];
	uint16_t ports[SCENARIO_PORTS_MAX];
	size_t n_ports;
	int signal;
	int *group_of; /* partition: group of each plan node, -1 none (owned; fault_params_free) */
	int n_groups;
};

struct fault_field {
	const char *key; /* in plan.json and in the agent's params */
	enum fault_field_type type;
	size_t off;		/* in struct fault_params */
	int in_plan;		/* the planner writes it */
	int to_agent;		/* the agent takes it */
	const char *inject_key; /* its FAULT-SPEC key, NULL when `faultlab inject` has none */
	int limit; /* its row of common/limits_faults.h (enum fl_limit_kind), -1 none */
};

struct fault_kind {
	const char *name; /* scenario key, plan.json "kind", agent "kind" */
	enum scenario_fault_kind kind;
	enum fault_via via;
	int lasts;		/* takes for: (and has a revert); else a moment */
	const char *moment_why; /* why a moment takes no for: (the message says it) */
	int groups;		/* targets are partition groups, not one target selector */
	const struct fault_field *fields;
	size_t n_fields;
	/* scenario: its parameter keys, and its own checks beyond the common ones (NULL none) */
	const struct scenario_key *keys;
	void (*validate)(struct sparse *p, const struct scenario_fault *f);
	/* What the agent would refuse, or a fault that would change nothing, as a sentence
	 * ("netem jitter needs a delay"); NULL when the params make sense. Read by validate (a
	 * scenario's fault) and by `faultlab inject` (a FAULT-SPEC), on typed params. NULL: no
	 * such check for the kind. */
	const char *(*sense)(const struct fault_params *p);
	/* The engine that applies it (the agent's reply: netem, nfqueue) is the one the report
	 * names as the run's delay engine when the journal does not say. */
	int delay_engine;
	/* 1: a target {site: X} shapes the site's shared uplink, once for all its nodes (the
	 * agent of the site's namespace applies it); 0: {site: X} is the site's nodes */
	int site_uplink;
	/* 1: it stops the node's process (freeze, suspend), so the node answers no request while
	 * it is in force (the run does not poll it then) */
	int stops_process;
};

/* The kind by name (NULL when unknown), by the scenario's enum, or the i-th (NULL past the
 * end). fault_kind_names(): "netem, bandwidth, ..., restart" (agent_only: only the kinds an
 * agent applies), for messages. */
const struct fault_kind *fault_kind_find(const char *name);
const struct fault_kind *fault_kind_of(enum scenario_fault_kind kind);
const struct fault_kind *fault_kind_at(size_t i);
void fault_kind_names(int agent_only, char *buf, size_t len);

/* The typed parameters of a scenario fault (every field given; no groups: the planner writes
 * them from its resolved targets). */
void fault_params_from_scenario(const struct scenario_fault *f, struct fault_params *out);
void fault_params_free(struct fault_params *p);
/* FAULT_FIELD_PORTS as JSON (plan.json and the agent: a list of integers): read into
 * out->ports (0, or -1 when v is not 0..SCENARIO_PORTS_MAX ports), written from p; and a
 * FAULT-SPEC's "60000,60001" as that list (NULL when malformed). */
struct json_t;
int fault_ports_from_json(const struct json_t *v, struct fault_params *out);
struct json_t *fault_ports_to_json(const struct fault_params *p);
struct json_t *fault_ports_parse(const char *s);
/* The signal named "KILL", "SIGTERM", "15", ...; 0 when none. */
int fault_signal_parse(const char *name);

#endif
