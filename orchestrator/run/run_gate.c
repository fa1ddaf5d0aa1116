/* Traffic that waits for another (scenario after: + within:). The timeline leaves such sends
 * out; this file opens their traffic once the traffic it waits for is wholly queued and every
 * message of it has reached all its recipients (and, for accept: true, its acceptance has come
 * back), then queues each send at the opening plus its plan time. When within passes first
 * (counted from that traffic's last send), the traffic never opens: its sends are journalled
 * "not sent: …" (not counted as sent or lost) and a traffic-open line with result error says
 * why. Checked with the timeline's periodic work, so an opening and each send are late by up
 * to a tick (250 ms). */
#include "orchestrator/run/run_int.h"

#include "common/log.h"
#include "common/units.h"
#include "common/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum gate_state { GATE_WAITING, GATE_OPEN, GATE_FAILED };

struct run_traffic {
	char name[64];
	size_t n_events, n_queued; /* its selected send events; how many the run queued */
	double last_queued_ms;	   /* timeline time of the last one queued */
	const struct planread_event **events;
	size_t checked; /* events[0 .. checked) are known delivered */
	int accept;
	/* a traffic with after: */
	long after; /* index into gates' traffic table, -1 none */
	int64_t within_ms;
	enum gate_state state;
	double open_ms;			/* timeline time it opened */
	struct planread_event *shifted; /* its events with t_ms from the opening */
	size_t next;			/* shifted[next] is the next to queue */
};

struct run_gates {
	struct run_traffic *t;
	size_t n;
	int any;
};

static double gate_now(const struct run_ctx *c)
{
	return runjournal_now(&c->j) - c->tl.pause_ms;
}

static long gate_find(const struct run_gates *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->t[i].name, name) == 0)
			return (long)i;
	return -1;
}

void run_gate_init(struct run_ctx *c)
{
	struct run_gates *g = fl_xcalloc(1, sizeof(*g));

	c->gates = g;
	g->t = fl_xcalloc(c->plan.n_events + 1, sizeof(*g->t));
	for (size_t k = 0; k < c->plan.n_events; k++) {
		const struct planread_event *e = &c->plan.events[k];
		struct run_traffic *t;
		long i;

		if (e->type != PLANREAD_SEND || !run_event_selected(c, e))
			continue;
		i = gate_find(g, e->traffic);
		if (i < 0) {
			i = (long)g->n++;
			snprintf(g->t[i].name, sizeof(g->t[i].name), "%s", e->traffic);
			g->t[i].after = -1;
		}
		t = &g->t[i];
		if (t->n_events % 64 == 0)
			t->events =
			    fl_xreallocarray(t->events, t->n_events + 64, sizeof(*t->events));
		t->events[t->n_events++] = e;
		t->accept |= e->accept;
		t->within_ms = e->within_ms;
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct planread_event *e0 = g->t[i].events[0];

		if (!e0->after[0])
			continue;
		g->any = 1;
		g->t[i].after = gate_find(g, e0->after);
		g->t[i].shifted = fl_xcalloc(g->t[i].n_events, sizeof(*g->t[i].shifted));
	}
}

void run_gate_free(struct run_ctx *c)
{
	struct run_gates *g = c->gates;

	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->t[i].events);
		free(g->t[i].shifted);
	}
	free(g->t);
	free(g);
	c->gates = NULL;
}

int run_gate_holds(const struct run_ctx *c, const struct planread_event *e)
{
	return e->type == PLANREAD_SEND && e->after[0];
}

void run_gate_queued(struct run_ctx *c, const struct planread_event *e)
{
	struct run_gates *g = c->gates;
	long i = g ? gate_find(g, e->traffic) : -1;

	if (i < 0)
		return;
	g->t[i].n_queued++;
	g->t[i].last_queued_ms = gate_now(c);
}

/* 1 when every message of t was queued and has reached every recipient (its acceptance
 * too); -1 when one of them can no longer (given up, a recipient gone); 0 not yet. */
static int gate_delivered(struct run_ctx *c, struct run_traffic *t)
{
	if (t->n_queued < t->n_events)
		return 0;
	for (; t->checked < t->n_events; t->checked++) {
		const struct planread_event *e = t->events[t->checked];
		int r = drain_delivered(c->tl.drain, e->msg);
		char acc[64];

		if (r == 1 && e->accept) {
			snprintf(acc, sizeof(acc), "%s.accept", e->msg);
			r = drain_delivered(c->tl.drain, acc);
		}
		if (r != 1)
			return r;
	}
	return 1;
}

static void gate_open(struct run_ctx *c, struct run_traffic *t, const struct run_traffic *a,
		      double now)
{
	t->state = GATE_OPEN;
	t->open_ms = now;
	for (size_t k = 0; k < t->n_events; k++) {
		t->shifted[k] = *t->events[k];
		t->shifted[k].t_ms = (int64_t)llround(now) + t->events[k]->t_ms;
	}
	runjournal_traffic_open(&c->j, t->name, a->name, t->within_ms, now, NULL);
	log_info("traffic %s opens at %.1f s: %s is %s", t->name, now / 1000.0, a->name,
		 a->accept ? "accepted" : "delivered");
}

static void gate_fail(struct run_ctx *c, struct run_traffic *t, const char *after, const char *why,
		      double now)
{
	char msg[256];

	t->state = GATE_FAILED;
	snprintf(msg, sizeof(msg), "traffic \"%s\" never started: %s", t->name, why);
	runjournal_traffic_open(&c->j, t->name, after, t->within_ms, now, msg);
	log_warn("%s", msg);
	snprintf(msg, sizeof(msg), "not sent: traffic \"%s\" never started", t->name);
	for (size_t k = 0; k < t->n_events; k++) {
		const struct planread_event *e = t->events[k];
		struct runjournal_send js = {.id = e->id,
					     .msg = e->msg,
					     .node = c->plan.nodes[e->from].name,
					     .planned_ms = now,
					     .issued_ms = now,
					     .done_ms = now,
					     .error = msg};

		runjournal_send(&c->j, &js);
	}
}

/* Opens, fails or feeds one gated traffic. */
static void gate_step(struct run_ctx *c, struct run_traffic *t, double now)
{
	struct run_gates *g = c->gates;
	struct run_traffic *a;
	char why[192], within[32];
	int r;

	if (t->state == GATE_OPEN) {
		while (t->next < t->n_events && (double)t->shifted[t->next].t_ms <= now)
			run_sendq_push(c, &t->shifted[t->next++]);
		return;
	}
	if (t->state != GATE_WAITING)
		return;
	if (t->after < 0) { /* the traffic it waits for sends nothing in this run (--only) */
		gate_fail(c, t, "", "the traffic it waits for sends nothing here", now);
		return;
	}
	a = &g->t[t->after];
	units_format_duration(t->within_ms, within, sizeof(within));
	if (a->state == GATE_FAILED) {
		snprintf(why, sizeof(why), "\"%s\" never started", a->name);
		gate_fail(c, t, a->name, why, now);
		return;
	}
	r = c->tl.drain ? gate_delivered(c, a) : 0;
	if (r == 1) {
		gate_open(c, t, a, now);
		gate_step(c, t, now);
		return;
	}
	if (a->n_queued < a->n_events || (r == 0 && now < a->last_queued_ms + (double)t->within_ms))
		return;
	snprintf(why, sizeof(why), "\"%s\" %s within %s%s", a->name,
		 a->accept ? "not accepted" : "not delivered", within,
		 r < 0 ? " (a message of it was given up)" : "");
	gate_fail(c, t, a->name, why, now);
}

void run_gate_check(struct run_ctx *c)
{
	struct run_gates *g = c->gates;
	double now;

	if (!g || !g->any)
		return;
	now = gate_now(c);
	for (size_t i = 0; i < g->n; i++)
		if (g->t[i].shifted)
			gate_step(c, &g->t[i], now);
}

void run_gate_finish(struct run_ctx *c)
{
	struct run_gates *g = c->gates;
	double now;

	if (!g || !g->any)
		return;
	now = gate_now(c);
	for (size_t i = 0; i < g->n; i++) {
		struct run_traffic *t = &g->t[i];

		if (t->shifted && t->state == GATE_WAITING)
			gate_fail(c, t, t->after >= 0 ? g->t[t->after].name : "",
				  "the run ended before it could open", now);
	}
}

int run_gate_pending_in(const struct run_ctx *c, int64_t from_ms, int64_t to_ms)
{
	const struct run_gates *g = c->gates;

	for (size_t i = 0; g && i < g->n; i++) {
		const struct run_traffic *t = &g->t[i];

		for (size_t k = t->next; t->shifted && t->state == GATE_OPEN && k < t->n_events;
		     k++)
			if (t->shifted[k].t_ms >= from_ms && t->shifted[k].t_ms < to_ms)
				return 1;
	}
	return 0;
}

int run_gate_busy(const struct run_ctx *c)
{
	const struct run_gates *g = c->gates;

	for (size_t i = 0; g && i < g->n; i++) {
		const struct run_traffic *t = &g->t[i];

		if (t->shifted &&
		    (t->state == GATE_WAITING || (t->state == GATE_OPEN && t->next < t->n_events)))
			return 1;
	}
	return 0;
}
