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
/* Sets the link with this ifindex up. */
int netns_link_up(struct nl_sock *sk, int ifindex, struct fl_error *err);
/* Creates an up bridge (STP off); *ifindex gets its index. */
int netns_link_bridge_add(struct nl_sock *sk, const char *name, int *ifindex, struct fl_error *err);
/* Creates a veth pair: `name` in sk's namespace, up, enslaved to master; its peer named
 * peer_name, down, in peer_ns_fd's namespace (libnl's peer ifinfomsg with IFF_UP makes the
 * kernel refuse the request, so the caller sets the peer up from inside). */
int netns_link_veth_add(struct nl_sock *sk, const char *name, int master, const char *peer_name,
			int peer_ns_fd, struct fl_error *err);
/* The ifindex of `name` in sk's namespace. */
int netns_link_ifindex(struct nl_sock *sk, const char *name, struct fl_error *err);
/* Adds addr/prefix (host order) to ifindex. */
int netns_link_addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, int prefix,
			struct fl_error *err);

#endif
