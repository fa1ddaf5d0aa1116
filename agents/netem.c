#include "agents/netem.h"

#include "agents/bandwidth.h"
#include "agents/ifb.h"
#include "agents/iptc_rules.h"
#include "agents/netem_dist.h"
#include "agents/netem_params.h"
#include "agents/nfq_engine.h"
#include "agents/qdisc.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct netem_state {
	int nfqueue;
	struct bandwidth_shaping qdiscs; /* the netem qdiscs */
	int16_t *table;
	size_t table_n;
	/* NFQUEUE engine */
	struct nfq_engine *engine;
	int queue; /* index into netem_queues, -1 when none */
	char chain_in[32], chain_out[32];
};

static uint8_t netem_queues[NETEM_QUEUE_COUNT];
/* Queue numbers go round, so a fault's number is not soon reused: a newer engine that hands
 * packets on to an older, since reverted, fault's queue then finds nobody and accepts. */
static int netem_queue_turn;
/* The NFQUEUE faults in apply order: a new one hands its packets on to the latest. */
static struct netem_state *netem_nfq_order[NETEM_QUEUE_COUNT];
static int netem_nfq_n;
/* -1 unknown, 0 the kernel has no netem, 1 it has. */
static int netem_kernel = -1;

static int netem_forced(const char *engine)
{
	const char *e = getenv("FL_NETEM_ENGINE");

	return e && strcmp(e, engine) == 0;
}

/* Returns 0, -1 on error, or 1 when the kernel has no netem (nothing was changed). */
static int netem_qdisc_apply(const struct agent_node *node, struct netem_state *s,
			     const struct netem_plan *plan, enum netem_dir dir, int ifindex,
			     struct fl_error *err)
{
	struct qdisc_spec q = {.kind = QDISC_NETEM,
			       .ifindex = ifindex,
			       .netem = *plan,
			       .dist = s->table,
			       .dist_n = s->table_n};
	struct fl_error e2 = {0};
	int r = bandwidth_shaping_push(node, &s->qdiscs, &q, dir, err);

	if (r < 0)
		bandwidth_shaping_pop(&s->qdiscs, &e2);
	return r;
}

static int netem_nfq_undo(struct netem_state *s, struct fl_error *err)
{
	struct fl_error e2 = {0};
	int r = 0;

	/* Rules first: from then on packets bypass the queue; the engine releases what it
	 * holds as it stops. */
	if (s->chain_in[0] && iptc_rules_remove(s->chain_in, "INPUT", err) < 0)
		r = -1;
	if (s->chain_out[0] && iptc_rules_remove(s->chain_out, "OUTPUT", r < 0 ? &e2 : err) < 0)
		r = -1;
	s->chain_in[0] = s->chain_out[0] = '\0';
	nfq_engine_stop(s->engine);
	s->engine = NULL;
	for (int i = 0; i < netem_nfq_n; i++)
		if (netem_nfq_order[i] == s) {
			memmove(&netem_nfq_order[i], &netem_nfq_order[i + 1],
				(size_t)(netem_nfq_n - i - 1) * sizeof(*netem_nfq_order));
			netem_nfq_n--;
			break;
		}
	if (s->queue >= 0)
		netem_queues[s->queue] = 0;
	s->queue = -1;
	return r;
}

/* Binds the first free queue number; another process of the netns may hold some. */
static int netem_nfq_start(struct netem_state *s, struct nfq_engine_cfg *cfg, struct fl_error *err)
{
	for (int k = 0; k < NETEM_QUEUE_COUNT; k++) {
		int i = (netem_queue_turn + k) % NETEM_QUEUE_COUNT;

		if (netem_queues[i])
			continue;
		cfg->queue_num = (uint16_t)(NETEM_QUEUE_BASE + i);
		fl_error_clear(err);
		s->engine = nfq_engine_start(cfg, err);
		if (s->engine) {
			netem_queues[i] = 1;
			netem_queue_turn = i + 1;
			s->queue = i;
			netem_nfq_order[netem_nfq_n++] = s;
			return 0;
		}
	}
	return fl_wrap(err, "no free NFQUEUE in %u..%u", NETEM_QUEUE_BASE,
		       NETEM_QUEUE_BASE + NETEM_QUEUE_COUNT - 1);
}

static int netem_nfq_apply(const struct agent_node *node, struct fault *f, struct netem_state *s,
			   const struct netem_params *p, int ifindex, struct fl_error *err)
{
	struct nfq_engine_cfg cfg = {.ifindex = ifindex,
				     .params = *p,
				     .table = s->table,
				     .table_n = s->table_n,
				     .next_queue = -1};
	struct iptc_rule_spec rule = {.kind = IPTC_RULE_NFQUEUE};
	struct fl_error e2 = {0};
	char chain[32];

	if (netem_nfq_n > 0)
		cfg.next_queue = (int)NETEM_QUEUE_BASE + netem_nfq_order[netem_nfq_n - 1]->queue;
	cfg.hooks = (p->direction & NETEM_DIR_INGRESS ? NFQ_ENGINE_HOOK_IN : 0) |
		    (p->direction & NETEM_DIR_EGRESS ? NFQ_ENGINE_HOOK_OUT : 0);
	if (netem_nfq_start(s, &cfg, err) < 0)
		return -1;
	rule.queue_num = cfg.queue_num;
	if (p->direction & NETEM_DIR_INGRESS) {
		fault_chain_name(node, f->id, "", chain, sizeof(chain));
		if (iptc_rules_install(chain, "INPUT", &rule, 1, err) < 0)
			goto fail;
		snprintf(s->chain_in, sizeof(s->chain_in), "%s", chain);
	}
	if (p->direction & NETEM_DIR_EGRESS) {
		fault_chain_name(node, f->id, "_o", chain, sizeof(chain));
		if (iptc_rules_install(chain, "OUTPUT", &rule, 1, err) < 0)
			goto fail;
		snprintf(s->chain_out, sizeof(s->chain_out), "%s", chain);
	}
	return 0;
fail:
	netem_nfq_undo(s, &e2);
	return -1;
}

/* The delay table for a non-uniform distribution. Normal falls back to Box–Muller (engine)
 * when iproute2's table is missing; the tabulated kinds need the file. */
static int netem_table(struct netem_state *s, const struct netem_params *p, struct fl_error *err)
{
	struct fl_error e2 = {0};

	if (p->distribution == NETEM_DIST_UNIFORM || p->jitter_ms == 0)
		return 0;
	if (netem_dist_load(p->distribution, NULL, &s->table, &s->table_n, &e2) == 0)
		return 0;
	if (p->distribution == NETEM_DIST_NORMAL) {
		log_warn("netem: %s; drawing normal delays without it", e2.msg);
		return 0;
	}
	*err = e2;
	return fl_wrap(err, "params.distribution");
}

static void netem_state_free(struct netem_state *s)
{
	free(s->table);
	free(s);
}

static int netem_apply(const struct agent_node *node, struct fault *f, json_t *params,
		       struct fl_error *err)
{
	struct netem_params p;
	struct netem_psched ps;
	struct netem_plan plan;
	struct netem_state *s;
	int ifindex, r = 1;

	if (netem_params_parse(params, f->seed, &p, err) < 0 ||
	    netem_plan_psched_read(NULL, &ps, err) < 0 || netem_plan_build(&p, &ps, &plan, err) < 0)
		return -1;
	if ((ifindex = bandwidth_node_ifindex(node, err)) < 0)
		return -1;
	s = fl_xcalloc(1, sizeof(*s));
	s->queue = -1;
	if (netem_table(s, &p, err) < 0)
		goto fail;
	if (!netem_forced("nfqueue") && (netem_kernel != 0 || netem_forced("netem"))) {
		r = netem_qdisc_apply(node, s, &plan, p.direction, ifindex, err);
		if (r < 0)
			goto fail;
		netem_kernel = r == 0;
	}
	if (r == 1 && netem_forced("netem")) {
		fl_err(err, "FL_NETEM_ENGINE=netem but the kernel has no sch_netem");
		goto fail;
	}
	if (r == 1) {
		fl_error_clear(err);
		if (netem_nfq_apply(node, f, s, &p, ifindex, err) < 0)
			goto fail;
	}
	s->nfqueue = r == 1;
	snprintf(f->engine, sizeof(f->engine), "%s", s->nfqueue ? "nfqueue" : "netem");
	f->state = s;
	return 0;
fail:
	netem_state_free(s);
	return fl_wrap(err, "netem on %s", node->ifname);
}

static int netem_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	struct netem_state *s = f->state;
	int r;

	if (!s)
		return 0;
	r = s->nfqueue ? netem_nfq_undo(s, err) : bandwidth_shaping_pop(&s->qdiscs, err);
	netem_state_free(s);
	f->state = NULL;
	return r;
}

static int netem_sweep(const struct agent_node *node, struct fl_error *err)
{
	char prefix[32];

	fault_chain_prefix(node, prefix, sizeof(prefix));
	if (iptc_rules_sweep(prefix, err) < 0)
		return -1;
	return bandwidth_sweep_shaping(node, err);
}

const struct fault_kind netem_fault_kind = {
    .name = "netem",
    .apply = netem_apply,
    .revert = netem_revert,
    .sweep = netem_sweep,
};
