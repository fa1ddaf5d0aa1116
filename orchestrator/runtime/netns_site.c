/* Sites of the netns runtime (see netns_site.h). */
#include "orchestrator/runtime/netns_site.h"
#include "orchestrator/runtime/netns_link.h"

#include <limits.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* MACs of the site's own links: 02:66:fe:<k>:<k>:<role>, outside every lab subnet's. */
static uint32_t site_mac_addr(size_t k, int role)
{
	return 0xfe000000u | ((uint32_t)(k & 0xffff) << 8) | (uint32_t)role;
}

int netns_site_create(struct netns_site *s, const char *run_id, const char *name, size_t k,
		      struct nl_sock *hub_sk, int hub_br, int orig_fd, struct fl_error *err)
{
	char hub_end[IF_NAMESIZE];
	int up;

	memset(s, 0, sizeof(*s));
	s->ns_fd = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->ns_name, sizeof(s->ns_name), "fl-%s-@%s", run_id, name);
	snprintf(hub_end, sizeof(hub_end), "vs%zu", k);
	s->ns_fd = netns_link_ns_create(s->ns_name, orig_fd, err);
	if (s->ns_fd < 0)
		return fl_wrap(err, "site %s", name);
	s->sk = netns_link_socket(s->ns_fd, orig_fd, err);
	if (!s->sk || netns_link_up(s->sk, 1, err) < 0 ||
	    netns_link_bridge_add(s->sk, "br0", site_mac_addr(k, 1), &s->br_ifindex, err) < 0 ||
	    netns_link_veth_add(hub_sk, hub_end, hub_br, NETNS_SITE_UPLINK, s->ns_fd,
				site_mac_addr(k, 2), err) < 0)
		return fl_wrap(err, "site %s", name);
	up = netns_link_ifindex(s->sk, NETNS_SITE_UPLINK, err);
	if (up < 0 || netns_link_set_master(s->sk, up, s->br_ifindex, err) < 0)
		return fl_wrap(err, "site %s uplink", name);
	return 0;
}

int netns_site_remove(struct netns_site *s, struct fl_error *err)
{
	if (s->sk)
		nl_socket_free(s->sk);
	s->sk = NULL;
	if (s->ns_fd >= 0)
		close(s->ns_fd);
	s->ns_fd = -1;
	return netns_link_ns_delete(s->ns_name, err) < 0 ? -1 : 0;
}
