/* faultlab replay RUN_DIR [--pause-before EVENT [--keep-running NODE,...]] [--only NODE,...]
 *                 [--out DIR] [--quiet]
 *
 * Re-runs RUN_DIR/scenario.yaml with the seed of RUN_DIR/plan.json into a new run directory,
 * after checking that the regenerated plan is byte-identical to the saved one (a changed
 * scenario or planner is refused, exit 2). --pause-before freezes the lab before that event id
 * (every node but those of --keep-running or named at the prompt, and the run's clock: the
 * pause is left out of every figure; run_loop.c run_pause, run_freeze.c), prints a
 * `faultlab shell RUN NODE` line per node and waits for Enter (or SIGUSR1); --only keeps the
 * traffic between, and the faults on, the named nodes. The journal names RUN_DIR, and the
 * report compares the replay with it (analyze/replay_compare.c). */
#include "orchestrator/cli/cli.h"
#include "common/xalloc.h"
#include "orchestrator/run/run.h"
#include "orchestrator/plan/planread.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits "a,b,c" into a NULL-terminated list (the string is modified and kept). */
static char **replay_split(char *s)
{
	size_t n = 1;
	char **v;

	for (char *p = s; *p; p++)
		n += *p == ',';
	v = fl_xcalloc(n + 1, sizeof(char *));
	n = 0;
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
		v[n++] = tok;
	return v;
}

static int replay_check(struct run_opts *o, const char *plan_path, const char *pause, char **only,
			char **keep)
{
	struct planread p;
	struct fl_error err = {0};
	int rc = 0;

	if (planread_load(plan_path, &p, &err) < 0) {
		fprintf(stderr, "faultlab replay: %s\n", err.msg);
		return FL_EXIT_INVALID;
	}
	o->seed = p.seed;
	o->has_seed = 1;
	if (pause && planread_event_find(&p, pause) < 0) {
		fprintf(stderr, "faultlab replay: no event \"%s\" in %s\n", pause, plan_path);
		rc = FL_EXIT_INVALID;
	}
	for (char **n = keep; n && *n && rc == 0; n++)
		if (planread_node_find(&p, *n) < 0) {
			fprintf(stderr, "faultlab replay: --keep-running: no node \"%s\" in %s\n",
				*n, plan_path);
			rc = FL_EXIT_INVALID;
		}
	if (keep && !pause && rc == 0) {
		fprintf(stderr, "faultlab replay: --keep-running needs --pause-before\n");
		rc = FL_EXIT_INVALID;
	}
	for (char **n = only; n && *n && rc == 0; n++)
		if (planread_node_find(&p, *n) < 0) {
			fprintf(stderr, "faultlab replay: no node \"%s\" in %s\n", *n, plan_path);
			rc = FL_EXIT_INVALID;
		}
	planread_free(&p);
	return rc;
}

int cli_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"pause-before", required_argument, NULL, 'p'},
	    {"only", required_argument, NULL, 'n'},
	    {"keep-running", required_argument, NULL, 'k'},
	    CLI_RUN_OUTPUT_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static struct run_opts o;
	static char scenario[4096], plan[4096], of[PATH_MAX];
	char **only = NULL, **keep = NULL;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:n:o:q", longopts, NULL)) != -1) {
		if (cli_run_output_opt(ch, optarg, &o))
			continue;
		if (ch == 'p')
			o.pause_before = optarg;
		else if (ch == 'n')
			only = replay_split(optarg);
		else if (ch == 'k')
			keep = replay_split(optarg);
		else
			return cli_usage("replay");
	}
	if (optind != argc - 1)
		return cli_usage("replay");
	snprintf(scenario, sizeof(scenario), "%.4000s/scenario.yaml", argv[optind]);
	snprintf(plan, sizeof(plan), "%.4000s/plan.json", argv[optind]);
	rc = replay_check(&o, plan, o.pause_before, only, keep);
	if (rc == 0) {
		o.scenario_path = scenario;
		o.expect_plan = plan;
		o.only = only;
		o.keep_running = keep;
		o.replay_of = realpath(argv[optind], of) ? of : argv[optind];
		rc = cli_run_one(&o);
	}
	free(only);
	free(keep);
	return rc;
}
