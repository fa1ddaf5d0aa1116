/* The lab PRNG: reproducible streams, unbiased bounded draws, independent derived seeds. */
#include "common/rng.h"

#include <check.h>
#include <math.h>

START_TEST(test_same_seed_same_stream)
{
	struct rng a, b;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(rng_next(&a), rng_next(&b));
	rng_seed(&b, 43);
	ck_assert_uint_ne(rng_next(&a), rng_next(&b));
}
END_TEST

START_TEST(test_draw_ranges)
{
	struct rng r;
	double sum = 0, sq = 0;
	int n = 100000;

	rng_seed(&r, 7);
	for (int i = 0; i < n; i++) {
		double u = rng_unit(&r);
		ck_assert(u >= 0 && u < 1);
		ck_assert_uint_lt(rng_below(&r, 10), 10);
		double z = rng_normal(&r);
		sum += z;
		sq += z * z;
	}
	ck_assert_double_lt(fabs(sum / n), 0.02);
	ck_assert_double_lt(fabs(sq / n - 1), 0.03);
}
END_TEST

START_TEST(test_derive)
{
	ck_assert_uint_eq(rng_derive(42, "fault", 1), rng_derive(42, "fault", 1));
	ck_assert_uint_ne(rng_derive(42, "fault", 1), rng_derive(42, "fault", 2));
	ck_assert_uint_ne(rng_derive(42, "fault", 1), rng_derive(43, "fault", 1));
	ck_assert_uint_ne(rng_derive(42, "fault", 1), rng_derive(42, "traffic", 1));
}
END_TEST

Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_same_seed_same_stream);
	tcase_add_test(tc, test_draw_ranges);
	tcase_add_test(tc, test_derive);
	suite_add_tcase(s, tc);
	return s;
}
