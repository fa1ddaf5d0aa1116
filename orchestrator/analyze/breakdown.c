/* Breakdowns of the ledger by kind, traffic, sender and receiver: each delivery gets a group
 * number, the counts are summed in one pass, and latencies are bucketed by group (a counting
 * sort) so each group's percentiles come from one sort of its own bucket. */
#include "orchestrator/analyze/ledger.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *breakdown_key(const struct analyze_run *run, const struct analyze_delivery *d,
				 enum analyze_dim dim)
{
	const struct analyze_message *m = &run->msgs[d->msg];
	const char *k = NULL;

	switch (dim) {
	case ANALYZE_BY_KIND:
		k = m->kind;
		break;
	case ANALYZE_BY_TRAFFIC:
		k = m->traffic;
		break;
	case ANALYZE_BY_FROM:
		k = analyze_node_name(run, m->from);
		break;
	default:
		k = analyze_node_name(run, d->to);
	}
	return k ? k : "?";
}

static int breakdown_add(struct analyze_breakdown *b, const char *name, size_t *cap)
{
	if (b->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		b->groups = fl_xreallocarray(b->groups, *cap, sizeof(*b->groups));
	}
	memset(&b->groups[b->n], 0, sizeof(b->groups[0]));
	b->groups[b->n++].name = name;
	return 0;
}

/* Numbers the groups in order of first appearance; gid[i] is delivery i's group. Senders and
 * receivers are node indexes already; kinds and traffic names repeat from one message to the
 * next, so the last one is tried before the map. */
static int breakdown_groups(struct analyze_run *run, enum analyze_dim dim, uint32_t *gid)
{
	struct analyze_breakdown *b = &run->by[dim];
	uint32_t *of_node = fl_xcalloc(run->n_nodes + 1, sizeof(*of_node));
	const char *last = NULL;
	struct amap names = {0};
	uint32_t last_g = 0;
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		uint32_t node = dim == ANALYZE_BY_FROM ? run->msgs[d->msg].from : d->to;
		const char *k = breakdown_key(run, d, dim);

		if ((dim == ANALYZE_BY_FROM || dim == ANALYZE_BY_TO) && node < run->n_nodes) {
			if (!of_node[node] && (rc = breakdown_add(b, k, &cap)) == 0)
				of_node[node] = (uint32_t)b->n; /* group + 1 */
			gid[i] = of_node[node] - 1;
		} else if (last && strcmp(k, last) == 0) {
			gid[i] = last_g;
		} else {
			int r = amap_put_new(&names, k, strlen(k), (uint32_t)b->n);

			if (r < 0 || (r == 1 && breakdown_add(b, k, &cap) < 0))
				rc = -1;
			else
				amap_get(&names, k, strlen(k), &gid[i]);
			last = k;
			last_g = gid[i];
		}
	}
	amap_free(&names);
	free(of_node);
	return rc;
}

static void breakdown_count(struct analyze_run *run, enum analyze_dim dim, const uint32_t *gid)
{
	for (size_t i = 0; i < run->n_dels; i++)
		ledger_stats_count(&run->by[dim].groups[gid[i]].st, run, &run->dels[i]);
}

/* Latencies of each group into its own bucket, then percentiles per bucket. */
static int breakdown_latency(struct analyze_run *run, enum analyze_dim dim, const uint32_t *gid)
{
	struct analyze_breakdown *b = &run->by[dim];
	cleanup_free size_t *start = fl_xcalloc(b->n + 1, sizeof(*start));
	cleanup_free size_t *fill = fl_xcalloc(b->n + 1, sizeof(*fill));
	cleanup_free double *lat = fl_xcalloc(run->n_dels + 1, sizeof(*lat));

	for (size_t g = 0; g < b->n; g++)
		start[g + 1] = start[g] + b->groups[g].st.delivered;
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];

		if (d->status == ANALYZE_DELIVERED && !isnan(d->received_ms))
			lat[start[gid[i]] + fill[gid[i]]++] =
			    d->received_ms - ledger_msg_time(&run->msgs[d->msg]);
	}
	for (size_t g = 0; g < b->n; g++)
		ledger_stats_latency(&b->groups[g].st, lat + start[g], fill[g]);
	return 0;
}

int breakdown_compute(struct analyze_run *run, struct fl_error *err)
{
	cleanup_free uint32_t *gid = fl_xcalloc(run->n_dels + 1, sizeof(*gid));

	for (int dim = 0; dim < ANALYZE_N_DIMS; dim++) {
		breakdown_groups(run, dim, gid);
		breakdown_count(run, dim, gid);
		breakdown_latency(run, dim, gid);
	}
	return 0;
}
