/* bandwidth: a tbf at the bottom of the interface's faultlab qdisc stack (egress) and/or of
 * the IFB's (ingress). Revert pops exactly this fault's tbf; any netem stays. */
#include "agents/bandwidth.h"

#include "agents/ifb.h"
#include "agents/netem_params.h"
#include "agents/qdisc.h"

#include <net/if.h>
#include <stdlib.h>
#include <string.h>

struct bandwidth_state {
	struct qdisc_spec egress, ingress;
	int has_egress, has_ingress;
};

int bandwidth_node_ifindex(const struct agent_node *node, struct fl_error *err)
{
	unsigned idx = if_nametoindex(node->ifname);

	if (!idx)
		return fl_err_errno(err, "interface %s", node->ifname);
	return (int)idx;
}

static int bandwidth_parse(json_t *params, struct tbf_plan *plan, enum netem_dir *dir,
			   struct fl_error *err)
{
	static const char *const known[] = {"rate_bps", "burst_bytes", "direction", NULL};
	uint64_t rate = 0, burst = 0;

	if (!json_is_object(params))
		return fl_err(err, "params: expected an object");
	if (fault_params_only(params, known, err) < 0)
		return -1;
	if (!json_object_get(params, "rate_bps"))
		return fl_err(err, "params.rate_bps: required");
	*dir = NETEM_DIR_EGRESS;
	if (netem_params_bps(params, "rate_bps", &rate, err) < 0 ||
	    netem_params_bytes(params, "burst_bytes", &burst, err) < 0 ||
	    netem_params_dir(params, dir, err) < 0)
		return -1;
	return tbf_plan_build(rate, burst, plan, err);
}

static int bandwidth_undo(struct bandwidth_state *s, struct fl_error *err)
{
	struct fl_error e2 = {0};
	int r = 0;

	if (s->has_egress && qdisc_pop(&qdisc_nl_ops, &s->egress, err) < 0)
		r = -1;
	if (s->has_ingress) {
		if (qdisc_pop(&qdisc_nl_ops, &s->ingress, r < 0 ? &e2 : err) < 0)
			r = -1;
		if (ifb_release(r < 0 ? &e2 : err) < 0)
			r = -1;
	}
	return r;
}

static int bandwidth_apply(const struct agent_node *node, struct fault *f, json_t *params,
			   struct fl_error *err)
{
	struct bandwidth_state *s;
	struct fl_error e2 = {0};
	struct tbf_plan plan;
	enum netem_dir dir;
	int ifindex, ifb;

	if (bandwidth_parse(params, &plan, &dir, err) < 0)
		return -1;
	if ((ifindex = bandwidth_node_ifindex(node, err)) < 0)
		return -1;
	if (!(s = calloc(1, sizeof(*s))))
		return fl_err_errno(err, "bandwidth");
	s->egress = (struct qdisc_spec){.kind = QDISC_TBF, .ifindex = ifindex, .tbf = plan};
	if ((dir & NETEM_DIR_EGRESS) && qdisc_push(&qdisc_nl_ops, &s->egress, err) < 0)
		goto fail;
	s->has_egress = (dir & NETEM_DIR_EGRESS) != 0;
	if (dir & NETEM_DIR_INGRESS) {
		if (ifb_acquire(node->run_id, ifindex, &ifb, err) < 0)
			goto fail;
		s->ingress = (struct qdisc_spec){.kind = QDISC_TBF, .ifindex = ifb, .tbf = plan};
		if (qdisc_push(&qdisc_nl_ops, &s->ingress, err) < 0) {
			ifb_release(&e2);
			goto fail;
		}
		s->has_ingress = 1;
	}
	snprintf(f->engine, sizeof(f->engine), "tbf");
	f->state = s;
	return 0;
fail:
	bandwidth_undo(s, &e2);
	free(s);
	return fl_wrap(err, "bandwidth on %s", node->ifname);
}

static int bandwidth_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	struct bandwidth_state *s = f->state;
	int r;

	if (!s)
		return 0;
	r = bandwidth_undo(s, err);
	free(s);
	f->state = NULL;
	return r;
}

int bandwidth_sweep_shaping(const struct agent_node *node, struct fl_error *err)
{
	char name[IF_NAMESIZE];
	int ifindex = (int)if_nametoindex(node->ifname);
	int ifb;

	ifb_name(node->run_id, name, sizeof(name));
	ifb = (int)if_nametoindex(name);
	if (ifb > 0 && qdisc_nl_ops.sweep(&qdisc_nl_ops, ifb, err) < 0)
		return -1;
	if (ifindex > 0 && qdisc_nl_ops.sweep(&qdisc_nl_ops, ifindex, err) < 0)
		return -1;
	return ifb_sweep(node->run_id, ifb > 0 ? ifindex : 0, err) < 0 ? -1 : 0;
}

static int bandwidth_sweep(const struct agent_node *node, struct fl_error *err)
{
	return bandwidth_sweep_shaping(node, err);
}

const struct fault_kind bandwidth_fault_kind = {
    .name = "bandwidth",
    .apply = bandwidth_apply,
    .revert = bandwidth_revert,
    .sweep = bandwidth_sweep,
};
