/* Traffic language end to end, as root, through the real binaries (build/faultlab, labnode,
 * faultlab-agent) on netns, two or three labnodes, a few seconds each:
 * - after/within: "chat" waits for "hello" (a contact request with accept: true). Accepted,
 *   chat opens and its 4 messages arrive (traffic_opens[].opened_ms set, 5 delivered). With
 *   both nodes cut apart until after within (2 s) runs out, chat never starts: the run fails
 *   with the verdict line `traffic "chat" never started: "hello" not accepted within 2s`, and
 *   chat's 4 messages are not counted (only hello's 1 is sent).
 * - store-query: the store (svc) is cut off from everyone for 4 s while alice sends bob two
 *   DMs (chat), and connected again before two more (chat2); at 9 s bob asks svc for each
 *   traffic's messages through labnode's /store/v3/messages (peerAddr = svc): chat's are
 *   missing, chat2's found (store_queries[], metric stored 0 % and 100 %).
 * - group creation: a creates the group [a, b, c] before the group traffic's first message;
 *   c is frozen from 0.5 s to 3 s, so b learns of the group at once and c only after the
 *   thaw (groups[].members[].learnt_ms; metric created 100 %).
 * Each report is validated against the schema. */
#include "tests/util_test.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void tr_setup(void)
{
	test_faultlab_setup("traffic");
}

/* The number of lines of out/file that match the extended regex re. */
static int tr_count(const char *out, const char *file, const char *re)
{
	return test_grep_count(re, "%s/%s", out, file);
}

static const char tr_after[] =
    "duration: 10s\ndrain: 5s\n"
    "nodes:\n  - name: alice\n  - name: bob\n"
    "traffic:\n"
    "  - {name: hello, kind: contact-request, from: bob, to: alice, rate: 1/s, count: 1,"
    " start: 1s, accept: true}\n"
    "  - {name: chat, kind: dm, from: bob, to: alice, rate: 2/s, count: 4, start: 500ms,"
    " after: hello, within: 2s}\n"
    "expect:\n  - {metric: delivery, min: 100%}\n";

START_TEST(after_opens_once_accepted)
{
	char out[PATH_MAX];

	test_run_expect("traffic", "after", tr_after, 0, out, sizeof(out));
	ck_assert_int_eq(tr_count(out, "report.json", "\"opened_ms\": [0-9]"), 1);
	ck_assert_int_eq(tr_count(out, "report.json", "\"status\": \"delivered\""), 5);
	ck_assert_int_eq(tr_count(out, "events.jsonl", "\"type\":\"traffic-open\".*\"ok\""), 1);
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

START_TEST(after_times_out)
{
	char out[PATH_MAX], body[1024];

	snprintf(body, sizeof(body),
		 "%sfaults:\n  - {name: cut, at: 0s, for: 6s, partition: "
		 "{groups: [[alice], [bob]]}}\n",
		 tr_after);
	test_run_expect("traffic", "after-late", body, 1, out, sizeof(out));
	ck_assert_int_eq(tr_count(out, "report.json",
				  "traffic \\\\\"chat\\\\\" never started: \\\\\"hello\\\\\" not "
				  "accepted within 2s"),
			 1);
	ck_assert_int_eq(tr_count(out, "report.json", "\"opened_ms\": null"), 1);
	ck_assert_int_eq(tr_count(out, "report.json", "^    \"sent\": 1,"), 1);
	ck_assert_int_eq(tr_count(out, "summary.md", "never started"), 2);
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

static const char tr_store[] =
    "duration: 10s\ndrain: 5s\n"
    "defaults:\n  args: [\"--keepalive=500ms\", \"--keepalive-timeout=1500ms\", "
    "\"--backoff-max=500ms\"]\n"
    "nodes:\n  - {name: svc, role: service}\n  - {name: alice}\n  - {name: bob}\n"
    "traffic:\n"
    "  - {name: chat, kind: dm, from: alice, to: bob, rate: 1/s, count: 2, start: 500ms}\n"
    "  - {name: chat2, kind: dm, from: alice, to: bob, rate: 1/s, count: 2, start: 6s}\n"
    "  - {name: check, kind: store-query, from: bob, to: svc, of: chat, start: 9s}\n"
    "  - {name: check2, kind: store-query, from: bob, to: svc, of: chat2, start: 9s}\n"
    "faults:\n  - {name: cut, at: 0s, for: 4s, partition: {groups: [[svc], rest]}}\n"
    "expect:\n  - {metric: delivery, min: 100%}\n"
    "  - {metric: stored, where: {traffic: chat2}, min: 100%}\n"
    "  - {metric: stored, where: {traffic: check}, max: 0%}\n";

START_TEST(store_query_found_and_missing)
{
	char out[PATH_MAX];

	test_run_expect("traffic", "store", tr_store, 0, out, sizeof(out));
	ck_assert_int_eq(tr_count(out, "report.json",
				  "\"of\": \"chat\".*\"found\": \\[\\], \"missing\": "
				  "\\[\"m1\", \"m2\"\\]"),
			 1);
	ck_assert_int_eq(tr_count(out, "report.json",
				  "\"of\": \"chat2\".*\"found\": \\[\"m3\", \"m4\"\\], "
				  "\"missing\": \\[\\]"),
			 1);
	ck_assert_int_eq(tr_count(out, "summary.md", "^\\| q[12] "), 2);
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

static const char tr_group[] =
    "duration: 6s\ndrain: 5s\n"
    "defaults:\n  reliability: [mvds]\n  args: [\"--mvds-base=500ms\", \"--mvds-max=1s\"]\n"
    "nodes:\n  - {name: a}\n  - {name: b}\n  - {name: c}\n"
    "traffic:\n"
    "  - {name: chat, kind: group, from: a, to: [a, b, c], rate: 1/s, count: 3, start: 1s}\n"
    "faults:\n  - {name: nap, at: 500ms, for: 2500ms, freeze: {target: c}}\n"
    "expect:\n  - {metric: delivery, min: 100%}\n  - {metric: created, min: 100%}\n";

/* learnt_ms of member `node` in report.json's groups, or -1. */
static double tr_learnt(const char *out, const char *node)
{
	const char *v =
	    test_sh("grep -o '\"node\": \"%s\", \"learnt_ms\": [0-9.]*' %s/report.json | "
		    "sed 's/.*: //'",
		    node, out);

	return *v ? strtod(v, NULL) : -1;
}

START_TEST(group_created_and_learnt)
{
	char out[PATH_MAX];
	double b, c;

	test_run_expect("traffic", "group", tr_group, 0, out, sizeof(out));
	ck_assert_int_eq(tr_count(out, "events.jsonl", "\"type\":\"group-create\".*\"ok\""), 1);
	ck_assert_int_eq(tr_count(out, "report.json", "\"creator\": \"a\", \"asked_ms\": [0-9]"),
			 1);
	b = tr_learnt(out, "b");
	c = tr_learnt(out, "c");
	ck_assert_msg(b >= 1000 && b < 2500, "b learnt at %.1f ms", b);
	ck_assert_msg(c >= 3000, "c (frozen until 3 s) learnt at %.1f ms", c);
	ck_assert_int_eq(tr_count(out, "summary.md", "^## Group creation"), 1);
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

Suite *traffic_run_suite(void)
{
	Suite *s = suite_create("traffic_run");
	TCase *t = tcase_create("netns");

	tcase_add_checked_fixture(t, tr_setup, test_faultlab_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, after_opens_once_accepted);
	tcase_add_test(t, after_times_out);
	tcase_add_test(t, store_query_found_and_missing);
	tcase_add_test(t, group_created_and_learnt);
	suite_add_tcase(s, t);
	return s;
}
