/* A suite's history across nights: every `faultlab suite --history DIR` adds one record,
 * DIR/suite-<UTC>.json ({started_at, wall_s, scenarios: [{scenario, outcome, attempts, exit,
 * seed, run_dir}]}), then rewrites DIR/history.md and DIR/history.html from all the records:
 * one row per scenario, one column per suite run (the latest HISTORY_COLS), and the counts of
 * pass / flaky / fail / error over every recorded run. */
#include "orchestrator/cli/suite.h"
#include "orchestrator/render/render.h"

#include "common/cleanup.h"
#include "common/safefile.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { HISTORY_COLS = 14, HISTORY_MAX = 400 };

struct history {
	json_t *runs[HISTORY_MAX]; /* oldest first */
	size_t n;
	const char **names; /* every scenario seen, sorted */
	size_t n_names;
};

static int history_record(const char *dir, const struct suite_entry *v, size_t n, time_t started,
			  struct fl_error *err)
{
	char stamp[32], path[4200];
	json_t *list = json_array(), *rec;
	double wall = 0;
	int rc;

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
	for (size_t i = 0; i < n; i++) {
		const struct suite_entry *e = &v[i];
		const struct suite_attempt *last = &e->at[e->n_at - 1];
		char seed[24];

		wall += e->wall_s;
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)last->seed);
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:I,s:i,s:s,s:s}", "scenario", e->scenario, "outcome",
				    suite_outcome_name(suite_outcome_of(e)), "attempts",
				    (json_int_t)e->n_at, "exit", last->rc, "seed", seed, "run_dir",
				    last->run_dir));
	}
	rec = json_pack("{s:s,s:f,s:o}", "started_at", stamp, "wall_s", wall, "scenarios", list);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&started));
	snprintf(path, sizeof(path), "%.4000s/suite-%s.json", dir, stamp);
	{
		cleanup_free char *text = json_dumps(rec, JSON_INDENT(2));
		FILE *f = safefile_fopen(path, "w", err);

		json_decref(rec);
		if (!f)
			return -1;
		fputs(text, f);
		fputc('\n', f);
		rc = fclose(f);
	}
	if (rc != 0)
		return fl_err_errno(err, "write %s", path);
	return 0;
}

static int history_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int history_file_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void history_add_name(struct history *h, const char *name)
{
	for (size_t i = 0; i < h->n_names; i++)
		if (!strcmp(h->names[i], name))
			return;
	h->names = fl_xreallocarray(h->names, h->n_names + 1, sizeof(*h->names));
	h->names[h->n_names++] = name;
}

/* Loads the latest HISTORY_MAX records of DIR, oldest first. */
static int history_load(const char *dir, struct history *h, struct fl_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **files = NULL;
	size_t nf = 0, first;

	if (!d)
		return fl_err_errno(err, "open %s", dir);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "suite-", 6) || len < 11 ||
		    strcmp(de->d_name + len - 5, ".json"))
			continue;
		files = fl_xreallocarray(files, nf + 1, sizeof(*files));
		files[nf++] = fl_xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(files, nf, sizeof(*files), history_file_cmp);
	first = nf > HISTORY_MAX ? nf - HISTORY_MAX : 0;
	for (size_t i = 0; i < nf; i++) {
		json_t *rec = i >= first ? json_load_file(files[i], 0, NULL) : NULL;
		json_t *list = json_object_get(rec, "scenarios"), *s;
		size_t k;

		free(files[i]);
		if (!json_is_array(list)) {
			json_decref(rec); /* not a record of ours: left alone, not shown */
			continue;
		}
		h->runs[h->n++] = rec;
		json_array_foreach(list, k, s) {
			const char *name = json_string_value(json_object_get(s, "scenario"));

			if (name)
				history_add_name(h, name);
		}
	}
	free(files);
	qsort(h->names, h->n_names, sizeof(*h->names), history_name_cmp);
	return 0;
}

/* The outcome of scenario `name` in record r, or NULL when it was not in that run. */
static const char *history_cell(json_t *r, const char *name)
{
	json_t *list = json_object_get(r, "scenarios"), *s;
	size_t k;

	json_array_foreach(list, k, s) {
		const char *n = json_string_value(json_object_get(s, "scenario"));

		if (n && !strcmp(n, name))
			return json_string_value(json_object_get(s, "outcome"));
	}
	return NULL;
}

static void history_counts(const struct history *h, const char *name, size_t c[4])
{
	static const char *const kinds[] = {"pass", "flaky", "fail", "error"};

	memset(c, 0, 4 * sizeof(*c));
	for (size_t r = 0; r < h->n; r++) {
		const char *o = history_cell(h->runs[r], name);

		for (size_t k = 0; o && k < 4; k++)
			c[k] += !strcmp(o, kinds[k]);
	}
}

static const char *history_date(json_t *r)
{
	const char *s = json_string_value(json_object_get(r, "started_at"));

	return s ? s : "?";
}

static void history_md(FILE *f, const struct history *h)
{
	size_t first = h->n > HISTORY_COLS ? h->n - HISTORY_COLS : 0;

	fprintf(f,
		"# faultlab suite history\n\n%zu suite runs recorded; the latest %zu shown, "
		"counts over all.\n\n| scenario |",
		h->n, h->n - first);
	for (size_t r = first; r < h->n; r++)
		fprintf(f, " %s |", history_date(h->runs[r]));
	fputs(" pass | flaky | fail | error |\n|---|", f);
	for (size_t r = first; r < h->n; r++)
		fputs("---|", f);
	fputs("---|---|---|---|\n", f);
	for (size_t i = 0; i < h->n_names; i++) {
		size_t c[4];

		fprintf(f, "| %s |", h->names[i]);
		for (size_t r = first; r < h->n; r++) {
			const char *o = history_cell(h->runs[r], h->names[i]);

			fprintf(f, " %s%s%s |", o && strcmp(o, "pass") ? "**" : "", o ? o : "—",
				o && strcmp(o, "pass") ? "**" : "");
		}
		history_counts(h, h->names[i], c);
		fprintf(f, " %zu | %zu | %zu | %zu |\n", c[0], c[1], c[2], c[3]);
	}
}

static void history_html(FILE *f, const struct history *h)
{
	size_t first = h->n > 2 * HISTORY_COLS ? h->n - 2 * HISTORY_COLS : 0;

	fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>faultlab suite "
	      "history</title><style>body{font:14px sans-serif;margin:2em}table{border-collapse:"
	      "collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:center}"
	      "td.n{text-align:left}.pass{background:#cfc}.flaky{background:#ffd27f}"
	      ".fail{background:#f99}.error,.interrupted{background:#ccc}</style></head><body>\n"
	      "<h1>faultlab suite history</h1>\n<table><tr><th>scenario</th>",
	      f);
	for (size_t r = first; r < h->n; r++) {
		fputs("<th>", f);
		render_xml_escape(f, history_date(h->runs[r]));
		fputs("</th>", f);
	}
	fputs("<th>pass</th><th>flaky</th><th>fail</th><th>error</th></tr>\n", f);
	for (size_t i = 0; i < h->n_names; i++) {
		size_t c[4];

		fputs("<tr><td class=\"n\">", f);
		render_xml_escape(f, h->names[i]);
		fputs("</td>", f);
		for (size_t r = first; r < h->n; r++) {
			const char *o = history_cell(h->runs[r], h->names[i]);

			fprintf(f, "<td class=\"%s\">", o ? o : "none");
			render_xml_escape(f, o ? o : "—");
			fputs("</td>", f);
		}
		history_counts(h, h->names[i], c);
		fprintf(f, "<td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td></tr>\n", c[0], c[1],
			c[2], c[3]);
	}
	fputs("</table>\n</body></html>\n", f);
}

static int history_write(const char *dir, const char *name, const struct history *h,
			 void (*write)(FILE *, const struct history *), struct fl_error *err)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%.4000s/%s", dir, name);
	if (!(f = safefile_fopen(path, "w", err)))
		return -1;
	write(f, h);
	if (fclose(f) != 0)
		return fl_err_errno(err, "write %s", path);
	return 0;
}

int suite_history_update(const char *dir, const struct suite_entry *v, size_t n, time_t started,
			 struct fl_error *err)
{
	struct history h = {0};
	int rc;

	if (safefile_mkdir(dir, SAFEFILE_MKDIR, 0755, err) < 0 ||
	    history_record(dir, v, n, started, err) < 0 || history_load(dir, &h, err) < 0)
		return -1;
	rc = history_write(dir, "history.md", &h, history_md, err);
	if (rc == 0)
		rc = history_write(dir, "history.html", &h, history_html, err);
	for (size_t i = 0; i < h.n; i++)
		json_decref(h.runs[i]);
	free(h.names);
	return rc;
}
