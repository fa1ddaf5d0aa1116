#include "agents/netem_probe.h"

#include "agents/netem_plan.h"
#include "agents/qdisc.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <net/if.h>

int netem_probe(struct fl_error *err)
{
	struct netem_params p;
	struct netem_psched ps;
	struct qdisc_spec q = {
	    .kind = QDISC_NETEM, .handle = QDISC_MAJOR_MAX << 16, .parent = TC_H_ROOT};
	struct fl_error e2 = {0};
	int ifindex = (int)if_nametoindex("lo");

	if (!ifindex)
		return fl_err_errno(err, "netem probe: lo");
	netem_plan_params_init(&p);
	p.delay_ms = 10;
	if (netem_plan_psched_read(NULL, &ps, err) < 0 ||
	    netem_plan_build(&p, &ps, &q.netem, err) < 0)
		return fl_wrap(err, "netem probe");
	q.ifindex = ifindex;
	if (qdisc_nl_ops.add(&qdisc_nl_ops, &q, &e2) < 0) {
		if (e2.code == ENOENT)
			return 0;
		*err = e2;
		return fl_wrap(err, "netem probe");
	}
	if (qdisc_nl_ops.del(&qdisc_nl_ops, &q, err) < 0)
		return fl_wrap(err, "netem probe: remove the probe qdisc");
	return 1;
}
