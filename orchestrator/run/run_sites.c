/* Sites (docs/SCENARIO.md, sites:): a site's nodes sit behind one shared uplink that the
 * runtime makes (netns: runtime/netns_site.h); netem and bandwidth on {site: X} are applied
 * by one agent in the site's namespace on that uplink, with the same leases as a node's
 * agent (stdin EOF — a dead faultlab — reverts everything it holds). A site fault is one
 * call, journalled under the site's first target node (the anchor), so the run's tables of
 * faults in force keep their node shape. */
#include "orchestrator/run/run_int.h"

#include "common/log.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct run_site *run_site_find(struct run_ctx *c, const char *name)
{
	for (size_t s = 0; s < c->nt.n_sites; s++)
		if (strcmp(c->nt.sites[s].name, name) == 0)
			return &c->nt.sites[s];
	return NULL;
}

const char *run_node_site(void *ctx, const char *node)
{
	const struct run_ctx *c = ctx;
	long i = planread_node_find(&c->plan, node);

	return i >= 0 && c->plan.nodes[i].site[0] ? c->plan.nodes[i].site : NULL;
}

int run_sites_check(struct run_ctx *c, struct fl_error *err)
{
	for (size_t i = 0; i < c->plan.n_nodes; i++)
		if (c->plan.nodes[i].site[0] && !c->nt.rt_ops->site_netns)
			return fl_err(err,
				      "node %s is in site %s, and the %s runtime has no sites yet "
				      "(a site's shared uplink needs --runtime netns)",
				      c->plan.nodes[i].name, c->plan.nodes[i].site,
				      c->nt.rt_ops->name);
	return 0;
}

/* The uplink is a bridge port: its packets are bridged, never routed through the
 * namespace's INPUT/OUTPUT, where the NFQUEUE engine of netem waits for them. So a site's
 * agent is held to sch_netem (FL_NETEM_ENGINE=netem): where the kernel has none, a netem
 * fault on a site fails loudly at its apply rather than changing nothing. */
static int run_site_agent_spawn(struct run_site *s, const struct agentctl_spec *spec,
				struct fl_error *err)
{
	const char *was = getenv("FL_NETEM_ENGINE");
	char *saved = was ? fl_xstrdup(was) : NULL;
	int rc;

	setenv("FL_NETEM_ENGINE", "netem", 1);
	rc = agentctl_spawn(&s->ag, spec, err);
	if (saved)
		setenv("FL_NETEM_ENGINE", saved, 1);
	else
		unsetenv("FL_NETEM_ENGINE");
	free(saved);
	return rc;
}

int run_sites_agents_start(struct run_ctx *c, struct fl_error *err)
{
	char bin[PATH_MAX], log[PATH_MAX + 64], path[PATH_MAX], ifname[16], node[40];

	agentctl_find_bin(bin, sizeof(bin));
	for (size_t f = 0; f < c->plan.n_faults; f++) {
		const struct planread_fault *pf = &c->plan.faults[f];
		struct run_site *s;
		struct agentctl_spec spec = {.agent_bin = bin,
					     .run_id = c->run_id,
					     .node = node,
					     .netns_path = path,
					     .ifname = ifname,
					     .log_path = log};

		if (!pf->site[0] || run_site_find(c, pf->site))
			continue;
		if (!pf->n_targets)
			return fl_err(err, "fault %s on site %s has no target", pf->id, pf->site);
		c->nt.sites =
		    fl_xreallocarray(c->nt.sites, c->nt.n_sites + 1, sizeof(*c->nt.sites));
		s = &c->nt.sites[c->nt.n_sites++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", pf->site);
		s->anchor = pf->targets[0];
		if (c->nt.rt->ops->site_netns(c->nt.rt, s->name, path, sizeof(path), ifname,
					      sizeof(ifname), err) < 0)
			return fl_wrap(err, "site %s", s->name);
		snprintf(node, sizeof(node), "@%s", s->name);
		snprintf(log, sizeof(log), "%.4000s/site-%s.agent.log", c->opts->run_dir, s->name);
		if (run_site_agent_spawn(s, &spec, err) < 0 ||
		    agentctl_await(&s->ag, 10000, err) < 0)
			return fl_wrap(err, "agent of site %s", s->name);
		s->agent_up = 1;
		log_info("site %s: agent on its uplink %s (%s)", s->name, ifname, path);
	}
	return 0;
}

/* The site's agent is gone: as for a node's (run_agent_lost), its faults are journalled lost,
 * the site's namespace swept, a new agent started and the faults still planned applied again
 * (event id "agent-restart"), journalled under the site's first node. */
static void run_site_agent_lost(struct run_ctx *c, struct run_site *s)
{
	unsigned char *held = fl_xcalloc(c->plan.n_faults + 1, 1);
	const char *anchor = c->nt.rn[s->anchor].dn.name, *sweep_err = NULL, *start_err = NULL;
	char why[64], msg[256], sweep_msg[sizeof(((struct fl_error *)0)->msg)];
	struct fl_error err = {0};
	const char *was = getenv("FL_NETEM_ENGINE");
	char *saved = was ? fl_xstrdup(was) : NULL;

	agentctl_reap(&s->ag, why, sizeof(why));
	s->agent_up = 0;
	snprintf(msg, sizeof(msg), "agent of site %s %s", s->name, why);
	log_warn("%s: sweeping the site and starting a new agent", msg);
	for (size_t f = 0; c->tl.active && f < c->plan.n_faults; f++) {
		if (strcmp(c->plan.faults[f].site, s->name) != 0)
			continue;
		held[f] = c->tl.planned && c->tl.planned[f * (c->nt.n + 1) + s->anchor];
		if (!c->tl.active[f * (c->nt.n + 1) + s->anchor])
			continue;
		held[f] = 1;
		c->tl.active[f * (c->nt.n + 1) + s->anchor] = 0;
		runjournal_fault_lost(&c->j, c->plan.faults[f].id, anchor, msg);
	}
	if (agentctl_sweep(&s->ag, &err) < 0) {
		snprintf(sweep_msg, sizeof(sweep_msg), "%s", err.msg);
		sweep_err = sweep_msg;
		log_warn("%s", err.msg);
	}
	err.msg[0] = '\0';
	setenv("FL_NETEM_ENGINE", "netem", 1); /* as at its first start */
	s->agent_up = agentctl_restart(&s->ag, 10000, &err) == 0;
	if (saved)
		setenv("FL_NETEM_ENGINE", saved, 1);
	else
		unsetenv("FL_NETEM_ENGINE");
	free(saved);
	if (!s->agent_up) {
		start_err = err.msg;
		log_warn("%s", err.msg);
	}
	runjournal_agent_restart(&c->j, anchor, why, sweep_err, start_err);
	run_fault_reapply_as(c, s->anchor, "agent-restart", held);
	free(held);
}

int run_site_agent_check(struct run_ctx *c, size_t s)
{
	struct run_site *site = s < c->nt.n_sites ? &c->nt.sites[s] : NULL;

	if (site && site->agent_up && agentctl_pump(&site->ag) < 0)
		run_site_agent_lost(c, site);
	return site ? 0 : -1;
}

void run_sites_agents_stop(struct run_ctx *c)
{
	for (size_t s = 0; s < c->nt.n_sites; s++)
		if (c->nt.sites[s].agent_up) {
			agentctl_stop(&c->nt.sites[s].ag);
			c->nt.sites[s].agent_up = 0;
		}
	free(c->nt.sites);
	c->nt.sites = NULL;
	c->nt.n_sites = 0;
}

struct agentctl *run_fault_agent(struct run_ctx *c, size_t f, size_t node, int *up)
{
	const struct planread_fault *pf = &c->plan.faults[f];
	struct run_site *s;

	if (!pf->site[0]) {
		*up = c->nt.rn[node].agent_up;
		return &c->nt.rn[node].ag;
	}
	s = run_site_find(c, pf->site);
	*up = s && s->agent_up;
	return s ? &s->ag : &c->nt.rn[node].ag;
}

int run_fault_skips(const struct run_ctx *c, size_t f, size_t node)
{
	const struct planread_fault *pf = &c->plan.faults[f];

	return pf->site[0] && pf->n_targets && pf->targets[0] != node;
}
