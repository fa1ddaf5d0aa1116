/* The relay mesh timeline of each node and topic (mesh.h). */
#include "orchestrator/analyze/mesh.h"
#include "orchestrator/analyze/flatjson.h"
#include "orchestrator/analyze/ledger.h"
#include "orchestrator/render/jsonw.h"
#include "orchestrator/render/render.h"

#include "common/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MESH_TOPIC_MAX 128
#define MESH_JSON_MAX 500 /* timeline entries per topic in report.json (the last ones kept) */

struct mesh_sample {
	double t_ms;
	int mesh, subscribers, connected;
};

struct mesh_series {
	uint32_t node;
	char topic[MESH_TOPIC_MAX];
	struct mesh_sample *s;
	size_t n, cap;
};

struct analyze_mesh {
	struct mesh_series *v;
	size_t n, cap;
};

static struct mesh_series *mesh_series(struct analyze_run *run, uint32_t node, const char *topic)
{
	struct analyze_mesh *m = run->mesh;

	if (!m)
		m = run->mesh = fl_xcalloc(1, sizeof(*m));
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].node == node && strcmp(m->v[i].topic, topic) == 0)
			return &m->v[i];
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->v = fl_xreallocarray(m->v, m->cap, sizeof(*m->v));
	}
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	m->v[m->n].node = node;
	snprintf(m->v[m->n].topic, sizeof(m->v[m->n].topic), "%s", topic);
	return &m->v[m->n++];
}

void mesh_event(struct analyze_run *run, uint32_t node, const char *line, size_t len, double t_ms)
{
	struct flatjson it;
	struct flatjson_val v;
	struct mesh_sample smp = {.t_ms = t_ms, .mesh = -1};
	struct mesh_series *s;
	char topic[MESH_TOPIC_MAX] = "";
	const char *k;
	size_t kl;

	if (node >= run->n_nodes || isnan(t_ms) || flatjson_begin(&it, line, len) < 0)
		return;
	while (flatjson_next(&it, &k, &kl, &v) > 0) {
		if (flatjson_key_is(k, kl, "topic") && v.type == FLATJSON_STR)
			flatjson_str(&v, topic, sizeof(topic));
		else if (flatjson_key_is(k, kl, "mesh") && v.type == FLATJSON_NUM)
			smp.mesh = (int)v.num;
		else if (flatjson_key_is(k, kl, "subscribers") && v.type == FLATJSON_NUM)
			smp.subscribers = (int)v.num;
		else if (flatjson_key_is(k, kl, "connected") && v.type == FLATJSON_NUM)
			smp.connected = (int)v.num;
	}
	if (!topic[0] || smp.mesh < 0)
		return;
	s = mesh_series(run, node, topic);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->s = fl_xreallocarray(s->s, s->cap, sizeof(*s->s));
	}
	s->s[s->n++] = smp;
}

void mesh_free(struct analyze_run *run)
{
	struct analyze_mesh *m = run->mesh;

	for (size_t i = 0; m && i < m->n; i++)
		free(m->v[i].s);
	if (m)
		free(m->v);
	free(m);
	run->mesh = NULL;
}

static const struct mesh_series *mesh_nth(const struct analyze_run *run, size_t node, size_t k)
{
	const struct analyze_mesh *m = run->mesh;

	for (size_t i = 0; m && i < m->n; i++)
		if (m->v[i].node == node && k-- == 0)
			return &m->v[i];
	return NULL;
}

/* The first fault's start and the last fault's end (NAN without faults). */
static void mesh_fault_window(const struct analyze_run *run, double *begin, double *end)
{
	*begin = *end = NAN;
	for (size_t i = 0; i < run->n_faults; i++) {
		double b = ledger_fault_begin(&run->faults[i]),
		       e = ledger_fault_end(&run->faults[i]);

		*begin = isnan(*begin) || b < *begin ? b : *begin;
		*end = isnan(*end) || e > *end ? e : *end;
	}
}

/* Whether sample i says something about the time from t on: it is at or after t, or it is
 * the size in force at t (the next sample comes later). */
static int mesh_counts_from(const struct mesh_series *s, size_t i, double t)
{
	return s->s[i].t_ms >= t || i + 1 == s->n || s->s[i + 1].t_ms > t;
}

static void mesh_summarize(const struct analyze_run *run, const struct mesh_series *s,
			   struct mesh_summary *out)
{
	double begin, end;

	mesh_fault_window(run, &begin, &end);
	memset(out, 0, sizeof(*out));
	out->samples = s->n;
	out->first_ms = s->n ? s->s[0].t_ms : NAN;
	out->last = s->n ? s->s[s->n - 1].mesh : 0;
	out->min_after = out->max_after = -1;
	out->empty_since = NAN;
	for (size_t i = 0; i < s->n; i++) {
		const struct mesh_sample *x = &s->s[i];
		if (!isnan(begin) && mesh_counts_from(s, i, begin))
			out->min_after = out->min_after < 0 || x->mesh < out->min_after
					     ? x->mesh
					     : out->min_after;
		if (!isnan(end) && mesh_counts_from(s, i, end))
			out->max_after = x->mesh > out->max_after ? x->mesh : out->max_after;
		if (x->mesh == 0 && (i == 0 || s->s[i - 1].mesh != 0))
			out->empty_since = x->t_ms;
	}
	if (out->last != 0)
		out->empty_since = NAN;
}

const char *mesh_topic(const struct analyze_run *run, size_t node, size_t k,
		       struct mesh_summary *out)
{
	const struct mesh_series *s = mesh_nth(run, node, k);

	if (!s)
		return NULL;
	mesh_summarize(run, s, out);
	return s->topic;
}

static void mesh_json_int(struct jsonw *w, const char *key, int v)
{
	jsonw_knum(w, key, v < 0 ? NAN : v);
}

void mesh_json(struct jsonw *w, const struct analyze_run *run, size_t node)
{
	const struct mesh_series *s;
	struct mesh_summary sum;

	jsonw_key(w, "mesh");
	if (!mesh_nth(run, node, 0)) {
		jsonw_null(w);
		return;
	}
	jsonw_arr(w, 0);
	for (size_t k = 0; (s = mesh_nth(run, node, k)); k++) {
		mesh_summarize(run, s, &sum);
		jsonw_obj(w, 0);
		jsonw_kstr(w, "topic", s->topic);
		jsonw_ku64(w, "last", (uint64_t)sum.last);
		mesh_json_int(w, "min_after_fault", sum.min_after);
		mesh_json_int(w, "max_after_fault_end", sum.max_after);
		jsonw_knum(w, "empty_since_ms", sum.empty_since);
		jsonw_key(w, "timeline");
		jsonw_arr(w, 0);
		for (size_t i = s->n > MESH_JSON_MAX ? s->n - MESH_JSON_MAX : 0; i < s->n; i++) {
			jsonw_obj(w, 1);
			jsonw_knum(w, "t_ms", s->s[i].t_ms);
			jsonw_ku64(w, "mesh", (uint64_t)s->s[i].mesh);
			jsonw_ku64(w, "subscribers", (uint64_t)s->s[i].subscribers);
			jsonw_ku64(w, "connected", (uint64_t)s->s[i].connected);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

/* One step line per node and topic over the run: mesh size against time, fault bands. */
void mesh_html(FILE *f, const struct analyze_run *run)
{
	const struct analyze_mesh *m = run->mesh;
	const double W = 1000, L = 260, R = 30, H = 24, gap = 8;
	double span = 1000;
	int top = 1;

	if (!m || !m->n)
		return;
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = 0; j < m->v[i].n; j++) {
			span = fmax(span, m->v[i].s[j].t_ms);
			top = m->v[i].s[j].mesh > top ? m->v[i].s[j].mesh : top;
		}
	for (size_t i = 0; i < run->n_faults; i++)
		span = fmax(span, ledger_fault_end(&run->faults[i]));
	if (!isnan(run->wall_s))
		span = fmax(span, run->wall_s * 1000);
	fputs(
	    "<h2>Relay mesh</h2>\n<p class=\"legend\">gossipsub mesh peers per node and topic, as "
	    "the node journalled them (0 = the node relays to nobody); shaded: faults</p>\n",
	    f);
	fprintf(f,
		"<svg id=\"mesh\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\">\n",
		W, (double)m->n * (H + gap) + 20);
	for (size_t i = 0; i < run->n_faults; i++) {
		double b = L + (W - L - R) * ledger_fault_begin(&run->faults[i]) / span;
		double e = L + (W - L - R) * ledger_fault_end(&run->faults[i]) / span;

		fprintf(f,
			"<rect class=\"fault\" x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%.0f\" "
			"fill=\"#d62728\" fill-opacity=\"0.15\"/>\n",
			b, fmax(e - b, 2), (double)m->n * (H + gap));
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct mesh_series *s = &m->v[i];
		double y0 = (double)i * (H + gap) + H;

		fprintf(f, "<text class=\"tick\" x=\"2\" y=\"%.0f\">", y0);
		render_xml_escape(f, run->nodes[s->node].name);
		fputs(" ", f);
		render_xml_escape(f, s->topic);
		fprintf(f, "</text>\n<polyline class=\"mesh\" fill=\"none\" stroke=\"#4e79a7\" "
			   "points=\"");
		for (size_t j = 0; j < s->n; j++) {
			/* samples before the run's start (node start-up) sit at 0 */
			double nx = L + (W - L - R) * fmax(s->s[j].t_ms, 0) / span;
			double y = y0 - H * (double)s->s[j].mesh / top;

			if (j)
				fprintf(f, "%.1f,%.1f ", nx,
					y0 - H * (double)s->s[j - 1].mesh / top);
			fprintf(f, "%.1f,%.1f ", nx, y);
		}
		if (s->n)
			fprintf(f, "%.1f,%.1f", W - R, y0 - H * (double)s->s[s->n - 1].mesh / top);
		fprintf(f, "\"/>\n<text class=\"tick\" x=\"%.0f\" y=\"%.0f\">%d</text>\n",
			W - R + 2, y0, s->n ? s->s[s->n - 1].mesh : 0);
	}
	for (int i = 0; i <= 5; i++) {
		char lab[32];

		render_ms(span * i / 5, lab, sizeof(lab));
		fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.0f\">%s</text>\n",
			L + (W - L - R) * i / 5, (double)m->n * (H + gap) + 14, lab);
	}
	fputs("</svg>\n", f);
}
