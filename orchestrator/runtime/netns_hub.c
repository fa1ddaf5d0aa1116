/* A run's hub and a node's link to it (see netns_hub.h), on netns_link.c's libnl calls. */
#include "orchestrator/runtime/netns_hub.h"

#include "orchestrator/runtime/netns_link.h"
#include "orchestrator/runtime/runtime.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

FL_DEFINE_AUTO(struct nl_sock, nl_socket_free)

void netns_hub_init(struct netns_hub *h, int orig_fd)
{
	memset(h, 0, sizeof(*h));
	h->orig_fd = orig_fd;
	h->fd = -1;
}

/* The hub routes between the nodes: forwarding on, and no ICMP redirects, which would tell
 * the nodes to reach each other directly; in the hub's namespace only. */
static int netns_hub_forward(struct netns_hub *h, const char *br, struct fl_error *err)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/send_redirects", br);
	if (netns_link_sysctl(h->fd, h->orig_fd, "/proc/sys/net/ipv4/ip_forward", "1", err) < 0 ||
	    netns_link_sysctl(h->fd, h->orig_fd, "/proc/sys/net/ipv4/conf/all/send_redirects", "0",
			      err) < 0 ||
	    netns_link_sysctl(h->fd, h->orig_fd, path, "0", err) < 0)
		return -1;
	return 0;
}

int netns_hub_create(struct netns_hub *h, const char *run_id, const char *subnet,
		     struct fl_error *err)
{
	char br[IF_NAMESIZE];

	if (h->fd >= 0)
		return fl_err(err, "hub namespace %s: already created", h->name);
	if (runtime_subnet_parse(subnet, &h->net, &h->prefix, err) < 0)
		return -1;
	snprintf(h->name, sizeof(h->name), "fl-%s", run_id);
	snprintf(br, sizeof(br), "br-%s", run_id);
	h->fd = netns_link_ns_create(h->name, h->orig_fd, err);
	if (h->fd < 0)
		return fl_wrap(err, "hub namespace %s", h->name);
	h->sk = netns_link_socket(h->fd, h->orig_fd, err);
	if (!h->sk || netns_link_up(h->sk, 1, err) < 0 ||
	    netns_link_bridge_add(h->sk, br, h->net + 1, &h->br_ifindex, err) < 0 ||
	    netns_link_addr_add(h->sk, h->br_ifindex, h->net + 1, h->prefix, 0, err) < 0 ||
	    netns_hub_forward(h, br, err) < 0)
		return fl_wrap(err, "hub namespace %s", h->name);
	return 0;
}

int netns_hub_link(struct netns_hub *h, struct nl_sock *up_sk, int master, const char *veth,
		   int ns_fd, uint32_t ip, struct fl_error *err)
{
	FL_AUTO(nl_socket_free) struct nl_sock *sk = NULL;
	uint32_t hub = h->net + 1;
	int eth;

	if (netns_link_veth_add(up_sk, veth, master, "eth0", ns_fd, ip, err) < 0)
		return -1;
	sk = netns_link_socket(ns_fd, h->orig_fd, err);
	if (!sk || netns_link_up(sk, 1, err) < 0)
		return -1;
	eth = netns_link_ifindex(sk, "eth0", err);
	if (eth < 0 || netns_link_addr_add(sk, eth, ip, h->prefix, IFA_F_NOPREFIXROUTE, err) < 0 ||
	    netns_link_up(sk, eth, err) < 0 || netns_link_route_add(sk, eth, hub, 32, 0, err) < 0 ||
	    netns_link_route_add(sk, eth, h->net, h->prefix, hub, err) < 0 ||
	    netns_link_neigh_add(sk, eth, hub, err) < 0 ||
	    netns_link_neigh_add(h->sk, h->br_ifindex, ip, err) < 0)
		return -1;
	return 0;
}

int netns_hub_socket(struct netns_hub *h, int domain, int type, int protocol)
{
	int fd, e;

	if (h->fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	if (setns(h->fd, CLONE_NEWNET) < 0)
		return -1;
	fd = socket(domain, type, protocol);
	e = errno;
	if (setns(h->orig_fd, CLONE_NEWNET) < 0) {
		/* the thread would stay in the hub: never return in that state */
		log_error("hub: cannot return to the original namespace: %s", strerror(errno));
		abort();
	}
	errno = e;
	return fd;
}

int netns_hub_destroy(struct netns_hub *h, struct fl_error *err)
{
	int rc = 0;

	if (h->sk)
		nl_socket_free(h->sk);
	h->sk = NULL;
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
		if (netns_link_ns_delete(h->name, err) < 0)
			rc = -1;
	}
	return rc;
}
