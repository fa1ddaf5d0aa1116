/* A replay's pauses (replay --pause-before; journal "pause" lines): the lab was frozen and the
 * timeline waited, so every time the journal and the nodes wrote after a pause is that much
 * late. They are moved back onto the run's clock before the ledger is computed, so latencies,
 * fault windows, recovery and the run's length leave the pauses out. */
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"

#include <math.h>
#include <string.h>

/* ["a","b"] → "a,b" (node names need no unescaping: runtime_node_name_ok). */
static const char *pauses_names(struct analyze_run *run, const struct flatjson_val *v)
{
	char *out = amap_arena_strdup(&run->arena, "");
	size_t n = 0;

	if (v->type != FLATJSON_ARR)
		return out;
	out = amap_arena_alloc(&run->arena, v->n + 1);
	for (size_t i = 0; out && i < v->n; i++)
		if (v->p[i] != '"' && v->p[i] != '[' && v->p[i] != ']' && v->p[i] != ' ')
			out[n++] = v->p[i];
	if (out)
		out[n] = '\0';
	return out;
}

void pauses_line(struct analyze_run *run, const struct flatjson_val *event,
		 const struct flatjson_val *kept, double t_ms, double duration_ms, double frozen)
{
	struct analyze_pause *p;

	if (isnan(t_ms) || isnan(duration_ms) || duration_ms < 0)
		return;
	run->pauses = fl_xreallocarray(run->pauses, run->n_pauses + 1, sizeof(*run->pauses));
	p = &run->pauses[run->n_pauses++];
	p->event = runload_str(run, event);
	p->kept_running = pauses_names(run, kept);
	p->t_ms = t_ms;
	p->duration_ms = duration_ms;
	p->at_ms = t_ms - run->paused_ms;
	p->frozen = isnan(frozen) ? 0 : (size_t)frozen;
	run->paused_ms += duration_ms;
}

double pauses_unshift(const struct analyze_run *run, double t_ms)
{
	double before = 0;

	if (isnan(t_ms))
		return t_ms;
	for (size_t i = 0; i < run->n_pauses; i++) {
		const struct analyze_pause *p = &run->pauses[i];

		if (t_ms < p->t_ms)
			break;
		if (t_ms < p->t_ms + p->duration_ms)
			return p->t_ms - before; /* inside the pause: its start */
		before += p->duration_ms;
	}
	return t_ms - before;
}

void pauses_apply(struct analyze_run *run)
{
	if (run->n_pauses == 0)
		return;
	for (size_t i = 0; i < run->n_msgs; i++)
		run->msgs[i].sent_ms = pauses_unshift(run, run->msgs[i].sent_ms);
	for (size_t i = 0; i < run->n_dels; i++)
		run->dels[i].received_ms = pauses_unshift(run, run->dels[i].received_ms);
	for (size_t i = 0; i < run->n_faults; i++) {
		run->faults[i].applied_ms = pauses_unshift(run, run->faults[i].applied_ms);
		run->faults[i].reverted_ms = pauses_unshift(run, run->faults[i].reverted_ms);
	}
	for (size_t i = 0; i < run->n_nodes; i++)
		if (run->nodes[i].exited)
			run->nodes[i].exit_ms = pauses_unshift(run, run->nodes[i].exit_ms);
	run->ended_early_ms = pauses_unshift(run, run->ended_early_ms);
	if (!isnan(run->wall_s))
		run->wall_s = pauses_unshift(run, run->wall_s * 1000.0) / 1000.0;
}
