/* The docker runtime's own network (see docker_net.h), on the netns runtime's libnl code. */
#include "orchestrator/runtime/docker_net.h"

#include "orchestrator/runtime/netns_link.h"
#include "orchestrator/runtime/runtime.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)

int docker_net_init(struct docker_net *dn, struct fl_error *err)
{
	memset(dn, 0, sizeof(*dn));
	dn->hub_fd = -1;
	dn->orig_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (dn->orig_fd < 0)
		return fl_err_errno(err, "open /proc/thread-self/ns/net");
	return 0;
}

/* The hub routes between the nodes: forwarding on and no ICMP redirects (which would tell
 * the nodes to reach each other directly), in the hub's namespace only. */
static int docker_net_forward(struct docker_net *dn, const char *br, struct fl_error *err)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/send_redirects", br);
	if (netns_link_sysctl(dn->hub_fd, dn->orig_fd, "/proc/sys/net/ipv4/ip_forward", "1", err) <
		0 ||
	    netns_link_sysctl(dn->hub_fd, dn->orig_fd, "/proc/sys/net/ipv4/conf/all/send_redirects",
			      "0", err) < 0 ||
	    netns_link_sysctl(dn->hub_fd, dn->orig_fd, path, "0", err) < 0)
		return -1;
	return 0;
}

int docker_net_hub_create(struct docker_net *dn, const char *run_id, const char *subnet,
			  struct fl_error *err)
{
	char br[IF_NAMESIZE];

	if (dn->hub_fd >= 0)
		return fl_err(err, "docker network: already created");
	if (runtime_subnet_parse(subnet, &dn->net, &dn->prefix, err) < 0)
		return -1;
	snprintf(dn->hub_name, sizeof(dn->hub_name), "fl-%s", run_id);
	snprintf(br, sizeof(br), "br-%s", run_id);
	dn->hub_fd = netns_link_ns_create(dn->hub_name, dn->orig_fd, err);
	if (dn->hub_fd < 0)
		return fl_wrap(err, "hub namespace %s", dn->hub_name);
	dn->hub_sk = netns_link_socket(dn->hub_fd, dn->orig_fd, err);
	if (!dn->hub_sk || netns_link_up(dn->hub_sk, 1, err) < 0 ||
	    netns_link_bridge_add(dn->hub_sk, br, dn->net + 1, &dn->br_ifindex, err) < 0 ||
	    netns_link_addr_add(dn->hub_sk, dn->br_ifindex, dn->net + 1, dn->prefix, 0, err) < 0 ||
	    docker_net_forward(dn, br, err) < 0)
		return fl_wrap(err, "hub namespace %s", dn->hub_name);
	return 0;
}

/* The container's namespace, refusing the host's own (a container on NetworkMode "host"
 * would share it: faultlab never changes the root namespace). */
static int docker_net_open_ns(struct docker_net *dn, pid_t pid, struct fl_error *err)
{
	char path[64];
	struct stat a, b;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fl_err_errno(err, "open %s", path);
	if (fstat(fd, &a) == 0 && fstat(dn->orig_fd, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev) {
		close(fd);
		return fl_err(err, "%s is the host's network namespace: not touched", path);
	}
	return fd;
}

/* As the netns runtime's netns_node_net: the node's address without a prefix route, .1
 * on-link, the subnet via .1, one permanent neighbour entry in the node (.1) and one in the
 * hub (the node); ARP stays on as the fallback of a link-down fault. */
static int docker_net_plumb(struct docker_net *dn, int ns_fd, const char *veth, uint32_t ip,
			    struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;
	uint32_t hub = dn->net + 1;
	int eth;

	if (netns_link_delete(dn->hub_sk, veth, err) < 0 ||
	    netns_link_veth_add(dn->hub_sk, veth, dn->br_ifindex, "eth0", ns_fd, ip, err) < 0)
		return -1;
	sk = netns_link_socket(ns_fd, dn->orig_fd, err);
	if (!sk || netns_link_up(sk, 1, err) < 0)
		return -1;
	eth = netns_link_ifindex(sk, "eth0", err);
	if (eth < 0 || netns_link_addr_add(sk, eth, ip, dn->prefix, IFA_F_NOPREFIXROUTE, err) < 0 ||
	    netns_link_up(sk, eth, err) < 0 || netns_link_route_add(sk, eth, hub, 32, 0, err) < 0 ||
	    netns_link_route_add(sk, eth, dn->net, dn->prefix, hub, err) < 0 ||
	    netns_link_neigh_add(sk, eth, hub, err) < 0 ||
	    netns_link_neigh_add(dn->hub_sk, dn->br_ifindex, ip, err) < 0)
		return -1;
	return 0;
}

int docker_net_attach(struct docker_net *dn, size_t idx, pid_t pid, const char *address,
		      struct fl_error *err)
{
	char veth[IF_NAMESIZE];
	struct in_addr a;
	int ns_fd, rc;

	if (!dn->hub_sk)
		return fl_err(err, "docker network: attach before create");
	if (!address || inet_pton(AF_INET, address, &a) != 1)
		return fl_err(err, "address \"%s\" is not an IPv4 address", address ? address : "");
	ns_fd = docker_net_open_ns(dn, pid, err);
	if (ns_fd < 0)
		return -1;
	snprintf(veth, sizeof(veth), "vn%zu", idx);
	rc = docker_net_plumb(dn, ns_fd, veth, ntohl(a.s_addr), err);
	/* not kept open: the namespace (and its veth) must go when the container stops */
	close(ns_fd);
	return rc;
}

int docker_net_socket(struct docker_net *dn, int domain, int type, int protocol)
{
	int fd, e;

	if (dn->hub_fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	if (setns(dn->hub_fd, CLONE_NEWNET) < 0)
		return -1;
	fd = socket(domain, type, protocol);
	e = errno;
	if (setns(dn->orig_fd, CLONE_NEWNET) < 0) {
		/* the thread would stay in the hub: never return in that state */
		log_error("docker: cannot return to the original namespace: %s", strerror(errno));
		abort();
	}
	errno = e;
	return fd;
}

int docker_net_hub_destroy(struct docker_net *dn, struct fl_error *err)
{
	int rc = 0;

	if (dn->hub_sk)
		nl_socket_free(dn->hub_sk);
	dn->hub_sk = NULL;
	if (dn->hub_fd >= 0) {
		close(dn->hub_fd);
		dn->hub_fd = -1;
		if (netns_link_ns_delete(dn->hub_name, err) < 0)
			rc = -1;
	}
	return rc;
}

void docker_net_free(struct docker_net *dn)
{
	if (dn->orig_fd >= 0)
		close(dn->orig_fd);
	dn->orig_fd = -1;
}
