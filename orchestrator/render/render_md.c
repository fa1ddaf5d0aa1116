/* summary.md, sized for a pull-request comment: verdict, expectations, worst faults, lost
 * messages and where they died, node exits. Long lists are cut with a count of the rest. */
#include "orchestrator/render/render.h"
#include "orchestrator/render/render_telemetry.h"
#include "orchestrator/render/render_traffic.h"

#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/replay_compare.h"

#include <math.h>

#define RENDER_MD_LOST 20
#define RENDER_MD_FAULTS 5

static void render_md_expects(FILE *f, const struct analyze_run *run)
{
	if (run->n_expects == 0) {
		fputs("No expectations in this scenario.\n\n", f);
		return;
	}
	fputs("| | expectation | measured |\n|---|---|---|\n", f);
	for (size_t i = 0; i < run->n_expects; i++) {
		const struct analyze_expect *e = &run->expects[i];
		char name[512], vals[256];

		render_expect_name(e, name, sizeof(name));
		render_expect_values(e, vals, sizeof(vals));
		fprintf(f, "| %s | `%s` | %s%s%s |\n", e->ok ? "✅" : "❌", name, vals,
			e->note ? " — " : "", e->note ? e->note : "");
	}
	fputc('\n', f);
}

static void render_md_faults(FILE *f, const struct analyze_run *run)
{
	size_t idx[RENDER_MD_FAULTS], n = render_worst_faults(run, idx, RENDER_MD_FAULTS);

	if (n == 0)
		return;
	fprintf(f, "**Worst faults** (%zu of %zu)\n\n", n, run->n_faults);
	fputs("| fault | kind | targets | sent during | lost during | recovery |\n", f);
	fputs("|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct analyze_fault *fa = &run->faults[idx[i]];
		char rec[32];

		if (isnan(fa->recovery_ms))
			snprintf(rec, sizeof(rec), "never");
		else
			render_ms(fa->recovery_ms, rec, sizeof(rec));
		fprintf(f, "| %s (%s) | %s", fa->name, fa->id, fa->kind ? fa->kind : "?");
		if (fa->until && !isnan(fa->reverted_ms) && fa->reverted_ms < fa->end_ms)
			fprintf(f, ", until %s: ended at %.1f s of %.1f s", fa->until,
				fa->reverted_ms / 1000.0, fa->end_ms / 1000.0);
		else if (fa->until)
			fprintf(f, ", until %s: held to its cap", fa->until);
		fputs(" | ", f);
		if (fa->site) /* one shared uplink for the site's nodes */
			fprintf(f, "site %s uplink: ", fa->site);
		for (size_t t = 0; t < fa->n_targets && t < 6; t++)
			fprintf(f, "%s%s", t ? ", " : "", analyze_node_name(run, fa->targets[t]));
		if (fa->n_targets > 6)
			fprintf(f, " +%zu", fa->n_targets - 6);
		fprintf(f, " | %zu | %zu | %s |\n", fa->sent_during, fa->lost_during, rec);
	}
	fputc('\n', f);
}

static void render_md_lost(FILE *f, const struct analyze_run *run)
{
	size_t shown = 0, lost = run->totals.lost;

	if (lost == 0)
		return;
	fprintf(f, "**Lost messages** (%zu)\n\n", lost);
	fputs("| message | from → to | sent | hash | last trace |\n|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < run->n_dels && shown < RENDER_MD_LOST; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		const struct analyze_message *m = &run->msgs[d->msg];
		char sent[32];

		if (d->status != ANALYZE_LOST)
			continue;
		render_ms(isnan(m->sent_ms) ? m->planned_ms : m->sent_ms, sent, sizeof(sent));
		fprintf(f, "| %s | %s → %s | %s | `%.18s` | %s |\n", m->id,
			analyze_node_name(run, m->from), analyze_node_name(run, d->to), sent,
			m->hash ? m->hash : "?",
			m->trace_node == ANALYZE_NONE ? "no trace saw it"
						      : analyze_node_name(run, m->trace_node));
		shown++;
	}
	if (lost > shown)
		fprintf(f, "\n… and %zu more in report.json.\n", lost - shown);
	fputc('\n', f);
}

/* Failed sends by cause, with the first error text of each. */
static void render_md_send_failures(FILE *f, const struct analyze_run *run)
{
	if (!run->send_failures)
		return;
	fprintf(f, "**Failed sends** (%zu)\n\n| cause | sends | first error |\n|---|---|---|\n",
		run->send_failures);
	for (size_t i = 0; i < run->n_send_causes; i++)
		fprintf(f, "| %s | %zu | %.160s |\n", run->send_causes[i].cause,
			run->send_causes[i].count, run->send_causes[i].example);
	fputc('\n', f);
}

#define RENDER_MD_GROUPS 8

/* One table: a row per kind, traffic, sender and receiver (the first few of each). */
static void render_md_breakdowns(FILE *f, const struct analyze_run *run)
{
	if (run->totals.sent == 0)
		return;
	fputs("**Breakdown**\n\n| by | name | sent | delivered | lost | failed | dup | p95 |\n"
	      "|---|---|---|---|---|---|---|---|\n",
	      f);
	for (int d = 0; d < ANALYZE_N_DIMS; d++) {
		const struct analyze_breakdown *b = &run->by[d];

		for (size_t g = 0; g < b->n && g < RENDER_MD_GROUPS; g++) {
			const struct analyze_stats *st = &b->groups[g].st;
			char p95[32];

			render_ms(st->p95, p95, sizeof(p95));
			fprintf(f, "| %s | %s | %zu | %zu | %zu | %zu | %zu | %s |\n",
				analyze_dim_name(d), b->groups[g].name, st->sent, st->delivered,
				st->lost, st->failed, st->duplicates, p95);
		}
		if (b->n > RENDER_MD_GROUPS)
			fprintf(f, "| %s | … %zu more | | | | | | |\n", analyze_dim_name(d),
				b->n - RENDER_MD_GROUPS);
	}
	fputc('\n', f);
}

static void render_md_exits(FILE *f, const struct analyze_run *run)
{
	int any = 0;

	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct analyze_node *n = &run->nodes[i];
		char t[32];

		if (!n->exited)
			continue;
		if (!any)
			fputs("**Node exits**\n\n", f);
		any = 1;
		render_ms(n->exit_ms, t, sizeof(t));
		fprintf(f, "- %s at %s: ", n->name, t);
		if (n->exit_signal)
			fprintf(f, "signal %s", n->exit_signal);
		else
			fprintf(f, "exit code %d", n->exit_code);
		fprintf(f, " (%s)\n", n->exit_expected ? "planned" : "**unexpected**");
	}
	if (any)
		fputc('\n', f);
	any = 0;
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct analyze_node *n = &run->nodes[i];

		if (!n->warnings)
			continue;
		if (!any)
			fputs("**Driver warnings** (what the run could not see)\n\n", f);
		any = 1;
		fprintf(f, "- %s: %d× — %s\n", n->name, n->warnings,
			n->last_warning ? n->last_warning : "");
	}
	if (any)
		fputc('\n', f);
}

int render_md_write(const struct analyze_run *run, const char *path, struct fl_error *err)
{
	const struct analyze_stats *t = &run->totals;
	char p95[32], *tmp;
	FILE *f = render_open(path, &tmp, err);

	if (!f)
		return -1;
	render_ms(t->p95, p95, sizeof(p95));
	fprintf(f, "### faultlab: %s — %s\n\n", run->scenario ? run->scenario : "run",
		run->verdict_ok ? "✅ pass" : "❌ fail");
	if (run->has_seed)
		fprintf(f, "seed %llu · ", (unsigned long long)run->seed);
	fprintf(f,
		"runtime %s · %zu sent, %zu delivered, %zu lost, %zu failed, %zu duplicates, "
		"%zu reordered · latency p95 %s\n\n",
		run->runtime ? run->runtime : "?", t->sent, t->delivered, t->lost, t->failed,
		t->duplicates, t->reordered, p95);
	if (!isnan(run->ended_early_ms))
		fprintf(f,
			"Ended early at %.1f s of the planned %.1f s: every message was received "
			"or given up and every fault reverted.\n\n",
			run->ended_early_ms / 1000.0, run->planned_end_ms / 1000.0);
	if (render_problems_count(run)) {
		char msg[1024];

		fputs("**Run errors** (each fails the run)\n\n", f);
		for (size_t k = 0; k < render_problems_count(run); k++) {
			render_problem(run, k, msg, sizeof(msg));
			fprintf(f, "- ❌ %s\n", msg);
		}
		fputc('\n', f);
	}
	replay_compare_md(f, run);
	render_md_expects(f, run);
	render_md_faults(f, run);
	render_md_traffic(f, run);
	render_md_lost(f, run);
	render_md_send_failures(f, run);
	render_md_breakdowns(f, run);
	render_md_exits(f, run);
	render_md_telemetry(f, run);
	render_md_resources(f, run);
	return render_close(f, tmp, path, err);
}
