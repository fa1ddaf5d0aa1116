/* faultlab: the verb table and nothing else. Each verb's usage, options and example live in
 * its entry, so `faultlab VERB --help` and the usage printed on a bad argument say the same. */
#include "orchestrator/cli/cli.h"

#include "common/log.h"

#include <stdio.h>
#include <string.h>

#define OPTS(...) ((const struct cli_opt[]){__VA_ARGS__, {NULL, NULL}})

static const struct cli_verb verbs[] = {
    {"run", cli_run, "SCENARIO.yaml [options]", "deploy, drive, fault and judge a scenario",
     OPTS({"--seed N", "the timeline's seed (overrides the scenario's)"},
	  {"--runtime netns|docker", "network namespaces (default) or Docker containers"},
	  {"--out DIR", "the run directory (default reports/runs/<name>-<UTC>-<seed>[-N]); as "
			"root it and every directory above it must be root's, no links"},
	  {"--keep", "keep the nodes after the timeline, for shell and inject, until SIGTERM"},
	  {"--quiet", "no progress line"},
	  {"--share", "artefacts readable by other users (umask 022; default 077: 0700/0600)"},
	  {"--telemetry", "as the scenario's telemetry: on: a status-telemetry collector in the "
			  "lab, labnodes push to it (telemetry.db)"}),
     "faultlab run scenarios/smoke.yaml --seed 7"},
    {"validate", cli_validate, "SCENARIO.yaml...", "parse and check scenarios", OPTS({NULL, NULL}),
     "faultlab validate scenarios/*.yaml"},
    {"plan", cli_plan, "SCENARIO.yaml [--seed N]", "print the expanded, seeded plan.json",
     OPTS({"--seed N", "the timeline's seed (overrides the scenario's)"}),
     "faultlab plan scenarios/smoke.yaml --seed 7 > plan.json"},
    {"replay", cli_replay, "RUN_DIR [options]", "re-run a saved plan with its seed",
     OPTS({"--pause-before EVENT", "freeze the lab and the timeline before that event id; Enter "
				   "resumes; the pause is left out of every figure"},
	  {"--keep-running NODE,...", "nodes not frozen during the pause (to use from a shell)"},
	  {"--only NODE,...", "keep only the traffic between, and faults on, these nodes"},
	  {"--out DIR", "the new run directory"}, {"--quiet", "no progress line"},
	  {"--share", "as for run"}),
     "faultlab replay reports/runs/<run> --pause-before e12"},
    {"analyze", cli_analyze, "RUN_DIR [options] | --logs DIR [options]",
     "recompute the report from a run directory, or analyze fleet logs",
     OPTS({"--out DIR", "write the reports there instead of RUN_DIR (--logs: FILE or DIR)"},
	  {"--logs DIR", "follow message hashes through a folder of node logs"},
	  {"--format FORMAT", "the logs' format: nwaku, nwaku-json, go-waku, go-waku-json, "
			      "labnode, status-go (default: detected per line)"},
	  {"--no-html", "skip report.html"}, {"--no-traces", "do not read fleet traces"},
	  {"--quiet", "no summary on stdout"}),
     "faultlab analyze reports/runs/<run>"},
    {"suite", cli_suite, "DIR|FILE... [options]", "run many scenarios, one JUnit file",
     OPTS({"--junit FILE", "write one JUnit file with a testsuite per scenario"},
	  {"--reruns N",
	   "run a failing scenario up to N more times (same seed): flaky if one passes"},
	  {"--history DIR", "record this suite run in DIR and rewrite DIR/history.md and .html"},
	  {"--summary FILE", "write the suite's Markdown summary there"},
	  {"--seed N", "the seed of every run"}, {"--runtime netns|docker", "as for run"},
	  {"--out DIR", "put the runs' directories there (default reports/runs)"}),
     "faultlab suite scenarios/ --reruns 2 --junit nightly.xml --history nightly-history"},
    {"ps", cli_ps, "[--all]", "runs alive on this host",
     OPTS({"--all", "dead runs' leftovers too"}), "faultlab ps"},
    {"shell", cli_shell, "RUN NODE|@SITE [CMD...]", "a shell inside a live node's namespaces",
     OPTS({NULL, NULL}), "faultlab shell smoke alice ip addr"},
    {"inject", cli_inject, "RUN NODE FAULT-SPEC", "apply a fault to a live run by hand",
     OPTS({NULL, NULL}), "faultlab inject 3f2a9c alice '{netem: {delay: 200ms}, for: 30s}'"},
    {"clean", cli_clean, "[--run ID | --all]", "remove every leftover of crashed runs",
     OPTS({"--run ID", "only this run's leftovers (a live run is refused)"},
	  {"--all", "every dead run's leftovers (the default)"}),
     "faultlab clean"},
    {"image", cli_image, "build [NAME...] | ls | rm [NAME...]",
     "the Docker images faultlab ships: build them, list them, remove them",
     OPTS({"build [NAME...]", "build (or rebuild) labnode's image from this build, no registry"},
	  {"ls", "each shipped image: current, stale (other inputs) or missing"},
	  {"rm [NAME...]", "remove them"}),
     "faultlab image build labnode"},
    {"doctor", cli_doctor, "[--json]", "what this host can do, and the fallbacks",
     OPTS({"--json", "machine-readable output"}), "faultlab doctor"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct cli_verb *verb_find(const char *name)
{
	for (const struct cli_verb *v = verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

static void usage_all(FILE *f)
{
	fprintf(f, "faultlab %s — a fault-injection lab for messaging reliability\n\nusage:\n",
		FL_VERSION);
	for (const struct cli_verb *v = verbs; v->name; v++)
		fprintf(f, "  faultlab %s %s\n      %s\n", v->name, v->usage, v->help);
	fprintf(f, "\n`faultlab VERB --help` for a verb's options; man faultlab for the rest.\n");
}

static void usage_verb(FILE *f, const struct cli_verb *v, int full)
{
	fprintf(f, "usage: faultlab %s %s\n", v->name, v->usage);
	if (full)
		fprintf(f, "%s\n", v->help);
	if (v->opts[0].flag)
		fprintf(f, "%soptions:\n", full ? "\n" : "");
	for (const struct cli_opt *o = v->opts; o->flag; o++)
		fprintf(f, "  %-32s %s\n", o->flag, o->help);
	if (full)
		fprintf(f, "\nexample:\n  %s\n", v->example);
}

int cli_usage(const char *verb)
{
	const struct cli_verb *v = verb_find(verb);

	if (v)
		usage_verb(stderr, v, 0);
	else
		usage_all(stderr);
	return FL_EXIT_INVALID;
}

/* `--help` or `-h` among a verb's arguments; shell's command after RUN NODE keeps its own. */
static int wants_help(const struct cli_verb *v, int argc, char **argv)
{
	int last = v->run == cli_shell ? (argc > 2 ? 2 : argc - 1) : argc - 1;

	for (int i = 2; i <= last; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const struct cli_verb *v;

	log_init("faultlab", LOG_INFO, LOG_TEXT);
	if (argc < 2) {
		usage_all(stderr);
		return FL_EXIT_INVALID;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("faultlab %s\n", FL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		v = argc > 2 ? verb_find(argv[2]) : NULL;
		if (v)
			usage_verb(stdout, v, 1);
		else
			usage_all(stdout);
		return 0;
	}
	v = verb_find(argv[1]);
	if (!v) {
		fprintf(stderr, "faultlab: unknown verb \"%s\"\n", argv[1]);
		usage_all(stderr);
		return FL_EXIT_INVALID;
	}
	if (wants_help(v, argc, argv)) {
		usage_verb(stdout, v, 1);
		return 0;
	}
	return v->run(argc - 1, argv + 1);
}
