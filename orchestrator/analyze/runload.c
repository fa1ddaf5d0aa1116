/* plan.json: the header (nodes, faults, expectations) through jansson, the `events` array —
 * a million sends in a big run — through the flat scanner, one object at a time. */
#include "orchestrator/analyze/ledger.h"

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "orchestrator/analyze/linescan.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t runload_node(struct analyze_run *run, const char *name, size_t n, int create)
{
	uint32_t idx;
	struct analyze_node *nodes;
	char *copy;

	if (amap_get(&run->node_by_name, name, n, &idx))
		return idx;
	if (!create)
		return ANALYZE_NONE;
	nodes = fl_xreallocarray(run->nodes, run->n_nodes + 1, sizeof(*nodes));
	copy = amap_arena_strndup(&run->arena, name, n);
	run->nodes = nodes;
	memset(&nodes[run->n_nodes], 0, sizeof(*nodes));
	nodes[run->n_nodes].name = copy;
	nodes[run->n_nodes].exit_code = -1;
	idx = (uint32_t)run->n_nodes++;
	if (amap_put(&run->node_by_name, copy, n, idx) < 0)
		return ANALYZE_NONE;
	return idx;
}

const char *runload_str(struct analyze_run *run, const struct flatjson_val *v)
{
	char small[512], *buf = small;
	const char *r;
	size_t n;

	if (v->type != FLATJSON_STR && v->type != FLATJSON_NUM)
		return NULL;
	if (!v->escaped)
		return amap_arena_strndup(&run->arena, v->p, v->n);
	if (v->n + 8 > sizeof(small))
		buf = fl_xmalloc(v->n + 8);
	n = flatjson_str(v, buf, v->n + 8);
	r = amap_arena_strndup(&run->arena, buf, n);
	if (buf != small)
		free(buf);
	return r;
}

/* N when id is "m<N>", else 0. */
static size_t runload_plan_number(const char *id, size_t n)
{
	size_t x = 0;

	if (n < 2 || n > 11 || id[0] != 'm')
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (id[i] < '0' || id[i] > '9')
			return 0;
		x = x * 10 + (size_t)(id[i] - '0');
	}
	return x;
}

/* "m<N>" names the N-th message when the plan numbered them in order (it does): index N-1.
 * A bitmap says which messages carry their canonical name, so no string is touched. */
static uint32_t runload_plan_index(const struct analyze_run *run, const char *id, size_t n)
{
	size_t x = runload_plan_number(id, n);

	if (x == 0 || x > run->n_msgs || !run->canon ||
	    !(run->canon[(x - 1) / 8] & (1u << ((x - 1) % 8))))
		return ANALYZE_NONE;
	return (uint32_t)(x - 1);
}

uint32_t runload_msg_by_id(struct analyze_run *run, const char *id, size_t n)
{
	uint32_t idx = runload_plan_index(run, id, n);

	if (idx == ANALYZE_NONE && !amap_get(&run->msg_by_id, id, n, &idx))
		return ANALYZE_NONE;
	return idx;
}

uint32_t runload_msg_by_text(struct analyze_run *run, const char *text, size_t n)
{
	const char *sp = memchr(text, ' ', n);

	return runload_msg_by_id(run, text, sp ? (size_t)(sp - text) : n);
}

static const char *runload_jstr(struct analyze_run *run, json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? amap_arena_strdup(&run->arena, s) : NULL;
}

static double runload_jnum(json_t *obj, const char *key, double dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

static int runload_nodes(struct analyze_run *run, json_t *nodes, struct fl_error *err)
{
	size_t i;
	json_t *n;

	json_array_foreach(nodes, i, n) {
		const char *name = json_string_value(json_object_get(n, "name"));
		uint32_t idx;

		if (!name)
			return fl_err(err, "plan.json: nodes[%zu] has no name", i);
		idx = runload_node(run, name, strlen(name), 1);
		run->nodes[idx].role = runload_jstr(run, n, "role");
		run->nodes[idx].image = runload_jstr(run, n, "image");
		run->nodes[idx].address = runload_jstr(run, n, "address");
	}
	return 0;
}

static int runload_fault(struct analyze_run *run, struct analyze_fault *f, json_t *j,
			 struct fl_error *err)
{
	json_t *targets = json_object_get(j, "targets"), *t;
	size_t i;

	f->id = runload_jstr(run, j, "id");
	if (!f->id)
		return fl_err(err, "a fault has no id");
	f->name = runload_jstr(run, j, "name");
	if (!f->name)
		f->name = f->id;
	f->kind = runload_jstr(run, j, "kind");
	f->start_ms = runload_jnum(j, "start_ms", 0);
	f->end_ms = runload_jnum(j, "end_ms", f->start_ms);
	f->until = runload_jstr(run, j, "until");
	f->site = runload_jstr(run, j, "site");
	f->applied_ms = f->reverted_ms = f->recovery_ms = NAN;
	f->targets = amap_arena_alloc(&run->arena, (json_array_size(targets) + 1) * 4);
	json_array_foreach(targets, i, t) {
		const char *s = json_string_value(t);
		uint32_t idx = s ? runload_node(run, s, strlen(s), 1) : ANALYZE_NONE;

		if (idx != ANALYZE_NONE)
			f->targets[f->n_targets++] = idx;
	}
	return 0;
}

static int runload_faults(struct analyze_run *run, json_t *faults, struct fl_error *err)
{
	size_t i;
	json_t *j;

	run->faults = fl_xcalloc(json_array_size(faults) + 1, sizeof(*run->faults));
	json_array_foreach(faults, i, j) {
		if (runload_fault(run, &run->faults[i], j, err) < 0)
			return fl_wrap(err, "plan.json: faults[%zu]", i);
		run->n_faults++;
	}
	return 0;
}

/* A threshold: a number, or a unit string the planner left as written ("99%", "10s"). */
static int runload_threshold(json_t *v, double *out)
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

static int runload_expects(struct analyze_run *run, json_t *expect, struct fl_error *err)
{
	size_t i;
	json_t *j;

	run->expects = fl_xcalloc(json_array_size(expect) + 1, sizeof(*run->expects));
	json_array_foreach(expect, i, j) {
		struct analyze_expect *e = &run->expects[run->n_expects++];
		json_t *w = json_object_get(j, "where");

		e->metric = runload_jstr(run, j, "metric");
		if (!e->metric)
			return fl_err(err, "plan.json: expect[%zu] has no metric", i);
		e->desc = metric_find(e->metric);
		e->has_min = runload_threshold(json_object_get(j, "min"), &e->min);
		e->has_max = runload_threshold(json_object_get(j, "max"), &e->max);
		e->where.kind = runload_jstr(run, w, "kind");
		e->where.traffic = runload_jstr(run, w, "traffic");
		e->where.from = runload_jstr(run, w, "from");
		e->where.to = runload_jstr(run, w, "to");
		e->where.fault = runload_jstr(run, w, "fault");
		e->where.node = runload_jstr(run, w, "node");
	}
	return 0;
}

static int runload_header(struct analyze_run *run, json_t *root, struct fl_error *err)
{
	json_t *seed = json_object_get(root, "seed");

	run->scenario = runload_jstr(run, root, "scenario");
	run->runtime = runload_jstr(run, root, "runtime");
	if (json_is_integer(seed)) {
		run->seed = (uint64_t)json_integer_value(seed);
		run->has_seed = 1;
	}
	run->duration_ms = runload_jnum(root, "duration_ms", NAN);
	run->drain_ms = runload_jnum(root, "drain_ms", NAN);
	if (runload_nodes(run, json_object_get(root, "nodes"), err) < 0 ||
	    runload_faults(run, json_object_get(root, "faults"), err) < 0 ||
	    runload_expects(run, json_object_get(root, "expect"), err) < 0)
		return -1;
	return 0;
}

/* Finds the value of the top-level key "events" (an array): sets [*b, *e). 0 or -1. */
static int runload_find_events(const char *buf, size_t len, size_t *b, size_t *e)
{
	struct flatjson it;
	struct flatjson_val v;
	const char *key;
	size_t klen;
	int r;

	if (flatjson_begin(&it, buf, len) < 0)
		return -1;
	while ((r = flatjson_next(&it, &key, &klen, &v)) > 0) {
		if (flatjson_key_is(key, klen, "events") && v.type == FLATJSON_ARR) {
			*b = (size_t)(v.p - buf);
			*e = *b + v.n;
			return 0;
		}
	}
	return -1;
}

static int runload_grow(struct analyze_run *run, size_t n_to)
{
	if (run->n_msgs + 1 > run->cap_msgs) {
		size_t cap = run->cap_msgs ? run->cap_msgs * 2 : 1024;
		run->msgs = fl_xreallocarray(run->msgs, cap, sizeof(*run->msgs));
		run->cap_msgs = cap;
	}
	while (run->n_dels + n_to > run->cap_dels) {
		size_t cap = run->cap_dels ? run->cap_dels * 2 : 1024;
		run->dels = fl_xreallocarray(run->dels, cap, sizeof(*run->dels));
		run->cap_dels = cap;
	}
	return 0;
}

/* Adds one delivery per receiver named in the `to` array (or string). */
static int runload_receivers(struct analyze_run *run, uint32_t mi, const struct flatjson_val *to)
{
	struct flatjson it;
	struct flatjson_val v;
	char name[256];

	if (to->type == FLATJSON_STR) {
		it.p = NULL;
		v = *to;
	} else if (to->type != FLATJSON_ARR || flatjson_begin(&it, to->p, to->n) < 0) {
		return 0;
	}
	for (;;) {
		struct analyze_delivery *d;
		size_t n;

		if (to->type == FLATJSON_ARR && flatjson_next_elem(&it, &v) <= 0)
			break;
		n = flatjson_str(&v, name, sizeof(name));
		if (runload_grow(run, 1) < 0)
			return -1;
		d = &run->dels[run->n_dels++];
		memset(d, 0, sizeof(*d));
		d->msg = mi;
		d->to = runload_node(run, name, n, 1);
		d->received_ms = NAN;
		run->msgs[mi].n++;
		if (to->type == FLATJSON_STR)
			break;
	}
	return 0;
}

struct runload_send {
	struct flatjson_val msg, traffic, kind, from, to;
	double t_ms;
	int is_send, accept;
};

/* Parses the event object at p; *next is the position after its closing brace. */
static int runload_send_fields(const char *p, size_t n, struct runload_send *s, const char **next)
{
	struct flatjson it;
	struct flatjson_val v;
	const char *k;
	size_t kl;
	int r;

	memset(s, 0, sizeof(*s));
	s->msg.type = s->traffic.type = s->kind.type = s->from.type = FLATJSON_NULL;
	s->to.type = FLATJSON_NULL;
	if (flatjson_begin(&it, p, n) < 0)
		return -1;
	while ((r = flatjson_next(&it, &k, &kl, &v)) > 0) {
		if (flatjson_key_is(k, kl, "type"))
			s->is_send = v.type == FLATJSON_STR && v.n == 4 && !memcmp(v.p, "send", 4);
		else if (flatjson_key_is(k, kl, "msg"))
			s->msg = v;
		else if (flatjson_key_is(k, kl, "t_ms"))
			s->t_ms = v.num;
		else if (flatjson_key_is(k, kl, "traffic"))
			s->traffic = v;
		else if (flatjson_key_is(k, kl, "kind"))
			s->kind = v;
		else if (flatjson_key_is(k, kl, "from"))
			s->from = v;
		else if (flatjson_key_is(k, kl, "to"))
			s->to = v;
		else if (flatjson_key_is(k, kl, "accept"))
			s->accept = v.type == FLATJSON_TRUE;
	}
	*next = it.p + 1; /* flatjson_next stops on the closing brace */
	return r;
}

static int runload_send(struct analyze_run *run, const struct runload_send *s)
{
	struct analyze_message *m;
	uint32_t mi;
	char from[256];
	size_t fn;

	if (runload_grow(run, 0) < 0)
		return -1;
	mi = (uint32_t)run->n_msgs;
	m = &run->msgs[run->n_msgs++];
	memset(m, 0, sizeof(*m));
	m->id = runload_str(run, &s->msg);
	m->traffic = runload_str(run, &s->traffic);
	m->kind = runload_str(run, &s->kind);
	fn = flatjson_str(&s->from, from, sizeof(from));
	m->from = fn ? runload_node(run, from, fn, 1) : ANALYZE_NONE;
	m->planned_ms = s->t_ms;
	m->sent_ms = NAN;
	m->want_accept = s->accept;
	m->accepted_ms = NAN;
	m->first = (uint32_t)run->n_dels;
	m->trace_node = ANALYZE_NONE;
	if (!m->id)
		return -1;
	/* only ids out of the plan's m<N> order need the map */
	if (runload_plan_number(m->id, strlen(m->id)) == (size_t)mi + 1) {
		if (mi / 8 >= run->cap_canon) {
			size_t cap = run->cap_canon ? run->cap_canon * 2 : 4096;
			uint8_t *c = fl_xrealloc(run->canon, cap);

			memset(c + run->cap_canon, 0, cap - run->cap_canon);
			run->canon = c;
			run->cap_canon = cap;
		}
		run->canon[mi / 8] |= (uint8_t)(1u << (mi % 8));
	} else if (amap_put(&run->msg_by_id, m->id, strlen(m->id), mi) < 0) {
		return -1;
	}
	return runload_receivers(run, mi, &s->to);
}

/* Walks the events array one object at a time, parsing each in a single pass. */
static int runload_events(struct analyze_run *run, const char *p, size_t n, struct fl_error *err)
{
	const char *q = p + 1, *end = p + n;
	struct runload_send s;

	if (n < 2 || *p != '[')
		return fl_err(err, "plan.json: events is not an array");
	for (;;) {
		while (q < end &&
		       (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t' || *q == ','))
			q++;
		if (q >= end || *q == ']')
			break;
		if (*q != '{' || runload_send_fields(q, (size_t)(end - q), &s, &q) < 0)
			return fl_err(err, "plan.json: malformed event near byte %zu",
				      (size_t)(q - p));
		if (s.is_send && s.msg.type == FLATJSON_STR)
			runload_send(run, &s);
	}
	return 0;
}

/* The planner writes `events` last, after "\n  ": find it with memmem and the file's last ']'
 * instead of walking 100 MB of events just to find their end. Falls back to the full walk. */
static int runload_events_span(const char *buf, size_t len, size_t *b, size_t *e)
{
	static const char key[] = "\n  \"events\": [";
	const char *k = memmem(buf, len, key, sizeof(key) - 1), *close, *p;

	if (k) {
		close = memrchr(buf, ']', len);
		for (p = close ? close + 1 : NULL; p && p < buf + len; p++)
			if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t' && *p != '}')
				break;
		if (close && p == buf + len && close > k) {
			*b = (size_t)(k + sizeof(key) - 2 - buf); /* at the '[' */
			*e = (size_t)(close + 1 - buf);
			return 0;
		}
	}
	return runload_find_events(buf, len, b, e);
}

/* Maps plan.json read-only (no copy of a file that can hold a million events). */
static const char *runload_map(const char *path, size_t *len, struct fl_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fl_err_errno(err, "open %s", path);
		return NULL;
	}
	*len = (size_t)st.st_size;
	if (*len == 0) {
		fl_err(err, "%s is empty", path);
		return NULL;
	}
	p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		fl_err_errno(err, "mmap %s", path);
		return NULL;
	}
	madvise(p, *len, MADV_SEQUENTIAL);
	return p;
}

/* The header through jansson: the file with its events array replaced by []. */
static int runload_head(struct analyze_run *run, const char *path, const char *buf, size_t len,
			size_t b, size_t e, struct fl_error *err)
{
	cleanup_free char *head = fl_xmalloc(b + 2 + (len - e) + 1);
	json_error_t jerr;
	json_t *root;
	size_t n = 0;
	int r;

	memcpy(head, buf, b);
	n = b;
	if (b < len) {
		memcpy(head + n, "[]", 2);
		n += 2;
	}
	memcpy(head + n, buf + e, len - e);
	n += len - e;
	root = json_loadb(head, n, 0, &jerr);
	if (!root)
		return fl_err(err, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	r = runload_header(run, root, err);
	json_decref(root);
	return r < 0 ? fl_wrap(err, "%s", path) : 0;
}

int runload_plan(struct analyze_run *run, struct fl_error *err)
{
	char path[4096];
	const char *buf;
	size_t len, b = 0, e = 0;
	int r;

	snprintf(path, sizeof(path), "%s/plan.json", run->dir);
	buf = runload_map(path, &len, err);
	if (!buf)
		return -1;
	if (runload_events_span(buf, len, &b, &e) < 0)
		b = e = len;
	r = runload_head(run, path, buf, len, b, e, err);
	if (r == 0 && b < len) {
		/* a send event takes ~150 bytes: size the arrays once */
		size_t guess = (e - b) / 150 + 16;
		run->msgs = fl_xreallocarray(run->msgs, guess, sizeof(*run->msgs));
		run->cap_msgs = guess;
		run->dels = fl_xreallocarray(run->dels, guess, sizeof(*run->dels));
		run->cap_dels = guess;
		r = runload_events(run, buf + b, e - b, err);
	}
	munmap((void *)buf, len);
	if (r == 0)
		amap_reserve(&run->msg_by_hash, run->n_msgs);
	return r;
}
