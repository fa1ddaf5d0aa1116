/* `faultlab analyze --logs`: fleet logs in the real line formats of nwaku (chronicles text,
 * legacy and JSON, with or without colours), go-waku (go-log's zap console with its caller
 * column, and JSON), status-go (geth terminal format, no year) and labnode
 * (tests/data/logs/fleet), behind Kubernetes CRI prefixes or not, with the format detected
 * per file. The files transcribed from the real sources are in check_conformance.c. */
#include "orchestrator/analyze/fleetlog.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLEET "tests/data/logs/fleet"
#define T0 1763643976000000000ull /* 2025-11-20T13:06:16Z */
#define MS 1000000ull
#define H1 "0x64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05"
#define H2 "0x7158b6498753313368b9af8f6e0a0a05104f68f972981da42a43bc53fb0c1b27"
#define H3 "0xa2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8"
#define HX "64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05"
#define HXU "64CCE733FED134E83DA02B02C6F689814872B1A0AC97EA56B76095C3C72BFE05"
#define ESC "\x1b"

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
    /* status-go: geth TerminalFormat, UTC, no year (the year comes from the reference) */
    {"DEBUG[11-20|13:06:16.058|github.com/status-im/status-go/wakuv2/waku.go:1461] received "
     "new envelope                    messageType=relay envelopeHash=0x" HX
     " pubsubTopic=/waku/2/rs/16/32 contentTopic=/waku/1/0x2b3a8b3c/rfc26 timestamp=1763643975"
     "990000000",
     FLEETLOG_GETH, "0x" HX, T0 + 58 * MS, "received new envelope"},
    {ESC "[36mDEBUG" ESC "[0m[11-20|13:06:16.100] waku.relay published                    "
	 "pubsubTopic=/waku/2/rs/16/32 hash=0x" HX,
     FLEETLOG_GETH, "0x" HX, T0 + 100 * MS, "waku.relay published"},
    /* go-log v2.5: Z0700 zones without a colon, the caller column, colour on the level */
    {"2025-11-20T09:06:16.200-0400\t" ESC "[35mDEBUG" ESC "[0m\tgowaku.lightpush\t"
     "lightpush/waku_lightpush.go:247\twaku.lightpush published\t{\"hash\": \"0x" HX "\"}",
     FLEETLOG_GOWAKU, "0x" HX, T0 + 200 * MS, "waku.lightpush published"},
    {"2025-11-20T17:36:16.300+0430\tINFO\tgowaku\tnode/wakunode2.go:400\tmsg\t"
     "{\"hash\": \"0x" HX "\"}",
     FLEETLOG_GOWAKU, "0x" HX, T0 + 300 * MS, "msg"},
    {"{\"level\":\"debug\",\"ts\":\"2025-11-20T09:06:16.400-0400\",\"logger\":\"gowaku\","
     "\"caller\":\"relay/metrics.go:56\",\"msg\":\"waku.relay received\",\"hash\":\"0x" HX "\"}",
     FLEETLOG_GOWAKU_JSON, "0x" HX, T0 + 400 * MS, "waku.relay received"},
    /* chronicles with a +04:00 zone, colours, publishTime, shortLog and toHex hashes */
    {"NTC 2025-11-20 17:06:16.500+04:00 start publish Waku message             "
     "topics=\"waku relay\" tid=1 file=protocol.nim:580 msg_hash=0x" HX
     " pubsubTopic=/waku/2/rs/16/32",
     FLEETLOG_NWAKU, "0x" HX, T0 + 500 * MS, "start publish Waku message"},
    {ESC "[35mNTC" ESC "[0m 2025-11-20 13:06:16.600+00:00 " ESC "[1mwaku.relay published" ESC
	 "[0m                       topics=\"" ESC "[93mwaku node" ESC "[0m\" " ESC "[35mtid" ESC
	 "[0m=" ESC "[94m1" ESC "[0m " ESC "[35mmsg_hash" ESC "[0m=" ESC "[94m0x" HX ESC "[0m " ESC
	 "[35mpublishTime" ESC "[0m=" ESC "[94m1763643976610000000" ESC "[0m",
     FLEETLOG_NWAKU, "0x" HX, T0 + 610 * MS, "waku.relay published"},
    {"DBG 2025-11-20 13:06:16.700Z recv monitor                               "
     "topics=\"waku recv_monitor\" tid=1 success=true dir=in comment=x msg_hash=0x64cc...fe05",
     FLEETLOG_NWAKU, "0x64cc...fe05", T0 + 700 * MS, "recv monitor"},
    {"TRC 2025-11-20 13:06:16.800+00:00 message ingress                            "
     "topics=\"waku reconciliation\" tid=1 msg_hash=" HX " msg=x",
     FLEETLOG_NWAKU, "0x" HX, T0 + 800 * MS, "message ingress"},
    /* Kubernetes CRI: the runtime's time stands in for a line without one */
    {"2025-11-20T13:06:16.900000000Z stdout F received relay message msg_hash=0x" HX,
     FLEETLOG_LABNODE, "0x" HX, T0 + 900 * MS, "received relay message"},
    {"2025-11-20T13:06:17.000000000Z stderr F NTC 2025-11-20 13:06:16.950+00:00 received relay "
     "message                     topics=\"waku relay\" tid=1 msg_hash=0x" HX,
     FLEETLOG_NWAKU, "0x" HX, T0 + 950 * MS, "received relay message"},
    {"2025-11-20T13:06:17.000000000Z stdout F:x received relay message msg_hash=0x" HX,
     FLEETLOG_LABNODE, "0x" HX, T0 + 1000 * MS, "received relay message"},
    /* Docker's json-file: the line is JSON-escaped, its time stands in likewise */
    {"{\"log\":\"sent relay message msg_hash=0x" HX "\\n\",\"stream\":\"stdout\","
     "\"time\":\"2025-11-20T13:06:17.100Z\"}",
     FLEETLOG_LABNODE, "0x" HX, T0 + 1100 * MS, "sent relay message"},
};

START_TEST(test_lines)
{
	const struct line_case *c = &line_cases[_i];
	struct fleetlog_reader rd;
	struct fleetlog_line l;
	int r;

	fleetlog_reader_init(&rd, FLEETLOG_AUTO, T0);
	r = fleetlog_reader_line(&rd, c->line, strlen(c->line), &l);
	ck_assert_int_eq(rd.fmt, c->detected);
	ck_assert_int_eq(r, c->hash != NULL);
	if (c->hash) {
		ck_assert_msg(l.hash_len == strlen(c->hash) && !memcmp(l.hash, c->hash, l.hash_len),
			      "hash %.*s", (int)l.hash_len, l.hash);
		ck_assert_int_eq(l.has_t, 1);
		ck_assert_msg(l.t_ns == c->t_ns, "t_ns %llu, want %llu", (unsigned long long)l.t_ns,
			      (unsigned long long)c->t_ns);
		ck_assert_msg(l.event_len == strlen(c->event) &&
				  !memcmp(l.event, c->event, l.event_len),
			      "event \"%.*s\"", (int)l.event_len, l.event);
	}
	fleetlog_reader_free(&rd);
}
END_TEST

/* geth's "MM-DD|…" takes the year nearest the reference: a log written over New Year. */
START_TEST(test_geth_year)
{
	const char *line = "INFO [12-31|23:59:59.500|status-go/wakuv2/waku.go:1] x   hash=0xab";
	uint64_t jan1 = 1735689610ull * 1000000000ull; /* 2025-01-01T00:00:10Z */
	struct fleetlog_line l;

	ck_assert_int_eq(fleetlog_parse_line(FLEETLOG_AUTO, line, strlen(line), jan1, &l), 1);
	ck_assert(l.t_ns == jan1 - 10500 * MS); /* 2024-12-31T23:59:59.500Z */
}
END_TEST

/* One file, two formats (a run's stdout.log: the node's traces and its zap console): each
 * line is read as what it is, while the file keeps the format it showed first. */
START_TEST(test_mixed_file)
{
	const char *a = "NTC 2025-11-20 13:06:16.015+00:00 received relay message   msg_hash=0x" HX;
	const char *b = "2025-11-20T13:06:16.250Z\tDEBUG\tgowaku.relay\trelay/metrics.go:56\t"
			"waku.relay received\t{\"hash\": \"0x" HX "\"}";
	struct fleetlog_reader rd;
	struct fleetlog_line l;

	fleetlog_reader_init(&rd, FLEETLOG_AUTO, 0);
	ck_assert_int_eq(fleetlog_reader_line(&rd, a, strlen(a), &l), 1);
	ck_assert_int_eq(fleetlog_reader_line(&rd, b, strlen(b), &l), 1);
	ck_assert_int_eq(rd.fmt, FLEETLOG_NWAKU);
	ck_assert(l.t_ns == T0 + 250 * MS);
	ck_assert(l.event_len == 19 && !memcmp(l.event, "waku.relay received", 19));
	fleetlog_reader_free(&rd);
}
END_TEST

/* A CRI line split by the runtime (P … P … F) is one line again; its hash is found once. */
START_TEST(test_cri_partial)
{
	static const char *const parts[] = {
	    "2025-11-20T13:06:16.000000000Z stdout P NTC 2025-11-20 13:06:16.015+00:00 received ",
	    "2025-11-20T13:06:16.000000001Z stdout P relay message   topics=\"waku relay\" msg_h",
	    "2025-11-20T13:06:16.000000002Z stdout F ash=0x" HX " receivedTime=1763643976015000000",
	};
	struct fleetlog_reader rd;
	struct fleetlog_line l;

	fleetlog_reader_init(&rd, FLEETLOG_AUTO, 0);
	ck_assert_int_eq(fleetlog_reader_line(&rd, parts[0], strlen(parts[0]), &l), 0);
	ck_assert_int_eq(fleetlog_reader_line(&rd, parts[1], strlen(parts[1]), &l), 0);
	ck_assert_int_eq(fleetlog_reader_line(&rd, parts[2], strlen(parts[2]), &l), 1);
	ck_assert(l.hash_len == 66 && !memcmp(l.hash, "0x" HX, 66));
	ck_assert(l.t_ns == T0 + 15 * MS);
	ck_assert(l.event_len == 22 && !memcmp(l.event, "received relay message", 22));
	fleetlog_reader_free(&rd);
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

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A short hash joins the one full hash it abbreviates; when two full hashes share its first
 * and last two bytes it stays a row of its own rather than being given to either. */
START_TEST(test_short_hash_ambiguous)
{
	char dir[64], path[320];
	struct fl_error err = {0};
	struct fleetlog *fl;
	size_t short_rows = 0;

	snprintf(dir, sizeof(dir), "/tmp/fl-short-%d", (int)getpid());
	mkdir(dir, 0755);
	write_file(dir, "a.log",
		   "NTC 2025-11-20 13:06:16.000+00:00 sent relay message  msg_hash=0x64cc"
		   "00000000000000000000000000000000000000000000000000000000fe05\n"
		   "NTC 2025-11-20 13:06:16.001+00:00 sent relay message  msg_hash=0x64cc"
		   "11111111111111111111111111111111111111111111111111111111fe05\n");
	write_file(dir, "b.log",
		   "DBG 2025-11-20 13:06:16.050+00:00 recv monitor  msg_hash="
		   "0x64cc...fe05\nDBG 2025-11-20 13:06:16.060+00:00 "
		   "message ingress  msg_hash=" HXU "\n");
	fl = fleetlog_load(dir, NULL, &err);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
	ck_assert_msg(fl != NULL, "%s", err.msg);
	ck_assert_uint_eq(fl->n_hashes, 4); /* two full, the ambiguous short one, HX */
	for (size_t i = 0; i < fl->n_hashes; i++)
		short_rows += strcmp(fl->hashes[i].hash, "0x64cc...fe05") == 0;
	ck_assert_uint_eq(short_rows, 1);
	ck_assert_uint_eq(hash(fl, "0x64cc...fe05")->seen_by, 1);
	/* upper case, without 0x (nwaku's toHex is lower case; other writers are not) */
	ck_assert_uint_eq(hash(fl, "0x" HX)->seen_by, 1);
	fleetlog_free(fl);
}
END_TEST

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
	json_array_foreach(json_object_get(root, "hashes"), i, h) {
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
	ck_assert_str_eq(err.msg, "unknown log format \"syslog\" (nwaku, nwaku-json, go-waku, "
				  "go-waku-json, status-go, labnode)");
	ck_assert_ptr_null(fleetlog_load("tests/data/logs/none", NULL, &err));
}
END_TEST

Suite *analyze_logs_suite(void)
{
	Suite *s = suite_create("analyze_logs");
	TCase *tc = tcase_create("fleet");

	tcase_add_loop_test(tc, test_lines, 0, sizeof(line_cases) / sizeof(line_cases[0]));
	tcase_add_test(tc, test_geth_year);
	tcase_add_test(tc, test_cri_partial);
	tcase_add_test(tc, test_mixed_file);
	tcase_add_test(tc, test_short_hash_ambiguous);
	tcase_add_test(tc, test_fleet_table);
	tcase_add_test(tc, test_fleet_report_file);
	tcase_add_test(tc, test_forced_format_and_errors);
	suite_add_tcase(s, tc);
	return s;
}
