#include "agents/qdisc.h"

#include <linux/pkt_sched.h>
#include <string.h>

static struct qdisc_spec *qdisc_stack[QDISC_STACK_MAX];
static size_t qdisc_n;

static int qdisc_major_used(uint32_t major)
{
	for (size_t i = 0; i < qdisc_n; i++)
		if (TC_H_MAJ(qdisc_stack[i]->handle) == major << 16)
			return 1;
	return 0;
}

size_t qdisc_depth(int ifindex)
{
	size_t n = 0;

	for (size_t i = 0; i < qdisc_n; i++)
		n += qdisc_stack[i]->ifindex == ifindex;
	return n;
}

/* The parent for a new bottom of ifindex's stack, looking at entries [0, upto). */
static uint32_t qdisc_parent(int ifindex, size_t upto)
{
	uint32_t parent = TC_H_ROOT;

	for (size_t i = 0; i < upto; i++)
		if (qdisc_stack[i]->ifindex == ifindex)
			parent = TC_H_MAKE(qdisc_stack[i]->handle, 1);
	return parent;
}

int qdisc_push(const struct qdisc_ops *ops, struct qdisc_spec *q, struct fl_error *err)
{
	uint32_t major = QDISC_MAJOR_MIN;

	if (qdisc_n == QDISC_STACK_MAX)
		return fl_err(err, "too many faultlab qdiscs (%d)", QDISC_STACK_MAX);
	while (major <= QDISC_MAJOR_MAX && qdisc_major_used(major))
		major++;
	if (major > QDISC_MAJOR_MAX)
		return fl_err(err, "no free qdisc handle in %x:..%x:", QDISC_MAJOR_MIN,
			      QDISC_MAJOR_MAX);
	q->handle = major << 16;
	q->parent = qdisc_parent(q->ifindex, qdisc_n);
	if (ops->add(ops, q, err) < 0)
		return -1;
	qdisc_stack[qdisc_n++] = q;
	return 0;
}

int qdisc_pop(const struct qdisc_ops *ops, struct qdisc_spec *q, struct fl_error *err)
{
	struct qdisc_spec *root = NULL;
	size_t at = qdisc_n;
	int r = 0;

	for (size_t i = 0; i < qdisc_n; i++) {
		if (!root && qdisc_stack[i]->ifindex == q->ifindex)
			root = qdisc_stack[i];
		if (qdisc_stack[i] == q)
			at = i;
	}
	if (at == qdisc_n)
		return fl_err(err, "qdisc %x: not ours", q->handle >> 16);
	/* Deleting the root takes the whole stack; the kernel restores the default qdisc. */
	if (ops->del(ops, root, err) < 0)
		r = -1;
	memmove(&qdisc_stack[at], &qdisc_stack[at + 1], (qdisc_n - at - 1) * sizeof(*qdisc_stack));
	qdisc_n--;
	for (size_t i = 0; i < qdisc_n; i++) {
		struct fl_error e2 = {0};
		struct qdisc_spec *s = qdisc_stack[i];

		if (s->ifindex != q->ifindex)
			continue;
		s->parent = qdisc_parent(s->ifindex, i);
		if (ops->add(ops, s, r < 0 ? &e2 : err) < 0)
			r = -1;
	}
	return r;
}
