/* plan.json bytes for a run: from a scenario through the planner, or a saved plan as is. */
#include "orchestrator/run/planfile.h"
#include "orchestrator/run/rundir.h"

#include "common/cleanup.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int planfile_is_json(const char *path)
{
	size_t l = strlen(path);

	return l > 5 && strcmp(path + l - 5, ".json") == 0;
}

static int planfile_from_json(const char *path, struct planfile *pf, enum fl_exit *exit,
			      struct fl_error *err)
{
	json_auto_t *j = NULL;
	const char *name;

	*exit = FL_EXIT_ENV;
	pf->json = rundir_read(path, &pf->len, err);
	if (!pf->json)
		return -1;
	j = json_loads(pf->json, 0, NULL);
	name = json_string_value(json_object_get(j, "scenario"));
	if (!j || !name || json_integer_value(json_object_get(j, "faultlab_plan")) != 1) {
		*exit = FL_EXIT_INVALID;
		return fl_err(err, "%s: not a faultlab plan", path);
	}
	snprintf(pf->name, sizeof(pf->name), "%s", name);
	pf->seed = (uint64_t)json_integer_value(json_object_get(j, "seed"));
	return 0;
}

int planfile_scenario(const char *path, int has_seed, uint64_t seed, struct planfile *pf,
		      enum fl_exit *exit, struct fl_error *err);

int planfile_make(const char *path, int has_seed, uint64_t seed, struct planfile *pf,
		  enum fl_exit *exit, struct fl_error *err)
{
	memset(pf, 0, sizeof(*pf));
	*exit = FL_EXIT_OK;
	if (planfile_is_json(path))
		return planfile_from_json(path, pf, exit, err);
	return planfile_scenario(path, has_seed, seed, pf, exit, err);
}

int planfile_compare(const struct planfile *pf, const char *path, struct fl_error *err)
{
	size_t len, line = 1;
	cleanup_free char *saved = rundir_read(path, &len, err);

	if (!saved)
		return -1;
	for (size_t i = 0; i < len && i < pf->len; i++) {
		if (saved[i] != pf->json[i])
			return fl_err(err,
				      "the regenerated plan differs from %s at line %zu: refusing "
				      "to replay (was the scenario or faultlab changed?)",
				      path, line);
		line += saved[i] == '\n';
	}
	if (len != pf->len)
		return fl_err(err, "the regenerated plan differs from %s (length %zu vs %zu)", path,
			      pf->len, len);
	return 0;
}

void planfile_free(struct planfile *pf)
{
	free(pf->json);
	free(pf->errs);
	pf->json = NULL;
	pf->errs = NULL;
}
