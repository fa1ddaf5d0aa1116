/* Probes that touch the network stack run in a forked child inside a scratch network
 * namespace, so nothing of them can reach the host's root namespace; the child sends its
 * findings back over a pipe and the namespace vanishes with it. */
#include "orchestrator/doctor/doctor.h"

#include "common/cleanup.h"
#include "common/hostprobe.h"

#include <errno.h>
#include <libiptc/libiptc.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NFNL_SUBSYS_NFTABLES
#define NFNL_SUBSYS_NFTABLES 10 /* libnfnetlink ships an older nfnetlink.h */
#endif

/* netem, tbf and ifb through common/hostprobe: the probes the tests check against tc. */
static void netns_probe_qdiscs(struct doctor_report *r)
{
	struct fl_error err = {0};
	int rc = hostprobe_qdisc("netem", &err);

	r->netem = rc == 1;
	if (r->netem)
		doctor_add(r, "netem", DOCTOR_OK,
			   "delay, jitter, loss, duplicate, reorder, corrupt",
			   "sch_netem accepted a qdisc in a scratch netns");
	else
		doctor_add(
		    r, "netem", DOCTOR_MISSING,
		    "the NFQUEUE engine serves delay, jitter, loss, duplication and reordering",
		    "%s: RTM_NEWQDISC netem: %s",
		    rc == 0 ? "sch_netem missing from this kernel" : "sch_netem unusable", err.msg);
	rc = hostprobe_qdisc("tbf", &err);
	r->tbf = rc == 1;
	doctor_add(r, "tbf", r->tbf ? DOCTOR_OK : DOCTOR_MISSING,
		   r->tbf ? "bandwidth limits" : "no bandwidth faults",
		   r->tbf ? "sch_tbf accepted a qdisc" : "sch_tbf missing: %s", err.msg);
}

static void netns_probe_ifb(struct doctor_report *r)
{
	struct fl_error err = {0};

	r->ifb = hostprobe_ifb(&err) == 1;
	doctor_add(r, "ifb", r->ifb ? DOCTOR_OK : DOCTOR_MISSING,
		   r->ifb ? "ingress shaping (netem, bandwidth) via IFB + mirred"
			  : "egress shaping only; ingress delay by the NFQUEUE engine",
		   r->ifb ? "ifb devices can be created" : "ifb missing: %s", err.msg);
}

static void netns_probe_iptc(struct doctor_report *r)
{
	struct xtc_handle *h = iptc_init("filter");

	r->iptc = h != NULL;
	if (h) {
		iptc_free(h);
		doctor_add(r, "iptables-legacy", DOCTOR_OK,
			   "partitions, suspend and connection-drop blackhole (libiptc)",
			   "libiptc opened table filter");
	} else {
		doctor_add(r, "iptables-legacy", DOCTOR_MISSING,
			   "no partitions, suspend or connection-drop blackhole",
			   "libiptc cannot open table filter: %s", iptc_strerror(errno));
	}
}

/* sock_diag, as connection-drop uses it (agents/sockdiag.c): SOCK_DESTROY of a TCP socket that
 * does not exist answers ENOENT where the kernel can destroy sockets (CONFIG_INET_DIAG_DESTROY),
 * EOPNOTSUPP where it cannot, and no answer at all without inet_diag. 0, or -errno. */
static int netns_sockdiag_destroy(void)
{
	cleanup_close int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = SOCK_DESTROY,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
	    .r = {.sdiag_family = AF_INET,
		  .sdiag_protocol = IPPROTO_TCP,
		  .idiag_states = 1u << 1, /* TCP_ESTABLISHED */
		  .id = {.idiag_sport = htons(1),
			 .idiag_dport = htons(1),
			 .idiag_cookie = {INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE}}},
	};
	char buf[1024];
	struct timeval tv = {.tv_sec = 1};
	ssize_t n;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)sizeof(struct nlmsghdr))
		return -EIO;
	if (((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error;
	return 0;
}

static void netns_probe_sockdiag(struct doctor_report *r)
{
	int rc = netns_sockdiag_destroy();

	if (rc == -ENOENT || rc == 0)
		doctor_add(r, "sock-diag", DOCTOR_OK, "connection-drop (blackhole and reset)",
			   "sock_diag lists and destroys TCP sockets");
	else if (rc == -EOPNOTSUPP)
		doctor_add(r, "sock-diag", DOCTOR_MISSING, "connection-drop mode blackhole only",
			   "sock_diag cannot destroy sockets (CONFIG_INET_DIAG_DESTROY off)");
	else
		doctor_add(r, "sock-diag", DOCTOR_MISSING, "no connection-drop",
			   "sock_diag unavailable: %s", strerror(-rc));
}

/* Asks nf_tables for its generation id over a raw netfilter netlink socket. */
static int netns_nft_getgen(void)
{
	cleanup_close int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
	    .nf = {.nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0},
	};
	char buf[4096];
	struct timeval tv = {.tv_sec = 1};

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)sizeof(struct nlmsghdr))
		return -EIO;
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);
		return e->error;
	}
	return 0;
}

static void netns_probe_nft(struct doctor_report *r)
{
	int rc = netns_nft_getgen();

	r->nft = rc == 0;
	doctor_add(r, "nft", r->nft ? DOCTOR_OK : DOCTOR_MISSING,
		   "not used: faultlab drives iptables legacy through libiptc",
		   r->nft ? "nf_tables answers" : "nf_tables unavailable: %s", strerror(-rc));
}

static int netns_nfq_cb(struct nfq_q_handle *q, struct nfgenmsg *m, struct nfq_data *d, void *u)
{
	return 0;
}

static void netns_probe_nfqueue(struct doctor_report *r)
{
	struct nfq_handle *h = nfq_open();
	struct nfq_q_handle *q = h ? nfq_create_queue(h, 65000, netns_nfq_cb, NULL) : NULL;
	int saved = errno;

	r->nfqueue = q != NULL;
	if (q)
		nfq_destroy_queue(q);
	if (h)
		nfq_close(h);
	if (r->nfqueue)
		doctor_add(r, "nfqueue", DOCTOR_OK,
			   r->netem ? "fallback delay engine (netem serves delay here)"
				    : "the NFQUEUE engine serves delay (netem missing)",
			   "libnetfilter_queue bound a queue in a scratch netns");
	else
		doctor_add(r, "nfqueue", DOCTOR_MISSING,
			   r->netem ? "netem serves delay" : "no delay faults on this host",
			   "cannot bind an NFQUEUE queue: %s", strerror(saved));
}

/* The child: enters a fresh netns, probes, writes the report to fd. */
static void netns_child(struct doctor_report *r, int fd)
{
	if (unshare(CLONE_NEWNET) < 0) {
		doctor_add(r, "netns", DOCTOR_MISSING, "no runs on this host",
			   "cannot create a network namespace: %s", strerror(errno));
	} else {
		r->netns = true;
		doctor_add(r, "netns", DOCTOR_OK, "runtime netns",
			   "network namespaces can be created");
		netns_probe_qdiscs(r);
		netns_probe_ifb(r);
		netns_probe_iptc(r);
		netns_probe_nft(r);
		netns_probe_nfqueue(r);
		netns_probe_sockdiag(r);
	}
	if (write(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		_exit(1);
	_exit(0);
}

void doctor_probe_netns(struct doctor_report *r)
{
	int fds[2];
	pid_t pid;

	if (!r->root) {
		doctor_add(r, "netns", DOCTOR_SKIPPED, "", "needs root: namespace probes skipped");
		return;
	}
	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		doctor_add(r, "netns", DOCTOR_MISSING, "", "cannot fork a probe: %s",
			   strerror(errno));
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		netns_child(r, fds[1]);
	}
	close(fds[1]);
	struct doctor_report got;
	ssize_t n = read(fds[0], &got, sizeof(got));
	close(fds[0]);
	waitpid(pid, NULL, 0);
	if (n == (ssize_t)sizeof(got))
		*r = got;
	else
		doctor_add(r, "netns", DOCTOR_MISSING, "", "the namespace probe died");
}
