/* The metric table and how each metric is measured. A fraction or latency with nothing to
 * measure (no message matched, nothing delivered, no fault matched) is NAN with a note: a
 * scenario that expects something it never exercised should not pass silently.
 *
 * telemetry-drift compares the true delivery with telemetry's: with telemetry.db (telemetry:
 * on), |aggregator R − truth| over the run's window or the fault where.fault names
 * (telemetry_report.h); else the last journal line {"type":"telemetry","delivery":x} when the
 * run recorded one, else the fraction the senders saw acknowledged. */
#include "orchestrator/analyze/metric.h"
#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/telemetry_report.h"

#include <math.h>
#include <string.h>

static double metric_frac(size_t num, size_t den)
{
	return den ? (double)num / (double)den : NAN;
}

static void metric_nothing(struct analyze_expect *e, const struct analyze_stats *st)
{
	if (isnan(e->actual) && !e->note)
		e->note = st->sent ? "nothing to measure" : "no message matched";
}

static void metric_delivery(const struct metric_desc *d, struct analyze_run *run,
			    struct analyze_expect *e, const struct analyze_stats *st)
{
	e->actual = metric_frac(st->delivered, st->sent);
	metric_nothing(e, st);
}

static void metric_acked(const struct metric_desc *d, struct analyze_run *run,
			 struct analyze_expect *e, const struct analyze_stats *st)
{
	e->actual = metric_frac(st->acked, st->sent);
	metric_nothing(e, st);
}

static void metric_accepted(const struct metric_desc *d, struct analyze_run *run,
			    struct analyze_expect *e, const struct analyze_stats *st)
{
	e->actual = metric_frac(st->accepted, st->accept_asked);
	if (isnan(e->actual) && !e->note)
		e->note = st->sent ? "no matched request has accept: true" : "no message matched";
}

static void metric_stored(const struct metric_desc *d, struct analyze_run *run,
			  struct analyze_expect *e, const struct analyze_stats *st)
{
	store_query_measure(run, e->where.traffic, &e->actual, &e->note);
}

static void metric_created(const struct metric_desc *d, struct analyze_run *run,
			   struct analyze_expect *e, const struct analyze_stats *st)
{
	groups_measure(run, e->where.traffic, &e->actual, &e->note);
}

static void metric_lost(const struct metric_desc *d, struct analyze_run *run,
			struct analyze_expect *e, const struct analyze_stats *st)
{
	e->actual = (double)st->lost;
}

static void metric_duplicates(const struct metric_desc *d, struct analyze_run *run,
			      struct analyze_expect *e, const struct analyze_stats *st)
{
	e->actual = (double)st->duplicates;
}

static void metric_reordered(const struct metric_desc *d, struct analyze_run *run,
			     struct analyze_expect *e, const struct analyze_stats *st)
{
	e->actual = (double)st->reordered;
}

static void metric_drift(const struct metric_desc *d, struct analyze_run *run,
			 struct analyze_expect *e, const struct analyze_stats *st)
{
	double truth = metric_frac(st->delivered, st->sent);
	const struct analyze_tl_window *w = telemetry_report_window(run, e->where.fault);

	if (run->telemetry) {
		e->actual = w ? w->drift_agg : NAN;
		if (isnan(e->actual))
			e->note = !w		    ? "no fault matched"
				  : !w->w.agg.has_r ? "the aggregator has no R for this window (no "
						      "receiver reported before and after it)"
						    : "no DM was sent in this window";
		return;
	}
	double seen = isnan(run->telemetry_delivery) ? metric_frac(st->acked, st->sent)
						     : run->telemetry_delivery;

	e->actual = fabs(seen - truth);
	metric_nothing(e, st);
}

static void metric_latency(const struct metric_desc *d, struct analyze_run *run,
			   struct analyze_expect *e, const struct analyze_stats *st)
{
	e->actual = *(const double *)((const char *)st + d->stat);
	if (isnan(e->actual) && st->delivered == 0 && st->sent)
		e->note = "no message was delivered, so there is no latency to measure";
	metric_nothing(e, st);
}

static void metric_recovery(const struct metric_desc *d, struct analyze_run *run,
			    struct analyze_expect *e, const struct analyze_stats *st)
{
	size_t nf;

	e->actual = ledger_recovery(run, &e->where, &nf);
	if (isnan(e->actual))
		e->note = nf ? "never recovered: a message sent before the fault ended was lost"
			     : "no fault matched";
}

/* A node's resource figure (nodes[].resources): the node where.node names, else the largest
 * over the nodes that have it, so a max bounds every node. bytes adds received and sent. */
static double metric_node_value(const struct metric_desc *d, const struct analyze_node *n)
{
	if (!n->has_resources)
		return NAN;
	if (d->stat == offsetof(struct analyze_node, rx_bytes))
		return n->rx_bytes + n->tx_bytes;
	return *(const double *)((const char *)n + d->stat);
}

static void metric_node(const struct metric_desc *d, struct analyze_run *run,
			struct analyze_expect *e, const struct analyze_stats *st)
{
	for (size_t i = 0; i < run->n_nodes; i++) {
		double v = metric_node_value(d, &run->nodes[i]);

		if (e->where.node && strcmp(run->nodes[i].name, e->where.node) != 0)
			continue;
		if (!isnan(v) && (isnan(e->actual) || v > e->actual))
			e->actual = v;
	}
	if (isnan(e->actual))
		e->note = "no node-resources figure in the journal for this node";
}

/* clang-format off */
#define METRIC(n, u, nf, fn) {.name = n, .unit = u, .needs_fault = nf, .measure = fn}
#define LATENCY(pct) \
	{.name = "latency." #pct, .unit = METRIC_MS, .measure = metric_latency, \
	 .stat = offsetof(struct analyze_stats, pct)}
#define NODE_METRIC(n, u, field) \
	{.name = n, .unit = u, .measure = metric_node, \
	 .stat = offsetof(struct analyze_node, field), .per_node = 1}
/* clang-format on */

static const struct metric_desc metric_table[] = {
    METRIC("delivery", METRIC_FRACTION, 0, metric_delivery),
    METRIC("lost", METRIC_COUNT, 0, metric_lost),
    METRIC("duplicates", METRIC_COUNT, 0, metric_duplicates),
    LATENCY(p50),
    LATENCY(p90),
    LATENCY(p95),
    LATENCY(p99),
    LATENCY(max),
    METRIC("recovery", METRIC_MS, 1, metric_recovery),
    METRIC("reordered", METRIC_COUNT, 0, metric_reordered),
    METRIC("acked", METRIC_FRACTION, 0, metric_acked),
    METRIC("accepted", METRIC_FRACTION, 0, metric_accepted),
    METRIC("stored", METRIC_FRACTION, 0, metric_stored),
    METRIC("created", METRIC_FRACTION, 0, metric_created),
    METRIC("telemetry-drift", METRIC_FRACTION, 0, metric_drift),
    NODE_METRIC("cpu", METRIC_MS, cpu_ms),
    NODE_METRIC("rss", METRIC_BYTES, max_rss_bytes),
    NODE_METRIC("bytes", METRIC_BYTES, rx_bytes),
};
#define METRIC_N (sizeof(metric_table) / sizeof(metric_table[0]))

const struct metric_desc *metric_at(size_t i)
{
	return i < METRIC_N ? &metric_table[i] : NULL;
}

const struct metric_desc *metric_find(const char *name)
{
	for (size_t i = 0; name && i < METRIC_N; i++)
		if (strcmp(metric_table[i].name, name) == 0)
			return &metric_table[i];
	return NULL;
}
