/* plan.json → struct runplan (edge code: the run's only reader of the plan file; fault params
 * become typed struct fault_params here, through the fault-kind table). */
#include "orchestrator/run/runplan.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void runplan_str(char *dst, size_t len, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s ? s : "");
}

long runplan_node_find(const struct runplan *p, const char *name)
{
	for (size_t i = 0; i < p->n_nodes; i++)
		if (strcmp(p->nodes[i].name, name) == 0)
			return (long)i;
	return -1;
}

long runplan_event_find(const struct runplan *p, const char *id)
{
	for (size_t i = 0; i < p->n_events; i++)
		if (strcmp(p->events[i].id, id) == 0)
			return (long)i;
	return -1;
}

static int runplan_node_load(struct runplan_node *n, json_t *o)
{
	json_t *args = json_object_get(o, "args"), *rel = json_object_get(o, "reliability"), *v;
	size_t i;

	runplan_str(n->name, sizeof(n->name), o, "name");
	runplan_str(n->role, sizeof(n->role), o, "role");
	runplan_str(n->image, sizeof(n->image), o, "image");
	runplan_str(n->driver, sizeof(n->driver), o, "driver");
	runplan_str(n->address, sizeof(n->address), o, "address");
	runplan_str(n->site, sizeof(n->site), o, "site");
	json_array_foreach(rel, i, v) {
		size_t l = strlen(n->reliability);

		snprintf(n->reliability + l, sizeof(n->reliability) - l, "%s%s", i ? "," : "",
			 json_string_value(v) ?: "");
	}
	n->args = fl_xcalloc(json_array_size(args) + 1, sizeof(char *));
	json_array_foreach(args, i, v)
		n->args[i] = fl_xstrdup(json_string_value(v) ?: "");
	return n->name[0] ? 0 : -1;
}

/* Resolves an array of node names into indices; -1 when a name is unknown. */
static int runplan_names(const struct runplan *p, json_t *arr, uint32_t **out, size_t *n)
{
	json_t *v;
	size_t i;

	*n = 0;
	*out = fl_xcalloc(json_array_size(arr) + 1, sizeof(uint32_t));
	json_array_foreach(arr, i, v) {
		long k = runplan_node_find(p, json_string_value(v) ?: "");

		if (k < 0)
			return -1;
		(*out)[(*n)++] = (uint32_t)k;
	}
	return 0;
}

/* partition: the groups ([[names], ...]) → the group of each plan node, -1 none. */
static int runplan_groups(const struct runplan *p, struct fault_params *out, json_t *groups)
{
	json_t *g, *v;
	size_t i, j;

	if (!json_is_array(groups))
		return -1;
	out->group_of = fl_xcalloc(p->n_nodes + 1, sizeof(int));
	for (i = 0; i < p->n_nodes; i++)
		out->group_of[i] = -1;
	json_array_foreach(groups, i, g) {
		json_array_foreach(g, j, v) {
			long k = runplan_node_find(p, json_string_value(v) ?: "");

			if (k < 0)
				return -1;
			out->group_of[k] = (int)i;
		}
	}
	out->n_groups = (int)json_array_size(groups);
	return 0;
}

static int runplan_field(const struct runplan *p, const struct fault_field *fd, json_t *v,
			 struct fault_params *out)
{
	char *at = (char *)out + fd->off;

	switch (fd->type) {
	case FAULT_FIELD_MS:
		if (!json_is_integer(v))
			return -1;
		*(int64_t *)at = json_integer_value(v);
		return 0;
	case FAULT_FIELD_FRAC:
		if (!json_is_number(v))
			return -1;
		*(double *)at = json_number_value(v);
		return 0;
	case FAULT_FIELD_BPS:
	case FAULT_FIELD_BYTES:
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return -1;
		*(uint64_t *)at = (uint64_t)json_integer_value(v);
		return 0;
	case FAULT_FIELD_TEXT:
		if (!json_is_string(v))
			return -1;
		snprintf(at, sizeof(out->direction), "%s", json_string_value(v));
		return 0;
	case FAULT_FIELD_SIGNAL:
		*(int *)at = json_is_integer(v) ? (int)json_integer_value(v)
						: fault_signal_parse(json_string_value(v));
		return *(int *)at > 0 ? 0 : -1;
	case FAULT_FIELD_GROUPS:
		return runplan_groups(p, out, v);
	case FAULT_FIELD_PORTS:
		return fault_ports_from_json(v, out);
	}
	return -1;
}

int runplan_fault_params(const struct runplan *p, const struct fault_kind *k,
			 const struct json_t *obj, struct fault_params *out)
{
	memset(out, 0, sizeof(*out));
	out->signal = SIGKILL;
	for (size_t i = 0; i < k->n_fields; i++) {
		json_t *v = json_object_get(obj, k->fields[i].key);

		if (!v)
			continue;
		if (runplan_field(p, &k->fields[i], v, out) < 0)
			return -1;
		out->given |= 1u << i;
	}
	return 0;
}

static int runplan_fault_load(const struct runplan *p, struct runplan_fault *f, json_t *o)
{
	json_t *params = json_object_get(o, "params");

	runplan_str(f->id, sizeof(f->id), o, "id");
	runplan_str(f->name, sizeof(f->name), o, "name");
	f->kind = fault_kind_find(json_string_value(json_object_get(o, "kind")));
	f->start_ms = json_integer_value(json_object_get(o, "start_ms"));
	f->end_ms = json_integer_value(json_object_get(o, "end_ms"));
	f->until_delivered =
	    !strcmp(json_string_value(json_object_get(o, "until")) ?: "", "delivered");
	f->at_boot = !strcmp(json_string_value(json_object_get(o, "at")) ?: "", "boot");
	runplan_str(f->site, sizeof(f->site), o, "site");
	f->engine_seed = (uint64_t)json_integer_value(json_object_get(o, "engine_seed"));
	if (!f->kind ||
	    runplan_names(p, json_object_get(o, "targets"), &f->targets, &f->n_targets) < 0)
		return -1;
	return runplan_fault_params(p, f->kind, params, &f->params);
}

static long runplan_fault_find(const struct runplan *p, const char *id)
{
	for (size_t i = 0; i < p->n_faults; i++)
		if (strcmp(p->faults[i].id, id) == 0)
			return (long)i;
	return -1;
}

static int runplan_event_load(const struct runplan *p, struct runplan_event *e, json_t *o)
{
	char type[32];
	long k;

	runplan_str(e->id, sizeof(e->id), o, "id");
	runplan_str(type, sizeof(type), o, "type");
	e->t_ms = json_integer_value(json_object_get(o, "t_ms"));
	if (strcmp(type, "send") == 0) {
		e->type = RUNPLAN_SEND;
		runplan_str(e->msg, sizeof(e->msg), o, "msg");
		runplan_str(e->traffic, sizeof(e->traffic), o, "traffic");
		runplan_str(e->kind, sizeof(e->kind), o, "kind");
		e->accept = json_is_true(json_object_get(o, "accept"));
		e->size = (uint64_t)json_integer_value(json_object_get(o, "size"));
		k = runplan_node_find(p, json_string_value(json_object_get(o, "from")) ?: "");
		if (k < 0)
			return -1;
		e->from = (uint32_t)k;
		return runplan_names(p, json_object_get(o, "to"), &e->to, &e->n_to);
	}
	if (strcmp(type, "fault-apply") == 0)
		e->type = RUNPLAN_FAULT_APPLY;
	else if (strcmp(type, "fault-revert") == 0)
		e->type = RUNPLAN_FAULT_REVERT;
	else
		return -1;
	k = runplan_fault_find(p, json_string_value(json_object_get(o, "fault")) ?: "");
	if (k < 0)
		return -1;
	e->fault = (uint32_t)k;
	return 0;
}

static int runplan_head(struct runplan *p, json_t *j)
{
	runplan_str(p->scenario, sizeof(p->scenario), j, "scenario");
	runplan_str(p->runtime, sizeof(p->runtime), j, "runtime");
	runplan_str(p->subnet, sizeof(p->subnet), j, "subnet");
	p->seed = (uint64_t)json_integer_value(json_object_get(j, "seed"));
	p->duration_ms = json_integer_value(json_object_get(j, "duration_ms"));
	p->drain_ms = json_integer_value(json_object_get(j, "drain_ms"));
	p->drain_exact = json_is_true(json_object_get(j, "drain_exact"));
	p->telemetry = json_is_true(json_object_get(j, "telemetry"));
	p->drain_quiet_ms = json_object_get(j, "drain_quiet_ms")
				? json_integer_value(json_object_get(j, "drain_quiet_ms"))
				: -1;
	return json_integer_value(json_object_get(j, "faultlab_plan")) == 1 ? 0 : -1;
}

static int runplan_body(struct runplan *p, json_t *j, const char **what)
{
	json_t *nodes = json_object_get(j, "nodes"), *links = json_object_get(j, "links");
	json_t *faults = json_object_get(j, "faults"), *events = json_object_get(j, "events");
	json_t *v;
	size_t i;

	p->nodes = fl_xcalloc(json_array_size(nodes) + 1, sizeof(*p->nodes));
	p->links = fl_xcalloc(json_array_size(links) + 1, sizeof(*p->links));
	p->faults = fl_xcalloc(json_array_size(faults) + 1, sizeof(*p->faults));
	p->events = fl_xcalloc(json_array_size(events) + 1, sizeof(*p->events));
	*what = "nodes";
	json_array_foreach(nodes, i, v)
		if (runplan_node_load(&p->nodes[p->n_nodes++], v) < 0)
			return -1;
	*what = "links";
	json_array_foreach(links, i, v) {
		long a = runplan_node_find(p, json_string_value(json_array_get(v, 0)) ?: "");
		long b = runplan_node_find(p, json_string_value(json_array_get(v, 1)) ?: "");

		if (a < 0 || b < 0)
			return -1;
		p->links[p->n_links][0] = (uint32_t)a;
		p->links[p->n_links++][1] = (uint32_t)b;
	}
	*what = "faults";
	json_array_foreach(faults, i, v)
		if (runplan_fault_load(p, &p->faults[p->n_faults++], v) < 0)
			return -1;
	*what = "events";
	json_array_foreach(events, i, v)
		if (runplan_event_load(p, &p->events[p->n_events++], v) < 0)
			return -1;
	return 0;
}

int runplan_load(const char *path, struct runplan *p, struct fl_error *err)
{
	json_error_t je;
	json_auto_t *j = json_load_file(path, 0, &je);
	const char *what = "header";

	memset(p, 0, sizeof(*p));
	if (!j)
		return fl_err(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	if (runplan_head(p, j) < 0)
		return fl_err(err, "%s: not a faultlab plan (faultlab_plan must be 1)", path);
	if (runplan_body(p, j, &what) < 0) {
		runplan_free(p);
		return fl_err(err, "%s: malformed %s (unknown node, fault or event type)", path,
			      what);
	}
	return 0;
}

void runplan_free(struct runplan *p)
{
	for (size_t i = 0; i < p->n_nodes; i++) {
		for (char **a = p->nodes[i].args; a && *a; a++)
			free(*a);
		free(p->nodes[i].args);
	}
	for (size_t i = 0; i < p->n_faults; i++) {
		free(p->faults[i].targets);
		fault_params_free(&p->faults[i].params);
	}
	for (size_t i = 0; i < p->n_events; i++)
		free(p->events[i].to);
	free(p->nodes);
	free(p->links);
	free(p->faults);
	free(p->events);
	memset(p, 0, sizeof(*p));
}

static int runplan_cidr(const char *cidr, uint32_t *base, int *prefix)
{
	char buf[32];
	char *slash;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*prefix = slash ? atoi(slash + 1) : 24;
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1 || *prefix < 8 || *prefix > 30)
		return -1;
	*base = ntohl(a.s_addr) & (0xffffffffu << (32 - *prefix));
	return 0;
}

int runplan_address_shift(const char *nominal, const char *real, const char *addr, char *out,
			  size_t len, struct fl_error *err)
{
	uint32_t nb, rb;
	int np, rp;
	struct in_addr a;

	if (runplan_cidr(nominal, &nb, &np) < 0 || runplan_cidr(real, &rb, &rp) < 0)
		return fl_err(err, "bad subnet \"%s\" or \"%s\"", nominal, real);
	if (inet_pton(AF_INET, addr, &a) != 1)
		return fl_err(err, "bad address \"%s\"", addr);
	a.s_addr = htonl(rb + (ntohl(a.s_addr) - nb));
	if (!inet_ntop(AF_INET, &a, out, (socklen_t)len))
		return fl_err(err, "address buffer too small");
	return 0;
}
