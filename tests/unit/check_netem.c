/* netem's plan (units → kernel units) and the RTM_NEWQDISC message built for each option,
 * decoded attribute by attribute (netem itself cannot run on this CI's kernel). */
#include "agents/netem_dist.h"
#include "agents/netem_nl.h"
#include "agents/netem_params.h"
#include "agents/netem_plan.h"

#include "tests/util_test.h"

#include <check.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static const struct netem_psched psched = {.t2us = 1000, .us2t = 64}; /* 1 tick = 64 ns */

START_TEST(test_prob_scale)
{
	ck_assert_uint_eq(netem_plan_prob(0), 0);
	ck_assert_uint_eq(netem_plan_prob(1), UINT32_MAX);
	ck_assert_uint_eq(netem_plan_prob(0.2), 858993459u);
	ck_assert_uint_eq(netem_plan_prob(0.5), 2147483648u);
	ck_assert_uint_eq(netem_plan_prob(-0.1), 0);
}
END_TEST

START_TEST(test_ticks)
{
	struct netem_psched legacy = {.t2us = 1, .us2t = 1};

	ck_assert_uint_eq(netem_plan_ticks(&psched, 100000), 1562500); /* 100 ms */
	ck_assert_uint_eq(netem_plan_ticks(&psched, 1), 15);
	ck_assert_uint_eq(netem_plan_ticks(&legacy, 100000), 100000);
	ck_assert_uint_eq(netem_plan_ticks(&psched, UINT64_C(1) << 40), UINT32_MAX);
}
END_TEST

START_TEST(test_psched_file)
{
	char path[] = "/tmp/fl-psched-XXXXXX";
	int fd = mkstemp(path);
	struct netem_psched ps;
	struct fl_error err = {0};

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "000003e8 00000040 000f4240 3b9aca00\n", 36), 36);
	close(fd);
	ck_assert_int_eq(netem_plan_psched_read(path, &ps, &err), 0);
	ck_assert_uint_eq(ps.t2us, 1000);
	ck_assert_uint_eq(ps.us2t, 64);
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "garbage\n", 8), 8);
	close(fd);
	ck_assert_int_eq(netem_plan_psched_read(path, &ps, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "expected four hex numbers"));
	unlink(path);
}
END_TEST

START_TEST(test_plan_values)
{
	struct netem_params p;
	struct netem_plan plan;
	struct fl_error err = {0};

	netem_plan_params_init(&p);
	p.delay_ms = 100;
	p.jitter_ms = 10;
	p.correlation = 0.25;
	p.loss = 0.2;
	p.duplicate = 0.01;
	p.reorder = 0.05;
	p.corrupt = 0.001;
	p.rate_bps = 1000000;
	p.seed = 42;
	ck_assert_int_eq(netem_plan_build(&p, &psched, &plan, &err), 0);
	ck_assert_uint_eq(plan.latency_us, 100000);
	ck_assert_uint_eq(plan.latency_ticks, 1562500);
	ck_assert_uint_eq(plan.jitter_ticks, 156250);
	ck_assert_int_eq(plan.latency_ns, 100000000);
	ck_assert_uint_eq(plan.loss, netem_plan_prob(0.2));
	ck_assert_uint_eq(plan.loss_corr, netem_plan_prob(0.25));
	ck_assert_uint_eq(plan.delay_corr, netem_plan_prob(0.25));
	ck_assert_uint_eq(plan.gap, 1);
	ck_assert_uint_eq(plan.rate_Bps, 125000);
	ck_assert_uint_eq(plan.seed, 42);
	ck_assert_int_eq(plan.gemodel, 0);
}
END_TEST

START_TEST(test_plan_gemodel)
{
	struct netem_params p;
	struct netem_plan plan;
	struct fl_error err = {0};

	netem_plan_params_init(&p);
	p.loss_model = NETEM_LOSS_GEMODEL;
	p.ge_p = 0.01;
	p.loss = 0.5; /* ignored by the GE model */
	ck_assert_int_eq(netem_plan_build(&p, &psched, &plan, &err), 0);
	ck_assert_int_eq(plan.gemodel, 1);
	ck_assert_uint_eq(plan.loss, 0);
	ck_assert_uint_eq(plan.ge_p, netem_plan_prob(0.01));
	ck_assert_uint_eq(plan.ge_r, netem_plan_prob(0.99)); /* default r = 1 - p */
	ck_assert_uint_eq(plan.ge_h, 0);		     /* bad state loses all */
	ck_assert_uint_eq(plan.ge_k1, 0);		     /* good state loses none */
}
END_TEST

START_TEST(test_plan_errors)
{
	struct netem_params p;
	struct netem_plan plan;
	struct fl_error err = {0};

	netem_plan_params_init(&p);
	p.loss = 1.2;
	ck_assert_int_eq(netem_plan_build(&p, &psched, &plan, &err), -1);
	ck_assert_str_eq(err.msg, "params.loss: fraction 120% must lie between 0% and 100%");
	netem_plan_params_init(&p);
	p.jitter_ms = 5;
	ck_assert_int_eq(netem_plan_build(&p, &psched, &plan, &err), -1);
	ck_assert_str_eq(err.msg, "params.jitter_ms: jitter needs a delay_ms > 0");
}
END_TEST

/* The decoded message: tcmsg header, top-level attributes, netem's qopt and its attributes. */
struct decoded {
	struct tcmsg tcm;
	char kind[16];
	struct tc_netem_qopt qopt;
	struct nlattr *na[TCA_NETEM_PRNG_SEED + 1];
	struct nl_msg *msg;
};

static void decode(struct nl_msg *msg, struct decoded *d)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];
	struct nlattr *opt;
	int optlen;

	memset(d, 0, sizeof(*d));
	d->msg = msg;
	ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWQDISC);
	memcpy(&d->tcm, nlmsg_data(nlh), sizeof(d->tcm));
	ck_assert_int_eq(nlmsg_parse(nlh, sizeof(struct tcmsg), tb, TCA_MAX, NULL), 0);
	/* No bytes after the last attribute (libnl 3.7 leaves some; the kernel would warn). */
	{
		struct nlattr *a;
		int rem;

		nlmsg_for_each_attr(a, nlh, sizeof(struct tcmsg), rem);
		ck_assert_int_eq(rem, 0);
	}
	ck_assert_ptr_nonnull(tb[TCA_KIND]);
	ck_assert_ptr_nonnull(tb[TCA_OPTIONS]);
	nla_strlcpy(d->kind, tb[TCA_KIND], sizeof(d->kind));
	opt = tb[TCA_OPTIONS];
	optlen = nla_len(opt);
	ck_assert_int_ge(optlen, (int)sizeof(struct tc_netem_qopt));
	memcpy(&d->qopt, nla_data(opt), sizeof(d->qopt));
	/* As the kernel does: attributes start after the aligned qopt. */
	ck_assert_int_eq(nla_parse(d->na, TCA_NETEM_PRNG_SEED,
				   (struct nlattr *)((char *)nla_data(opt) +
						     NLA_ALIGN(sizeof(struct tc_netem_qopt))),
				   optlen - NLA_ALIGN(sizeof(struct tc_netem_qopt)), NULL),
			 0);
}

static struct nl_msg *build(const struct netem_params *p, const int16_t *dist, size_t n)
{
	struct netem_plan plan;
	struct netem_psched ps;
	struct fl_error err = {0};
	struct nl_msg *msg;

	/* libnl converts us → ticks with the running kernel's psched; use the same here. */
	ck_assert_int_eq(netem_plan_psched_read(NULL, &ps, &err), 0);
	ck_assert_int_eq(netem_plan_build(p, &ps, &plan, &err), 0);
	msg = netem_nl_build(7, TC_H_ROOT, 0xf1a10000, NLM_F_CREATE | NLM_F_EXCL, &plan, dist, n,
			     &err);
	ck_assert_msg(msg != NULL, "%s", err.msg);
	return msg;
}

START_TEST(test_msg_header_and_delay)
{
	struct netem_params p;
	struct netem_psched ps;
	struct fl_error err = {0};
	struct decoded d;

	ck_assert_int_eq(netem_plan_psched_read(NULL, &ps, &err), 0);
	netem_plan_params_init(&p);
	p.delay_ms = 100;
	p.jitter_ms = 20;
	p.correlation = 0.25;
	decode(build(&p, NULL, 0), &d);
	ck_assert_str_eq(d.kind, "netem");
	ck_assert_int_eq(d.tcm.tcm_ifindex, 7);
	ck_assert_uint_eq(d.tcm.tcm_parent, TC_H_ROOT);
	ck_assert_uint_eq(d.tcm.tcm_handle, 0xf1a10000);
	ck_assert_int_eq(nlmsg_hdr(d.msg)->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL),
			 NLM_F_CREATE | NLM_F_EXCL);
	ck_assert_uint_eq(d.qopt.latency, netem_plan_ticks(&ps, 100000));
	ck_assert_uint_eq(d.qopt.jitter, netem_plan_ticks(&ps, 20000));
	ck_assert_uint_eq(d.qopt.loss, 0);
	ck_assert_uint_ge(d.qopt.limit, 1000);
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_LATENCY64]);
	ck_assert_int_eq(nla_get_s64(d.na[TCA_NETEM_LATENCY64]), 100000000);
	ck_assert_int_eq(nla_get_s64(d.na[TCA_NETEM_JITTER64]), 20000000);
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_CORR]);
	struct tc_netem_corr *c = nla_data(d.na[TCA_NETEM_CORR]);
	ck_assert_uint_eq(c->delay_corr, netem_plan_prob(0.25));
	ck_assert_ptr_null(d.na[TCA_NETEM_RATE]);
	ck_assert_ptr_null(d.na[TCA_NETEM_PRNG_SEED]);
	ck_assert_ptr_null(d.na[TCA_NETEM_LOSS]);
	nlmsg_free(d.msg);
}
END_TEST

START_TEST(test_msg_loss_dup_corr)
{
	struct netem_params p;
	struct decoded d;

	netem_plan_params_init(&p);
	p.loss = 0.2;
	p.duplicate = 0.01;
	p.correlation = 0.5;
	decode(build(&p, NULL, 0), &d);
	ck_assert_uint_eq(d.qopt.loss, netem_plan_prob(0.2));
	ck_assert_uint_eq(d.qopt.duplicate, netem_plan_prob(0.01));
	struct tc_netem_corr *c = nla_data(d.na[TCA_NETEM_CORR]);
	ck_assert_uint_eq(c->loss_corr, netem_plan_prob(0.5));
	ck_assert_uint_eq(c->dup_corr, netem_plan_prob(0.5));
	ck_assert_uint_eq(c->delay_corr, 0); /* no jitter: delay correlation is meaningless */
	nlmsg_free(d.msg);
}
END_TEST

START_TEST(test_msg_reorder_corrupt)
{
	struct netem_params p;
	struct decoded d;

	netem_plan_params_init(&p);
	p.delay_ms = 10;
	p.reorder = 0.05;
	p.corrupt = 0.001;
	decode(build(&p, NULL, 0), &d);
	ck_assert_uint_eq(d.qopt.gap, 1);
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_REORDER]);
	struct tc_netem_reorder *ro = nla_data(d.na[TCA_NETEM_REORDER]);
	ck_assert_uint_eq(ro->probability, netem_plan_prob(0.05));
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_CORRUPT]);
	struct tc_netem_corrupt *co = nla_data(d.na[TCA_NETEM_CORRUPT]);
	ck_assert_uint_eq(co->probability, netem_plan_prob(0.001));
	nlmsg_free(d.msg);
}
END_TEST

START_TEST(test_msg_rate_and_seed)
{
	struct netem_params p;
	struct decoded d;

	netem_plan_params_init(&p);
	p.rate_bps = 8000000; /* 1 MB/s */
	p.seed = 0x1234567890abcdefull;
	decode(build(&p, NULL, 0), &d);
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_RATE]);
	struct tc_netem_rate *r = nla_data(d.na[TCA_NETEM_RATE]);
	ck_assert_uint_eq(r->rate, 1000000);
	ck_assert_ptr_null(d.na[TCA_NETEM_RATE64]);
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_PRNG_SEED]);
	ck_assert_uint_eq(nla_get_u64(d.na[TCA_NETEM_PRNG_SEED]), 0x1234567890abcdefull);
	nlmsg_free(d.msg);

	p.rate_bps = 80ull * 1000 * 1000 * 1000; /* 80 gbit: needs RATE64 */
	decode(build(&p, NULL, 0), &d);
	r = nla_data(d.na[TCA_NETEM_RATE]);
	ck_assert_uint_eq(r->rate, UINT32_MAX);
	ck_assert_uint_eq(nla_get_u64(d.na[TCA_NETEM_RATE64]), 10000000000ull);
	nlmsg_free(d.msg);
}
END_TEST

START_TEST(test_msg_gemodel)
{
	struct netem_params p;
	struct decoded d;
	struct nlattr *lm[NETEM_LOSS_MAX + 1];

	netem_plan_params_init(&p);
	p.loss_model = NETEM_LOSS_GEMODEL;
	p.ge_p = 0.02;
	p.ge_r = 0.3;
	p.ge_h = 0.1;
	p.ge_k = 0.95;
	decode(build(&p, NULL, 0), &d);
	ck_assert_uint_eq(d.qopt.loss, 0);
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_LOSS]);
	ck_assert_int_eq(nla_parse_nested(lm, NETEM_LOSS_MAX, d.na[TCA_NETEM_LOSS], NULL), 0);
	ck_assert_ptr_nonnull(lm[NETEM_LOSS_GE]);
	struct tc_netem_gemodel *ge = nla_data(lm[NETEM_LOSS_GE]);
	ck_assert_uint_eq(ge->p, netem_plan_prob(0.02));
	ck_assert_uint_eq(ge->r, netem_plan_prob(0.3));
	ck_assert_uint_eq(ge->h, netem_plan_prob(0.1));
	ck_assert_uint_eq(ge->k1, netem_plan_prob(0.05));
	nlmsg_free(d.msg);
}
END_TEST

START_TEST(test_msg_distribution)
{
	struct netem_params p;
	struct decoded d;
	struct fl_error err = {0};
	int16_t *table;
	size_t n;

	if (netem_dist_load(NETEM_DIST_NORMAL, NULL, &table, &n, &err) < 0)
		TEST_SKIP("tc-dist", "iproute2's netem tables are missing: %s", err.msg);
	ck_assert_uint_eq(n, 4096);
	netem_plan_params_init(&p);
	p.delay_ms = 50;
	p.jitter_ms = 5;
	p.distribution = NETEM_DIST_NORMAL;
	decode(build(&p, table, n), &d);
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_DELAY_DIST]);
	ck_assert_int_eq(nla_len(d.na[TCA_NETEM_DELAY_DIST]), (int)(n * sizeof(int16_t)));
	ck_assert_mem_eq(nla_data(d.na[TCA_NETEM_DELAY_DIST]), table, n * sizeof(int16_t));
	ck_assert_ptr_nonnull(d.na[TCA_NETEM_LATENCY64]); /* still there after the table */
	nlmsg_free(d.msg);
	free(table);
}
END_TEST

START_TEST(test_dist_parse)
{
	int16_t *t;
	size_t n;
	struct fl_error err = {0};

	ck_assert_int_eq(netem_dist_parse("# c\n 1 -2\n32767 -32768\n", &t, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(t[1], -2);
	ck_assert_int_eq(t[3], -32768);
	free(t);
	ck_assert_int_eq(netem_dist_parse("1 40000", &t, &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "bad number"));
}
END_TEST

START_TEST(test_params_json)
{
	struct netem_params p;
	struct fl_error err = {0};
	json_t *j = json_loads("{\"delay_ms\":\"1.5s\",\"jitter_ms\":20,\"loss\":\"20%\","
			       "\"correlation\":0.25,\"distribution\":\"pareto\",\"rate_bps\":"
			       "\"2mbit\",\"direction\":\"both\",\"loss_model\":\"gemodel\","
			       "\"ge_p\":0.01}",
			       0, NULL);

	ck_assert_int_eq(netem_params_parse(j, 99, &p, &err), 0);
	ck_assert_double_eq(p.delay_ms, 1500);
	ck_assert_double_eq(p.jitter_ms, 20);
	ck_assert_double_eq_tol(p.loss, 0.2, 1e-12);
	ck_assert_double_eq(p.correlation, 0.25);
	ck_assert_int_eq(p.distribution, NETEM_DIST_PARETO);
	ck_assert_uint_eq(p.rate_bps, 2000000);
	ck_assert_int_eq(p.direction, NETEM_DIR_BOTH);
	ck_assert_int_eq(p.loss_model, NETEM_LOSS_GEMODEL);
	ck_assert_uint_eq(p.seed, 99);
	json_decref(j);
}
END_TEST

struct bad_case {
	const char *json, *msg;
};

static const struct bad_case bad_cases[] = {
    {"{\"loss\":\"120%\"}", "params.loss: fraction \"120%\" must lie between 0% and 100%"},
    {"{\"loss\":1.5}", "params.loss: fraction 1.5 must lie between 0 and 1"},
    {"{\"delay\":5}", "params.delay: unknown parameter"},
    {"{\"delay_ms\":\"5\"}", "params.delay_ms: expected a duration such as 250ms, 2s, 1.5s, "
			     "3m or 1h, got \"5\" (a bare number has no unit)"},
    {"{\"direction\":\"up\"}", "params.direction: expected egress, ingress or both"},
    {"{\"distribution\":\"cauchy\"}",
     "params.distribution: expected uniform, normal, pareto or paretonormal"},
    {"{\"loss_model\":\"gi\"}", "params.loss_model: expected random or gemodel"},
    {"{\"rate_bps\":-5}", "params.rate_bps: expected bits per second (an integer > 0)"},
};

START_TEST(test_params_json_errors)
{
	const struct bad_case *c = &bad_cases[_i];
	struct netem_params p;
	struct fl_error err = {0};
	json_t *j = json_loads(c->json, 0, NULL);

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(netem_params_parse(j, 1, &p, &err), -1);
	ck_assert_str_eq(err.msg, c->msg);
	json_decref(j);
}
END_TEST

Suite *netem_suite(void)
{
	Suite *s = suite_create("netem");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_prob_scale);
	tcase_add_test(tc, test_ticks);
	tcase_add_test(tc, test_psched_file);
	tcase_add_test(tc, test_plan_values);
	tcase_add_test(tc, test_plan_gemodel);
	tcase_add_test(tc, test_plan_errors);
	tcase_add_test(tc, test_dist_parse);
	tcase_add_test(tc, test_params_json);
	tcase_add_loop_test(tc, test_params_json_errors, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("netlink");
	tcase_add_test(tc, test_msg_header_and_delay);
	tcase_add_test(tc, test_msg_loss_dup_corr);
	tcase_add_test(tc, test_msg_reorder_corrupt);
	tcase_add_test(tc, test_msg_rate_and_seed);
	tcase_add_test(tc, test_msg_gemodel);
	tcase_add_test(tc, test_msg_distribution);
	suite_add_tcase(s, tc);
	return s;
}
