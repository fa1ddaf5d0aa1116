/* qdisc_ops over libnl-route-3: tbf with rtnl_qdisc_tbf_*, netem with netem_nl_build. */
#include "agents/netem_nl.h"
#include "agents/qdisc.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)
FL_DEFINE_AUTO(struct rtnl_qdisc, rtnl_qdisc_put)
FL_DEFINE_AUTO(struct nl_cache, nl_cache_free)

struct nl_sock *qdisc_nl_socket(struct fl_error *err)
{
	struct nl_sock *sk = fl_xnonnull(nl_socket_alloc());
	int r;

	if ((r = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(sk);
		return fl_err(err, "netlink connect: %s", nl_geterror(r)), NULL;
	}
	return sk;
}

static int qdisc_nl_add_netem(struct nl_sock *sk, const struct qdisc_spec *q, struct fl_error *err)
{
	struct nl_msg *msg =
	    netem_nl_build(q->ifindex, q->parent, q->handle, NLM_F_CREATE | NLM_F_REPLACE,
			   &q->netem, q->dist, q->dist_n, err);
	int r;

	if (!msg)
		return -1;
	r = nl_send_sync(sk, msg); /* frees msg */
	if (r < 0) {
		fl_err(err, "RTM_NEWQDISC netem: %s", nl_geterror(r));
		/* The kernel answers ENOENT for a qdisc kind it has no module for. */
		err->code = r == -NLE_OBJ_NOTFOUND || r == -NLE_OPNOTSUPP ? ENOENT : 0;
		return -1;
	}
	return 0;
}

static int qdisc_nl_add_tbf(struct nl_sock *sk, const struct qdisc_spec *q, struct fl_error *err)
{
	FL_AUTO(rtnl_qdisc_put) struct rtnl_qdisc *qd = fl_xnonnull(rtnl_qdisc_alloc());
	int r;

	rtnl_tc_set_ifindex(TC_CAST(qd), q->ifindex);
	rtnl_tc_set_parent(TC_CAST(qd), q->parent);
	rtnl_tc_set_handle(TC_CAST(qd), q->handle);
	if ((r = rtnl_tc_set_kind(TC_CAST(qd), "tbf")) < 0)
		return fl_err(err, "tbf: %s", nl_geterror(r));
	rtnl_qdisc_tbf_set_limit(qd, (int)q->tbf.limit);
	rtnl_qdisc_tbf_set_rate(qd, (int)q->tbf.rate_Bps, (int)q->tbf.burst, 0);
	if ((r = rtnl_qdisc_add(sk, qd, NLM_F_CREATE | NLM_F_REPLACE)) < 0)
		return fl_err(err, "RTM_NEWQDISC tbf: %s", nl_geterror(r));
	return 0;
}

static int qdisc_nl_add(const struct qdisc_ops *ops, const struct qdisc_spec *q,
			struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = qdisc_nl_socket(err);

	if (!sk)
		return -1;
	if (q->kind == QDISC_NETEM)
		return qdisc_nl_add_netem(sk, q, err);
	return qdisc_nl_add_tbf(sk, q, err);
}

static int qdisc_nl_delete(struct nl_sock *sk, int ifindex, uint32_t parent, uint32_t handle,
			   struct fl_error *err)
{
	FL_AUTO(rtnl_qdisc_put) struct rtnl_qdisc *qd = fl_xnonnull(rtnl_qdisc_alloc());
	int r;

	rtnl_tc_set_ifindex(TC_CAST(qd), ifindex);
	rtnl_tc_set_parent(TC_CAST(qd), parent);
	rtnl_tc_set_handle(TC_CAST(qd), handle);
	r = rtnl_qdisc_delete(sk, qd);
	if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
		return fl_err(err, "RTM_DELQDISC %x: on ifindex %d: %s", handle >> 16, ifindex,
			      nl_geterror(r));
	return 0;
}

static int qdisc_nl_del(const struct qdisc_ops *ops, const struct qdisc_spec *q,
			struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = qdisc_nl_socket(err);

	if (!sk)
		return -1;
	return qdisc_nl_delete(sk, q->ifindex, q->parent, q->handle, err);
}

static int qdisc_nl_sweep(const struct qdisc_ops *ops, int ifindex, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = qdisc_nl_socket(err);
	FL_AUTO(nl_cache_free) struct nl_cache *cache = NULL;
	FL_AUTO(rtnl_qdisc_put) struct rtnl_qdisc *root = NULL;
	uint32_t major;
	int r;

	if (!sk)
		return -1;
	if ((r = rtnl_qdisc_alloc_cache(sk, &cache)) < 0)
		return fl_err(err, "list qdiscs: %s", nl_geterror(r));
	root = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (!root)
		return 0;
	major = rtnl_tc_get_handle(TC_CAST(root)) >> 16;
	if (major < QDISC_MAJOR_MIN || major > QDISC_MAJOR_MAX)
		return 0;
	if (qdisc_nl_delete(sk, ifindex, TC_H_ROOT, major << 16, err) < 0)
		return -1;
	return 1;
}

const struct qdisc_ops qdisc_nl_ops = {
    .add = qdisc_nl_add,
    .del = qdisc_nl_del,
    .sweep = qdisc_nl_sweep,
};
