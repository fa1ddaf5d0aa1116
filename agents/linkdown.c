/* link-down: the node's interface goes down through rtnetlink (libnl-route-3). Going down
 * makes the kernel delete every route through the interface, so apply snapshots them first
 * and revert puts back, after the link is up again, the ones the kernel did not recreate.
 * Nested like freeze: the first link-down takes the link down, the last revert brings it up. */
#include "agents/fault.h"

#include "common/cleanup.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdlib.h>

#define LINKDOWN_ROUTES_MAX 256

FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)
FL_DEFINE_AUTO(struct rtnl_link, rtnl_link_put)
FL_DEFINE_AUTO(struct nl_cache, nl_cache_free)

/* The snapshot of the one link-down in force (one agent serves one node). */
static int linkdown_depth;
static struct rtnl_route *linkdown_routes[LINKDOWN_ROUTES_MAX];
static int linkdown_nroutes;

static struct nl_sock *linkdown_socket(struct fl_error *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk) {
		fl_err(err, "nl_socket_alloc: out of memory");
		return NULL;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		fl_err(err, "connect rtnetlink: %s", nl_geterror(r));
		return NULL;
	}
	return sk;
}

static int linkdown_route_uses(struct rtnl_route *route, int ifindex)
{
	for (int i = 0; i < rtnl_route_get_nnexthops(route); i++)
		if (rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, i)) == ifindex)
			return 1;
	return 0;
}

struct linkdown_walk {
	int ifindex;
};

static void linkdown_keep(struct nl_object *obj, void *arg)
{
	struct rtnl_route *route = (struct rtnl_route *)obj;
	const struct linkdown_walk *w = arg;

	if (linkdown_nroutes == LINKDOWN_ROUTES_MAX || !linkdown_route_uses(route, w->ifindex) ||
	    rtnl_route_get_table(route) == RT_TABLE_LOCAL ||
	    rtnl_route_get_type(route) != RTN_UNICAST ||
	    (rtnl_route_get_family(route) == AF_INET6 &&
	     rtnl_route_get_protocol(route) == RTPROT_KERNEL))
		return;
	linkdown_routes[linkdown_nroutes++] = (struct rtnl_route *)nl_object_clone(obj);
}

/* Wider scopes (universe, 0) need the narrower link routes (253) back first. */
static int linkdown_scope_cmp(const void *a, const void *b)
{
	int sa = rtnl_route_get_scope(*(struct rtnl_route *const *)a);
	int sb = rtnl_route_get_scope(*(struct rtnl_route *const *)b);

	return sb - sa;
}

static void linkdown_forget(void)
{
	for (int i = 0; i < linkdown_nroutes; i++)
		rtnl_route_put(linkdown_routes[i]);
	linkdown_nroutes = 0;
}

static int linkdown_snapshot(struct nl_sock *sk, int ifindex, struct fl_error *err)
{
	FL_AUTO(nl_cache_free) struct nl_cache *cache = NULL;
	struct linkdown_walk w = {ifindex};
	int r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache);

	if (r < 0)
		return fl_err(err, "dump routes: %s", nl_geterror(r));
	nl_cache_foreach(cache, linkdown_keep, &w);
	qsort(linkdown_routes, (size_t)linkdown_nroutes, sizeof(linkdown_routes[0]),
	      linkdown_scope_cmp);
	return 0;
}

static int linkdown_set(struct nl_sock *sk, const char *ifname, int up, struct fl_error *err)
{
	FL_AUTO(rtnl_link_put) struct rtnl_link *link = NULL;
	FL_AUTO(rtnl_link_put) struct rtnl_link *change = rtnl_link_alloc();
	int r = rtnl_link_get_kernel(sk, 0, ifname, &link);

	if (r < 0)
		return fl_err(err, "link %s: %s", ifname, nl_geterror(r));
	if (!change)
		return fl_err(err, "rtnl_link_alloc: out of memory");
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	if (r < 0)
		return fl_err(err, "set %s %s: %s", ifname, up ? "up" : "down", nl_geterror(r));
	return 0;
}

/* Puts back the snapshot; the kernel has already recreated the routes of the addresses. */
static int linkdown_restore(struct nl_sock *sk, struct fl_error *err)
{
	int failed = 0;

	for (int i = 0; i < linkdown_nroutes; i++) {
		int r = rtnl_route_add(sk, linkdown_routes[i], NLM_F_EXCL);

		if (r < 0 && r != -NLE_EXIST && !failed++)
			fl_err(err, "restore route %d of %d: %s", i + 1, linkdown_nroutes,
			       nl_geterror(r));
	}
	linkdown_forget();
	return failed ? -1 : 0;
}

static int linkdown_apply(const struct agent_node *node, struct fault *f, json_t *params,
			  struct fl_error *err)
{
	static const char *const known[] = {NULL};
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;
	int ifindex = 0;

	if (fault_params_only(params, known, err) < 0)
		return -1;
	snprintf(f->engine, sizeof(f->engine), "netlink");
	if (linkdown_depth > 0) {
		linkdown_depth++;
		return 0;
	}
	sk = linkdown_socket(err);
	if (!sk)
		return -1;
	ifindex = (int)if_nametoindex(node->ifname);
	if (ifindex == 0)
		return fl_err_errno(err, "link-down: interface %s", node->ifname);
	if (linkdown_snapshot(sk, ifindex, err) < 0 || linkdown_set(sk, node->ifname, 0, err) < 0) {
		linkdown_forget();
		return fl_wrap(err, "link-down");
	}
	linkdown_depth = 1;
	return 0;
}

static int linkdown_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;

	if (linkdown_depth == 0 || --linkdown_depth > 0)
		return 0;
	sk = linkdown_socket(err);
	if (!sk)
		return fl_wrap(err, "link-up");
	if (linkdown_set(sk, node->ifname, 1, err) < 0) {
		linkdown_forget();
		return fl_wrap(err, "link-up");
	}
	if (linkdown_restore(sk, err) < 0)
		return fl_wrap(err, "link-up %s", node->ifname);
	return 0;
}

/* A crashed agent's link-down: the link comes back up (with the routes of its addresses;
 * other routes went with the agent's memory). */
static int linkdown_sweep(const struct agent_node *node, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;

	if (!node->ifname[0])
		return 0;
	sk = linkdown_socket(err);
	if (!sk || linkdown_set(sk, node->ifname, 1, err) < 0)
		return fl_wrap(err, "sweep: link up");
	return 0;
}

const struct fault_kind linkdown_fault_kind = {
    .name = "link-down",
    .apply = linkdown_apply,
    .revert = linkdown_revert,
    .sweep = linkdown_sweep,
};
