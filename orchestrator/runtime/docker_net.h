/* The docker runtime's network, made by faultlab and not by dockerd (issue 13): containers
 * run with NetworkMode "none" and each one's namespace (/proc/<pid>/ns/net) is joined to a
 * hub namespace of the run exactly as the netns runtime joins its nodes (netns_hub.h): a
 * bridge "br-<run>" with the subnet's .1 in the hub "fl-<run>", a veth "vn<i>" on it whose
 * peer is the container's "eth0", fixed MACs (netns_link_mac) and permanent neighbour
 * entries, so no ARP and nothing counted against the host's gc_thresh3. No NAT, no route
 * out, and nothing in the root namespace: dockerd's per-container network setup (its
 * embedded DNS resolver's iptables calls, which queue on the host's xtables lock) is gone. */
#ifndef FL_RUNTIME_DOCKER_NET_H
#define FL_RUNTIME_DOCKER_NET_H

#include "common/error.h"
#include "orchestrator/runtime/netns_hub.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct docker_net {
	int orig_fd;	      /* the namespace the calling threads return to */
	struct netns_hub hub; /* netns_hub_create / _socket / _destroy on it */
};

/* Opens the calling thread's namespace; no hub yet. */
int docker_net_init(struct docker_net *dn, struct fl_error *err);
/* Joins the namespace of the running process pid (a container's main process) to the hub as
 * node idx (veth "vn<idx>") with address. A veth left by the node's previous namespace (a
 * restarted container gets a new one) is replaced. */
int docker_net_attach(struct docker_net *dn, size_t idx, pid_t pid, const char *address,
		      struct fl_error *err);
/* Closes what docker_net_init opened (after netns_hub_destroy). */
void docker_net_free(struct docker_net *dn);

#endif
