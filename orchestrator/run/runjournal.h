/* The run journal, events.jsonl (docs/FORMATS.md): one JSON object per line, flushed at once, in
 * the order things happened. Times are ms since mono0 (the start of the timeline, which
 * run-start records as CLOCK_MONOTONIC ms so node t_ms values convert). */
#ifndef FL_RUNJOURNAL_H
#define FL_RUNJOURNAL_H

#include "common/error.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

/* Every write takes the journal's lock: the send threads journal too. */
struct runjournal {
	FILE *f;
	double mono0_ms;
	pthread_mutex_t mu;
};

struct runjournal_send {
	const char *id, *msg, *node;
	double planned_ms, issued_ms, done_ms;
	const char *error; /* NULL = ok */
	const char *node_msg_id, *hash;
};

struct runjournal_fault {
	const char *type; /* "fault-apply" | "fault-revert" */
	const char *id;	  /* event id ("" for the final revert of teardown) */
	const char *fault, *node;
	double planned_ms, issued_ms, done_ms; /* done = applied_ms / reverted_ms */
	const char *engine;		       /* apply only, may be NULL */
	const char *error;		       /* NULL = ok */
};

int runjournal_open(struct runjournal *j, const char *path, struct fl_error *err);
void runjournal_close(struct runjournal *j);
/* ms since mono0. */
double runjournal_now(const struct runjournal *j);
/* Sets mono0 to now and writes run-start. */
void runjournal_run_start(struct runjournal *j, const char *run, const char *run_id, uint64_t seed,
			  const char *runtime, const char *started_at, const char *subnet);
struct doctor_report;
/* The host facts the report shows under "environment" (what faultlab doctor finds). */
void runjournal_environment(struct runjournal *j, const struct doctor_report *r);
void runjournal_node_up(struct runjournal *j, const char *node, const char *address,
			const char *key, double ready_ms);
void runjournal_link(struct runjournal *j, const char *a, const char *b, const char *error);
void runjournal_send(struct runjournal *j, const struct runjournal_send *s);
void runjournal_fault(struct runjournal *j, const struct runjournal_fault *f);
/* code < 0 → null; sig NULL → null. */
void runjournal_node_exit(struct runjournal *j, const char *node, int code, const char *sig,
			  int expected);
struct runjournal_store_query {
	const char *id, *query, *traffic, *of, *node, *store;
	double planned_ms, issued_ms, done_ms;
	const char *error;	     /* NULL = ok */
	const char *found, *missing; /* plan ids, space-separated (ok only) */
};
/* store-query: one store asked for the messages of traffic `of` (run_store_query.c). */
void runjournal_store_query(struct runjournal *j, const struct runjournal_store_query *q);
/* group-create: node created the group of traffic's first message msg (run_group.c). */
void runjournal_group_create(struct runjournal *j, const char *id, const char *msg,
			     const char *traffic, const char *node, double issued_ms,
			     double done_ms, const char *error);
/* traffic-open: a traffic with after: opened at t_ms (error NULL), or never will (error). */
void runjournal_traffic_open(struct runjournal *j, const char *traffic, const char *after,
			     int64_t within_ms, double t_ms, const char *error);
void runjournal_node_restart(struct runjournal *j, const char *node, const char *error);
/* The drain ended before planned_end_ms because nothing was left to wait for: every one of
 * the `messages` was received or given up, and every fault was reverted. */
void runjournal_drain_end(struct runjournal *j, double planned_end_ms, size_t messages);
void runjournal_run_end(struct runjournal *j, const char *status);
/* A fault that was in force on node when its agent died (type "fault-lost", result error). */
void runjournal_fault_lost(struct runjournal *j, const char *fault, const char *node,
			   const char *error);
/* A dead agent replaced (type "agent-restart"): why it died, the sweep's and the new agent's
 * errors (NULL = ok). */
void runjournal_agent_restart(struct runjournal *j, const char *node, const char *why,
			      const char *sweep_error, const char *start_error);
/* A driver's warning about what it could not see (type "driver-warning", node, text). */
/* A node's resource figures at the end of the run (run_resources.c); NAN figures are null. */
void runjournal_node_resources(struct runjournal *j, const char *node, double cpu_ms,
			       double max_rss_bytes, double rx_bytes, double tx_bytes,
			       const char *source);
void runjournal_driver_warning(struct runjournal *j, const char *node, const char *text);

/* The run's telemetry collector at its stop (type "telemetry-collector"): its address and
 * counters (docs/TELEMETRY.md). */
void runjournal_collector(struct runjournal *j, const char *address, uint64_t requests,
			  uint64_t records, uint64_t refused, uint64_t rejected,
			  uint64_t record_errors);
/* A replay's origin (type "replay", of = the original run directory, pause_before). */
void runjournal_replay(struct runjournal *j, const char *of, const char *pause_before);
/* A replay's pause (type "pause"): t_ms when it began (real ms since mono0), how long it
 * lasted, the event it came before (planned at planned_ms), the nodes frozen and the nodes
 * kept running. Every later time of the run is that much late (the analyzer subtracts it). */
void runjournal_pause(struct runjournal *j, const char *event, double planned_ms, double t_ms,
		      double duration_ms, size_t frozen, const char *const *kept, size_t n_kept);

/* Appends a node receipt line (nodes/<n>/events.jsonl, docs/FORMATS.md) for nodes that write none
 * themselves; t_ms is CLOCK_MONOTONIC ms, like the nodes'. */
void runjournal_receipt(FILE *events, const char *event, const char *id, const char *hash,
			const char *kind, const char *peer, const char *text);

#endif
