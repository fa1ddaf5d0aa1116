/* accept: true end to end, as root, through the real binaries (build/faultlab, labnode,
 * faultlab-agent) on netns: b sends two contact requests with accept: true; a accepts each
 * on receipt and the acceptance ("m<N>.accept") reaches b, so `accepted` is 100 %; when a's
 * answers cannot leave it (netem loss 100 % on its egress from 0.5 s to the end of the drain),
 * the requests still arrive but the second acceptance never does (the drain waits for it, and
 * gives up at its end): delivery 100 %, accepted 50 %, verdict fail. Each run is 3 s plus a
 * drain of at most 3 s; the report is validated against the schema. */
#include "tests/util_test.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void acc_setup(void)
{
	test_faultlab_setup("accept");
}

static const char acc_body[] = "duration: 3s\ndrain: 3s\n"
			       "nodes:\n  - name: a\n  - name: b\n"
			       "topology:\n  kind: full\n"
			       "traffic:\n  - name: req\n    kind: contact-request\n"
			       "    from: b\n    to: a\n    rate: 1/s\n    count: 2\n"
			       "    accept: true\n"
			       "expect:\n  - metric: delivery\n    min: 100%\n"
			       "  - metric: accepted\n    min: 100%\n";

static const char acc_mute[] = "faults:\n  - at: 500ms\n    for: 5500ms\n"
			       "    netem: {target: a, loss: 100%, direction: egress}\n";

/* Runs the scenario (acc_body, then extra); asserts its exit code and leaves report.json in
 * out. */
static void acc_run(const char *tag, const char *extra, int want_exit, char *out, size_t cap)
{
	char body[2048];

	snprintf(body, sizeof(body), "%s%s", acc_body, extra);
	test_run_expect("accept", tag, body, want_exit, out, cap);
}

/* 1 when report.json holds needle. */
static int acc_report_has(const char *out, const char *needle)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/report.json", out);
	return test_file_has(path, needle);
}

/* The number of report.json lines that match the extended regex re. */
static int acc_count(const char *out, const char *re)
{
	return test_grep_count(re, "%s/report.json", out);
}

#define ACC_ACCEPTED "\"accepted_ms\": [0-9]"
#define ACC_DELIVERED "\"status\": \"delivered\""

START_TEST(accepted_at_sender_all)
{
	char out[PATH_MAX];

	acc_run("answered", "", 0, out, sizeof(out));
	ck_assert_int_eq(acc_count(out, ACC_ACCEPTED), 2);
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

START_TEST(unanswered_is_below_full)
{
	char out[PATH_MAX];

	acc_run("muted", acc_mute, 1, out, sizeof(out));
	ck_assert_int_eq(acc_count(out, ACC_DELIVERED), 2); /* both requests arrived */
	ck_assert_int_eq(acc_count(out, ACC_ACCEPTED), 1);
	ck_assert_msg(acc_report_has(out, "\"accepted_ms\": null"), "no unanswered request");
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

Suite *accept_run_suite(void)
{
	Suite *s = suite_create("accept_run");
	TCase *t = tcase_create("netns");

	tcase_add_checked_fixture(t, acc_setup, test_faultlab_teardown);
	tcase_set_timeout(t, 90);
	tcase_add_test(t, accepted_at_sender_all);
	tcase_add_test(t, unanswered_is_below_full);
	suite_add_tcase(s, t);
	return s;
}
