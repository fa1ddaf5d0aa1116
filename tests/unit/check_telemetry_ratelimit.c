/* The collector's rate limit: golang.org/x/time/rate with limit 10/s and burst 1, one bucket
 * per RemoteAddr, as status-im/telemetry's server.go sets it up. Times are exact. */
#include "orchestrator/telemetry/ratelimit.h"

#include <check.h>

#define MS 1000000ULL

START_TEST(test_burst_one_refill_ten_per_second)
{
	struct tm_ratelimit rl;
	uint64_t t = 1000 * MS;

	tm_ratelimit_init(&rl, TM_RATE_PER_S, TM_RATE_BURST, t);
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t), 1); /* starts full */
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t), 0);
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t + 99 * MS), 0);
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t + 100 * MS), 1);
	/* a refused request takes nothing: 100 ms after the last *allowed* one passes */
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t + 150 * MS), 0);
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t + 200 * MS), 1);
	/* the bucket never holds more than one token, however long the pause */
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t + 60000 * MS), 1);
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5000", t + 60001 * MS), 0);
	/* another port of the same host is another RemoteAddr, another bucket */
	ck_assert_int_eq(tm_ratelimit_allow(&rl, "10.0.0.2:5001", t + 60001 * MS), 1);
	tm_ratelimit_free(&rl);
}
END_TEST

START_TEST(test_hourly_sweep_of_idle_buckets)
{
	struct tm_ratelimit rl;
	uint64_t t = 0;

	tm_ratelimit_init(&rl, TM_RATE_PER_S, TM_RATE_BURST, t);
	tm_ratelimit_allow(&rl, "a", t);
	tm_ratelimit_allow(&rl, "b", t + 3599 * 1000 * MS);
	ck_assert_uint_eq(rl.n, 2);
	/* at the hour: "a" unused for over 2 s goes, "b" used 1 s ago stays */
	tm_ratelimit_allow(&rl, "b", t + 3600 * 1000 * MS);
	ck_assert_uint_eq(rl.n, 1);
	ck_assert_str_eq(rl.b[0].key, "b");
	tm_ratelimit_free(&rl);
}
END_TEST

Suite *telemetry_ratelimit_suite(void)
{
	Suite *s = suite_create("telemetry_ratelimit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_burst_one_refill_ten_per_second);
	tcase_add_test(tc, test_hourly_sweep_of_idle_buckets);
	suite_add_tcase(s, tc);
	return s;
}
