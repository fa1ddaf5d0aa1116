/* faultlab: the verb table and nothing else. */
#include "orchestrator/cli/cli.h"

#include "common/log.h"

#include <stdio.h>
#include <string.h>

static const struct cli_verb verbs[] = {
    {"run", cli_run,
     "SCENARIO.yaml [--seed N] [--runtime netns|docker] [--out DIR] [--keep] [--quiet]",
     "deploy, drive, fault and judge a scenario"},
    {"validate", cli_validate, "SCENARIO.yaml...", "parse and check scenarios"},
    {"plan", cli_plan, "SCENARIO.yaml [--seed N]", "print the expanded, seeded plan.json"},
    {"replay", cli_replay, "RUN_DIR [--pause-before EVENT] [--only NODE,...]",
     "re-run a saved plan with its seed"},
    {"analyze", cli_analyze, "RUN_DIR | --logs DIR [--format nwaku|go-waku|labnode]",
     "recompute the report from a run directory, or analyze fleet logs"},
    {"suite", cli_suite, "DIR|FILE... [--junit FILE]", "run many scenarios, one JUnit file"},
    {"ps", cli_ps, "[--all]", "runs alive on this host"},
    {"shell", cli_shell, "RUN NODE [CMD...]", "a shell inside a live node's namespaces"},
    {"inject", cli_inject, "RUN NODE FAULT-SPEC",
     "apply a fault to a live run by hand, e.g. '{netem: {delay: 200ms}, for: 30s}'"},
    {"clean", cli_clean, "[--run ID | --all]", "remove every leftover of crashed runs"},
    {"doctor", cli_doctor, "[--json]", "what this host can do, and the fallbacks"},
    {NULL, NULL, NULL, NULL},
};

static void usage_all(FILE *f)
{
	fprintf(f, "faultlab %s — a fault-injection lab for messaging reliability\n\nusage:\n",
		FL_VERSION);
	for (const struct cli_verb *v = verbs; v->name; v++)
		fprintf(f, "  faultlab %s %s\n      %s\n", v->name, v->usage, v->help);
}

int cli_usage(const char *verb)
{
	for (const struct cli_verb *v = verbs; v->name; v++) {
		if (strcmp(v->name, verb) == 0) {
			fprintf(stderr, "usage: faultlab %s %s\n", v->name, v->usage);
			return FL_EXIT_INVALID;
		}
	}
	usage_all(stderr);
	return FL_EXIT_INVALID;
}

int main(int argc, char **argv)
{
	log_init("faultlab", LOG_INFO, LOG_TEXT);
	if (argc < 2) {
		usage_all(stderr);
		return FL_EXIT_INVALID;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("faultlab %s\n", FL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage_all(stdout);
		return 0;
	}
	for (const struct cli_verb *v = verbs; v->name; v++)
		if (strcmp(v->name, argv[1]) == 0)
			return v->run(argc - 1, argv + 1);
	fprintf(stderr, "faultlab: unknown verb \"%s\"\n", argv[1]);
	usage_all(stderr);
	return FL_EXIT_INVALID;
}
