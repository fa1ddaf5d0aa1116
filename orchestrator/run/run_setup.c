/* The run before and after its timeline: run directory and plan, lock and subnet, network and
 * nodes, readiness, agents; and the teardown. */
#include "orchestrator/run/run_int.h"
#include "common/xalloc.h"
#include "orchestrator/run/rundir.h"
#include "orchestrator/drivers/driver_json.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"
#include "common/rng.h"
#include "common/safefile.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int run_socket(void *ctx, int domain, int type, int protocol)
{
	struct run_ctx *c = ctx;
	int fd;

	pthread_mutex_lock(&c->nt.sock_mu);
	fd = c->nt.rt->ops->socket(c->nt.rt, domain, type, protocol);
	pthread_mutex_unlock(&c->nt.sock_mu);
	return fd;
}

/* Receipts polled from a node count only for the planned recipients of that message (its own
 * raw messages come back to its own subscription). The text starts with the plan message id. */
int run_receipt_accept(void *ctx, const struct driver_node *n, const char *text)
{
	struct run_ctx *c = ctx;
	unsigned long m;
	long node;
	char *end;

	if (text[0] != 'm')
		return 0;
	m = strtoul(text + 1, &end, 10);
	if (*end != ' ' || m == 0 || m > c->n_msgs || !c->msg_event[m])
		return 0;
	node = planread_node_find(&c->plan, n->name);
	for (size_t i = 0; node >= 0 && i < c->msg_event[m]->n_to; i++)
		if (c->msg_event[m]->to[i] == (uint32_t)node)
			return 1;
	return 0;
}

/* msg_event[N] = the send event of plan message mN. */
static int run_index_msgs(struct run_ctx *c)
{
	for (size_t k = 0; k < c->plan.n_events; k++)
		if (c->plan.events[k].type == PLANREAD_SEND) {
			c->n_msgs++;
			c->raw_traffic |= !strcmp(c->plan.events[k].kind, "relay") ||
					  !strcmp(c->plan.events[k].kind, "lightpush");
		}
	c->msg_event = fl_xcalloc(c->n_msgs + 2, sizeof(*c->msg_event));
	for (size_t k = 0; k < c->plan.n_events; k++) {
		const struct planread_event *e = &c->plan.events[k];
		unsigned long m = strtoul(e->msg + (e->msg[0] == 'm'), NULL, 10);

		if (e->type == PLANREAD_SEND && m >= 1 && m <= c->n_msgs)
			c->msg_event[m] = e;
	}
	return 0;
}

int run_prepare(struct run_ctx *c, struct fl_error *err)
{
	char path[PATH_MAX + 16];
	struct runlock_info info = {0};
	uint32_t net;
	int prefix;

	snprintf(path, sizeof(path), "%s/plan.json", c->opts->run_dir);
	if (planread_load(path, &c->plan, err) < 0)
		return -1;
	c->nt.n = c->plan.n_nodes;
	run_index_msgs(c);
	c->nt.runtime_name = c->opts->runtime ? c->opts->runtime : c->plan.runtime;
	c->nt.rt_ops =
	    c->nt.runtime_name[0] ? runtime_ops_find(c->nt.runtime_name) : runtime_ops_at(0);
	if (!c->nt.rt_ops)
		return fl_err(err, "unknown runtime \"%s\" (expected %s)", c->nt.runtime_name,
			      runtime_names());
	c->nt.runtime_name = c->nt.rt_ops->name;
	c->plan.telemetry |= c->opts->telemetry;
	rundir_run_id(c->run_id, sizeof(c->run_id));
	info.scenario = c->plan.scenario;
	info.runtime = c->nt.runtime_name;
	info.nodes = (int)c->nt.n;
	info.run_dir = c->opts->run_dir;
	if (geteuid() != 0)
		return fl_err(err,
			      "faultlab run needs root (network namespaces, iptables, cgroups, "
			      "the agents); nothing was started");
	if (runlock_acquire(c->run_id, &info, &c->lock, err) < 0)
		return -1;
	if (runtime_subnet_parse(c->plan.subnet, &net, &prefix, err) < 0)
		return fl_wrap(err, "plan subnet");
	if (runtime_subnet_pick_prefix(NULL, prefix, c->run_id, c->subnet, sizeof(c->subnet), err) <
	    0)
		return fl_wrap(err, "pick a subnet");
	c->nt.rn = fl_xcalloc(c->nt.n + 1, sizeof(*c->nt.rn));
	c->nt.specs = fl_xcalloc(c->nt.n + 1, sizeof(*c->nt.specs));
	c->nt.nodes = fl_xcalloc(c->nt.n + 1, sizeof(*c->nt.nodes));
	c->tl.active = fl_xcalloc((c->plan.n_faults + 1) * (c->nt.n + 1), 1);
	return 0;
}

static int run_node_files(struct run_ctx *c, size_t i, struct fl_error *err)
{
	struct run_node *r = &c->nt.rn[i];

	snprintf(r->data_dir, sizeof(r->data_dir), "%.3900s/nodes/%.64s", c->opts->run_dir,
		 c->plan.nodes[i].name);
	if (rundir_mkdirs(r->data_dir, err) < 0)
		return -1;
	snprintf(r->log_path, sizeof(r->log_path), "%.4000s/stdout.log", r->data_dir);
	snprintf(r->events_path, sizeof(r->events_path), "%.4000s/events.jsonl", r->data_dir);
	return rundir_node_secret(r->data_dir,
				  driver_identity_seed(c->plan.seed, c->plan.nodes[i].name), err);
}

static int run_node_setup(struct run_ctx *c, size_t i, struct fl_error *err)
{
	struct planread_node *pn = &c->plan.nodes[i];
	struct run_node *r = &c->nt.rn[i];
	struct runtime_node_spec *s = &c->nt.specs[i];

	if (run_node_files(c, i, err) < 0)
		return -1;
	r->drv = driver_find(pn->driver[0] ? pn->driver : NULL);
	if (!r->drv)
		return fl_err(err, "node %s: unknown driver \"%s\"", pn->name, pn->driver);
	snprintf(r->dn.name, sizeof(r->dn.name), "%s", pn->name);
	if (planread_address_shift(c->plan.subnet, c->subnet, pn->address, r->dn.address,
				   sizeof(r->dn.address), err) < 0)
		return fl_wrap(err, "node %s", pn->name);
	r->dn.rest_port = r->drv->port ? r->drv->port : 8645;
	snprintf(r->dn.role, sizeof(r->dn.role), "%s", pn->role);
	r->dn.accept = run_receipt_accept;
	r->dn.accept_ctx = c;
	r->dn.timeout_ms = 3000;
	snprintf(r->dn.log_path, sizeof(r->dn.log_path), "%s", r->log_path);
	r->argv = rundir_node_argv_shifted(&c->plan, i, c->nt.rt_ops->runs_images, c->plan.seed,
					   c->subnet);
	s->name = pn->name;
	s->image = rundir_node_image(pn, c->nt.rt_ops->runs_images);
	s->address = r->dn.address;
	s->argv = r->argv;
	s->host_data_dir = r->data_dir;
	s->log_path = r->log_path;
	if (r->drv->receipts) {
		r->events = safefile_fopen(r->events_path, "a", err);
		if (!r->events)
			return -1;
		/* the node may append to the same file: each of our lines must be one write(2) */
		setvbuf(r->events, NULL, _IOFBF, 2 << 20);
	}
	return 0;
}

/* The runtime's question between two nodes (runtime.h: rt->cancelled). */
static int run_cancelled(void *ctx)
{
	return run_check_signals(ctx);
}

int run_deploy(struct run_ctx *c, struct fl_error *err)
{
	struct runtime_net_spec net = {.run_id = c->run_id, .subnet = c->subnet};

	c->nt.rt = runtime_new(c->nt.runtime_name, err);
	if (!c->nt.rt)
		return fl_wrap(err, "runtime %s", c->nt.runtime_name);
	c->nt.rt->cancelled = run_cancelled;
	c->nt.rt->cancel_ctx = c;
	c->nt.rt->node_site = run_node_site;
	c->nt.rt->site_ctx = c;
	if (run_sites_check(c, err) < 0)
		return -1;
	for (size_t i = 0; i < c->nt.n; i++) {
		if (run_check_signals(c))
			return fl_err(err, "interrupted while preparing the nodes");
		if (run_node_setup(c, i, err) < 0)
			return -1;
	}
	if (c->nt.rt->ops->net_create(c->nt.rt, &net, err) < 0)
		return fl_wrap(err, "create the %s network %s", c->nt.runtime_name, c->subnet);
	c->nt.net_made = 1;
	if (run_telemetry_start(c, err) < 0)
		return -1;
	if (c->nt.rt->ops->nodes_start(c->nt.rt, c->nt.specs, c->nt.n, c->nt.nodes, err) < 0) {
		for (size_t i = 0; i < c->nt.n; i++)
			c->nt.rn[i].up = c->nt.nodes[i].pid != 0;
		return fl_wrap(err, "start nodes");
	}
	for (size_t i = 0; i < c->nt.n; i++) {
		struct fl_error nerr = {0};

		c->nt.rn[i].up = 1;
		c->nt.rn[i].dn.open_socket = run_socket;
		c->nt.rn[i].dn.socket_ctx = c;
		c->nt.rn[i].dn.cancel = &c->tl.interrupted;
		/* driver requests from inside the node (its loopback); else from the hub */
		if (driver_node_netns(&c->nt.rn[i].dn, c->nt.nodes[i].netns_path, &nerr) < 0)
			log_warn("driver requests to %s from outside its namespace: %s",
				 c->nt.rn[i].dn.name, nerr.msg);
	}
	return 0;
}

/* A node that exited or never answered: the message names it and quotes its log's tail. */
static int run_ready_fail(struct run_ctx *c, size_t i, const char *why, struct fl_error *err)
{
	char tail[2048];

	rundir_log_tail(c->nt.rn[i].log_path, 12, tail, sizeof(tail));
	return fl_err(err, "node %s %s; last lines of %s:\n%s", c->plan.nodes[i].name, why,
		      c->nt.rn[i].log_path, tail[0] ? tail : "(empty)\n");
}

static int run_ready_poll(struct run_ctx *c, size_t i, double t0, struct fl_error *err)
{
	struct run_node *r = &c->nt.rn[i];
	struct fl_error herr = {0};
	int code = -1, sig = -1;
	char why[128];

	if (c->nt.rt->ops->node_status(c->nt.rt, &c->nt.nodes[i], &code, &sig, &herr) == 0) {
		r->up = 0;
		if (sig > 0)
			snprintf(why, sizeof(why), "was killed by signal %d before becoming ready",
				 sig);
		else
			snprintf(why, sizeof(why), "exited with code %d before becoming ready",
				 code);
		return run_ready_fail(c, i, why, err);
	}
	if (r->drv->health(&r->dn, &herr) == 1) {
		r->ready = 1;
		r->ready_ms = fltime_mono_ms() - t0;
	}
	return 0;
}

static long run_ready_timeout_ms(const struct run_ctx *c)
{
	const char *env = getenv("FL_READY_TIMEOUT_MS");

	if (env && atol(env) > 0)
		return atol(env);
	return c->nt.rt_ops->ready_timeout_ms;
}

int run_wait_ready(struct run_ctx *c, struct fl_error *err)
{
	double t0 = fltime_mono_ms(), deadline = t0 + (double)run_ready_timeout_ms(c);
	size_t ready = 0;

	while (ready < c->nt.n) {
		ready = 0;
		for (size_t i = 0; i < c->nt.n; i++) {
			/* one check per node: a pass over 1 000 nodes takes seconds */
			if (run_check_signals(c))
				return fl_err(err, "interrupted while waiting for the nodes");
			if (!c->nt.rn[i].ready && run_ready_poll(c, i, t0, err) < 0)
				return -1;
			ready += (size_t)c->nt.rn[i].ready;
		}
		if (ready == c->nt.n)
			break;
		if (fltime_mono_ms() > deadline) {
			char why[128];

			for (size_t i = 0; i < c->nt.n; i++)
				if (!c->nt.rn[i].ready) {
					snprintf(why, sizeof(why),
						 "never became ready within %.0f s (GET /health)",
						 (deadline - t0) / 1000.0);
					return run_ready_fail(c, i, why, err);
				}
		}
		fltime_sleep_ms(50);
	}
	for (size_t i = 0; i < c->nt.n; i++) {
		struct fl_error ierr = {0};

		if (run_check_signals(c))
			return fl_err(err, "interrupted while asking the nodes for their identity");
		if (c->nt.rn[i].drv->identity(&c->nt.rn[i].dn, &ierr) < 0)
			log_warn("%s", ierr.msg);
	}
	return 0;
}

/* 1 when some fault of the plan needs node i's agent. */
static int run_node_faulted(const struct run_ctx *c, size_t i)
{
	for (size_t f = 0; f < c->plan.n_faults; f++) {
		const struct planread_fault *pf = &c->plan.faults[f];

		if (pf->kind->via != FAULT_VIA_AGENT)
			continue;
		for (size_t t = 0; t < pf->n_targets; t++)
			if (pf->targets[t] == i)
				return 1;
	}
	return 0;
}

int run_agent_spawn(struct run_ctx *c, size_t i, struct fl_error *err)
{
	struct runtime_node *rn = &c->nt.nodes[i];
	char log[PATH_MAX + 16], bin[PATH_MAX];
	struct agentctl_spec s = {
	    .agent_bin = bin,
	    .run_id = c->run_id,
	    .node = c->plan.nodes[i].name,
	    .netns_path = rn->netns_path,
	    .ifname = rn->ifname[0] ? rn->ifname : "eth0",
	    .cgroup = rn->cgroup,
	    .pgid = rn->pgid,
	    .log_path = log,
	};

	agentctl_find_bin(bin, sizeof(bin));
	snprintf(log, sizeof(log), "%.4000s/agent.log", c->nt.rn[i].data_dir);
	return agentctl_spawn(&c->nt.rn[i].ag, &s, err);
}

void run_agents_refresh(struct run_ctx *c)
{
	for (size_t i = 0; i < c->nt.n; i++) {
		struct run_node *r = &c->nt.rn[i];
		struct fl_error err = {0};

		if (!r->agent_stale)
			continue;
		r->agent_stale = 0;
		if (r->agent_up)
			agentctl_stop(&r->ag);
		r->agent_up =
		    run_agent_spawn(c, i, &err) == 0 && agentctl_await(&r->ag, 10000, &err) == 0;
		if (!r->agent_up)
			log_warn("agent of restarted %s: %s", r->dn.name, err.msg);
		run_fault_reapply(c, i);
	}
}

/* An agent that did not come up: fatal when a fault of the plan needs it, else a warning. */
static void run_agent_failed(struct run_ctx *c, size_t i, struct fl_error *aerr, int *rc,
			     struct fl_error *err)
{
	if (!run_node_faulted(c, i))
		log_warn("%s (no fault of the plan needs it)", aerr->msg);
	else if (*rc == 0)
		*err = *aerr, *rc = -1;
}

/* How long the agents may take to say ready, all together: they start in parallel, but on a
 * 2-core host 1 000 of them queue for the CPU. */
static double run_agents_deadline_ms(const struct run_ctx *c)
{
	return 10000.0 + 20.0 * (double)c->nt.n;
}

/* Waits for the ready line of every agent in `pending` (1 = spawned, not yet heard from)
 * under one deadline, polling all of them and the signals at once: a signal ends the wait
 * within the poll interval. Returns 1 when interrupted. */
static int run_agents_collect(struct run_ctx *c, unsigned char *pending, int *rc,
			      struct fl_error *err)
{
	struct pollfd *pf = fl_xcalloc(c->nt.n + 1, sizeof(*pf));
	size_t *who = fl_xcalloc(c->nt.n + 1, sizeof(*who));
	double deadline = fltime_mono_ms() + run_agents_deadline_ms(c);
	int interrupted = 0;

	for (;;) {
		size_t k = 0;

		if (run_check_signals(c)) {
			interrupted = 1;
			break;
		}
		for (size_t i = 0; i < c->nt.n; i++)
			if (pending[i]) {
				pf[k] =
				    (struct pollfd){.fd = c->nt.rn[i].ag.out_fd, .events = POLLIN};
				who[k++] = i;
			}
		if (k == 0 || fltime_mono_ms() > deadline)
			break;
		if (c->tl.sigfd >= 0)
			pf[k++] = (struct pollfd){.fd = c->tl.sigfd, .events = POLLIN};
		if (poll(pf, k, 200) < 0 && errno != EINTR)
			break;
		for (size_t j = 0; j < k; j++) {
			struct fl_error aerr = {0};
			size_t i = who[j];

			if (pf[j].fd == c->tl.sigfd ||
			    !(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* the ready line is one short write: it is there, or the agent is gone */
			pending[i] = 0;
			if (agentctl_await(&c->nt.rn[i].ag, 1000, &aerr) == 0)
				c->nt.rn[i].agent_up = 1;
			else
				run_agent_failed(c, i, &aerr, rc, err);
		}
	}
	for (size_t i = 0; i < c->nt.n && !interrupted; i++)
		if (pending[i]) { /* never answered */
			struct fl_error aerr = {0};

			pending[i] = 0;
			agentctl_stop(&c->nt.rn[i].ag);
			fl_err(&aerr, "start faultlab-agent for %s: no ready line within %.0f s",
			       c->plan.nodes[i].name, run_agents_deadline_ms(c) / 1000);
			run_agent_failed(c, i, &aerr, rc, err);
		}
	free(pf);
	free(who);
	return interrupted;
}

/* Spawns every agent, then collects their ready lines as they come (all at once, one
 * deadline): 1 000 agents start in parallel, and Ctrl-C is honoured at any point. */
int run_agents_start(struct run_ctx *c, struct fl_error *err)
{
	unsigned char *pending = fl_xcalloc(c->nt.n + 1, 1);
	int rc = 0, interrupted = 0;

	for (size_t i = 0; i < c->nt.n; i++) {
		struct fl_error aerr = {0};

		if (run_check_signals(c)) {
			interrupted = 1;
			break;
		}
		pending[i] = run_agent_spawn(c, i, &aerr) == 0;
		if (!pending[i] && run_node_faulted(c, i) && rc == 0)
			*err = aerr, rc = -1;
	}
	if (!interrupted)
		interrupted = run_agents_collect(c, pending, &rc, err);
	if (!interrupted && rc == 0)
		rc = run_sites_agents_start(c, err);
	if (interrupted) {
		/* spawned, not yet ready: they go now (the ready ones with the teardown) */
		for (size_t i = 0; i < c->nt.n; i++)
			if (pending[i])
				agentctl_stop(&c->nt.rn[i].ag);
		rc = fl_err(err, "interrupted while starting the agents");
	}
	free(pending);
	return rc;
}

/* Every agent at once: all stdins closed first (each agent reverts and exits on EOF), then
 * the waits, which find them gone — not one exit after the other. */
static void run_agents_stop(struct run_ctx *c)
{
	for (size_t s = 0; s < c->nt.n_sites; s++) /* stdin closed: each reverts and exits */
		if (c->nt.sites[s].agent_up && c->nt.sites[s].ag.in_fd >= 0) {
			close(c->nt.sites[s].ag.in_fd);
			c->nt.sites[s].ag.in_fd = -1;
		}
	run_sites_agents_stop(c);
	for (size_t i = 0; c->nt.rn && i < c->nt.n; i++)
		if (c->nt.rn[i].agent_up && c->nt.rn[i].ag.in_fd >= 0) {
			close(c->nt.rn[i].ag.in_fd);
			c->nt.rn[i].ag.in_fd = -1;
		}
	for (size_t i = 0; c->nt.rn && i < c->nt.n; i++) {
		if (c->nt.rn[i].agent_up)
			agentctl_stop(&c->nt.rn[i].ag);
		c->nt.rn[i].agent_up = 0;
	}
}

void run_teardown(struct run_ctx *c)
{
	struct fl_error err = {0};
	double t0 = fltime_mono_ms(), t1, t2;

	if (c->runjournal_open)
		run_fault_revert_all(c);
	t1 = fltime_mono_ms();
	run_agents_stop(c);
	t2 = fltime_mono_ms();
	run_ctl_close(c);
	run_telemetry_stop(c);
	if (c->nt.rt && c->nt.net_made && c->nt.rt->ops->teardown(c->nt.rt, &err) < 0)
		log_error("teardown: %s", err.msg);
	if (c->nt.rt)
		c->nt.rt->ops->free(c->nt.rt);
	c->nt.rt = NULL;
	log_debug(
	    "teardown: faults reverted in %.1f ms, agents stopped in %.1f ms, runtime %.1f ms",
	    t1 - t0, t2 - t1, fltime_mono_ms() - t2);
	for (size_t i = 0; c->nt.rn && i < c->nt.n; i++) {
		if (c->nt.rn[i].events)
			fclose(c->nt.rn[i].events);
		c->nt.rn[i].events = NULL;
		if (c->nt.rn[i].drv && c->nt.rn[i].drv->release)
			c->nt.rn[i].drv->release(&c->nt.rn[i].dn);
		driver_node_close(&c->nt.rn[i].dn);
	}
	runlock_release(&c->lock);
}

static int run_peers_connected(struct run_node *r)
{
	struct driver_http_reply rep;
	struct fl_error err = {0};
	int n;

	if (driver_http(&r->dn, "GET", "/admin/v1/peers", NULL, &rep, &err) < 0)
		return -1;
	n = rep.status == 200 ? driver_json_peers_connected(rep.body) : -1;
	free(rep.body);
	return n;
}

void run_settle(struct run_ctx *c)
{
	double deadline = fltime_mono_ms() + 5000;
	size_t *want = fl_xcalloc(c->nt.n + 1, sizeof(size_t)), pending = 1;

	for (size_t l = 0; l < c->plan.n_links; l++)
		want[c->plan.links[l][0]]++, want[c->plan.links[l][1]]++;
	while (pending && fltime_mono_ms() < deadline && !run_check_signals(c)) {
		pending = 0;
		for (size_t i = 0; i < c->nt.n; i++) {
			int got;

			if (!want[i])
				continue;
			if (run_check_signals(c))
				break;
			got = run_peers_connected(&c->nt.rn[i]);
			if (got >= 0 && (size_t)got >= want[i])
				want[i] = 0;
			else
				pending++;
		}
		if (pending)
			fltime_sleep_ms(50);
	}
	if (pending)
		log_warn("%zu node(s) still lack some of their links after 5 s; starting anyway",
			 pending);
	free(want);
}
