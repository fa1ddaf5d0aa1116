/* The run's internal state, shared by run*.c (not for other modules). */
#ifndef FL_RUN_INT_H
#define FL_RUN_INT_H

#include "orchestrator/drivers/driver.h"
#include "orchestrator/run/agentctl.h"
#include "orchestrator/run/drain.h"
#include "orchestrator/run/runjournal.h"
#include "orchestrator/run/progress.h"
#include "orchestrator/run/run.h"
#include "orchestrator/plan/planread.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>

/* A node's send queue: one thread per node sends its messages in plan order, so a frozen or
 * cut-off sender delays only its own messages, never the timeline. The timeline pushes, the
 * node's send thread pops, under mu. */
struct run_sendq {
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct planread_event **items;
	size_t head, tail, cap;
	int stop;
	int busy;
};

/* One node as the run sees it. Written by the main thread (setup, faults, crash checks);
 * the send threads read `drv`, `dn` and `up`, and append to `events` under run_sends.mu. */
/* An until: delivered fault's bookkeeping (run_fault.c). */
struct run_until {
	size_t from;	  /* 1 + the drain's message count when it was applied (the first
			   * message sent during it), moved past the settled ones; 0 = none */
	size_t from_n0;	  /* the drain's message count at its apply */
	size_t last_send; /* 1 + the index of the last send event planned before its cap (0:
			   * none); it ends early only once that one is queued */
	int ended;	  /* reverted early (its planned revert is moot) */
};

struct run_node {
	const struct driver_ops *drv;
	struct driver_node dn;
	struct agentctl ag;
	int agent_up;
	int agent_stale; /* its namespace changed (a docker restart): the agent must be replaced */
	int up;		 /* process running (as far as the run knows) */
	int expected_down;	  /* killed by the plan */
	double inject_stop_until; /* mono ms: a freeze/suspend injected through the socket */
	int ready;
	double ready_ms; /* time from start to Ready */
	FILE *events;	 /* receipts written by the driver (nodes without their own file) */
	char events_path[PATH_MAX];
	long events_off; /* progress: bytes of the node's events file already counted */
	char **argv;	 /* owned */
	char data_dir[PATH_MAX];
	char log_path[PATH_MAX];
};

/* A site whose uplink a fault shapes: its agent (in the site's namespace, run_sites.c). */
struct run_site {
	char name[24];
	size_t anchor; /* its faults' journal lines name this node (the first target) */
	struct agentctl ag;
	int agent_up;
};

/* The node table: the runtime and every node. Owned by the main thread, which sets it up
 * (run_setup.c), applies faults to it (run_fault.c) and watches it (run_loop.c); the send
 * threads only read it (and open sockets through sock_mu). */
struct run_nodes {
	const char *runtime_name;
	const struct runtime_ops *rt_ops; /* the backend named runtime_name */
	struct runtime *rt;
	int net_made;
	struct runtime_node_spec *specs;
	struct runtime_node *nodes;
	struct run_node *rn;
	size_t n;
	pthread_mutex_t sock_mu; /* the runtime's socket() (setns dance) */
	struct run_site *sites;	 /* the sites with a fault on their uplink */
	size_t n_sites;
};

/* The timeline: owned by the main thread alone (run_loop.c): its epoll set and timers, the
 * signals, the control socket, the pause, the faults in force, the drain and the progress
 * line. */
struct run_timeline {
	int sigfd;
	int epfd, tfd, tickfd; /* epoll and timerfds, -1 until used */
	int ctl_fd;	       /* control socket, -1 when none */
	char ctl_path[PATH_MAX];
	int interrupted;
	double pause_ms; /* paused time (replay --pause-before): later events wait for it too;
			  * the journal keeps real times and a "pause" line, which the analyzer
			  * takes out of every figure (run_freeze.c) */
	double last_check_ms;
	double last_receipts_ms;
	double last_status_ms;
	int inject_seq;
	double *lease_until;	/* [fault]: when its agents' leases run out (mono ms), 0 = none */
	unsigned char *active;	/* [fault * n + node]: applied and not yet reverted */
	unsigned char *planned; /* the same shape: its apply event came, its revert not yet (what a
				 * replaced agent applies again; run_fault.c allocates it) */
	int faults_active;
	struct run_until *until; /* [fault]: until: delivered bookkeeping (NULL: none yet) */
	size_t event_pos;	 /* the timeline's next event (events before it are done) */
	int boot_hold; /* at: boot applies (before run-start): journal lines held, not written */
	struct runjournal_fault *boot_held; /* their lines, strings malloc'd, times by boot_mono0 */
	size_t n_boot_held;
	double boot_mono0; /* the journal's mono0 while they were taken */
	long received;
	struct drain *drain;	   /* what is left to wait for (drain.h) */
	double settled_ms;	   /* when the drain ledger last changed */
	size_t drain_last_pending; /* pairs pending at settled_ms */
	struct progress prog;
};

/* The send side: the queues (q[i] for node i, each drained by node i's send thread) and
 * what the send threads share with the main thread under mu: the counters, the failed sends
 * (for the drain) and the nodes' receipt files. */
struct run_sends {
	struct run_sendq *q;
	long sent, send_errors;
	const char **send_failed; /* plan ids of failed sends */
	size_t n_send_failed, cap_send_failed;
	char (*hashes)[80]; /* [N]: message mN's hash as its send returned it ("" none) */
	pthread_mutex_t mu;
};

/* A run. Its identity and plan are set before any thread starts and only read after; each
 * part below names the thread that owns it. The journal (runjournal.h) is written by the
 * main thread and the send threads under its own lock. */
struct run_ctx {
	struct run_opts *opts;
	struct planread plan;
	const struct planread_event **msg_event; /* [N] = send event of message mN */
	size_t n_msgs;
	int raw_traffic; /* the plan sends relay / lightpush messages */
	char run_name[256];
	char run_id[16];
	char subnet[RUNTIME_SUBNET_LEN];
	char started_at[32];
	struct runlock lock;
	struct run_nodes nt;
	struct run_timeline tl;
	struct run_sends sq;
	struct runjournal j;
	int runjournal_open;
	struct collector *telemetry; /* run_telemetry.c: NULL when telemetry is off */
	struct run_gates *gates;     /* run_gate.c: traffic waiting for other traffic (after:) */
	char telemetry_addr[32];     /* <subnet>.1:8090 */
};

/* run_setup.c */
int run_receipt_accept(void *ctx, const struct driver_node *n, const char *text);
int run_prepare(struct run_ctx *c, struct fl_error *err);
/* run_preflight.c: refuses a run the host cannot fit (err names the figures). */
int run_preflight(struct run_ctx *c, struct fl_error *err);
int run_deploy(struct run_ctx *c, struct fl_error *err);
int run_wait_ready(struct run_ctx *c, struct fl_error *err);
int run_agents_start(struct run_ctx *c, struct fl_error *err);
/* Waits (≤ 5 s) until every node reports as many connected peers as it has links. */
void run_settle(struct run_ctx *c);
void run_teardown(struct run_ctx *c);

/* Spawns node i's agent (no wait; agentctl_await follows). */
int run_agent_spawn(struct run_ctx *c, size_t i, struct fl_error *err);
/* Replaces the agent of every node marked agent_stale (a restart gave it a new namespace):
 * the old agent reverts what it held in the dead namespace and exits; the faults still
 * active on the node are then applied again on the new one (run_fault_reapply). */
void run_agents_refresh(struct run_ctx *c);

/* run_loop.c */
int run_timeline(struct run_ctx *c);
/* Waits until the timeline reaches t_ms (ms since mono0, pauses included), serving signals,
 * the control socket, crash checks, receipts and progress. Returns -1 when interrupted. */
int run_wait_until(struct run_ctx *c, double t_ms, const char *phase);
/* Non-blocking: reads pending signals; returns 1 when the run was interrupted. */
int run_check_signals(struct run_ctx *c);
void run_check_nodes(struct run_ctx *c);

/* run_send.c */
void run_sendq_start(struct run_ctx *c);
void run_sendq_push(struct run_ctx *c, const struct planread_event *e);
/* Stops every sender: queued sends are journalled as errors, in-flight ones finish. */
void run_sendq_stop(struct run_ctx *c);

/* run_group.c: creates the group of e (a group traffic's first send) before it is sent. */
void run_group_create(struct run_ctx *c, const struct planread_event *e,
		      struct driver_node *const *to, size_t nto);
/* run_store_query.c: a store-query event, on its sender's thread (refused: why not asked). */
void run_store_query_do(struct run_ctx *c, const struct planread_event *e, const char *refused);
/* run_gate.c: traffic with after: + within: (main thread). */
void run_gate_init(struct run_ctx *c);
void run_gate_free(struct run_ctx *c);
/* 1 when e belongs to a traffic that waits for another: the timeline leaves it to run_gate. */
int run_gate_holds(const struct run_ctx *c, const struct planread_event *e);
/* run_sendq_push tells it each send it queues. */
void run_gate_queued(struct run_ctx *c, const struct planread_event *e);
/* Periodic: opens the traffic whose condition holds, fails those past within, queues the
 * sends of open ones that are due. */
void run_gate_check(struct run_ctx *c);
/* At the end of the timeline: a traffic still waiting never started (journalled so). */
void run_gate_finish(struct run_ctx *c);
/* 1 while a traffic still waits to open or has sends left to queue. */
int run_gate_busy(const struct run_ctx *c);
/* 1 while an opened traffic has a send not yet queued whose time (from the opening) falls in
 * [from_ms, to_ms): an until: delivered fault over that span waits for it. A traffic still
 * waiting to open is not counted (it may open at any time, or never). */
int run_gate_pending_in(const struct run_ctx *c, int64_t from_ms, int64_t to_ms);

/* run_fault.c */
void run_fault_apply(struct run_ctx *c, const struct planread_event *e, double planned_ms);
void run_fault_revert(struct run_ctx *c, const struct planread_event *e, double planned_ms);
/* until: delivered — reverts, ahead of its planned revert (which is then a no-op), every such
 * fault in force once every send planned before its cap is queued and every message sent since
 * it was applied has arrived (or is settled as the drain ledger settles it). Called by the
 * timeline's periodic work. */
void run_fault_until_check(struct run_ctx *c);
/* 1 while a fault that stops node i's process (freeze, suspend: planned or injected) is in
 * force: its REST cannot answer, so the timeline does not ask it anything. */
int run_fault_stops(const struct run_ctx *c, size_t i);
/* at: boot: applies those faults (after the agents, before the links and the settling); their
 * journal lines wait for run-start and run_fault_boot_journal writes them, times before 0. */
void run_fault_boot(struct run_ctx *c);
void run_fault_boot_journal(struct run_ctx *c);
/* 1 when fault f was reverted early by run_fault_until_check. */
int run_fault_ended_early(const struct run_ctx *c, size_t f);
void run_fault_revert_all(struct run_ctx *c);
/* The faults' tables (in force, planned, leases, until: delivered), at the end of the run. */
void run_fault_free(struct run_ctx *c);
/* A timeline running late (a saturated host) must not let an agent's lease end a fault before
 * its planned revert: renews, once the lateness eats into a fault's lease margin, the lease
 * of every node holding it for its planned rest plus the lateness and the margin. */
void run_fault_keep_leases(struct run_ctx *c, double t_ms, double late_ms);
/* Renews fault f's lease to lease_ms from now on every node that holds it (a paused replay,
 * a late timeline). */
void run_fault_renew(struct run_ctx *c, size_t f, int64_t lease_ms);
/* run_resources.c: one node-resources journal line per node (CPU, peak memory, bytes). */
void run_resources_journal(struct run_ctx *c);
/* The faults still active on node i, applied again on its (new) agent; journalled with event
 * id "restart". */
void run_fault_reapply(struct run_ctx *c, size_t i);
/* The same with another event id, for the faults which[f] != 0 (NULL: those active on i). */
void run_fault_reapply_as(struct run_ctx *c, size_t i, const char *event_id,
			  const unsigned char *which);
/* Node i's agent is gone: its faults journalled as lost (fault-lost), the node swept, a new
 * agent started (agent-restart) and the lost faults applied again (id "agent-restart"). */
void run_agent_lost(struct run_ctx *c, size_t i);
/* Reads what node i's agent wrote; calls run_agent_lost when its stdout hung up. */
void run_agent_check(struct run_ctx *c, size_t i);
/* Partition: the addresses receiving node `node` drops (pointers into the node table, out
 * holds n + 1), from the groups and direction of fp. Returns how many (0: it drops nothing). */
size_t run_partition_drop_from(const struct run_ctx *c, const struct fault_params *fp, size_t node,
			       const char **out);
int run_only_has(const struct run_ctx *c, size_t node);
/* --only: 1 for a send whose sender and at least one recipient are kept, and every other event
 * (faults are filtered per target node). */
int run_event_selected(const struct run_ctx *c, const struct planread_event *e);

/* run_sites.c: sites and their uplink agents */
/* The runtime's question (runtime.h node_site): the site of the plan's node, NULL none. */
const char *run_node_site(void *ctx, const char *node);
/* A plan with sites on a runtime that has none: -1 + err. */
int run_sites_check(struct run_ctx *c, struct fl_error *err);
/* One agent per site whose uplink a fault of the plan shapes (after the nodes' agents). */
int run_sites_agents_start(struct run_ctx *c, struct fl_error *err);
void run_sites_agents_stop(struct run_ctx *c);
/* The agent that applies fault f for node `node` (the site's for a site fault); *up says
 * whether it is running. */
struct agentctl *run_fault_agent(struct run_ctx *c, size_t f, size_t node, int *up);
/* The timeline's watch on site s's agent (its stdout is in the epoll set, after the nodes'):
 * a hangup is a dead agent, replaced as a node's is (run_agent_lost). */
int run_site_agent_check(struct run_ctx *c, size_t s);
/* 1 when node gets no call for fault f: a site fault is one call, on its first target. */
int run_fault_skips(const struct run_ctx *c, size_t f, size_t node);

/* run_telemetry.c: the status-telemetry collector of `telemetry: on` (docs/TELEMETRY.md) */
/* In the hub namespace on <subnet>.1:8090, once the network exists; 0 when telemetry is off. */
int run_telemetry_start(struct run_ctx *c, struct fl_error *err);
/* Waits for the nodes' last pushes, stops it and journals its counters (NULL-safe, once). */
void run_telemetry_stop(struct run_ctx *c);
/* run_freeze.c: the lab frozen while a replay is paused. mine[i]: node i was frozen by the
 * pause (and is thawed by it). */
struct run_freeze {
	unsigned char *mine;
	double t0; /* the first freeze (CLOCK_MONOTONIC ms) */
	double t1; /* the first thaw, 0 until then */
};
/* Waits (≤ 5 s) for the send queues to empty, then freezes every node not kept running
 * (--keep-running); returns how many it froze. */
size_t run_freeze_lab(struct run_ctx *c, struct run_freeze *fz);
/* Freezes or thaws one node; 0 done (or nothing to do), 1 left as it was (a fault holds it),
 * -1 failed (warned). */
int run_freeze_node(struct run_ctx *c, struct run_freeze *fz, size_t i, int frozen);
void run_freeze_thaw(struct run_ctx *c, struct run_freeze *fz);
/* Renews the lease of every agent fault in force for its planned rest after at_ms (the
 * timeline's position) plus a margin, so none runs out during the pause. */
void run_freeze_leases(struct run_ctx *c, double at_ms);
/* 1 when node i was named by --keep-running. */
int run_freeze_kept(const struct run_ctx *c, size_t i);
/* replay --pause-before: the lab frozen but for the nodes kept running, the timeline's clock
 * stopped (pause_ms), the leases renewed, until Enter or SIGUSR1 (SIGINT/SIGTERM/SIGHUP:
 * interrupted); journalled as a "pause" line. */
void run_pause(struct run_ctx *c, const struct planread_event *e);

/* run_ctl.c: the control socket of `faultlab inject` */
int run_ctl_open(struct run_ctx *c, struct fl_error *err);
void run_ctl_serve(struct run_ctx *c);
void run_ctl_close(struct run_ctx *c);

#endif
