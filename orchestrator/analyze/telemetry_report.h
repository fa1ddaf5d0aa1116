/* The report's telemetry section (docs/TELEMETRY.md, "In the report"): what the run's collector
 * received (telemetry.db), the aggregator's R and the estimator's over the run and over each
 * fault's window, each beside the truth of the ledger for the same window, per chat too, and
 * over time. Filled by telemetry_report_load when the run directory holds telemetry.db. */
#ifndef FL_ANALYZE_TELEMETRY_REPORT_H
#define FL_ANALYZE_TELEMETRY_REPORT_H

#include "orchestrator/analyze/telemetry_view.h"

struct analyze_run;

/* One chat (a DM receiver's partitioned topic) in a window. */
struct analyze_tl_chat {
	char chat_id[128];
	char node[64]; /* the receiver that reported it (nodeName) */
	int has_r;     /* the aggregator counted this chat in the window */
	double r;      /* its Rch */
	long messages, missing;
	size_t sent, delivered; /* truth: DM deliveries to node sent in the window */
	double truth;		/* delivered / sent, NAN when none was sent */
};

struct analyze_tl_window {
	const char *id;	       /* "run", a fault id, or "t<N>" (the series) */
	const char *fault;     /* the fault's name; NULL for the others */
	double from_ms, to_ms; /* ms since the run's start */
	/* the truth's window: the whole seconds of sentAt the aggregator reads, on the run's
	 * clock */
	double truth_from_ms, truth_to_ms;
	struct telemetry_window w;
	size_t sent, delivered; /* truth: DM deliveries sent in the window */
	double truth;		/* NAN when none */
	double drift_agg;	/* |R − truth|, NAN when either is missing */
	double drift_est;	/* |R_est − truth| */
	struct analyze_tl_chat *chats;
	size_t n_chats;
};

struct analyze_telemetry {
	struct telemetry_counts counts;
	/* wins[0]: the run, as wide as the aggregator can judge it (from one second after the
	 * first ReceivedMessages arrival to one second before the last: a receiver needs rows
	 * before and after the window); then one per fault occurrence */
	struct analyze_tl_window *wins;
	size_t n_wins;
	struct analyze_tl_window *series; /* consecutive windows over the run's window */
	size_t n_series;
	double bucket_ms; /* the series' window length */
};

/* run->telemetry from run->dir/telemetry.db (NULL, 0 when there is none). */
int telemetry_report_load(struct analyze_run *run, struct fl_error *err);
void telemetry_report_free(struct analyze_telemetry *t);
/* The window an expectation's `where.fault` names (NULL: the run's); NULL when none. */
const struct analyze_tl_window *telemetry_report_window(const struct analyze_run *run,
							const char *fault);

#endif
