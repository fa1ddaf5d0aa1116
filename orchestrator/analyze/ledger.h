/* Internal to the analyzer: the steps of analyze_load, one file each. */
#ifndef FL_LEDGER_H
#define FL_LEDGER_H

#include "orchestrator/analyze/analyze.h"
#include "orchestrator/analyze/flatjson.h"

#define ANALYZE_NONE UINT32_MAX

/* runload.c: plan.json → nodes, faults, messages + deliveries, expectations. */
int runload_plan(struct analyze_run *run, struct fl_error *err);
/* Node index by name; creates the node when create is set. ANALYZE_NONE if absent/ENOMEM. */
uint32_t runload_node(struct analyze_run *run, const char *name, size_t n, int create);
/* Copies a flatjson string value into the arena (unescaped). NULL for null/ENOMEM. */
const char *runload_str(struct analyze_run *run, const struct flatjson_val *v);
/* Message index of a plan id ("m17"), or ANALYZE_NONE. */
uint32_t runload_msg_by_id(struct analyze_run *run, const char *id, size_t n);
/* Message index of the plan id at the start of a text ("m17 …"), or ANALYZE_NONE. */
uint32_t runload_msg_by_text(struct analyze_run *run, const char *text, size_t n);
/* A node's reply to a message: a text whose first word is "<plan id><suffix>" ("m17.accept …"
 * with ".accept"). 1 when it is one, *mi then the message's index or ANALYZE_NONE (an id the
 * plan does not have); 0 when the text is something else (*mi untouched). */
int runload_msg_by_reply(struct analyze_run *run, const char *text, size_t n, const char *suffix,
			 uint32_t *mi);

/* journal.c: events.jsonl. A missing journal is not an error (nothing was run). */
int journal_load(struct analyze_run *run, struct fl_error *err);

/* nodes.c: nodes/<n>/events.jsonl receipts. */
int nodes_load_events(struct analyze_run *run, struct fl_error *err);
/* groups.c: a group-create journal line (msg: the traffic's first message id); a received
 * "<msg>.create" at a member (1 when text is one, 0 otherwise); the `created` fraction of
 * members that learnt of their group, over the groups of traffic (NULL all). */
void groups_journal(struct analyze_run *run, const char *msg, size_t n, double issued_ms,
		    double done_ms, const char *error);
int groups_receipt(struct analyze_run *run, const char *text, size_t n, uint32_t node, double t_ms);
void groups_measure(const struct analyze_run *run, const char *traffic, double *actual,
		    const char **note);
/* store_query.c: a store-query journal line; the `stored` fraction over the queries of
 * traffic (the store-query's name or its `of`; NULL all), NAN + note when unmeasured. */
void store_query_line(struct analyze_run *run, const struct analyze_store_query *q);
void store_query_measure(const struct analyze_run *run, const char *traffic, double *actual,
			 const char **note);
/* opens.c: a traffic-open journal line (strings in the run's arena). */
void opens_line(struct analyze_run *run, const char *traffic, const char *after, double within_ms,
		double t_ms, const char *error);
/* accept.c: a `received` acceptance ("m17.accept …", labnode's answer to a request with
 * accept: true) at the request's sender sets that message's accepted_ms. 1 when the text
 * is an acceptance (counted or not), 0 when it is something else. */
int accept_receipt(struct analyze_run *run, const char *text, size_t n, uint32_t node, double t_ms);

/* traces.c: nodes/<n>/stdout.log fleet traces → each message's last sighting. */
int traces_load(struct analyze_run *run, struct fl_error *err);

/* pauses.c: a replay's pauses. pauses_line records one journal "pause" line; pauses_apply
 * then moves every time read from the journal and the nodes onto the run's clock (a time
 * after a pause is that pause's length earlier; one inside it counts as its start). */
void pauses_line(struct analyze_run *run, const struct flatjson_val *event,
		 const struct flatjson_val *kept, double t_ms, double duration_ms, double frozen);
double pauses_unshift(const struct analyze_run *run, double t_ms);
void pauses_apply(struct analyze_run *run);

/* ledger.c: statuses, reordering, totals and per-fault figures. */
int ledger_compute(struct analyze_run *run, struct fl_error *err);
/* Figures over the deliveries the filter selects. Returns -1 on ENOMEM. */
int ledger_stats(const struct analyze_run *run, const struct analyze_where *w,
		 struct analyze_stats *st);
/* Counts one delivery into st's sent/delivered/lost/failed/duplicates/reordered/acked. */
void ledger_stats_count(struct analyze_stats *st, const struct analyze_run *run,
			const struct analyze_delivery *d);
/* Sorts the n latencies in lat and sets st's p50/p90/p95/p99/max from them (NAN when n is 0). */
void ledger_stats_latency(struct analyze_stats *st, double *lat, size_t n);
/* Max recovery over the faults w->fault selects (all when NULL), counting only the
 * deliveries the rest of w selects. NAN: some never recovered; *n_faults: how many matched. */
double ledger_recovery(const struct analyze_run *run, const struct analyze_where *w,
		       size_t *n_faults);
/* 1 when fault f is selected by name or id (a repeat's f2.1 is selected by f2 too). */
int ledger_fault_matches(const struct analyze_fault *f, const char *sel);
double ledger_fault_begin(const struct analyze_fault *f);
double ledger_fault_end(const struct analyze_fault *f);

/* breakdown.c: run->by[] (figures per kind, traffic, sender, receiver) in one pass each. */
int breakdown_compute(struct analyze_run *run, struct fl_error *err);
/* ledger.c: linear interpolation between closest ranks of a sorted array (n > 0). */
double ledger_pct(const double *v, size_t n, double p);
/* ledger.c: when the message left its sender (node, journal, else plan time). */
double ledger_msg_time(const struct analyze_message *m);

/* verdict.c: every expectation → actual, ok; run->verdict_ok. */
int verdict_judge(struct analyze_run *run, struct fl_error *err);

#endif
