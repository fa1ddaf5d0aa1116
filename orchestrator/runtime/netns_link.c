/* Namespaces and links of the netns runtime (see netns_link.h). */
#include "orchestrator/runtime/netns_link.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

FL_DEFINE_AUTO(struct rtnl_link, rtnl_link_put)
FL_DEFINE_AUTO(struct rtnl_addr, rtnl_addr_put)
FL_DEFINE_AUTO(struct nl_addr, nl_addr_put)
FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)
FL_DEFINE_AUTO(struct rtnl_neigh, rtnl_neigh_put)
FL_DEFINE_AUTO(struct rtnl_route, rtnl_route_put)

void netns_link_mac(uint32_t addr, uint8_t mac[6])
{
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x66;
	mac[2] = (uint8_t)(addr >> 24);
	mac[3] = (uint8_t)(addr >> 16);
	mac[4] = (uint8_t)(addr >> 8);
	mac[5] = (uint8_t)addr;
}

static struct nl_addr *mac_addr(uint32_t addr)
{
	uint8_t mac[6];

	netns_link_mac(addr, mac);
	return fl_xnonnull(nl_addr_build(AF_LLC, mac, sizeof(mac)));
}

static struct nl_addr *ip_addr(uint32_t addr, int prefix)
{
	uint32_t be = htonl(addr);
	struct nl_addr *a = fl_xnonnull(nl_addr_build(AF_INET, &be, sizeof(be)));

	nl_addr_set_prefixlen(a, prefix);
	return a;
}

int netns_link_enter(int fd, const char *what, struct fl_error *err)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return fl_err_errno(err, "setns into %s", what);
	return 0;
}

/* /run/netns must be a shared mount so the bind mounts show in other mount namespaces
 * (`ip netns exec` makes one); iproute2 does the same. */
static int netns_link_dir_ready(struct fl_error *err)
{
	static int ready;

	if (ready)
		return 0;
	if (mkdir(NETNS_LINK_DIR, 0755) < 0 && errno != EEXIST)
		return fl_err_errno(err, "mkdir %s", NETNS_LINK_DIR);
	if (mount("", NETNS_LINK_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL)
			return fl_err_errno(err, "make %s shared", NETNS_LINK_DIR);
		if (mount(NETNS_LINK_DIR, NETNS_LINK_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
		    mount("", NETNS_LINK_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
			return fl_err_errno(err, "bind-mount %s", NETNS_LINK_DIR);
	}
	ready = 1;
	return 0;
}

int netns_link_ns_create(const char *name, int orig_fd, struct fl_error *err)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;
	int mounted;

	if (netns_link_dir_ready(err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", NETNS_LINK_DIR, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return fl_err_errno(err, "create %s", path);
	close(steal_fd(&fd));
	if (unshare(CLONE_NEWNET) < 0) {
		fl_err_errno(err, "unshare(CLONE_NEWNET) for %s", name);
		unlink(path);
		return -1;
	}
	mounted = mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) == 0;
	if (!mounted)
		fl_err_errno(err, "bind-mount namespace %s", path);
	if (setns(orig_fd, CLONE_NEWNET) < 0) /* cannot fail for a valid fd; keep it loud */
		return fl_err_errno(err, "setns back to the original namespace");
	if (!mounted) {
		unlink(path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fl_err_errno(err, "open %s", path);
		netns_link_ns_delete(name, NULL);
		return -1;
	}
	return steal_fd(&fd);
}

int netns_link_ns_delete(const char *name, struct fl_error *err)
{
	char path[PATH_MAX];
	struct fl_error dummy;

	if (!err)
		err = &dummy;
	snprintf(path, sizeof(path), "%s/%s", NETNS_LINK_DIR, name);
	if (access(path, F_OK) < 0)
		return 0;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return fl_err_errno(err, "umount %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return fl_err_errno(err, "unlink %s", path);
	return 1;
}

struct nl_sock *netns_link_socket(int ns_fd, int orig_fd, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = fl_xnonnull(nl_socket_alloc());
	int rc;

	if (netns_link_enter(ns_fd, "a node namespace", err) < 0)
		return NULL;
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (setns(orig_fd, CLONE_NEWNET) < 0) {
		fl_err_errno(err, "setns back to the original namespace");
		return NULL;
	}
	if (rc < 0) {
		fl_err(err, "netlink connect: %s", nl_geterror(rc));
		return NULL;
	}
	return steal_ptr(&sk);
}

int netns_link_set_flags(struct nl_sock *sk, int ifindex, unsigned flags, struct fl_error *err)
{
	FL_AUTO(rtnl_link_put) struct rtnl_link *orig = fl_xnonnull(rtnl_link_alloc());
	FL_AUTO(rtnl_link_put) struct rtnl_link *chg = fl_xnonnull(rtnl_link_alloc());
	int rc;

	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_set_flags(chg, flags);
	rc = rtnl_link_change(sk, orig, chg, 0);
	if (rc < 0)
		return fl_err(err, "set flags 0x%x on link %d: %s", flags, ifindex,
			      nl_geterror(rc));
	return 0;
}

int netns_link_set_master(struct nl_sock *sk, int ifindex, int master, struct fl_error *err)
{
	FL_AUTO(rtnl_link_put) struct rtnl_link *orig = fl_xnonnull(rtnl_link_alloc());
	FL_AUTO(rtnl_link_put) struct rtnl_link *chg = fl_xnonnull(rtnl_link_alloc());
	int rc;

	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_set_master(chg, master);
	rtnl_link_set_flags(chg, IFF_UP);
	rc = rtnl_link_change(sk, orig, chg, 0);
	if (rc < 0)
		return fl_err(err, "enslave link %d to %d: %s", ifindex, master, nl_geterror(rc));
	return 0;
}

int netns_link_up(struct nl_sock *sk, int ifindex, struct fl_error *err)
{
	return netns_link_set_flags(sk, ifindex, IFF_UP, err);
}

int netns_link_ifindex(struct nl_sock *sk, const char *name, struct fl_error *err)
{
	FL_AUTO(rtnl_link_put) struct rtnl_link *link = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, name, &link);

	if (rc < 0)
		return fl_err(err, "look up link %s: %s", name, nl_geterror(rc));
	return rtnl_link_get_ifindex(link);
}

int netns_link_bridge_add(struct nl_sock *sk, const char *name, uint32_t addr, int *ifindex,
			  struct fl_error *err)
{
	/* libnl 3.7: NULL only when an allocation failed (rtnl_link_set_type's strdup/io_alloc) */
	FL_AUTO(rtnl_link_put) struct rtnl_link *br = fl_xnonnull(rtnl_link_bridge_alloc());
	FL_AUTO(nl_addr_put) struct nl_addr *mac = mac_addr(addr);
	int rc;

	rtnl_link_set_name(br, name);
	rtnl_link_set_addr(br, mac);
	rtnl_link_set_flags(br, IFF_UP);
	rc = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0)
		return fl_err(err, "create bridge %s: %s", name, nl_geterror(rc));
	*ifindex = netns_link_ifindex(sk, name, err);
	return *ifindex < 0 ? -1 : 0;
}

int netns_link_veth_add(struct nl_sock *sk, const char *name, int master, const char *peer_name,
			int peer_ns_fd, uint32_t peer_addr, struct fl_error *err)
{
	struct rtnl_link *veth = fl_xnonnull(rtnl_link_veth_alloc()), *peer;
	FL_AUTO(nl_addr_put) struct nl_addr *mac = mac_addr(peer_addr);
	int rc;

	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, name);
	rtnl_link_set_flags(veth, IFF_UP);
	rtnl_link_set_master(veth, master);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_addr(peer, mac);
	rtnl_link_set_ns_fd(peer, peer_ns_fd);
	rc = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(veth);
	if (rc < 0)
		return fl_err(err, "create veth %s/%s: %s", name, peer_name, nl_geterror(rc));
	return 0;
}

int netns_link_delete(struct nl_sock *sk, const char *name, struct fl_error *err)
{
	FL_AUTO(rtnl_link_put) struct rtnl_link *link = fl_xnonnull(rtnl_link_alloc());
	int rc;

	rtnl_link_set_name(link, name);
	rc = rtnl_link_delete(sk, link);
	if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
		return 0;
	if (rc < 0)
		return fl_err(err, "delete link %s: %s", name, nl_geterror(rc));
	return 1;
}

int netns_link_addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, int prefix, unsigned flags,
			struct fl_error *err)
{
	FL_AUTO(rtnl_addr_put) struct rtnl_addr *a = fl_xnonnull(rtnl_addr_alloc());
	FL_AUTO(nl_addr_put) struct nl_addr *local = NULL;
	uint32_t be = htonl(addr);
	int rc;

	local = fl_xnonnull(nl_addr_build(AF_INET, &be, sizeof(be)));
	nl_addr_set_prefixlen(local, prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	if (flags)
		rtnl_addr_set_flags(a, flags);
	rc = rtnl_addr_add(sk, a, 0);
	if (rc < 0)
		return fl_err(err, "RTM_NEWADDR on link %d: %s", ifindex, nl_geterror(rc));
	return 0;
}

int netns_link_route_add(struct nl_sock *sk, int ifindex, uint32_t dst, int prefix, uint32_t gw,
			 struct fl_error *err)
{
	FL_AUTO(rtnl_route_put) struct rtnl_route *r = fl_xnonnull(rtnl_route_alloc());
	FL_AUTO(nl_addr_put) struct nl_addr *d = ip_addr(dst, prefix);
	FL_AUTO(nl_addr_put) struct nl_addr *g = gw ? ip_addr(gw, 32) : NULL;
	struct rtnl_nexthop *nh = fl_xnonnull(rtnl_route_nh_alloc());
	int rc;

	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_dst(r, d);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_scope(r, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (g)
		rtnl_route_nh_set_gateway(nh, g);
	rtnl_route_add_nexthop(r, nh); /* the route owns nh now */
	rc = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0)
		return fl_err(err, "route %u.%u.%u.%u/%d on link %d: %s", dst >> 24,
			      (dst >> 16) & 255, (dst >> 8) & 255, dst & 255, prefix, ifindex,
			      nl_geterror(rc));
	return 0;
}

int netns_link_neigh_add(struct nl_sock *sk, int ifindex, uint32_t addr, struct fl_error *err)
{
	FL_AUTO(rtnl_neigh_put) struct rtnl_neigh *n = fl_xnonnull(rtnl_neigh_alloc());
	FL_AUTO(nl_addr_put) struct nl_addr *dst = ip_addr(addr, 32);
	FL_AUTO(nl_addr_put) struct nl_addr *mac = mac_addr(addr);
	int rc;

	rtnl_neigh_set_family(n, AF_INET);
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_dst(n, dst);
	rtnl_neigh_set_lladdr(n, mac);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	rc = rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE);
	if (rc < 0)
		return fl_err(err, "neighbour %u.%u.%u.%u on link %d: %s", addr >> 24,
			      (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, ifindex,
			      nl_geterror(rc));
	return 0;
}

int netns_link_sysctl(int ns_fd, int orig_fd, const char *path, const char *value,
		      struct fl_error *err)
{
	int fd, rc = 0;
	size_t len = strlen(value);

	if (netns_link_enter(ns_fd, "a lab namespace", err) < 0)
		return -1;
	/* /proc/sys/net belongs to the namespace of the thread that opens it */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, len) != (ssize_t)len)
		rc = fl_err_errno(err, "write %s", path);
	if (fd >= 0)
		close(fd);
	if (setns(orig_fd, CLONE_NEWNET) < 0)
		return fl_err_errno(err, "setns back to the original namespace");
	return rc;
}
