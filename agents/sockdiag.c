#include "agents/sockdiag.h"

#include "common/cleanup.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOCKDIAG_BUF 32768

struct sockdiag_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};

static int sockdiag_open(struct fl_error *err)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	struct timeval tv = {.tv_sec = 2};

	if (fd < 0)
		return fl_err_errno(err, "socket(NETLINK_SOCK_DIAG)");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int sockdiag_send(int fd, uint16_t type, uint16_t flags, const struct inet_diag_sockid *id,
			 struct fl_error *err)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct sockdiag_req q = {
	    .nlh = {.nlmsg_len = sizeof(q),
		    .nlmsg_type = type,
		    .nlmsg_flags = flags,
		    .nlmsg_seq = 1},
	    .r = {.sdiag_family = AF_INET,
		  .sdiag_protocol = IPPROTO_TCP,
		  .idiag_states = id ? ~0u : 1u << TCP_ESTABLISHED},
	};

	if (id)
		q.r.id = *id;
	if (sendto(fd, &q, sizeof(q), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fl_err_errno(err, "sock_diag send");
	return 0;
}

/* Appends one inet_diag_msg to out; -1 when full. */
static int sockdiag_take(const struct inet_diag_msg *m, struct sockdiag_tcp *out, size_t max,
			 size_t *n)
{
	if (m->idiag_family != AF_INET || m->idiag_state != TCP_ESTABLISHED)
		return 0;
	if (*n >= max)
		return -1;
	out[*n] = (struct sockdiag_tcp){
	    .local_addr = m->id.idiag_src[0],
	    .remote_addr = m->id.idiag_dst[0],
	    .local_port = m->id.idiag_sport,
	    .remote_port = m->id.idiag_dport,
	    .cookie = {m->id.idiag_cookie[0], m->id.idiag_cookie[1]},
	    .ifindex = m->id.idiag_if,
	};
	(*n)++;
	return 0;
}

int sockdiag_tcp_established(struct sockdiag_tcp *out, size_t max, struct fl_error *err)
{
	cleanup_close int fd = sockdiag_open(err);
	static _Alignas(struct nlmsghdr) char buf[SOCKDIAG_BUF];
	size_t n = 0;

	if (fd < 0 ||
	    sockdiag_send(fd, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, NULL, err) < 0)
		return -1;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len < 0)
			return fl_err_errno(err, "sock_diag dump");
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return (int)n;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				errno = -e->error;
				return fl_err_errno(err, "sock_diag dump");
			}
			if (sockdiag_take(NLMSG_DATA(h), out, max, &n) < 0)
				return fl_err(err, "more than %zu established TCP connections",
					      max);
		}
	}
}

int sockdiag_tcp_destroy(const struct sockdiag_tcp *s, int *gone, struct fl_error *err)
{
	cleanup_close int fd = sockdiag_open(err);
	static _Alignas(struct nlmsghdr) char buf[1024];
	struct inet_diag_sockid id = {
	    .idiag_sport = s->local_port,
	    .idiag_dport = s->remote_port,
	    .idiag_src = {s->local_addr},
	    .idiag_dst = {s->remote_addr},
	    .idiag_if = s->ifindex,
	    .idiag_cookie = {s->cookie[0], s->cookie[1]},
	};
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	ssize_t len;

	*gone = 0;
	if (fd < 0 || sockdiag_send(fd, SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, &id, err) < 0)
		return -1;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return fl_err_errno(err, "SOCK_DESTROY");
	if (!NLMSG_OK(h, (size_t)len) || h->nlmsg_type != NLMSG_ERROR)
		return fl_err(err, "SOCK_DESTROY: unexpected answer type %u", h->nlmsg_type);
	errno = -((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	if (errno == 0)
		return 0;
	if (errno == ENOENT) {
		*gone = 1;
		return 0;
	}
	if (errno == EOPNOTSUPP)
		return fl_err(err, "SOCK_DESTROY: not supported by this kernel "
				   "(CONFIG_INET_DIAG_DESTROY)");
	return fl_err_errno(err, "SOCK_DESTROY");
}
