/* partition: DROP on the receiver's INPUT by source address, in the fault's own chain
 * FL<run>-<id>. The orchestrator sends each receiving node its drop_from list, so a one-way
 * partition is a list on one side only. */
#include "agents/fault.h"
#include "agents/iptc_rules.h"

#include "common/cleanup.h"
#include "common/limits_faults.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses params.drop_from into rules (network-order addresses); returns how many. */
static int partition_parse(json_t *params, struct iptc_rule_spec *rules, struct fl_error *err)
{
	static const char *const known[] = {"drop_from", NULL};
	json_t *list = json_object_get(params, "drop_from");
	json_t *v;
	size_t i;

	if (fault_params_only(params, known, err) < 0)
		return -1;
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > FL_LIMIT_PARTITION_SOURCES_MAX)
		return fl_err(err, "params.drop_from: expected a list of 1 to %d IPv4 addresses",
			      FL_LIMIT_PARTITION_SOURCES_MAX);
	json_array_foreach(list, i, v) {
		struct in_addr a;

		if (!json_is_string(v) || inet_pton(AF_INET, json_string_value(v), &a) != 1)
			return fl_err(err, "params.drop_from[%zu]: expected an IPv4 address", i);
		rules[i] =
		    (struct iptc_rule_spec){.kind = IPTC_RULE_DROP_SRC, .src_addr = a.s_addr};
	}
	return (int)json_array_size(list);
}

static int partition_apply(const struct agent_node *node, struct fault *f, json_t *params,
			   struct fl_error *err)
{
	cleanup_free struct iptc_rule_spec *rules =
	    fl_xcalloc(FL_LIMIT_PARTITION_SOURCES_MAX, sizeof(*rules));
	char chain[32];
	int n;

	n = partition_parse(params, rules, err);
	if (n < 0)
		return -1;
	fault_chain_name(node, f->id, "", chain, sizeof(chain));
	/* One commit: either the chain, its rules and the jump all exist, or none does. */
	if (iptc_rules_install(chain, "INPUT", rules, (size_t)n, err) < 0)
		return -1;
	snprintf(f->engine, sizeof(f->engine), "iptables");
	return 0;
}

static int partition_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	char chain[32];

	fault_chain_name(node, f->id, "", chain, sizeof(chain));
	return iptc_rules_remove(chain, "INPUT", err);
}

/* Every chain of the run, whichever kind made it (suspend and the NFQUEUE engine too). */
static int partition_sweep(const struct agent_node *node, struct fl_error *err)
{
	char prefix[32];

	fault_chain_prefix(node, prefix, sizeof(prefix));
	return iptc_rules_sweep(prefix, err) < 0 ? -1 : 0;
}

const struct fault_kind partition_fault_kind = {
    .name = "partition",
    .apply = partition_apply,
    .revert = partition_revert,
    .sweep = partition_sweep,
};
