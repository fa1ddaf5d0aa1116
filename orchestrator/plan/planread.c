/* plan.json → struct planread: the one reader of the plan file (the run, replay, the analyzer).
 * The header through jansson on a copy of the file without its events; the events through the
 * flat scanner, one object at a time. Fault params become typed struct fault_params here,
 * through the fault-kind table. */
#include "orchestrator/plan/planread.h"

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "orchestrator/analyze/flatjson.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A name → index table (open addressing; slot = index + 1, 0 empty). */
struct planread_names {
	uint32_t *slot;
	size_t mask;
};

struct planread_src {
	const char *map; /* plan.json, mapped read-only */
	size_t len;
	size_t ev_begin, ev_end; /* the events array: [ev_begin, ev_end), empty when none */
	char path[4096];
	struct planread_names nodes, faults;
};

static uint64_t planread_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Indexes n names (name(i) the i-th); a repeated name keeps its first index. */
static void planread_names_build(struct planread_names *t, size_t n,
				 const char *(*name)(const void *, size_t), const void *arr)
{
	size_t cap = 16;

	while (cap < 2 * n + 1)
		cap *= 2;
	t->slot = fl_xcalloc(cap, sizeof(*t->slot));
	t->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		const char *s = name(arr, i);
		size_t k = planread_hash(s) & t->mask;

		while (t->slot[k] && strcmp(name(arr, t->slot[k] - 1), s) != 0)
			k = (k + 1) & t->mask;
		if (!t->slot[k])
			t->slot[k] = (uint32_t)i + 1;
	}
}

static long planread_names_find(const struct planread_names *t, const char *s,
				const char *(*name)(const void *, size_t), const void *arr)
{
	size_t k = planread_hash(s) & t->mask;

	for (; t->slot[k]; k = (k + 1) & t->mask)
		if (strcmp(name(arr, t->slot[k] - 1), s) == 0)
			return (long)t->slot[k] - 1;
	return -1;
}

static const char *planread_node_name(const void *arr, size_t i)
{
	return ((const struct planread_node *)arr)[i].name;
}

static const char *planread_fault_name(const void *arr, size_t i)
{
	return ((const struct planread_fault *)arr)[i].id;
}

static void planread_str(char *dst, size_t len, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s ? s : "");
}

long planread_node_find(const struct planread *p, const char *name)
{
	if (p->src && p->src->nodes.slot)
		return planread_names_find(&p->src->nodes, name, planread_node_name, p->nodes);
	for (size_t i = 0; i < p->n_nodes; i++)
		if (strcmp(p->nodes[i].name, name) == 0)
			return (long)i;
	return -1;
}

long planread_event_find(const struct planread *p, const char *id)
{
	for (size_t i = 0; i < p->n_events; i++)
		if (strcmp(p->events[i].id, id) == 0)
			return (long)i;
	return -1;
}

static int planread_node_load(struct planread_node *n, json_t *o)
{
	json_t *args = json_object_get(o, "args"), *rel = json_object_get(o, "reliability"), *v;
	size_t i;

	planread_str(n->name, sizeof(n->name), o, "name");
	planread_str(n->role, sizeof(n->role), o, "role");
	planread_str(n->image, sizeof(n->image), o, "image");
	planread_str(n->driver, sizeof(n->driver), o, "driver");
	planread_str(n->address, sizeof(n->address), o, "address");
	planread_str(n->site, sizeof(n->site), o, "site");
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
static int planread_names(const struct planread *p, json_t *arr, uint32_t **out, size_t *n)
{
	json_t *v;
	size_t i;

	*n = 0;
	*out = fl_xcalloc(json_array_size(arr) + 1, sizeof(uint32_t));
	json_array_foreach(arr, i, v) {
		long k = planread_node_find(p, json_string_value(v) ?: "");

		if (k < 0)
			return -1;
		(*out)[(*n)++] = (uint32_t)k;
	}
	return 0;
}

/* partition: the groups ([[names], ...]) → the group of each plan node, -1 none. */
static int planread_groups(const struct planread *p, struct fault_params *out, json_t *groups)
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
			long k = planread_node_find(p, json_string_value(v) ?: "");

			if (k < 0)
				return -1;
			out->group_of[k] = (int)i;
		}
	}
	out->n_groups = (int)json_array_size(groups);
	return 0;
}

static int planread_field(const struct planread *p, const struct fault_field *fd, json_t *v,
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
		return planread_groups(p, out, v);
	case FAULT_FIELD_PORTS:
		return fault_ports_from_json(v, out);
	}
	return -1;
}

int planread_fault_params(const struct planread *p, const struct fault_kind *k,
			  const struct json_t *obj, struct fault_params *out)
{
	memset(out, 0, sizeof(*out));
	out->signal = SIGKILL;
	for (size_t i = 0; i < k->n_fields; i++) {
		json_t *v = json_object_get(obj, k->fields[i].key);

		if (!v)
			continue;
		if (planread_field(p, &k->fields[i], v, out) < 0)
			return -1;
		out->given |= 1u << i;
	}
	return 0;
}

static int planread_fault_load(const struct planread *p, struct planread_fault *f, json_t *o)
{
	json_t *params = json_object_get(o, "params"), *end = json_object_get(o, "end_ms");

	planread_str(f->id, sizeof(f->id), o, "id");
	planread_str(f->name, sizeof(f->name), o, "name");
	if (!f->name[0])
		snprintf(f->name, sizeof(f->name), "%s", f->id);
	f->kind = fault_kind_find(json_string_value(json_object_get(o, "kind")));
	f->start_ms = json_integer_value(json_object_get(o, "start_ms"));
	f->end_ms = end ? json_integer_value(end) : f->start_ms;
	f->until_delivered =
	    !strcmp(json_string_value(json_object_get(o, "until")) ?: "", "delivered");
	f->at_boot = !strcmp(json_string_value(json_object_get(o, "at")) ?: "", "boot");
	planread_str(f->site, sizeof(f->site), o, "site");
	f->engine_seed = (uint64_t)json_integer_value(json_object_get(o, "engine_seed"));
	if (!f->id[0] || !f->kind ||
	    planread_names(p, json_object_get(o, "targets"), &f->targets, &f->n_targets) < 0)
		return -1;
	return planread_fault_params(p, f->kind, params, &f->params);
}

static long planread_fault_find(const struct planread *p, const char *id)
{
	if (p->src && p->src->faults.slot)
		return planread_names_find(&p->src->faults, id, planread_fault_name, p->faults);
	for (size_t i = 0; i < p->n_faults; i++)
		if (strcmp(p->faults[i].id, id) == 0)
			return (long)i;
	return -1;
}

static char *planread_strdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? fl_xstrdup(s) : NULL;
}

/* A threshold: a number, or a unit string the planner left as written ("99%", "10s"). */
static int planread_threshold(json_t *v, double *out)
{
	const char *s = json_string_value(v);
	char *end;
	double x;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 1;
	}
	if (!s)
		return 0;
	x = strtod(s, &end);
	if (end == s)
		return 0;
	if (strcmp(end, "%") == 0)
		x /= 100;
	else if (strcmp(end, "s") == 0)
		x *= 1000;
	else if (strcmp(end, "m") == 0)
		x *= 60000;
	else if (*end && strcmp(end, "ms") != 0)
		return 0;
	*out = x;
	return 1;
}

static int planread_expect_load(struct planread_expect *e, json_t *o)
{
	json_t *w = json_object_get(o, "where");

	e->metric = planread_strdup(o, "metric");
	e->has_min = planread_threshold(json_object_get(o, "min"), &e->min);
	e->has_max = planread_threshold(json_object_get(o, "max"), &e->max);
	e->where.kind = planread_strdup(w, "kind");
	e->where.traffic = planread_strdup(w, "traffic");
	e->where.from = planread_strdup(w, "from");
	e->where.to = planread_strdup(w, "to");
	e->where.fault = planread_strdup(w, "fault");
	e->where.node = planread_strdup(w, "node");
	return e->metric ? 0 : -1;
}

static int planread_head(struct planread *p, json_t *j)
{
	planread_str(p->scenario, sizeof(p->scenario), j, "scenario");
	planread_str(p->runtime, sizeof(p->runtime), j, "runtime");
	planread_str(p->subnet, sizeof(p->subnet), j, "subnet");
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

/* Everything but the events: nodes, links, faults, expectations (and the name tables). */
static int planread_body(struct planread *p, json_t *j, const char **what)
{
	json_t *nodes = json_object_get(j, "nodes"), *links = json_object_get(j, "links");
	json_t *faults = json_object_get(j, "faults"), *expect = json_object_get(j, "expect");
	json_t *v;
	size_t i;

	p->nodes = fl_xcalloc(json_array_size(nodes) + 1, sizeof(*p->nodes));
	p->links = fl_xcalloc(json_array_size(links) + 1, sizeof(*p->links));
	p->faults = fl_xcalloc(json_array_size(faults) + 1, sizeof(*p->faults));
	p->expects = fl_xcalloc(json_array_size(expect) + 1, sizeof(*p->expects));
	*what = "nodes";
	json_array_foreach(nodes, i, v)
		if (planread_node_load(&p->nodes[p->n_nodes++], v) < 0)
			return -1;
	planread_names_build(&p->src->nodes, p->n_nodes, planread_node_name, p->nodes);
	*what = "links";
	json_array_foreach(links, i, v) {
		long a = planread_node_find(p, json_string_value(json_array_get(v, 0)) ?: "");
		long b = planread_node_find(p, json_string_value(json_array_get(v, 1)) ?: "");

		if (a < 0 || b < 0)
			return -1;
		p->links[p->n_links][0] = (uint32_t)a;
		p->links[p->n_links++][1] = (uint32_t)b;
	}
	*what = "faults";
	json_array_foreach(faults, i, v)
		if (planread_fault_load(p, &p->faults[p->n_faults++], v) < 0)
			return -1;
	planread_names_build(&p->src->faults, p->n_faults, planread_fault_name, p->faults);
	*what = "expect";
	json_array_foreach(expect, i, v)
		if (planread_expect_load(&p->expects[p->n_expects++], v) < 0)
			return -1;
	return 0;
}

/* Maps plan.json read-only (no copy of a file that can hold a million events). */
static int planread_map(struct planread_src *s, const char *path, struct fl_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *m;

	if (fd < 0 || fstat(fd, &st) < 0)
		return fl_err_errno(err, "open %s", path);
	s->len = (size_t)st.st_size;
	if (s->len == 0)
		return fl_err(err, "%s is empty", path);
	m = mmap(NULL, s->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return fl_err_errno(err, "mmap %s", path);
	madvise(m, s->len, MADV_SEQUENTIAL);
	s->map = m;
	return 0;
}

/* Finds the value of the top-level key "events" (an array) by walking the members. */
static int planread_find_events(struct planread_src *s)
{
	struct flatjson it;
	struct flatjson_val v;
	const char *key;
	size_t klen;

	if (flatjson_begin(&it, s->map, s->len) < 0)
		return -1;
	while (flatjson_next(&it, &key, &klen, &v) > 0) {
		if (flatjson_key_is(key, klen, "events") && v.type == FLATJSON_ARR) {
			s->ev_begin = (size_t)(v.p - s->map);
			s->ev_end = s->ev_begin + v.n;
			return 0;
		}
	}
	return -1;
}

/* The planner writes `events` last, after "\n  ": found with memmem and the file's last ']'
 * instead of walking 100 MB of events just to find their end; else the full walk; else none. */
static void planread_events_span(struct planread_src *s)
{
	static const char key[] = "\n  \"events\": [";
	const char *buf = s->map, *k = memmem(buf, s->len, key, sizeof(key) - 1), *close, *q;

	if (k) {
		close = memrchr(buf, ']', s->len);
		for (q = close ? close + 1 : NULL; q && q < buf + s->len; q++)
			if (*q != ' ' && *q != '\n' && *q != '\r' && *q != '\t' && *q != '}')
				break;
		if (close && q == buf + s->len && close > k) {
			s->ev_begin = (size_t)(k + sizeof(key) - 2 - buf); /* at the '[' */
			s->ev_end = (size_t)(close + 1 - buf);
			return;
		}
	}
	if (planread_find_events(s) < 0)
		s->ev_begin = s->ev_end = s->len;
}

/* The header through jansson: the file with its events array replaced by []. */
static json_t *planread_head_json(const struct planread_src *s, struct fl_error *err)
{
	size_t b = s->ev_begin, e = s->ev_end, n = b;
	cleanup_free char *head = fl_xmalloc(b + 2 + (s->len - e) + 1);
	json_error_t je;
	json_t *j;

	memcpy(head, s->map, b);
	if (b < s->len) {
		memcpy(head + n, "[]", 2);
		n += 2;
	}
	memcpy(head + n, s->map + e, s->len - e);
	n += s->len - e;
	j = json_loadb(head, n, 0, &je);
	if (!j)
		fl_err(err, "%s:%d:%d: %s", s->path, je.line, je.column, je.text);
	return j;
}

int planread_open(const char *path, struct planread *p, struct fl_error *err)
{
	json_auto_t *j = NULL;
	const char *what = "header";

	memset(p, 0, sizeof(*p));
	p->src = fl_xcalloc(1, sizeof(*p->src));
	snprintf(p->src->path, sizeof(p->src->path), "%s", path);
	if (planread_map(p->src, path, err) < 0)
		goto fail;
	planread_events_span(p->src);
	p->events_bytes = p->src->ev_end - p->src->ev_begin;
	j = planread_head_json(p->src, err);
	if (!j)
		goto fail;
	if (planread_head(p, j) < 0) {
		fl_err(err, "%s: not a faultlab plan (faultlab_plan must be 1)", path);
		goto fail;
	}
	if (planread_body(p, j, &what) < 0) {
		fl_err(err, "%s: malformed %s (unknown node, fault or event type)", path, what);
		goto fail;
	}
	return 0;
fail:
	planread_free(p);
	return -1;
}

/* The event being read: `to` lands in a reused array. */
struct planread_reader {
	const struct planread *p;
	uint32_t *to;
	size_t cap_to;
};

static int planread_event_node(const struct planread *p, const struct flatjson_val *v,
			       uint32_t *out)
{
	char name[256];
	long k;

	if (v->type != FLATJSON_STR)
		return -1;
	flatjson_str(v, name, sizeof(name));
	k = planread_node_find(p, name);
	if (k < 0)
		return -1;
	*out = (uint32_t)k;
	return 0;
}

/* `to`: an array of node names (or one name). */
static int planread_event_to(struct planread_reader *r, struct planread_event *e,
			     const struct flatjson_val *v)
{
	struct flatjson it;
	struct flatjson_val x;
	int rc;

	if (!r->cap_to) {
		r->cap_to = 64;
		r->to = fl_xreallocarray(NULL, r->cap_to, sizeof(*r->to));
	}
	e->n_to = 0;
	e->to = r->to;
	if (v->type == FLATJSON_STR)
		return planread_event_node(r->p, v, &r->to[e->n_to++]);
	if (v->type != FLATJSON_ARR || flatjson_begin(&it, v->p, v->n) < 0)
		return -1;
	while ((rc = flatjson_next_elem(&it, &x)) > 0) {
		if (e->n_to == r->cap_to) {
			r->cap_to *= 2;
			r->to = fl_xreallocarray(r->to, r->cap_to, sizeof(*r->to));
			e->to = r->to;
		}
		if (planread_event_node(r->p, &x, &r->to[e->n_to++]) < 0)
			return -1;
	}
	return rc;
}

static int planread_event_type(struct planread_event *e, const struct flatjson_val *v)
{
	char type[16];

	if (v->type != FLATJSON_STR)
		return -1;
	flatjson_str(v, type, sizeof(type));
	if (strcmp(type, "send") == 0)
		e->type = PLANREAD_SEND;
	else if (strcmp(type, "fault-apply") == 0)
		e->type = PLANREAD_FAULT_APPLY;
	else if (strcmp(type, "fault-revert") == 0)
		e->type = PLANREAD_FAULT_REVERT;
	else if (strcmp(type, "store-query") == 0) /* run_store_query.c */
		e->type = PLANREAD_STORE_QUERY;
	else
		return -1;
	return 0;
}

/* The members of one event object in a single pass, then what its type needs. */
static int planread_event_read(struct planread_reader *r, struct flatjson *it,
			       struct planread_event *e)
{
	struct flatjson_val v, from = {.type = FLATJSON_NULL}, to = {.type = FLATJSON_NULL};
	struct flatjson_val fault = {.type = FLATJSON_NULL};
	const char *k;
	size_t kl;
	int rc, typed = 0;
	char id[64];
	long f;

	memset(e, 0, sizeof(*e));
	while ((rc = flatjson_next(it, &k, &kl, &v)) > 0) {
		if (flatjson_key_is(k, kl, "id"))
			flatjson_str(&v, e->id, sizeof(e->id));
		else if (flatjson_key_is(k, kl, "t_ms"))
			e->t_ms = (int64_t)v.num;
		else if (flatjson_key_is(k, kl, "type"))
			typed = planread_event_type(e, &v) == 0;
		else if (flatjson_key_is(k, kl, "msg"))
			flatjson_str(&v, e->msg, sizeof(e->msg));
		else if (flatjson_key_is(k, kl, "traffic"))
			flatjson_str(&v, e->traffic, sizeof(e->traffic));
		else if (flatjson_key_is(k, kl, "kind"))
			flatjson_str(&v, e->kind, sizeof(e->kind));
		else if (flatjson_key_is(k, kl, "accept"))
			e->accept = v.type == FLATJSON_TRUE;
		else if (flatjson_key_is(k, kl, "after"))
			flatjson_str(&v, e->after, sizeof(e->after));
		else if (flatjson_key_is(k, kl, "within_ms"))
			e->within_ms = v.type == FLATJSON_NUM ? (int64_t)v.num : 0;
		else if (flatjson_key_is(k, kl, "create"))
			e->create = v.type == FLATJSON_TRUE;
		else if (flatjson_key_is(k, kl, "query"))
			flatjson_str(&v, e->msg, sizeof(e->msg));
		else if (flatjson_key_is(k, kl, "of"))
			flatjson_str(&v, e->of, sizeof(e->of));
		else if (flatjson_key_is(k, kl, "size"))
			e->size = v.type == FLATJSON_NUM && v.num > 0 ? (uint64_t)v.num : 0;
		else if (flatjson_key_is(k, kl, "from"))
			from = v;
		else if (flatjson_key_is(k, kl, "to"))
			to = v;
		else if (flatjson_key_is(k, kl, "fault"))
			fault = v;
	}
	if (rc < 0 || !typed)
		return -1;
	if (e->type == PLANREAD_STORE_QUERY)
		snprintf(e->kind, sizeof(e->kind), "store-query");
	if (e->type == PLANREAD_SEND || e->type == PLANREAD_STORE_QUERY)
		return planread_event_node(r->p, &from, &e->from) < 0
			   ? -1
			   : planread_event_to(r, e, &to);
	if (fault.type != FLATJSON_STR)
		return -1;
	flatjson_str(&fault, id, sizeof(id));
	f = planread_fault_find(r->p, id);
	if (f < 0)
		return -1;
	e->fault = (uint32_t)f;
	return 0;
}

int planread_each_event(struct planread *p, int (*each)(void *ctx, const struct planread_event *e),
			void *ctx, struct fl_error *err)
{
	struct planread_src *s = p->src;
	struct planread_reader r = {.p = p};
	struct planread_event e;
	struct flatjson it;
	const char *q, *end;
	size_t n = 0;
	int rc = 0;

	if (!s || s->ev_begin >= s->ev_end)
		return 0;
	q = s->map + s->ev_begin + 1;
	end = s->map + s->ev_end;
	for (;; n++) {
		while (q < end &&
		       (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t' || *q == ','))
			q++;
		if (q >= end || *q == ']')
			break;
		if (*q != '{' || flatjson_begin(&it, q, (size_t)(end - q)) < 0 ||
		    planread_event_read(&r, &it, &e) < 0) {
			rc =
			    fl_err(err,
				   "%s: malformed events: events[%zu] near byte %zu (unknown node, "
				   "fault or event type)",
				   s->path, n, (size_t)(q - s->map));
			break;
		}
		q = it.p + 1; /* flatjson_next stops on the closing brace */
		if (each(ctx, &e) < 0) {
			rc = -1;
			break;
		}
	}
	free(r.to);
	return rc;
}

static int planread_collect(void *ctx, const struct planread_event *e)
{
	struct planread *p = ctx;
	struct planread_event *x;

	if ((p->n_events & (p->n_events - 1)) == 0) /* at 0, 1, 2, 4, ...: twice the room */
		p->events = fl_xreallocarray(p->events, p->n_events ? 2 * p->n_events : 1,
					     sizeof(*p->events));
	x = &p->events[p->n_events++];
	*x = *e;
	x->to = NULL;
	if (e->n_to) {
		x->to = fl_xreallocarray(NULL, e->n_to, sizeof(*x->to));
		memcpy(x->to, e->to, e->n_to * sizeof(*x->to));
	}
	return 0;
}

int planread_load(const char *path, struct planread *p, struct fl_error *err)
{
	if (planread_open(path, p, err) < 0)
		return -1;
	if (planread_each_event(p, planread_collect, p, err) < 0) {
		planread_free(p);
		return -1;
	}
	if (!p->events)
		p->events = fl_xcalloc(1, sizeof(*p->events));
	return 0;
}

void planread_free(struct planread *p)
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
	for (size_t i = 0; i < p->n_expects; i++) {
		struct planread_expect *e = &p->expects[i];

		free(e->metric);
		free(e->where.kind);
		free(e->where.traffic);
		free(e->where.from);
		free(e->where.to);
		free(e->where.fault);
		free(e->where.node);
	}
	for (size_t i = 0; i < p->n_events; i++)
		free(p->events[i].to);
	if (p->src) {
		if (p->src->map)
			munmap((void *)p->src->map, p->src->len);
		free(p->src->nodes.slot);
		free(p->src->faults.slot);
		free(p->src);
	}
	free(p->nodes);
	free(p->links);
	free(p->faults);
	free(p->expects);
	free(p->events);
	memset(p, 0, sizeof(*p));
}

static int planread_cidr(const char *cidr, uint32_t *base, int *prefix)
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

int planread_address_shift(const char *nominal, const char *real, const char *addr, char *out,
			   size_t len, struct fl_error *err)
{
	uint32_t nb, rb;
	int np, rp;
	struct in_addr a;

	if (planread_cidr(nominal, &nb, &np) < 0 || planread_cidr(real, &rb, &rp) < 0)
		return fl_err(err, "bad subnet \"%s\" or \"%s\"", nominal, real);
	if (inet_pton(AF_INET, addr, &a) != 1)
		return fl_err(err, "bad address \"%s\"", addr);
	a.s_addr = htonl(rb + (ntohl(a.s_addr) - nb));
	if (!inet_ntop(AF_INET, &a, out, (socklen_t)len))
		return fl_err(err, "address buffer too small");
	return 0;
}
