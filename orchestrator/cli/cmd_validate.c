/* faultlab validate SCENARIO.yaml...: parse and check each file; errors as file:line:col. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/scenario.h"

#include <stdio.h>
#include <string.h>

/* Checks one file; also plans it once (with its seed, else 1) so that a topology the planner
 * cannot draw is found here rather than at run time. */
static int validate_one(const char *path)
{
	struct scenario_errors errs;
	struct fl_error err = {0};
	struct scenario sc;
	struct plan *plan;
	size_t msgs = 0;

	if (scenario_load(path, &sc, &errs) < 0) {
		scenario_errors_print(&errs, stderr);
		return -1;
	}
	if (plan_build(&sc, sc.has_seed ? sc.seed : 1, &plan, &err) < 0) {
		fprintf(stderr, "%s: cannot plan: %s\n", path, err.msg);
		scenario_free(&sc);
		return -1;
	}
	msgs = plan->n_messages;
	printf("%s: ok (%zu nodes, %zu links, %zu messages, %zu fault occurrences)\n", path,
	       sc.n_nodes, plan->n_links, msgs, plan->n_faults);
	plan_free(plan);
	scenario_free(&sc);
	return 0;
}

int cli_validate(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2)
		return cli_usage("validate");
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "faultlab validate: unknown option \"%s\"\n", argv[i]);
			return cli_usage("validate");
		}
	}
	for (int i = 1; i < argc; i++)
		if (validate_one(argv[i]) < 0)
			bad++;
	return bad ? FL_EXIT_INVALID : FL_EXIT_OK;
}
