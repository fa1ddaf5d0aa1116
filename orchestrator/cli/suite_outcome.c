/* A suite's scenarios one by one: the attempts of each (reruns with the first attempt's seed
 * while it fails an expectation), its outcome, the suite's exit code and its Markdown summary
 * (the policy is in suite.h). */
#include "orchestrator/cli/suite.h"

#include "common/xalloc.h"

#include <inttypes.h>
#include <stdio.h>

int suite_run_entry(struct suite_entry *e, const struct run_opts *base, int reruns,
		    suite_runner run, void *ctx)
{
	int rc;

	e->at = fl_xcalloc((size_t)reruns + 1, sizeof(*e->at));
	e->n_at = 0;
	do {
		struct run_opts o = *base;
		struct suite_attempt *a = &e->at[e->n_at++];

		o.scenario_path = e->scenario;
		if (e->n_at > 1)
			o.seed = e->at[0].seed, o.has_seed = 1;
		rc = run(&o, ctx);
		a->rc = rc;
		a->seed = o.has_seed ? o.seed : o.seed_used;
		snprintf(a->run_dir, sizeof(a->run_dir), "%s", o.run_dir);
	} while (rc == FL_EXIT_FAILED && e->n_at <= (size_t)reruns);
	return rc;
}

enum suite_outcome suite_outcome_of(const struct suite_entry *e)
{
	int rc = e->n_at ? e->at[e->n_at - 1].rc : FL_EXIT_ENV;

	if (rc == FL_EXIT_OK)
		return e->n_at > 1 ? SUITE_FLAKY : SUITE_PASS;
	if (rc == FL_EXIT_FAILED)
		return SUITE_FAIL;
	return rc == FL_EXIT_INTERRUPTED ? SUITE_INTERRUPTED : SUITE_ERROR;
}

const char *suite_outcome_name(enum suite_outcome o)
{
	static const char *const names[] = {"pass", "fail", "flaky", "error", "interrupted"};

	return names[o];
}

int suite_exit_code(const struct suite_entry *v, size_t n)
{
	int worst = 0;

	for (size_t i = 0; i < n; i++) {
		int rc = v[i].n_at ? v[i].at[v[i].n_at - 1].rc : FL_EXIT_ENV;

		if (rc == FL_EXIT_INTERRUPTED)
			return rc;
		if (rc > worst)
			worst = rc;
	}
	return worst;
}

void suite_summary_md(FILE *out, const struct suite_entry *v, size_t n)
{
	size_t count[SUITE_INTERRUPTED + 1] = {0};

	for (size_t i = 0; i < n; i++)
		count[suite_outcome_of(&v[i])]++;
	fprintf(out,
		"## faultlab suite: %zu scenarios — %zu pass, %zu flaky, %zu fail, %zu error%s\n\n",
		n, count[SUITE_PASS], count[SUITE_FLAKY], count[SUITE_FAIL], count[SUITE_ERROR],
		count[SUITE_INTERRUPTED] ? ", interrupted" : "");
	fputs("| scenario | outcome | attempts (exit codes) | seed | run directory |\n"
	      "|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const struct suite_entry *e = &v[i];

		fprintf(out, "| %s | %s | %zu (", e->scenario,
			suite_outcome_name(suite_outcome_of(e)), e->n_at);
		for (size_t a = 0; a < e->n_at; a++)
			fprintf(out, "%s%d", a ? ", " : "", e->at[a].rc);
		fprintf(out, ") | %" PRIu64 " | %s |\n", e->n_at ? e->at[0].seed : 0,
			e->n_at ? e->at[e->n_at - 1].run_dir : "");
	}
}
