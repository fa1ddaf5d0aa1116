#include "agents/ifb.h"

#include "agents/qdisc.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <stdio.h>

FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)
FL_DEFINE_AUTO(struct rtnl_link, rtnl_link_put)
FL_DEFINE_AUTO(struct rtnl_qdisc, rtnl_qdisc_put)
FL_DEFINE_AUTO(struct rtnl_cls, rtnl_cls_put)
FL_DEFINE_AUTO(struct rtnl_act, rtnl_act_put)

static struct {
	int refs;
	int ifb_ifindex, node_ifindex;
	char name[IF_NAMESIZE];
} ifb_state;

void ifb_name(const char *run_id, char *out, size_t len)
{
	snprintf(out, len, "flb%.12s", run_id);
}

static int ifb_link_create(struct nl_sock *sk, const char *name, int *ifindex, struct fl_error *err)
{
	FL_AUTO(rtnl_link_put) struct rtnl_link *l = fl_xnonnull(rtnl_link_alloc());
	FL_AUTO(rtnl_link_put) struct rtnl_link *got = NULL;
	int r;

	rtnl_link_set_name(l, name);
	rtnl_link_set_flags(l, IFF_UP);
	if ((r = rtnl_link_set_type(l, "ifb")) < 0 ||
	    (r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL)) < 0)
		return fl_err(err, "create ifb %s: %s", name, nl_geterror(r));
	if ((r = rtnl_link_get_kernel(sk, 0, name, &got)) < 0)
		return fl_err(err, "ifb %s: %s", name, nl_geterror(r));
	*ifindex = rtnl_link_get_ifindex(got);
	return 0;
}

static int ifb_link_delete(struct nl_sock *sk, const char *name, struct fl_error *err)
{
	FL_AUTO(rtnl_link_put) struct rtnl_link *l = fl_xnonnull(rtnl_link_alloc());
	int r;

	rtnl_link_set_name(l, name);
	r = rtnl_link_delete(sk, l);
	if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND)
		return fl_err(err, "delete ifb %s: %s", name, nl_geterror(r));
	return r < 0 ? 0 : 1;
}

static int ifb_ingress(struct nl_sock *sk, int ifindex, int add, struct fl_error *err)
{
	FL_AUTO(rtnl_qdisc_put) struct rtnl_qdisc *q = fl_xnonnull(rtnl_qdisc_alloc());
	int r;

	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), TC_H_MAKE(TC_H_INGRESS, 0));
	if ((r = rtnl_tc_set_kind(TC_CAST(q), "ingress")) < 0)
		return fl_err(err, "ingress qdisc: %s", nl_geterror(r));
	if (add)
		r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	else if ((r = rtnl_qdisc_delete(sk, q)) == -NLE_OBJ_NOTFOUND || r == -NLE_INVAL)
		return 0; /* nothing there */
	if (r < 0)
		return fl_err(err, "%s ingress qdisc: %s", add ? "add" : "delete", nl_geterror(r));
	return add ? 0 : 1;
}

/* u32 match-all on the ingress qdisc: mirred egress redirect to the IFB, packet stolen. */
static int ifb_redirect(struct nl_sock *sk, int ifindex, int ifb_ifindex, struct fl_error *err)
{
	FL_AUTO(rtnl_cls_put) struct rtnl_cls *cls = fl_xnonnull(rtnl_cls_alloc());
	FL_AUTO(rtnl_act_put) struct rtnl_act *act = fl_xnonnull(rtnl_act_alloc());
	int r;

	rtnl_tc_set_ifindex(TC_CAST(cls), ifindex);
	rtnl_tc_set_parent(TC_CAST(cls), TC_H_MAKE(TC_H_INGRESS, 0));
	rtnl_cls_set_protocol(cls, ETH_P_ALL);
	rtnl_cls_set_prio(cls, 1);
	if ((r = rtnl_tc_set_kind(TC_CAST(cls), "u32")) < 0 ||
	    (r = rtnl_tc_set_kind(TC_CAST(act), "mirred")) < 0)
		return fl_err(err, "ingress redirect: %s", nl_geterror(r));
	rtnl_u32_add_key_uint32(cls, 0, 0, 0, 0);
	rtnl_u32_set_cls_terminal(cls);
	rtnl_mirred_set_action(act, TCA_EGRESS_REDIR);
	rtnl_mirred_set_policy(act, TC_ACT_STOLEN);
	rtnl_mirred_set_ifindex(act, (uint32_t)ifb_ifindex);
	if ((r = rtnl_u32_add_action(cls, act)) < 0 ||
	    (r = rtnl_cls_add(sk, cls, NLM_F_CREATE | NLM_F_EXCL)) < 0)
		return fl_err(err, "ingress redirect filter: %s", nl_geterror(r));
	return 0;
}

int ifb_acquire(const char *run_id, int node_ifindex, int *ifb_ifindex, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;
	struct fl_error e2 = {0};
	char name[IF_NAMESIZE];
	int ifb = 0;

	if (ifb_state.refs) {
		if (ifb_state.node_ifindex != node_ifindex)
			return fl_err(err, "ifb %s serves another interface", ifb_state.name);
		ifb_state.refs++;
		*ifb_ifindex = ifb_state.ifb_ifindex;
		return 0;
	}
	if (!(sk = qdisc_nl_socket(err)))
		return -1;
	ifb_name(run_id, name, sizeof(name));
	if (ifb_link_create(sk, name, &ifb, err) < 0)
		return -1;
	if (ifb_ingress(sk, node_ifindex, 1, err) < 0) {
		ifb_link_delete(sk, name, &e2);
		return -1;
	}
	if (ifb_redirect(sk, node_ifindex, ifb, err) < 0) {
		ifb_ingress(sk, node_ifindex, 0, &e2);
		ifb_link_delete(sk, name, &e2);
		return -1;
	}
	ifb_state.refs = 1;
	ifb_state.ifb_ifindex = ifb;
	ifb_state.node_ifindex = node_ifindex;
	snprintf(ifb_state.name, sizeof(ifb_state.name), "%s", name);
	*ifb_ifindex = ifb;
	return 0;
}

int ifb_release(struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;
	struct fl_error e2 = {0};
	int r = 0;

	if (ifb_state.refs == 0 || --ifb_state.refs > 0)
		return 0;
	if (!(sk = qdisc_nl_socket(err)))
		return -1;
	if (ifb_ingress(sk, ifb_state.node_ifindex, 0, err) < 0)
		r = -1;
	if (ifb_link_delete(sk, ifb_state.name, r < 0 ? &e2 : err) < 0)
		r = -1;
	return r;
}

int ifb_sweep(const char *run_id, int node_ifindex, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = qdisc_nl_socket(err);
	char name[IF_NAMESIZE];
	int r;

	if (!sk)
		return -1;
	ifb_name(run_id, name, sizeof(name));
	if (if_nametoindex(name) == 0)
		return 0;
	if (node_ifindex > 0 && ifb_ingress(sk, node_ifindex, 0, err) < 0)
		return -1;
	r = ifb_link_delete(sk, name, err);
	return r < 0 ? -1 : 1;
}
