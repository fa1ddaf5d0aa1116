/* The docker runtime's network, made by faultlab and not by dockerd (issue 13): containers
 * run with NetworkMode "none" and each one's namespace (/proc/<pid>/ns/net) is joined to a
 * hub namespace of the run exactly as the netns runtime joins its nodes (netns_link.h): a
 * bridge "br-<run>" with the subnet's .1 in the hub "fl-<run>", a veth "vn<i>" on it whose
 * peer is the container's "eth0", fixed MACs (netns_link_mac) and permanent neighbour
 * entries, so no ARP and nothing counted against the host's gc_thresh3. No NAT, no route
 * out, and nothing in the root namespace: dockerd's per-container network setup (its
 * embedded DNS resolver's iptables calls, which queue on the host's xtables lock) is gone. */
#ifndef FL_RUNTIME_DOCKER_NET_H
#define FL_RUNTIME_DOCKER_NET_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nl_sock;

struct docker_net {
	int orig_fd; /* the namespace the calling threads return to */
	int hub_fd;  /* -1 until docker_net_hub_create */
	struct nl_sock *hub_sk;
	int br_ifindex;
	uint32_t net; /* host order */
	int prefix;
	char hub_name[32];
};

/* Opens the calling thread's namespace; no hub yet. */
int docker_net_init(struct docker_net *dn, struct fl_error *err);
/* The hub namespace fl-<run_id> with its bridge on subnet ("10.213.7.0/24"), forwarding on
 * and ICMP redirects off inside the hub only. */
int docker_net_hub_create(struct docker_net *dn, const char *run_id, const char *subnet,
			  struct fl_error *err);
/* Joins the namespace of the running process pid (a container's main process) to the hub as
 * node idx (veth "vn<idx>") with address. A veth left by the node's previous namespace (a
 * restarted container gets a new one) is replaced. */
int docker_net_attach(struct docker_net *dn, size_t idx, pid_t pid, const char *address,
		      struct fl_error *err);
/* socket(2) inside the hub, from which every node address is reachable; -1 + errno. */
int docker_net_socket(struct docker_net *dn, int domain, int type, int protocol);
/* Removes the hub namespace (the veths go with it); 0 or -1 + err. */
int docker_net_hub_destroy(struct docker_net *dn, struct fl_error *err);
/* Closes what docker_net_init opened (after docker_net_hub_destroy). */
void docker_net_free(struct docker_net *dn);

#endif
