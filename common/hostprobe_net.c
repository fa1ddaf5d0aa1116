/* Kernel features probed for real in the current network namespace (see hostprobe.h):
 * a qdisc of a kind added as root of lo, an ifb device created, each removed again. */
#include "common/hostprobe.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <linux/pkt_sched.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <string.h>

#define LO_IFINDEX 1 /* loopback is always 1 in a network namespace */

FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)
FL_DEFINE_AUTO(struct rtnl_qdisc, rtnl_qdisc_put)
FL_DEFINE_AUTO(struct rtnl_link, rtnl_link_put)

/* 1, 0 for "the kernel has no such kind" (libnl maps ENOENT/EOPNOTSUPP to these), or -1. */
static int probe_result(int rc, struct fl_error *err)
{
	if (rc >= 0)
		return 1;
	fl_err(err, "%s", nl_geterror(rc));
	return rc == -NLE_OBJ_NOTFOUND || rc == -NLE_OPNOTSUPP ? 0 : -1;
}

static int probe_socket(struct nl_sock *sk, struct fl_error *err)
{
	int rc = nl_connect(sk, NETLINK_ROUTE);

	if (rc < 0)
		return fl_err(err, "netlink: %s", nl_geterror(rc));
	return 0;
}

int hostprobe_qdisc(const char *kind, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = fl_xnonnull(nl_socket_alloc());
	FL_AUTO(rtnl_qdisc_put) struct rtnl_qdisc *q = fl_xnonnull(rtnl_qdisc_alloc());
	int rc;

	if (probe_socket(sk, err) < 0)
		return -1;
	rtnl_tc_set_ifindex(TC_CAST(q), LO_IFINDEX);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(0xf1d0, 0));
	if ((rc = rtnl_tc_set_kind(TC_CAST(q), kind)) < 0)
		return probe_result(rc, err);
	if (strcmp(kind, "netem") == 0) {
		rtnl_netem_set_limit(q, 1000);
		rtnl_netem_set_delay(q, 10000); /* 10 ms: a qdisc that really delays */
	} else if (strcmp(kind, "tbf") == 0) {
		rtnl_qdisc_tbf_set_limit(q, 10000);
		rtnl_qdisc_tbf_set_rate(q, 125000, 5000, 0);
	}
	rc = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	if (rc == 0)
		rtnl_qdisc_delete(sk, q);
	return probe_result(rc, err);
}

int hostprobe_ifb(struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = fl_xnonnull(nl_socket_alloc());
	FL_AUTO(rtnl_link_put) struct rtnl_link *l = fl_xnonnull(rtnl_link_alloc());
	int rc;

	if (probe_socket(sk, err) < 0)
		return -1;
	rtnl_link_set_name(l, "flprobe0");
	rc = rtnl_link_set_type(l, "ifb");
	if (rc >= 0)
		rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (rc >= 0)
		rtnl_link_delete(sk, l);
	return probe_result(rc, err);
}
