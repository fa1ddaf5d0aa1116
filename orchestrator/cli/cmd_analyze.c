/* faultlab analyze RUN_DIR [--out DIR] [--no-html] [--no-traces] [--quiet]
 * faultlab analyze --logs DIR [--format nwaku|go-waku|labnode] [--out FILE|DIR] [--quiet] */
#include "orchestrator/cli/cli.h"

#include "orchestrator/analyze/analyze.h"
#include "orchestrator/analyze/fleetlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli_analyze_args {
	const char *run_dir, *logs, *format, *out;
	int no_html, no_traces, quiet;
};

static int cli_analyze_parse(int argc, char **argv, struct cli_analyze_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char **val = strcmp(s, "--logs") == 0	? &a->logs
				   : strcmp(s, "--format") == 0 ? &a->format
				   : strcmp(s, "--out") == 0	? &a->out
								: NULL;

		if (val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "faultlab analyze: %s needs a value\n", s);
				return -1;
			}
			*val = argv[++i];
		} else if (strcmp(s, "--no-html") == 0) {
			a->no_html = 1;
		} else if (strcmp(s, "--no-traces") == 0) {
			a->no_traces = 1;
		} else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
			a->quiet = 1;
		} else if (s[0] == '-' || a->run_dir) {
			fprintf(stderr, "faultlab analyze: unexpected argument \"%s\"\n", s);
			return -1;
		} else {
			a->run_dir = s;
		}
	}
	if (!a->run_dir == !a->logs) {
		fprintf(stderr, "faultlab analyze: give a RUN_DIR or --logs DIR\n");
		return -1;
	}
	return 0;
}

int cli_analyze(int argc, char **argv)
{
	struct cli_analyze_args a = {0};
	struct fl_error err = {0};
	int verdict = 0;

	if (cli_analyze_parse(argc, argv, &a) < 0)
		return cli_usage("analyze");
	if (a.logs) {
		struct fleetlog_opts fo = {.format = a.format, .out = a.out, .quiet = a.quiet};
		enum fleetlog_format fmt;

		if (a.format && fleetlog_format_parse(a.format, &fmt) < 0) {
			fprintf(stderr, "faultlab analyze: unknown --format \"%s\" (%s)\n",
				a.format, fleetlog_format_names());
			return FL_EXIT_INVALID;
		}
		if (fleetlog_analyze_dir(a.logs, &fo, &err) < 0) {
			fprintf(stderr, "faultlab analyze: %s\n", err.msg);
			return FL_EXIT_INVALID;
		}
		return FL_EXIT_OK;
	}
	{
		struct analyze_opts o = {
		    .no_html = a.no_html, .no_traces = a.no_traces, .quiet = a.quiet, .out = a.out};
		char *summary = NULL;

		if (analyze_run_dir(a.run_dir, &o, &verdict, &summary, &err) < 0) {
			fprintf(stderr, "faultlab analyze: %s\n", err.msg);
			return FL_EXIT_INVALID;
		}
		fputs(summary ? summary : "", stdout);
		free(summary);
	}
	return verdict ? FL_EXIT_FAILED : FL_EXIT_OK;
}
