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

#define LATENCY(pct)                                                                               \
	{                                                                                          \
		"latency." #pct, METRIC_MS, 0, metric_latency, offsetof(struct analyze_stats, pct) \
	}

static const struct metric_desc metric_table[] = {
    {"delivery", METRIC_FRACTION, 0, metric_delivery, 0},
    {"lost", METRIC_COUNT, 0, metric_lost, 0},
    {"duplicates", METRIC_COUNT, 0, metric_duplicates, 0},
    LATENCY(p50),
    LATENCY(p90),
    LATENCY(p95),
    LATENCY(p99),
    LATENCY(max),
    {"recovery", METRIC_MS, 1, metric_recovery, 0},
    {"reordered", METRIC_COUNT, 0, metric_reordered, 0},
    {"acked", METRIC_FRACTION, 0, metric_acked, 0},
    {"telemetry-drift", METRIC_FRACTION, 0, metric_drift, 0},
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
