/* Semantic checks that need the whole scenario: nodes, images, topology, selectors. Each
 * error points at the offending value. Traffic, faults and expectations: validate_*.c. */
#include "orchestrator/scenario/parse.h"
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/image.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Edit distance of a and b, stopping early above 3 (only small distances matter here). */
size_t scenario_name_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, best;

	if (la >= 64 || lb >= 64 || (la > lb ? la - lb : lb - la) > 3)
		return 4;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j], sub = prev + (a[i - 1] != b[j - 1]);

			row[j] = sub < row[j - 1] + 1 ? sub : row[j - 1] + 1;
			row[j] = row[j] < cur + 1 ? row[j] : cur + 1;
			prev = cur;
			best = row[j] < best ? row[j] : best;
		}
		if (best > 3)
			return 4;
	}
	return row[lb];
}

/* "no node named "bobb" (did you mean "bob"?)" when one name is close (names of 3+ chars). */
void scenario_validate_unknown_node(struct sparse *p, struct scenario_mark at, const char *name)
{
	const struct scenario *sc = p->sc;
	size_t len = strlen(name), max = len < 3 ? 0 : (len + 2) / 3, best = max + 1;
	const char *hint = NULL;

	for (size_t i = 0; max > 0 && i < sc->n_nodes; i++) {
		size_t d = scenario_name_distance(name, sc->nodes[i].name);

		if (d < best) {
			best = d;
			hint = sc->nodes[i].name;
		}
	}
	if (hint)
		scenario_error_at(p, at, "no node named \"%s\" (did you mean \"%s\"?)", name, hint);
	else
		scenario_error_at(p, at, "no node named \"%s\"", name);
}

static size_t validate_selector_walk(struct sparse *p, const struct scenario_selector *sel)
{
	const struct scenario *sc = p->sc;
	size_t n = 0;

	switch (sel->kind) {
	case SCENARIO_SEL_NAME:
		if (scenario_node_find(sc, sel->text) < 0) {
			scenario_validate_unknown_node(p, sel->mark, sel->text);
			return 0;
		}
		return 1;
	case SCENARIO_SEL_LIST:
		if (sel->n_items == 0)
			scenario_error_at(p, sel->mark, "an empty list selects no node");
		for (size_t i = 0; i < sel->n_items; i++)
			n += validate_selector_walk(p, &sel->items[i]);
		return n;
	case SCENARIO_SEL_PICK:
		n = sel->from ? validate_selector_walk(p, sel->from) : 0;
		if (n && n < sel->pick)
			scenario_error_at(p, sel->mark,
					  "cannot pick %u nodes from a selector that matches %zu",
					  sel->pick, n);
		return n;
	case SCENARIO_SEL_SITE:
		if (scenario_site_find(sc, sel->text) < 0) {
			scenario_validate_unknown_site(p, sel->mark, sel->text);
			return 0;
		}
		__attribute__((fallthrough));
	default: {
		uint32_t *out = fl_xcalloc(sc->n_nodes + 1, sizeof(*out));

		n = scenario_selector_resolve(sc, sel, NULL, out);
		free(out);
		if (n == 0)
			scenario_error_at(p, sel->mark, "selector \"%s\" matches no node",
					  sel->text);
		return n;
	}
	}
}

size_t scenario_validate_selector(struct sparse *p, const struct scenario_selector *sel)
{
	return validate_selector_walk(p, sel);
}

/* The unknown images already reported, by the place that names them: a `defaults: image:`
 * or a brace range shared by many nodes is one error, not one per node. */
struct validate_seen {
	struct scenario_mark *at;
	size_t n;
};

static void validate_unknown_image(struct sparse *p, const struct scenario_node *n,
				   struct validate_seen *seen)
{
	for (size_t k = 0; k < seen->n; k++)
		if (seen->at[k].line == n->image_mark.line && seen->at[k].col == n->image_mark.col)
			return;
	seen->at = fl_xreallocarray(seen->at, seen->n + 1, sizeof(*seen->at));
	seen->at[seen->n++] = n->image_mark;
	scenario_error_at(p, n->image_mark, "unknown image \"%s\" (expected %s or a key of images)",
			  n->image, image_names());
}

/* "a, b or c" of a NULL-terminated list, for messages. */
static void validate_list(const char *const *list, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; list && list[i] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i == 0	      ? ""
					: list[i + 1] ? ", "
						      : " or ",
					list[i]);
}

/* The node's reliability layers against its driver's list. A list inherited from defaults:
 * is checked only on nodes whose driver takes some layers (the others ignore it). */
static void validate_reliability(struct sparse *p, const struct scenario_node *n)
{
	const char *dname = scenario_node_driver(p->sc, n);
	const struct driver_ops *d = driver_find(dname);
	char takes[128];

	if (!n->reliability.n || !d || (!n->reliability_set && !d->reliability))
		return;
	for (size_t k = 0; k < n->reliability.n; k++) {
		if (driver_takes_reliability(d, n->reliability.v[k]))
			continue;
		validate_list(d->reliability, takes, sizeof(takes));
		if (d->reliability)
			scenario_error_at(p, n->reliability_mark,
					  "reliability \"%s\" does not apply to node \"%s\" (%s "
					  "takes %s)",
					  n->reliability.v[k], n->name, dname, takes);
		else
			scenario_error_at(p, n->reliability_mark,
					  "reliability does not apply to node \"%s\" (%s takes no "
					  "reliability layers)",
					  n->name, dname);
		return;
	}
}

/* The node's role against its driver's list. */
static void validate_role(struct sparse *p, const struct scenario_node *n)
{
	const char *dname = scenario_node_driver(p->sc, n);
	const struct driver_ops *d = driver_find(dname);
	char takes[128];

	if (driver_takes_role(d, scenario_role_name(n->role)))
		return;
	validate_list(d->roles, takes, sizeof(takes));
	scenario_error_at(p, n->role_mark.line ? n->role_mark : n->mark,
			  "node \"%s\" cannot have role %s (%s nodes take %s)", n->name,
			  scenario_role_name(n->role), dname, takes);
}

/* Duplicate names, known images, each node's reliability and role against its driver. */
static void validate_nodes(struct sparse *p)
{
	const struct scenario *sc = p->sc;
	struct validate_seen seen = {0};
	int has_service = 0;

	for (size_t i = 0; i < sc->n_nodes; i++)
		has_service |= sc->nodes[i].role == SCENARIO_ROLE_SERVICE;
	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct scenario_node *n = &sc->nodes[i];
		long first = scenario_node_find(sc, n->name);

		if (first != (long)i)
			scenario_error_at(p, n->mark,
					  "duplicate node name \"%s\" (first at line %d)", n->name,
					  sc->nodes[first].mark.line);
		if (!image_find(n->image) && scenario_image_find(sc, n->image) < 0) {
			validate_unknown_image(p, n, &seen);
		} else {
			validate_reliability(p, n);
			validate_role(p, n);
		}
		if (n->role == SCENARIO_ROLE_LIGHT && !has_service)
			scenario_error_at(
			    p, n->role_mark.line ? n->role_mark : n->mark,
			    "light node \"%s\" has no service node to use (add a node "
			    "with role: service)",
			    n->name);
	}
	free(seen.at);
}

/* The wire protocol node i speaks (its driver's), NULL when unknown. */
static const char *validate_wire(const struct scenario *sc, size_t i)
{
	const struct driver_ops *d = driver_find(scenario_node_driver(sc, &sc->nodes[i]));

	return d ? d->wire : NULL;
}

/* A link between nodes of two wires (labnode's own and Waku's) would never carry a message:
 * refused at the link, or at the topology when it generates links over both. */
static void validate_wires(struct sparse *p)
{
	const struct scenario *sc = p->sc;
	const struct scenario_topology *t = &sc->topology;
	long first = -1;

	for (size_t i = 0; t->kind != SCENARIO_TOPO_NONE && i < sc->n_nodes; i++) {
		const char *w = validate_wire(sc, i);

		if (!w)
			continue;
		if (first < 0) {
			first = (long)i;
		} else if (strcmp(w, validate_wire(sc, (size_t)first)) != 0) {
			scenario_error_at(
			    p, t->mark,
			    "a %s topology links nodes that cannot speak to each other: \"%s\" "
			    "(%s) and \"%s\" (%s) (use kind: none and links within each)",
			    scenario_topology_kind_name(t->kind), sc->nodes[first].name,
			    scenario_node_driver(sc, &sc->nodes[first]), sc->nodes[i].name,
			    scenario_node_driver(sc, &sc->nodes[i]));
			break;
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		long a = scenario_node_find(sc, t->links[i].a),
		     b = scenario_node_find(sc, t->links[i].b);
		const char *wa, *wb;

		if (a < 0 || b < 0)
			continue;
		wa = validate_wire(sc, (size_t)a);
		wb = validate_wire(sc, (size_t)b);
		if (wa && wb && strcmp(wa, wb) != 0)
			scenario_error_at(p, t->links[i].mark_a,
					  "link [%s, %s]: %s and %s nodes cannot speak to each "
					  "other (%s wire vs %s)",
					  t->links[i].a, t->links[i].b,
					  scenario_node_driver(sc, &sc->nodes[a]),
					  scenario_node_driver(sc, &sc->nodes[b]), wa, wb);
	}
}

static void validate_mesh(struct sparse *p)
{
	const struct scenario_topology *t = &p->sc->topology;
	size_t n = p->sc->n_nodes;

	if (t->degree == 0) {
		scenario_error_at(p, t->mark,
				  "missing key \"degree\" in topology (mesh needs one)");
	} else if (t->degree >= n) {
		scenario_error_at(p, t->degree_mark,
				  "mesh degree %u needs more than %u nodes (there are %zu)",
				  t->degree, t->degree, n);
	} else if (t->degree * n % 2) {
		scenario_error_at(
		    p, t->degree_mark,
		    "mesh degree %u with %zu nodes is impossible (degree × nodes must "
		    "be even)",
		    t->degree, n);
	} else if (t->degree < 2 && n > 2) {
		scenario_error_at(p, t->degree_mark,
				  "mesh degree 1 cannot connect %zu nodes (use 2 or more)", n);
	}
}

#define VALIDATE_MAX_LINKS 1000000

static void validate_topology(struct sparse *p)
{
	const struct scenario_topology *t = &p->sc->topology;
	uint64_t n = p->sc->n_nodes;
	uint64_t links = t->kind == SCENARIO_TOPO_FULL	 ? n * (n - 1) / 2
			 : t->kind == SCENARIO_TOPO_MESH ? n * t->degree / 2
							 : n;

	if (links > VALIDATE_MAX_LINKS)
		scenario_error_at(p, t->mark,
				  "a %s topology of %llu nodes makes %llu links (at most %d)",
				  scenario_topology_kind_name(t->kind), (unsigned long long)n,
				  (unsigned long long)links, VALIDATE_MAX_LINKS);
	else if (t->kind == SCENARIO_TOPO_MESH)
		validate_mesh(p);
	else if (t->degree)
		scenario_error_at(p, t->degree_mark, "degree applies to kind: mesh only");
	for (size_t i = 0; i < t->n_links; i++) {
		const struct scenario_link *l = &t->links[i];

		if (scenario_node_find(p->sc, l->a) < 0)
			scenario_validate_unknown_node(p, l->mark_a, l->a);
		if (scenario_node_find(p->sc, l->b) < 0)
			scenario_validate_unknown_node(p, l->mark_b, l->b);
		else if (strcmp(l->a, l->b) == 0)
			scenario_error_at(p, l->mark_b, "a link needs two different nodes");
	}
}

void scenario_validate(struct sparse *p)
{
	validate_nodes(p);
	if (p->errs->n)
		return; /* everything below resolves node names */
	scenario_validate_sites(p);
	validate_topology(p);
	validate_wires(p);
	scenario_validate_traffic(p);
	scenario_validate_faults(p);
	scenario_validate_expect(p);
}
