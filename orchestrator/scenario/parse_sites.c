/* sites: {NAME: selector} — named groups of nodes behind one shared uplink — and the selector
 * {site: NAME}. A node is in at most one site; a site is written with names, globs, lists or
 * all (no picks: where a node lives is fixed before any draw, and no {site: …} inside one). */
#include "orchestrator/scenario/fault_kind.h"
#include "orchestrator/scenario/parse.h"
#include "orchestrator/runtime/runtime.h"

#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SITE_NAME_MAX 16 /* it goes into the site's namespace and agent names */

long scenario_site_find(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; name && i < sc->n_sites; i++)
		if (strcmp(sc->sites[i].name, name) == 0)
			return (long)i;
	return -1;
}

void scenario_sites_free(struct scenario *sc)
{
	for (size_t i = 0; i < sc->n_sites; i++) {
		free(sc->sites[i].name);
		scenario_selector_free(&sc->sites[i].nodes);
	}
	free(sc->sites);
	sc->sites = NULL;
	sc->n_sites = 0;
}

void scenario_validate_unknown_site(struct sparse *p, struct scenario_mark at, const char *name)
{
	const struct scenario *sc = p->sc;
	char list[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < sc->n_sites && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					sc->sites[i].name);
	if (sc->n_sites)
		scenario_error_at(p, at, "no site named \"%s\" (sites: %s)", name, list);
	else
		scenario_error_at(p, at, "no site named \"%s\" (the scenario has no sites:)", name);
}

static int site_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= SITE_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int site_selector_name(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_selector *sel = obj;
	const char *s = scenario_value_scalar(p, v, "a site name");

	if (!s)
		return -1;
	sel->text = scenario_strdup(s);
	return 0;
}

static const struct scenario_key site_selector_keys[] = {
    {"site", 1, site_selector_name},
    {NULL, 0, NULL},
};

int scenario_value_site_selector(struct sparse *p, const struct ytree *v,
				 struct scenario_selector *out)
{
	memset(out, 0, sizeof(*out));
	out->mark = v->mark;
	out->kind = SCENARIO_SEL_SITE;
	return scenario_keys_walk(p, v, "{site: NAME}", "a site selector", site_selector_keys, out);
}

int scenario_parse_sites(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario *sc = p->sc;

	sc->sites_mark = v->mark;
	if (scenario_value_is_null(v))
		return 0;
	if (v->type != YTREE_MAP) {
		scenario_error_at(p, v->mark,
				  "expected a mapping of site names to nodes such as {office: "
				  "[alice, bob]}, got %s",
				  ytree_type_name(v));
		return -1;
	}
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ytree *key = v->items[i];
		struct scenario_site *site;

		if (!site_name_ok(key->value)) {
			scenario_error_at(p, key->mark,
					  "expected a site name of lowercase letters, digits and - "
					  "(at most %d), got \"%s\"",
					  SITE_NAME_MAX, key->value);
			continue;
		}
		if (scenario_site_find(sc, key->value) >= 0) {
			scenario_error_at(p, key->mark, "site \"%s\" defined twice", key->value);
			continue;
		}
		site = scenario_array_push(&sc->sites, &sc->n_sites, sizeof(*site));
		site->name = scenario_strdup(key->value);
		site->mark = key->mark;
		scenario_value_selector(p, v->items[i + 1], &site->nodes);
	}
	return 0;
}

/* A site's own selector: no pick, no {site: …}. 0 when fine. */
static int sites_selector_plain(struct sparse *p, const struct scenario_selector *sel)
{
	int rc = 0;

	if (sel->kind == SCENARIO_SEL_PICK) {
		scenario_error_at(p, sel->mark,
				  "a site lists its nodes (names, globs, lists, all), not a pick");
		return -1;
	}
	if (sel->kind == SCENARIO_SEL_SITE) {
		scenario_error_at(p, sel->mark, "a site lists nodes, not another site");
		return -1;
	}
	for (size_t i = 0; i < sel->n_items; i++)
		if (sites_selector_plain(p, &sel->items[i]) < 0)
			rc = -1;
	return rc;
}

/* Each site's nodes: every node in one site at most (the second names it). */
static void sites_members(struct sparse *p)
{
	struct scenario *sc = p->sc;
	uint32_t *out = fl_xcalloc(sc->n_nodes + 1, sizeof(*out));

	for (size_t s = 0; s < sc->n_sites; s++) {
		const struct scenario_site *site = &sc->sites[s];
		size_t n;

		if (sites_selector_plain(p, &site->nodes) < 0 ||
		    scenario_validate_selector(p, &site->nodes) == 0)
			continue;
		n = scenario_selector_resolve(sc, &site->nodes, NULL, out);
		for (size_t k = 0; k < n; k++) {
			struct scenario_node *node = &sc->nodes[out[k]];

			if (node->site && node->site != s + 1)
				scenario_error_at(
				    p, site->nodes.mark,
				    "node \"%s\" is in sites \"%s\" and \"%s\" (a node "
				    "is behind one uplink)",
				    node->name, sc->sites[node->site - 1].name, site->name);
			else
				node->site = s + 1;
		}
	}
	free(out);
}

/* netem and bandwidth with target {site: X}: the site's uplink (f->site). */
static void sites_faults(struct sparse *p)
{
	struct scenario *sc = p->sc;

	for (size_t i = 0; i < sc->n_faults; i++) {
		struct scenario_fault *f = &sc->faults[i];
		long s;

		if (!fault_kind_of(f->kind)->site_uplink || f->target.kind != SCENARIO_SEL_SITE)
			continue;
		s = scenario_site_find(sc, f->target.text);
		if (s >= 0)
			f->site = (size_t)s + 1;
	}
}

void scenario_validate_sites(struct sparse *p)
{
	struct scenario *sc = p->sc;
	const struct runtime_ops *rt = runtime_ops_find(sc->runtime);

	if (!sc->n_sites)
		return;
	if (rt && !rt->site_netns)
		scenario_error_at(p, sc->sites_mark,
				  "the %s runtime has no sites yet (a site's shared uplink needs "
				  "runtime: netns)",
				  rt->name);
	sites_members(p);
	sites_faults(p);
}
