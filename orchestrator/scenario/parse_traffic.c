/* traffic: a list of {name, kind, from, to, rate|interval, poisson, count, start, size,
 * accept, after, within, of}. */
#include "orchestrator/scenario/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRAFFIC_DEFAULT_SIZE 256
#define TRAFFIC_MAX_COUNT 10000000

static const char *const traffic_kinds[] = {"dm",    "contact-request", "join-request", "group",
					    "relay", "lightpush",	"store-query",	NULL};

struct traffic_entry {
	struct scenario_traffic *t;
	int has_rate, has_interval;
	struct scenario_mark rate_mark;
};

static int traffic_name(struct sparse *p, const struct ytree *v, void *obj)
{
	struct traffic_entry *e = obj;

	return scenario_value_string(p, v, &e->t->name);
}

static int traffic_kind(struct sparse *p, const struct ytree *v, void *obj)
{
	struct traffic_entry *e = obj;
	int i;

	if (scenario_value_enum(p, v, traffic_kinds, &i) < 0)
		return -1;
	e->t->kind = (enum scenario_traffic_kind)i;
	return 0;
}

static int traffic_from(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_selector(p, v, &((struct traffic_entry *)obj)->t->from);
}

static int traffic_to(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_selector(p, v, &((struct traffic_entry *)obj)->t->to);
}

static int traffic_rate(struct sparse *p, const struct ytree *v, void *obj)
{
	struct traffic_entry *e = obj;

	e->has_rate = 1;
	e->rate_mark = v->mark;
	if (scenario_value_rate(p, v, &e->t->rate_per_s) < 0)
		return -1;
	if (e->t->rate_per_s > 100000) {
		scenario_error_at(p, v->mark, "rate must be at most 100000/s");
		return -1;
	}
	return 0;
}

static int traffic_interval(struct sparse *p, const struct ytree *v, void *obj)
{
	struct traffic_entry *e = obj;

	e->has_interval = 1;
	e->rate_mark = v->mark;
	if (scenario_value_duration(p, v, &e->t->interval_ms) < 0)
		return -1;
	if (e->t->interval_ms <= 0) {
		scenario_error_at(p, v->mark, "interval must be at least 1ms");
		return -1;
	}
	return 0;
}

static int traffic_poisson(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_bool(p, v, &((struct traffic_entry *)obj)->t->poisson);
}

static int traffic_count(struct sparse *p, const struct ytree *v, void *obj)
{
	struct traffic_entry *e = obj;

	e->t->count_mark = v->mark;
	return scenario_value_uint(p, v, 1, TRAFFIC_MAX_COUNT, &e->t->count);
}

static int traffic_start(struct sparse *p, const struct ytree *v, void *obj)
{
	struct traffic_entry *e = obj;

	e->t->start_mark = v->mark;
	return scenario_value_duration(p, v, &e->t->start_ms);
}

/* "512B" or "200B..2KiB". */
static int traffic_size(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_traffic *t = ((struct traffic_entry *)obj)->t;
	const char *s = scenario_value_scalar(p, v, "a size such as 512B or a range 200B..2KiB");
	const char *dots;
	char lo[64];

	if (!s)
		return -1;
	t->size_mark = v->mark;
	dots = strstr(s, "..");
	if (!dots)
		dots = s + strlen(s);
	snprintf(lo, sizeof(lo), "%.*s", (int)(dots - s), s);
	struct ytree part = {.type = YTREE_SCALAR, .mark = v->mark, .value = lo};
	if (scenario_value_size(p, &part, &t->size_min) < 0)
		return -1;
	t->size_max = t->size_min;
	if (*dots) {
		part.value = (char *)dots + 2;
		if (scenario_value_size(p, &part, &t->size_max) < 0)
			return -1;
	}
	if (t->size_max < t->size_min || t->size_min < 16 || t->size_max > (1u << 20)) {
		scenario_error_at(p, v->mark,
				  "size \"%s\" must lie between 16B and 1MiB, smallest first", s);
		return -1;
	}
	return 0;
}

static int traffic_accept(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_traffic *t = ((struct traffic_entry *)obj)->t;

	t->accept_mark = v->mark;
	return scenario_value_bool(p, v, &t->accept);
}

static int traffic_after(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_traffic *t = ((struct traffic_entry *)obj)->t;

	t->after_mark = v->mark;
	return scenario_value_string(p, v, &t->after);
}

static int traffic_within(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_traffic *t = ((struct traffic_entry *)obj)->t;

	t->within_mark = v->mark;
	if (scenario_value_duration(p, v, &t->within_ms) < 0)
		return -1;
	if (t->within_ms <= 0) {
		scenario_error_at(p, v->mark, "within must be at least 1ms");
		return -1;
	}
	return 0;
}

static int traffic_of(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_traffic *t = ((struct traffic_entry *)obj)->t;

	t->of_mark = v->mark;
	return scenario_value_string(p, v, &t->of);
}

static const struct scenario_key traffic_keys[] = {
    {"name", 0, traffic_name},
    {"kind", 1, traffic_kind},
    {"from", 1, traffic_from},
    {"to", 1, traffic_to},
    {"rate", 0, traffic_rate},
    {"interval", 0, traffic_interval},
    {"poisson", 0, traffic_poisson},
    {"count", 0, traffic_count},
    {"start", 0, traffic_start},
    {"size", 0, traffic_size},
    {"accept", 0, traffic_accept},
    {"after", 0, traffic_after},
    {"within", 0, traffic_within},
    {"of", 0, traffic_of},
    {NULL, 0, NULL},
};

static void traffic_entry(struct sparse *p, const struct ytree *v, size_t index)
{
	struct scenario *sc = p->sc;
	struct scenario_traffic *t = scenario_array_push(&sc->traffic, &sc->n_traffic, sizeof(*t));
	struct traffic_entry e = {.t = t};
	char buf[32];

	t->mark = v->mark;
	t->after_index = -1;
	t->of_index = -1;
	t->size_min = t->size_max = TRAFFIC_DEFAULT_SIZE;
	if (scenario_keys_walk(p, v, "a traffic entry (a mapping with kind, from, to, ...)",
			       "traffic", traffic_keys, &e) < 0)
		return;
	if (t->kind == SCENARIO_TRAFFIC_STORE_QUERY && !e.has_rate && !e.has_interval) {
		t->interval_ms = 1000; /* one query by default (validate_store_query.c) */
		e.has_interval = 1;
		if (!t->count)
			t->count = 1;
	}
	if (e.has_rate && e.has_interval)
		scenario_error_at(p, e.rate_mark, "give either rate or interval, not both");
	else if (!e.has_rate && !e.has_interval)
		scenario_error_at(p, v->mark, "missing key \"rate\" or \"interval\" in traffic");
	if (t->after && !t->within_ms && !t->within_mark.line)
		scenario_error_at(
		    p, t->after_mark,
		    "after needs within (how long to wait for \"%s\", e.g. within: 40s)", t->after);
	else if (t->within_ms && !t->after)
		scenario_error_at(p, t->within_mark,
				  "within needs after (the traffic to wait for)");
	if (!t->name) {
		snprintf(buf, sizeof(buf), "t%zu", index + 1);
		t->name = scenario_strdup(buf);
	}
}

int scenario_parse_traffic(struct sparse *p, const struct ytree *v, void *obj)
{
	if (scenario_value_is_null(v))
		return 0;
	if (v->type != YTREE_SEQ) {
		scenario_error_at(p, v->mark, "expected a list of traffic entries, got %s",
				  ytree_type_name(v));
		return -1;
	}
	for (size_t i = 0; i < v->n; i++)
		traffic_entry(p, v->items[i], i);
	return 0;
}

const char *scenario_traffic_kind_name(enum scenario_traffic_kind kind)
{
	return traffic_kinds[kind];
}
