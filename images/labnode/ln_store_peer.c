/* nwaku's peerAddr of GET /store/v3/messages: the store node to ask, as a multiaddr
 * "/ip4/A/tcp/P[/p2p/ID]" or "A:P" or "A". labnode matches it by IPv4 address against its
 * connected service peers (the remote end of each connection), or against itself (the local
 * end of any of its connections, when it has a store). */
#include "images/labnode/ln_node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The IPv4 address of peerAddr into ip (dotted); 0, or -1 when there is none. */
static int store_peer_ip(const char *addr, char *ip, size_t len)
{
	const char *p = addr;
	size_t n;
	struct in_addr a;

	if (strncmp(p, "/ip4/", 5) == 0)
		p += 5;
	n = strcspn(p, "/:");
	if (n == 0 || n >= len)
		return -1;
	memcpy(ip, p, n);
	ip[n] = '\0';
	return inet_pton(AF_INET, ip, &a) == 1 ? 0 : -1;
}

static int store_peer_end_is(int fd, int local, const char *ip)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char buf[INET_ADDRSTRLEN];

	if (fd < 0 ||
	    (local ? getsockname(fd, (struct sockaddr *)&sa, &sl)
		   : getpeername(fd, (struct sockaddr *)&sa, &sl)) < 0 ||
	    sa.sin_family != AF_INET)
		return 0;
	return inet_ntop(AF_INET, &sa.sin_addr, buf, sizeof(buf)) && strcmp(buf, ip) == 0;
}

int ln_store_peer_find(struct ln_node *n, const char *addr, struct ln_peer **peer)
{
	char ip[INET_ADDRSTRLEN];

	*peer = NULL;
	if (store_peer_ip(addr, ip, sizeof(ip)) < 0)
		return -1;
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];

		if (p && p->state == LN_PEER_UP && p->role == LN_ROLE_SERVICE &&
		    store_peer_end_is(p->fd, 0, ip)) {
			*peer = p;
			return 1;
		}
	}
	for (int i = 0; n->store && i < LN_MAX_PEERS; i++)
		if (n->peers[i] && store_peer_end_is(n->peers[i]->fd, 1, ip))
			return 0; /* ourselves */
	return -1;
}
