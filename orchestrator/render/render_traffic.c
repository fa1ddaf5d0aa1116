/* report.json, summary.md and report.html sections of traffic that waited for another
 * (after: + within:, journal traffic-open lines). */
#include "orchestrator/render/render_traffic.h"

#include <math.h>

void render_json_traffic(struct jsonw *w, const struct analyze_run *run)
{
	if (!run->n_opens)
		return;
	jsonw_key(w, "traffic_opens");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_opens; i++) {
		const struct analyze_open *o = &run->opens[i];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "traffic", o->traffic);
		jsonw_kstr(w, "after", o->after);
		jsonw_knum(w, "within_ms", o->within_ms);
		jsonw_knum(w, "opened_ms", o->error ? NAN : o->t_ms);
		jsonw_kstr(w, "error", o->error);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

void render_md_traffic(FILE *f, const struct analyze_run *run)
{
	if (!run->n_opens)
		return;
	fputs("## Traffic that waited for other traffic\n\n"
	      "| traffic | after | within | opened |\n|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < run->n_opens; i++) {
		const struct analyze_open *o = &run->opens[i];

		fprintf(f, "| %s | %s | %.1f s | ", o->traffic, o->after ? o->after : "",
			o->within_ms / 1000.0);
		if (o->error)
			fprintf(f, "❌ never: %s |\n", o->error);
		else
			fprintf(f, "at %.1f s |\n", o->t_ms / 1000.0);
	}
	fputc('\n', f);
}

void render_html_traffic(FILE *f, const struct analyze_run *run)
{
	if (!run->n_opens)
		return;
	fputs("<h2>Traffic that waited for other traffic</h2>\n<table><tr><th>traffic</th>"
	      "<th>after</th><th>within</th><th>opened</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->n_opens; i++) {
		const struct analyze_open *o = &run->opens[i];

		fputs("<tr><td>", f);
		render_xml_escape(f, o->traffic);
		fputs("</td><td>", f);
		render_xml_escape(f, o->after ? o->after : "");
		fprintf(f, "</td><td>%.1f s</td><td>", o->within_ms / 1000.0);
		if (o->error) {
			fputs("never: ", f);
			render_xml_escape(f, o->error);
		} else {
			fprintf(f, "at %.1f s", o->t_ms / 1000.0);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}
