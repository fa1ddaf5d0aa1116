/* The agent's whole sock_diag interface (NETLINK_SOCK_DIAG, linux/inet_diag.h): list the
 * established IPv4 TCP sockets of the current network namespace, and destroy one
 * (SOCK_DESTROY: the kernel aborts it, sends the peer a RST and fails the local socket with
 * ECONNABORTED; needs CONFIG_INET_DIAG_DESTROY). */
#ifndef FL_AGENT_SOCKDIAG_H
#define FL_AGENT_SOCKDIAG_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

/* One TCP connection as the kernel names it. Addresses and ports in network order. */
struct sockdiag_tcp {
	uint32_t local_addr, remote_addr;
	uint16_t local_port, remote_port;
	uint32_t cookie[2]; /* the socket's cookie: SOCK_DESTROY only matches that socket */
	uint32_t ifindex;
};

/* Fills out[0..max) with the ESTABLISHED IPv4 TCP sockets; returns how many (more than max
 * are an error, so none is silently left out). */
int sockdiag_tcp_established(struct sockdiag_tcp *out, size_t max, struct fl_error *err);
/* Destroys one socket. -ENOENT in *gone when it had already closed (not an error). */
int sockdiag_tcp_destroy(const struct sockdiag_tcp *s, int *gone, struct fl_error *err);

#endif
