#include "agents/fault.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void fault_chain_name(const struct agent_node *node, const char *id, const char *suffix, char *out,
		      size_t len)
{
	snprintf(out, len, "FL%s-%s%s", node->run_id, id, suffix);
}

void fault_chain_prefix(const struct agent_node *node, char *out, size_t len)
{
	snprintf(out, len, "FL%s-", node->run_id);
}

int fault_params_only(json_t *params, const char *const *known, struct fl_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(params, key, v) {
		int ok = 0;

		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok)
			return fl_err(err, "params.%s: unknown parameter", key);
	}
	return 0;
}

int fault_params_int(json_t *params, const char *key, int64_t min, int64_t max, int64_t def,
		     int64_t *out, struct fl_error *err)
{
	json_t *v = json_object_get(params, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return fl_err(err,
			      "params.%s: expected an integer between %" PRId64 " and %" PRId64,
			      key, min, max);
	*out = json_integer_value(v);
	return 0;
}
