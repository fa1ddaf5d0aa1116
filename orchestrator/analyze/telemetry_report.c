/* telemetry_report.h: the telemetry view of each window beside the ledger's truth. */
#include "orchestrator/analyze/telemetry_report.h"
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The series: windows of at least this length, at most this many. */
#define TL_BUCKET_MIN_MS 5000.0
#define TL_BUCKETS_MAX 12

/* The truth the telemetry can be held against: DM deliveries (labnode reports
 * ReceivedMessages for its DM topic only) whose message left its sender in [from, to],
 * to node `to` (ANALYZE_NONE: any). */
static void tl_truth(const struct analyze_run *run, double from, double to, uint32_t node,
		     size_t *sent, size_t *delivered)
{
	*sent = *delivered = 0;
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		const struct analyze_message *m = &run->msgs[d->msg];
		double t = ledger_msg_time(m);

		if (!m->kind || strcmp(m->kind, "dm") != 0 || isnan(t) || t < from || t > to)
			continue;
		if (node != ANALYZE_NONE && d->to != node)
			continue;
		(*sent)++;
		*delivered += d->status == ANALYZE_DELIVERED;
	}
}

static double tl_frac(size_t num, size_t den)
{
	return den ? (double)num / (double)den : NAN;
}

static void tl_chats(const struct analyze_run *run, struct analyze_tl_window *w,
		     const struct telemetry_chat_node *cn, size_t n_cn)
{
	w->chats = fl_xcalloc(n_cn + 1, sizeof(*w->chats));
	for (size_t i = 0; i < n_cn; i++) {
		struct analyze_tl_chat *c = &w->chats[w->n_chats++];
		uint32_t node = ANALYZE_NONE;

		snprintf(c->chat_id, sizeof(c->chat_id), "%s", cn[i].chat_id);
		snprintf(c->node, sizeof(c->node), "%s", cn[i].node);
		for (size_t k = 0; k < run->n_nodes; k++)
			if (run->nodes[k].name && strcmp(run->nodes[k].name, cn[i].node) == 0)
				node = (uint32_t)k;
		c->r = NAN;
		for (size_t k = 0; k < w->w.agg.n_chats; k++)
			if (strcmp(w->w.agg.chats[k].chat_id, c->chat_id) == 0) {
				c->has_r = 1;
				c->r = w->w.agg.chats[k].r;
				c->messages = w->w.agg.chats[k].messages;
				c->missing = w->w.agg.chats[k].missing;
			}
		if (node != ANALYZE_NONE)
			tl_truth(run, w->truth_from_ms, w->truth_to_ms, node, &c->sent,
				 &c->delivered);
		c->truth = tl_frac(c->delivered, c->sent);
	}
}

/* Fills w over [from, to] (ms since the run's start). The truth counts the messages sent in
 * the whole seconds the aggregator and the estimator read (sentAt BETWEEN starts_at AND
 * ends_at, Unix s): the figures are held against the same messages. */
static int tl_window(const struct analyze_run *run, const char *db, struct analyze_tl_window *w,
		     double from, double to, const struct telemetry_chat_node *cn, size_t n_cn,
		     struct fl_error *err)
{
	double m0 = isnan(run->mono0_ms) ? 0 : run->mono0_ms;
	int64_t pair_run, pair_unix;

	w->from_ms = from;
	w->to_ms = to;
	if (telemetry_view_window(db, (int64_t)(from + m0), (int64_t)(to + m0), &w->w, err) < 0)
		return -1;
	if (telemetry_view_clock_pair(db, &pair_run, &pair_unix, err) < 0)
		return -1;
	/* [starts_at, ends_at + 1) Unix s → ms since the run's start */
	w->truth_from_ms = (double)(w->w.agg.starts_at * 1000 - pair_unix + pair_run) - m0;
	w->truth_to_ms =
	    (double)((w->w.agg.ends_at + 1) * 1000 - pair_unix + pair_run) - m0 - 0.001;
	tl_truth(run, w->truth_from_ms, w->truth_to_ms, ANALYZE_NONE, &w->sent, &w->delivered);
	w->truth = tl_frac(w->delivered, w->sent);
	w->drift_agg = w->w.agg.has_r ? fabs(w->w.agg.r - w->truth) : NAN;
	w->drift_est = w->w.est.has_r ? fabs(w->w.est.r - w->truth) : NAN;
	if (cn)
		tl_chats(run, w, cn, n_cn);
	return 0;
}

static int tl_series(struct analyze_run *run, struct analyze_telemetry *t, const char *db,
		     struct fl_error *err)
{
	const struct analyze_tl_window *rw = &t->wins[0];
	double span = rw->to_ms - rw->from_ms, len = span / TL_BUCKETS_MAX;
	size_t n;

	if (span <= 0)
		return 0;
	t->bucket_ms = len < TL_BUCKET_MIN_MS ? TL_BUCKET_MIN_MS : ceil(len / 1000.0) * 1000.0;
	n = (size_t)floor(span / t->bucket_ms); /* the last window takes the remainder */
	n = n ? n : 1;
	t->series = fl_xcalloc(n + 1, sizeof(*t->series));
	for (size_t i = 0; i < n; i++) {
		struct analyze_tl_window *w = &t->series[t->n_series++];
		double from = rw->from_ms + (double)i * t->bucket_ms;
		double to = i + 1 == n ? rw->to_ms : from + t->bucket_ms;

		char id[32];

		snprintf(id, sizeof(id), "t%zu", i + 1);
		w->id = amap_arena_strdup(&run->arena, id);
		if (tl_window(run, db, w, from, to, NULL, 0, err) < 0)
			return -1;
	}
	return 0;
}

static int tl_load(struct analyze_run *run, struct analyze_telemetry *t, const char *db,
		   struct fl_error *err)
{
	struct telemetry_chat_node *cn = NULL;
	size_t n_cn = 0;
	int64_t first, last;
	double m0 = isnan(run->mono0_ms) ? 0 : run->mono0_ms;
	int rc = -1;

	if (telemetry_view_counts(db, &t->counts, err) < 0 ||
	    telemetry_view_chat_nodes(db, &cn, &n_cn, err) < 0 ||
	    telemetry_view_received_span(db, &first, &last, err) < 0)
		goto out;
	t->wins = fl_xcalloc(run->n_faults + 1, sizeof(*t->wins));
	t->wins[0].id = "run";
	/* without a ReceivedMessages row the run's window is the timeline's (no R then) */
	if (tl_window(run, db, &t->wins[t->n_wins++], first ? (double)first - m0 + 1000.0 : 0,
		      last ? (double)last - m0 - 1000.0 : run->duration_ms, cn, n_cn, err) < 0)
		goto out;
	for (size_t f = 0; f < run->n_faults; f++) {
		const struct analyze_fault *af = &run->faults[f];
		struct analyze_tl_window *w = &t->wins[t->n_wins++];

		w->id = af->id;
		w->fault = af->name;
		if (tl_window(run, db, w, ledger_fault_begin(af), ledger_fault_end(af), cn, n_cn,
			      err) < 0)
			goto out;
	}
	rc = tl_series(run, t, db, err);
out:
	free(cn);
	return rc;
}

int telemetry_report_load(struct analyze_run *run, struct fl_error *err)
{
	char db[4200];

	snprintf(db, sizeof(db), "%s/telemetry.db", run->dir);
	if (access(db, F_OK) != 0)
		return 0;
	run->telemetry = fl_xcalloc(1, sizeof(*run->telemetry));
	if (tl_load(run, run->telemetry, db, err) < 0) {
		telemetry_report_free(run->telemetry);
		run->telemetry = NULL;
		return fl_wrap(err, "telemetry");
	}
	return 0;
}

static void tl_window_free(struct analyze_tl_window *w)
{
	telemetry_window_free(&w->w);
	free(w->chats);
}

void telemetry_report_free(struct analyze_telemetry *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_wins; i++)
		tl_window_free(&t->wins[i]);
	for (size_t i = 0; i < t->n_series; i++)
		tl_window_free(&t->series[i]);
	free(t->wins);
	free(t->series);
	telemetry_counts_free(&t->counts);
	free(t);
}

const struct analyze_tl_window *telemetry_report_window(const struct analyze_run *run,
							const char *fault)
{
	const struct analyze_telemetry *t = run->telemetry;

	if (!t || !t->n_wins)
		return NULL;
	if (!fault)
		return &t->wins[0];
	for (size_t i = 1; i < t->n_wins; i++)
		if (ledger_fault_matches(&run->faults[i - 1], fault))
			return &t->wins[i];
	return NULL;
}
