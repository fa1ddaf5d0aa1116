/* The timeline, as root, through the real binaries on netns.
 * - It keeps its schedule next to a freeze: 12 labnodes, relay traffic whose receipts the
 *   run polls; n5 is killed at 4 s and restarted at 6 s, n7 frozen from 5 s to 8 s. The run
 *   used to poll the frozen node's REST from the timeline and wait there until the freeze's
 *   lease ran out (17 s late, the freeze's revert refused: "not in force"). Evidence read
 *   from the journal: every planned event is issued less than 1 s after its time, the
 *   restart succeeds, and the freeze is reverted by its planned revert (result ok, before
 *   9 s) — not by its lease.
 * - until: delivered counts the sends of an after: traffic: a 100 ms delay on bob from 1 s
 *   (cap 16 s) while bob sends one DM (hello, 1.5 s) and, once it has arrived, chat's three
 *   (1 s, 2 s and 3 s after chat opens, ~1.75 s). The delay used to end as soon as hello
 *   arrived (~1.75 s), before chat's first send; it now ends after chat's last has arrived
 *   (~5 s). */
#include "tests/util_test.h"

#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void tl_setup(void)
{
	test_faultlab_setup("timeline");
}

static const char tl_scenario[] = "duration: 12s\ndrain: 3s\n"
				  "nodes:\n  - {name: \"n{1..12}\", role: relay}\n"
				  "topology: {kind: mesh, degree: 3}\n"
				  "traffic:\n"
				  "  - {name: bcast, kind: relay, from: n1, to: n12, interval: 1s,"
				  " count: 10, start: 1s}\n"
				  "faults:\n"
				  "  - {name: crash, at: 4s, kill: {target: n5, signal: KILL}}\n"
				  "  - {name: back, at: 6s, restart: {target: n5}}\n"
				  "  - {name: stall, at: 5s, for: 3s, freeze: {target: n7}}\n"
				  "expect:\n  - {metric: delivery, min: 100%}\n";

START_TEST(freeze_next_to_restart_keeps_schedule)
{
	char path[PATH_MAX + 16], out[PATH_MAX], line[8192];
	double late = 0, revert_issued = -1;
	int restarts = 0, reverts_ok = 0, events = 0;
	FILE *f;

	test_run_expect("timeline", "late", tl_scenario, 0, out, sizeof(out));
	snprintf(path, sizeof(path), "%s/events.jsonl", out);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *e = json_loads(line, 0, NULL);
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *planned = json_object_get(e, "planned_ms");
		json_t *issued = json_object_get(e, "issued_ms");

		if (!type) {
			json_decref(e);
			continue;
		}
		if (planned && issued) {
			double d = json_number_value(issued) - json_number_value(planned);

			events++;
			late = d > late ? d : late;
		}
		if (strcmp(type, "node-restart") == 0 &&
		    strcmp(json_string_value(json_object_get(e, "result")), "ok") == 0)
			restarts++;
		if (strcmp(type, "fault-revert") == 0 &&
		    strcmp(json_string_value(json_object_get(e, "node")), "n7") == 0 &&
		    strcmp(json_string_value(json_object_get(e, "result")), "ok") == 0) {
			reverts_ok++;
			revert_issued = json_number_value(issued);
		}
		json_decref(e);
	}
	fclose(f);
	ck_assert_msg(events >= 13, "only %d planned events in the journal", events);
	ck_assert_msg(late < 1000, "the timeline ran %.1f ms late", late);
	ck_assert_int_eq(restarts, 1);
	ck_assert_int_eq(reverts_ok, 1);
	ck_assert_msg(revert_issued >= 8000 && revert_issued < 9000,
		      "the freeze was reverted at %.1f ms (planned 8000)", revert_issued);
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

static const char tl_until[] =
    "duration: 12s\ndrain: 5s\n"
    "nodes:\n  - name: alice\n  - name: bob\n"
    "traffic:\n"
    "  - {name: hello, kind: dm, from: bob, to: alice, rate: 1/s, count: 1, start: 1500ms}\n"
    "  - {name: chat, kind: dm, from: bob, to: alice, rate: 1/s, count: 3, start: 1s,"
    " after: hello, within: 2s}\n"
    "faults:\n  - {name: slow, at: 1s, for: 15s, until: delivered,"
    " netem: {target: bob, delay: 100ms}}\n"
    "expect:\n  - {metric: delivery, min: 100%}\n";

/* A number field of the first journal line of out/events.jsonl that matches the extended
 * regex re, or -1. */
static double tl_field(const char *out, const char *re, const char *field)
{
	const char *v = test_sh("grep -E '%s' %s/events.jsonl | head -1 | "
				"grep -o '\"%s\":[0-9.]*' | sed 's/.*://'",
				re, out, field);

	return *v ? atof(v) : -1;
}

START_TEST(until_delivered_waits_for_after_traffic)
{
	char out[PATH_MAX];
	double last_send, reverted;

	test_run_expect("timeline", "until", tl_until, 0, out, sizeof(out));
	ck_assert_msg(tl_field(out, "\"type\":\"traffic-open\".*\"result\":\"ok\"", "t_ms") > 0,
		      "chat never opened");
	last_send = tl_field(out, "\"type\":\"send\".*\"msg\":\"m4\"", "issued_ms");
	reverted = tl_field(out, "\"type\":\"fault-revert\".*\"result\":\"ok\"", "issued_ms");
	ck_assert_msg(last_send > 3500, "chat's last send at %.1f ms", last_send);
	ck_assert_msg(reverted > last_send && reverted < 10000,
		      "the delay ended at %.1f ms, chat's last send left at %.1f ms", reverted,
		      last_send);
	ck_assert_int_eq(test_reports_valid(out), 1);
}
END_TEST

Suite *timeline_run_suite(void)
{
	Suite *s = suite_create("timeline_run");
	TCase *t = tcase_create("netns");

	tcase_add_checked_fixture(t, tl_setup, test_faultlab_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, freeze_next_to_restart_keeps_schedule);
	tcase_add_test(t, until_delivered_waits_for_after_traffic);
	suite_add_tcase(s, t);
	return s;
}
