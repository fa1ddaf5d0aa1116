/* The telemetry section of each report (docs/TELEMETRY.md, "In the report"): report.json's
 * `telemetry`, summary.md's table and report.html's chart of telemetry's R beside the truth
 * over time. Written only when the run has telemetry.db (run->telemetry). */
#include "orchestrator/render/render_telemetry.h"
#include "orchestrator/analyze/telemetry_report.h"

#include <math.h>

static void tl_json_counts(struct jsonw *w, const struct telemetry_counts *c)
{
	jsonw_knum(w, "records", (double)c->records);
	jsonw_knum(w, "pushes", (double)c->pushes);
	jsonw_knum(w, "refused", (double)c->refused);
	jsonw_knum(w, "rejected", (double)c->rejected);
	jsonw_key(w, "nodes");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < c->n_rows; i++) {
		jsonw_obj(w, 1);
		jsonw_kstr(w, "node", c->rows[i].node);
		jsonw_kstr(w, "type", c->rows[i].type);
		jsonw_knum(w, "records", (double)c->rows[i].records);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "clients");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < c->n_clients; i++) {
		jsonw_obj(w, 1);
		jsonw_kstr(w, "ip", c->clients[i].ip);
		jsonw_knum(w, "pushes", (double)c->clients[i].pushes);
		jsonw_knum(w, "accepted", (double)c->clients[i].accepted);
		jsonw_knum(w, "refused", (double)c->clients[i].refused);
		jsonw_knum(w, "rejected", (double)c->clients[i].rejected);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void tl_json_chats(struct jsonw *w, const struct analyze_tl_window *win)
{
	jsonw_key(w, "chats");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < win->n_chats; i++) {
		const struct analyze_tl_chat *c = &win->chats[i];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "chat_id", c->chat_id);
		jsonw_kstr(w, "node", c->node);
		jsonw_knum(w, "r", c->has_r ? c->r : NAN);
		jsonw_knum(w, "messages", (double)c->messages);
		jsonw_knum(w, "missing", (double)c->missing);
		jsonw_knum(w, "truth", c->truth);
		jsonw_knum(w, "sent", (double)c->sent);
		jsonw_knum(w, "delivered", (double)c->delivered);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void tl_json_window(struct jsonw *w, const struct analyze_tl_window *win)
{
	const struct telemetry_agg *a = &win->w.agg;
	const struct telemetry_est *e = &win->w.est;

	jsonw_obj(w, 0);
	jsonw_kstr(w, "id", win->id);
	jsonw_kstr(w, "fault", win->fault);
	jsonw_knum(w, "from_ms", win->from_ms);
	jsonw_knum(w, "to_ms", win->to_ms);
	jsonw_key(w, "truth");
	jsonw_obj(w, 1);
	jsonw_knum(w, "sent", (double)win->sent);
	jsonw_knum(w, "delivered", (double)win->delivered);
	jsonw_knum(w, "delivery", win->truth);
	jsonw_obj_end(w);
	jsonw_key(w, "aggregator");
	jsonw_obj(w, 1);
	jsonw_knum(w, "r", a->has_r ? a->r : NAN);
	jsonw_knum(w, "drift", win->drift_agg);
	jsonw_knum(w, "rows_in_window", (double)a->rows_in_window);
	jsonw_knum(w, "rows_counted", (double)a->rows_counted);
	jsonw_knum(w, "receivers_excluded", (double)a->receivers_excluded);
	jsonw_obj_end(w);
	jsonw_key(w, "estimator");
	jsonw_obj(w, 1);
	jsonw_knum(w, "r", e->has_r ? e->r : NAN);
	jsonw_knum(w, "drift", win->drift_est);
	jsonw_knum(w, "sent", (double)e->sent);
	jsonw_knum(w, "send_errors", (double)e->send_errors);
	jsonw_knum(w, "delivered", (double)e->delivered);
	jsonw_knum(w, "receivers_silent", (double)e->receivers_silent);
	jsonw_obj_end(w);
	tl_json_chats(w, win);
	jsonw_obj_end(w);
}

void render_json_telemetry(struct jsonw *w, const struct analyze_run *run)
{
	const struct analyze_telemetry *t = run->telemetry;

	if (!t)
		return;
	jsonw_key(w, "telemetry");
	jsonw_obj(w, 0);
	tl_json_counts(w, &t->counts);
	jsonw_key(w, "windows");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < t->n_wins; i++)
		tl_json_window(w, &t->wins[i]);
	jsonw_arr_end(w);
	jsonw_knum(w, "bucket_ms", t->bucket_ms);
	jsonw_key(w, "series");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < t->n_series; i++) {
		const struct analyze_tl_window *s = &t->series[i];

		jsonw_obj(w, 1);
		jsonw_knum(w, "from_ms", s->from_ms);
		jsonw_knum(w, "to_ms", s->to_ms);
		jsonw_knum(w, "truth", s->truth);
		jsonw_knum(w, "aggregator", s->w.agg.has_r ? s->w.agg.r : NAN);
		jsonw_knum(w, "estimator", s->w.est.has_r ? s->w.est.r : NAN);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

/* "0.97", or "—" */
static const char *tl_frac(double x, char *buf, size_t cap)
{
	if (isnan(x))
		snprintf(buf, cap, "—");
	else
		snprintf(buf, cap, "%.2f", x);
	return buf;
}

void render_md_telemetry(FILE *f, const struct analyze_run *run)
{
	const struct analyze_telemetry *t = run->telemetry;
	char a[16], b[16], c[16], d[16], e[16];

	if (!t)
		return;
	fprintf(f,
		"**Telemetry** (status-telemetry collector: %ld records in %ld pushes, %ld "
		"refused with 429, %ld rejected)\n\n",
		t->counts.records, t->counts.pushes, t->counts.refused, t->counts.rejected);
	fputs("| window | truth | aggregator R | drift | estimator R | drift | receivers excluded "
	      "|\n|---|---|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < t->n_wins; i++) {
		const struct analyze_tl_window *w = &t->wins[i];

		fprintf(f, "| %s%s%s (%.1f–%.1f s) | %s (%zu/%zu) | %s | %s | %s | %s | %d |\n",
			w->fault ? w->fault : w->id, w->fault ? " " : "", w->fault ? w->id : "",
			w->from_ms / 1000.0, w->to_ms / 1000.0, tl_frac(w->truth, a, sizeof(a)),
			w->delivered, w->sent,
			tl_frac(w->w.agg.has_r ? w->w.agg.r : NAN, b, sizeof(b)),
			tl_frac(w->drift_agg, c, sizeof(c)),
			tl_frac(w->w.est.has_r ? w->w.est.r : NAN, d, sizeof(d)),
			tl_frac(w->drift_est, e, sizeof(e)), w->w.agg.receivers_excluded);
	}
	fputc('\n', f);
	if (t->n_wins && t->wins[0].n_chats) {
		fputs("| chat (run window) | receiver | Rch | truth |\n|---|---|---|---|\n", f);
		for (size_t i = 0; i < t->wins[0].n_chats; i++) {
			const struct analyze_tl_chat *ch = &t->wins[0].chats[i];

			fprintf(f, "| %s | %s | %s | %s (%zu/%zu) |\n", ch->chat_id, ch->node,
				tl_frac(ch->has_r ? ch->r : NAN, a, sizeof(a)),
				tl_frac(ch->truth, b, sizeof(b)), ch->delivered, ch->sent);
		}
		fputc('\n', f);
	}
}

void render_junit_telemetry(FILE *f, const struct analyze_run *run)
{
	const struct analyze_telemetry *t = run->telemetry;

	for (size_t i = 0; t && i < t->n_wins; i++) {
		const struct analyze_tl_window *w = &t->wins[i];
		const double v[3] = {w->truth, w->w.agg.has_r ? w->w.agg.r : NAN,
				     w->w.est.has_r ? w->w.est.r : NAN};
		static const char *const what[3] = {"truth", "aggregator", "estimator"};

		for (int k = 0; k < 3; k++) {
			char val[16];

			fputs("      <property name=\"telemetry.", f);
			render_xml_escape(f, w->fault ? w->fault : w->id);
			fprintf(f, ".%s\" value=\"%s\"/>\n", what[k],
				tl_frac(v[k], val, sizeof(val)));
		}
	}
}

#define TL_W 1100.0
#define TL_L 60.0
#define TL_R 40.0
#define TL_H 160.0
#define TL_Y0 10.0

static double tl_x(double t, double span)
{
	return TL_L + (TL_W - TL_L - TL_R) * t / span;
}

static double tl_y(double r)
{
	return TL_Y0 + TL_H * (1.0 - r);
}

/* One step line per figure over the series' windows (a gap where it has no value). */
static void tl_html_line(FILE *f, const struct analyze_telemetry *t, int which, const char *color,
			 double span)
{
	for (size_t i = 0; i < t->n_series; i++) {
		const struct analyze_tl_window *s = &t->series[i];
		double r = which == 0	? s->truth
			   : which == 1 ? (s->w.agg.has_r ? s->w.agg.r : NAN)
					: (s->w.est.has_r ? s->w.est.r : NAN);

		if (isnan(r))
			continue;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"%d\"><title>%.2f</title></line>\n",
			tl_x(s->from_ms, span), tl_y(r), tl_x(s->to_ms, span), tl_y(r), color,
			3 - which, r);
	}
}

void render_html_telemetry(FILE *f, const struct analyze_run *run, double span)
{
	const struct analyze_telemetry *t = run->telemetry;
	char a[16], b[16], c[16], d[16];

	if (!t)
		return;
	fputs("<h2>Telemetry against the truth</h2>\n<p class=\"legend\"><span "
	      "style=\"background:#333\"></span>truth (DM delivery) <span "
	      "style=\"background:#e15759\"></span>aggregator R <span "
	      "style=\"background:#4e79a7\"></span>estimator R — per window of the series; "
	      "shaded bands are faults</p>\n",
	      f);
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\">\n", TL_W, TL_H + TL_Y0 + 30);
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_tl_window *w = i + 1 < t->n_wins ? &t->wins[i + 1] : NULL;

		if (w)
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"#ff7f0e\" fill-opacity=\"0.15\"/>\n",
				tl_x(w->from_ms, span), TL_Y0,
				fmax(tl_x(w->to_ms, span) - tl_x(w->from_ms, span), 2), TL_H);
	}
	for (int k = 0; k <= 4; k++)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"4\" y=\"%.1f\" class=\"tick\">%.2f</text>\n",
			TL_L, tl_y(k / 4.0), TL_W - TL_R, tl_y(k / 4.0), tl_y(k / 4.0) + 4,
			k / 4.0);
	tl_html_line(f, t, 0, "#333", span);
	tl_html_line(f, t, 1, "#e15759", span);
	tl_html_line(f, t, 2, "#4e79a7", span);
	fputs("</svg>\n<table id=\"telemetry\"><tr><th>window</th><th>truth</th><th>aggregator "
	      "R</th><th>estimator R</th><th>drift (aggregator)</th></tr>\n",
	      f);
	for (size_t i = 0; i < t->n_wins; i++) {
		const struct analyze_tl_window *w = &t->wins[i];

		fputs("<tr><td>", f);
		render_xml_escape(f, w->fault ? w->fault : w->id);
		fprintf(f, " (%.1f–%.1f s)</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			w->from_ms / 1000.0, w->to_ms / 1000.0, tl_frac(w->truth, a, sizeof(a)),
			tl_frac(w->w.agg.has_r ? w->w.agg.r : NAN, b, sizeof(b)),
			tl_frac(w->w.est.has_r ? w->w.est.r : NAN, c, sizeof(c)),
			tl_frac(w->drift_agg, d, sizeof(d)));
	}
	fputs("</table>\n", f);
}
