/* The faultlab verbs. Each takes the arguments after the verb (argv[0] is the verb) and
 * returns the process exit code of docs/CLI-AND-REPORT.md:
 * 0 pass, 1 an expectation failed, 2 invalid input, 3 environment, 4 interrupted. */
#ifndef FL_CLI_H
#define FL_CLI_H

#include "orchestrator/run/exit.h"

struct run_opts;

struct cli_opt {
	const char *flag; /* "--seed N" */
	const char *help; /* one line */
};

struct cli_verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;	    /* one line: "SCENARIO.yaml [--seed N]" */
	const char *help;	    /* one line */
	const struct cli_opt *opts; /* ends with {NULL, NULL} */
	const char *example;	    /* one command line */
};

int cli_validate(int argc, char **argv);
int cli_plan(int argc, char **argv);
int cli_doctor(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_replay(int argc, char **argv);
int cli_analyze(int argc, char **argv);
int cli_suite(int argc, char **argv);
int cli_ps(int argc, char **argv);
int cli_shell(int argc, char **argv);
int cli_inject(int argc, char **argv);
int cli_clean(int argc, char **argv);
int cli_image(int argc, char **argv);

/* The output options every verb that starts a run (run, replay) takes, for its getopt_long
 * table: --out DIR ('o', where the run directory goes), --quiet ('q'), --share ('S'). */
/* clang-format off */
#define CLI_RUN_OUTPUT_LONGOPTS                                                                       \
	{"out", required_argument, NULL, 'o'},                                                     \
	{"quiet", no_argument, NULL, 'q'},                                                         \
	{"share", no_argument, NULL, 'S'}
/* clang-format on */
/* Sets o's field for one of those options; 1 when ch was one of them, 0 otherwise. */
int cli_run_output_opt(int ch, const char *arg, struct run_opts *o);

/* One run (run, replay, suite): plans into its directory, runs it, and says on stderr / stdout
 * what went wrong (scenario errors, the seed when drawn, the environment error) and where the
 * run directory is. Returns the exit code. */
int cli_run_one(struct run_opts *o);

/* Prints "usage: faultlab <verb> <usage>" and the verb's options to stderr and returns
 * FL_EXIT_INVALID. */
int cli_usage(const char *verb);

#endif
