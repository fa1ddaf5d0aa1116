/* faultlab run SCENARIO.yaml [--seed N] [--runtime netns|docker] [--out DIR] [--keep] [--quiet]
 *   [--share] [--telemetry] */
#include "orchestrator/cli/cli.h"
#include "orchestrator/run/run.h"
#include "orchestrator/runtime/runtime.h"

#include "orchestrator/scenario/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cli_run_seed(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || !*s || *end || *s == '-') {
		fprintf(stderr, "faultlab run: --seed expects a non-negative integer, got \"%s\"\n",
			s);
		return -1;
	}
	return 0;
}

int cli_run_output_opt(int ch, const char *arg, struct run_opts *o)
{
	if (ch == 'o')
		o->out_dir = arg;
	else if (ch == 'q')
		o->quiet = 1;
	else if (ch == 'S')
		o->share = 1;
	else
		return 0;
	return 1;
}

int cli_run_one(struct run_opts *o)
{
	struct fl_error err = {0};
	enum fl_exit rc = run_plan_dir(o, &err);

	if (rc != FL_EXIT_OK) {
		if (o->errs)
			scenario_errors_print(o->errs, stderr);
		else
			fprintf(stderr, "faultlab: %s\n", err.msg);
		run_opts_free(o);
		return rc;
	}
	if (o->seed_drawn)
		fprintf(stderr, "faultlab: seed %" PRIu64 "\n", o->seed_used);
	rc = run_main(o, &err);
	fputs(o->summary ? o->summary : "", stdout);
	if (rc == FL_EXIT_ENV || rc == FL_EXIT_INTERRUPTED)
		fprintf(stderr, "faultlab: %s\n", err.msg);
	if (!o->keep)
		printf("%s\n", o->run_dir);
	fflush(stdout);
	run_opts_free(o);
	return rc;
}

int cli_run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"seed", required_argument, NULL, 's'},
	    {"runtime", required_argument, NULL, 'r'},
	    {"keep", no_argument, NULL, 'k'},
	    {"telemetry", no_argument, NULL, 'T'},
	    CLI_RUN_OUTPUT_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct run_opts o;
	int ch;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:r:o:kqh", longopts, NULL)) != -1) {
		if (cli_run_output_opt(ch, optarg, &o))
			continue;
		switch (ch) {
		case 's':
			if (cli_run_seed(optarg, &o.seed) < 0)
				return FL_EXIT_INVALID;
			o.has_seed = 1;
			break;
		case 'r':
			if (!runtime_ops_find(optarg)) {
				fprintf(stderr, "faultlab run: --runtime is %s\n", runtime_names());
				return FL_EXIT_INVALID;
			}
			o.runtime = optarg;
			break;
		case 'k':
			o.keep = 1;
			break;
		case 'T':
			o.telemetry = 1;
			break;
		default:
			return cli_usage("run");
		}
	}
	if (optind != argc - 1)
		return cli_usage("run");
	o.scenario_path = argv[optind];
	return cli_run_one(&o);
}
