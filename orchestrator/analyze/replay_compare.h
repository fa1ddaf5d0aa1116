/* How far a replay reproduces its original run (faultlab replay; the journal's "replay" line
 * names the original): the same verdict or not, the overlap of the two sets of lost
 * deliveries (message id, receiver), and each figure side by side. report.json "replay",
 * summary.md and report.html show it. */
#ifndef FL_REPLAY_COMPARE_H
#define FL_REPLAY_COMPARE_H

#include "orchestrator/analyze/analyze.h"

#include <stdio.h>

struct jsonw;

struct replay_cmp_metric {
	char name[160];		/* "p95_ms", "recovery_ms{fault=split}", "delivery{kind=dm}" */
	double orig, replay;	/* NAN: nothing to measure */
	int orig_ok, replay_ok; /* expectations only; -1 for plain figures */
};

struct replay_cmp {
	char of[4096];	  /* the original run directory */
	char error[1024]; /* "" or why the original could not be read (then nothing else is set) */
	int orig_verdict_ok, replay_verdict_ok, same_verdict;
	size_t lost_orig, lost_replay, lost_both, lost_union;
	double jaccard; /* lost_both / lost_union; 1 when neither lost anything */
	struct replay_cmp_metric *metrics;
	size_t n_metrics;
};

/* Compares a replay with its original (both analyzed); malloc'd, free with
 * replay_compare_free. */
struct replay_cmp *replay_compare(const struct analyze_run *replay, const struct analyze_run *orig);
/* When run is a replay (run->replay_of): analyzes the original and sets run->cmp (its error
 * says why when the original cannot be read). */
void replay_compare_run(struct analyze_run *run);
void replay_compare_free(struct replay_cmp *c);

/* The report's parts: report.json "pauses" and "replay" (null when none), a summary.md
 * paragraph and a report.html section. */
void replay_compare_json(struct jsonw *w, const struct analyze_run *run);
void replay_compare_md(FILE *f, const struct analyze_run *run);
void replay_compare_html(FILE *f, const struct analyze_run *run);

#endif
