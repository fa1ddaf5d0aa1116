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

static char tl_bin[PATH_MAX];
static char tl_tmp[128];

static void tl_setup(void)
{
	test_bin("faultlab", tl_bin, sizeof(tl_bin));
	test_tmpdir("timeline", tl_tmp, sizeof(tl_tmp));
}

static void tl_teardown(void)
{
	test_tmpdir_done(tl_tmp);
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
	char path[PATH_MAX + 16], out[PATH_MAX], cmd[5 * PATH_MAX + 64], line[8192];
	double late = 0, revert_issued = -1;
	int rc, restarts = 0, reverts_ok = 0, events = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/late.yaml", tl_tmp);
	snprintf(out, sizeof(out), "%s/late", tl_tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "version: 1\nname: timeline-late-%d\nseed: 7\n%s", (int)getpid(), tl_scenario);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "timeout 90 %s run %s --out %s --quiet >%s.out 2>%s.err", tl_bin,
		 path, out, out, out);
	rc = system(cmd);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	ck_assert_msg(rc == 0, "exit %d (see %s.err)", rc, out);

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
	char cmd[PATH_MAX + 512];
	double v = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "grep -E '%s' %s/events.jsonl | head -1 | grep -o '\"%s\":[0-9.]*' | "
		 "sed 's/.*://'",
		 re, out, field);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	if (fscanf(f, "%lf", &v) != 1)
		v = -1;
	pclose(f);
	return v;
}

START_TEST(until_delivered_waits_for_after_traffic)
{
	char path[PATH_MAX + 16], out[PATH_MAX], cmd[5 * PATH_MAX + 64];
	double last_send, reverted;
	int rc;
	FILE *f;

	snprintf(path, sizeof(path), "%s/until.yaml", tl_tmp);
	snprintf(out, sizeof(out), "%s/until", tl_tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "version: 1\nname: timeline-until-%d\nseed: 7\n%s", (int)getpid(), tl_until);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "timeout 60 %s run %s --out %s --quiet >%s.out 2>%s.err", tl_bin,
		 path, out, out, out);
	rc = system(cmd);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	ck_assert_msg(rc == 0, "exit %d (see %s.err)", rc, out);
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

	tcase_add_checked_fixture(t, tl_setup, tl_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, freeze_next_to_restart_keeps_schedule);
	tcase_add_test(t, until_delivered_waits_for_after_traffic);
	suite_add_tcase(s, t);
	return s;
}
