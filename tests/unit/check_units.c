/* The unit parsers of docs/SCENARIO.md at their edges, with their exact messages. */
#include "common/units.h"

#include <check.h>
#include <string.h>

struct dur_case {
	const char *in;
	int64_t ms;
	const char *err;
};

static const struct dur_case dur_cases[] = {
    {"250ms", 250, NULL},
    {"2s", 2000, NULL},
    {"1.5s", 1500, NULL},
    {"3m", 180000, NULL},
    {"1h", 3600000, NULL},
    {"0s", 0, NULL},
    {"0.5ms", 1, NULL},
    {"5", 0,
     "expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"5\" (a bare number has no "
     "unit)"},
    {"5d", 0,
     "expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"5d\" (unknown unit \"d\")"},
    {"-1s", 0, "expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"-1s\""},
    {"", 0, "expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"\""},
    {"s", 0, "expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"s\""},
    {"1 s", 0,
     "expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"1 s\" (unknown unit \" s\")"},
};

START_TEST(test_duration)
{
	const struct dur_case *c = &dur_cases[_i];
	struct fl_error err = {0};
	int64_t ms = -7;
	int r = units_parse_duration_ms(c->in, &ms, &err);

	if (c->err) {
		ck_assert_int_eq(r, -1);
		ck_assert_str_eq(err.msg, c->err);
	} else {
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(ms, c->ms);
	}
}
END_TEST

START_TEST(test_rate)
{
	struct fl_error err = {0};
	double r;

	ck_assert_int_eq(units_parse_rate("5/s", &r, &err), 0);
	ck_assert_double_eq_tol(r, 5, 1e-9);
	ck_assert_int_eq(units_parse_rate("30/m", &r, &err), 0);
	ck_assert_double_eq_tol(r, 0.5, 1e-9);
	ck_assert_int_eq(units_parse_rate("0/s", &r, &err), -1);
	ck_assert_str_eq(err.msg, "rate \"0/s\" must be greater than zero");
	ck_assert_int_eq(units_parse_rate("5", &r, &err), -1);
	ck_assert_str_eq(
	    err.msg,
	    "expected a rate such as 5/s, 30/m or 2/h, got \"5\" (a bare number has no unit)");
}
END_TEST

START_TEST(test_bandwidth)
{
	struct fl_error err = {0};
	uint64_t b;

	ck_assert_int_eq(units_parse_bandwidth("1kbit", &b, &err), 0);
	ck_assert_uint_eq(b, 1000);
	ck_assert_int_eq(units_parse_bandwidth("2mbit", &b, &err), 0);
	ck_assert_uint_eq(b, 2000000);
	ck_assert_int_eq(units_parse_bandwidth("1gbit", &b, &err), 0);
	ck_assert_uint_eq(b, 1000000000);
	ck_assert_int_eq(units_parse_bandwidth("0bit", &b, &err), -1);
	ck_assert_str_eq(err.msg, "bandwidth \"0bit\" must be at least 1bit");
	ck_assert_int_eq(units_parse_bandwidth("1kbps", &b, &err), -1);
	ck_assert_str_eq(err.msg, "expected a bandwidth such as 512bit, 1kbit, 2mbit or 1gbit, got "
				  "\"1kbps\" (unknown unit \"kbps\")");
}
END_TEST

START_TEST(test_size)
{
	struct fl_error err = {0};
	uint64_t b;

	ck_assert_int_eq(units_parse_size("200B", &b, &err), 0);
	ck_assert_uint_eq(b, 200);
	ck_assert_int_eq(units_parse_size("2KiB", &b, &err), 0);
	ck_assert_uint_eq(b, 2048);
	ck_assert_int_eq(units_parse_size("1MiB", &b, &err), 0);
	ck_assert_uint_eq(b, 1048576);
	ck_assert_int_eq(units_parse_size("0B", &b, &err), 0);
	ck_assert_uint_eq(b, 0);
	ck_assert_int_eq(units_parse_size("2kib", &b, &err), -1);
	ck_assert_str_eq(
	    err.msg,
	    "expected a size such as 200B, 2KiB or 1MiB, got \"2kib\" (unknown unit \"kib\")");
}
END_TEST

START_TEST(test_fraction)
{
	struct fl_error err = {0};
	double f;

	ck_assert_int_eq(units_parse_fraction("20%", &f, &err), 0);
	ck_assert_double_eq_tol(f, 0.2, 1e-12);
	ck_assert_int_eq(units_parse_fraction("0.2", &f, &err), 0);
	ck_assert_double_eq_tol(f, 0.2, 1e-12);
	ck_assert_int_eq(units_parse_fraction("100%", &f, &err), 0);
	ck_assert_double_eq_tol(f, 1, 1e-12);
	ck_assert_int_eq(units_parse_fraction("0%", &f, &err), 0);
	ck_assert_int_eq(units_parse_fraction("0.1%", &f, &err), 0);
	ck_assert_double_eq_tol(f, 0.001, 1e-12);
	ck_assert_int_eq(units_parse_fraction("101%", &f, &err), -1);
	ck_assert_str_eq(err.msg, "fraction \"101%\" must lie between 0% and 100%");
	ck_assert_int_eq(units_parse_fraction("1.5", &f, &err), -1);
	ck_assert_str_eq(err.msg, "fraction \"1.5\" must lie between 0% and 100%");
	ck_assert_int_eq(units_parse_fraction("-5%", &f, &err), -1);
	ck_assert_str_eq(err.msg, "fraction \"-5%\" must lie between 0% and 100%");
	ck_assert_int_eq(units_parse_fraction("half", &f, &err), -1);
	ck_assert_str_eq(err.msg, "expected a fraction such as 20% or 0.2, got \"half\"");
}
END_TEST

START_TEST(test_format_duration)
{
	char buf[32];

	units_format_duration(1500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.5s");
	units_format_duration(180000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "3m");
	units_format_duration(250, buf, sizeof(buf));
	ck_assert_str_eq(buf, "250ms");
}
END_TEST

Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_duration, 0, (int)(sizeof(dur_cases) / sizeof(dur_cases[0])));
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_bandwidth);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_fraction);
	tcase_add_test(tc, test_format_duration);
	suite_add_tcase(s, tc);
	return s;
}
