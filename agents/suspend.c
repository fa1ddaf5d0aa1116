/* suspend: a laptop lid closing. The node is frozen and everything but loopback is dropped
 * both ways (a frozen cgroup still answers TCP handshakes from the kernel); on revert the
 * node thaws at once and its network returns wake_network_after_ms later (finish). */
#include "agents/freeze.h"
#include "agents/iptc_rules.h"

#include <stdio.h>

#include "common/limits_faults.h"

#define SUSPEND_WAKE_MAX_MS FL_LIMIT_WAKE_MAX_MS /* the table validate reads too */

static const struct iptc_rule_spec suspend_rule = {.kind = IPTC_RULE_DROP_ALL_BUT_LO};

/* The INPUT and OUTPUT chains of fault f; names point into the caller's buffers. */
static void suspend_chains(const struct agent_node *node, const struct fault *f,
			   struct iptc_rules_chain c[2], char in[32], char out[32])
{
	fault_chain_name(node, f->id, "", in, 32);
	fault_chain_name(node, f->id, "_o", out, 32);
	c[0] = (struct iptc_rules_chain){in, "INPUT", &suspend_rule, 1};
	c[1] = (struct iptc_rules_chain){out, "OUTPUT", &suspend_rule, 1};
}

static int suspend_apply(const struct agent_node *node, struct fault *f, json_t *params,
			 struct fl_error *err)
{
	static const char *const known[] = {"wake_network_after_ms", NULL};
	struct iptc_rules_chain chains[2];
	char in[32], out[32], engine[12];
	struct fl_error ignored;

	if (fault_params_only(params, known, err) < 0 ||
	    fault_params_int(params, "wake_network_after_ms", 0, SUSPEND_WAKE_MAX_MS, 0,
			     &f->finish_after_ms, err) < 0)
		return -1;
	suspend_chains(node, f, chains, in, out);
	/* The network first (one commit, both ways), so nothing leaks while the freeze lands. */
	if (iptc_rules_install_many(chains, 2, err) < 0)
		return -1;
	if (freeze_node(node, engine, sizeof(engine), err) < 0) {
		iptc_rules_remove_many(chains, 2, &ignored);
		return -1;
	}
	snprintf(f->engine, sizeof(f->engine), "%s+iptables", engine);
	return 0;
}

/* The first half: thaw now; the network stays blackholed until finish. */
static int suspend_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	return freeze_thaw(node, err);
}

static int suspend_finish(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	struct iptc_rules_chain chains[2];
	char in[32], out[32];

	suspend_chains(node, f, chains, in, out);
	return iptc_rules_remove_many(chains, 2, err);
}

/* The chains go with the run's prefix (partition's sweep); the freezer with freeze's. */
const struct fault_kind suspend_fault_kind = {
    .name = "suspend",
    .apply = suspend_apply,
    .revert = suspend_revert,
    .finish = suspend_finish,
};
