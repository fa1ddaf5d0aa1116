/* plan.json bytes for a run: from a scenario through the planner, or a saved plan as is. */
#include "orchestrator/run/planbytes.h"
#include "orchestrator/run/rundir.h"
#include "orchestrator/plan/planread.h"

#include "common/cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int planbytes_is_json(const char *path)
{
	size_t l = strlen(path);

	return l > 5 && strcmp(path + l - 5, ".json") == 0;
}

static int planbytes_from_json(const char *path, struct planbytes *pf, enum fl_exit *exit,
			       struct fl_error *err)
{
	struct planread p;

	*exit = FL_EXIT_ENV;
	pf->json = rundir_read(path, &pf->len, err);
	if (!pf->json)
		return -1;
	if (planread_open(path, &p, err) < 0 || !p.scenario[0]) {
		if (p.src) /* read, but without a scenario name */
			fl_err(err, "%s: not a faultlab plan (no scenario)", path);
		planread_free(&p);
		*exit = FL_EXIT_INVALID;
		return -1;
	}
	snprintf(pf->name, sizeof(pf->name), "%s", p.scenario);
	pf->seed = p.seed;
	planread_free(&p);
	return 0;
}

int planbytes_scenario(const char *path, int has_seed, uint64_t seed, struct planbytes *pf,
		       enum fl_exit *exit, struct fl_error *err);

int planbytes_make(const char *path, int has_seed, uint64_t seed, struct planbytes *pf,
		   enum fl_exit *exit, struct fl_error *err)
{
	memset(pf, 0, sizeof(*pf));
	*exit = FL_EXIT_OK;
	if (planbytes_is_json(path))
		return planbytes_from_json(path, pf, exit, err);
	return planbytes_scenario(path, has_seed, seed, pf, exit, err);
}

int planbytes_compare(const struct planbytes *pf, const char *path, struct fl_error *err)
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

void planbytes_free(struct planbytes *pf)
{
	free(pf->json);
	free(pf->errs);
	pf->json = NULL;
	pf->errs = NULL;
}
