/* faultlab clean [--run ID | --all]: removes every leftover of dead runs (namespaces with
 * everything in them, processes, cgroups, containers, networks, run files); live runs (their
 * lock held) are refused. No option = --all. Exit 0, or 1 when --run names a live run. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/sweep.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_clean(int argc, char **argv)
{
	const char *run = NULL;
	struct sweep_result res;
	struct runlock_entry e;
	struct fl_error err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			run = NULL;
		else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc)
			run = argv[++i];
		else
			return cli_usage("clean");
	}
	if (geteuid() != 0) {
		fprintf(stderr, "faultlab clean: needs root (namespaces, cgroups, docker)\n");
		return FL_EXIT_ENV;
	}
	if (run && !runlock_valid_id(run)) {
		if (runlock_resolve(run, &e, &err) < 0) {
			fprintf(stderr, "faultlab clean: %s\n", err.msg);
			return FL_EXIT_INVALID;
		}
		run = e.run_id;
	}
	if (sweep_runs(run, 1, &res, &err) < 0) {
		fprintf(stderr, "faultlab clean: %s\n", err.msg);
		return FL_EXIT_FAILED;
	}
	for (int i = 0; i < res.runs_live && i < (int)(sizeof(res.live) / sizeof(res.live[0])); i++)
		printf("run %s is live: skipped\n", res.live[i]);
	printf("removed %d object%s of %d dead run%s\n", res.removed, res.removed == 1 ? "" : "s",
	       res.runs_swept, res.runs_swept == 1 ? "" : "s");
	return FL_EXIT_OK;
}
