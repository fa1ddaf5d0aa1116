/* Judges each expectation of the plan. A fraction or latency with nothing to measure (no
 * message matched, nothing delivered, no fault matched) fails with a note: a scenario that
 * expects something it never exercised should not pass silently.
 *
 * telemetry-drift compares the true delivery with the nodes' own view: the last journal line
 * {"type":"telemetry","delivery":x} when the run recorded one, else the fraction the senders
 * saw acknowledged. */
#include "orchestrator/analyze/ledger.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static double verdict_frac(size_t num, size_t den)
{
	return den ? (double)num / (double)den : NAN;
}

static double verdict_latency(const char *which, const struct analyze_stats *st)
{
	static const struct {
		const char *name;
		size_t off;
	} pcts[] = {
	    {"p50", offsetof(struct analyze_stats, p50)},
	    {"p90", offsetof(struct analyze_stats, p90)},
	    {"p95", offsetof(struct analyze_stats, p95)},
	    {"p99", offsetof(struct analyze_stats, p99)},
	    {"max", offsetof(struct analyze_stats, max)},
	};

	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		if (strcmp(which, pcts[i].name) == 0)
			return *(const double *)((const char *)st + pcts[i].off);
	return NAN;
}

/* Sets e->actual (and e->note when there is nothing to measure). 0, or -1 on ENOMEM. */
static int verdict_measure(struct analyze_run *run, struct analyze_expect *e)
{
	struct analyze_stats st;
	const char *m = e->metric;
	size_t nf;

	if (!e->where.kind && !e->where.traffic && !e->where.from && !e->where.to &&
	    !e->where.fault)
		st = run->totals; /* no filter: the totals, already computed */
	else if (ledger_stats(run, &e->where, &st) < 0)
		return -1;
	e->actual = NAN;
	if (strcmp(m, "delivery") == 0) {
		e->actual = verdict_frac(st.delivered, st.sent);
	} else if (strcmp(m, "lost") == 0) {
		e->actual = (double)st.lost;
	} else if (strcmp(m, "duplicates") == 0) {
		e->actual = (double)st.duplicates;
	} else if (strcmp(m, "reordered") == 0) {
		e->actual = (double)st.reordered;
	} else if (strcmp(m, "acked") == 0) {
		e->actual = verdict_frac(st.acked, st.sent);
	} else if (strcmp(m, "telemetry-drift") == 0) {
		double truth = verdict_frac(st.delivered, st.sent);
		double seen = isnan(run->telemetry_delivery) ? verdict_frac(st.acked, st.sent)
							     : run->telemetry_delivery;

		e->actual = fabs(seen - truth);
	} else if (strncmp(m, "latency.", 8) == 0) {
		e->actual = verdict_latency(m + 8, &st);
		if (isnan(e->actual) && st.delivered == 0 && st.sent)
			e->note = "no message was delivered, so there is no latency to measure";
	} else if (strcmp(m, "recovery") == 0) {
		e->actual = ledger_recovery(run, &e->where, &nf);
		if (isnan(e->actual))
			e->note =
			    nf ? "never recovered: a message sent before the fault ended was lost"
			       : "no fault matched";
		return 0;
	} else {
		e->note = "unknown metric";
		return 0;
	}
	if (isnan(e->actual) && !e->note)
		e->note = st.sent ? "nothing to measure" : "no message matched";
	return 0;
}

int verdict_judge(struct analyze_run *run, struct fl_error *err)
{
	const double eps = 1e-9;

	run->verdict_ok = 1;
	for (size_t i = 0; i < run->n_expects; i++) {
		struct analyze_expect *e = &run->expects[i];

		verdict_measure(run, e);
		e->ok = !isnan(e->actual) && (!e->has_min || e->actual >= e->min - eps) &&
			(!e->has_max || e->actual <= e->max + eps);
		if (!e->ok)
			run->verdict_ok = 0;
	}
	return 0;
}
