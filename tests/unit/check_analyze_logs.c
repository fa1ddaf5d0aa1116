/* `faultlab analyze --logs`: fleet logs in the real line formats of nwaku (chronicles text,
 * legacy and JSON), go-waku (zap console and JSON) and labnode (tests/data/logs/fleet), with
 * the format detected per file. */
#include "orchestrator/analyze/fleetlog.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLEET "tests/data/logs/fleet"
#define T0 1763643976000000000ull /* 2025-11-20T13:06:16Z */
#define MS 1000000ull
#define H1 "0x64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05"
#define H2 "0x7158b6498753313368b9af8f6e0a0a05104f68f972981da42a43bc53fb0c1b27"
#define H3 "0xa2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8"

struct line_case {
	const char *line;
	enum fleetlog_format detected;
	const char *hash; /* NULL: no hash on this line */
	uint64_t t_ns;
	const char *event;
};

static const struct line_case line_cases[] = {
    {"NTC 2025-11-20 13:06:16.015+00:00 received relay message       topics=\"waku relay\" "
     "tid=1 file=protocol.nim:412 my_peer_id=16U*GiNg1a msg_hash=0xab12 from_peer_id=16U*Xy "
     "receivedTime=1763643976015000001 payloadSizeBytes=120",
     FLEETLOG_NWAKU, "0xab12", T0 + 15 * MS + 1, "received relay message"},
    {"DBG 2025-11-20 13:06:17.500+01:00 handling message   topics=\"waku filter\" "
     "pubsubTopic=/waku/2/rs/16/32 msg_hash=0xcd34",
     FLEETLOG_NWAKU, "0xcd34", T0 + 1500 * MS - 3600000 * MS, "handling message"},
    {"{\"lvl\":\"NTC\",\"ts\":\"2025-11-20 13:06:16.000+00:00\",\"msg\":\"sent relay message\","
     "\"msg_hash\":\"0xef56\",\"sentTime\":1763643976000000042}",
     FLEETLOG_NWAKU_JSON, "0xef56", T0 + 42, "sent relay message"},
    {"2025-11-20T13:06:16.250Z\tDEBUG\trelay.messages\twaku.relay received\t"
     "{\"pubsubTopic\": \"/waku/2/rs/16/32\", \"hash\": \"0x77\", \"payloadSizeBytes\": 3}",
     FLEETLOG_GOWAKU, "0x77", T0 + 250 * MS, "waku.relay received"},
    {"1763643976.5\tDEBUG\tlightpush.messages\twaku.lightpush published\t"
     "{\"hash\": \"0x78\", \"num-peers\": 2}",
     FLEETLOG_GOWAKU, "0x78", T0 + 500 * MS, "waku.lightpush published"},
    {"{\"level\":\"debug\",\"ts\":1763643976.25,\"logger\":\"relay.messages\","
     "\"msg\":\"waku.relay published\",\"hash\":\"0x79\",\"publishTime\":1763643976000000007}",
     FLEETLOG_GOWAKU_JSON, "0x79", T0 + 7, "waku.relay published"},
    {"sent relay message my_peer_id=16U*L1 msg_hash=0x80 to_peer_id=16U*L2 sentTime=99",
     FLEETLOG_LABNODE, "0x80", 99, "sent relay message"},
    {"message received: m1 hello (ID=0x5f01)", FLEETLOG_AUTO, NULL, 0, NULL},
    {"INF 2025-11-20 13:06:11.000+00:00 Node setup complete   topics=\"wakunode main\"",
     FLEETLOG_NWAKU, NULL, 0, NULL},
};

START_TEST(test_lines)
{
	const struct line_case *c = &line_cases[_i];
	struct fleetlog_line l;
	int r = fleetlog_parse_line(FLEETLOG_AUTO, c->line, strlen(c->line), &l);

	ck_assert_int_eq(fleetlog_detect(c->line, strlen(c->line)), c->detected);
	ck_assert_int_eq(r, c->hash != NULL);
	if (!c->hash)
		return;
	ck_assert_int_eq(l.hash_len, strlen(c->hash));
	ck_assert(memcmp(l.hash, c->hash, l.hash_len) == 0);
	ck_assert_int_eq(l.has_t, 1);
	ck_assert_msg(l.t_ns == c->t_ns, "t_ns %llu, want %llu", (unsigned long long)l.t_ns,
		      (unsigned long long)c->t_ns);
	ck_assert_int_eq(l.event_len, strlen(c->event));
	ck_assert(memcmp(l.event, c->event, l.event_len) == 0);
}
END_TEST

static const struct fleetlog_hash *hash(const struct fleetlog *fl, const char *h)
{
	for (size_t i = 0; i < fl->n_hashes; i++)
		if (strcmp(fl->hashes[i].hash, h) == 0)
			return &fl->hashes[i];
	ck_abort_msg("no hash %s", h);
	return NULL;
}

static size_t node(const struct fleetlog *fl, const char *name)
{
	for (size_t i = 0; i < fl->n_nodes; i++)
		if (strcmp(fl->nodes[i].name, name) == 0)
			return i;
	ck_abort_msg("no node %s", name);
	return 0;
}

START_TEST(test_fleet_table)
{
	struct fl_error err = {0};
	struct fleetlog *fl = fleetlog_load(FLEET, NULL, &err);
	const struct fleetlog_hash *h;

	ck_assert_msg(fl != NULL, "%s", err.msg);
	ck_assert_uint_eq(fl->n_nodes, 5);
	ck_assert_uint_eq(fl->n_hashes, 3);
	ck_assert_uint_eq(fl->misses, 5);
	ck_assert_int_eq(fl->nodes[node(fl, "nwaku1")].format, FLEETLOG_NWAKU);
	ck_assert_int_eq(fl->nodes[node(fl, "nwaku2")].format, FLEETLOG_NWAKU_JSON);
	ck_assert_int_eq(fl->nodes[node(fl, "gowaku-a")].format, FLEETLOG_GOWAKU);
	ck_assert_int_eq(fl->nodes[node(fl, "gowaku-b")].format, FLEETLOG_GOWAKU_JSON);
	ck_assert_int_eq(fl->nodes[node(fl, "labnode1")].format, FLEETLOG_LABNODE);
	h = hash(fl, H1); /* published by gowaku-a, then 15, 20, 30, 45 ms */
	ck_assert_uint_eq(h->seen_by, 5);
	ck_assert(h->min_ns == T0 && h->max_ns == T0 + 45 * MS);
	ck_assert_str_eq(h->origin_event, "waku.relay published");
	ck_assert(h->first_ns[node(fl, "labnode1")] == T0 + 45 * MS);
	h = hash(fl, H2);
	ck_assert_uint_eq(h->seen_by, 2);
	ck_assert_uint_eq(h->first_ns[node(fl, "gowaku-b")], 0); /* missed */
	ck_assert(h->max_ns - h->min_ns == 10 * MS);
	h = hash(fl, H3); /* legacy line, lightpush, filter push, go-waku lightpush */
	ck_assert_uint_eq(h->seen_by, 3);
	ck_assert(h->max_ns - h->min_ns == 8 * MS);
	fleetlog_free(fl);
}
END_TEST

START_TEST(test_fleet_report_file)
{
	char out[64];
	struct fleetlog_opts o = {.quiet = 1, .out = out};
	struct fl_error err = {0};
	json_error_t jerr;
	json_t *root, *h, *missed;
	size_t i;

	snprintf(out, sizeof(out), "/tmp/fl-logs-%d.json", (int)getpid());
	ck_assert_msg(fleetlog_analyze_dir(FLEET, &o, &err) == 0, "%s", err.msg);
	root = json_load_file(out, 0, &jerr);
	unlink(out);
	ck_assert_msg(root != NULL, "%s", jerr.text);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(root, "totals"), "misses")), 5);
	json_array_foreach(json_object_get(root, "hashes"), i, h)
	{
		if (strcmp(json_string_value(json_object_get(h, "hash")), H2) != 0)
			continue;
		ck_assert_double_eq_tol(json_number_value(json_object_get(h, "propagation_ms")), 10,
					1e-9);
		ck_assert_double_eq_tol(
		    json_number_value(json_object_get(json_object_get(h, "seen"), "nwaku2")), 10,
		    1e-9);
		missed = json_object_get(h, "missed_by");
		ck_assert_int_eq(json_array_size(missed), 3);
		ck_assert_str_eq(json_string_value(json_array_get(missed, 0)), "gowaku-a");
	}
	json_decref(root);
}
END_TEST

START_TEST(test_forced_format_and_errors)
{
	struct fl_error err = {0};
	struct fleetlog *fl = fleetlog_load(FLEET, "nwaku", &err);

	ck_assert_msg(fl != NULL, "%s", err.msg);
	/* forced nwaku still reads the JSON variant; zap console lines are not chronicles */
	ck_assert_uint_eq(hash(fl, H1)->seen_by, 4);
	fleetlog_free(fl);
	ck_assert_ptr_null(fleetlog_load(FLEET, "syslog", &err));
	ck_assert_str_eq(err.msg, "unknown log format \"syslog\" (nwaku, go-waku, labnode)");
	ck_assert_ptr_null(fleetlog_load("tests/data/logs/none", NULL, &err));
}
END_TEST

Suite *analyze_logs_suite(void)
{
	Suite *s = suite_create("analyze_logs");
	TCase *tc = tcase_create("fleet");

	tcase_add_loop_test(tc, test_lines, 0, sizeof(line_cases) / sizeof(line_cases[0]));
	tcase_add_test(tc, test_fleet_table);
	tcase_add_test(tc, test_fleet_report_file);
	tcase_add_test(tc, test_forced_format_and_errors);
	suite_add_tcase(s, tc);
	return s;
}
