/* The planner's side of planbytes (kept apart: the one run file that sees scenario and plan). */
#include "orchestrator/run/planbytes.h"

#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/scenario.h"

#include "common/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int planbytes_scenario(const char *path, int has_seed, uint64_t seed, struct planbytes *pf,
		       enum fl_exit *exit, struct fl_error *err);

static int planbytes_write(const struct plan *plan, struct planbytes *pf, struct fl_error *err)
{
	FILE *f = open_memstream(&pf->json, &pf->len);

	if (!f)
		return fl_err_errno(err, "open_memstream");
	if (plan_write_json(plan, f) < 0) {
		fclose(f);
		return fl_err(err, "cannot write the plan");
	}
	if (fclose(f) != 0)
		return fl_err_errno(err, "write the plan");
	return 0;
}

int planbytes_scenario(const char *path, int has_seed, uint64_t seed, struct planbytes *pf,
		       enum fl_exit *exit, struct fl_error *err)
{
	struct scenario sc;
	struct plan *plan = NULL;
	int rc = -1;

	*exit = FL_EXIT_INVALID;
	pf->errs = calloc(1, sizeof(*pf->errs)); /* large: off the stack */
	if (!pf->errs) {
		*exit = FL_EXIT_ENV;
		return fl_err(err, "out of memory");
	}
	if (scenario_load(path, &sc, pf->errs) < 0)
		return fl_err(err, "%s is not a valid scenario", path);
	free(pf->errs);
	pf->errs = NULL;
	if (!has_seed) {
		seed = sc.has_seed ? sc.seed : rng_os_seed() >> 11;
		pf->seed_drawn = !sc.has_seed;
	}
	if (plan_build(&sc, seed, &plan, err) < 0) {
		fl_wrap(err, "%s: plan", path);
		goto out;
	}
	*exit = FL_EXIT_ENV;
	if (planbytes_write(plan, pf, err) < 0)
		goto out;
	snprintf(pf->name, sizeof(pf->name), "%s", sc.name);
	pf->seed = seed;
	*exit = FL_EXIT_OK;
	rc = 0;
out:
	plan_free(plan);
	scenario_free(&sc);
	return rc;
}
