/* A replay against its original (replay_compare.h): verdicts, the lost sets' overlap and the
 * figures side by side; and the report's parts for a replay's pauses and comparison. */
#include "orchestrator/analyze/replay_compare.h"

#include "common/xalloc.h"
#include "orchestrator/render/jsonw.h"
#include "orchestrator/render/render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One run's figures, named so that a replay's and its original's pair up. */
struct replay_fig {
	struct replay_cmp_metric *v;
	size_t n, cap;
};

static void replay_fig_add(struct replay_fig *f, const char *name, double val, int ok)
{
	struct replay_cmp_metric *m;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 32;
		f->v = fl_xreallocarray(f->v, f->cap, sizeof(*f->v));
	}
	m = &f->v[f->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->replay = val;
	m->replay_ok = ok;
}

static void replay_figures(const struct analyze_run *run, struct replay_fig *f)
{
	const struct analyze_stats *t = &run->totals;
	char name[sizeof(f->v->name)];

	replay_fig_add(f, "sent", (double)t->sent, -1);
	replay_fig_add(f, "delivered", (double)t->delivered, -1);
	replay_fig_add(f, "lost", (double)t->lost, -1);
	replay_fig_add(f, "failed", (double)t->failed, -1);
	replay_fig_add(f, "duplicates", (double)t->duplicates, -1);
	replay_fig_add(f, "reordered", (double)t->reordered, -1);
	replay_fig_add(f, "p50_ms", t->p50, -1);
	replay_fig_add(f, "p95_ms", t->p95, -1);
	replay_fig_add(f, "p99_ms", t->p99, -1);
	replay_fig_add(f, "max_ms", t->max, -1);
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_fault *ft = &run->faults[i];
		const char *fn = ft->name ? ft->name : ft->id;

		snprintf(name, sizeof(name), "recovery_ms{fault=%s}", fn ? fn : "?");
		replay_fig_add(f, name, ft->recovery_ms, -1);
		snprintf(name, sizeof(name), "lost_during{fault=%s}", fn ? fn : "?");
		replay_fig_add(f, name, (double)ft->lost_during, -1);
	}
	for (size_t i = 0; i < run->n_expects; i++) {
		char e[sizeof(name) - 8];

		render_expect_name(&run->expects[i], e, sizeof(e));
		snprintf(name, sizeof(name), "expect %s", e);
		replay_fig_add(f, name, run->expects[i].actual, run->expects[i].ok);
	}
}

static int replay_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lost deliveries as sorted "message>receiver" keys (malloc'd, one block each). */
static char **replay_lost(const struct analyze_run *run, size_t *n)
{
	char **v = fl_xcalloc(run->n_dels + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];

		if (d->status != ANALYZE_LOST)
			continue;
		v[(*n)++] = fl_xasprintf("%s>%s", run->msgs[d->msg].id ? run->msgs[d->msg].id : "?",
					 analyze_node_name(run, d->to) ?: "?");
	}
	qsort(v, *n, sizeof(*v), replay_strcmp);
	return v;
}

static void replay_lost_overlap(struct replay_cmp *c, const struct analyze_run *replay,
				const struct analyze_run *orig)
{
	size_t na, nb, i = 0, j = 0;
	char **a = replay_lost(orig, &na), **b = replay_lost(replay, &nb);

	while (i < na && j < nb) {
		int d = strcmp(a[i], b[j]);

		c->lost_both += d == 0;
		i += d <= 0;
		j += d >= 0;
	}
	c->lost_orig = na;
	c->lost_replay = nb;
	c->lost_union = na + nb - c->lost_both;
	c->jaccard = c->lost_union ? (double)c->lost_both / (double)c->lost_union : 1.0;
	for (i = 0; i < na; i++)
		free(a[i]);
	for (j = 0; j < nb; j++)
		free(b[j]);
	free(a);
	free(b);
}

struct replay_cmp *replay_compare(const struct analyze_run *replay, const struct analyze_run *orig)
{
	struct replay_cmp *c = fl_xcalloc(1, sizeof(*c));
	struct replay_fig fr = {0}, fo = {0};

	c->orig_verdict_ok = orig->verdict_ok;
	c->replay_verdict_ok = replay->verdict_ok;
	c->same_verdict = !orig->verdict_ok == !replay->verdict_ok;
	replay_lost_overlap(c, replay, orig);
	replay_figures(replay, &fr);
	replay_figures(orig, &fo);
	for (size_t i = 0; i < fr.n; i++) {
		fr.v[i].orig = NAN;
		fr.v[i].orig_ok = -1;
		for (size_t k = 0; k < fo.n; k++) {
			size_t j = (i + k) % fo.n; /* the same plan: usually at the same place */

			if (strcmp(fo.v[j].name, fr.v[i].name) == 0) {
				fr.v[i].orig = fo.v[j].replay;
				fr.v[i].orig_ok = fo.v[j].replay_ok;
				break;
			}
		}
	}
	free(fo.v);
	c->metrics = fr.v;
	c->n_metrics = fr.n;
	return c;
}

void replay_compare_free(struct replay_cmp *c)
{
	if (!c)
		return;
	free(c->metrics);
	free(c);
}

void replay_compare_run(struct analyze_run *run)
{
	struct analyze_opts o = {.no_html = 1, .no_traces = 1, .quiet = 1};
	struct fl_error err = {0};
	struct analyze_run *orig;

	if (!run->replay_of || run->cmp)
		return;
	orig = analyze_load(run->replay_of, &o, &err);
	if (orig) {
		run->cmp = replay_compare(run, orig);
		analyze_free(orig);
	} else {
		run->cmp = fl_xcalloc(1, sizeof(*run->cmp));
		snprintf(run->cmp->error, sizeof(run->cmp->error), "%s", err.msg);
	}
	snprintf(run->cmp->of, sizeof(run->cmp->of), "%s", run->replay_of);
}

static void replay_json_pauses(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "pauses");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_pauses; i++) {
		const struct analyze_pause *p = &run->pauses[i];
		const char *k = p->kept_running ? p->kept_running : "";

		jsonw_obj(w, 1);
		jsonw_kstr(w, "event", p->event);
		jsonw_knum(w, "at_ms", p->at_ms);
		jsonw_knum(w, "duration_ms", p->duration_ms);
		jsonw_ku64(w, "frozen", p->frozen);
		jsonw_key(w, "kept_running");
		jsonw_arr(w, 1);
		while (*k) {
			size_t n = strcspn(k, ",");

			jsonw_strn(w, k, n);
			k += n + (k[n] == ',');
		}
		jsonw_arr_end(w);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void replay_json_ok(struct jsonw *w, const char *key, int ok)
{
	jsonw_key(w, key);
	if (ok < 0)
		jsonw_null(w);
	else
		jsonw_bool(w, ok);
}

void replay_compare_json(struct jsonw *w, const struct analyze_run *run)
{
	const struct replay_cmp *c = run->cmp;

	replay_json_pauses(w, run);
	jsonw_key(w, "replay");
	if (!c) {
		jsonw_null(w);
		return;
	}
	jsonw_obj(w, 0);
	jsonw_kstr(w, "of", c->of);
	jsonw_kstr(w, "error", c->error[0] ? c->error : NULL);
	if (!c->error[0]) {
		jsonw_kstr(w, "original_verdict", c->orig_verdict_ok ? "pass" : "fail");
		jsonw_kstr(w, "verdict", c->replay_verdict_ok ? "pass" : "fail");
		jsonw_key(w, "same_verdict");
		jsonw_bool(w, c->same_verdict);
		jsonw_key(w, "lost");
		jsonw_obj(w, 1);
		jsonw_ku64(w, "original", c->lost_orig);
		jsonw_ku64(w, "replay", c->lost_replay);
		jsonw_ku64(w, "both", c->lost_both);
		jsonw_ku64(w, "union", c->lost_union);
		jsonw_knum(w, "jaccard", c->jaccard);
		jsonw_obj_end(w);
		jsonw_key(w, "metrics");
		jsonw_arr(w, 0);
		for (size_t i = 0; i < c->n_metrics; i++) {
			const struct replay_cmp_metric *m = &c->metrics[i];

			jsonw_obj(w, 1);
			jsonw_kstr(w, "name", m->name);
			jsonw_knum(w, "original", m->orig);
			jsonw_knum(w, "replay", m->replay);
			replay_json_ok(w, "original_ok", m->orig_ok);
			replay_json_ok(w, "replay_ok", m->replay_ok);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
	}
	jsonw_obj_end(w);
}

static const char *replay_fmt(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "—");
	else
		snprintf(buf, len, "%.6g", v);
	return buf;
}

void replay_compare_md(FILE *f, const struct analyze_run *run)
{
	const struct replay_cmp *c = run->cmp;
	char a[32], b[32];

	for (size_t i = 0; i < run->n_pauses; i++)
		fprintf(f,
			"Paused %.1f s before %s (at %.1f s; %zu node(s) frozen%s%s): left out of "
			"every figure.\n\n",
			run->pauses[i].duration_ms / 1000.0,
			run->pauses[i].event ? run->pauses[i].event : "?",
			run->pauses[i].at_ms / 1000.0, run->pauses[i].frozen,
			run->pauses[i].kept_running[0] ? ", kept running: " : "",
			run->pauses[i].kept_running);
	if (!c)
		return;
	if (c->error[0]) {
		fprintf(f, "Replay of `%s`: the original could not be read (%s).\n\n", c->of,
			c->error);
		return;
	}
	fprintf(f,
		"Replay of `%s`: verdict %s (original %s, replay %s); lost deliveries %zu → %zu, "
		"%zu in both, overlap %.2f (|A∩B|/|A∪B|).\n\n",
		c->of, c->same_verdict ? "reproduced" : "**differs**",
		c->orig_verdict_ok ? "pass" : "fail", c->replay_verdict_ok ? "pass" : "fail",
		c->lost_orig, c->lost_replay, c->lost_both, c->jaccard);
	fprintf(f, "| figure | original | replay |\n|---|---|---|\n");
	for (size_t i = 0; i < c->n_metrics; i++)
		fprintf(f, "| %s | %s | %s |\n", c->metrics[i].name,
			replay_fmt(c->metrics[i].orig, a, sizeof(a)),
			replay_fmt(c->metrics[i].replay, b, sizeof(b)));
	fputc('\n', f);
}

void replay_compare_html(FILE *f, const struct analyze_run *run)
{
	const struct replay_cmp *c = run->cmp;
	char a[32], b[32];

	for (size_t i = 0; i < run->n_pauses; i++) {
		fprintf(f, "<p class=\"pause\">Paused %.1f s before ",
			run->pauses[i].duration_ms / 1000.0);
		render_xml_escape(f, run->pauses[i].event ? run->pauses[i].event : "?");
		fprintf(f, " (at %.1f s, %zu node(s) frozen): left out of every figure.</p>\n",
			run->pauses[i].at_ms / 1000.0, run->pauses[i].frozen);
	}
	if (!c)
		return;
	fputs("<h2>Replay</h2>\n<p id=\"replay\">Replay of <code>", f);
	render_xml_escape(f, c->of);
	if (c->error[0]) {
		fputs("</code>: the original could not be read (", f);
		render_xml_escape(f, c->error);
		fputs(").</p>\n", f);
		return;
	}
	fprintf(
	    f,
	    "</code>: verdict %s (original %s, replay %s); lost deliveries %zu → %zu, %zu in "
	    "both, overlap %.2f.</p>\n<table><tr><th>figure</th><th>original</th><th>replay</th>"
	    "</tr>\n",
	    c->same_verdict ? "reproduced" : "<b>differs</b>", c->orig_verdict_ok ? "pass" : "fail",
	    c->replay_verdict_ok ? "pass" : "fail", c->lost_orig, c->lost_replay, c->lost_both,
	    c->jaccard);
	for (size_t i = 0; i < c->n_metrics; i++) {
		fputs("<tr><td>", f);
		render_xml_escape(f, c->metrics[i].name);
		fprintf(f, "</td><td>%s</td><td>%s</td></tr>\n",
			replay_fmt(c->metrics[i].orig, a, sizeof(a)),
			replay_fmt(c->metrics[i].replay, b, sizeof(b)));
	}
	fputs("</table>\n", f);
}
