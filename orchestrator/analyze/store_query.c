/* store-query results (journal store-query lines): per query and store, the plan ids of the
 * queried traffic's messages the store returned (found) and those it did not (missing), or
 * the error that kept it from answering. The metric `stored` is found / (found + missing)
 * over the queries `where.traffic` selects (the store-query traffic or the traffic it asks
 * for); a query that failed leaves it unmeasured, with a note. */
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"

#include <math.h>
#include <string.h>

/* Words of a space-separated list. */
static size_t store_query_count(const char *s)
{
	size_t n = 0;

	for (const char *p = s; p && *p; p++)
		if (*p != ' ' && (p == s || p[-1] == ' '))
			n++;
	return n;
}

void store_query_line(struct analyze_run *run, const struct analyze_store_query *q)
{
	struct analyze_store_query *d;

	if (!q->query)
		return;
	if (run->n_store_queries % 8 == 0)
		run->store_queries = fl_xreallocarray(run->store_queries, run->n_store_queries + 8,
						      sizeof(*run->store_queries));
	d = &run->store_queries[run->n_store_queries++];
	*d = *q;
	d->n_found = store_query_count(q->found);
	d->n_missing = store_query_count(q->missing);
}

void store_query_measure(const struct analyze_run *run, const char *traffic, double *actual,
			 const char **note)
{
	size_t found = 0, asked = 0, matched = 0;

	*actual = NAN;
	for (size_t i = 0; i < run->n_store_queries; i++) {
		const struct analyze_store_query *q = &run->store_queries[i];

		if (traffic && (!q->traffic || strcmp(q->traffic, traffic) != 0) &&
		    (!q->of || strcmp(q->of, traffic) != 0))
			continue;
		matched++;
		if (q->error) {
			*note = "a store query failed (store_queries[].error)";
			return;
		}
		found += q->n_found;
		asked += q->n_found + q->n_missing;
	}
	if (!matched)
		*note = "no store query matched";
	else if (!asked)
		*note = "the store queries had no sent message to ask for";
	else
		*actual = (double)found / (double)asked;
}
