/* The per-node resource table (report.json nodes[].resources) for summary.md and
 * report.html: CPU time, peak memory, bytes received and sent. Up to RES_ROWS nodes are
 * listed, the busiest first (by CPU); a larger run adds one row of totals. */
#include "orchestrator/render/render.h"

#include "common/xalloc.h"

#include <math.h>
#include <stdlib.h>

#define RES_ROWS 12

void render_bytes(double b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;

	if (isnan(b)) {
		snprintf(buf, len, "—");
		return;
	}
	while (b >= 1024 && u + 1 < sizeof(units) / sizeof(units[0]))
		b /= 1024, u++;
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static const struct analyze_run *res_sort_run;

static int res_cmp(const void *a, const void *b)
{
	const struct analyze_node *x = &res_sort_run->nodes[*(const size_t *)a];
	const struct analyze_node *y = &res_sort_run->nodes[*(const size_t *)b];
	double cx = isnan(x->cpu_ms) ? -1 : x->cpu_ms, cy = isnan(y->cpu_ms) ? -1 : y->cpu_ms;

	return cx < cy ? 1 : cx > cy ? -1 : 0;
}

/* The nodes with figures, busiest first; their count. */
static size_t res_order(const struct analyze_run *run, size_t **out)
{
	size_t n = 0;

	*out = fl_xcalloc(run->n_nodes + 1, sizeof(**out));
	for (size_t i = 0; i < run->n_nodes; i++)
		if (run->nodes[i].has_resources)
			(*out)[n++] = i;
	res_sort_run = run;
	qsort(*out, n, sizeof(**out), res_cmp);
	return n;
}

struct res_cells {
	char cpu[32], rss[32], rx[32], tx[32];
};

static void res_cells(double cpu, double rss, double rx, double tx, struct res_cells *c)
{
	render_ms(cpu, c->cpu, sizeof(c->cpu));
	render_bytes(rss, c->rss, sizeof(c->rss));
	render_bytes(rx, c->rx, sizeof(c->rx));
	render_bytes(tx, c->tx, sizeof(c->tx));
}

static void res_totals(const struct analyze_run *run, const size_t *v, size_t n,
		       struct res_cells *c)
{
	double t[4] = {0, 0, 0, 0};

	for (size_t k = 0; k < n; k++) {
		const struct analyze_node *x = &run->nodes[v[k]];
		double f[4] = {x->cpu_ms, x->max_rss_bytes, x->rx_bytes, x->tx_bytes};

		for (int j = 0; j < 4; j++)
			t[j] += isnan(f[j]) ? 0 : f[j];
	}
	res_cells(t[0], t[1], t[2], t[3], c);
}

void render_md_resources(FILE *f, const struct analyze_run *run)
{
	size_t *v, n = res_order(run, &v);
	struct res_cells c;

	if (n) {
		fputs("**Resources per node** (busiest first)\n\n| node | CPU | peak memory | "
		      "received | sent |\n|---|---|---|---|---|\n",
		      f);
		for (size_t k = 0; k < n && k < RES_ROWS; k++) {
			const struct analyze_node *x = &run->nodes[v[k]];

			res_cells(x->cpu_ms, x->max_rss_bytes, x->rx_bytes, x->tx_bytes, &c);
			fprintf(f, "| %s | %s | %s | %s | %s |\n", x->name, c.cpu, c.rss, c.rx,
				c.tx);
		}
		if (n > RES_ROWS) {
			res_totals(run, v, n, &c);
			fprintf(f, "| all %zu nodes | %s | %s | %s | %s |\n", n, c.cpu, c.rss, c.rx,
				c.tx);
		}
		fputc('\n', f);
	}
	free(v);
}

void render_html_resources(FILE *f, const struct analyze_run *run)
{
	size_t *v, n = res_order(run, &v);
	struct res_cells c;

	if (n) {
		fputs("<h2>Resources per node</h2>\n<table><tr><th>node</th><th>CPU</th><th>peak "
		      "memory</th><th>received</th><th>sent</th></tr>\n",
		      f);
		for (size_t k = 0; k < n && k < 4 * RES_ROWS; k++) {
			const struct analyze_node *x = &run->nodes[v[k]];

			res_cells(x->cpu_ms, x->max_rss_bytes, x->rx_bytes, x->tx_bytes, &c);
			fputs("<tr><td>", f);
			render_xml_escape(f, x->name);
			fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				c.cpu, c.rss, c.rx, c.tx);
		}
		res_totals(run, v, n, &c);
		fprintf(f,
			"<tr><th>all %zu nodes</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
			"</tr>\n</table>\n",
			n, c.cpu, c.rss, c.rx, c.tx);
	}
	free(v);
}
