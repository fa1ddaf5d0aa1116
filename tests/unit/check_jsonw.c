/* The report writer's numbers: the printf-free fast paths print exactly what "%.0f" (integers)
 * and "%.10g" (everything else) print, so report.json reads the same either way. */
#include "orchestrator/render/jsonw.h"

#include "common/rng.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_same(double x)
{
	char want[64], *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	struct jsonw w;

	jsonw_init(&w, f);
	jsonw_num(&w, x);
	fclose(f);
	snprintf(want, sizeof(want), x == floor(x) && fabs(x) < 1e15 ? "%.0f" : "%.10g", x);
	ck_assert_msg(strcmp(got, want) == 0, "%.17g: wrote \"%s\", printf says \"%s\"", x, got,
		      want);
	free(got);
}

START_TEST(test_num_matches_printf)
{
	static const double fixed[] = {0,     1,	 -1,	     31234.5,	39357.25,
				       0.001, 0.1 + 0.2, 999999.999, 1e6 + 0.5, 123.4567,
				       -0.5,  1e14,	 -42,	     8123.0,	0.25};
	struct rng r;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		expect_same(fixed[i]);
	rng_seed(&r, 5);
	for (int i = 0; i < 20000; i++) {
		double ms = (double)rng_below(&r, 2000000000) / 1000; /* three decimals */
		expect_same(ms);
		expect_same(-ms);
		expect_same(rng_unit(&r) * 1e5); /* arbitrary decimals: printf path */
		expect_same((double)rng_below(&r, 1000000) / 10);
	}
}
END_TEST

START_TEST(test_u64)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	struct jsonw w;

	jsonw_init(&w, f);
	jsonw_arr(&w, 1);
	jsonw_u64(&w, 0);
	jsonw_u64(&w, 18446744073709551615ull);
	jsonw_arr_end(&w);
	fclose(f);
	ck_assert_str_eq(got, "[0, 18446744073709551615]\n");
	free(got);
}
END_TEST

Suite *jsonw_suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("numbers");

	tcase_add_test(tc, test_num_matches_printf);
	tcase_add_test(tc, test_u64);
	suite_add_tcase(s, tc);
	return s;
}
