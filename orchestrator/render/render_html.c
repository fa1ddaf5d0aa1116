/* report.html: one self-contained file, inline SVG and CSS, no script and no network: the
 * fault timeline over sent/delivered counts, the latency distribution, and a node × time map
 * of who was faulted. Charts are binned, so a run of a million messages stays small. */
#include "orchestrator/analyze/mesh.h"
#include "orchestrator/render/render.h"
#include "orchestrator/render/render_telemetry.h"
#include "orchestrator/render/render_traffic.h"

#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/replay_compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HTML_W 1100.0 /* chart width in px */
#define HTML_L 60.0   /* left margin (axis labels) */
#define HTML_R 40.0   /* right margin (the last tick label) */
#define HTML_BINS 120
#define HTML_LAT_BINS 40
#define HTML_MAX_ROWS 60  /* nodes in the map */
#define HTML_MAX_LOST 100 /* lost messages listed */

static const char *const html_colors[] = {"#d62728", "#ff7f0e", "#9467bd", "#8c564b",
					  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

static double html_msg_time(const struct analyze_message *m)
{
	return isnan(m->sent_ms) ? m->planned_ms : m->sent_ms;
}

/* The end of the time axis: the last thing that happened. */
static double html_span(const struct analyze_run *run)
{
	double t = isnan(run->wall_s) ? 0 : run->wall_s * 1000;

	for (size_t i = 0; i < run->n_faults; i++)
		t = fmax(t, ledger_fault_end(&run->faults[i]));
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];

		t = fmax(t, html_msg_time(&run->msgs[d->msg]));
		if (!isnan(d->received_ms))
			t = fmax(t, d->received_ms);
	}
	return t > 0 ? t : 1000;
}

static const char *html_color(const char *kind)
{
	static const char *const kinds[] = {"partition", "netem",   "bandwidth", "link-down",
					    "freeze",	 "suspend", "kill",	 "restart"};

	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return html_colors[i];
	return html_colors[5];
}

static double html_x(double t, double span)
{
	return HTML_L + (HTML_W - HTML_L - HTML_R) * t / span;
}

static void html_time_axis(FILE *f, double span, double y)
{
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
		HTML_L, y, HTML_W - HTML_R, y);
	for (int i = 0; i <= 10; i++) {
		double t = span * i / 10, x = html_x(t, span);
		char lab[32];

		render_ms(t, lab, sizeof(lab));
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%s</text>\n", x, y + 14,
			lab);
	}
}

static void html_fault_bands(FILE *f, const struct analyze_run *run, double span, double top,
			     double h)
{
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_fault *fa = &run->faults[i];
		double b = html_x(ledger_fault_begin(fa), span),
		       e = html_x(ledger_fault_end(fa), span);

		fprintf(f,
			"<rect class=\"fault\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.18\"><title>",
			b, top, fmax(e - b, 2), h, html_color(fa->kind));
		render_xml_escape(f, fa->name);
		fputs("</title></rect>\n<text class=\"flabel\" x=\"", f);
		fprintf(f, "%.1f\" y=\"%.1f\">", b + 2, top + 10 + 11 * (double)(i % 3));
		render_xml_escape(f, fa->name);
		fputs("</text>\n", f);
	}
}

/* Bars of messages sent per bin (by send time) and a line of copies delivered (by receipt). */
static void html_timeline(FILE *f, const struct analyze_run *run, double span)
{
	size_t sent[HTML_BINS] = {0}, got[HTML_BINS] = {0}, top = 1;
	const double h = 200, y0 = 20, bw = (HTML_W - HTML_L - HTML_R) / HTML_BINS;

	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		size_t b = (size_t)(html_msg_time(&run->msgs[d->msg]) / span * (HTML_BINS - 1));

		sent[b < HTML_BINS ? b : HTML_BINS - 1]++;
		if (!isnan(d->received_ms)) {
			b = (size_t)(d->received_ms / span * (HTML_BINS - 1));
			got[b < HTML_BINS ? b : HTML_BINS - 1]++;
		}
	}
	for (size_t b = 0; b < HTML_BINS; b++)
		top = sent[b] > top ? sent[b] : got[b] > top ? got[b] : top;
	fprintf(f,
		"<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\">\n",
		HTML_W, h + y0 + 30);
	html_fault_bands(f, run, span, y0, h);
	for (size_t b = 0; b < HTML_BINS; b++) {
		double bh = h * (double)sent[b] / (double)top;

		if (sent[b])
			fprintf(f,
				"<rect class=\"sent\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\"/>\n",
				HTML_L + bw * (double)b, y0 + h - bh, fmax(bw - 1, 1), bh);
	}
	fputs("<polyline class=\"delivered\" points=\"", f);
	for (size_t b = 0; b < HTML_BINS; b++)
		fprintf(f, "%.1f,%.1f ", HTML_L + bw * ((double)b + 0.5),
			y0 + h - h * (double)got[b] / (double)top);
	fputs("\"/>\n", f);
	fprintf(f, "<text x=\"4\" y=\"%.0f\" class=\"tick\">%zu</text>\n", y0 + 4, top);
	fprintf(f, "<text x=\"4\" y=\"%.0f\" class=\"tick\">0</text>\n", y0 + h);
	html_time_axis(f, span, y0 + h);
	fputs("</svg>\n", f);
}

/* Latency histogram on log-spaced bins from 1 ms to the maximum, with p50/p95/p99 marks. */
static void html_latency(FILE *f, const struct analyze_run *run)
{
	const struct analyze_stats *t = &run->totals;
	size_t bins[HTML_LAT_BINS] = {0}, top = 1;
	const double h = 180, y0 = 10, bw = (HTML_W - HTML_L - HTML_R) / HTML_LAT_BINS;
	double lmax = log10(fmax(isnan(t->max) ? 10 : t->max, 10));
	const double marks[] = {t->p50, t->p95, t->p99};
	const char *names[] = {"p50", "p95", "p99"};

	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		double lat, pos;

		if (d->status != ANALYZE_DELIVERED)
			continue;
		lat = d->received_ms - html_msg_time(&run->msgs[d->msg]);
		pos = log10(fmax(lat, 1)) / lmax * HTML_LAT_BINS;
		bins[pos >= HTML_LAT_BINS ? HTML_LAT_BINS - 1 : (size_t)pos]++;
	}
	for (size_t b = 0; b < HTML_LAT_BINS; b++)
		top = bins[b] > top ? bins[b] : top;
	fprintf(f,
		"<svg id=\"latency\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\">\n",
		HTML_W, h + y0 + 30);
	for (size_t b = 0; b < HTML_LAT_BINS; b++) {
		double bh = h * (double)bins[b] / (double)top;

		if (bins[b])
			fprintf(f,
				"<rect class=\"lat\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\"><title>%zu</title></rect>\n",
				HTML_L + bw * (double)b, y0 + h - bh, bw - 1, bh, bins[b]);
	}
	for (size_t i = 0; i < 3; i++) {
		double x;

		if (isnan(marks[i]))
			continue;
		x = HTML_L + (HTML_W - HTML_L - HTML_R) * log10(fmax(marks[i], 1)) / lmax;
		fprintf(f,
			"<line class=\"mark\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			x, y0, x, y0 + h, x + 2, y0 + 10 + 12 * (double)i, names[i]);
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
		HTML_L, y0 + h, HTML_W - HTML_R, y0 + h);
	for (int e = 0; e <= (int)lmax; e++) {
		char lab[32];

		render_ms(pow(10, e), lab, sizeof(lab));
		fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			HTML_L + (HTML_W - HTML_L - HTML_R) * e / lmax, y0 + h + 14, lab);
	}
	fputs("</svg>\n", f);
}

/* One row per node: a bar for each fault that targeted it, a cross where it exited. */
static void html_node_map(FILE *f, const struct analyze_run *run, double span)
{
	size_t rows = run->n_nodes < HTML_MAX_ROWS ? run->n_nodes : HTML_MAX_ROWS;
	const double rh = 18, y0 = 4;

	fprintf(f,
		"<svg id=\"nodemap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\">\n",
		HTML_W, y0 + rh * (double)rows + 24);
	for (size_t r = 0; r < rows; r++) {
		const struct analyze_node *n = &run->nodes[r];
		double y = y0 + rh * (double)r;

		fprintf(f, "<text class=\"tick\" x=\"2\" y=\"%.1f\">", y + 12);
		render_xml_escape(f, n->name);
		fprintf(f,
			"</text><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#f3f3f3\"/>\n",
			HTML_L, y + 2, HTML_W - HTML_L - HTML_R, rh - 4);
		for (size_t i = 0; i < run->n_faults; i++) {
			const struct analyze_fault *fa = &run->faults[i];
			double b = html_x(ledger_fault_begin(fa), span);
			double e = html_x(ledger_fault_end(fa), span);

			for (size_t t = 0; t < fa->n_targets; t++) {
				if (fa->targets[t] != r)
					continue;
				fprintf(f,
					"<rect class=\"nf\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
					"height=\"%.1f\" fill=\"%s\"><title>",
					b, y + 2, fmax(e - b, 3), rh - 4, html_color(fa->kind));
				render_xml_escape(f, fa->name);
				fputs("</title></rect>\n", f);
			}
		}
		if (n->exited)
			fprintf(f, "<text class=\"exit\" x=\"%.1f\" y=\"%.1f\">✕</text>\n",
				html_x(n->exit_ms, span) - 4, y + 13);
	}
	html_time_axis(f, span, y0 + rh * (double)rows + 2);
	fputs("</svg>\n", f);
	if (rows < run->n_nodes)
		fprintf(f, "<p>%zu more nodes not drawn.</p>\n", run->n_nodes - rows);
}

static const char html_css[] =
    "body{font:14px sans-serif;margin:20px;color:#222}table{border-collapse:collapse;"
    "margin:8px 0 18px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
    ".pass{color:#1a7f37}.fail{color:#cf222e}.tick{font:10px sans-serif;fill:#444}"
    ".flabel{font:10px sans-serif;fill:#900}.sent{fill:#4e79a7}.delivered{fill:none;"
    "stroke:#59a14f;stroke-width:2}.lat{fill:#76b7b2}.mark{stroke:#e15759;stroke-width:1.5}"
    ".exit{font:bold 14px sans-serif;fill:#000}.legend span{display:inline-block;"
    "width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}";

static void html_expects(FILE *f, const struct analyze_run *run)
{
	fputs("<h2>Expectations</h2>\n<table><tr><th></th><th>expectation</th><th>measured</th>"
	      "</tr>\n",
	      f);
	for (size_t i = 0; i < run->n_expects; i++) {
		const struct analyze_expect *e = &run->expects[i];
		char name[512], vals[256];

		render_expect_name(e, name, sizeof(name));
		render_expect_values(e, vals, sizeof(vals));
		fprintf(f, "<tr><td class=\"%s\">%s</td><td>", e->ok ? "pass" : "fail",
			e->ok ? "✔" : "✘");
		render_xml_escape(f, name);
		fputs("</td><td>", f);
		render_xml_escape(f, vals);
		if (e->note) {
			fputs(" — ", f);
			render_xml_escape(f, e->note);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void html_faults(FILE *f, const struct analyze_run *run)
{
	fputs("<h2>Faults</h2>\n<table><tr><th>fault</th><th>kind</th><th>targets</th>"
	      "<th>applied</th><th>reverted</th><th>engine</th><th>sent during</th>"
	      "<th>lost during</th><th>recovery</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_fault *fa = &run->faults[i];
		char a[32], r[32], rec[32];

		render_ms(ledger_fault_begin(fa), a, sizeof(a));
		render_ms(ledger_fault_end(fa), r, sizeof(r));
		render_ms(fa->recovery_ms, rec, sizeof(rec));
		fputs("<tr><td>", f);
		render_xml_escape(f, fa->name);
		fprintf(f, " (%s)</td><td>", fa->id);
		render_xml_escape(f, fa->kind);
		fputs("</td><td>", f);
		if (fa->site) { /* one shared uplink for the site's nodes */
			fputs("site ", f);
			render_xml_escape(f, fa->site);
			fputs(" uplink: ", f);
		}
		for (size_t t = 0; t < fa->n_targets; t++) {
			fputs(t ? ", " : "", f);
			render_xml_escape(f, analyze_node_name(run, fa->targets[t]));
		}
		fprintf(f, "</td><td>%s</td><td>%s</td><td>", a, r);
		render_xml_escape(f, fa->engine ? fa->engine : "—");
		fprintf(f, "</td><td>%zu</td><td>%zu</td><td>%s</td></tr>\n", fa->sent_during,
			fa->lost_during, isnan(fa->recovery_ms) ? "never" : rec);
	}
	fputs("</table>\n", f);
}

static void html_lost(FILE *f, const struct analyze_run *run)
{
	size_t shown = 0;

	fprintf(f, "<h2>Lost messages (%zu)</h2>\n", run->totals.lost);
	if (!run->totals.lost)
		return;
	fputs("<table><tr><th>message</th><th>from → to</th><th>sent</th><th>hash</th>"
	      "<th>last trace</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->n_dels && shown < HTML_MAX_LOST; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		const struct analyze_message *m = &run->msgs[d->msg];
		char t[32];

		if (d->status != ANALYZE_LOST)
			continue;
		shown++;
		render_ms(html_msg_time(m), t, sizeof(t));
		fputs("<tr><td>", f);
		render_xml_escape(f, m->id);
		fputs("</td><td>", f);
		render_xml_escape(f, analyze_node_name(run, m->from));
		fputs(" → ", f);
		render_xml_escape(f, analyze_node_name(run, d->to));
		fprintf(f, "</td><td>%s</td><td><code>", t);
		render_xml_escape(f, m->hash ? m->hash : "?");
		fputs("</code></td><td>", f);
		render_xml_escape(f, m->trace_node == ANALYZE_NONE
					 ? "no trace saw it"
					 : analyze_node_name(run, m->trace_node));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void html_send_failures(FILE *f, const struct analyze_run *run)
{
	if (!run->send_failures)
		return;
	fprintf(f,
		"<h2>Failed sends (%zu)</h2>\n<table><tr><th>cause</th><th>sends</th>"
		"<th>first error</th></tr>\n",
		run->send_failures);
	for (size_t i = 0; i < run->n_send_causes; i++) {
		fputs("<tr><td>", f);
		render_xml_escape(f, run->send_causes[i].cause);
		fprintf(f, "</td><td>%zu</td><td>", run->send_causes[i].count);
		render_xml_escape(f, run->send_causes[i].example);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

#define HTML_MAX_GROUPS 50

static void html_breakdowns(FILE *f, const struct analyze_run *run)
{
	fputs("<h2>Breakdowns</h2>\n", f);
	for (int d = 0; d < ANALYZE_N_DIMS; d++) {
		const struct analyze_breakdown *b = &run->by[d];

		fprintf(f,
			"<h3>by %s</h3>\n<table><tr><th>%s</th><th>sent</th><th>delivered</th>"
			"<th>lost</th><th>failed</th><th>duplicates</th><th>reordered</th>"
			"<th>p50</th><th>p95</th><th>max</th></tr>\n",
			analyze_dim_name(d), analyze_dim_name(d));
		for (size_t g = 0; g < b->n && g < HTML_MAX_GROUPS; g++) {
			const struct analyze_stats *st = &b->groups[g].st;
			char p50[32], p95[32], mx[32];

			render_ms(st->p50, p50, sizeof(p50));
			render_ms(st->p95, p95, sizeof(p95));
			render_ms(st->max, mx, sizeof(mx));
			fputs("<tr><td>", f);
			render_xml_escape(f, b->groups[g].name);
			fprintf(f,
				"</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>"
				"<td>%zu</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				st->sent, st->delivered, st->lost, st->failed, st->duplicates,
				st->reordered, p50, p95, mx);
		}
		fputs("</table>\n", f);
		if (b->n > HTML_MAX_GROUPS)
			fprintf(f, "<p>%zu more in report.json.</p>\n", b->n - HTML_MAX_GROUPS);
	}
}

static void html_head(FILE *f, const struct analyze_run *run)
{
	const struct analyze_stats *t = &run->totals;
	char p50[32], p95[32], p99[32], mx[32];

	render_ms(t->p50, p50, sizeof(p50));
	render_ms(t->p95, p95, sizeof(p95));
	render_ms(t->p99, p99, sizeof(p99));
	render_ms(t->max, mx, sizeof(mx));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>faultlab: ",
	      f);
	render_xml_escape(f, run->scenario ? run->scenario : "run");
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>", html_css);
	render_xml_escape(f, run->scenario ? run->scenario : "run");
	fprintf(f, " — <span id=\"verdict\" class=\"%s\">%s</span></h1>\n<p>",
		run->verdict_ok ? "pass" : "fail", run->verdict_ok ? "pass" : "fail");
	if (run->has_seed)
		fprintf(f, "seed %llu · ", (unsigned long long)run->seed);
	render_xml_escape(f, run->runtime ? run->runtime : "?");
	fputs(run->started_at ? " · started " : "", f);
	render_xml_escape(f, run->started_at);
	fprintf(f,
		"</p>\n<p><b>%zu</b> sent · <b>%zu</b> delivered · <b>%zu</b> lost · <b>%zu</b> "
		"failed · <b>%zu</b> duplicates · <b>%zu</b> reordered · latency p50 %s, p95 %s, "
		"p99 %s, max %s</p>\n",
		t->sent, t->delivered, t->lost, t->failed, t->duplicates, t->reordered, p50, p95,
		p99, mx);
	if (!isnan(run->ended_early_ms))
		fprintf(f,
			"<p id=\"ended-early\">Ended early at %.1f s of the planned %.1f s: every "
			"message was received or given up and every fault reverted.</p>\n",
			run->ended_early_ms / 1000.0, run->planned_end_ms / 1000.0);
}

int render_html_write(const struct analyze_run *run, const char *path, struct fl_error *err)
{
	char *tmp;
	FILE *f = render_open(path, &tmp, err);
	double span = html_span(run);

	if (!f)
		return -1;
	html_head(f, run);
	if (render_problems_count(run)) {
		char msg[1024];

		fputs("<h2>Run errors</h2>\n<ul id=\"run-errors\">\n", f);
		for (size_t k = 0; k < render_problems_count(run); k++) {
			render_problem(run, k, msg, sizeof(msg));
			fputs("<li class=\"fail\">", f);
			render_xml_escape(f, msg);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	replay_compare_html(f, run);
	html_expects(f, run);
	fputs("<h2>Traffic and faults</h2>\n<p class=\"legend\"><span style=\"background:#4e79a7\">"
	      "</span>sent <span style=\"background:#59a14f\"></span>delivered (copies received)"
	      " — shaded bands are faults</p>\n",
	      f);
	html_timeline(f, run, span);
	fputs("<h2>Latency distribution</h2>\n", f);
	html_latency(f, run);
	fputs("<h2>Who was faulted</h2>\n", f);
	html_node_map(f, run, span);
	render_html_traffic(f, run);
	render_html_telemetry(f, run, span);
	mesh_html(f, run);
	html_faults(f, run);
	html_lost(f, run);
	html_send_failures(f, run);
	html_breakdowns(f, run);
	render_html_resources(f, run);
	fputs("</body></html>\n", f);
	return render_close(f, tmp, path, err);
}
