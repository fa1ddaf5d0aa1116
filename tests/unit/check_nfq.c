/* The NFQUEUE engine's pure parts: the release schedule (heap order, sequence tie-break),
 * the seeded draws (reproducible, loss fraction, jitter distribution, Gilbert–Elliott,
 * rate) and the packet surgery (checksums of a re-injected copy, corruption). */
#include "agents/netem_dist.h"
#include "agents/nfq_draw.h"
#include "agents/nfq_heap.h"
#include "agents/nfq_pkt.h"

#include "tests/util_test.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_heap_order_and_ties)
{
	static const uint64_t due[] = {50, 10, 30, 10, 40, 10, 20, 30};
	struct nfq_heap h;
	struct nfq_heap_entry x, prev = {0};

	nfq_heap_init(&h);
	ck_assert_ptr_null(nfq_heap_peek(&h));
	for (uint32_t i = 0; i < 8; i++) {
		x = (struct nfq_heap_entry){.due_ns = due[i], .seq = i, .packet_id = 100 + i};
		nfq_heap_push(&h, &x);
	}
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(nfq_heap_pop(&h, &x), 0);
		if (i > 0) {
			ck_assert_uint_ge(x.due_ns, prev.due_ns);
			if (x.due_ns == prev.due_ns)
				ck_assert_uint_gt(x.seq, prev.seq); /* arrival order kept */
		}
		prev = x;
	}
	ck_assert_int_eq(nfq_heap_pop(&h, &x), -1);
	nfq_heap_free(&h);
}
END_TEST

START_TEST(test_heap_many_random)
{
	struct nfq_heap h;
	struct nfq_heap_entry x, prev = {0};
	struct rng r;

	rng_seed(&r, 5);
	nfq_heap_init(&h);
	for (uint64_t i = 0; i < 10000; i++) {
		x = (struct nfq_heap_entry){
		    .due_ns = rng_below(&r, 100), .seq = i, .data = malloc(4), .len = 4};
		nfq_heap_push(&h, &x);
	}
	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(nfq_heap_pop(&h, &x), 0);
		ck_assert(i == 0 || x.due_ns > prev.due_ns ||
			  (x.due_ns == prev.due_ns && x.seq > prev.seq));
		free(prev.data);
		prev = x;
	}
	free(prev.data);
	nfq_heap_free(&h); /* frees the data of the other 5000 (ASan would tell) */
}
END_TEST

static struct netem_params params(void)
{
	struct netem_params p;

	netem_plan_params_init(&p);
	p.seed = 1234;
	return p;
}

START_TEST(test_draw_reproducible)
{
	struct netem_params p = params();
	struct nfq_draw a, b, c;
	struct nfq_draw_decision da, db, dc;
	int differ = 0;

	p.delay_ms = 100;
	p.jitter_ms = 10;
	p.loss = 0.1;
	p.duplicate = 0.05;
	nfq_draw_init(&a, &p, NULL, 0);
	nfq_draw_init(&b, &p, NULL, 0);
	p.seed = 1235;
	nfq_draw_init(&c, &p, NULL, 0);
	for (int i = 0; i < 1000; i++) {
		nfq_draw_packet(&a, &da);
		nfq_draw_packet(&b, &db);
		nfq_draw_packet(&c, &dc);
		ck_assert_int_eq(da.drop, db.drop);
		ck_assert_int_eq(da.dup, db.dup);
		ck_assert_int_eq(da.delay_ns, db.delay_ns);
		differ += da.drop != dc.drop || da.delay_ns != dc.delay_ns;
	}
	ck_assert_int_gt(differ, 500); /* another seed, other decisions */
}
END_TEST

START_TEST(test_draw_loss_fraction)
{
	struct netem_params p = params();
	struct nfq_draw d;
	struct nfq_draw_decision x;
	int lost = 0, dups = 0, n = 100000;

	p.loss = 0.2;
	p.duplicate = 0.01;
	nfq_draw_init(&d, &p, NULL, 0);
	for (int i = 0; i < n; i++) {
		nfq_draw_packet(&d, &x);
		lost += x.drop;
		dups += x.dup;
		ck_assert_int_eq(x.delay_ns, 0);
	}
	ck_assert_double_eq_tol((double)lost / n, 0.2, 0.005);
	ck_assert_double_eq_tol((double)dups / (n - lost), 0.01, 0.002);
}
END_TEST

START_TEST(test_draw_loss_correlated_keeps_mean)
{
	struct netem_params p = params();
	struct nfq_draw d;
	struct nfq_draw_decision x;
	int lost = 0, runs = 0, prev = 0, n = 200000;

	p.loss = 0.3;
	p.correlation = 0.5;
	nfq_draw_init(&d, &p, NULL, 0);
	for (int i = 0; i < n; i++) {
		nfq_draw_packet(&d, &x);
		lost += x.drop;
		runs += x.drop && !prev;
		prev = x.drop;
	}
	ck_assert_double_eq_tol((double)lost / n, 0.3, 0.01); /* the fraction asked for */
	/* Mean burst 1 / (1 - P(loss | loss)) = 1 / (1 - 0.65) = 2.86 (1.43 independent). */
	ck_assert_double_eq_tol((double)lost / runs, 1 / (1 - 0.65), 0.1);
}
END_TEST

START_TEST(test_draw_uniform_jitter)
{
	struct netem_params p = params();
	struct nfq_draw d;
	struct nfq_draw_decision x;
	double sum = 0, min = 1e18, max = 0;
	int n = 100000;

	p.delay_ms = 100;
	p.jitter_ms = 20;
	nfq_draw_init(&d, &p, NULL, 0);
	for (int i = 0; i < n; i++) {
		nfq_draw_packet(&d, &x);
		sum += (double)x.delay_ns;
		min = fmin(min, (double)x.delay_ns);
		max = fmax(max, (double)x.delay_ns);
	}
	ck_assert_double_eq_tol(sum / n / 1e6, 100, 0.3);
	ck_assert_double_ge(min, 80e6);
	ck_assert_double_le(max, 120e6);
	ck_assert_double_lt(min, 80.1e6);
	ck_assert_double_gt(max, 119.9e6);
}
END_TEST

static void normal_stats(const int16_t *table, size_t n_table, double *mean, double *sd)
{
	struct netem_params p = params();
	struct nfq_draw d;
	struct nfq_draw_decision x;
	double s = 0, s2 = 0;
	int n = 100000;

	p.delay_ms = 100;
	p.jitter_ms = 10;
	p.distribution = NETEM_DIST_NORMAL;
	nfq_draw_init(&d, &p, table, n_table);
	for (int i = 0; i < n; i++) {
		nfq_draw_packet(&d, &x);
		s += (double)x.delay_ns / 1e6;
		s2 += ((double)x.delay_ns / 1e6) * ((double)x.delay_ns / 1e6);
	}
	*mean = s / n;
	*sd = sqrt(s2 / n - *mean * *mean);
}

START_TEST(test_draw_normal_jitter)
{
	struct fl_error err = {0};
	int16_t *table;
	size_t n;
	double mean, sd;

	normal_stats(NULL, 0, &mean, &sd); /* Box–Muller */
	ck_assert_double_eq_tol(mean, 100, 0.2);
	ck_assert_double_eq_tol(sd, 10, 0.2);
	if (netem_dist_load(NETEM_DIST_NORMAL, NULL, &table, &n, &err) < 0)
		TEST_SKIP("tc-dist", "Box-Muller checked, netem's own table not: %s", err.msg);
	normal_stats(table, n, &mean, &sd); /* netem's own table */
	ck_assert_double_eq_tol(mean, 100, 0.2);
	ck_assert_double_eq_tol(sd, 10, 0.3);
	free(table);
}
END_TEST

START_TEST(test_draw_reorder_skips_delay)
{
	struct netem_params p = params();
	struct nfq_draw d;
	struct nfq_draw_decision x;
	int reordered = 0, n = 50000;

	p.delay_ms = 50;
	p.reorder = 0.25;
	nfq_draw_init(&d, &p, NULL, 0);
	for (int i = 0; i < n; i++) {
		nfq_draw_packet(&d, &x);
		reordered += x.reorder;
		ck_assert_int_eq(x.delay_ns, x.reorder ? 0 : 50000000);
	}
	ck_assert_double_eq_tol((double)reordered / n, 0.25, 0.01);
}
END_TEST

START_TEST(test_draw_gemodel)
{
	struct netem_params p = params();
	struct nfq_draw d;
	struct nfq_draw_decision x;
	int lost = 0, n = 200000;

	p.loss_model = NETEM_LOSS_GEMODEL;
	p.ge_p = 0.01; /* simple Gilbert: r = 0.99 by default, h = 0, k = 1 */
	p.ge_r = 0.1;
	nfq_draw_init(&d, &p, NULL, 0);
	for (int i = 0; i < n; i++) {
		nfq_draw_packet(&d, &x);
		lost += x.drop;
	}
	/* Stationary P(bad) = p / (p + r) = 0.0909; every bad-state packet is lost. */
	ck_assert_double_eq_tol((double)lost / n, 0.01 / 0.11, 0.01);
}
END_TEST

START_TEST(test_draw_rate_serialises)
{
	struct netem_params p = params();
	struct nfq_draw d;

	p.rate_bps = 8000000; /* 1 byte per microsecond */
	nfq_draw_init(&d, &p, NULL, 0);
	ck_assert_uint_eq(nfq_draw_rate(&d, 1000000, 1000), 1000000 + 1000000);
	ck_assert_uint_eq(nfq_draw_rate(&d, 1000000, 500), 2000000 + 500000); /* queued behind */
	ck_assert_uint_eq(nfq_draw_rate(&d, 9000000, 100), 9000000 + 100000); /* idle link */
	p.rate_bps = 0;
	nfq_draw_init(&d, &p, NULL, 0);
	ck_assert_uint_eq(nfq_draw_rate(&d, 123, 1500), 123);
}
END_TEST

/* A UDP/IPv4 packet 10.0.0.1:1000 → 10.0.0.2:2000 carrying "hello!", checksums wrong
 * (a UDP checksum of 0 would mean "none" and stay 0). */
static const uint8_t udp_pkt[] = {0x45, 0x00, 0x00, 0x22, 0x12, 0x34, 0x40, 0x00, 0x40,
				  0x11, 0xde, 0xad, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
				  0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0e, 0xbe,
				  0xef, 'h',  'e',  'l',  'l',	'o',  '!'};

/* RFC 1071 written out independently: a correct checksummed region sums to 0xffff. */
static uint32_t fold_sum(const uint8_t *b, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] * 256 + b[i + 1];
	if (n % 2)
		s += (uint32_t)b[n - 1] * 256;
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static uint32_t udp_sum(const uint8_t *p)
{
	uint32_t pseudo = fold_sum(p + 12, 8, 0) + 17 + 14; /* addresses, protocol, UDP length */

	return fold_sum(p + 20, 14, pseudo);
}

START_TEST(test_pkt_checksums)
{
	uint8_t p[sizeof(udp_pkt)];

	memcpy(p, udp_pkt, sizeof(p));
	ck_assert_int_eq(nfq_pkt_fix_checksums(p, sizeof(p)), 0);
	ck_assert_uint_eq(fold_sum(p, 20, 0), 0xffff);
	ck_assert_uint_eq(udp_sum(p), 0xffff);
	ck_assert_uint_eq(p[10] << 8 | p[11], 0x1495); /* by hand: ~(sum of the words) */
	/* Damage the payload: corrupt() leaves the checksum wrong, the fix recomputes it. */
	ck_assert_int_eq(nfq_pkt_corrupt(p, sizeof(p), 8 * 8 + 3), 0);
	ck_assert_uint_eq(p[28], 'h' ^ 8);
	ck_assert_uint_ne(udp_sum(p), 0xffff);
	ck_assert_int_eq(nfq_pkt_fix_checksums(p, sizeof(p)), 0);
	ck_assert_uint_eq(udp_sum(p), 0xffff);
	ck_assert_int_eq(nfq_pkt_fix_checksums(p, sizeof(p) - 1), -1); /* length mismatch */
	ck_assert_int_eq(nfq_pkt_corrupt(p, 20, 1), -1);	       /* nothing past the header */
	memcpy(p, udp_pkt, sizeof(p));
	p[26] = p[27] = 0;
	ck_assert_int_eq(nfq_pkt_fix_checksums(p, sizeof(p)), 0);
	ck_assert_uint_eq(p[26] | p[27], 0); /* no UDP checksum stays none */
}
END_TEST

Suite *nfq_suite(void)
{
	Suite *s = suite_create("nfq");
	TCase *tc = tcase_create("heap");

	tcase_add_test(tc, test_heap_order_and_ties);
	tcase_add_test(tc, test_heap_many_random);
	suite_add_tcase(s, tc);
	tc = tcase_create("draw");
	tcase_add_test(tc, test_draw_reproducible);
	tcase_add_test(tc, test_draw_loss_fraction);
	tcase_add_test(tc, test_draw_loss_correlated_keeps_mean);
	tcase_add_test(tc, test_draw_uniform_jitter);
	tcase_add_test(tc, test_draw_normal_jitter);
	tcase_add_test(tc, test_draw_reorder_skips_delay);
	tcase_add_test(tc, test_draw_gemodel);
	tcase_add_test(tc, test_draw_rate_serialises);
	suite_add_tcase(s, tc);
	tc = tcase_create("pkt");
	tcase_add_test(tc, test_pkt_checksums);
	suite_add_tcase(s, tc);
	return s;
}
