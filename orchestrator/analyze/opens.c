/* Traffic with after: (journal traffic-open lines): when each one opened, or why it never
 * did. A traffic that never opened fails the run; its messages were never sent and are left
 * out of every figure (their send lines say "not sent: …"). */
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"

#include <math.h>

void opens_line(struct analyze_run *run, const char *traffic, const char *after, double within_ms,
		double t_ms, const char *error)
{
	struct analyze_open *o;

	if (!traffic)
		return;
	if (run->n_opens % 8 == 0)
		run->opens = fl_xreallocarray(run->opens, run->n_opens + 8, sizeof(*run->opens));
	o = &run->opens[run->n_opens++];
	o->traffic = traffic;
	o->after = after;
	o->within_ms = within_ms;
	o->t_ms = t_ms;
	o->error = error;
	if (error)
		run->opens_failed++;
}
