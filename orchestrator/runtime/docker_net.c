/* The docker runtime's own network (see docker_net.h): a container's namespace joined to the
 * run's hub as the netns runtime joins its nodes (netns_hub.c). */
#include "orchestrator/runtime/docker_net.h"

#include "orchestrator/runtime/netns_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int docker_net_init(struct docker_net *dn, struct fl_error *err)
{
	memset(dn, 0, sizeof(*dn));
	dn->orig_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (dn->orig_fd < 0)
		return fl_err_errno(err, "open /proc/thread-self/ns/net");
	netns_hub_init(&dn->hub, dn->orig_fd);
	return 0;
}

/* The container's namespace, refusing the host's own (a container on NetworkMode "host"
 * would share it: faultlab never changes the root namespace). */
static int docker_net_open_ns(struct docker_net *dn, pid_t pid, struct fl_error *err)
{
	char path[64];
	struct stat a, b;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fl_err_errno(err, "open %s", path);
	if (fstat(fd, &a) == 0 && fstat(dn->orig_fd, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev) {
		close(fd);
		return fl_err(err, "%s is the host's network namespace: not touched", path);
	}
	return fd;
}

int docker_net_attach(struct docker_net *dn, size_t idx, pid_t pid, const char *address,
		      struct fl_error *err)
{
	struct netns_hub *h = &dn->hub;
	char veth[IF_NAMESIZE];
	struct in_addr a;
	int ns_fd, rc;

	if (!h->sk)
		return fl_err(err, "docker network: attach before create");
	if (!address || inet_pton(AF_INET, address, &a) != 1)
		return fl_err(err, "address \"%s\" is not an IPv4 address", address ? address : "");
	ns_fd = docker_net_open_ns(dn, pid, err);
	if (ns_fd < 0)
		return -1;
	snprintf(veth, sizeof(veth), "vn%zu", idx);
	/* the veth of the node's previous namespace, if the kernel has not removed it yet */
	rc = netns_link_delete(h->sk, veth, err) < 0
		 ? -1
		 : netns_hub_link(h, h->sk, h->br_ifindex, veth, ns_fd, ntohl(a.s_addr), err);
	/* not kept open: the namespace (and its veth) must go when the container stops */
	close(ns_fd);
	return rc;
}

void docker_net_free(struct docker_net *dn)
{
	if (dn->orig_fd >= 0)
		close(dn->orig_fd);
	dn->orig_fd = -1;
}
