/* Semantic checks of faults (targets, groups, for:, timing, netem sense) and expectations. */
#include "orchestrator/scenario/fault_kind.h"
#include "orchestrator/scenario/parse.h"

#include "common/limits_faults.h"
#include "common/units.h"
#include "common/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The agent drops at most FL_LIMIT_PARTITION_SOURCES_MAX source addresses per node and
 * fault: with direction both, a node of group g drops every node of the other groups; forward,
 * the second group drops the first; backward, the first drops the second. */
static void validate_partition_sources(struct sparse *p, const struct scenario_fault *f,
				       const size_t *group_of, size_t rest)
{
	size_t *len = fl_xcalloc(f->n_groups + 1, sizeof(*len)), all = 0, worst = 0;
	const char *dir = f->direction ? f->direction : "both";

	for (size_t i = 0; i < p->sc->n_nodes; i++)
		if (group_of[i])
			len[group_of[i] - 1]++;
	if (f->rest_group)
		len[f->rest_group - 1] = rest;
	for (size_t g = 0; g < f->n_groups; g++)
		all += len[g];
	if (!strcmp(dir, "forward"))
		worst = len[0];
	else if (!strcmp(dir, "backward"))
		worst = f->n_groups > 1 ? len[1] : 0;
	else
		for (size_t g = 0; g < f->n_groups; g++)
			worst = all - len[g] > worst ? all - len[g] : worst;
	if (worst > FL_LIMIT_PARTITION_SOURCES_MAX)
		scenario_error_at(p, f->kind_mark,
				  "partition: a node would drop packets from %zu nodes, and the "
				  "agent takes at most %d sources per fault (cut one way: with "
				  "direction: forward the second group drops what the first sends, "
				  "so put the smaller group first)",
				  worst, FL_LIMIT_PARTITION_SOURCES_MAX);
	free(len);
}

/* Every group must match something and no node may sit in two groups. Picks count with all
 * the nodes they could draw, so an overlap that depends on the seed is refused too. */
void scenario_validate_partition(struct sparse *p, const struct scenario_fault *f)
{
	const struct scenario *sc = p->sc;
	uint32_t *out = fl_xcalloc(sc->n_nodes + 1, sizeof(*out));
	size_t *group_of = fl_xcalloc(sc->n_nodes + 1, sizeof(*group_of));

	int picks = 0;
	size_t rest = 0;

	for (size_t g = 0; g < f->n_groups; g++) {
		const struct scenario_selector *sel = &f->groups[g];
		size_t n;

		if (g + 1 == f->rest_group)
			continue;
		picks |= sel->kind == SCENARIO_SEL_PICK;
		if (scenario_validate_selector(p, sel) == 0)
			continue;
		if (sel->kind == SCENARIO_SEL_PICK && sel->from)
			sel = sel->from;
		n = scenario_selector_resolve(sc, sel, NULL, out);
		for (size_t i = 0; i < n; i++) {
			if (group_of[out[i]] && group_of[out[i]] != g + 1) {
				scenario_error_at(
				    p, f->groups[g].mark,
				    "partition groups overlap: \"%s\" is in group %zu "
				    "and group %zu",
				    sc->nodes[out[i]].name, group_of[out[i]], g + 1);
				break;
			}
			group_of[out[i]] = g + 1;
		}
	}
	for (size_t i = 0; f->rest_group && i < sc->n_nodes; i++)
		rest += !group_of[i];
	if (f->rest_group && !rest && !picks)
		scenario_error_at(
		    p, f->groups[f->rest_group - 1].mark,
		    "partition group rest is empty: the other groups hold every node");
	else if (!picks)
		validate_partition_sources(p, f, group_of, rest);
	free(out);
	free(group_of);
}

/* The kind's sense check (fault_kind.h) on the fault's typed params, at its kind key. */
static void validate_fault_sense(struct sparse *p, const struct scenario_fault *f)
{
	const struct fault_kind *k = fault_kind_of(f->kind);
	struct fault_params fp;
	const char *why;

	if (!k->sense)
		return;
	fault_params_from_scenario(f, &fp);
	if ((why = k->sense(&fp)))
		scenario_error_at(p, f->kind_mark, "%s", why);
	fault_params_free(&fp);
}

static void validate_fault_time(struct sparse *p, const struct scenario_fault *f)
{
	const struct scenario *sc = p->sc;
	const struct fault_kind *k = fault_kind_of(f->kind);
	const char *kind = k->name;
	char end_s[32], dur_s[32], drain_s[32], every_s[32], for_s[32];

	if (k->lasts && !f->has_for && !f->until) /* else said at until: below */
		scenario_error_at(p, f->mark, "fault \"%s\": %s needs \"for:\" (how long it lasts)",
				  f->name, kind);
	if (!k->lasts && f->has_for)
		scenario_error_at(p, f->for_mark, "fault \"%s\": %s takes no \"for:\" (%s)",
				  f->name, kind, k->moment_why);
	if (f->until && !k->lasts)
		scenario_error_at(p, f->until_mark,
				  "fault \"%s\": %s takes no \"until:\" (it is a moment, nothing "
				  "to end early)",
				  f->name, kind);
	else if (f->until && !f->has_for)
		scenario_error_at(p, f->until_mark,
				  "fault \"%s\": \"until: %s\" needs \"for:\" (the longest it may "
				  "last)",
				  f->name, f->until);
	if (f->at_boot && !k->lasts)
		scenario_error_at(
		    p, f->at_mark,
		    "fault \"%s\": %s cannot be at: boot (only a fault that lasts is in "
		    "force while the nodes connect)",
		    f->name, kind);
	else if (f->at_boot && f->times > 1)
		scenario_error_at(
		    p, f->repeat_mark,
		    "fault \"%s\": at: boot takes no repeat (write a second fault for "
		    "the later occurrences)",
		    f->name);
	if (f->every_ms && f->every_ms < f->for_ms) {
		units_format_duration(f->every_ms, every_s, sizeof(every_s));
		units_format_duration(f->for_ms, for_s, sizeof(for_s));
		scenario_error_at(
		    p, f->repeat_mark,
		    "fault \"%s\": repeat every %s is shorter than for %s (occurrences "
		    "would overlap)",
		    f->name, every_s, for_s);
	}
	if (scenario_fault_end_ms(f) > sc->duration_ms + sc->drain_ms) {
		units_format_duration(scenario_fault_end_ms(f), end_s, sizeof(end_s));
		units_format_duration(sc->duration_ms, dur_s, sizeof(dur_s));
		units_format_duration(sc->drain_ms, drain_s, sizeof(drain_s));
		scenario_error_at(p, f->at_mark,
				  "fault \"%s\" ends at %s, after duration %s + drain %s", f->name,
				  end_s, dur_s, drain_s);
	}
}

static int fault_name_cmp(const void *a, const void *b)
{
	const struct scenario_fault *x = *(const struct scenario_fault *const *)a;
	const struct scenario_fault *y = *(const struct scenario_fault *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x > y) - (x < y);
}

/* Duplicate names through a sorted index (n log n: a pairwise scan took 4.6 s at 40 000
 * faults); the errors still come in file order, at each later fault of a name. */
static void validate_fault_names(struct sparse *p)
{
	const struct scenario *sc = p->sc;
	const struct scenario_fault **by_name = fl_xcalloc(sc->n_faults + 1, sizeof(*by_name));
	unsigned char *dup = fl_xcalloc(sc->n_faults + 1, 1);

	for (size_t i = 0; i < sc->n_faults; i++)
		by_name[i] = &sc->faults[i];
	qsort(by_name, sc->n_faults, sizeof(*by_name), fault_name_cmp);
	for (size_t k = 1; k < sc->n_faults; k++)
		if (strcmp(by_name[k - 1]->name, by_name[k]->name) == 0)
			dup[by_name[k] - sc->faults] = 1;
	for (size_t i = 0; i < sc->n_faults; i++)
		if (dup[i])
			scenario_error_at(p, sc->faults[i].mark, "duplicate fault name \"%s\"",
					  sc->faults[i].name);
	free(by_name);
	free(dup);
}

/* Every occurrence of every fault is planned (apply + revert on each target): the total is
 * capped (common/limits_faults.h), named at the fault that crosses it. */
static void validate_fault_total(struct sparse *p)
{
	const struct scenario *sc = p->sc;
	uint64_t total = 0;

	for (size_t i = 0; i < sc->n_faults; i++) {
		const struct scenario_fault *f = &sc->faults[i];
		total += f->times ? f->times : 1;
		if (total > FL_LIMIT_FAULT_EVENTS_MAX) {
			scenario_error_at(
			    p, f->times > 1 ? f->repeat_mark : f->mark,
			    "fault \"%s\" brings the planned fault occurrences to %" PRIu64
			    ", above the limit of %d for one scenario",
			    f->name, total, FL_LIMIT_FAULT_EVENTS_MAX);
			return;
		}
	}
}

void scenario_validate_faults(struct sparse *p)
{
	const struct scenario *sc = p->sc;

	validate_fault_names(p);
	validate_fault_total(p);
	for (size_t i = 0; i < sc->n_faults; i++) {
		const struct scenario_fault *f = &sc->faults[i];
		const struct fault_kind *k = fault_kind_of(f->kind);

		if (!k->groups)
			scenario_validate_selector(p, &f->target);
		if (k->validate)
			k->validate(p, f);
		validate_fault_sense(p, f);
		validate_fault_time(p, f);
	}
}

void scenario_validate_expect(struct sparse *p)
{
	const struct scenario *sc = p->sc;

	for (size_t i = 0; i < sc->n_expect; i++) {
		const struct scenario_expect *e = &sc->expect[i];
		int found = 0;

		for (size_t j = 0; e->where_traffic && j < sc->n_traffic; j++)
			found |= strcmp(sc->traffic[j].name, e->where_traffic) == 0;
		if (e->where_traffic && !found)
			scenario_error_at(p, e->traffic_mark, "no traffic named \"%s\"",
					  e->where_traffic);
		found = 0;
		for (size_t j = 0; e->where_fault && j < sc->n_faults; j++)
			found |= strcmp(sc->faults[j].name, e->where_fault) == 0;
		if (e->where_fault && !found)
			scenario_error_at(p, e->fault_mark, "no fault named \"%s\"",
					  e->where_fault);
		if (e->where_from && scenario_node_find(sc, e->where_from) < 0)
			scenario_validate_unknown_node(p, e->from_mark, e->where_from);
		if (e->where_to && scenario_node_find(sc, e->where_to) < 0)
			scenario_validate_unknown_node(p, e->to_mark, e->where_to);
		if (e->where_node && scenario_node_find(sc, e->where_node) < 0)
			scenario_validate_unknown_node(p, e->node_mark, e->where_node);
		if (e->desc && e->desc->needs_fault && sc->n_faults == 0)
			scenario_error_at(p, e->mark,
					  "%s is measured after faults, and there are none",
					  e->metric);
	}
}
