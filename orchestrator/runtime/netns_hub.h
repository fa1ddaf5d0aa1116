/* A run's hub, as both runtimes wire it (netns: its node namespaces; docker: each container's
 * namespace): the namespace fl-<run> whose bridge br-<run> holds the subnet's .1 and routes
 * between the nodes, and a node's link to it. The lab needs no ARP (issue 13: the kernel's
 * neighbour table limits are shared by every namespace on the host): every MAC is
 * netns_link_mac(address); a node reaches the rest of the subnet through the hub's .1 (its
 * address without a prefix route, .1 on-link, the subnet via .1), so it needs one permanent
 * neighbour entry, and the hub one per node: 2N entries for N nodes, where direct node-to-node
 * L2 would need N². ARP stays enabled as a fallback, not NOARP: taking eth0 down (the
 * link-down fault) makes the kernel drop the node's permanent entries with its routes
 * (__neigh_ifdown does not skip them on NETDEV_DOWN); the agent puts the routes back, and the
 * node then resolves .1 once, with one dynamic entry. */
#ifndef FL_RUNTIME_NETNS_HUB_H
#define FL_RUNTIME_NETNS_HUB_H

#include "common/error.h"

#include <stdint.h>

struct nl_sock;

struct netns_hub {
	int orig_fd; /* borrowed: the namespace the calling threads return to */
	int fd;	     /* the hub namespace; -1 until netns_hub_create */
	struct nl_sock *sk;
	int br_ifindex;
	uint32_t net; /* host order */
	int prefix;
	char name[32];
};

/* No hub yet; orig_fd stays the caller's. */
void netns_hub_init(struct netns_hub *h, int orig_fd);
/* The hub namespace fl-<run_id> with its bridge br-<run_id> on subnet ("10.213.7.0/24")'s .1,
 * forwarding on and ICMP redirects off inside the hub only. */
int netns_hub_create(struct netns_hub *h, const char *run_id, const char *subnet,
		     struct fl_error *err);
/* Links the namespace ns_fd to the hub with address ip (host order): a veth `veth` on master
 * in up_sk's namespace (the hub's bridge, h->sk and h->br_ifindex, or a site's) whose peer
 * becomes eth0 in ns_fd, lo and eth0 up, the address, routes and permanent neighbour entries
 * of the header's comment. */
int netns_hub_link(struct netns_hub *h, struct nl_sock *up_sk, int master, const char *veth,
		   int ns_fd, uint32_t ip, struct fl_error *err);
/* socket(2) inside the hub, from which every node address is reachable; -1 + errno. */
int netns_hub_socket(struct netns_hub *h, int domain, int type, int protocol);
/* Removes the hub namespace (the veths in it go with it); 0 or -1 + err. Nothing to do
 * before netns_hub_create. */
int netns_hub_destroy(struct netns_hub *h, struct fl_error *err);

#endif
