/* tbf's plan and the faultlab qdisc stack (overlapping netem + bandwidth on one interface)
 * against a recording fake of struct qdisc_ops. */
#include "agents/qdisc.h"
#include "agents/tbf.h"

#include <check.h>
#include <linux/pkt_sched.h>
#include <stdio.h>
#include <string.h>

START_TEST(test_tbf_plan)
{
	struct tbf_plan p;
	struct fl_error err = {0};

	ck_assert_int_eq(tbf_plan_build(1000000, 0, &p, &err), 0); /* 1 mbit */
	ck_assert_uint_eq(p.rate_Bps, 125000);
	ck_assert_uint_eq(p.burst, TBF_BURST_MIN); /* 10 ms = 1250 B is below one frame */
	ck_assert_uint_eq(p.limit, TBF_BURST_MIN + 12500);
	ck_assert_int_eq(tbf_plan_build(1000000000, 0, &p, &err), 0); /* 1 gbit */
	ck_assert_uint_eq(p.burst, 1250000);
	ck_assert_int_eq(tbf_plan_build(1000000, 20000, &p, &err), 0);
	ck_assert_uint_eq(p.burst, 20000);
	ck_assert_int_eq(tbf_plan_build(1000, 125, &p, &err), 0); /* "burst: 1kbit" */
	ck_assert_uint_eq(p.burst, TBF_BURST_MIN);
	ck_assert_int_eq(tbf_plan_build(7, 0, &p, &err), -1);
	ck_assert_str_eq(err.msg, "params.rate_bps: expected a rate of at least 8 bit/s");
	ck_assert_int_eq(tbf_plan_build(100000000000ull, 0, &p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "rate 100 Gbit/s is above the limit of 17.2 Gbit/s"));
}
END_TEST

/* The fake kernel: one line per call, e.g. "add tbf f1a0: root" or "del f1a0:". */
static char calls[4096];
static int fail_add_kind = -1;

static const char *parent_name(uint32_t parent, char *buf)
{
	if (parent == TC_H_ROOT)
		return "root";
	sprintf(buf, "%x:%x", parent >> 16, parent & 0xffff);
	return buf;
}

static int fake_add(const struct qdisc_ops *ops, const struct qdisc_spec *q, struct fl_error *err)
{
	char buf[32], line[96];

	if ((int)q->kind == fail_add_kind)
		return fl_err(err, "fake: add refused");
	snprintf(line, sizeof(line), "add %s %x: %s\n", q->kind == QDISC_TBF ? "tbf" : "netem",
		 q->handle >> 16, parent_name(q->parent, buf));
	strcat(calls, line);
	return 0;
}

static int fake_del(const struct qdisc_ops *ops, const struct qdisc_spec *q, struct fl_error *err)
{
	char line[64];

	snprintf(line, sizeof(line), "del %x:\n", q->handle >> 16);
	strcat(calls, line);
	return 0;
}

static const struct qdisc_ops fake_ops = {.add = fake_add, .del = fake_del};

static void stack_setup(void)
{
	calls[0] = '\0';
	fail_add_kind = -1;
}

START_TEST(test_stack_overlap_netem_then_tbf)
{
	struct fl_error err = {0};
	struct qdisc_spec netem = {.kind = QDISC_NETEM, .ifindex = 3};
	struct qdisc_spec tbf = {.kind = QDISC_TBF, .ifindex = 3};

	ck_assert_int_eq(qdisc_push(&fake_ops, &netem, &err), 0);
	ck_assert_int_eq(qdisc_push(&fake_ops, &tbf, &err), 0);
	ck_assert_str_eq(calls, "add netem f1a0: root\nadd tbf f1a1: f1a0:1\n");
	ck_assert_uint_eq(qdisc_depth(3), 2);
	calls[0] = '\0';
	/* Reverting netem (the root) keeps the bandwidth fault: tbf comes back as root. */
	ck_assert_int_eq(qdisc_pop(&fake_ops, &netem, &err), 0);
	ck_assert_str_eq(calls, "del f1a0:\nadd tbf f1a1: root\n");
	ck_assert_uint_eq(qdisc_depth(3), 1);
	calls[0] = '\0';
	ck_assert_int_eq(qdisc_pop(&fake_ops, &tbf, &err), 0);
	ck_assert_str_eq(calls, "del f1a1:\n");
	ck_assert_uint_eq(qdisc_depth(3), 0);
}
END_TEST

START_TEST(test_stack_overlap_revert_leaf)
{
	struct fl_error err = {0};
	struct qdisc_spec tbf = {.kind = QDISC_TBF, .ifindex = 3};
	struct qdisc_spec netem = {.kind = QDISC_NETEM, .ifindex = 3};
	struct qdisc_spec other = {.kind = QDISC_TBF, .ifindex = 4}; /* another device */

	ck_assert_int_eq(qdisc_push(&fake_ops, &tbf, &err), 0);
	ck_assert_int_eq(qdisc_push(&fake_ops, &other, &err), 0);
	ck_assert_int_eq(qdisc_push(&fake_ops, &netem, &err), 0);
	ck_assert_str_eq(calls, "add tbf f1a0: root\nadd tbf f1a1: root\nadd netem f1a2: f1a0:1\n");
	calls[0] = '\0';
	/* Reverting the leaf: the stack is rebuilt from its root without it (deleting a
	 * tbf's child would leave tbf a noop child that drops everything). */
	ck_assert_int_eq(qdisc_pop(&fake_ops, &netem, &err), 0);
	ck_assert_str_eq(calls, "del f1a0:\nadd tbf f1a0: root\n");
	ck_assert_int_eq(qdisc_pop(&fake_ops, &tbf, &err), 0);
	ck_assert_int_eq(qdisc_pop(&fake_ops, &other, &err), 0);
	ck_assert_uint_eq(qdisc_depth(3) + qdisc_depth(4), 0);
}
END_TEST

START_TEST(test_stack_failed_push_changes_nothing)
{
	struct fl_error err = {0};
	struct qdisc_spec tbf = {.kind = QDISC_TBF, .ifindex = 5};
	struct qdisc_spec netem = {.kind = QDISC_NETEM, .ifindex = 5};

	ck_assert_int_eq(qdisc_push(&fake_ops, &tbf, &err), 0);
	fail_add_kind = QDISC_NETEM;
	ck_assert_int_eq(qdisc_push(&fake_ops, &netem, &err), -1);
	ck_assert_str_eq(err.msg, "fake: add refused");
	ck_assert_uint_eq(qdisc_depth(5), 1);
	ck_assert_int_eq(qdisc_pop(&fake_ops, &netem, &err), -1); /* never pushed */
	ck_assert_int_eq(qdisc_pop(&fake_ops, &tbf, &err), 0);
	ck_assert_uint_eq(qdisc_depth(5), 0);
}
END_TEST

START_TEST(test_stack_handles_reused)
{
	struct fl_error err = {0};
	struct qdisc_spec q[17];

	for (int i = 0; i < 16; i++) {
		q[i] = (struct qdisc_spec){.kind = QDISC_TBF, .ifindex = 100 + i};
		ck_assert_int_eq(qdisc_push(&fake_ops, &q[i], &err), 0);
		ck_assert_uint_eq(q[i].handle >> 16, QDISC_MAJOR_MIN + (unsigned)i);
	}
	q[16] = (struct qdisc_spec){.kind = QDISC_TBF, .ifindex = 200};
	ck_assert_int_eq(qdisc_push(&fake_ops, &q[16], &err), -1); /* the range is full */
	ck_assert_int_eq(qdisc_pop(&fake_ops, &q[3], &err), 0);
	ck_assert_int_eq(qdisc_push(&fake_ops, &q[16], &err), 0);
	ck_assert_uint_eq(q[16].handle >> 16, QDISC_MAJOR_MIN + 3);
	for (int i = 0; i < 17; i++)
		if (i != 3)
			ck_assert_int_eq(qdisc_pop(&fake_ops, &q[i], &err), 0);
}
END_TEST

Suite *tbf_suite(void)
{
	Suite *s = suite_create("tbf");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_tbf_plan);
	suite_add_tcase(s, tc);
	tc = tcase_create("stack");
	tcase_add_checked_fixture(tc, stack_setup, NULL);
	tcase_add_test(tc, test_stack_overlap_netem_then_tbf);
	tcase_add_test(tc, test_stack_overlap_revert_leaf);
	tcase_add_test(tc, test_stack_failed_push_changes_nothing);
	tcase_add_test(tc, test_stack_handles_reused);
	suite_add_tcase(s, tc);
	return s;
}
