/* The reliability analyzer: reads a run directory (plan.json, events.jsonl,
 * nodes/<n>/events.jsonl, nodes/<n>/stdout.log; docs/FORMATS.md) into a message ledger,
 * judges the plan's expectations, and writes report.json, junit.xml, summary.md and
 * report.html next to them.
 *
 * Unit of the ledger: one "delivery" per (message, intended receiver). A dm has one; a group
 * message one per member. `sent`, `delivered`, `lost`, `failed` and `delivery` count these.
 * Times are ms since the run's start (node t_ms are converted with the journal's mono0_ms). */
#ifndef FL_ANALYZE_H
#define FL_ANALYZE_H

#include "common/error.h"
#include "orchestrator/analyze/amap.h"
#include "orchestrator/analyze/metric.h"

#include <stddef.h>
#include <stdint.h>

enum analyze_status { ANALYZE_DELIVERED, ANALYZE_LOST, ANALYZE_FAILED };

struct analyze_opts {
	int no_html;	 /* skip report.html */
	int no_traces;	 /* skip nodes/<n>/stdout.log (where lost messages died) */
	int quiet;	 /* no summary (analyze_run_dir leaves *summary NULL) */
	const char *out; /* write the reports here instead of the run directory */
};

struct analyze_node {
	const char *name, *role, *image, *address, *key;
	int ups;	/* node-up lines in the journal */
	int restarts;	/* node-restart lines that succeeded */
	int exited;	/* a node-exit line was seen (the last one is kept) */
	double exit_ms; /* since start */
	int exit_code;	/* -1 = null */
	const char *exit_signal;
	int exit_expected;
	int fault_errors;	  /* faults that failed on this node (analyze_fault_error) */
	int agent_restarts;	  /* its agent died and was replaced (journal agent-restart) */
	int warnings;		  /* driver-warning lines (what a driver could not see) */
	const char *last_warning; /* the text of the last one */
	/* node-resources (the end of the run): NAN when unknown; has_resources 0 without it */
	int has_resources;
	double cpu_ms, max_rss_bytes, rx_bytes, tx_bytes;
	const char *resources_source; /* "cgroup2" | "proc" | NULL */
};

/* What went wrong with a fault on one node (the journal's fault-apply / fault-revert lines with
 * result error, fault-lost lines, and a node still holding it at the journal's end). */
enum analyze_fault_phase { ANALYZE_PH_APPLY, ANALYZE_PH_REVERT, ANALYZE_PH_LOST };

struct analyze_fault_error {
	uint32_t node; /* node index, ANALYZE_NONE unknown */
	uint8_t phase; /* enum analyze_fault_phase */
	double at_ms;  /* NAN unknown */
	const char *error;
};

struct fault_kind;

struct analyze_fault {
	const char *id, *name, *kind, *engine;
	const struct fault_kind *desc; /* its entry of the fault-kind table */
	uint32_t *targets;	       /* node indexes */
	size_t n_targets;
	double start_ms, end_ms; /* planned */
	const char *until;	 /* "delivered" (end_ms is then its cap) or NULL */
	const char *site; /* the site whose shared uplink it shaped (plan.json "site") or NULL */
	double applied_ms, reverted_ms;	  /* from the journal; NAN when absent */
	int errors;			  /* apply/revert lines with result error */
	struct analyze_fault_error *errs; /* every error, in journal order (malloc'd) */
	size_t n_errs;
	uint8_t *held; /* [node]: applied there and not yet reverted (journal order; malloc'd) */
	size_t n_held;
	/* computed */
	size_t sent_during, lost_during;
	double recovery_ms; /* NAN: some message sent before the end never arrived */
};

struct analyze_message {
	const char *id, *traffic, *kind, *hash, *node_id;
	uint32_t from; /* node index, UINT32_MAX unknown */
	double planned_ms;
	double sent_ms;	     /* NAN: no evidence it was sent */
	int failed;	     /* the sender's node refused it */
	int unsent;	     /* an interrupted run never sent it ("not sent: …" in the journal) */
	int acked;	     /* a `delivered` event at the sender */
	int want_accept;     /* a request with accept: true (plan.json "accept") */
	double accepted_ms;  /* its acceptance's first receipt at the sender; NAN none */
	uint32_t first, n;   /* its deliveries: deliveries[first .. first+n) */
	uint32_t trace_node; /* the last node whose trace saw its hash, UINT32_MAX none */
	double trace_t;	     /* that trace line's time (ns/1e6 of its own clock), or its order */
};

struct analyze_delivery {
	uint32_t msg;
	uint32_t to;	    /* node index */
	double received_ms; /* first copy; NAN none */
	uint32_t copies;
	uint8_t status;
	uint8_t reordered; /* received before a message its sender sent earlier to the same peer */
};

struct analyze_where {
	const char *kind, *traffic, *from, *to, *fault;
	const char *node; /* per-node metrics only; selects no messages */
};

struct analyze_expect {
	const char *metric;
	const struct metric_desc *desc; /* its entry of the metric table; NULL when unknown */
	struct analyze_where where;
	int has_min, has_max;
	double min, max;
	double actual; /* NAN: nothing to measure */
	int ok;
	const char *note; /* why it failed when actual is NAN */
};

struct analyze_stats {
	size_t sent, delivered, lost, failed, duplicates, reordered, acked;
	size_t accept_asked, accepted;	/* deliveries of accept: true requests; accepted back */
	double p50, p90, p95, p99, max; /* latency ms; NAN when nothing was delivered */
};

/* One row of a breakdown: the figures of the deliveries sharing one kind, traffic, sender
 * or receiver. */
struct analyze_group {
	const char *name;
	struct analyze_stats st;
};

enum analyze_dim {
	ANALYZE_BY_KIND,
	ANALYZE_BY_TRAFFIC,
	ANALYZE_BY_FROM,
	ANALYZE_BY_TO,
	ANALYZE_N_DIMS
};

struct analyze_breakdown {
	struct analyze_group *groups; /* in order of first appearance */
	size_t n;
};

/* Failed sends of one cause (send_causes.c). */
struct analyze_send_cause {
	const char *cause, *example; /* example: the first error text of this cause */
	size_t count;
};
#define ANALYZE_MAX_CAUSES 16
/* A replay's pause (journal "pause"): at_ms on the run's clock (pauses before it left out),
 * t_ms on the journal's real clock; every time after it is duration_ms late on the real
 * clock, which the analyzer takes out of every figure (pauses.c). */
struct analyze_pause {
	const char *event;	  /* the event it came before */
	const char *kept_running; /* "a,b" of the nodes not frozen; "" none */
	double at_ms, t_ms, duration_ms;
	size_t frozen; /* nodes frozen */
};

struct replay_cmp; /* replay_compare.h */

/* A traffic with after: (journal traffic-open): opened at t_ms, or never (error). */
struct analyze_open {
	const char *traffic, *after, *error; /* error NULL: it opened */
	double within_ms, t_ms;
};

/* One store asked by a store-query (journal store-query): found / missing are plan ids,
 * space-separated; error set when it could not be asked. */
struct analyze_store_query {
	const char *query, *traffic, *of, *node, *store, *found, *missing, *error;
	double asked_ms, answered_ms;
	size_t n_found, n_missing;
};

/* A group created before a group traffic's first message msg (groups.c). */
struct analyze_chat_group {
	uint32_t msg;		     /* the traffic's first message (its recipients: the members) */
	double asked_ms, created_ms; /* journal group-create: issued, done (NAN: not created) */
	const char *error;	     /* why the creator's node refused, NULL none */
	double *learnt_ms;	     /* [node]: first receipt of "<msg>.create", NAN none */
};

struct analyze_run {
	struct amap_arena arena;
	const char *dir, *scenario, *runtime, *started_at, *run_name, *status;
	uint64_t seed;
	int has_seed;
	double mono0_ms, wall_s, duration_ms, drain_ms; /* wall_s NAN when unknown */
	/* the run ended its drain early, nothing being left to wait for (journal drain-end);
	 * NAN when it waited the whole plan */
	double ended_early_ms, planned_end_ms;
	double real0_ms; /* wall clock (epoch ms) at the timeline's 0: run-start real0_ms, or NAN */
	struct analyze_node *nodes;
	size_t n_nodes;
	struct analyze_fault *faults;
	size_t n_faults;
	struct analyze_message *msgs;
	size_t n_msgs, cap_msgs;
	struct analyze_delivery *dels;
	size_t n_dels, cap_dels;
	struct analyze_expect *expects;
	size_t n_expects;
	struct analyze_stats totals;
	struct analyze_breakdown by[ANALYZE_N_DIMS];
	double telemetry_delivery;	     /* NAN when no telemetry line; see verdict.c */
	struct analyze_telemetry *telemetry; /* telemetry.db's view (telemetry_report.h) or NULL */
	const char *kernel, *delay_engine, *freezer, *docker;
	int netem;	       /* -1 unknown */
	size_t stray_receipts; /* receipts that matched no planned (message, receiver) */
	size_t send_failures;  /* journal send lines with result error */
	struct analyze_send_cause send_causes[ANALYZE_MAX_CAUSES]; /* in order of first sight */
	size_t n_send_causes;
	size_t trace_lines; /* trace lines that named a known hash */
	int verdict_ok;
	int interrupted;       /* run-end status "interrupted", or no run-end after a run-start */
	double interrupted_ms; /* its t_ms */
	size_t unsent_msgs;    /* messages an interrupted run never sent: not counted */
	size_t fault_errors;   /* sum of faults[].n_errs */
	uint8_t *canon; /* bit i: message i is named m<i+1> (found without a map or its string) */
	size_t cap_canon;
	int node_id_map; /* msg_by_node_id is built (only receipts without a text need it) */
	struct analyze_pause *pauses; /* in order */
	size_t n_pauses;
	double paused_ms;	/* their total */
	const char *replay_of;	/* a replay: the original run directory (journal "replay") */
	struct replay_cmp *cmp; /* a replay compared with its original (analyze_run_dir) */
	struct amap node_by_name, node_by_key, msg_by_id, msg_by_hash, msg_by_node_id;
	struct analyze_mesh *mesh;  /* relay mesh timelines (mesh.c), NULL none */
	struct analyze_open *opens; /* opens.c: traffic with after:, in journal order */
	size_t n_opens, opens_failed;
	struct analyze_store_query *store_queries; /* store_query.c, journal order */
	size_t n_store_queries;
	struct analyze_chat_group *groups; /* groups.c */
	size_t n_groups;
};

/* Loads and analyzes dir. NULL + err when plan.json is missing or malformed. */
struct analyze_run *analyze_load(const char *dir, const struct analyze_opts *opts,
				 struct fl_error *err);
void analyze_free(struct analyze_run *run);

/* Everything `faultlab run` needs at its end: analyze the run directory, write report.json,
 * junit.xml, summary.md and report.html into it (or opts->out), and set *verdict_exit to 0
 * (every expectation held) or 1. *summary (when summary is given and not opts->quiet): the
 * text for the caller to print (totals, each expectation, the verdict), to free. opts may be
 * NULL. Returns 0, or -1 with err. Prints nothing. */
int analyze_run_dir(const char *dir, struct analyze_opts *opts, int *verdict_exit, char **summary,
		    struct fl_error *err);

/* send_causes.c: the cause of a send error text (a table entry, "HTTP <code>", or the text's
 * last clause with numbers as N; may be written into buf), and counting one failed send. */
const char *analyze_send_cause(const char *err, size_t n, char *buf, size_t len);
void analyze_send_failed(struct analyze_run *run, const char *err, size_t n);

/* Helpers shared by the analyzer's files and the renderers. */
const char *analyze_status_name(enum analyze_status s);
/* "apply", "revert", "lost". */
const char *analyze_fault_phase_name(int phase);
const char *analyze_node_name(const struct analyze_run *run, uint32_t idx);
/* "kind", "traffic", "from", "to". */
const char *analyze_dim_name(enum analyze_dim d);

#endif
