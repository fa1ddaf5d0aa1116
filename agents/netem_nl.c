#include "agents/netem_nl.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <linux/pkt_sched.h>
#include <netlink/attr.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/tc.h>
#include <string.h>

FL_DEFINE_AUTO(struct rtnl_qdisc, rtnl_qdisc_put)

static void netem_nl_set(struct rtnl_qdisc *q, const struct netem_plan *plan)
{
	/* libnl takes microseconds and converts to ticks itself with /proc/net/psched. */
	rtnl_netem_set_limit(q, (int)plan->limit);
	rtnl_netem_set_delay(q, (int)plan->latency_us);
	rtnl_netem_set_jitter(q, (int)plan->jitter_us);
	rtnl_netem_set_delay_correlation(q, (int)plan->delay_corr);
	rtnl_netem_set_loss(q, (int)plan->loss);
	rtnl_netem_set_loss_correlation(q, (int)plan->loss_corr);
	rtnl_netem_set_duplicate(q, (int)plan->duplicate);
	rtnl_netem_set_duplicate_correlation(q, (int)plan->dup_corr);
	rtnl_netem_set_gap(q, (int)plan->gap);
	if (plan->reorder) {
		rtnl_netem_set_reorder_probability(q, (int)plan->reorder);
		rtnl_netem_set_reorder_correlation(q, (int)plan->reorder_corr);
	}
	if (plan->corrupt) {
		rtnl_netem_set_corruption_probability(q, (int)plan->corrupt);
		rtnl_netem_set_corruption_correlation(q, (int)plan->corrupt_corr);
	}
}

/* The attribute that follows the tcmsg header and is named `type`, or NULL. */
static struct nlattr *netem_nl_find(struct nl_msg *msg, int type)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	return nlmsg_find_attr(nlh, sizeof(struct tcmsg), type);
}

/* netem's TCA_OPTIONS is a struct tc_netem_qopt followed by attributes, all inside the one
 * TCA_OPTIONS; libnl writes it last, so extra attributes appended to the message belong to
 * it once its length is stretched to the message's end. */
static int netem_nl_extend(struct nl_msg *msg, const struct netem_plan *plan, struct fl_error *err)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *opt = netem_nl_find(msg, TCA_OPTIONS);
	char *opt_end = opt ? (char *)opt + NLA_ALIGN(opt->nla_len) : NULL;
	int r = 0;

	if (!opt || opt_end > (char *)nlh + nlh->nlmsg_len)
		return fl_err(err, "netem message: no TCA_OPTIONS");
	/* libnl 3.7 counts the attributes it stretches TCA_OPTIONS over twice in nlmsg_len,
	 * leaving zeroed bytes behind it (the kernel warns about "leftover bytes"): cut them. */
	nlh->nlmsg_len = (uint32_t)(opt_end - (char *)nlh);
	/* Room for what follows (a delay table can fill libnl's page-sized message). A larger
	 * size can only fail with -NLE_NOMEM. */
	if (nlmsg_get_max_size(msg) < nlh->nlmsg_len + 256 &&
	    nlmsg_expand(msg, nlmsg_get_max_size(msg) + 4096) < 0)
		fl_oom();
	r |= nla_put_s64(msg, TCA_NETEM_LATENCY64, plan->latency_ns);
	r |= nla_put_s64(msg, TCA_NETEM_JITTER64, plan->jitter_ns);
	if (plan->rate_Bps) {
		struct tc_netem_rate rate = {
		    .rate = plan->rate_Bps > UINT32_MAX ? UINT32_MAX : (uint32_t)plan->rate_Bps};

		r |= nla_put(msg, TCA_NETEM_RATE, sizeof(rate), &rate);
		if (plan->rate_Bps >= UINT32_MAX)
			r |= nla_put_u64(msg, TCA_NETEM_RATE64, plan->rate_Bps);
	}
	if (plan->gemodel) {
		struct tc_netem_gemodel ge = {
		    .p = plan->ge_p, .r = plan->ge_r, .h = plan->ge_h, .k1 = plan->ge_k1};
		struct nlattr *loss = nla_nest_start(msg, TCA_NETEM_LOSS);

		r |= !loss;
		r |= nla_put(msg, NETEM_LOSS_GE, sizeof(ge), &ge);
		if (loss)
			nla_nest_end(msg, loss);
	}
	if (plan->seed)
		r |= nla_put_u64(msg, TCA_NETEM_PRNG_SEED, plan->seed);
	if (r)
		return fl_err(err, "netem message: out of room");
	opt = netem_nl_find(msg, TCA_OPTIONS);
	opt->nla_len = (uint16_t)((char *)nlmsg_hdr(msg) + nlmsg_hdr(msg)->nlmsg_len - (char *)opt);
	return 0;
}

struct nl_msg *netem_nl_build(int ifindex, uint32_t parent, uint32_t handle, int flags,
			      const struct netem_plan *plan, const int16_t *dist, size_t dist_n,
			      struct fl_error *err)
{
	FL_AUTO(rtnl_qdisc_put) struct rtnl_qdisc *q = fl_xnonnull(rtnl_qdisc_alloc());
	struct nl_msg *msg = NULL;
	int r;

	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if ((r = rtnl_tc_set_kind(TC_CAST(q), "netem")) < 0)
		return fl_err(err, "netem: %s", nl_geterror(r)), NULL;
	netem_nl_set(q, plan);
	if (dist && dist_n && (r = rtnl_netem_set_delay_distribution_data(q, dist, dist_n)) < 0)
		return fl_err(err, "netem distribution: %s", nl_geterror(r)), NULL;
	if ((r = rtnl_qdisc_build_add_request(q, flags, &msg)) < 0)
		return fl_err(err, "netem message: %s", nl_geterror(r)), NULL;
	if (netem_nl_extend(msg, plan, err) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}
