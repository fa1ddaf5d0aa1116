/* faultlab plan SCENARIO.yaml [--seed N]: the expanded, seeded plan.json on stdout. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/scenario.h"

#include "common/rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_PLAN_SEED_MAX 9007199254740991ull

static int plan_parse_seed(const char *s, uint64_t *seed)
{
	unsigned long long v;
	char *end;

	if (!s || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > CLI_PLAN_SEED_MAX)
		return -1;
	*seed = v;
	return 0;
}

/* Reads the arguments: one file and an optional --seed N (or --seed=N). */
static int plan_args(int argc, char **argv, const char **path, int *has_seed, uint64_t *seed)
{
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;

		if (strcmp(argv[i], "--seed") == 0)
			val = i + 1 < argc ? argv[++i] : "";
		else if (strncmp(argv[i], "--seed=", 7) == 0)
			val = argv[i] + 7;
		if (val) {
			if (plan_parse_seed(val, seed) < 0) {
				fprintf(stderr,
					"faultlab plan: --seed expects an integer from 0 to %llu, "
					"got \"%s\"\n",
					CLI_PLAN_SEED_MAX, val);
				return -1;
			}
			*has_seed = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "faultlab plan: unknown option \"%s\"\n", argv[i]);
			return -1;
		} else if (*path) {
			fprintf(stderr, "faultlab plan: one scenario at a time\n");
			return -1;
		} else {
			*path = argv[i];
		}
	}
	return *path ? 0 : -1;
}

int cli_plan(int argc, char **argv)
{
	struct scenario_errors errs;
	struct fl_error err = {0};
	const char *path = NULL;
	struct scenario sc;
	struct plan *plan;
	int has_seed = 0, rc;
	uint64_t seed = 0;

	if (plan_args(argc, argv, &path, &has_seed, &seed) < 0)
		return cli_usage("plan");
	if (scenario_load(path, &sc, &errs) < 0) {
		scenario_errors_print(&errs, stderr);
		return FL_EXIT_INVALID;
	}
	if (!has_seed) {
		seed = sc.has_seed ? sc.seed : rng_os_seed();
		fprintf(stderr, "faultlab: seed %llu\n", (unsigned long long)seed);
	}
	if (plan_build(&sc, seed, &plan, &err) < 0) {
		fprintf(stderr, "%s: cannot plan: %s\n", path, err.msg);
		scenario_free(&sc);
		return FL_EXIT_INVALID;
	}
	rc = plan_write_json(plan, stdout) < 0 || fflush(stdout) != 0 ? FL_EXIT_ENV : FL_EXIT_OK;
	if (rc)
		fprintf(stderr, "faultlab plan: cannot write the plan: %s\n", strerror(errno));
	plan_free(plan);
	scenario_free(&sc);
	return rc;
}
