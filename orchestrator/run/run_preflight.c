/* Before deployment: the run's estimated memory, file descriptors, tasks and neighbour
 * entries against what the host has left (doctor/limits.h). A run that cannot fit is refused
 * (exit 3) with the figures; a tight one is warned about and goes on. */
#include "orchestrator/run/run_int.h"

#include "orchestrator/doctor/limits.h"

#include "common/log.h"

int run_preflight(struct run_ctx *c, struct fl_error *err)
{
	const struct runtime_ops *ops = c->nt.rt_ops;
	struct host_limits h;
	struct limits_need need = {
	    .nodes = c->plan.n_nodes,
	    .links = c->plan.n_links,
	    .node_overhead_kib = ops ? ops->node_overhead_kib : 0,
	    .node_extra_tasks = ops ? ops->node_extra_tasks : 0,
	    .neigh_permanent = ops ? ops->neigh_permanent : 0,
	};
	char msg[1024];
	enum limits_verdict v;

	limits_read(&h);
	limits_estimate(&need);
	v = limits_preflight(&h, &need, msg, sizeof(msg));
	if (v == LIMITS_REFUSE)
		return fl_err(err, "this host cannot fit %zu nodes:\n%s", need.nodes, msg);
	if (v == LIMITS_WARN)
		log_warn("%zu nodes will use most of this host:\n%s", need.nodes, msg);
	return 0;
}
