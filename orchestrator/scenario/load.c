/* scenario_load: file → YAML tree → struct scenario → semantic checks. */
#include "orchestrator/scenario/parse.h"
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/image.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_MAX_BYTES (64u << 20)

static void load_free_fault(struct scenario_fault *f)
{
	free(f->name);
	scenario_selector_free(&f->target);
	for (size_t i = 0; i < f->n_groups; i++)
		scenario_selector_free(&f->groups[i]);
	free(f->groups);
}

static void load_free_expect(struct scenario_expect *e)
{
	free(e->where_traffic);
	free(e->where_from);
	free(e->where_to);
	free(e->where_fault);
	free(e->where_node);
}

void scenario_free(struct scenario *sc)
{
	free(sc->name);
	free(sc->description);
	for (size_t i = 0; i < sc->n_images; i++) {
		free(sc->images[i].name);
		free(sc->images[i].image);
		free(sc->images[i].driver);
	}
	free(sc->images);
	for (size_t i = 0; i < sc->n_nodes; i++)
		scenario_node_free(&sc->nodes[i]);
	free(sc->nodes);
	free(sc->node_order);
	for (size_t i = 0; i < sc->topology.n_links; i++) {
		free(sc->topology.links[i].a);
		free(sc->topology.links[i].b);
	}
	free(sc->topology.links);
	for (size_t i = 0; i < sc->n_traffic; i++) {
		free(sc->traffic[i].name);
		free(sc->traffic[i].after);
		free(sc->traffic[i].of);
		scenario_selector_free(&sc->traffic[i].from);
		scenario_selector_free(&sc->traffic[i].to);
	}
	free(sc->traffic);
	for (size_t i = 0; i < sc->n_faults; i++)
		load_free_fault(&sc->faults[i]);
	scenario_sites_free(sc);
	free(sc->faults);
	for (size_t i = 0; i < sc->n_expect; i++)
		load_free_expect(&sc->expect[i]);
	free(sc->expect);
	memset(sc, 0, sizeof(*sc));
}

static const struct scenario *load_sort_sc; /* qsort has no context argument */

static int load_node_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(load_sort_sc->nodes[x].name, load_sort_sc->nodes[y].name);

	return c ? c : (x < y ? -1 : x > y);
}

/* Builds sc->node_order once the nodes are final. */
static void load_index_nodes(struct scenario *sc)
{
	sc->node_order = fl_xmalloc((sc->n_nodes + 1) * sizeof(*sc->node_order));
	for (size_t i = 0; i < sc->n_nodes; i++)
		sc->node_order[i] = (uint32_t)i;
	load_sort_sc = sc;
	qsort(sc->node_order, sc->n_nodes, sizeof(*sc->node_order), load_node_cmp);
	load_sort_sc = NULL;
}

/* Orders the errors by position (stable), so the file reads top to bottom. */
static void load_sort_errors(struct scenario_errors *errs)
{
	for (size_t i = 1; i < errs->n; i++) {
		struct scenario_error e = errs->e[i];
		size_t j = i;

		while (j > 0 && (errs->e[j - 1].at.line > e.at.line ||
				 (errs->e[j - 1].at.line == e.at.line &&
				  errs->e[j - 1].at.col > e.at.col))) {
			errs->e[j] = errs->e[j - 1];
			j--;
		}
		errs->e[j] = e;
	}
}

int scenario_load_buffer(const char *name, const char *data, size_t len, struct scenario *sc,
			 struct scenario_errors *errs)
{
	struct sparse p = {.sc = sc, .errs = errs};
	struct scenario_mark at;
	struct ytree *root;
	char msg[sizeof(errs->e[0].msg)];

	memset(sc, 0, sizeof(*sc));
	scenario_errors_init(errs, name);
	root = ytree_parse(data, len, &at, msg, sizeof(msg));
	if (!root) {
		scenario_error_at(&p, at, "%s",
				  msg[0] ? msg
					 : "empty scenario (expected a mapping with version, name, "
					   "duration, nodes)");
		return -1;
	}
	if (scenario_parse_top(&p, root) == 0 && errs->n == 0) {
		load_index_nodes(sc);
		scenario_validate(&p);
	}
	scenario_node_free(&p.dflt);
	ytree_free(root);
	if (errs->n == 0)
		return 0;
	load_sort_errors(errs);
	scenario_free(sc);
	return -1;
}

int scenario_load(const char *path, struct scenario *sc, struct scenario_errors *errs)
{
	cleanup_fclose FILE *f = fopen(path, "rb");
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0, got;

	memset(sc, 0, sizeof(*sc));
	scenario_errors_init(errs, path);
	if (!f) {
		struct sparse p = {.sc = sc, .errs = errs};

		scenario_error_at(&p, (struct scenario_mark){0, 0}, "cannot open: %s",
				  strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = fl_xrealloc(buf, cap + 1);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0 && len < LOAD_MAX_BYTES);
	if (ferror(f) || len >= LOAD_MAX_BYTES) {
		struct sparse p = {.sc = sc, .errs = errs};

		scenario_error_at(&p, (struct scenario_mark){0, 0}, "cannot read: %s",
				  ferror(f) ? strerror(errno) : "larger than 64 MiB");
		return -1;
	}
	buf[len] = '\0';
	return scenario_load_buffer(path, buf, len, sc, errs);
}

long scenario_node_find(const struct scenario *sc, const char *name)
{
	size_t lo = 0, hi = sc->n_nodes;

	if (!sc->node_order) {
		for (size_t i = 0; i < sc->n_nodes; i++)
			if (strcmp(sc->nodes[i].name, name) == 0)
				return (long)i;
		return -1;
	}
	while (lo < hi) { /* the leftmost node_order entry whose name is >= name */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(sc->nodes[sc->node_order[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sc->n_nodes && strcmp(sc->nodes[sc->node_order[lo]].name, name) == 0)
		return (long)sc->node_order[lo];
	return -1;
}

long scenario_image_find(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_images; i++)
		if (strcmp(sc->images[i].name, name) == 0)
			return (long)i;
	return -1;
}

const char *scenario_node_driver(const struct scenario *sc, const struct scenario_node *node)
{
	long i = scenario_image_find(sc, node->image);
	const struct image_desc *img = image_find(node->image);

	if (i >= 0)
		return sc->images[i].driver;
	return img ? img->driver : image_default()->driver;
}

const char *scenario_role_name(enum scenario_role role)
{
	static const char *const names[] = {"relay", "service", "light"};

	return names[role];
}
