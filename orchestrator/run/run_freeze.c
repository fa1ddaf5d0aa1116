/* The lab frozen for a paused replay (replay --pause-before): every node but the ones the
 * developer keeps running is frozen through the runtime (runtime_ops.node_freeze: the node's
 * cgroup on netns, pause/unpause on docker), and the faults in force keep their leases (the
 * agents are not frozen: they must still revert when faultlab dies, so their leases are
 * renewed for the planned rest of each fault instead). */
#include "orchestrator/run/run_int.h"

#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
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
		run_freeze_mark(c, i, fltime_mono_ms() - fz->t0);
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
	for (size_t i = 0; fz->mine && i < c->nt.n; i++)
		run_freeze_node(c, fz, i, 0);
	free(fz->mine);
	fz->mine = NULL;
}

void run_freeze_leases(struct run_ctx *c, double at_ms)
{
	for (size_t f = 0; c->tl.active && f < c->plan.n_faults; f++) {
		const struct runplan_fault *pf = &c->plan.faults[f];
		int64_t rest = pf->end_ms - (int64_t)at_ms;

		if (pf->kind->via != FAULT_VIA_AGENT)
			continue;
		for (size_t i = 0; i < c->nt.n; i++) {
			struct agentctl_reply rep = {0};
			struct fl_error err = {0};

			/* the layout of run_fault.c's run_active() */
			if (!c->tl.active[f * (c->nt.n + 1) + i] || !c->nt.rn[i].agent_up)
				continue;
			if (agentctl_renew(&c->nt.rn[i].ag, pf->id,
					   (rest > 0 ? rest : 0) + RUN_FREEZE_LEASE_MARGIN_MS, &rep,
					   &err) < 0 ||
			    !rep.ok)
				log_warn("renew the lease of %s on %s: %s", pf->id,
					 c->nt.rn[i].dn.name, rep.error[0] ? rep.error : err.msg);
		}
	}
}
