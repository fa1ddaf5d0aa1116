/* report.json, summary.md and report.html sections of traffic that waited for another
 * (after: + within:, journal traffic-open lines). */
#include "orchestrator/render/render_traffic.h"

#include <math.h>
#include <string.h>

/* A space-separated list of plan ids as a JSON array. */
static void render_json_ids(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	if (!s) {
		jsonw_null(w);
		return;
	}
	jsonw_arr(w, 1);
	while (*s) {
		size_t n = strcspn(s, " ");

		if (n)
			jsonw_strn(w, s, n);
		s += n + (s[n] == ' ');
	}
	jsonw_arr_end(w);
}

static void render_json_groups(struct jsonw *w, const struct analyze_run *run)
{
	if (!run->n_groups)
		return;
	jsonw_key(w, "groups");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_groups; i++) {
		const struct analyze_chat_group *g = &run->groups[i];
		const struct analyze_message *m = &run->msgs[g->msg];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "traffic", m->traffic);
		jsonw_kstr(w, "msg", m->id);
		jsonw_kstr(w, "creator", analyze_node_name(run, m->from));
		jsonw_knum(w, "asked_ms", g->asked_ms);
		jsonw_knum(w, "created_ms", g->created_ms);
		jsonw_kstr(w, "error", g->error);
		jsonw_key(w, "members");
		jsonw_arr(w, 1);
		for (uint32_t k = 0; k < m->n; k++) {
			uint32_t to = run->dels[m->first + k].to;

			jsonw_obj(w, 1);
			jsonw_kstr(w, "node", analyze_node_name(run, to));
			jsonw_knum(w, "learnt_ms",
				   g->learnt_ms && to < run->n_nodes ? g->learnt_ms[to] : NAN);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void render_json_store_queries(struct jsonw *w, const struct analyze_run *run)
{
	if (!run->n_store_queries)
		return;
	jsonw_key(w, "store_queries");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_store_queries; i++) {
		const struct analyze_store_query *q = &run->store_queries[i];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "query", q->query);
		jsonw_kstr(w, "traffic", q->traffic);
		jsonw_kstr(w, "of", q->of);
		jsonw_kstr(w, "node", q->node);
		jsonw_kstr(w, "store", q->store);
		jsonw_knum(w, "asked_ms", q->asked_ms);
		jsonw_knum(w, "answered_ms", q->answered_ms);
		render_json_ids(w, "found", q->error ? NULL : q->found ? q->found : "");
		render_json_ids(w, "missing", q->error ? NULL : q->missing ? q->missing : "");
		jsonw_kstr(w, "error", q->error);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

void render_json_traffic(struct jsonw *w, const struct analyze_run *run)
{
	render_json_groups(w, run);
	render_json_store_queries(w, run);
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

static void render_md_groups(FILE *f, const struct analyze_run *run)
{
	if (!run->n_groups)
		return;
	fputs("## Group creation\n\n| traffic | creator | created | members learnt (after "
	      "creation) |\n|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < run->n_groups; i++) {
		const struct analyze_chat_group *g = &run->groups[i];
		const struct analyze_message *m = &run->msgs[g->msg];

		fprintf(f, "| %s | %s | ", m->traffic ? m->traffic : "",
			analyze_node_name(run, m->from) ?: "?");
		if (g->error)
			fprintf(f, "❌ %s | |\n", g->error);
		else
			fprintf(f, "at %.1f s | ", g->created_ms / 1000.0);
		for (uint32_t k = 0; !g->error && k < m->n; k++) {
			uint32_t to = run->dels[m->first + k].to;
			double t = g->learnt_ms && to < run->n_nodes ? g->learnt_ms[to] : NAN;

			fprintf(f, "%s%s ", k ? ", " : "", analyze_node_name(run, to) ?: "?");
			if (isnan(t))
				fputs("never", f);
			else
				fprintf(f, "+%.1f ms", t - g->created_ms);
		}
		if (!g->error)
			fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void render_md_store_queries(FILE *f, const struct analyze_run *run)
{
	if (!run->n_store_queries)
		return;
	fputs("## Store queries\n\n| query | of | asked by | store | at | found | missing |\n"
	      "|---|---|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < run->n_store_queries; i++) {
		const struct analyze_store_query *q = &run->store_queries[i];

		fprintf(f, "| %s (%s) | %s | %s | %s | %.1f s | ", q->query,
			q->traffic ? q->traffic : "", q->of ? q->of : "", q->node ? q->node : "",
			q->store ? q->store : "", q->asked_ms / 1000.0);
		if (q->error)
			fprintf(f, "❌ %s | |\n", q->error);
		else
			fprintf(f, "%zu %s | %zu %s |\n", q->n_found, q->found ? q->found : "",
				q->n_missing, q->missing ? q->missing : "");
	}
	fputc('\n', f);
}

void render_md_traffic(FILE *f, const struct analyze_run *run)
{
	render_md_groups(f, run);
	render_md_store_queries(f, run);
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

static void render_html_groups(FILE *f, const struct analyze_run *run)
{
	if (!run->n_groups)
		return;
	fputs("<h2>Group creation</h2>\n<table><tr><th>traffic</th><th>creator</th>"
	      "<th>created</th><th>members learnt (after creation)</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->n_groups; i++) {
		const struct analyze_chat_group *g = &run->groups[i];
		const struct analyze_message *m = &run->msgs[g->msg];

		fputs("<tr><td>", f);
		render_xml_escape(f, m->traffic ? m->traffic : "");
		fputs("</td><td>", f);
		render_xml_escape(f, analyze_node_name(run, m->from) ?: "?");
		fputs("</td><td>", f);
		if (g->error)
			render_xml_escape(f, g->error);
		else
			fprintf(f, "at %.1f s", g->created_ms / 1000.0);
		fputs("</td><td>", f);
		for (uint32_t k = 0; !g->error && k < m->n; k++) {
			uint32_t to = run->dels[m->first + k].to;
			double t = g->learnt_ms && to < run->n_nodes ? g->learnt_ms[to] : NAN;

			fputs(k ? ", " : "", f);
			render_xml_escape(f, analyze_node_name(run, to) ?: "?");
			if (isnan(t))
				fputs(" never", f);
			else
				fprintf(f, " +%.1f ms", t - g->created_ms);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void render_html_store_queries(FILE *f, const struct analyze_run *run)
{
	if (!run->n_store_queries)
		return;
	fputs("<h2>Store queries</h2>\n<table><tr><th>query</th><th>of</th><th>asked by</th>"
	      "<th>store</th><th>at</th><th>found</th><th>missing</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->n_store_queries; i++) {
		const struct analyze_store_query *q = &run->store_queries[i];
		const char *cells[] = {q->of, q->node, q->store};

		fputs("<tr><td>", f);
		render_xml_escape(f, q->query ? q->query : "");
		fputs(" (", f);
		render_xml_escape(f, q->traffic ? q->traffic : "");
		fputs(")</td>", f);
		for (size_t k = 0; k < 3; k++) {
			fputs("<td>", f);
			render_xml_escape(f, cells[k] ? cells[k] : "");
			fputs("</td>", f);
		}
		fprintf(f, "<td>%.1f s</td><td>", q->asked_ms / 1000.0);
		if (q->error) {
			render_xml_escape(f, q->error);
			fputs("</td><td></td></tr>\n", f);
			continue;
		}
		fprintf(f, "%zu: ", q->n_found);
		render_xml_escape(f, q->found ? q->found : "");
		fprintf(f, "</td><td>%zu: ", q->n_missing);
		render_xml_escape(f, q->missing ? q->missing : "");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void render_html_traffic(FILE *f, const struct analyze_run *run)
{
	render_html_groups(f, run);
	render_html_store_queries(f, run);
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
