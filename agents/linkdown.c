/* link-down: the node's interface goes down through rtnetlink (libnl-route-3). Going down
 * makes the kernel delete every route through the interface, so apply snapshots them first
 * and revert puts back, after the link is up again, the ones the kernel did not recreate.
 * The snapshot is also saved to a file named for the run, so a sweep after a crash can
 * restore the routes too.
 * Nested like freeze: the first link-down takes the link down, the last revert brings it up. */
#include "agents/fault.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINKDOWN_ROUTES_MAX 256
/* Where a link-down keeps its snapshot for a sweep after a crash (host /run: the agent
 * shares the host's mount namespace). Named for the run, the netns and the interface. */
#define LINKDOWN_STATE_DIR "/run/faultlab-agent"

FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)
FL_DEFINE_AUTO(struct rtnl_link, rtnl_link_put)
FL_DEFINE_AUTO(struct nl_cache, nl_cache_free)

/* The snapshot of the one link-down in force (one agent serves one node). */
static int linkdown_depth;
static struct rtnl_route *linkdown_routes[LINKDOWN_ROUTES_MAX];
static int linkdown_nroutes;

static struct nl_sock *linkdown_socket(struct fl_error *err)
{
	struct nl_sock *sk = fl_xnonnull(nl_socket_alloc());
	int r;

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

static void linkdown_state_path(const struct agent_node *node, char *out, size_t len)
{
	struct stat st = {0};

	stat("/proc/self/ns/net", &st);
	snprintf(out, len, "%s/%s-%lu-%s.routes", LINKDOWN_STATE_DIR, node->run_id,
		 (unsigned long)st.st_ino, node->ifname);
}

static void linkdown_addr(struct nl_addr *a, char *out, size_t len)
{
	if (a)
		nl_addr2str(a, out, len);
	else
		snprintf(out, len, "-");
}

/* One route a line: family table scope protocol type priority dst gateway prefsrc. Only
 * single-nexthop routes; the sweep restores them through the same interface. */
static int linkdown_state_save(const struct agent_node *node, struct fl_error *err)
{
	char path[256], dst[64], gw[64], src[64];
	cleanup_fclose FILE *f = NULL;

	linkdown_state_path(node, path, sizeof(path));
	mkdir(LINKDOWN_STATE_DIR, 0700);
	f = fopen(path, "we");
	if (!f)
		return fl_err_errno(err, "save routes to %s", path);
	for (int i = 0; i < linkdown_nroutes; i++) {
		struct rtnl_route *r = linkdown_routes[i];

		if (rtnl_route_get_nnexthops(r) != 1)
			continue;
		linkdown_addr(rtnl_route_get_dst(r), dst, sizeof(dst));
		linkdown_addr(rtnl_route_nh_get_gateway(rtnl_route_nexthop_n(r, 0)), gw,
			      sizeof(gw));
		linkdown_addr(rtnl_route_get_pref_src(r), src, sizeof(src));
		fprintf(f, "%d %u %u %u %u %u %s %s %s\n", rtnl_route_get_family(r),
			rtnl_route_get_table(r), rtnl_route_get_scope(r),
			rtnl_route_get_protocol(r), rtnl_route_get_type(r),
			rtnl_route_get_priority(r), dst, gw, src);
	}
	if (fflush(f) != 0)
		return fl_err_errno(err, "save routes to %s", path);
	return 0;
}

static void linkdown_state_drop(const struct agent_node *node)
{
	char path[256];

	linkdown_state_path(node, path, sizeof(path));
	unlink(path);
}

/* Parses one saved line into a route through ifindex; NULL when the line is not one. */
static struct rtnl_route *linkdown_state_route(const char *line, int ifindex)
{
	unsigned table, scope, proto, type, prio;
	char dst[64], gw[64], src[64];
	struct rtnl_route *r;
	struct rtnl_nexthop *nh;
	struct nl_addr *a = NULL;
	int fam;

	if (sscanf(line, "%d %u %u %u %u %u %63s %63s %63s", &fam, &table, &scope, &proto, &type,
		   &prio, dst, gw, src) != 9 ||
	    !(r = rtnl_route_alloc()))
		return NULL;
	rtnl_route_set_family(r, (uint8_t)fam);
	rtnl_route_set_table(r, table);
	rtnl_route_set_scope(r, (uint8_t)scope);
	rtnl_route_set_protocol(r, (uint8_t)proto);
	rtnl_route_set_type(r, (uint8_t)type);
	rtnl_route_set_priority(r, prio);
	if (nl_addr_parse(dst, fam, &a) == 0)
		rtnl_route_set_dst(r, a);
	nl_addr_put(a);
	if (strcmp(src, "-") != 0 && nl_addr_parse(src, fam, &a) == 0) {
		rtnl_route_set_pref_src(r, a);
		nl_addr_put(a);
	}
	nh = rtnl_route_nh_alloc();
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (strcmp(gw, "-") != 0 && nl_addr_parse(gw, fam, &a) == 0) {
		rtnl_route_nh_set_gateway(nh, a);
		nl_addr_put(a);
	}
	rtnl_route_add_nexthop(r, nh);
	return r;
}

/* Loads a crashed agent's snapshot into linkdown_routes; 0 when there is none. */
static int linkdown_state_load(const struct agent_node *node)
{
	char path[256], line[512];
	cleanup_fclose FILE *f = NULL;
	int ifindex = (int)if_nametoindex(node->ifname);

	linkdown_state_path(node, path, sizeof(path));
	f = fopen(path, "re");
	if (!f || ifindex == 0)
		return 0;
	while (linkdown_nroutes < LINKDOWN_ROUTES_MAX && fgets(line, sizeof(line), f)) {
		struct rtnl_route *r = linkdown_state_route(line, ifindex);

		if (r)
			linkdown_routes[linkdown_nroutes++] = r;
	}
	return linkdown_nroutes;
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
	FL_AUTO(rtnl_link_put) struct rtnl_link *change = fl_xnonnull(rtnl_link_alloc());
	int r = rtnl_link_get_kernel(sk, 0, ifname, &link);

	if (r < 0)
		return fl_err(err, "link %s: %s", ifname, nl_geterror(r));
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
	if (linkdown_snapshot(sk, ifindex, err) < 0 || linkdown_state_save(node, err) < 0 ||
	    linkdown_set(sk, node->ifname, 0, err) < 0) {
		linkdown_forget();
		linkdown_state_drop(node);
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
	linkdown_state_drop(node);
	if (linkdown_restore(sk, err) < 0)
		return fl_wrap(err, "link-up %s", node->ifname);
	return 0;
}

/* A crashed agent's link-down: the link comes back up, and the routes its saved snapshot
 * lists come back with it. */
static int linkdown_sweep(const struct agent_node *node, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;

	if (!node->ifname[0])
		return 0;
	sk = linkdown_socket(err);
	if (!sk || linkdown_set(sk, node->ifname, 1, err) < 0)
		return fl_wrap(err, "sweep: link up");
	if (linkdown_state_load(node) > 0 && linkdown_restore(sk, err) < 0)
		return fl_wrap(err, "sweep: routes of %s", node->ifname);
	linkdown_state_drop(node);
	return 0;
}

const struct fault_kind linkdown_fault_kind = {
    .name = "link-down",
    .apply = linkdown_apply,
    .revert = linkdown_revert,
    .sweep = linkdown_sweep,
};
