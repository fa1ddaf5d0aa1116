/* The plan of a run, as the bytes of plan.json: made from a scenario with the planner
 * (scenario_load → plan_build → plan_write_json), or taken as is when the path names a saved
 * plan.json (`faultlab run reports/runs/x/plan.json` re-runs a plan without its scenario). */
#ifndef FL_PLANFILE_H
#define FL_PLANFILE_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

struct planfile {
	char *json;
	size_t len;
	uint64_t seed;
	char name[128];
};

/* 0; -2 when the scenario is invalid (its errors are already printed, file:line:col); -3 (or
 * -1) + err when it cannot be read. The seed: has_seed ? seed : the scenario's : a random one
 * (then "faultlab: seed N" goes to stderr). */
int planfile_make(const char *path, int has_seed, uint64_t seed, struct planfile *pf,
		  struct fl_error *err);
/* -1 + err naming the first differing line when pf differs from the file's bytes. */
int planfile_compare(const struct planfile *pf, const char *path, struct fl_error *err);
void planfile_free(struct planfile *pf);

#endif
