/* The ledger's figures: statuses, reordering per sender→receiver pair, latency percentiles,
 * per-fault windows and recovery. */
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double ledger_fault_begin(const struct analyze_fault *f)
{
	return isnan(f->applied_ms) ? f->start_ms : f->applied_ms;
}

double ledger_fault_end(const struct analyze_fault *f)
{
	return isnan(f->reverted_ms) ? f->end_ms : f->reverted_ms;
}

int ledger_fault_matches(const struct analyze_fault *f, const char *sel)
{
	size_t n = strlen(sel);

	if (strcmp(f->id, sel) == 0 || (f->name && strcmp(f->name, sel) == 0))
		return 1;
	return strncmp(f->id, sel, n) == 0 && f->id[n] == '.'; /* f2 selects f2.1, f2.2 … */
}

/* When the message left its sender: the node's or the journal's time, else the plan's. */
double ledger_msg_time(const struct analyze_message *m)
{
	return isnan(m->sent_ms) ? m->planned_ms : m->sent_ms;
}

static int ledger_name_matches(const char *sel, const char *name)
{
	if (!sel)
		return 1;
	if (!name)
		return 0;
	return strcmp(sel, name) == 0 || fnmatch(sel, name, 0) == 0;
}

static int ledger_in_fault(const struct analyze_run *run, const char *sel, double t)
{
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_fault *f = &run->faults[i];

		if (ledger_fault_matches(f, sel) && t >= ledger_fault_begin(f) &&
		    t < ledger_fault_end(f))
			return 1;
	}
	return 0;
}

static int ledger_match(const struct analyze_run *run, const struct analyze_where *w,
			const struct analyze_delivery *d)
{
	const struct analyze_message *m = &run->msgs[d->msg];

	if (!w)
		return 1;
	if ((w->kind && (!m->kind || strcmp(w->kind, m->kind) != 0)) ||
	    (w->traffic && (!m->traffic || strcmp(w->traffic, m->traffic) != 0)))
		return 0;
	if (!ledger_name_matches(w->from, analyze_node_name(run, m->from)) ||
	    !ledger_name_matches(w->to, analyze_node_name(run, d->to)))
		return 0;
	return !w->fault || ledger_in_fault(run, w->fault, ledger_msg_time(m));
}

static int ledger_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between the closest ranks (numpy's default). */
double ledger_pct(const double *v, size_t n, double p)
{
	double rank = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)rank;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (v[lo + 1] - v[lo]) * (rank - (double)lo);
}

void ledger_stats_latency(struct analyze_stats *st, double *lat, size_t n)
{
	st->p50 = st->p90 = st->p95 = st->p99 = st->max = NAN;
	if (!n)
		return;
	qsort(lat, n, sizeof(*lat), ledger_cmp_double);
	st->p50 = ledger_pct(lat, n, 50);
	st->p90 = ledger_pct(lat, n, 90);
	st->p95 = ledger_pct(lat, n, 95);
	st->p99 = ledger_pct(lat, n, 99);
	st->max = lat[n - 1];
}

void ledger_stats_count(struct analyze_stats *st, const struct analyze_run *run,
			const struct analyze_delivery *d)
{
	st->sent++;
	st->delivered += d->status == ANALYZE_DELIVERED;
	st->lost += d->status == ANALYZE_LOST;
	st->failed += d->status == ANALYZE_FAILED;
	st->duplicates += d->copies > 1 ? d->copies - 1 : 0;
	st->reordered += d->reordered;
	st->acked += run->msgs[d->msg].acked != 0;
	if (run->msgs[d->msg].want_accept) {
		st->accept_asked++;
		st->accepted += !isnan(run->msgs[d->msg].accepted_ms);
	}
}

int ledger_stats(const struct analyze_run *run, const struct analyze_where *w,
		 struct analyze_stats *st)
{
	double *lat = fl_xcalloc(run->n_dels + 1, sizeof(*lat));
	size_t nl = 0;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		const struct analyze_message *m = &run->msgs[d->msg];

		if (!ledger_match(run, w, d))
			continue;
		ledger_stats_count(st, run, d);
		if (d->status == ANALYZE_DELIVERED &&
		    !isnan(d->received_ms)) /* a receipt with no t_ms */
			lat[nl++] = d->received_ms - ledger_msg_time(m);
	}
	ledger_stats_latency(st, lat, nl);
	free(lat);
	return 0;
}

/* fault end → every (selected, not refused) message sent before that end delivered. */
static double ledger_fault_recovery(const struct analyze_run *run, const struct analyze_fault *f,
				    const struct analyze_where *w)
{
	double end = ledger_fault_end(f), rec = 0;

	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];

		if (d->status == ANALYZE_FAILED || ledger_msg_time(&run->msgs[d->msg]) >= end ||
		    !ledger_match(run, w, d))
			continue;
		if (d->status == ANALYZE_LOST)
			return NAN;
		if (d->received_ms - end > rec)
			rec = d->received_ms - end;
	}
	return rec;
}

double ledger_recovery(const struct analyze_run *run, const struct analyze_where *w,
		       size_t *n_faults)
{
	struct analyze_where rest = w ? *w : (struct analyze_where){0};
	double worst = 0;

	rest.fault = NULL;
	*n_faults = 0;
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_fault *f = &run->faults[i];
		double r;

		if (w && w->fault && !ledger_fault_matches(f, w->fault))
			continue;
		(*n_faults)++;
		r = ledger_fault_recovery(run, f, &rest);
		if (isnan(r))
			return NAN;
		if (r > worst)
			worst = r;
	}
	return *n_faults ? worst : NAN;
}

/* By sender, receiver, then message number (the plan's send order). */
static int ledger_cmp_pair(const void *a, const void *b, void *arg)
{
	const struct analyze_run *run = arg;
	const struct analyze_delivery *x = &run->dels[*(const uint32_t *)a];
	const struct analyze_delivery *y = &run->dels[*(const uint32_t *)b];
	uint32_t fx = run->msgs[x->msg].from, fy = run->msgs[y->msg].from;

	if (fx != fy)
		return fx < fy ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->msg < y->msg ? -1 : x->msg > y->msg;
}

/* A delivery is reordered when an earlier message of the same sender to the same receiver
 * arrived after it. This one sorts, for runs with too many nodes for a dense table. */
static int ledger_reorder_sorted(struct analyze_run *run)
{
	uint32_t *idx = fl_xcalloc(run->n_dels + 1, sizeof(*idx));
	size_t n = 0;
	double latest = 0;

	for (size_t i = 0; i < run->n_dels; i++)
		if (run->dels[i].status == ANALYZE_DELIVERED)
			idx[n++] = (uint32_t)i;
	qsort_r(idx, n, sizeof(*idx), ledger_cmp_pair, run);
	for (size_t i = 0; i < n; i++) {
		struct analyze_delivery *d = &run->dels[idx[i]];
		const struct analyze_delivery *prev = i ? &run->dels[idx[i - 1]] : NULL;

		if (!prev || prev->to != d->to ||
		    run->msgs[prev->msg].from != run->msgs[d->msg].from)
			latest = d->received_ms;
		else if (d->received_ms < latest)
			d->reordered = 1;
		else
			latest = d->received_ms;
	}
	free(idx);
	return 0;
}

static void ledger_fault_figures(struct analyze_run *run, struct analyze_fault *f)
{
	double b = ledger_fault_begin(f), e = ledger_fault_end(f);

	f->sent_during = f->lost_during = 0;
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		double t = ledger_msg_time(&run->msgs[d->msg]);

		if (t < b || t >= e)
			continue;
		f->sent_during++;
		f->lost_during += d->status == ANALYZE_LOST;
	}
	f->recovery_ms = ledger_fault_recovery(run, f, NULL);
}

#define LEDGER_DENSE_NODES 1024

/* The same in one pass when the sender×receiver table fits: messages are numbered in the
 * plan's send order, which is each sender's order. */
static int ledger_reorder(struct analyze_run *run)
{
	size_t nn = run->n_nodes;
	double *latest;

	if (nn == 0 || nn > LEDGER_DENSE_NODES)
		return ledger_reorder_sorted(run);
	latest = fl_xcalloc(nn * nn, sizeof(*latest));
	for (size_t i = 0; i < nn * nn; i++)
		latest[i] = -INFINITY;
	for (size_t i = 0; i < run->n_dels; i++) {
		struct analyze_delivery *d = &run->dels[i];
		uint32_t from = run->msgs[d->msg].from;
		double *l;

		if (d->status != ANALYZE_DELIVERED || isnan(d->received_ms) || from >= nn ||
		    d->to >= nn)
			continue;
		l = &latest[(size_t)from * nn + d->to];
		if (d->received_ms < *l)
			d->reordered = 1;
		else
			*l = d->received_ms;
	}
	free(latest);
	return 0;
}

/* An interrupted run: the messages it never sent (no send line, or "not sent: …") are not
 * part of the ledger at all; their deliveries go, the others keep their order. */
static void ledger_drop_unsent(struct analyze_run *run)
{
	size_t k = 0;

	if (!run->interrupted && !run->opens_failed)
		return; /* a traffic that never opened (opens.c) journals its messages not sent */
	for (size_t m = 0; m < run->n_msgs; m++) {
		struct analyze_message *msg = &run->msgs[m];

		if (msg->unsent || (run->interrupted && isnan(msg->sent_ms) && !msg->failed)) {
			msg->unsent = 1;
			run->unsent_msgs++;
		}
		msg->n = 0;
	}
	for (size_t i = 0; i < run->n_dels; i++) {
		struct analyze_message *msg = &run->msgs[run->dels[i].msg];

		if (msg->unsent)
			continue;
		if (msg->n == 0)
			msg->first = (uint32_t)k;
		msg->n++;
		run->dels[k++] = run->dels[i];
	}
	run->n_dels = k;
}

int ledger_compute(struct analyze_run *run, struct fl_error *err)
{
	ledger_drop_unsent(run);
	for (size_t i = 0; i < run->n_dels; i++) {
		struct analyze_delivery *d = &run->dels[i];
		const struct analyze_message *m = &run->msgs[d->msg];

		if (d->copies)
			d->status = ANALYZE_DELIVERED;
		else if (m->failed || isnan(m->sent_ms))
			d->status = ANALYZE_FAILED; /* refused, or never left the orchestrator */
		else
			d->status = ANALYZE_LOST;
	}
	ledger_reorder(run);
	for (size_t i = 0; i < run->n_faults; i++)
		ledger_fault_figures(run, &run->faults[i]);
	ledger_stats(run, NULL, &run->totals);
	return breakdown_compute(run, err);
}
