/* Faults of the timeline: network and process faults through each target node's agent (one
 * journal line per node), kill and restart through the runtime. */
#include "orchestrator/run/run_int.h"

#include "common/log.h"
#include "common/xalloc.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* A fault's lease outlives its planned end by this much: the planned revert comes first; the
 * lease only matters when the run stalls (a dead run is covered by the agent's stdin EOF). */
#define RUN_LEASE_MARGIN_MS 15000

static unsigned char *run_active(struct run_ctx *c, size_t f, size_t node)
{
	return &c->tl.active[f * (c->nt.n + 1) + node];
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

static void run_agent_fault(struct run_ctx *c, const struct runplan_event *e, size_t fi, size_t i,
			    double planned_ms);

void run_fault_reapply(struct run_ctx *c, size_t i)
{
	struct runplan_event e = {.type = RUNPLAN_FAULT_APPLY};

	snprintf(e.id, sizeof(e.id), "restart");
	for (size_t f = 0; f < c->plan.n_faults; f++) {
		if (!*run_active(c, f, i))
			continue;
		*run_active(c, f, i) = 0;
		e.fault = (uint32_t)f;
		run_agent_fault(c, &e, f, i, runjournal_now(&c->j));
	}
	run_count_active(c);
}

/* kill and restart, through the runtime. A restart that gives the node a new network
 * namespace (docker) marks its agent stale; the timeline replaces it after this event
 * (run_agents_refresh), so applying a fault never restarts an agent. */
static void run_process_fault(struct run_ctx *c, const struct runplan_event *e,
			      const struct runplan_fault *f, size_t i, double planned_ms)
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

static void run_agent_fault(struct run_ctx *c, const struct runplan_event *e, size_t fi, size_t i,
			    double planned_ms)
{
	const struct runplan_fault *f = &c->plan.faults[fi];
	struct run_node *r = &c->nt.rn[i];
	struct agentctl_reply rep = {0};
	struct fl_error err = {0};
	const char **drop = f->kind->groups ? fl_xcalloc(c->nt.n + 1, sizeof(*drop)) : NULL;
	struct agentctl_fault af = {.id = f->id,
				    .kind = f->kind,
				    .lease_ms = f->end_ms - f->start_ms + RUN_LEASE_MARGIN_MS,
				    .seed = f->engine_seed,
				    .params = &f->params,
				    .drop_from = drop};
	struct runjournal_fault jf = {.type = "fault-apply",
				      .id = e->id,
				      .fault = f->id,
				      .node = r->dn.name,
				      .planned_ms = planned_ms};
	int rc = -1;

	if (f->kind->groups) {
		af.n_drop_from = run_partition_drop_from(c, &f->params, i, drop);
		if (af.n_drop_from == 0) {
			free(drop);
			return; /* this node drops nothing: no agent call, no journal line */
		}
	}
	jf.issued_ms = runjournal_now(&c->j);
	if (!r->agent_up)
		fl_err(&err, "no agent for %s", r->dn.name);
	else
		rc = agentctl_apply(&r->ag, &af, &rep, &err);
	free(drop);
	jf.done_ms = runjournal_now(&c->j);
	if (rc == 0 && !rep.ok)
		snprintf(err.msg, sizeof(err.msg), "%s", rep.error), rc = -1;
	jf.engine = rep.engine;
	jf.error = rc < 0 ? err.msg : NULL;
	runjournal_fault(&c->j, &jf);
	if (rc == 0)
		*run_active(c, fi, i) = 1;
	else
		log_warn("fault %s on %s: %s", f->id, r->dn.name, err.msg);
}

void run_fault_apply(struct run_ctx *c, const struct runplan_event *e, double planned_ms)
{
	const struct runplan_fault *f = &c->plan.faults[e->fault];
	int process = f->kind->via != FAULT_VIA_AGENT;

	for (size_t t = 0; t < f->n_targets; t++) {
		size_t i = f->targets[t];

		if (!run_only_has(c, i))
			continue;
		if (process)
			run_process_fault(c, e, f, i, planned_ms);
		else
			run_agent_fault(c, e, e->fault, i, planned_ms);
	}
	run_count_active(c);
}

static void run_revert_one(struct run_ctx *c, const char *event_id, size_t fi, size_t i,
			   double planned_ms)
{
	struct run_node *r = &c->nt.rn[i];
	struct agentctl_reply rep = {0};
	struct fl_error err = {0};
	struct runjournal_fault jf = {.type = "fault-revert",
				      .id = event_id,
				      .fault = c->plan.faults[fi].id,
				      .node = r->dn.name,
				      .planned_ms = planned_ms};
	int rc = -1;

	jf.issued_ms = runjournal_now(&c->j);
	if (r->agent_up)
		rc = agentctl_revert(&r->ag, c->plan.faults[fi].id, &rep, &err);
	else
		fl_err(&err, "no agent for %s", r->dn.name);
	if (rc == 0 && !rep.ok)
		snprintf(err.msg, sizeof(err.msg), "%s", rep.error), rc = -1;
	jf.done_ms = runjournal_now(&c->j);
	jf.error = rc < 0 ? err.msg : NULL;
	runjournal_fault(&c->j, &jf);
	*run_active(c, fi, i) = 0;
}

void run_fault_revert(struct run_ctx *c, const struct runplan_event *e, double planned_ms)
{
	for (size_t i = 0; i < c->nt.n; i++)
		if (*run_active(c, e->fault, i))
			run_revert_one(c, e->id, e->fault, i, planned_ms);
	run_count_active(c);
}

void run_fault_revert_all(struct run_ctx *c)
{
	for (size_t f = 0; c->tl.active && f < c->plan.n_faults; f++)
		for (size_t i = 0; i < c->nt.n; i++)
			if (*run_active(c, f, i))
				run_revert_one(c, "teardown", f, i, runjournal_now(&c->j));
	if (c->tl.active)
		run_count_active(c);
}
