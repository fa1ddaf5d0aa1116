/* analyze_load: plan → journal → node receipts → traces → ledger → verdict.
 * analyze_run_dir: the same, then the four reports. */
#include "orchestrator/analyze/mesh.h"
#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/telemetry_report.h"
#include "orchestrator/analyze/replay_compare.h"

#include "common/fltime.h"
#include "common/xalloc.h"
#include "orchestrator/render/render.h"
#include "orchestrator/scenario/fault_kind.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *analyze_status_name(enum analyze_status s)
{
	return s == ANALYZE_DELIVERED ? "delivered" : s == ANALYZE_LOST ? "lost" : "failed";
}

const char *analyze_node_name(const struct analyze_run *run, uint32_t idx)
{
	return idx < run->n_nodes ? run->nodes[idx].name : NULL;
}

const char *analyze_dim_name(enum analyze_dim d)
{
	static const char *const names[] = {"kind", "traffic", "from", "to"};

	return d < ANALYZE_N_DIMS ? names[d] : "?";
}

const char *analyze_fault_phase_name(int phase)
{
	return phase == ANALYZE_PH_APPLY ? "apply" : phase == ANALYZE_PH_REVERT ? "revert" : "lost";
}

void analyze_free(struct analyze_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; run->faults && i < run->n_faults; i++) {
		free(run->faults[i].errs);
		free(run->faults[i].held);
	}
	for (int d = 0; d < ANALYZE_N_DIMS; d++)
		free(run->by[d].groups);
	amap_free(&run->node_by_name);
	amap_free(&run->node_by_key);
	amap_free(&run->msg_by_id);
	amap_free(&run->msg_by_hash);
	amap_free(&run->msg_by_node_id);
	free(run->nodes);
	free(run->faults);
	free(run->opens);
	free(run->store_queries);
	for (size_t i = 0; i < run->n_groups; i++)
		free(run->groups[i].learnt_ms);
	free(run->groups);
	free(run->msgs);
	free(run->canon);
	free(run->dels);
	free(run->pauses);
	replay_compare_free(run->cmp);
	free(run->expects);
	telemetry_report_free(run->telemetry);
	mesh_free(run);
	amap_arena_free(&run->arena);
	free(run);
}

/* The delay engine the run used, when the journal did not say: what served the faults of a
 * kind whose engine is the delay engine (its fault-kind table entry). */
static void analyze_delay_engine(struct analyze_run *run)
{
	for (size_t i = 0; !run->delay_engine && i < run->n_faults; i++)
		if (run->faults[i].desc && run->faults[i].desc->delay_engine)
			run->delay_engine = run->faults[i].engine;
}

/* FL_ANALYZE_TIMING=1 prints how long each step took (the benchmark uses it). */
static void analyze_step_done(const char *step, double *t)
{
	double now = fltime_mono_ms();

	if (getenv("FL_ANALYZE_TIMING"))
		fprintf(stderr, "analyze: %-8s %8.0f ms\n", step, now - *t);
	*t = now;
}

static int analyze_steps(struct analyze_run *run, const struct analyze_opts *opts,
			 struct fl_error *err)
{
	double t = fltime_mono_ms();

	if (runload_plan(run, err) < 0)
		return -1;
	analyze_step_done("plan", &t);
	if (journal_load(run, err) < 0)
		return -1;
	analyze_step_done("journal", &t);
	if (nodes_load_events(run, err) < 0)
		return -1;
	analyze_step_done("receipts", &t);
	if ((!opts || !opts->no_traces) && traces_load(run, err) < 0)
		return -1;
	analyze_step_done("traces", &t);
	pauses_apply(run);
	if (ledger_compute(run, err) < 0 || telemetry_report_load(run, err) < 0 ||
	    verdict_judge(run, err) < 0)
		return -1;
	analyze_step_done("ledger", &t);
	return 0;
}

struct analyze_run *analyze_load(const char *dir, const struct analyze_opts *opts,
				 struct fl_error *err)
{
	struct analyze_run *run = fl_xcalloc(1, sizeof(*run));

	run->netem = -1;
	run->telemetry_delivery = run->wall_s = run->real0_ms = NAN;
	run->ended_early_ms = run->planned_end_ms = NAN;
	run->dir = amap_arena_strdup(&run->arena, dir);
	if (analyze_steps(run, opts, err) < 0) {
		analyze_free(run);
		return NULL;
	}
	analyze_delay_engine(run);
	return run;
}

static int analyze_write(const struct analyze_run *run, const char *out,
			 const struct analyze_opts *opts, struct fl_error *err)
{
	static const struct {
		const char *file;
		int (*write)(const struct analyze_run *, const char *, struct fl_error *);
	} outs[] = {
	    {"report.json", render_json_write},
	    {"junit.xml", render_junit_write},
	    {"summary.md", render_md_write},
	    {"report.html", render_html_write},
	};
	char path[4200];

	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return fl_err_errno(err, "create %s", out);
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		if (opts && opts->no_html && outs[i].write == render_html_write)
			continue;
		double t = fltime_mono_ms();

		snprintf(path, sizeof(path), "%s/%s", out, outs[i].file);
		if (outs[i].write(run, path, err) < 0)
			return -1;
		analyze_step_done(outs[i].file, &t);
	}
	return 0;
}

/* The summary `faultlab analyze` and `faultlab run` print: totals, each expectation, what
 * failed, the verdict. */
static char *analyze_summary(const struct analyze_run *run, const char *out)
{
	const struct analyze_stats *t = &run->totals;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		fl_oom();
	fprintf(
	    f, "%s: %zu sent, %zu delivered, %zu lost, %zu failed, %zu duplicates, %zu reordered\n",
	    run->scenario ? run->scenario : "run", t->sent, t->delivered, t->lost, t->failed,
	    t->duplicates, t->reordered);
	for (size_t i = 0; i < run->n_expects; i++) {
		char name[512], vals[256];

		render_expect_name(&run->expects[i], name, sizeof(name));
		render_expect_values(&run->expects[i], vals, sizeof(vals));
		fprintf(f, "  %s %-40s %s%s%s\n", run->expects[i].ok ? "ok  " : "FAIL", name, vals,
			run->expects[i].note ? " — " : "",
			run->expects[i].note ? run->expects[i].note : "");
	}
	if (run->interrupted)
		fprintf(f,
			"  FAIL the run was interrupted at %.1f s: %zu planned messages never sent "
			"(not counted)\n",
			run->interrupted_ms / 1000.0, run->unsent_msgs);
	for (size_t i = 0; i < run->n_opens; i++)
		if (run->opens[i].error)
			fprintf(f, "  FAIL %s\n", run->opens[i].error);
	for (size_t i = 0; i < run->n_faults; i++)
		for (size_t e = 0; e < run->faults[i].n_errs; e++) {
			const struct analyze_fault_error *fe = &run->faults[i].errs[e];

			fprintf(f, "  FAIL fault %s (%s) on %s: %s: %s\n", run->faults[i].id,
				run->faults[i].name, analyze_node_name(run, fe->node) ?: "?",
				analyze_fault_phase_name(fe->phase), fe->error ? fe->error : "");
		}
	fprintf(f, "verdict: %s (reports in %s)\n", run->verdict_ok ? "pass" : "fail", out);
	if (fclose(f) != 0)
		fl_oom();
	return text;
}

int analyze_run_dir(const char *dir, struct analyze_opts *opts, int *verdict_exit, char **summary,
		    struct fl_error *err)
{
	struct analyze_run *run = analyze_load(dir, opts, err);
	const char *out = opts && opts->out ? opts->out : dir;
	int r;

	if (!run)
		return fl_wrap(err, "analyze %s", dir);
	replay_compare_run(run);
	r = analyze_write(run, out, opts, err);
	if (r == 0) {
		*verdict_exit = run->verdict_ok ? 0 : 1;
		if (summary && (!opts || !opts->quiet))
			*summary = analyze_summary(run, out);
	}
	analyze_free(run);
	return r;
}
