/* faultlab suite DIR|FILE... [--junit FILE] [--seed N] [--runtime R] [--out DIR]
 *
 * Runs scenarios one after another (a DIR contributes its *.yaml in name order) and writes one
 * JUnit file with one <testsuite> per scenario, taken from each run's junit.xml (the
 * analyzer's). A scenario that could not run (exit 2, 3) becomes a testsuite with one errored
 * testcase. Exit code: the worst of the runs (4 stops the suite at once). */
#include "orchestrator/cli/cli.h"
#include "common/xalloc.h"
#include "orchestrator/run/run.h"
#include "orchestrator/run/rundir.h"

#include "common/cleanup.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static void suite_xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

/* Copies the <testsuite> elements of a run's junit.xml (without its XML declaration and
 * <testsuites> wrapper). 0 when at least one was found. */
static int suite_copy_junit(FILE *out, const char *run_dir)
{
	char path[4200];
	struct fl_error err;
	cleanup_free char *x = NULL;
	char *a, *b;

	snprintf(path, sizeof(path), "%.4000s/junit.xml", run_dir);
	x = rundir_read(path, NULL, &err);
	if (!x || !(a = strstr(x, "<testsuite ")) || !(b = strstr(a, "</testsuite>")))
		return -1;
	for (char *last; (last = strstr(b + 1, "</testsuite>"));)
		b = last;
	fprintf(out, "  %.*s\n", (int)(b + strlen("</testsuite>") - a), a);
	return 0;
}

static void suite_error_case(FILE *out, const char *scenario, int rc)
{
	fputs("  <testsuite name=\"", out);
	suite_xml_escape(out, scenario);
	fprintf(out,
		"\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase name=\"run\" "
		"classname=\"faultlab\"><error message=\"faultlab run exited %d (%s)\"/>"
		"</testcase>\n  </testsuite>\n",
		rc,
		rc == 2	  ? "invalid scenario"
		: rc == 4 ? "interrupted"
			  : "environment");
}

static int suite_run_all(struct suite_list *l, FILE *junit, struct run_opts *base)
{
	int worst = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct run_opts o = *base;
		int rc;

		o.scenario_path = l->v[i];
		fprintf(stderr, "faultlab suite: [%zu/%zu] %s\n", i + 1, l->n, l->v[i]);
		rc = cli_run_one(&o);
		if (junit && (rc > 1 || suite_copy_junit(junit, o.run_dir) < 0))
			suite_error_case(junit, l->v[i], rc);
		fprintf(stderr, "faultlab suite: %s → exit %d\n", l->v[i], rc);
		if (rc > worst)
			worst = rc;
		if (rc == FL_EXIT_INTERRUPTED)
			break;
	}
	return worst;
}

int cli_suite(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"junit", required_argument, NULL, 'j'},
	    {"seed", required_argument, NULL, 's'},
	    {"runtime", required_argument, NULL, 'r'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct run_opts base = {.quiet = 1};
	struct suite_list l = {0};
	const char *junit_path = NULL;
	cleanup_fclose FILE *junit = NULL;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "j:s:r:o:", longopts, NULL)) != -1) {
		if (ch == 'o')
			base.runs_dir = optarg;
		else if (ch == 'j')
			junit_path = optarg;
		else if (ch == 's')
			base.seed = strtoull(optarg, NULL, 10), base.has_seed = 1;
		else if (ch == 'r')
			base.runtime = optarg;
		else
			return cli_usage("suite");
	}
	for (int i = optind; i < argc; i++)
		suite_collect(&l, argv[i]);
	if (l.n == 0)
		return cli_usage("suite");
	if (junit_path && !(junit = fopen(junit_path, "w"))) {
		perror(junit_path);
		return FL_EXIT_ENV;
	}
	if (junit)
		fputs(
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"faultlab\">\n",
		    junit);
	rc = suite_run_all(&l, junit, &base);
	if (junit)
		fputs("</testsuites>\n", junit);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return rc;
}
