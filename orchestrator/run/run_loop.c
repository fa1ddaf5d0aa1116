/* The timeline: one epoll loop (signalfd, control socket, a timerfd armed at the next planned
 * event, a 250 ms tick timerfd) that sleeps until the next planned event, and meanwhile watches the
 * nodes (crashes are journalled as node-exit, never waited on), polls receipts of drivers that need
 * it, and draws progress. Sends and agent requests are synchronous and bounded (driver and agent
 * timeouts), so a late event is issued late and the journal shows by how much (issued_ms -
 * planned_ms). */
#include "orchestrator/run/run_int.h"

#include "common/fltime.h"
#include "common/log.h"

/* How long the drain ledger must stay settled before a run ends early (drain: {quiet: …}). */
#define RUN_DRAIN_QUIET_MS 1000.0

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

int run_check_signals(struct run_ctx *c)
{
	struct signalfd_siginfo si;

	while (c->tl.sigfd >= 0 && read(c->tl.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP) {
			if (!c->tl.interrupted)
				log_warn("signal %d: reverting faults and tearing down",
					 (int)si.ssi_signo);
			c->tl.interrupted = 1;
		}
	}
	return c->tl.interrupted;
}

static const char *run_signame(int sig)
{
	static char buf[16];
	const char *abbr = sigabbrev_np(sig);

	if (abbr)
		return abbr;
	snprintf(buf, sizeof(buf), "%d", sig);
	return buf;
}

void run_check_nodes(struct run_ctx *c)
{
	for (size_t i = 0; i < c->nt.n; i++) {
		struct run_node *r = &c->nt.rn[i];
		struct fl_error err = {0};
		int code = -1, sig = -1;

		if (!r->up || r->expected_down)
			continue;
		if (c->nt.rt->ops->node_status(c->nt.rt, &c->nt.nodes[i], &code, &sig, &err) != 0)
			continue;
		r->up = 0;
		if (c->tl.drain) /* nothing restarts a crashed node: it will receive nothing more */
			drain_node_gone(c->tl.drain, (uint32_t)i);
		log_warn("node %s exited unexpectedly (%s %d)", r->dn.name,
			 sig > 0 ? "signal" : "code", sig > 0 ? sig : code);
		runjournal_node_exit(&c->j, r->dn.name, sig > 0 ? -1 : code,
				     sig > 0 ? run_signame(sig) : NULL, 0);
	}
}

/* Reads the new lines of every node's events file: "received" lines for the progress line,
 * and every line for the drain ledger. */
static void run_read_events(struct run_ctx *c)
{
	char line[8192];

	for (size_t i = 0; i < c->nt.n; i++) {
		struct run_node *r = &c->nt.rn[i];
		FILE *f = fopen(r->events_path, "r");

		if (!f)
			continue;
		if (fseek(f, r->events_off, SEEK_SET) == 0) {
			while (fgets(line, sizeof(line), f)) {
				size_t l = strlen(line);

				if (l == 0 || line[l - 1] != '\n')
					break; /* a line still being written: count it next time */
				r->events_off += (long)l;
				if (strstr(line, "\"received\""))
					c->tl.received++;
				if (c->tl.drain)
					drain_line(c->tl.drain, (uint32_t)i, line, l - 1);
			}
		}
		fclose(f);
	}
}

/* all = 0: only the nodes whose driver asked to be polled again soon (a busy cache). */
static void run_poll_receipts(struct run_ctx *c, int all)
{
	for (size_t i = 0; i < c->nt.n; i++) {
		struct run_node *r = &c->nt.rn[i];
		struct fl_error err = {0};

		int rc;

		if (!r->drv->receipts || !r->events || !r->up || (!all && !r->dn.poll_soon))
			continue;
		if (run_fault_stops(c, i))
			continue; /* frozen: its REST would hold the timeline until it thaws */
		if (r->drv->own_events && !c->raw_traffic && !r->dn.poll_soon)
			continue; /* the node journals every direct message itself */
		pthread_mutex_lock(&c->sq.mu);
		rc = r->drv->receipts(&r->dn, r->events, &err);
		if (r->dn.warning[0]) { /* e.g. a receipt cache that may have overflowed */
			runjournal_driver_warning(&c->j, r->dn.name, r->dn.warning);
			log_warn("%s", r->dn.warning);
			r->dn.warning[0] = '\0';
		}
		pthread_mutex_unlock(&c->sq.mu);
		if (rc < 0)
			log_debug("receipts of %s: %s", r->dn.name, err.msg);
	}
}

static void run_progress(struct run_ctx *c, const char *phase)
{
	struct progress_state s = {
	    .elapsed_ms = runjournal_now(&c->j) - c->tl.pause_ms,
	    .total_ms = (double)(c->plan.duration_ms + c->plan.drain_ms),
	    .nodes = (int)c->nt.n,
	    .faults_active = c->tl.faults_active,
	    .sent = c->sq.sent,
	    .received = c->tl.received,
	    .phase = phase,
	};

	for (size_t i = 0; i < c->nt.n; i++)
		s.nodes_up += c->nt.rn[i].up;
	progress_update(&c->tl.prog, &s);
}

/* The drain ledger takes the sends that failed (recorded by the send threads) and notes when
 * it last changed. */
static void run_drain_update(struct run_ctx *c, double now)
{
	if (!c->tl.drain)
		return;
	pthread_mutex_lock(&c->sq.mu);
	for (size_t i = 0; i < c->sq.n_send_failed; i++)
		drain_give_up(c->tl.drain, c->sq.send_failed[i]);
	c->sq.n_send_failed = 0;
	pthread_mutex_unlock(&c->sq.mu);
	if (drain_pending(c->tl.drain) != c->tl.drain_last_pending) {
		c->tl.drain_last_pending = drain_pending(c->tl.drain);
		c->tl.settled_ms = now;
	}
}

/* Periodic work while waiting: crash checks and progress every 250 ms, receipts every 1 s. */
static void run_periodic(struct run_ctx *c, const char *phase)
{
	double now = runjournal_now(&c->j);

	if (now - c->tl.last_check_ms < 250)
		return;
	c->tl.last_check_ms = now;
	if (now - c->tl.last_status_ms >= (double)c->nt.rt_ops->status_interval_ms) {
		c->tl.last_status_ms = now;
		run_check_nodes(c);
	}
	/* receipts are timed when polled: poll small labs 4×/s, big ones once a second */
	if (now - c->tl.last_receipts_ms >= (c->nt.n <= 20 ? 250 : 1000)) {
		c->tl.last_receipts_ms = now;
		run_poll_receipts(c, 1);
	} else {
		run_poll_receipts(c, 0); /* busy nodes every 250 ms in big labs too */
	}
	run_read_events(c);
	run_drain_update(c, now - c->tl.pause_ms); /* run_finish's clock: pauses left out */
	run_gate_check(c); /* first: a traffic that opens now holds an until: delivered fault */
	run_fault_until_check(c);
	run_progress(c, phase);
}

/* The loop's fds: signals, the control socket, the next event's deadline (an absolute
 * CLOCK_MONOTONIC timerfd) and a 250 ms tick for the periodic work. */
static int run_loop_init(struct run_ctx *c)
{
	struct itimerspec tick = {.it_interval = {0, 250000000}, .it_value = {0, 250000000}};
	int fds[4], n = 0;

	c->tl.epfd = epoll_create1(EPOLL_CLOEXEC);
	c->tl.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->tl.tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->tl.epfd < 0 || c->tl.tfd < 0 || c->tl.tickfd < 0)
		return -1;
	timerfd_settime(c->tl.tickfd, 0, &tick, NULL);
	fds[n++] = c->tl.sigfd, fds[n++] = c->tl.tfd, fds[n++] = c->tl.tickfd;
	if (c->tl.ctl_fd >= 0)
		fds[n++] = c->tl.ctl_fd;
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)fds[i]};

		if (fds[i] >= 0 && epoll_ctl(c->tl.epfd, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			return -1;
	}
	return 0;
}

static void run_loop_arm(struct run_ctx *c, double deadline_mono_ms)
{
	struct itimerspec its = {0};

	if (deadline_mono_ms < 1e15) {
		its.it_value.tv_sec = (time_t)(deadline_mono_ms / 1000.0);
		its.it_value.tv_nsec =
		    (long)((deadline_mono_ms - (double)its.it_value.tv_sec * 1000.0) * 1e6);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(c->tl.tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* epoll data of an agent's stdout: this bit + the node index (other fds: the fd itself). */
#define RUN_AGENT_TAG (1ULL << 40)

/* Puts every running agent's stdout into the epoll set (once per agent): a dead agent is seen
 * at once (its pipe hangs up), not at its next request. */
static void run_agents_watch(struct run_ctx *c)
{
	for (size_t i = 0; c->tl.epfd >= 0 && i < c->nt.n; i++) {
		struct agentctl *a = &c->nt.rn[i].ag;
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = RUN_AGENT_TAG | i};

		if (!c->nt.rn[i].agent_up || a->watched || a->out_fd < 0)
			continue;
		if (epoll_ctl(c->tl.epfd, EPOLL_CTL_ADD, a->out_fd, &ev) == 0 || errno == EEXIST)
			a->watched = 1;
	}
	for (size_t s = 0; c->tl.epfd >= 0 && s < c->nt.n_sites; s++) { /* sites: after the nodes */
		struct agentctl *a = &c->nt.sites[s].ag;
		struct epoll_event ev = {.events = EPOLLIN,
					 .data.u64 = RUN_AGENT_TAG | (c->nt.n + s)};

		if (!c->nt.sites[s].agent_up || a->watched || a->out_fd < 0)
			continue;
		if (epoll_ctl(c->tl.epfd, EPOLL_CTL_ADD, a->out_fd, &ev) == 0 || errno == EEXIST)
			a->watched = 1;
	}
}

int run_wait_until(struct run_ctx *c, double t_ms, const char *phase)
{
	double deadline = c->j.mono0_ms + c->tl.pause_ms + t_ms;
	uint64_t ticks;

	if (c->tl.epfd < 0 && run_loop_init(c) < 0)
		log_warn("event loop: %s", strerror(errno));
	run_loop_arm(c, deadline);
	for (;;) {
		struct epoll_event ev[4];
		int n;

		if (run_check_signals(c))
			return -1;
		run_periodic(c, phase);
		if (fltime_mono_ms() >= deadline)
			return 0;
		run_agents_watch(c);
		n = epoll_wait(c->tl.epfd, ev, 4, c->tl.epfd < 0 ? 100 : -1);
		for (int i = 0; i < n; i++) {
			int fd = (int)(ev[i].data.u64 & 0xffffffffu);

			if ((ev[i].data.u64 & RUN_AGENT_TAG) &&
			    (ev[i].data.u64 & ~RUN_AGENT_TAG) >= c->nt.n)
				run_site_agent_check(c, (size_t)(ev[i].data.u64 & ~RUN_AGENT_TAG) -
							    c->nt.n);
			else if (ev[i].data.u64 & RUN_AGENT_TAG)
				run_agent_check(c, (size_t)(ev[i].data.u64 & ~RUN_AGENT_TAG));
			else if (fd == c->tl.ctl_fd)
				run_ctl_serve(c);
			else if ((fd == c->tl.tfd || fd == c->tl.tickfd) &&
				 read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				log_debug("timerfd: %s", strerror(errno));
		}
		if (n < 0 && errno != EINTR)
			fltime_sleep_ms(50);
	}
}

int run_only_has(const struct run_ctx *c, size_t node)
{
	if (!c->opts->only)
		return 1;
	for (char **o = c->opts->only; *o; o++)
		if (strcmp(*o, c->plan.nodes[node].name) == 0)
			return 1;
	return 0;
}

int run_event_selected(const struct run_ctx *c, const struct planread_event *e)
{
	if (e->type != PLANREAD_SEND)
		return 1; /* faults are filtered per target node */
	if (!run_only_has(c, e->from))
		return 0;
	for (size_t i = 0; i < e->n_to; i++)
		if (run_only_has(c, e->to[i]))
			return 1;
	return 0;
}

/* After the last planned event: the rest of the traffic phase and the drain, or less once
 * nothing is left to wait for — no planned event left (so every planned fault is reverted), no
 * injected fault active, every message received or given up, and the ledger unchanged for the
 * quiet time (RUN_DRAIN_QUIET_MS unless the scenario says). drain: {exactly: …} waits it all. */
static int run_finish(struct run_ctx *c)
{
	double end = (double)(c->plan.duration_ms + c->plan.drain_ms);
	double quiet =
	    c->plan.drain_quiet_ms >= 0 ? (double)c->plan.drain_quiet_ms : RUN_DRAIN_QUIET_MS;

	for (;;) {
		double now = runjournal_now(&c->j) - c->tl.pause_ms;

		if (now >= end)
			return 0;
		if (!c->plan.drain_exact && c->tl.faults_active == 0 && c->tl.settled_ms > 0 &&
		    drain_pending(c->tl.drain) == 0 && now - c->tl.settled_ms >= quiet &&
		    !run_gate_busy(c)) {
			runjournal_drain_end(&c->j, end, drain_messages(c->tl.drain));
			log_info("nothing left to wait for: %zu messages accounted for, ended at "
				 "%.1f s of %.1f s",
				 drain_messages(c->tl.drain), now / 1000.0, end / 1000.0);
			return 0;
		}
		if (run_wait_until(c, now + 250 < end ? now + 250 : end,
				   now < (double)c->plan.duration_ms ? "run" : "drain") < 0)
			return -1;
	}
}

/* Waits for event e's time; the planned revert of an until: delivered fault is waited for
 * in slices, and not at all once the fault ended early (the revert is then a no-op). */
static int run_wait_event(struct run_ctx *c, const struct planread_event *e)
{
	double t = (double)e->t_ms;

	if (e->type != PLANREAD_FAULT_REVERT || !c->plan.faults[e->fault].until_delivered)
		return run_wait_until(c, t, "run");
	for (;;) {
		double now = runjournal_now(&c->j) - c->tl.pause_ms;

		if (run_fault_ended_early(c, e->fault) || now >= t)
			return 0;
		if (run_wait_until(c, now + 250 < t ? now + 250 : t, "run") < 0)
			return -1;
	}
}

int run_timeline(struct run_ctx *c)
{
	c->tl.drain = drain_new(c->nt.n);
	c->tl.drain_last_pending = SIZE_MAX;
	if (c->opts->replay_of)
		runjournal_replay(&c->j, c->opts->replay_of, c->opts->pause_before);
	for (size_t k = 0; k < c->plan.n_events; k++) {
		const struct planread_event *e = &c->plan.events[k];

		c->tl.event_pos = k;
		if (!run_event_selected(c, e) || run_gate_holds(c, e))
			continue; /* after: traffic is queued by run_gate.c */
		if (e->type == PLANREAD_FAULT_APPLY && c->plan.faults[e->fault].at_boot)
			continue; /* applied before the links (run_fault_boot) */
		if (c->opts->pause_before && strcmp(c->opts->pause_before, e->id) == 0) {
			if (run_wait_until(c, (double)e->t_ms, "run") < 0)
				return -1;
			run_pause(c, e);
		}
		if (run_wait_event(c, e) < 0)
			return -1;
		run_fault_keep_leases(c, (double)e->t_ms,
				      runjournal_now(&c->j) - c->tl.pause_ms - (double)e->t_ms);
		if (e->type == PLANREAD_SEND || e->type == PLANREAD_STORE_QUERY)
			run_sendq_push(c, e);
		else if (e->type == PLANREAD_FAULT_APPLY)
			run_fault_apply(c, e, (double)e->t_ms);
		else
			run_fault_revert(c, e, (double)e->t_ms);
		run_agents_refresh(c); /* after a restart that moved a node's namespace */
	}
	c->tl.event_pos = c->plan.n_events;
	if (run_finish(c) < 0)
		return -1;
	run_gate_finish(c);
	run_poll_receipts(c, 1);
	return 0;
}
