/* The send queues: one thread per node (started at run-start) sends that node's planned
 * messages in order through its driver. The loop only enqueues, so a sender that is frozen,
 * suspended or cut off (its REST unreachable until the fault ends) holds back its own queue
 * and nothing else. issued_ms is when the request left, done_ms when the node answered. */
#include "orchestrator/run/run_int.h"

#include "common/log.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct run_send_arg {
	struct run_ctx *c;
	size_t node;
};

static void run_send_do(struct run_ctx *c, const struct planread_event *e, const char *refused)
{
	struct run_node *from = &c->nt.rn[e->from];
	struct driver_node *to[64];
	struct driver_sent out = {0};
	struct fl_error err = {0};
	char kind[40];
	size_t nto = 0, cap = e->size + 64;
	char *text = fl_xmalloc(cap);
	struct runjournal_send js = {
	    .id = e->id, .msg = e->msg, .node = from->dn.name, .planned_ms = (double)e->t_ms};
	int rc = -1;

	for (size_t i = 0; i < e->n_to && nto < 64; i++)
		if (run_only_has(c, e->to[i]))
			to[nto++] = &c->nt.rn[e->to[i]].dn;
	run_text(e->msg, e->size, c->plan.seed, text, cap);
	snprintf(kind, sizeof(kind), "%s%s", e->kind, e->accept ? "+accept" : "");
	if (e->create && !refused && from->up && from->drv->group_create)
		run_group_create(c, e, to, nto);
	js.issued_ms = runjournal_now(&c->j);
	if (refused)
		fl_err(&err, "%s", refused);
	else if (!from->up)
		fl_err(&err, "%s is down", from->dn.name);
	else
		rc = from->drv->send(&from->dn, kind, to, nto, text, &out, &err);
	js.done_ms = runjournal_now(&c->j);
	js.error = rc < 0 ? err.msg : NULL;
	js.node_msg_id = out.node_msg_id;
	js.hash = out.hash;
	pthread_mutex_lock(&c->sq.mu);
	runjournal_send(&c->j, &js);
	if (rc == 0 && out.hash[0] && c->sq.hashes) { /* for store queries */
		unsigned long m = strtoul(e->msg + 1, NULL, 10);

		if (m >= 1 && m <= c->n_msgs)
			snprintf(c->sq.hashes[m], sizeof(c->sq.hashes[m]), "%s", out.hash);
	}
	if (rc < 0) {
		c->sq.send_errors++;
		if (c->sq.n_send_failed == c->sq.cap_send_failed) {
			c->sq.cap_send_failed = c->sq.cap_send_failed * 2 + 16;
			c->sq.send_failed = fl_xreallocarray(
			    c->sq.send_failed, c->sq.cap_send_failed, sizeof(*c->sq.send_failed));
		}
		c->sq.send_failed[c->sq.n_send_failed++] = e->msg;
	} else {
		c->sq.sent++;
	}
	if (rc == 0 && from->events && !(from->drv->own_events && from->drv->own_events(e->kind)))
		runjournal_receipt(from->events, "sent", out.node_msg_id, out.hash, e->kind,
				   nto ? to[0]->key : "", text);
	pthread_mutex_unlock(&c->sq.mu);
	if (rc < 0)
		log_debug("send %s: %s", e->msg, err.msg);
	free(text);
}

static void *run_sendq_main(void *arg)
{
	struct run_send_arg *a = arg;
	struct run_ctx *c = a->c;
	struct run_sendq *q = &c->sq.q[a->node];

	free(a);
	pthread_mutex_lock(&q->mu);
	for (;;) {
		const struct planread_event *e;

		while (q->head == q->tail && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->head == q->tail)
			break;
		e = q->items[q->head++ % q->cap];
		q->busy = 1;
		pthread_mutex_unlock(&q->mu);
		if (e->type == PLANREAD_STORE_QUERY)
			run_store_query_do(c, e, NULL); /* asked even at the end: bounded, and
							 * what the run came for */
		else
			run_send_do(c, e, q->stop ? "not sent: the run ended first" : NULL);
		pthread_mutex_lock(&q->mu);
		q->busy = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

void run_sendq_start(struct run_ctx *c)
{
	c->sq.q = fl_xcalloc(c->nt.n + 1, sizeof(*c->sq.q));
	c->sq.hashes = fl_xcalloc(c->n_msgs + 2, sizeof(*c->sq.hashes));
	for (size_t i = 0; i < c->nt.n; i++) {
		struct run_sendq *q = &c->sq.q[i];
		struct run_send_arg *a = fl_xmalloc(sizeof(*a));
		size_t cap = 1;

		for (size_t k = 0; k < c->plan.n_events; k++)
			cap += (c->plan.events[k].type == PLANREAD_SEND ||
				c->plan.events[k].type == PLANREAD_STORE_QUERY) &&
			       c->plan.events[k].from == i;
		q->items = fl_xcalloc(cap, sizeof(*q->items));
		q->cap = cap;
		pthread_mutex_init(&q->mu, NULL);
		pthread_cond_init(&q->cv, NULL);
		a->c = c;
		a->node = i;
		q->started = pthread_create(&q->th, NULL, run_sendq_main, a) == 0;
		if (!q->started)
			free(a);
	}
}

void run_sendq_push(struct run_ctx *c, const struct planread_event *e)
{
	struct run_sendq *q = c->sq.q ? &c->sq.q[e->from] : NULL;
	uint32_t *to = fl_xcalloc(e->n_to + 1, sizeof(*to));
	size_t nto = 0;

	for (size_t i = 0; e->type == PLANREAD_STORE_QUERY && i < e->n_to; i++)
		nto = 1; /* a query is waited for by nobody: straight to its queue */
	if (nto) {
		free(to);
		goto queue;
	}
	for (size_t i = 0; i < e->n_to; i++)
		if (run_only_has(c, e->to[i]))
			to[nto++] = e->to[i];
	if (c->tl.drain) {
		drain_expect(c->tl.drain, e->msg, e->from, to, nto);
		if (e->accept && nto == 1) /* the receiver's acceptance comes back */
			drain_expect_accept(c->tl.drain, e->msg, to[0], e->from);
	}
	free(to);
	run_gate_queued(c, e);

queue:
	if (!q || !q->started) {
		if (e->type == PLANREAD_STORE_QUERY)
			run_store_query_do(c, e, NULL);
		else
			run_send_do(c, e, NULL);
		return;
	}
	pthread_mutex_lock(&q->mu);
	if (q->tail - q->head < q->cap)
		q->items[q->tail++ % q->cap] = e;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void run_sendq_stop(struct run_ctx *c)
{
	for (size_t i = 0; c->sq.q && i < c->nt.n; i++) {
		struct run_sendq *q = &c->sq.q[i];

		if (!q->started)
			continue;
		pthread_mutex_lock(&q->mu);
		q->stop = 1;
		pthread_cond_signal(&q->cv);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->th, NULL);
		q->started = 0;
	}
	for (size_t i = 0; c->sq.q && i < c->nt.n; i++)
		free(c->sq.q[i].items);
	free(c->sq.q);
	c->sq.q = NULL;
	free(c->sq.hashes);
	c->sq.hashes = NULL;
}
