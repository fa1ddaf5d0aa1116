/* after/within: a traffic that opens once another one is delivered (or accepted). The name
 * must be another traffic's, the chain must not loop, and the traffic must fit in the
 * duration even when it opens as late as it may: the named traffic's last send plus
 * within (the named traffic's own latest opening included). */
#include "orchestrator/scenario/parse.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

long scenario_traffic_find(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_traffic; i++)
		if (strcmp(sc->traffic[i].name, name) == 0)
			return (long)i;
	return -1;
}

void scenario_validate_unknown_traffic(struct sparse *p, const struct scenario_traffic *t,
				       const char *key, const char *name, struct scenario_mark at)
{
	const struct scenario *sc = p->sc;
	size_t len = strlen(name), max = len < 3 ? 0 : (len + 2) / 3, best = max + 1;
	const char *hint = NULL;

	for (size_t i = 0; max > 0 && i < sc->n_traffic; i++) {
		size_t d = scenario_name_distance(name, sc->traffic[i].name);

		if (d < best && &sc->traffic[i] != t) {
			best = d;
			hint = sc->traffic[i].name;
		}
	}
	if (hint)
		scenario_error_at(p, at,
				  "traffic \"%s\": %s: no traffic named \"%s\" (did you mean "
				  "\"%s\"?)",
				  t->name, key, name, hint);
	else
		scenario_error_at(p, at, "traffic \"%s\": %s: no traffic named \"%s\"", t->name,
				  key, name);
}

/* 1 when following after from traffic i comes back to i (reported once, at i). */
static int after_loops(const struct scenario *sc, size_t i)
{
	long k = sc->traffic[i].after_index;

	for (size_t steps = 0; k >= 0 && steps <= sc->n_traffic; steps++) {
		if ((size_t)k == i)
			return 1;
		k = sc->traffic[k].after_index;
	}
	return 0;
}

/* Latest opening of traffic i (its chain resolved first); -1 when a link of it is broken. */
static int64_t after_open(struct sparse *p, size_t i, unsigned char *state)
{
	struct scenario *sc = p->sc;
	struct scenario_traffic *t = &sc->traffic[i], *a;

	if (!t->after)
		return 0;
	if (state[i] == 2)
		return t->latest_ms;
	if (state[i] == 1 || t->after_index < 0)
		return -1;
	state[i] = 1;
	a = &sc->traffic[t->after_index];
	if (a->after && after_open(p, (size_t)t->after_index, state) < 0)
		return -1;
	if (!a->count) /* its count is filled in by its own time check */
		return -1;
	t->latest_ms = scenario_traffic_last_ms(sc, a) + t->within_ms;
	scenario_validate_traffic_time(p, t, t->latest_ms);
	state[i] = 2;
	return t->latest_ms;
}

void scenario_validate_after(struct sparse *p)
{
	struct scenario *sc = p->sc;
	unsigned char *state = fl_xcalloc(sc->n_traffic + 1, 1);
	int broken = 0;

	for (size_t i = 0; i < sc->n_traffic; i++) {
		struct scenario_traffic *t = &sc->traffic[i];

		if (!t->after)
			continue;
		if (strcmp(t->after, t->name) == 0) {
			scenario_error_at(p, t->after_mark,
					  "traffic \"%s\" cannot come after itself", t->name);
			broken = 1;
			continue;
		}
		t->after_index = scenario_traffic_find(sc, t->after);
		if (t->after_index < 0) {
			scenario_validate_unknown_traffic(p, t, "after", t->after, t->after_mark);
			broken = 1;
		}
	}
	for (size_t i = 0; !broken && i < sc->n_traffic; i++)
		if (sc->traffic[i].after && after_loops(sc, i)) {
			scenario_error_at(
			    p, sc->traffic[i].after_mark,
			    "traffic \"%s\": after \"%s\" makes a cycle (each waits for "
			    "the other)",
			    sc->traffic[i].name, sc->traffic[i].after);
			broken = 1;
		}
	for (size_t i = 0; !broken && i < sc->n_traffic; i++)
		after_open(p, i, state);
	free(state);
}
