/* The plan of a run, as the bytes of plan.json: made from a scenario with the planner
 * (scenario_load → plan_build → plan_write_json), or taken as is when the path names a saved
 * plan.json (`faultlab run reports/runs/x/plan.json` re-runs a plan without its scenario). */
#ifndef FL_PLANBYTES_H
#define FL_PLANBYTES_H

#include "common/error.h"
#include "orchestrator/run/exit.h"

#include <stddef.h>
#include <stdint.h>

struct scenario_errors;

/* plan.json's bytes, before they are written into the run directory. */
struct planbytes {
	char *json;
	size_t len;
	uint64_t seed;
	int seed_drawn; /* neither given nor in the scenario: drawn at random (say which) */
	char name[128];
	struct scenario_errors *errs; /* an invalid scenario's errors (file:line:col), else NULL */
};

/* 0, or -1 + err with *exit FL_EXIT_INVALID (an invalid scenario: pf->errs holds its errors,
 * for the caller to print; or a plan that cannot be built) or FL_EXIT_ENV (unreadable,
 * unwritable). The seed: has_seed ? seed : the scenario's : a random one. Prints nothing. */
int planbytes_make(const char *path, int has_seed, uint64_t seed, struct planbytes *pf,
		   enum fl_exit *exit, struct fl_error *err);
/* -1 + err naming the first differing line when pf differs from the file's bytes. */
int planbytes_compare(const struct planbytes *pf, const char *path, struct fl_error *err);
/* Frees the bytes and the errors. */
void planbytes_free(struct planbytes *pf);

#endif
