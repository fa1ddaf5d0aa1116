/* faults: a list of {name, at, for, repeat, <one kind>: {params}}; one key table per kind. */
#include "orchestrator/scenario/parse.h"

#include "common/limits_faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_KIND_UNSET (-1)

static const char *const fault_kind_names[] = {
    "netem", "bandwidth", "partition", "link-down", "freeze", "suspend", "kill", "restart", NULL};

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

static const struct scenario_key netem_keys[] = {
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

static const struct scenario_key bandwidth_keys[] = {
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

		if (scenario_value_selector(p, v->items[i], g) < 0)
			rc = -1;
	}
	return rc;
}

static int fault_partition_direction(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"both", "forward", "backward", NULL};

	return fault_enum(p, v, names, &((struct scenario_fault *)obj)->direction);
}

static const struct scenario_key partition_keys[] = {
    {"groups", 1, fault_groups},
    {"direction", 0, fault_partition_direction},
    {NULL, 0, NULL},
};

static const struct scenario_key target_keys[] = {
    {"target", 1, fault_target},
    {NULL, 0, NULL},
};

static int fault_wake(struct sparse *p, const struct ytree *v, void *obj)
{
	return fault_duration_limited(p, v, &((struct scenario_fault *)obj)->wake_network_after_ms,
				      FL_LIMIT_WAKE);
}

static const struct scenario_key suspend_keys[] = {
    {"target", 1, fault_target},
    {"wake-network-after", 0, fault_wake},
    {NULL, 0, NULL},
};

static int fault_signal(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"KILL", "TERM", "INT", "HUP", "QUIT", NULL};

	return fault_enum(p, v, names, &((struct scenario_fault *)obj)->signal);
}

static const struct scenario_key kill_keys[] = {
    {"target", 1, fault_target},
    {"signal", 0, fault_signal},
    {NULL, 0, NULL},
};

/* In the order of enum scenario_fault_kind. */
static const struct scenario_key *const fault_kind_keys[] = {
    netem_keys,	 bandwidth_keys, partition_keys, target_keys,
    target_keys, suspend_keys,	 kill_keys,	 target_keys,
};

static int fault_kind_read(struct sparse *p, const struct ytree *v, struct scenario_fault *f,
			   enum scenario_fault_kind kind)
{
	char what[96];

	if ((int)f->kind != FAULT_KIND_UNSET) {
		scenario_error_at(p, v->mark, "a fault takes exactly one kind, got both %s and %s",
				  fault_kind_names[f->kind], fault_kind_names[kind]);
		return -1;
	}
	f->kind = kind;
	f->kind_mark = v->mark;
	snprintf(what, sizeof(what), "a mapping of %s parameters", fault_kind_names[kind]);
	return scenario_keys_walk(p, v, what, fault_kind_names[kind], fault_kind_keys[kind], f);
}

#define FAULT_KIND(fn, kind)                                                                       \
	static int fn(struct sparse *p, const struct ytree *v, void *obj)                          \
	{                                                                                          \
		return fault_kind_read(p, v, obj, kind);                                           \
	}
FAULT_KIND(fault_netem, SCENARIO_FAULT_NETEM)
FAULT_KIND(fault_bandwidth, SCENARIO_FAULT_BANDWIDTH)
FAULT_KIND(fault_partition, SCENARIO_FAULT_PARTITION)
FAULT_KIND(fault_link_down, SCENARIO_FAULT_LINK_DOWN)
FAULT_KIND(fault_freeze, SCENARIO_FAULT_FREEZE)
FAULT_KIND(fault_suspend, SCENARIO_FAULT_SUSPEND)
FAULT_KIND(fault_kill, SCENARIO_FAULT_KILL)
FAULT_KIND(fault_restart, SCENARIO_FAULT_RESTART)

static int fault_name(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_string(p, v, &((struct scenario_fault *)obj)->name);
}

static int fault_at(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario_fault *f = obj;

	f->at_mark = v->mark;
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

static const struct scenario_key fault_keys[] = {
    {"name", 0, fault_name},
    {"at", 1, fault_at},
    {"for", 0, fault_for},
    {"repeat", 0, fault_repeat},
    {"netem", 0, fault_netem},
    {"bandwidth", 0, fault_bandwidth},
    {"partition", 0, fault_partition},
    {"link-down", 0, fault_link_down},
    {"freeze", 0, fault_freeze},
    {"suspend", 0, fault_suspend},
    {"kill", 0, fault_kill},
    {"restart", 0, fault_restart},
    {NULL, 0, NULL},
};

/* Fills the defaults a kind's parameters start from. */
static void fault_defaults(struct scenario_fault *f)
{
	f->kind = (enum scenario_fault_kind)FAULT_KIND_UNSET;
	f->times = 1;
	f->netem.distribution = "uniform";
	f->signal = "KILL";
	f->wake_network_after_ms = 1000;
}

static void fault_entry(struct sparse *p, const struct ytree *v, size_t index)
{
	struct scenario *sc = p->sc;
	struct scenario_fault *f = scenario_array_push(&sc->faults, &sc->n_faults, sizeof(*f));
	size_t before = p->errs->n + p->errs->dropped;
	char buf[32];

	fault_defaults(f);
	f->mark = v->mark;
	/* Without a kind, say so, unless this fault has errors already (a misspelt kind shows
	 * as an unknown key, and one message about it is enough). */
	if (scenario_keys_walk(p, v, "a fault (a mapping with at, for and one kind)", "a fault",
			       fault_keys, f) == 0 &&
	    (int)f->kind == FAULT_KIND_UNSET && p->errs->n + p->errs->dropped == before)
		scenario_error_at(p, v->mark,
				  "a fault needs one of: netem, bandwidth, partition, link-down, "
				  "freeze, suspend, kill, restart");
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
	return fault_kind_names[kind];
}

int64_t scenario_fault_end_ms(const struct scenario_fault *f)
{
	int64_t end = f->at_ms + (int64_t)(f->times - 1) * f->every_ms + f->for_ms;

	if (f->kind == SCENARIO_FAULT_SUSPEND)
		end += f->wake_network_after_ms;
	return end;
}
