/* The NFQUEUE delay engine: netem's delay, jitter, loss, duplication, corruption,
 * reordering and rate in userspace, for kernels without sch_netem.
 *
 * Packets reach it through an iptables NFQUEUE rule (with --queue-bypass, so traffic flows
 * unshaped whenever no engine listens). Every decision comes from the fault's seed. Held
 * packets sit in a min-heap keyed by release time and are verdicted out of order when a
 * timerfd fires; a duplicate is a copy re-sent through a raw socket (checksums recomputed)
 * carrying NFQ_ENGINE_MARK, which the engine passes untouched when it comes back around.
 * The engine runs in its own thread ("fl-nfq", SCHED_FIFO 10 when allowed; FL_NFQ_NO_RT=1
 * keeps it normal) with its own epoll; its sockets are opened by the thread that calls
 * nfq_engine_start, so they live in that thread's network namespace. A delay counts from
 * the packet's kernel receive time (the engine turns SO_TIMESTAMPNS on) when it is recent,
 * so an INPUT-only engine takes arrivals at its release wake-ups while one is due within
 * 2 ms: one wake-up per packet. Overlapping faults chain: see next_queue. */
#ifndef FL_AGENT_NFQ_ENGINE_H
#define FL_AGENT_NFQ_ENGINE_H

#include "agents/netem_plan.h"
#include "common/error.h"

#include <stdint.h>

#define NFQ_ENGINE_MARK 0x0f1a0d0bu
#define NFQ_ENGINE_HOOK_IN 1u
#define NFQ_ENGINE_HOOK_OUT 2u

struct nfq_engine_cfg {
	uint16_t queue_num;
	int ifindex; /* packets in (INPUT) or out (OUTPUT) of other interfaces pass; 0: none */
	struct netem_params params;
	const int16_t *table; /* delay table for normal/pareto/paretonormal, copied; or NULL */
	size_t table_n;
	uint32_t queue_maxlen; /* packets the kernel may hold for us (0: 65536); beyond: pass */
	unsigned hooks;	       /* NFQ_ENGINE_HOOK_IN | _OUT that this fault shapes; 0: both */
	/* Overlapping faults: a packet this engine lets go is handed to queue next_queue (the
	 * older fault's engine), or accepted when none listens there; -1: accepted. */
	int next_queue;
};

struct nfq_engine_stats {
	uint64_t packets, passed, dropped, duplicated, corrupted, reordered, delayed;
	uint64_t errors; /* verdict or inject failures */
	uint64_t cpu_us; /* the engine thread's user + system time so far */
	uint64_t held;	 /* packets held right now */
	/* How late held packets left against their due time (verdict sent), while running. */
	uint64_t released, late_ns_sum, late_ns_max;
};

struct nfq_engine;

/* Binds queue cfg->queue_num (fails with EBUSY-like errors when another engine of this
 * netns holds it) and starts the thread. */
struct nfq_engine *nfq_engine_start(const struct nfq_engine_cfg *cfg, struct fl_error *err);
/* Releases every held packet at once (NF_ACCEPT), stops the thread, unbinds the queue and
 * frees e. NULL is a no-op. */
void nfq_engine_stop(struct nfq_engine *e);
void nfq_engine_stats(struct nfq_engine *e, struct nfq_engine_stats *out);

#endif
