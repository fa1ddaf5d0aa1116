/* Loads a folder of fleet logs into the message × node table; prints and writes it. */
#include "orchestrator/analyze/fleetlog.h"

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "orchestrator/analyze/linescan.h"
#include "orchestrator/render/jsonw.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FLEETLOG_UNTIMED UINT64_MAX /* seen, at a time the line did not give */

/* One file to read and the node it belongs to. */
struct fleetlog_file {
	char path[4400];
	uint32_t node;
};

struct fleetlog_ctx {
	struct fleetlog *fl;
	uint32_t node;
	struct fleetlog_reader rd;
};

static int fleetlog_skip(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && strcmp(d->d_name, "logs-report.json") != 0 &&
	       !(n > 4 && strcmp(d->d_name + n - 4, ".tmp") == 0);
}

static uint32_t fleetlog_node(struct fleetlog *fl, const char *name)
{
	char base[256];
	char *dot;
	struct fleetlog_node *nodes;

	snprintf(base, sizeof(base), "%s", name);
	dot = strrchr(base, '.');
	if (dot && (!strcmp(dot, ".log") || !strcmp(dot, ".txt") || !strcmp(dot, ".json") ||
		    !strcmp(dot, ".jsonl")))
		*dot = '\0';
	for (size_t i = 0; i < fl->n_nodes; i++)
		if (strcmp(fl->nodes[i].name, base) == 0)
			return (uint32_t)i;
	nodes = fl_xreallocarray(fl->nodes, fl->n_nodes + 1, sizeof(*nodes));
	fl->nodes = nodes;
	memset(&nodes[fl->n_nodes], 0, sizeof(*nodes));
	nodes[fl->n_nodes].name = amap_arena_strdup(&fl->arena, base);
	return nodes[fl->n_nodes].name ? (uint32_t)fl->n_nodes++ : UINT32_MAX;
}

/* Lists the files: top-level files are nodes by name, folders are nodes with all their files. */
static int fleetlog_list(struct fleetlog *fl, const char *dir, struct fleetlog_file **out,
			 size_t *n_out, struct fl_error *err)
{
	struct dirent **top = NULL;
	int n = scandir(dir, &top, fleetlog_skip, alphasort), r = 0;

	if (n < 0)
		return fl_err_errno(err, "read %s", dir);
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		struct dirent **sub = NULL;
		int m = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, top[i]->d_name);
		if (r == 0 && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				m = scandir(path, &sub, fleetlog_skip, alphasort);
			for (int j = S_ISDIR(st.st_mode) ? 0 : -1; j < m; j++) {
				struct fleetlog_file *f;
				*out = fl_xreallocarray(*out, *n_out + 1, sizeof(**out));
				f = &(*out)[(*n_out)++];
				if (j < 0)
					snprintf(f->path, sizeof(f->path), "%s", path);
				else
					snprintf(f->path, sizeof(f->path), "%s/%s", path,
						 sub[j]->d_name);
				f->node = fleetlog_node(fl, top[i]->d_name);
			}
			for (int j = 0; j < m; j++)
				free(sub[j]);
			free(sub);
		}
		free(top[i]);
	}
	free(top);
	return r;
}

static struct fleetlog_hash *fleetlog_hash_get(struct fleetlog *fl, const char *h, size_t n)
{
	struct fleetlog_hash *e;
	uint32_t idx;

	if (amap_get(&fl->by_hash, h, n, &idx))
		return &fl->hashes[idx];
	if (fl->n_hashes == fl->cap_hashes) {
		size_t cap = fl->cap_hashes ? fl->cap_hashes * 2 : 256;
		fl->hashes = fl_xreallocarray(fl->hashes, cap, sizeof(*fl->hashes));
		fl->cap_hashes = cap;
	}
	e = &fl->hashes[fl->n_hashes];
	memset(e, 0, sizeof(*e));
	e->hash = amap_arena_strndup(&fl->arena, h, n);
	e->first_ns = amap_arena_alloc(&fl->arena, fl->n_nodes * sizeof(*e->first_ns));
	amap_put(&fl->by_hash, e->hash, n, (uint32_t)fl->n_hashes);
	fl->n_hashes++;
	return e;
}

/* Records that node saw h at t (FLEETLOG_UNTIMED: at a time the line did not give). */
static void fleetlog_sight(struct fleetlog *fl, struct fleetlog_hash *h, uint32_t node, uint64_t t,
			   const char *event, size_t event_len)
{
	uint64_t *slot = &h->first_ns[node];

	if (*slot == 0)
		h->seen_by++;
	if (*slot == 0 || *slot == FLEETLOG_UNTIMED || (t != FLEETLOG_UNTIMED && t < *slot))
		*slot = t;
	if (t != FLEETLOG_UNTIMED && (h->min_ns == 0 || t < h->min_ns)) {
		h->min_ns = t;
		h->origin_event = event ? amap_arena_strndup(&fl->arena, event, event_len) : "";
	}
}

static int fleetlog_line_cb(void *ctx, const char *p, size_t n)
{
	struct fleetlog_ctx *c = ctx;
	struct fleetlog_node *node = &c->fl->nodes[c->node];
	struct fleetlog_line l;
	struct fleetlog_hash *h;
	int r;

	node->lines++;
	r = fleetlog_reader_line(&c->rd, p, n, &l);
	if (node->format == FLEETLOG_AUTO && c->rd.fmt != FLEETLOG_AUTO)
		node->format = c->rd.fmt;
	if (r == 0)
		return 0;
	node->hash_lines++;
	h = fleetlog_hash_get(c->fl, l.hash, l.hash_len);
	h->short_form = l.short_hash;
	fleetlog_sight(c->fl, h, c->node, l.has_t ? l.t_ns : FLEETLOG_UNTIMED,
		       l.event ? l.event : "", l.event ? l.event_len : 0);
	return 0;
}

/* Joins each short hash (0x4c32...b826) to the one full hash it abbreviates, when exactly one
 * does; a short hash with no or several candidates stays a row of its own. */
static void fleetlog_join_short(struct fleetlog *fl)
{
	struct amap by_short = {0};
	size_t o = 0;
	char sh[14];
	uint32_t idx;

	for (size_t i = 0; i < fl->n_hashes; i++) {
		if (fleetlog_short_of(fl->hashes[i].hash, strlen(fl->hashes[i].hash), sh) < 0)
			continue;
		/* two full hashes that fit make it ambiguous */
		amap_put(&by_short, sh, 13,
			 amap_get(&by_short, sh, 13, &idx) ? UINT32_MAX : (uint32_t)i);
	}
	for (size_t i = 0; i < fl->n_hashes; i++) {
		struct fleetlog_hash *h = &fl->hashes[i], *full;

		if (h->short_form && amap_get(&by_short, h->hash, strlen(h->hash), &idx) &&
		    idx != UINT32_MAX) {
			full = &fl->hashes[idx];
			for (size_t j = 0; j < fl->n_nodes; j++)
				if (h->first_ns[j])
					fleetlog_sight(
					    fl, full, (uint32_t)j, h->first_ns[j], h->origin_event,
					    h->origin_event ? strlen(h->origin_event) : 0);
			h->hash = NULL; /* merged */
		}
	}
	amap_free(&by_short);
	for (size_t i = 0; i < fl->n_hashes; i++)
		if (fl->hashes[i].hash)
			fl->hashes[o++] = fl->hashes[i];
	fl->n_hashes = o;
}

void fleetlog_free(struct fleetlog *fl)
{
	if (!fl)
		return;
	free(fl->nodes);
	free(fl->hashes);
	amap_free(&fl->by_hash);
	amap_arena_free(&fl->arena);
	free(fl);
}

/* Reads every file; hashes need the final node count, so nodes are listed first. A file's
 * mtime gives year-less times their year. */
static int fleetlog_read(struct fleetlog *fl, struct fleetlog_file *files, size_t n,
			 enum fleetlog_format forced, struct fl_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct fleetlog_ctx c = {.fl = fl, .node = files[i].node};
		struct stat st;
		int r;

		fleetlog_reader_init(&c.rd, forced,
				     stat(files[i].path, &st) == 0
					 ? (uint64_t)st.st_mtim.tv_sec * 1000000000ull
					 : 0);
		if (forced != FLEETLOG_AUTO)
			fl->nodes[c.node].format = forced;
		r = linescan_file(files[i].path, fleetlog_line_cb, &c, err);
		fleetlog_reader_free(&c.rd);
		if (r < 0)
			return -1;
	}
	fleetlog_join_short(fl);
	for (size_t i = 0; i < fl->n_hashes; i++) {
		struct fleetlog_hash *h = &fl->hashes[i];

		fl->misses += fl->n_nodes - h->seen_by;
		for (size_t j = 0; j < fl->n_nodes; j++) /* the last node to see it first */
			if (h->first_ns[j] != FLEETLOG_UNTIMED && h->first_ns[j] > h->max_ns)
				h->max_ns = h->first_ns[j];
	}
	return 0;
}

struct fleetlog *fleetlog_load(const char *dir, const char *format, struct fl_error *err)
{
	struct fleetlog *fl = fl_xcalloc(1, sizeof(*fl));
	cleanup_free struct fleetlog_file *files = NULL;
	enum fleetlog_format forced = FLEETLOG_AUTO;
	size_t n = 0;

	if (format && fleetlog_format_parse(format, &forced) < 0) {
		fl_err(err,
		       "unknown log format \"%s\" (nwaku, nwaku-json, go-waku, go-waku-json, "
		       "status-go, labnode)",
		       format);
		goto fail;
	}
	if (fleetlog_list(fl, dir, &files, &n, err) < 0)
		goto fail;
	if (n == 0) {
		fl_err(err, "%s holds no log files", dir);
		goto fail;
	}
	if (fleetlog_read(fl, files, n, forced, err) < 0)
		goto fail;
	return fl;
fail:
	fleetlog_free(fl);
	return NULL;
}

static double fleetlog_spread_ms(const struct fleetlog_hash *h)
{
	return h->max_ns && h->min_ns ? (double)(h->max_ns - h->min_ns) / 1e6 : 0;
}

int fleetlog_write_json(const struct fleetlog *fl, const char *path, struct fl_error *err)
{
	FILE *f = fopen(path, "we");
	struct jsonw w;

	if (!f)
		return fl_err_errno(err, "create %s", path);
	jsonw_init(&w, f);
	jsonw_obj(&w, 0);
	jsonw_key(&w, "nodes");
	jsonw_arr(&w, 0);
	for (size_t i = 0; i < fl->n_nodes; i++) {
		jsonw_obj(&w, 1);
		jsonw_kstr(&w, "name", fl->nodes[i].name);
		jsonw_kstr(&w, "format", fleetlog_format_name(fl->nodes[i].format));
		jsonw_ku64(&w, "lines", fl->nodes[i].lines);
		jsonw_ku64(&w, "hash_lines", fl->nodes[i].hash_lines);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_key(&w, "totals");
	jsonw_obj(&w, 1);
	jsonw_ku64(&w, "nodes", fl->n_nodes);
	jsonw_ku64(&w, "hashes", fl->n_hashes);
	jsonw_ku64(&w, "misses", fl->misses);
	jsonw_obj_end(&w);
	jsonw_key(&w, "hashes");
	jsonw_arr(&w, 0);
	for (size_t i = 0; i < fl->n_hashes; i++) {
		const struct fleetlog_hash *h = &fl->hashes[i];

		jsonw_obj(&w, 1);
		jsonw_kstr(&w, "hash", h->hash);
		jsonw_knum(&w, "first_seen_ms", h->min_ns ? (double)h->min_ns / 1e6 : NAN);
		jsonw_kstr(&w, "origin_event", h->origin_event);
		jsonw_knum(&w, "propagation_ms", fleetlog_spread_ms(h));
		jsonw_ku64(&w, "seen_by", h->seen_by);
		jsonw_key(&w, "seen");
		jsonw_obj(&w, 1);
		for (size_t j = 0; j < fl->n_nodes; j++) {
			uint64_t t = h->first_ns[j];

			if (!t)
				continue;
			jsonw_knum(&w, fl->nodes[j].name,
				   t == FLEETLOG_UNTIMED || !h->min_ns
				       ? NAN
				       : (double)(t - h->min_ns) / 1e6);
		}
		jsonw_obj_end(&w);
		jsonw_key(&w, "missed_by");
		jsonw_arr(&w, 1);
		for (size_t j = 0; j < fl->n_nodes; j++)
			if (!h->first_ns[j])
				jsonw_str(&w, fl->nodes[j].name);
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	if (fclose(f) != 0)
		return fl_err_errno(err, "write %s", path);
	return 0;
}

#define FLEETLOG_PRINT_ROWS 50
#define FLEETLOG_PRINT_COLS 12

/* The table: one row per hash, one column per node with its offset from the first sighting. */
void fleetlog_print(const struct fleetlog *fl, FILE *f)
{
	size_t cols = fl->n_nodes < FLEETLOG_PRINT_COLS ? fl->n_nodes : FLEETLOG_PRINT_COLS;
	size_t rows = fl->n_hashes < FLEETLOG_PRINT_ROWS ? fl->n_hashes : FLEETLOG_PRINT_ROWS;

	fprintf(f, "fleet logs: %zu nodes, %zu message hashes, %zu missed (hash, node) pairs\n\n",
		fl->n_nodes, fl->n_hashes, fl->misses);
	fprintf(f, "%-20s", "hash");
	for (size_t j = 0; j < cols; j++)
		fprintf(f, " %10.10s", fl->nodes[j].name);
	fprintf(f, " %12s\n", "propagation");
	for (size_t i = 0; i < rows; i++) {
		const struct fleetlog_hash *h = &fl->hashes[i];
		char pr[32];

		fprintf(f, "%-16.16s... ", h->hash);
		for (size_t j = 0; j < cols; j++) {
			uint64_t t = h->first_ns[j];
			char cell[32];

			if (!t)
				snprintf(cell, sizeof(cell), "MISSED");
			else if (t == FLEETLOG_UNTIMED || !h->min_ns)
				snprintf(cell, sizeof(cell), "seen");
			else
				snprintf(cell, sizeof(cell), "+%.1fms",
					 (double)(t - h->min_ns) / 1e6);
			fprintf(f, " %10s", cell);
		}
		snprintf(pr, sizeof(pr), "%.1f ms", fleetlog_spread_ms(h));
		fprintf(f, " %12s\n", pr);
	}
	if (rows < fl->n_hashes || cols < fl->n_nodes)
		fprintf(f, "(table cut to %zu × %zu; everything is in logs-report.json)\n", rows,
			cols);
	if (fl->misses)
		fputs("\nmissed:\n", f);
	for (size_t i = 0, shown = 0; i < fl->n_hashes && shown < FLEETLOG_PRINT_ROWS; i++) {
		const struct fleetlog_hash *h = &fl->hashes[i];

		if (h->seen_by == fl->n_nodes)
			continue;
		fprintf(f, "  %s not seen by", h->hash);
		for (size_t j = 0; j < fl->n_nodes; j++)
			if (!h->first_ns[j])
				fprintf(f, " %s", fl->nodes[j].name);
		fputc('\n', f);
		shown++;
	}
}

int fleetlog_analyze_dir(const char *dir, const struct fleetlog_opts *o, struct fl_error *err)
{
	struct fleetlog *fl = fleetlog_load(dir, o ? o->format : NULL, err);
	char path[4200];
	struct stat st;
	int r;

	if (!fl)
		return -1;
	if (o && o->out && stat(o->out, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(path, sizeof(path), "%s/logs-report.json", o->out);
	else if (o && o->out)
		snprintf(path, sizeof(path), "%s", o->out);
	else
		snprintf(path, sizeof(path), "%s/logs-report.json", dir);
	if (!o || !o->quiet)
		fleetlog_print(fl, stdout);
	r = fleetlog_write_json(fl, path, err);
	if (r == 0 && (!o || !o->quiet))
		printf("\nwrote %s\n", path);
	fleetlog_free(fl);
	return r;
}
