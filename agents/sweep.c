#include "agents/sweep.h"

#include "common/log.h"

#include <jansson.h>
#include <stdlib.h>

int sweep_run(const struct agent_node *node, const struct fault_kind *const *kinds, FILE *out)
{
	json_t *res = json_object();
	json_t *line;
	char *s;
	int failed = 0;

	for (const struct fault_kind *const *k = kinds; *k; k++) {
		struct fl_error err = {0};

		if (!(*k)->sweep)
			continue;
		if ((*k)->sweep(node, &err) < 0) {
			log_error("sweep %s: %s", (*k)->name, err.msg);
			json_object_set_new(res, (*k)->name, json_string(err.msg));
			failed++;
		} else {
			json_object_set_new(res, (*k)->name, json_string("ok"));
		}
	}
	line = json_pack("{s:b,s:s,s:s,s:o}", "ok", failed == 0, "op", "sweep", "run", node->run_id,
			 "kinds", res);
	s = json_dumps(line, JSON_COMPACT);
	if (s)
		fprintf(out, "%s\n", s);
	fflush(out);
	free(s);
	json_decref(line);
	return failed;
}
