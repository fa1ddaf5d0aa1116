/* Faults of the timeline: network and process faults through each target node's agent (one
 * journal line per node), kill and restart through the runtime. */
#include "orchestrator/run/run_int.h"

#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A fault's lease outlives its planned end by this much: the planned revert comes first; the
 * lease only matters when the run stalls (a dead run is covered by the agent's stdin EOF). */
#define RUN_LEASE_MARGIN_MS 15000

static unsigned char *run_active(struct run_ctx *c, size_t f, size_t node)
{
	return &c->tl.active[f * (c->nt.n + 1) + node];
}

/* Whether fault f should be in force on node now, by the plan's events so far. */
static unsigned char *run_planned(struct run_ctx *c, size_t f, size_t node)
{
	if (!c->tl.planned)
		c->tl.planned = fl_xcalloc((c->plan.n_faults + 1) * (c->nt.n + 1), 1);
	return &c->tl.planned[f * (c->nt.n + 1) + node];
}

static void run_count_active(struct run_ctx *c)
{
	int n = 0;

	for (size_t f = 0; f < c->plan.n_faults; f++)
		for (size_t i = 0; i < c->nt.n; i++)
			if (*run_active(c, f, i)) {
				n++;
				break;
			}
	c->tl.faults_active = n;
}

/* Does a receiver in group rg drop what senders of group sg send? */
static int run_partition_drops(const char *direction, int rg, int sg)
{
	if (rg < 0 || sg < 0 || rg == sg)
		return 0;
	if (strcmp(direction, "forward") == 0)
		return sg == 0 && rg == 1;
	if (strcmp(direction, "backward") == 0)
		return sg == 1 && rg == 0;
	return 1;
}

size_t run_partition_drop_from(const struct run_ctx *c, const struct fault_params *fp, size_t node,
			       const char **out)
{
	int rg = fp->group_of ? fp->group_of[node] : -1;
	size_t n = 0;

	for (size_t s = 0; s < c->nt.n; s++)
		if (run_partition_drops(fp->direction, rg, fp->group_of ? fp->group_of[s] : -1))
			out[n++] = c->nt.rn[s].dn.address;
	return n;
}

/* kill and restart, through the runtime. A restart that gives the node a new network
 * namespace (docker) marks its agent stale; the timeline replaces it after this event
 * (run_agents_refresh), so applying a fault never restarts an agent. */
static void run_process_fault(struct run_ctx *c, const struct planread_event *e,
			      const struct planread_fault *f, size_t i, double planned_ms)
{
	struct run_node *r = &c->nt.rn[i];
	struct fl_error err = {0};
	struct runjournal_fault jf = {.type = "fault-apply",
				      .id = e->id,
				      .fault = f->id,
				      .node = r->dn.name,
				      .planned_ms = planned_ms,
				      .engine = "runtime"};
	int rc, sig = f->params.signal, stop = f->kind->via == FAULT_VIA_RUNTIME_STOP;

	jf.issued_ms = runjournal_now(&c->j);
	if (stop) {
		r->expected_down = 1;
		rc = c->nt.rt->ops->node_stop(c->nt.rt, &c->nt.nodes[i], sig, &err);
		r->up = 0;
	} else {
		char old_ns[sizeof(c->nt.nodes[i].netns_path)];

		snprintf(old_ns, sizeof(old_ns), "%s", c->nt.nodes[i].netns_path);
		if (r->up)
			c->nt.rt->ops->node_stop(c->nt.rt, &c->nt.nodes[i], SIGTERM, &err);
		rc = c->nt.rt->ops->node_restart(c->nt.rt, &c->nt.specs[i], &c->nt.nodes[i], &err);
		r->up = rc == 0;
		r->expected_down = rc < 0;
		if (rc == 0)
			driver_node_restarted(&r->dn, c->nt.nodes[i].netns_path);
		r->agent_stale = rc == 0 && strcmp(old_ns, c->nt.nodes[i].netns_path) != 0;
	}
	jf.done_ms = runjournal_now(&c->j);
	jf.error = rc < 0 ? err.msg : NULL;
	runjournal_fault(&c->j, &jf);
	if (stop)
		runjournal_node_exit(&c->j, r->dn.name, -1, sigabbrev_np(sig), 1);
	else
		runjournal_node_restart(&c->j, r->dn.name, rc < 0 ? err.msg : NULL);
}

/* One agent request in flight and its journal line. */
struct run_call {
	size_t node, fault;
	char *req; /* the request line (malloc'd), NULL when it cannot be sent (err says why) */
	int sent;  /* the request went out: a reply is due */
	struct fl_error err;
	struct agentctl_reply rep;
	struct runjournal_fault jf;
};

/* Requests in flight at once in a batch (run_calls_finish): the agents work in parallel and
 * the round trips overlap. A partition of 100 nodes (tests/bench/bench_scale.sh 100, 2 cores,
 * shared host, in force after): node after node 75–251 ms (1086 ms under heavy load), 8 at
 * once 70–161 ms (85 ms under that load); all 100 at once was slower than one at a time when
 * idle — every iptables change takes the host's one xtables lock (agents/iptc_rules.c). */
#ifndef RUN_CALLS_WINDOW
#define RUN_CALLS_WINDOW 8
#endif

/* How long the replies of one batch may take: one agent's 5 s, plus a little per agent (2
 * cores serve them all). */
static double run_calls_deadline(size_t n)
{
	return fltime_mono_ms() + 5000.0 + 20.0 * (double)n;
}

/* Writes node i's apply request for fault fi; 0 when there is nothing to ask (a partition
 * node that drops nothing), 1 when the call is made (sent or failed, k->err says). */
static int run_apply_send(struct run_ctx *c, const char *event_id, size_t fi, size_t i,
			  double planned_ms, struct run_call *k)
{
	const struct planread_fault *f = &c->plan.faults[fi];
	struct run_node *r = &c->nt.rn[i];
	const char **drop = f->kind->groups ? fl_xcalloc(c->nt.n + 1, sizeof(*drop)) : NULL;
	struct agentctl_fault af = {.id = f->id,
				    .kind = f->kind,
				    .lease_ms = f->end_ms - f->start_ms + RUN_LEASE_MARGIN_MS,
				    .seed = f->engine_seed,
				    .params = &f->params,
				    .drop_from = drop};
	char *req;
	int up;

	if (run_fault_skips(c, fi, i)) {
		free(drop);
		return 0; /* a site fault: one call, on its first target */
	}
	run_fault_agent(c, fi, i, &up);
	memset(k, 0, sizeof(*k));
	k->node = i, k->fault = fi;
	k->jf = (struct runjournal_fault){.type = "fault-apply",
					  .id = event_id,
					  .fault = f->id,
					  .node = r->dn.name,
					  .planned_ms = planned_ms};
	if (f->kind->groups) {
		af.n_drop_from = run_partition_drop_from(c, &f->params, i, drop);
		if (af.n_drop_from == 0) {
			free(drop);
			return 0; /* this node drops nothing: no agent call, no journal line */
		}
	}
	req = agentctl_apply_request(&af);
	free(drop);
	if (!c->tl.lease_until)
		c->tl.lease_until = fl_xcalloc(c->plan.n_faults + 1, sizeof(*c->tl.lease_until));
	c->tl.lease_until[fi] = fltime_mono_ms() + (double)af.lease_ms;
	if (!up)
		fl_err(&k->err, "no agent for %s", r->dn.name);
	else if (!req)
		fl_err(&k->err, "encode apply %s", f->id);
	else
		k->req = req, req = NULL;
	free(req);
	return 1;
}

static void run_revert_send(struct run_ctx *c, const char *event_id, size_t fi, size_t i,
			    double planned_ms, struct run_call *k)
{
	struct run_node *r = &c->nt.rn[i];
	char req[256];
	int up;

	run_fault_agent(c, fi, i, &up);
	memset(k, 0, sizeof(*k));
	k->node = i, k->fault = fi;
	k->jf = (struct runjournal_fault){.type = "fault-revert",
					  .id = event_id,
					  .fault = c->plan.faults[fi].id,
					  .node = r->dn.name,
					  .planned_ms = planned_ms};
	snprintf(req, sizeof(req), "{\"op\":\"revert\",\"id\":\"%s\"}\n", c->plan.faults[fi].id);
	if (!up)
		fl_err(&k->err, "no agent for %s", r->dn.name);
	else
		k->req = fl_xstrdup(req);
}

/* A fault line to the journal, or held until run-start while the at: boot faults go on. */
static void run_journal_fault(struct run_ctx *c, const struct runjournal_fault *jf)
{
	struct runjournal_fault *h;

	if (!c->tl.boot_hold) {
		runjournal_fault(&c->j, jf);
		return;
	}
	c->tl.boot_held =
	    fl_xreallocarray(c->tl.boot_held, c->tl.n_boot_held + 1, sizeof(*c->tl.boot_held));
	h = &c->tl.boot_held[c->tl.n_boot_held++];
	*h = *jf; /* type, id, fault and node point into the plan and stay */
	h->engine = jf->engine ? fl_xstrdup(jf->engine) : NULL;
	h->error = jf->error ? fl_xstrdup(jf->error) : NULL;
}

/* Collects every reply of the batch under one deadline, journals one line per node and
 * updates the faults in force. */
static void run_calls_finish(struct run_ctx *c, struct run_call *k, size_t n)
{
	double deadline = run_calls_deadline(n);
	size_t next = 0;

	for (size_t x = 0; x < n; x++) {
		struct run_node *r = &c->nt.rn[k[x].node];
		int apply = strcmp(k[x].jf.type, "fault-apply") == 0;
		int rc = -1, up;
		struct agentctl *ag = run_fault_agent(c, k[x].fault, k[x].node, &up);

		/* keep RUN_CALLS_WINDOW requests in flight: the agents work at once, without all
		 * of them queueing on the host's one xtables lock */
		for (; next < n && next < x + RUN_CALLS_WINDOW; next++) {
			k[next].jf.issued_ms = runjournal_now(&c->j);
			if (k[next].req)
				k[next].sent = agentctl_send(run_fault_agent(c, k[next].fault,
									     k[next].node, &up),
							     k[next].req, &k[next].err) == 0;
			free(k[next].req);
			k[next].req = NULL;
		}
		if (k[x].sent)
			rc = agentctl_collect(ag, deadline, &k[x].rep, &k[x].err);
		if (rc == 0 && !k[x].rep.ok)
			snprintf(k[x].err.msg, sizeof(k[x].err.msg), "agent of %s%s refused: %s",
				 c->plan.faults[k[x].fault].site[0] ? "site " : "",
				 c->plan.faults[k[x].fault].site[0]
				     ? c->plan.faults[k[x].fault].site
				     : r->dn.name,
				 k[x].rep.error),
			    rc = -1;
		k[x].jf.done_ms = runjournal_now(&c->j);
		k[x].jf.engine = apply ? k[x].rep.engine : NULL;
		k[x].jf.error = rc < 0 ? k[x].err.msg : NULL;
		run_journal_fault(c, &k[x].jf);
		*run_active(c, k[x].fault, k[x].node) = apply && rc == 0;
		if (rc < 0)
			log_warn("fault %s on %s: %s %s", k[x].jf.fault, r->dn.name,
				 apply ? "not applied:" : "not reverted:", k[x].err.msg);
	}
}

void run_fault_apply(struct run_ctx *c, const struct planread_event *e, double planned_ms)
{
	const struct planread_fault *f = &c->plan.faults[e->fault];
	struct run_call *k;
	size_t n = 0;

	if (f->kind->via != FAULT_VIA_AGENT) {
		for (size_t t = 0; t < f->n_targets; t++)
			if (run_only_has(c, f->targets[t]))
				run_process_fault(c, e, f, f->targets[t], planned_ms);
		run_count_active(c);
		return;
	}
	/* every target's agent gets its request first, then the replies are collected: the
	 * agents apply at once, not node after node */
	k = fl_xcalloc(f->n_targets + 1, sizeof(*k));
	for (size_t t = 0; t < f->n_targets; t++) {
		if (!run_only_has(c, f->targets[t]))
			continue;
		*run_planned(c, e->fault, f->targets[t]) = 1;
		n += (size_t)run_apply_send(c, e->id, e->fault, f->targets[t], planned_ms, &k[n]);
	}
	run_calls_finish(c, k, n);
	free(k);
	run_count_active(c);
	if (f->until_delivered) {
		if (!c->tl.until)
			c->tl.until = fl_xcalloc(c->plan.n_faults + 1, sizeof(*c->tl.until));
		for (size_t x = 0; x < c->plan.n_events; x++) {
			const struct planread_event *s = &c->plan.events[x];

			if (s->type == PLANREAD_SEND && s->t_ms >= f->start_ms &&
			    s->t_ms < f->end_ms)
				c->tl.until[e->fault].last_send = x + 1;
		}
		c->tl.until[e->fault].from_n0 = c->tl.drain ? drain_messages(c->tl.drain) : 0;
		c->tl.until[e->fault].from = c->tl.until[e->fault].from_n0 + 1;
	}
}

void run_fault_boot(struct run_ctx *c)
{
	c->tl.boot_hold = 1;
	c->tl.boot_mono0 = c->j.mono0_ms;
	for (size_t k = 0; k < c->plan.n_events; k++) {
		const struct planread_event *e = &c->plan.events[k];

		if (e->type == PLANREAD_FAULT_APPLY && c->plan.faults[e->fault].at_boot)
			run_fault_apply(c, e, 0);
	}
	c->tl.boot_hold = 0;
}

void run_fault_boot_journal(struct run_ctx *c)
{
	double shift = c->tl.boot_mono0 - c->j.mono0_ms; /* to run-start's clock: below 0 */

	for (size_t i = 0; i < c->tl.n_boot_held; i++) {
		struct runjournal_fault *h = &c->tl.boot_held[i];

		h->issued_ms += shift;
		h->done_ms += shift;
		runjournal_fault(&c->j, h);
		free((char *)h->engine);
		free((char *)h->error);
	}
	free(c->tl.boot_held);
	c->tl.boot_held = NULL;
	c->tl.n_boot_held = 0;
}

void run_fault_reapply(struct run_ctx *c, size_t i)
{
	run_fault_reapply_as(c, i, "restart", NULL);
}

void run_fault_reapply_as(struct run_ctx *c, size_t i, const char *event_id,
			  const unsigned char *which)
{
	struct run_call *k = fl_xcalloc(c->plan.n_faults + 1, sizeof(*k));
	size_t n = 0;

	for (size_t f = 0; f < c->plan.n_faults; f++) {
		if (which ? !which[f] : !*run_active(c, f, i))
			continue;
		*run_active(c, f, i) = 0;
		n += (size_t)run_apply_send(c, event_id, f, i, runjournal_now(&c->j), &k[n]);
	}
	run_calls_finish(c, k, n);
	free(k);
	run_count_active(c);
}

static void run_revert_batch(struct run_ctx *c, const char *event_id, size_t f_only,
			     double planned_ms)
{
	struct run_call *k = fl_xcalloc(c->plan.n_faults * c->nt.n + 1, sizeof(*k));
	size_t n = 0;

	for (size_t f = 0; c->tl.active && f < c->plan.n_faults; f++) {
		if (f_only != SIZE_MAX && f != f_only)
			continue;
		for (size_t i = 0; i < c->nt.n; i++)
			if (*run_active(c, f, i))
				run_revert_send(
				    c, event_id, f, i,
				    planned_ms >= 0 ? planned_ms : runjournal_now(&c->j), &k[n++]);
	}
	run_calls_finish(c, k, n);
	free(k);
	if (c->tl.active)
		run_count_active(c);
}

void run_fault_revert(struct run_ctx *c, const struct planread_event *e, double planned_ms)
{
	for (size_t i = 0; i < c->nt.n; i++)
		*run_planned(c, e->fault, i) = 0;
	if (c->tl.until)
		c->tl.until[e->fault].from = 0;
	/* after an until: delivered revert nothing is active: no request, no journal line */
	run_revert_batch(c, e->id, e->fault, planned_ms);
}

/* The planned revert event of fault f (its id goes on the early revert's journal lines). */
static const struct planread_event *run_revert_event(const struct run_ctx *c, size_t f)
{
	for (size_t k = 0; k < c->plan.n_events; k++)
		if (c->plan.events[k].type == PLANREAD_FAULT_REVERT && c->plan.events[k].fault == f)
			return &c->plan.events[k];
	return NULL;
}

void run_fault_until_check(struct run_ctx *c)
{
	size_t n;

	if (!c->tl.until || !c->tl.drain)
		return;
	n = drain_messages(c->tl.drain);
	for (size_t f = 0; f < c->plan.n_faults; f++) {
		const struct planread_event *e;
		size_t from = c->tl.until[f].from;

		/* every send planned before its cap queued (at least one; those of an after:
		 * traffic once it has opened), and all of them settled */
		if (!from || n < from || c->tl.event_pos < c->tl.until[f].last_send ||
		    run_gate_pending_in(c, c->plan.faults[f].start_ms, c->plan.faults[f].end_ms))
			continue;
		from = drain_settled_from(c->tl.drain, from - 1);
		c->tl.until[f].from = from + 1; /* settled messages stay settled */
		if (from < n || !(e = run_revert_event(c, f)))
			continue;
		log_info("fault %s: the %zu message(s) sent during it have arrived; reverting it "
			 "%.1f s before its cap",
			 c->plan.faults[f].id, n - c->tl.until[f].from_n0,
			 ((double)e->t_ms - (runjournal_now(&c->j) - c->tl.pause_ms)) / 1000.0);
		run_fault_revert(c, e, (double)e->t_ms);
		c->tl.until[f].ended = 1;
	}
}

int run_fault_stops(const struct run_ctx *c, size_t i)
{
	if (c->nt.rn[i].inject_stop_until > fltime_mono_ms())
		return 1;
	for (size_t f = 0; c->tl.active && f < c->plan.n_faults; f++)
		if (c->tl.active[f * (c->nt.n + 1) + i] && c->plan.faults[f].kind->stops_process)
			return 1;
	return 0;
}

int run_fault_ended_early(const struct run_ctx *c, size_t f)
{
	return c->tl.until && c->tl.until[f].ended;
}

void run_fault_free(struct run_ctx *c)
{
	free(c->tl.active);
	free(c->tl.lease_until);
	free(c->tl.planned);
	free(c->tl.until);
	c->tl.active = c->tl.planned = NULL;
	c->tl.lease_until = NULL;
	c->tl.until = NULL;
}

void run_fault_revert_all(struct run_ctx *c)
{
	free(c->tl.planned); /* nothing is to be in force any more */
	c->tl.planned = NULL;
	run_revert_batch(c, "teardown", SIZE_MAX, -1);
}

/* Node i's agent died: every fault it held is lost (journalled as an error), the node is swept
 * (`faultlab-agent --sweep`: what the dead agent left, e.g. NFQUEUE rules that would let
 * traffic through undelayed, goes), a new agent is started and applies again what should
 * still be in force (event id "agent-restart"). */
void run_agent_lost(struct run_ctx *c, size_t i)
{
	struct run_node *r = &c->nt.rn[i];
	unsigned char *held = fl_xcalloc(c->plan.n_faults + 1, 1);
	char why[64], msg[256];
	struct fl_error err = {0};
	const char *sweep_err = NULL, *start_err = NULL;
	char sweep_msg[sizeof(err.msg)];

	agentctl_reap(&r->ag, why, sizeof(why));
	r->agent_up = 0;
	snprintf(msg, sizeof(msg), "agent of %s %s", r->dn.name, why);
	log_warn("%s: sweeping %s and starting a new agent", msg, r->dn.name);
	for (size_t f = 0; c->tl.active && f < c->plan.n_faults; f++) {
		/* applied again: what the plan has in force now (also an apply that the agent's
		 * death made fail); lost: what it held */
		held[f] = c->tl.planned && *run_planned(c, f, i);
		if (c->plan.faults[f].site[0]) { /* held by the site's agent, not this one */
			held[f] = 0;
			continue;
		}
		if (!*run_active(c, f, i))
			continue;
		held[f] = 1;
		*run_active(c, f, i) = 0;
		runjournal_fault_lost(&c->j, c->plan.faults[f].id, r->dn.name, msg);
	}
	if (agentctl_sweep(&r->ag, &err) < 0) {
		snprintf(sweep_msg, sizeof(sweep_msg), "%s", err.msg);
		sweep_err = sweep_msg;
		log_warn("%s", err.msg);
	}
	err.msg[0] = '\0';
	r->agent_up = agentctl_restart(&r->ag, 10000, &err) == 0;
	if (!r->agent_up) {
		start_err = err.msg;
		log_warn("%s", err.msg);
	}
	runjournal_agent_restart(&c->j, r->dn.name, why, sweep_err, start_err);
	run_fault_reapply_as(c, i, "agent-restart", held);
	free(held);
}

/* The timeline's watch on node i's agent (its stdout is in the epoll set): event lines are
 * read; a hangup is a dead agent. */
void run_agent_check(struct run_ctx *c, size_t i)
{
	struct run_node *r = &c->nt.rn[i];

	if (r->agent_up && agentctl_pump(&r->ag) < 0)
		run_agent_lost(c, i);
}

void run_fault_renew(struct run_ctx *c, size_t f, int64_t lease_ms)
{
	const struct planread_fault *pf = &c->plan.faults[f];

	for (size_t i = 0; i < c->nt.n; i++) {
		struct agentctl_reply rep = {0};
		struct fl_error err = {0};
		struct agentctl *ag;
		int up;

		if (!*run_active(c, f, i))
			continue;
		ag = run_fault_agent(c, f, i, &up);
		if (!up)
			continue;
		if (agentctl_renew(ag, pf->id, lease_ms, &rep, &err) < 0 || !rep.ok)
			log_warn("renew the lease of %s on %s: %s", pf->id, c->nt.rn[i].dn.name,
				 rep.error[0] ? rep.error : err.msg);
	}
	if (c->tl.lease_until)
		c->tl.lease_until[f] = fltime_mono_ms() + (double)lease_ms;
}

void run_fault_keep_leases(struct run_ctx *c, double t_ms, double late_ms)
{
	double now = fltime_mono_ms();

	for (size_t f = 0; c->tl.lease_until && f < c->plan.n_faults; f++) {
		const struct planread_fault *pf = &c->plan.faults[f];
		double rest = (double)pf->end_ms - t_ms;
		int64_t lease = (int64_t)((rest > 0 ? rest : 0) + late_ms + RUN_LEASE_MARGIN_MS);

		/* the planned revert comes at now + rest (at least): renew while half the
		 * margin is left */
		if (!c->tl.lease_until[f] ||
		    c->tl.lease_until[f] - now - rest > RUN_LEASE_MARGIN_MS / 2)
			continue;
		log_warn("the timeline is %.1f s late: renewing the leases of %s for %.1f s",
			 late_ms / 1000, pf->id, (double)lease / 1000);
		run_fault_renew(c, f, lease);
	}
}
