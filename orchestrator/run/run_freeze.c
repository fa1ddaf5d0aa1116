/* A paused replay (replay --pause-before; run_pause, called by the timeline before the event):
 * every node but the ones the developer keeps running is frozen through the runtime
 * (runtime_ops.node_freeze: the node's cgroup on netns, pause/unpause on docker), and the faults in
 * force keep their leases (the agents are not frozen: they must still revert when faultlab dies, so
 * their leases are renewed for the planned rest of each fault instead). */
#include "orchestrator/run/run_int.h"

#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A send in flight when its node freezes would wait on it for the whole pause: wait this long
 * for the send queues to empty first. */
#define RUN_FREEZE_SENDQ_WAIT_MS 5000.0
/* A lease renewed during the pause covers the fault's planned rest plus this margin (the
 * same margin as a fault's first lease, run_fault.c). */
#define RUN_FREEZE_LEASE_MARGIN_MS 15000

int run_freeze_kept(const struct run_ctx *c, size_t i)
{
	for (char **k = c->opts->keep_running; k && *k; k++)
		if (strcmp(*k, c->plan.nodes[i].name) == 0)
			return 1;
	return 0;
}

static int run_freeze_sendq_idle(struct run_ctx *c)
{
	int idle = 1;

	for (size_t i = 0; c->sq.q && i < c->nt.n && idle; i++) {
		struct run_sendq *q = &c->sq.q[i];

		pthread_mutex_lock(&q->mu);
		idle = q->head == q->tail && !q->busy;
		pthread_mutex_unlock(&q->mu);
	}
	return idle;
}

/* The file, in a node's data dir, that tells the node how long the lab stood still: labnode
 * reads the running total (ms) when its clock jumps and skips it (images/labnode/ln_loop.c
 * LN_PAUSE_FILE), so no keep-alive, retry or sleep detector counts the pause; a freeze
 * fault's stall, not written here, still counts. */
#define RUN_FREEZE_PAUSE_FILE "lab-paused-ms"

static void run_freeze_mark(struct run_ctx *c, size_t i, double ms)
{
	char path[PATH_MAX + 32], buf[32] = "";
	long long total = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/" RUN_FREEZE_PAUSE_FILE, c->nt.rn[i].data_dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("%s: %s", path, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	total = strtoll(buf, NULL, 10) + (long long)ms;
	n = snprintf(buf, sizeof(buf), "%lld\n", total);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("%s: %s", path, strerror(errno));
	close(fd);
}

int run_freeze_node(struct run_ctx *c, struct run_freeze *fz, size_t i, int frozen)
{
	struct run_node *r = &c->nt.rn[i];
	struct fl_error err = {0};
	int rc;

	if (!r->up || fz->mine[i] == frozen)
		return 0;
	if (!frozen)
		run_freeze_mark(c, i, (fz->t1 > 0 ? fz->t1 : fltime_mono_ms()) - fz->t0);
	rc = c->nt.rt_ops->node_freeze(c->nt.rt, &c->nt.nodes[i], frozen, &err);
	if (rc < 0) {
		log_warn("%s", err.msg);
		return -1;
	}
	if (rc == 0)
		fz->mine[i] = (unsigned char)frozen;
	else if (frozen)
		log_info("node %s is already frozen (a fault holds it): left as it is", r->dn.name);
	return rc;
}

size_t run_freeze_lab(struct run_ctx *c, struct run_freeze *fz)
{
	double until = fltime_mono_ms() + RUN_FREEZE_SENDQ_WAIT_MS;
	size_t n = 0;

	fz->mine = fl_xcalloc(c->nt.n + 1, 1);
	fz->t0 = fltime_mono_ms();
	while (!run_freeze_sendq_idle(c) && fltime_mono_ms() < until)
		fltime_sleep_ms(5);
	for (size_t i = 0; i < c->nt.n; i++)
		if (!run_freeze_kept(c, i) && run_freeze_node(c, fz, i, 1) == 0 && fz->mine[i])
			n++;
	return n;
}

void run_freeze_thaw(struct run_ctx *c, struct run_freeze *fz)
{
	fz->t1 = fltime_mono_ms();
	for (size_t i = 0; fz->mine && i < c->nt.n; i++)
		run_freeze_node(c, fz, i, 0);
	free(fz->mine);
	fz->mine = NULL;
}

void run_freeze_leases(struct run_ctx *c, double at_ms)
{
	for (size_t f = 0; c->tl.active && f < c->plan.n_faults; f++) {
		int64_t rest = c->plan.faults[f].end_ms - (int64_t)at_ms;

		if (c->plan.faults[f].kind->via == FAULT_VIA_AGENT)
			run_fault_renew(c, f, (rest > 0 ? rest : 0) + RUN_FREEZE_LEASE_MARGIN_MS);
	}
}

/* How often a paused replay renews the leases of the faults in force. */
#define RUN_PAUSE_RENEW_MS 5000.0

static ssize_t run_pause_node(const struct run_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nt.n; i++)
		if (strcmp(c->plan.nodes[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static void run_pause_banner(struct run_ctx *c, const struct planread_event *e,
			     const struct run_freeze *fz, size_t frozen)
{
	struct progress *pr = &c->tl.prog;

	progress_note(
	    pr,
	    "faultlab: paused before %s (planned at %.1f s): %zu node(s) frozen, the run's "
	    "clock stopped. Enter a node with:",
	    e->id, (double)e->t_ms / 1000.0, frozen);
	for (size_t i = 0; i < c->nt.n; i++)
		progress_note(pr, "  faultlab shell %s %-16s # %s", c->run_id,
			      c->plan.nodes[i].name, fz->mine[i] ? "frozen" : "running");
	progress_note(pr,
		      "faultlab: type a node's name and Enter to let it run; Enter alone (or kill "
		      "-USR1 %d) continues",
		      (int)getpid());
}

/* One line typed at the pause: "" continues (returns 1), a node name thaws that node. */
static int run_pause_line(struct run_ctx *c, struct run_freeze *fz, unsigned char *kept, char *line)
{
	ssize_t i;

	line[strcspn(line, " \t\r\n")] = '\0';
	if (!line[0])
		return 1;
	i = run_pause_node(c, line);
	if (i < 0)
		progress_note(&c->tl.prog, "faultlab: no node \"%s\"", line);
	else if (run_freeze_node(c, fz, (size_t)i, 0) == 0) {
		kept[i] = 1;
		progress_note(&c->tl.prog, "faultlab: %s runs (faultlab shell %s %s)", line,
			      c->run_id, line);
	}
	return 0;
}

/* replay --pause-before: the lab frozen (run_freeze.c) but for the nodes kept running, the
 * timeline's clock stopped (pause_ms: later events, the drain and the progress wait for it;
 * the journal's "pause" line lets the analyzer take it out of every figure), the leases of
 * the faults in force renewed. Enter (or SIGUSR1) goes on; SIGINT/SIGTERM thaw and end it. */
void run_pause(struct run_ctx *c, const struct planread_event *e)
{
	struct run_freeze fz = {0};
	unsigned char *kept = fl_xcalloc(c->nt.n + 1, 1);
	const char **kept_names = fl_xcalloc(c->nt.n + 1, sizeof(*kept_names));
	double t0 = fltime_mono_ms(), renewed, dur;
	char line[256];
	size_t len = 0, frozen, n_kept = 0;
	int in = 0, done = 0; /* stdin; -1 once it is at EOF (then only SIGUSR1 resumes) */

	progress_done(&c->tl.prog);
	for (size_t i = 0; i < c->nt.n; i++)
		kept[i] = (unsigned char)run_freeze_kept(c, i);
	frozen = run_freeze_lab(c, &fz);
	run_freeze_leases(c, (double)e->t_ms);
	renewed = fltime_mono_ms();
	run_pause_banner(c, e, &fz, frozen);
	while (!done) {
		struct pollfd p[2] = {{.fd = in, .events = POLLIN},
				      {.fd = c->tl.sigfd, .events = POLLIN}};
		struct signalfd_siginfo si;
		ssize_t n = -1;

		if (poll(p, 2, 500) < 0 && errno != EINTR)
			break;
		if (fltime_mono_ms() - renewed >= RUN_PAUSE_RENEW_MS) {
			run_freeze_leases(c, (double)e->t_ms);
			renewed = fltime_mono_ms();
		}
		if (p[0].revents & (POLLIN | POLLHUP))
			n = read(in, line + len, sizeof(line) - 1 - len);
		if (n == 0)
			in = -1;
		for (len += n > 0 ? (size_t)n : 0;
		     !done && (memchr(line, '\n', len) || len == sizeof(line) - 1);) {
			char *nl = memchr(line, '\n', len);
			size_t used = nl ? (size_t)(nl - line) + 1 : len;

			line[used - (nl ? 1 : 0)] = '\0';
			done = run_pause_line(c, &fz, kept, line);
			memmove(line, line + used, len - used);
			len -= used;
		}
		if (!done && (p[1].revents & POLLIN) &&
		    read(c->tl.sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGUSR1 && si.ssi_signo != SIGCONT)
				c->tl.interrupted = 1;
			done = 1;
		}
	}
	run_freeze_thaw(c, &fz);
	/* the pause is [the first freeze, the first thaw): a node's events before or after it
	 * fall outside it, so the analyzer moves those after it by exactly its length. The
	 * timeline also waited for the sends in flight and the thaws: that is run time, and a
	 * later event is issued that much late (the journal shows it). */
	dur = fz.t1 - fz.t0;
	c->tl.pause_ms += fltime_mono_ms() - t0;
	run_freeze_leases(c, (double)e->t_ms);
	for (size_t i = 0; i < c->nt.n; i++)
		if (kept[i])
			kept_names[n_kept++] = c->plan.nodes[i].name;
	runjournal_pause(&c->j, e->id, (double)e->t_ms, fz.t0 - c->j.mono0_ms, dur, frozen,
			 kept_names, n_kept);
	if (!c->tl.interrupted)
		log_info("resumed after %.1f s of pause (left out of every figure)", dur / 1000.0);
	free(kept);
	free(kept_names);
}
