/* faultlab ps: the runs alive on this host (their lock held), one per line. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/runtime/runlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_ps(int argc, char **argv)
{
	struct runlock_entry *v;
	struct fl_error err;
	size_t n, live = 0;
	int all = argc > 1 && strcmp(argv[1], "--all") == 0;

	if (argc > 2 || (argc == 2 && !all))
		return cli_usage("ps");
	if (runlock_list(&v, &n, &err) < 0) {
		fprintf(stderr, "faultlab ps: %s\n", err.msg);
		return FL_EXIT_ENV;
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].live && !all)
			continue;
		if (live++ == 0)
			printf("%-10s %-24s %7s %-20s %-7s %5s  %s\n", "RUN", "SCENARIO", "PID",
			       "STARTED", "RUNTIME", "NODES", all ? "STATE" : "RUN_DIR");
		printf("%-10s %-24s %7d %-20s %-7s %5d  %s\n", v[i].run_id,
		       v[i].scenario[0] ? v[i].scenario : "-", v[i].pid,
		       v[i].started_at[0] ? v[i].started_at : "-",
		       v[i].runtime[0] ? v[i].runtime : "-", v[i].nodes,
		       all		 ? (v[i].live ? "live" : "dead")
		       : v[i].run_dir[0] ? v[i].run_dir
					 : "-");
	}
	if (live == 0)
		printf("no %sruns on this host\n", all ? "" : "live ");
	free(v);
	return FL_EXIT_OK;
}
