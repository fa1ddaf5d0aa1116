/* The kernel side of the netns runtime: namespaces (bind-mounted under /run/netns, as
 * iproute2 does) and links/addresses through libnl. Nothing here touches the namespace the
 * calling thread started in, except to return to it. */
#ifndef FL_RUNTIME_NETNS_LINK_H
#define FL_RUNTIME_NETNS_LINK_H

#include "common/error.h"

#include <stdint.h>

#define NETNS_LINK_DIR "/run/netns"

struct nl_sock;

/* Creates the namespace /run/netns/<name> and returns an fd to it (O_CLOEXEC). The calling
 * thread is back in orig_fd's namespace on return. */
int netns_link_ns_create(const char *name, int orig_fd, struct fl_error *err);
/* Unmounts and removes /run/netns/<name>. 1 removed, 0 absent, -1 error. */
int netns_link_ns_delete(const char *name, struct fl_error *err);
/* setns(fd, CLONE_NEWNET) with a message. */
int netns_link_enter(int fd, const char *what, struct fl_error *err);
/* A connected NETLINK_ROUTE socket inside ns_fd's namespace (the thread returns to orig_fd). */
struct nl_sock *netns_link_socket(int ns_fd, int orig_fd, struct fl_error *err);
/* The MAC address faultlab gives the interface holding IPv4 addr (host order):
 * 02:66:<the four bytes of addr>, so every lab address's MAC is known without asking. */
void netns_link_mac(uint32_t addr, uint8_t mac[6]);
/* Sets the link with this ifindex up. */
int netns_link_up(struct nl_sock *sk, int ifindex, struct fl_error *err);
/* Sets flags (IFF_UP, IFF_NOARP, ...) on the link; others stay as they are. */
int netns_link_set_flags(struct nl_sock *sk, int ifindex, unsigned flags, struct fl_error *err);
/* Creates an up bridge (STP off) with the MAC of addr; *ifindex gets its index. */
int netns_link_bridge_add(struct nl_sock *sk, const char *name, uint32_t addr, int *ifindex,
			  struct fl_error *err);
/* Creates a veth pair: `name` in sk's namespace, up, enslaved to master; its peer named
 * peer_name, down, with the MAC of peer_addr, in peer_ns_fd's namespace (libnl's peer
 * ifinfomsg with IFF_UP makes the kernel refuse the request, so the caller sets the peer up
 * from inside). */
int netns_link_veth_add(struct nl_sock *sk, const char *name, int master, const char *peer_name,
			int peer_ns_fd, uint32_t peer_addr, struct fl_error *err);
/* Deletes the link `name` in sk's namespace (a veth takes its peer with it). 1 deleted,
 * 0 there was none, -1 + err. */
int netns_link_delete(struct nl_sock *sk, const char *name, struct fl_error *err);
/* The ifindex of `name` in sk's namespace. */
int netns_link_ifindex(struct nl_sock *sk, const char *name, struct fl_error *err);
/* Adds addr/prefix (host order) to ifindex with IFA_F_* flags (0, IFA_F_NOPREFIXROUTE). */
int netns_link_addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, int prefix, unsigned flags,
			struct fl_error *err);
/* Adds the route dst/prefix on ifindex: through gw, or on-link (scope link) when gw is 0. */
int netns_link_route_add(struct nl_sock *sk, int ifindex, uint32_t dst, int prefix, uint32_t gw,
			 struct fl_error *err);
/* Adds (or replaces) a permanent (NUD_PERMANENT) neighbour entry: addr → netns_link_mac(addr).
 * Permanent entries are not counted against gc_thresh3 (net/core/neighbour.c, neigh_alloc's
 * exempt_from_gc) and never expire. */
int netns_link_neigh_add(struct nl_sock *sk, int ifindex, uint32_t addr, struct fl_error *err);
/* Enslaves the link with this ifindex to master (a bridge) and sets it up. */
int netns_link_set_master(struct nl_sock *sk, int ifindex, int master, struct fl_error *err);
/* Writes value to a /proc/sys/net file as seen from inside ns_fd's namespace (never the
 * host's: the thread returns to orig_fd). */
int netns_link_sysctl(int ns_fd, int orig_fd, const char *path, const char *value,
		      struct fl_error *err);

#endif
