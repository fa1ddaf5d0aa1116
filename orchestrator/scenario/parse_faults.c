/* faults: a list of {name, at, for, repeat, until, <one kind>: {params}}; one key table per kind.
 */
#include "orchestrator/scenario/fault_kind.h"
#include "orchestrator/scenario/parse.h"

#include "common/limits_faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_KIND_UNSET (-1)

static int fault_target(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_selector(p, v, &((struct scenario_fault *)obj)->target);
}

static int fault_enum(struct sparse *p, const struct ytree *v, const char *const *names,
		      const char **out)
{
	int i;

	if (scenario_value_enum(p, v, names, &i) < 0)
		return -1;
	*out = names[i];
	return 0;
}

static int fault_link_direction(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"egress", "ingress", "both", NULL};

	return fault_enum(p, v, names, &((struct scenario_fault *)obj)->direction);
}

/* A parsed value against the shared limits table (common/limits_faults.h), at its mark. */
static int fault_limit(struct sparse *p, const struct ytree *v, enum fl_limit_kind kind,
		       double value)
{
	struct fl_error err = {0};

	if (fl_limit_check(kind, value, &err) == 0)
		return 0;
	scenario_error_at(p, v->mark, "%s", err.msg);
	return -1;
}

static int fault_duration_limited(struct sparse *p, const struct ytree *v, int64_t *ms,
				  enum fl_limit_kind kind)
{
	if (scenario_value_duration(p, v, ms) < 0)
		return -1;
	return fault_limit(p, v, kind, (double)*ms);
}

static int fault_netem_delay(struct sparse *p, const struct ytree *v, void *obj)
{
	return fault_duration_limited(p, v, &((struct scenario_fault *)obj)->netem.delay_ms,
				      FL_LIMIT_DELAY);
}

static int fault_netem_jitter(struct sparse *p, const struct ytree *v, void *obj)
{
	return fault_duration_limited(p, v, &((struct scenario_fault *)obj)->netem.jitter_ms,
				      FL_LIMIT_JITTER);
}

static int fault_netem_distribution(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"uniform", "normal", "pareto", "paretonormal", NULL};

	return fault_enum(p, v, names, &((struct scenario_fault *)obj)->netem.distribution);
}

#define FAULT_FRACTION(field)                                                                      \
	static int fault_netem_##field(struct sparse *p, const struct ytree *v, void *obj)         \
	{                                                                                          \
		return scenario_value_fraction(p, v,                                               \
					       &((struct scenario_fault *)obj)->netem.field);      \
	}
FAULT_FRACTION(correlation)
FAULT_FRACTION(loss)
FAULT_FRACTION(duplicate)
FAULT_FRACTION(reorder)
FAULT_FRACTION(corrupt)

const struct scenario_key scenario_netem_keys[] = {
    {"target", 1, fault_target},
    {"delay", 0, fault_netem_delay},
    {"jitter", 0, fault_netem_jitter},
    {"distribution", 0, fault_netem_distribution},
    {"correlation", 0, fault_netem_correlation},
    {"loss", 0, fault_netem_loss},
    {"duplicate", 0, fault_netem_duplicate},
    {"reorder", 0, fault_netem_reorder},
    {"corrupt", 0, fault_netem_corrupt},
    {"direction", 0, fault_link_direction},
    {NULL, 0, NULL},
};

static int fault_bw_rate(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;

	if (scenario_value_bandwidth(p, v, &f->rate_bps) < 0)
		return -1;
	return fault_limit(p, v, FL_LIMIT_RATE, (double)f->rate_bps);
}

static int fault_bw_burst(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;
	uint64_t bits;

	if (scenario_value_bandwidth(p, v, &bits) < 0)
		return -1;
	f->burst_bytes = (bits + 7) / 8;
	return fault_limit(p, v, FL_LIMIT_BURST, (double)f->burst_bytes);
}

const struct scenario_key scenario_bandwidth_keys[] = {
    {"target", 1, fault_target},
    {"rate", 1, fault_bw_rate},
    {"burst", 0, fault_bw_burst},
    {"direction", 0, fault_link_direction},
    {NULL, 0, NULL},
};

static int fault_groups(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;
	int rc = 0;

	if (v->type != YTREE_SEQ || v->n < 2) {
		scenario_error_at(p, v->mark,
				  "expected a list of at least two groups such as [[a, b], [c]]");
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct scenario_selector *g =
		    scenario_array_push(&f->groups, &f->n_groups, sizeof(*g));

		/* the bare word rest: every node not in another group ([rest] names a node) */
		if (v->items[i]->type == YTREE_SCALAR && !strcmp(v->items[i]->value, "rest")) {
			g->kind = SCENARIO_SEL_ALL;
			g->mark = v->items[i]->mark;
			if (f->rest_group) {
				scenario_error_at(p, g->mark,
						  "only one partition group may be rest (the "
						  "nodes in no other group)");
				rc = -1;
			}
			f->rest_group = i + 1;
		} else if (scenario_value_selector(p, v->items[i], g) < 0) {
			rc = -1;
		}
	}
	return rc;
}

static int fault_partition_direction(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"both", "forward", "backward", NULL};

	return fault_enum(p, v, names, &((struct scenario_fault *)obj)->direction);
}

const struct scenario_key scenario_partition_keys[] = {
    {"groups", 1, fault_groups},
    {"direction", 0, fault_partition_direction},
    {NULL, 0, NULL},
};

const struct scenario_key scenario_target_keys[] = {
    {"target", 1, fault_target},
    {NULL, 0, NULL},
};

static int fault_wake(struct sparse *p, const struct ytree *v, void *obj)
{
	return fault_duration_limited(p, v, &((struct scenario_fault *)obj)->wake_network_after_ms,
				      FL_LIMIT_WAKE);
}

const struct scenario_key scenario_suspend_keys[] = {
    {"target", 1, fault_target},
    {"wake-network-after", 0, fault_wake},
    {NULL, 0, NULL},
};

static int fault_signal(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"KILL", "TERM", "INT", "HUP", "QUIT", NULL};

	return fault_enum(p, v, names, &((struct scenario_fault *)obj)->signal);
}

const struct scenario_key scenario_kill_keys[] = {
    {"target", 1, fault_target},
    {"signal", 0, fault_signal},
    {NULL, 0, NULL},
};

static int fault_conndrop_mode(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"blackhole", "reset", NULL};

	return fault_enum(p, v, names, &((struct scenario_fault *)obj)->mode);
}

/* A port or a list of 1..SCENARIO_PORTS_MAX ports. */
static int fault_conndrop_ports(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;
	const struct ytree *const *items =
	    v->type == YTREE_SEQ ? (const struct ytree *const *)v->items : &v;
	size_t n = v->type == YTREE_SEQ ? v->n : 1;
	uint64_t port;

	if (n == 0 || n > SCENARIO_PORTS_MAX) {
		scenario_error_at(p, v->mark, "expected 1 to %d TCP ports", SCENARIO_PORTS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (scenario_value_uint(p, items[i], 1, 65535, &port) < 0)
			return -1;
		f->ports[f->n_ports++] = (uint16_t)port;
	}
	return 0;
}

const struct scenario_key scenario_conndrop_keys[] = {
    {"target", 1, fault_target},
    {"mode", 0, fault_conndrop_mode},
    {"ports", 0, fault_conndrop_ports},
    {NULL, 0, NULL},
};

static int fault_kind_read(struct sparse *p, const struct ytree *v, struct scenario_fault *f,
			   const struct fault_kind *k)
{
	char what[96];

	if ((int)f->kind != FAULT_KIND_UNSET) {
		scenario_error_at(p, v->mark, "a fault takes exactly one kind, got both %s and %s",
				  fault_kind_of(f->kind)->name, k->name);
		return -1;
	}
	f->kind = k->kind;
	f->kind_mark = v->mark;
	snprintf(what, sizeof(what), "a mapping of %s parameters", k->name);
	return scenario_keys_walk(p, v, what, k->name, k->keys, f);
}

/* The value of a kind key (netem:, kill:, ...): its kind is the key it sits under. */
static int fault_kind_key(struct sparse *p, const struct ytree *v, void *obj)
{
	const struct ytree *map = p->fault_map;

	for (size_t i = 0; map && i + 1 < map->n; i += 2)
		if (map->items[i + 1] == v)
			return fault_kind_read(p, v, obj, fault_kind_find(map->items[i]->value));
	return -1;
}

static int fault_name(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_string(p, v, &((struct scenario_fault *)obj)->name);
}

static int fault_at(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;

	f->at_mark = v->mark;
	if (v->type == YTREE_SCALAR && !strcmp(v->value, "boot")) {
		f->at_boot = 1; /* before the links are made; the timeline's 0 for its for: */
		f->at_ms = 0;
		return 0;
	}
	if (v->type == YTREE_SCALAR && v->value[0] >= 'a' && v->value[0] <= 'z') {
		scenario_error_at(p, v->mark,
				  "expected a duration such as 2s or the word boot, got \"%s\"",
				  v->value);
		return -1;
	}
	return scenario_value_duration(p, v, &f->at_ms);
}

static int fault_for(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;

	f->for_mark = v->mark;
	f->has_for = 1;
	if (scenario_value_duration(p, v, &f->for_ms) < 0)
		return -1;
	if (f->for_ms <= 0) {
		scenario_error_at(p, v->mark, "for must be longer than 0s");
		return -1;
	}
	return 0;
}

/* until: delivered — the fault ends early once every message sent during it has arrived. */
static int fault_until(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"delivered", NULL};
	struct scenario_fault *f = obj;

	f->until_mark = v->mark;
	return fault_enum(p, v, names, &f->until);
}

static int fault_every(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;

	if (scenario_value_duration(p, v, &f->every_ms) < 0)
		return -1;
	if (f->every_ms <= 0) {
		scenario_error_at(p, v->mark, "every must be longer than 0s");
		return -1;
	}
	return 0;
}

static int fault_times(struct sparse *p, const struct ytree *v, void *obj)
{
	uint64_t n;

	if (scenario_value_uint(p, v, 1, FL_LIMIT_REPEAT_TIMES_MAX, &n) < 0)
		return -1;
	((struct scenario_fault *)obj)->times = (unsigned)n;
	return 0;
}

static const struct scenario_key repeat_keys[] = {
    {"every", 1, fault_every},
    {"times", 1, fault_times},
    {NULL, 0, NULL},
};

static int fault_repeat(struct sparse *p, const struct ytree *v, void *obj)
{
	((struct scenario_fault *)obj)->repeat_mark = v->mark;
	return scenario_keys_walk(p, v, "a mapping with every and times", "repeat", repeat_keys,
				  obj);
}

/* name, at, for, repeat, until, then one key per fault kind (from the kind table). */
static const struct scenario_key *fault_keys(void)
{
	static struct scenario_key keys[16];

	if (!keys[0].key) {
		size_t n = 0;

		keys[n++] = (struct scenario_key){"name", 0, fault_name};
		keys[n++] = (struct scenario_key){"at", 1, fault_at};
		keys[n++] = (struct scenario_key){"for", 0, fault_for};
		keys[n++] = (struct scenario_key){"repeat", 0, fault_repeat};
		keys[n++] = (struct scenario_key){"until", 0, fault_until};
		for (size_t i = 0; fault_kind_at(i) && n + 1 < sizeof(keys) / sizeof(keys[0]); i++)
			keys[n++] =
			    (struct scenario_key){fault_kind_at(i)->name, 0, fault_kind_key};
	}
	return keys;
}

/* Fills the defaults a kind's parameters start from. */
static void fault_defaults(struct scenario_fault *f)
{
	f->kind = (enum scenario_fault_kind)FAULT_KIND_UNSET;
	f->times = 1;
	f->netem.distribution = "uniform";
	f->signal = "KILL";
	f->mode = "blackhole";
	f->wake_network_after_ms = 1000;
}

static void fault_entry(struct sparse *p, const struct ytree *v, size_t index)
{
	struct scenario *sc = p->sc;
	struct scenario_fault *f = scenario_array_push(&sc->faults, &sc->n_faults, sizeof(*f));
	size_t before = p->errs->n + p->errs->dropped;
	char buf[32], kinds[160];

	fault_defaults(f);
	f->mark = v->mark;
	/* Without a kind, say so, unless this fault has errors already (a misspelt kind shows
	 * as an unknown key, and one message about it is enough). */
	p->fault_map = v;
	if (scenario_keys_walk(p, v, "a fault (a mapping with at, for and one kind)", "a fault",
			       fault_keys(), f) == 0 &&
	    (int)f->kind == FAULT_KIND_UNSET && p->errs->n + p->errs->dropped == before) {
		fault_kind_names(0, kinds, sizeof(kinds));
		scenario_error_at(p, v->mark, "a fault needs one of: %s", kinds);
	}
	p->fault_map = NULL;
	if ((int)f->kind == FAULT_KIND_UNSET)
		f->kind = SCENARIO_FAULT_FREEZE; /* keeps the struct printable; an error is set */
	if (!f->direction)
		f->direction = f->kind == SCENARIO_FAULT_PARTITION ? "both" : "egress";
	if (f->kind == SCENARIO_FAULT_BANDWIDTH && !f->burst_bytes)
		f->burst_bytes = f->rate_bps / 80 > 1600 ? f->rate_bps / 80 : 1600; /* 100 ms */
	if (!f->name) {
		snprintf(buf, sizeof(buf), "f%zu", index + 1);
		f->name = scenario_strdup(buf);
	}
}

int scenario_parse_faults(struct sparse *p, const struct ytree *v, void *obj)
{
	if (scenario_value_is_null(v))
		return 0;
	if (v->type != YTREE_SEQ) {
		scenario_error_at(p, v->mark, "expected a list of faults, got %s",
				  ytree_type_name(v));
		return -1;
	}
	for (size_t i = 0; i < v->n; i++)
		fault_entry(p, v->items[i], i);
	return 0;
}

const char *scenario_fault_kind_name(enum scenario_fault_kind kind)
{
	return fault_kind_of(kind)->name;
}

int64_t scenario_fault_end_ms(const struct scenario_fault *f)
{
	int64_t end = f->at_ms + (int64_t)(f->times - 1) * f->every_ms + f->for_ms;

	if (f->kind == SCENARIO_FAULT_SUSPEND)
		end += f->wake_network_after_ms;
	return end;
}
