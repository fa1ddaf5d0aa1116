/* nodes: and defaults:. A node name may hold one brace range (svc{1..4}, n{01..10}). */
#include "orchestrator/scenario/parse.h"
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODES_NAME_MAX 63

struct node_entry {
	struct scenario_node node;
	const struct ytree *name;
	int has_role, has_image, has_reliability, has_args;
};

static int node_name(struct sparse *p, const struct ytree *v, void *obj)
{
	struct node_entry *e = obj;

	if (!scenario_value_scalar(p, v, "a node name"))
		return -1;
	e->name = v;
	return 0;
}

static int node_role(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"relay", "service", "light", NULL};
	struct node_entry *e = obj;
	int i;

	e->node.role_mark = v->mark;
	if (scenario_value_enum(p, v, names, &i) < 0)
		return -1;
	e->node.role = (enum scenario_role)i;
	e->has_role = 1;
	return 0;
}

static int node_image(struct sparse *p, const struct ytree *v, void *obj)
{
	struct node_entry *e = obj;

	e->node.image_mark = v->mark;
	if (scenario_value_string(p, v, &e->node.image) < 0)
		return -1;
	e->has_image = 1;
	return 0;
}

static int node_reliability(struct sparse *p, const struct ytree *v, void *obj)
{
	/* every layer some driver takes; validate.c checks the node's own driver's list */
	const char *const *features = driver_reliability_names();
	struct node_entry *e = obj;
	int rc, i;

	e->node.reliability_mark = v->mark;
	rc = scenario_value_strv(p, v, &e->node.reliability);
	for (size_t k = 0; rc == 0 && k < v->n; k++)
		if (scenario_value_enum(p, v->items[k], features, &i) < 0)
			rc = -1;
	e->has_reliability = rc == 0;
	return rc;
}

/* The flags faultlab fills in with paths of the node's data dir (or its secret): a node's
 * args may not name them, or a scenario would make root's node write anywhere
 * (`args: ["--events", "/etc/x"]`). */
static const char *const node_reserved_flags[] = {"--events", "--db", "--identity-file",
						  "--identity-seed", NULL};

static int node_arg_reserved(struct sparse *p, const struct ytree *item)
{
	const char *s = item->type == YTREE_SCALAR ? item->value : "";

	for (const char *const *f = node_reserved_flags; *f; f++) {
		size_t n = strlen(*f);

		if (strncmp(s, *f, n) == 0 && (s[n] == '\0' || s[n] == '=')) {
			scenario_error_at(p, item->mark,
					  "args: %s is filled in by faultlab (a file of the node's "
					  "data dir); a scenario may not set it",
					  *f);
			return -1;
		}
	}
	return 0;
}

static int node_args(struct sparse *p, const struct ytree *v, void *obj)
{
	struct node_entry *e = obj;
	int rc = 0;

	e->has_args = scenario_value_strv(p, v, &e->node.args) == 0;
	for (size_t i = 0; e->has_args && i < v->n; i++)
		rc |= node_arg_reserved(p, v->items[i]);
	return e->has_args && rc == 0 ? 0 : -1;
}

static const struct scenario_key node_keys[] = {
    {"name", 1, node_name},   {"role", 0, node_role},
    {"image", 0, node_image}, {"reliability", 0, node_reliability},
    {"args", 0, node_args},   {NULL, 0, NULL},
};

int scenario_parse_defaults(struct sparse *p, const struct ytree *v)
{
	struct node_entry e = {0};

	scenario_keys_walk(p, v, "a mapping of node keys", "defaults", node_keys + 1, &e);
	p->dflt = e.node;
	p->dflt_role = e.has_role;
	p->dflt_reliability = e.has_reliability;
	p->dflt_args = e.has_args;
	return 0;
}

void scenario_node_free(struct scenario_node *node)
{
	free(node->name);
	free(node->image);
	scenario_strv_free(&node->reliability);
	scenario_strv_free(&node->args);
}

static void nodes_copy_strv(struct scenario_strv *dst, const struct scenario_strv *src)
{
	dst->n = 0;
	dst->v = NULL;
	for (size_t i = 0; i < src->n; i++) {
		char **slot = scenario_array_push(&dst->v, &dst->n, sizeof(*dst->v));

		*slot = scenario_strdup(src->v[i]);
	}
}

static int nodes_check_name(struct sparse *p, const struct ytree *at, const char *name)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

	if (!*name || strspn(name, ok) != strlen(name) || strlen(name) > NODES_NAME_MAX) {
		scenario_error_at(p, at->mark,
				  "expected a node name of letters, digits, _ and - (at most %d), "
				  "got \"%s\"",
				  NODES_NAME_MAX, name);
		return -1;
	}
	if (strcmp(name, "all") == 0) {
		scenario_error_at(p, at->mark, "\"all\" is a selector and cannot name a node");
		return -1;
	}
	return 0;
}

/* Appends one node built from the entry (defaults filled in) under `name`. */
static void nodes_add(struct sparse *p, const struct node_entry *e, const char *name)
{
	struct scenario *sc = p->sc;
	struct scenario_node *n;

	if (sc->n_nodes >= SCENARIO_MAX_NODES) {
		if (sc->n_nodes == SCENARIO_MAX_NODES)
			scenario_error_at(p, e->name->mark, "more than %d nodes",
					  SCENARIO_MAX_NODES);
		return;
	}
	n = scenario_array_push(&sc->nodes, &sc->n_nodes, sizeof(*n));
	*n = e->node;
	n->name = scenario_strdup(name);
	n->mark = e->name->mark;
	n->role = e->has_role ? e->node.role : p->dflt_role ? p->dflt.role : SCENARIO_ROLE_RELAY;
	if (!e->has_role && p->dflt_role)
		n->role_mark = p->dflt.role_mark;
	n->image = scenario_strdup(e->has_image	   ? e->node.image
				   : p->dflt.image ? p->dflt.image
						   : image_default()->name);
	if (!e->has_image)
		n->image_mark = p->dflt.image ? p->dflt.image_mark : n->mark;
	nodes_copy_strv(&n->reliability,
			e->has_reliability ? &e->node.reliability : &p->dflt.reliability);
	n->reliability_set = e->has_reliability;
	if (!e->has_reliability)
		n->reliability_mark = p->dflt.reliability_mark;
	nodes_copy_strv(&n->args, e->has_args ? &e->node.args : &p->dflt.args);
}

/* Expands "pre{A..B}post"; a name without braces is added as is. */
static void nodes_expand(struct sparse *p, const struct node_entry *e)
{
	const char *name = e->name->value, *open = strchr(name, '{');
	unsigned long a, b;
	int wa = 0, wb = 0, used = 0;
	char buf[256];

	if (!open) {
		if (nodes_check_name(p, e->name, name) == 0)
			nodes_add(p, e, name);
		return;
	}
	if (sscanf(open, "{%lu%n..%lu%n}%n", &a, &wa, &b, &wb, &used) != 2 || !used ||
	    strchr(open + used, '{') || wa < 2 || wb - wa < 3) {
		scenario_error_at(p, e->name->mark,
				  "expected one brace range such as svc{1..4} in \"%s\"", name);
		return;
	}
	if (b < a || b - a >= SCENARIO_MAX_NODES) {
		scenario_error_at(p, e->name->mark,
				  "brace range in \"%s\" must count upward by at most %d", name,
				  SCENARIO_MAX_NODES);
		return;
	}
	for (unsigned long i = a; i <= b; i++) {
		int pad = open[1] == '0' && wa > 2 ? wa - 1 : 0; /* n{01..10} keeps the width */

		snprintf(buf, sizeof(buf), "%.*s%0*lu%s", (int)(open - name), name, pad, i,
			 open + used);
		if (nodes_check_name(p, e->name, buf) < 0)
			return;
		nodes_add(p, e, buf);
	}
}

int scenario_parse_nodes(struct sparse *p, const struct ytree *v, void *obj)
{
	if (v->type != YTREE_SEQ) {
		scenario_error_at(p, v->mark, "expected a list of nodes, got %s",
				  ytree_type_name(v));
		return -1;
	}
	if (v->n == 0)
		scenario_error_at(p, v->mark, "a scenario needs at least one node");
	for (size_t i = 0; i < v->n; i++) {
		struct node_entry e = {0};
		size_t before = p->errs->n + p->errs->dropped;

		scenario_keys_walk(p, v->items[i], "a node (a mapping with name, role, ...)",
				   "a node", node_keys, &e);
		if (e.name && p->errs->n + p->errs->dropped == before)
			nodes_expand(p, &e);
		e.node.name = NULL;
		scenario_node_free(&e.node);
	}
	return 0;
}
