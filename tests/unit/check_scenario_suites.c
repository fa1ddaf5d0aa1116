/* The scenario library (every .yaml file of scenarios/) and the QA suite translations
 * (scenarios/status-cli-tests/, scenarios/lite-protocol-tester/): every file loads without an
 * error, status-cli-tests has one file per active upstream
 * test (29), each named after its test and naming it (tests/test_<file>.py::test_<name>)
 * in its comment. Run from the repository root. */
#include "orchestrator/scenario/scenario.h"

#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t load_all(const char *pattern)
{
	glob_t g;
	size_t n;

	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scenario_errors errs;
		struct scenario sc;
		char line[1024] = "";

		if (scenario_load(g.gl_pathv[i], &sc, &errs) < 0)
			scenario_errors_format(&errs, 0, line, sizeof(line));
		ck_assert_msg(errs.n == 0, "%s", line);
		scenario_free(&sc);
	}
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

START_TEST(test_library)
{
	ck_assert_uint_ge(load_all("scenarios/*.yaml"), 3);
}
END_TEST

START_TEST(test_status_cli_tests_load)
{
	ck_assert_uint_eq(load_all("scenarios/status-cli-tests/*.yaml"), 29);
}
END_TEST

START_TEST(test_lite_protocol_tester_load)
{
	ck_assert_uint_ge(load_all("scenarios/lite-protocol-tester/*.yaml"), 3);
}
END_TEST

/* upstream test → scenario file: the file exists and its comment names the test */
static const struct {
	const char *file, *test;
} upstream[] = {
    {"community-messages-baseline", "test_community_messages.py::test_community_messages_baseline"},
    {"community-messages-node-pause-10-seconds",
     "test_community_messages.py::test_community_messages_with_node_pause_10_seconds"},
    {"community-messages-node-pause-30-seconds",
     "test_community_messages.py::test_community_messages_with_node_pause_30_seconds"},
    {"contact-request-baseline", "test_contact_request.py::test_contact_request_baseline"},
    {"contact-request-latency", "test_contact_request.py::test_contact_request_with_latency"},
    {"contact-request-packet-loss",
     "test_contact_request.py::test_contact_request_with_packet_loss"},
    {"contact-request-low-bandwith",
     "test_contact_request.py::test_contact_request_with_low_bandwith"},
    {"contact-request-node-pause", "test_contact_request.py::test_contact_request_with_node_pause"},
    {"create-private-groups-baseline",
     "test_create_private_groups.py::test_create_group_chat_baseline"},
    {"create-private-groups-node-pause",
     "test_create_private_groups.py::test_create_group_with_node_pause"},
    {"fetch-community-baseline", "test_fetch_community.py::test_fetch_community_baseline"},
    {"fetch-community-latency", "test_fetch_community.py::test_fetch_community_with_latency"},
    {"fetch-community-packet-loss",
     "test_fetch_community.py::test_fetch_community_with_packet_loss"},
    {"fetch-community-low-bandwith",
     "test_fetch_community.py::test_fetch_community_with_low_bandwith"},
    {"join-community-baseline", "test_join_community.py::test_join_community_baseline"},
    {"join-community-latency", "test_join_community.py::test_join_community_with_latency"},
    {"join-community-packet-loss", "test_join_community.py::test_join_community_with_packet_loss"},
    {"join-community-low-bandwith",
     "test_join_community.py::test_join_community_with_low_bandwith"},
    {"join-community-node-pause", "test_join_community.py::test_join_community_with_node_pause"},
    {"leave-community-baseline", "test_leave_community.py::test_leave_community_baseline"},
    {"one-to-one-messages-baseline",
     "test_one_to_one_messages.py::test_one_to_one_message_baseline"},
    {"one-to-one-messages-latency",
     "test_one_to_one_messages.py::test_one_to_one_message_with_latency"},
    {"one-to-one-messages-packet-loss",
     "test_one_to_one_messages.py::test_one_to_one_message_with_packet_loss"},
    {"one-to-one-messages-low-bandwith",
     "test_one_to_one_messages.py::test_one_to_one_message_with_low_bandwith"},
    {"one-to-one-messages-node-pause-5-seconds",
     "test_one_to_one_messages.py::test_one_to_one_message_with_node_pause_5_seconds"},
    {"one-to-one-messages-node-pause-30-seconds",
     "test_one_to_one_messages.py::test_one_to_one_message_with_node_pause_30_seconds"},
    {"private-group-messages-baseline",
     "test_private_group_messages.py::test_group_chat_messages_baseline"},
    {"private-group-messages-node-pause-10-seconds",
     "test_private_group_messages.py::test_group_chat_messages_with_node_pause_10_seconds"},
    {"private-group-messages-node-pause-40-seconds",
     "test_private_group_messages.py::test_group_chat_messages_with_node_pause_40_seconds"},
};

START_TEST(test_status_cli_tests_named)
{
	ck_assert_uint_eq(sizeof(upstream) / sizeof(upstream[0]), 29);
	for (size_t i = 0; i < sizeof(upstream) / sizeof(upstream[0]); i++) {
		char path[256], buf[8192] = "";
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "scenarios/status-cli-tests/%s.yaml",
			 upstream[i].file);
		f = fopen(path, "r");
		ck_assert_msg(f != NULL, "missing %s", path);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		ck_assert_msg(strstr(buf, upstream[i].test), "%s does not name %s", path,
			      upstream[i].test);
	}
}
END_TEST

Suite *scenario_suites_suite(void)
{
	Suite *s = suite_create("scenario_suites");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, test_library);
	tcase_add_test(tc, test_status_cli_tests_load);
	tcase_add_test(tc, test_lite_protocol_tester_load);
	tcase_add_test(tc, test_status_cli_tests_named);
	suite_add_tcase(s, tc);
	return s;
}
