/* Group creation (labnode group traffic): the journal's group-create line says when the
 * creator's node created the group of a group traffic's first message mN (done_ms) or why it
 * could not; each member's first `received` line whose text starts "mN.create" is when it
 * learnt of the group. The metric `created` is the fraction of (group, member) pairs that
 * learnt of it. Members are the first message's recipients. */
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"

#include <math.h>
#include <string.h>

#define CREATE_SUFFIX ".create"

static struct analyze_chat_group *groups_find(struct analyze_run *run, uint32_t mi)
{
	for (size_t i = 0; i < run->n_groups; i++)
		if (run->groups[i].msg == mi)
			return &run->groups[i];
	return NULL;
}

static struct analyze_chat_group *groups_add(struct analyze_run *run, uint32_t mi)
{
	struct analyze_chat_group *g = groups_find(run, mi);

	if (g)
		return g;
	if (run->n_groups % 8 == 0)
		run->groups =
		    fl_xreallocarray(run->groups, run->n_groups + 8, sizeof(*run->groups));
	g = &run->groups[run->n_groups++];
	memset(g, 0, sizeof(*g));
	g->msg = mi;
	g->asked_ms = g->created_ms = NAN;
	return g;
}

void groups_journal(struct analyze_run *run, const char *msg, size_t n, double issued_ms,
		    double done_ms, const char *error)
{
	uint32_t mi = msg ? runload_msg_by_id(run, msg, n) : ANALYZE_NONE;
	struct analyze_chat_group *g;

	if (mi == ANALYZE_NONE)
		return;
	g = groups_add(run, mi);
	g->asked_ms = issued_ms;
	g->created_ms = error ? NAN : done_ms;
	g->error = error;
}

int groups_receipt(struct analyze_run *run, const char *text, size_t n, uint32_t node, double t_ms)
{
	struct analyze_chat_group *g;
	uint32_t mi;

	if (!runload_msg_by_reply(run, text, n, CREATE_SUFFIX, &mi))
		return 0;
	if (mi == ANALYZE_NONE) {
		run->stray_receipts++;
		return 1;
	}
	g = groups_add(run, mi);
	if (node >= run->n_nodes)
		return 1;
	if (!g->learnt_ms) {
		g->learnt_ms = fl_xcalloc(run->n_nodes + 1, sizeof(*g->learnt_ms));
		for (size_t i = 0; i <= run->n_nodes; i++)
			g->learnt_ms[i] = NAN;
	}
	if (isnan(g->learnt_ms[node]) || t_ms < g->learnt_ms[node])
		g->learnt_ms[node] = t_ms;
	return 1;
}

void groups_measure(const struct analyze_run *run, const char *traffic, double *actual,
		    const char **note)
{
	size_t members = 0, learnt = 0;

	*actual = NAN;
	for (size_t i = 0; i < run->n_groups; i++) {
		const struct analyze_chat_group *g = &run->groups[i];
		const struct analyze_message *m = &run->msgs[g->msg];

		if (traffic && (!m->traffic || strcmp(m->traffic, traffic) != 0))
			continue;
		for (uint32_t k = 0; k < m->n; k++) {
			uint32_t to = run->dels[m->first + k].to;

			members++;
			learnt += g->learnt_ms && to < run->n_nodes && !isnan(g->learnt_ms[to]);
		}
	}
	if (members)
		*actual = (double)learnt / (double)members;
	else
		*note = "no group was created (a labnode group traffic creates one)";
}
