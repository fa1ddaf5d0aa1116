/* bandwidth: a tbf at the bottom of the interface's faultlab qdisc stack (egress) and/or of
 * the IFB's (ingress). Revert pops exactly this fault's tbf; any netem stays. */
#include "agents/bandwidth.h"

#include "agents/ifb.h"
#include "agents/netem_params.h"
#include "agents/qdisc.h"
#include "common/xalloc.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

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

int bandwidth_shaping_pop(struct bandwidth_shaping *s, struct fl_error *err)
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
	s->has_egress = s->has_ingress = 0;
	return r;
}

int bandwidth_shaping_push(const struct agent_node *node, struct bandwidth_shaping *s,
			   const struct qdisc_spec *q, enum netem_dir dir, struct fl_error *err)
{
	struct fl_error e2 = {0};
	int ifb;

	s->egress = s->ingress = *q;
	if (dir & NETEM_DIR_EGRESS) {
		if (qdisc_push(&qdisc_nl_ops, &s->egress, err) < 0)
			return err->code == ENOENT ? 1 : -1;
		s->has_egress = 1;
	}
	if (dir & NETEM_DIR_INGRESS) {
		if (ifb_acquire(node->run_id, q->ifindex, &ifb, err) < 0)
			return -1;
		s->ingress.ifindex = ifb;
		if (qdisc_push(&qdisc_nl_ops, &s->ingress, err) < 0) {
			ifb_release(&e2);
			return err->code == ENOENT && !s->has_egress ? 1 : -1;
		}
		s->has_ingress = 1;
	}
	return 0;
}

static int bandwidth_apply(const struct agent_node *node, struct fault *f, json_t *params,
			   struct fl_error *err)
{
	struct bandwidth_shaping *s;
	struct fl_error e2 = {0};
	struct tbf_plan plan;
	enum netem_dir dir;
	int ifindex;

	if (bandwidth_parse(params, &plan, &dir, err) < 0)
		return -1;
	if ((ifindex = bandwidth_node_ifindex(node, err)) < 0)
		return -1;
	s = fl_xcalloc(1, sizeof(*s));
	if (bandwidth_shaping_push(
		node, s, &(struct qdisc_spec){.kind = QDISC_TBF, .ifindex = ifindex, .tbf = plan},
		dir, err) != 0) {
		bandwidth_shaping_pop(s, &e2);
		free(s);
		return fl_wrap(err, "bandwidth on %s", node->ifname);
	}
	snprintf(f->engine, sizeof(f->engine), "tbf");
	f->state = s;
	return 0;
}

static int bandwidth_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	struct bandwidth_shaping *s = f->state;
	int r;

	if (!s)
		return 0;
	r = bandwidth_shaping_pop(s, err);
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
