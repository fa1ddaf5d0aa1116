/* Judges each expectation of the plan: its metric's measure (metric.c) on the deliveries its
 * `where` selects, against min and max. */
#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/metric.h"

#include <math.h>

/* Sets e->actual (and e->note when there is nothing to measure). 0, or -1 on ENOMEM. */
static int verdict_measure(struct analyze_run *run, struct analyze_expect *e)
{
	struct analyze_stats st;

	if (!e->where.kind && !e->where.traffic && !e->where.from && !e->where.to &&
	    !e->where.fault)
		st = run->totals; /* no filter: the totals, already computed */
	else if (ledger_stats(run, &e->where, &st) < 0)
		return -1;
	e->actual = NAN;
	if (!e->desc)
		e->note = "unknown metric";
	else
		e->desc->measure(e->desc, run, e, &st);
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
	/* a fault that did not happen as planned, or a run that did not finish, never passes */
	if (run->fault_errors || run->interrupted)
		run->verdict_ok = 0;
	if (run->opens_failed) /* a traffic that never started (after: … within: …) */
		run->verdict_ok = 0;
	return 0;
}
