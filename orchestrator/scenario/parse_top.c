/* The top level of a scenario: version, name, description, seed, runtime, duration, drain,
 * images, telemetry; the sections are read by parse_*.c. */
#include "orchestrator/scenario/parse.h"
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_SEED_MAX 9007199254740991ull /* 2^53 − 1: exact in every JSON reader */

static int top_version(struct sparse *p, const struct ytree *v, void *obj)
{
	uint64_t n;

	if (v->type == YTREE_SCALAR && strcmp(v->value, "1") != 0) {
		scenario_error_at(p, v->mark,
				  "unsupported version \"%s\" (this faultlab reads version 1)",
				  v->value);
		return -1;
	}
	if (scenario_value_uint(p, v, 1, 1, &n) < 0)
		return -1;
	p->sc->version = (int)n;
	return 0;
}

static int top_name(struct sparse *p, const struct ytree *v, void *obj)
{
	const char *s = scenario_value_scalar(p, v, "a name of lowercase letters, digits and -");

	if (!s)
		return -1;
	if (!*s || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s) ||
	    strlen(s) > 64) {
		scenario_error_at(
		    p, v->mark,
		    "expected a name of lowercase letters, digits and - (at most 64), "
		    "got \"%s\"",
		    s);
		return -1;
	}
	p->sc->name = scenario_strdup(s);
	return 0;
}

static int top_description(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_string(p, v, &p->sc->description);
}

static int top_seed(struct sparse *p, const struct ytree *v, void *obj)
{
	if (scenario_value_uint(p, v, 0, SCENARIO_SEED_MAX, &p->sc->seed) < 0)
		return -1;
	p->sc->has_seed = 1;
	return 0;
}

static int top_runtime(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"netns", "docker", NULL};
	int i;

	if (scenario_value_enum(p, v, names, &i) < 0)
		return -1;
	p->sc->runtime = names[i];
	return 0;
}

static int top_duration(struct sparse *p, const struct ytree *v, void *obj)
{
	p->sc->duration_mark = v->mark;
	if (scenario_value_duration(p, v, &p->sc->duration_ms) < 0)
		return -1;
	if (p->sc->duration_ms <= 0) {
		scenario_error_at(p, v->mark, "duration must be longer than 0s");
		return -1;
	}
	return 0;
}

static int drain_max(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_duration(p, v, &p->sc->drain_ms);
}

static int drain_exactly(struct sparse *p, const struct ytree *v, void *obj)
{
	p->sc->drain_exact = 1;
	return scenario_value_duration(p, v, &p->sc->drain_ms);
}

static int drain_quiet(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_duration(p, v, &p->sc->drain_quiet_ms);
}

static const struct scenario_key drain_keys[] = {
    {"max", 0, drain_max},
    {"exactly", 0, drain_exactly},
    {"quiet", 0, drain_quiet},
    {NULL, 0, NULL},
};

/* drain: 30s (the longest wait: the run ends earlier once nothing is left to wait for), or
 * {max: 30s, quiet: 2s}, or {exactly: 60s} (always the whole wait). */
static int top_drain(struct sparse *p, const struct ytree *v, void *obj)
{
	p->sc->drain_mark = v->mark;
	if (v->type != YTREE_MAP)
		return scenario_value_duration(p, v, &p->sc->drain_ms);
	if (scenario_keys_walk(p, v, "a duration, or a mapping with max or exactly (and quiet)",
			       "drain", drain_keys, NULL) < 0)
		return -1;
	if (!!ytree_get(v, "max") + !!ytree_get(v, "exactly") != 1) {
		scenario_error_at(p, v->mark, "drain needs one of max or exactly");
		return -1;
	}
	if (p->sc->drain_exact && ytree_get(v, "quiet")) {
		scenario_error_at(p, v->mark, "drain: quiet applies to max, not to exactly");
		return -1;
	}
	return 0;
}

/* telemetry: on | off (true | false): a status-telemetry collector in the hub namespace, and
 * labnodes that push to it (docs/TELEMETRY.md). */
static int top_telemetry(struct sparse *p, const struct ytree *v, void *obj)
{
	static const char *const names[] = {"on", "off", "true", "false", NULL};
	int i;

	if (scenario_value_enum(p, v, names, &i) < 0)
		return -1;
	p->sc->telemetry = i == 0 || i == 2;
	return 0;
}

static int top_defaults(struct sparse *p, const struct ytree *v, void *obj)
{
	return 0; /* read before the walk, so that nodes: may come first */
}

static const struct scenario_key top_keys[] = {
    {"version", 1, top_version},
    {"name", 1, top_name},
    {"description", 0, top_description},
    {"seed", 0, top_seed},
    {"runtime", 0, top_runtime},
    {"duration", 1, top_duration},
    {"drain", 0, top_drain},
    {"images", 0, scenario_parse_images},
    {"telemetry", 0, top_telemetry},
    {"defaults", 0, top_defaults},
    {"nodes", 1, scenario_parse_nodes},
    {"sites", 0, scenario_parse_sites},
    {"topology", 0, scenario_parse_topology},
    {"traffic", 0, scenario_parse_traffic},
    {"faults", 0, scenario_parse_faults},
    {"expect", 0, scenario_parse_expect},
    {NULL, 0, NULL},
};

int scenario_parse_top(struct sparse *p, const struct ytree *root)
{
	const struct ytree *dflt = ytree_get(root, "defaults");

	p->sc->runtime = "netns";
	p->sc->drain_ms = 30000;
	p->sc->drain_quiet_ms = -1;
	p->sc->topology.kind = SCENARIO_TOPO_FULL;
	p->sc->topology.mark = root->mark;
	if (dflt)
		scenario_parse_defaults(p, dflt);
	return scenario_keys_walk(p, root, "a mapping of scenario keys (version, name, ...)",
				  "the scenario", top_keys, NULL);
}

/* images: {name: {image: ref, driver: labnode|waku-rest|status-cli}} */
static int image_image(struct sparse *p, const struct ytree *v, void *obj)
{
	return scenario_value_string(p, v, &((struct scenario_image *)obj)->image);
}

static int image_driver(struct sparse *p, const struct ytree *v, void *obj)
{
	const char *const *names = driver_names();
	struct scenario_image *img = obj;
	int i;

	if (scenario_value_enum(p, v, names, &i) < 0)
		return -1;
	img->driver = scenario_strdup(names[i]);
	return 0;
}

static const struct scenario_key image_keys[] = {
    {"image", 0, image_image},
    {"driver", 1, image_driver},
    {NULL, 0, NULL},
};

int scenario_parse_images(struct sparse *p, const struct ytree *v, void *obj)
{
	struct scenario *sc = p->sc;
	char where[128];

	if (scenario_value_is_null(v))
		return 0;
	if (v->type != YTREE_MAP) {
		scenario_error_at(p, v->mark, "expected a mapping of image names, got %s",
				  ytree_type_name(v));
		return -1;
	}
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ytree *key = v->items[i];
		struct scenario_image *img;

		if (scenario_image_find(sc, key->value) >= 0) {
			scenario_error_at(p, key->mark, "image \"%s\" defined twice", key->value);
			continue;
		}
		img = scenario_array_push(&sc->images, &sc->n_images, sizeof(*img));
		img->name = scenario_strdup(key->value);
		img->mark = key->mark;
		snprintf(where, sizeof(where), "image \"%s\"", key->value);
		scenario_keys_walk(p, v->items[i + 1], "a mapping with image and driver", where,
				   image_keys, img);
		if (!img->driver)
			img->driver = scenario_strdup(driver_default()->name);
	}
	return 0;
}
