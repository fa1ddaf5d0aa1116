/* Fault occurrences: repeat expansion, targets (picks drawn once per fault), engine seeds,
 * apply/revert events. */
#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/fault_kind.h"

#include "common/rng.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_SEED_MASK ((1ull << 53) - 1)

/* Resolves a partition's groups, one after another into pf->targets; the group written rest
 * gets, in node order, every node that no other group drew. */
static void faults_groups(const struct scenario *sc, const struct scenario_fault *f, struct rng *r,
			  struct plan_fault *pf)
{
	uint32_t *drawn = fl_xcalloc(sc->n_nodes * f->n_groups + 1, sizeof(*drawn));
	size_t *at = fl_xcalloc(f->n_groups + 1, sizeof(*at)), used = 0;
	unsigned char *in = fl_xcalloc(sc->n_nodes + 1, 1);

	pf->n_groups = f->n_groups;
	for (size_t g = 0; g < f->n_groups; g++) { /* draws in group order, rest skipped */
		at[g] = used;
		if (g + 1 == f->rest_group)
			continue;
		pf->group_len[g] = scenario_selector_resolve(sc, &f->groups[g], r, drawn + used);
		for (size_t k = 0; k < pf->group_len[g]; k++)
			in[drawn[used + k]] = 1;
		used += pf->group_len[g];
	}
	for (size_t g = 0; g < f->n_groups; g++) {
		if (g + 1 != f->rest_group) {
			memcpy(pf->targets + pf->n_targets, drawn + at[g],
			       pf->group_len[g] * sizeof(*drawn));
			pf->n_targets += pf->group_len[g];
			continue;
		}
		for (uint32_t i = 0; i < sc->n_nodes; i++)
			if (!in[i])
				pf->targets[pf->n_targets + pf->group_len[g]++] = i;
		pf->n_targets += pf->group_len[g];
	}
	free(drawn);
	free(at);
	free(in);
}

/* Resolves the target (or the partition groups, one after another) of fault i. */
static int faults_targets(const struct plan *plan, size_t i, struct plan_fault *pf,
			  struct fl_error *err)
{
	const struct scenario *sc = plan->sc;
	const struct scenario_fault *f = &sc->faults[i];
	struct rng r;

	rng_seed(&r, rng_derive(plan->seed, "fault-targets", i));
	pf->targets =
	    fl_xcalloc(sc->n_nodes * (f->n_groups ? f->n_groups : 1) + 1, sizeof(*pf->targets));
	pf->group_len = fl_xcalloc(f->n_groups + 1, sizeof(*pf->group_len));
	if (!fault_kind_of(f->kind)->groups) {
		pf->n_targets = scenario_selector_resolve(sc, &f->target, &r, pf->targets);
	} else {
		faults_groups(sc, f, &r, pf);
		if (f->rest_group && !pf->group_len[f->rest_group - 1])
			return fl_err(err, "fault \"%s\": its partition group rest is empty",
				      f->name);
	}
	if (!pf->n_targets)
		return fl_err(err, "fault \"%s\" has no target", f->name);
	return 0;
}

static void faults_copy(struct plan_fault *dst, const struct plan_fault *src)
{
	*dst = *src;
	dst->targets = fl_xmalloc((src->n_targets + 1) * sizeof(*dst->targets));
	dst->group_len = fl_xmalloc((src->n_groups + 1) * sizeof(*dst->group_len));
	memcpy(dst->targets, src->targets, src->n_targets * sizeof(*dst->targets));
	memcpy(dst->group_len, src->group_len, src->n_groups * sizeof(*dst->group_len));
}

static void faults_events(struct plan *plan, size_t index)
{
	const struct plan_fault *pf = &plan->faults[index];
	struct plan_event *ev = plan_event_push(plan);

	ev->type = PLAN_EVENT_FAULT_APPLY;
	ev->t_ms = pf->start_ms;
	ev->fault = (uint32_t)index;
	if (pf->end_ms == pf->start_ms)
		return; /* kill and restart are moments */
	ev = plan_event_push(plan);
	ev->type = PLAN_EVENT_FAULT_REVERT;
	ev->t_ms = pf->end_ms;
	ev->fault = (uint32_t)index;
}

int plan_faults_build(struct plan *plan, struct fl_error *err)
{
	const struct scenario *sc = plan->sc;
	size_t total = 0;

	for (size_t i = 0; i < sc->n_faults; i++)
		total += sc->faults[i].times;
	plan->faults = fl_xcalloc(total + 1, sizeof(*plan->faults));
	for (size_t i = 0; i < sc->n_faults; i++) {
		const struct scenario_fault *f = &sc->faults[i];
		struct plan_fault base = {.src = f};

		if (faults_targets(plan, i, &base, err) < 0) {
			free(base.targets);
			free(base.group_len);
			return -1;
		}
		for (unsigned k = 0; k < f->times; k++) {
			struct plan_fault *pf = &plan->faults[plan->n_faults++];

			faults_copy(pf, &base);
			if (f->times > 1 || f->every_ms)
				snprintf(pf->id, sizeof(pf->id), "f%zu.%u", i + 1, k + 1);
			else
				snprintf(pf->id, sizeof(pf->id), "f%zu", i + 1);
			pf->start_ms = f->at_ms + (int64_t)k * f->every_ms;
			pf->end_ms = pf->start_ms + f->for_ms;
			pf->engine_seed = rng_derive(plan->seed, pf->id, 0) & PLAN_SEED_MASK;
			faults_events(plan, plan->n_faults - 1);
		}
		free(base.targets);
		free(base.group_len);
	}
	return 0;
}
