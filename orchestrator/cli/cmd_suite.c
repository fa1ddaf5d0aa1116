/* faultlab suite DIR|FILE... [--junit FILE] [--reruns N] [--history DIR] [--summary FILE]
 *                             [--seed N] [--runtime R] [--out DIR]
 *
 * Runs scenarios one after another (a DIR contributes its *.yaml in name order), reruns the
 * ones that fail (suite.h), and writes one JUnit file (suite_junit.c), a Markdown summary and
 * the history (suite_history.c). Exit code: the worst of the last attempts (4 stops the suite
 * at once; a flaky scenario counts as passed). */
#include "orchestrator/cli/suite.h"
#include "orchestrator/cli/cli.h"
#include "common/fltime.h"
#include "common/xalloc.h"
#include "orchestrator/run/run.h"
#include "orchestrator/run/rundir.h"

#include "common/cleanup.h"

#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct suite_list {
	char **v;
	size_t n, cap;
};

static void suite_push(struct suite_list *l, const char *path)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap * 2 + 8;
		l->v = fl_xreallocarray(l->v, l->cap, sizeof(char *));
	}
	l->v[l->n++] = fl_xstrdup(path);
}

static int suite_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void suite_collect(struct suite_list *l, const char *arg)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	size_t first = l->n;

	if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode)) {
		suite_push(l, arg);
		return;
	}
	d = opendir(arg);
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char path[4096];

		if (len < 6 ||
		    (strcmp(e->d_name + len - 5, ".yaml") && strcmp(e->d_name + len - 4, ".yml")))
			continue;
		snprintf(path, sizeof(path), "%.2000s/%.2000s", arg, e->d_name);
		suite_push(l, path);
	}
	if (d)
		closedir(d);
	qsort(l->v + first, l->n - first, sizeof(char *), suite_cmp);
}

static int suite_cli_runner(struct run_opts *o, void *ctx)
{
	(void)ctx;
	return cli_run_one(o);
}

static size_t suite_run_all(struct suite_list *l, struct suite_entry *v, struct run_opts *base,
			    int reruns)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct suite_entry *e = &v[i];
		double t0 = fltime_mono_ms();
		int rc;

		e->scenario = l->v[i];
		fprintf(stderr, "faultlab suite: [%zu/%zu] %s\n", i + 1, l->n, l->v[i]);
		rc = suite_run_entry(e, base, reruns, suite_cli_runner, NULL);
		e->wall_s = (fltime_mono_ms() - t0) / 1000.0;
		fprintf(stderr, "faultlab suite: %s → %s (exit %d, %zu attempt%s)\n", l->v[i],
			suite_outcome_name(suite_outcome_of(e)), rc, e->n_at,
			e->n_at == 1 ? "" : "s");
		if (rc == FL_EXIT_INTERRUPTED)
			return i + 1;
	}
	return i;
}

static int suite_write(const char *path, const struct suite_entry *v, size_t n, int junit)
{
	cleanup_fclose FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return -1;
	}
	if (!junit) {
		suite_summary_md(f, v, n);
		return 0;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"faultlab\">\n", f);
	for (size_t i = 0; i < n; i++)
		suite_junit_entry(f, &v[i]);
	fputs("</testsuites>\n", f);
	return 0;
}

int cli_suite(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"junit", required_argument, NULL, 'j'},   {"seed", required_argument, NULL, 's'},
	    {"runtime", required_argument, NULL, 'r'}, {"out", required_argument, NULL, 'o'},
	    {"reruns", required_argument, NULL, 'R'},  {"history", required_argument, NULL, 'H'},
	    {"summary", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0},
	};
	struct run_opts base = {.quiet = 1};
	struct suite_list l = {0};
	const char *junit_path = NULL, *history = NULL, *summary = NULL;
	struct suite_entry *v;
	size_t n;
	time_t started = time(NULL);
	int ch, rc, reruns = 0;
	char *end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "j:s:r:o:R:H:m:", longopts, NULL)) != -1) {
		if (ch == 'o')
			base.runs_dir = optarg;
		else if (ch == 'j')
			junit_path = optarg;
		else if (ch == 's')
			base.seed = strtoull(optarg, NULL, 10), base.has_seed = 1;
		else if (ch == 'r')
			base.runtime = optarg;
		else if (ch == 'H')
			history = optarg;
		else if (ch == 'm')
			summary = optarg;
		else if (ch == 'R' && (reruns = (int)strtol(optarg, &end, 10)) >= 0 &&
			 reruns <= 20 && !*end && end != optarg)
			continue;
		else {
			if (ch == 'R')
				fprintf(stderr,
					"faultlab suite: --reruns takes 0 to 20, not '%s'\n",
					optarg);
			return cli_usage("suite");
		}
	}
	for (int i = optind; i < argc; i++)
		suite_collect(&l, argv[i]);
	if (l.n == 0)
		return cli_usage("suite");
	v = fl_xcalloc(l.n, sizeof(*v));
	n = suite_run_all(&l, v, &base, reruns);
	rc = suite_exit_code(v, n);
	if (junit_path && suite_write(junit_path, v, n, 1) < 0 && rc < FL_EXIT_ENV)
		rc = FL_EXIT_ENV;
	if (summary && suite_write(summary, v, n, 0) < 0 && rc < FL_EXIT_ENV)
		rc = FL_EXIT_ENV;
	if (history) {
		struct fl_error err = {0};

		if (suite_history_update(history, v, n, started, &err) < 0) {
			fprintf(stderr, "faultlab suite: history %s: %s\n", history, err.msg);
			if (rc < FL_EXIT_ENV)
				rc = FL_EXIT_ENV;
		}
	}
	suite_summary_md(stderr, v, n);
	for (size_t i = 0; i < n; i++)
		free(v[i].at);
	free(v);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return rc;
}
