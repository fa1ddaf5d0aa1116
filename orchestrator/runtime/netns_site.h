/* Sites of the netns runtime: a site is a namespace fl-<run>-@<site> holding a bridge (br0)
 * that its nodes' veths join, and one veth pair to the hub — up0 in the site, vs<k> on the
 * hub's bridge — which is the site's shared uplink: every packet of its nodes, also between
 * two of them (the hub routes it back down), crosses it, so one qdisc on up0 is one
 * bottleneck for all of them. The site's agent runs in the site namespace on up0. */
#ifndef FL_RUNTIME_NETNS_SITE_H
#define FL_RUNTIME_NETNS_SITE_H

#include "common/error.h"

#include <stddef.h>

#define NETNS_SITE_UPLINK "up0"

struct nl_sock;

struct netns_site {
	char name[24];	  /* the scenario's site name */
	char ns_name[64]; /* fl-<run>-@<site> */
	int ns_fd;
	struct nl_sock *sk;
	int br_ifindex; /* the site's bridge */
};

/* Makes site k (namespace, bridge, uplink to the hub's bridge hub_br). s is filled; on error
 * what was made is left in s for netns_site_remove. */
int netns_site_create(struct netns_site *s, const char *run_id, const char *name, size_t k,
		      struct nl_sock *hub_sk, int hub_br, int orig_fd, struct fl_error *err);
/* Removes the site's namespace (its links go with it). 0 or -1 + err. */
int netns_site_remove(struct netns_site *s, struct fl_error *err);

#endif
