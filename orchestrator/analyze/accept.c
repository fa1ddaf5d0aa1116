/* Acceptances: a request sent with accept: true (contact-request, join-request) is answered
 * by its receiver (labnode, on receipt) with a message whose text is "<plan id>.accept". Its
 * first `received` line at the request's sender is the message's accepted_ms; the metric
 * `accepted` is the fraction of such requests that have one. */
#include "orchestrator/analyze/ledger.h"

#include <math.h>

#define ACCEPT_SUFFIX ".accept"

int accept_receipt(struct analyze_run *run, const char *text, size_t n, uint32_t node, double t_ms)
{
	struct analyze_message *m;
	uint32_t mi;

	if (!runload_msg_by_reply(run, text, n, ACCEPT_SUFFIX, &mi))
		return 0;
	if (mi == ANALYZE_NONE || !run->msgs[mi].want_accept || run->msgs[mi].from != node) {
		run->stray_receipts++; /* an acceptance nobody asked for, or at the wrong node */
		return 1;
	}
	m = &run->msgs[mi];
	if (isnan(m->accepted_ms) || t_ms < m->accepted_ms)
		m->accepted_ms = t_ms;
	return 1;
}
