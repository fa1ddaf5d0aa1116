/* The telemetry view: status-im/telemetry's aggregator R and Rch over hand-made records whose
 * figures are worked out by hand here, its own tests transcribed (telemetry/aggregator_test.go
 * at b1f3622: TestRunAggregatorSimple, TestRunAggregatorSimpleWithMessageMissing), and the
 * estimator that counts what the aggregator cannot see. */
#include "orchestrator/analyze/telemetry_view.h"
#include "orchestrator/telemetry/store.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], db_path[96];
static struct tm_store *st;

static void setup(void)
{
	struct fl_error err = {0};

	snprintf(dir, sizeof(dir), "/tmp/tm-view-%d", (int)getpid());
	mkdir(dir, 0755);
	snprintf(db_path, sizeof(db_path), "%s/telemetry.db", dir);
	unlink(db_path);
	st = tm_store_open(dir, 0, 0, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	tm_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

/* One record arriving at created_at (Unix s), as the server would store it. */
static void put(const char *type, const char *chat, const char *hash, const char *uid,
		int64_t sent_at, int64_t created_at, const char *topic)
{
	struct fl_error err = {0};
	struct tm_arrival a = {.t_ms = 0, .created_at = created_at, .remote = "127.0.0.1:1"};
	struct tm_rec r = {.type = type,
			   .chat_id = chat,
			   .message_hash = hash,
			   .key_uid = uid,
			   .sent_at = sent_at,
			   .topic = topic,
			   .raw = "{}"};
	int64_t push = tm_store_push_begin(st, &a, "POST", "/record-metrics", &err);

	ck_assert_msg(push >= 0, "%s", err.msg);
	ck_assert_msg(tm_store_record(st, push, &a, &r, &err) >= 0, "%s", err.msg);
	ck_assert_int_eq(tm_store_push_end(st, push, 201, 1, 0, &err), 0);
}

static void msg(const char *chat, const char *hash, const char *uid, int64_t sent, int64_t created)
{
	put("ReceivedMessages", chat, hash, uid, sent, created, "/t");
}

#define NOW 1700000000LL
#define HOUR 3600LL

static double round2(double v)
{
	return round(v * 100) / 100;
}

/* TestRunAggregatorSimple: Run(time.Hour); chat "3" has one message in the window and its
 * receiver has a row created before the window (updateCreatedAt to its sentAt, 5 h 30 ago)
 * and one after (the in-window row itself, created now). Expected: Rch("3") = 1, R = 1. */
START_TEST(test_aggregator_simple)
{
	struct telemetry_agg a;
	struct fl_error err = {0};

	msg("1", "1", "1", NOW, NOW);
	msg("3", "2", "1", NOW - HOUR - 30 * 60, NOW);
	msg("3", "3", "1", NOW - 5 * HOUR - 30 * 60, NOW - 5 * HOUR - 30 * 60);
	ck_assert_int_eq(telemetry_view_aggregator_run(db_path, NOW, HOUR, &a, &err), 0);
	ck_assert_int_eq(a.starts_at, NOW - 2 * HOUR);
	ck_assert_int_eq(a.ends_at, NOW - HOUR);
	ck_assert_uint_eq(a.n_chats, 1);
	ck_assert_str_eq(a.chats[0].chat_id, "3");
	ck_assert_double_eq(a.chats[0].r, 1.0);
	ck_assert_int_eq(a.has_r, 1);
	ck_assert_double_eq(a.r, 1.0);
	telemetry_agg_free(&a);
}
END_TEST

/* TestRunAggregatorSimpleWithMessageMissing: in chat "3" receiver 1 has two messages in the
 * window, receiver 2 one; both were there before and after. max 2, missing 0 + 1, total 3:
 * Rch = 1 − 1/3 = 0.67, R = 0.67 (the Go test rounds to 2 decimals). */
START_TEST(test_aggregator_message_missing)
{
	struct telemetry_agg a;
	struct fl_error err = {0};
	int64_t in = NOW - HOUR - 30 * 60, before = NOW - 5 * HOUR - 30 * 60;

	msg("1", "1", "1", NOW, NOW);
	msg("3", "2", "1", in, NOW);
	msg("3", "3", "1", in, NOW);
	msg("3", "4", "1", before, before);
	msg("1", "1", "2", NOW, NOW);
	msg("3", "2", "2", in, NOW);
	msg("3", "4", "2", before, before);
	ck_assert_int_eq(telemetry_view_aggregator_run(db_path, NOW, HOUR, &a, &err), 0);
	ck_assert_uint_eq(a.n_chats, 1);
	ck_assert_str_eq(a.chats[0].chat_id, "3");
	ck_assert_double_eq(round2(a.chats[0].r), 0.67);
	ck_assert_int_eq(a.chats[0].missing, 1);
	ck_assert_int_eq(a.chats[0].messages, 3);
	ck_assert_double_eq(round2(a.r), 0.67);
	telemetry_agg_free(&a);
}
END_TEST

/* By hand, window [100, 200]: chat A receivers {x: 5, y: 3, z: 4} → max 5, missing 0+2+1 = 3,
 * total 12, Rch = 0.75; chat B {x: 2, y: 2} → 1.0; R = 0.875. Receiver w in chat A has 9 rows
 * in the window but nothing created before 100: excluded, it changes nothing. Receiver v has
 * a row before but none created after 200: excluded too. sentAt bounds are inclusive. */
START_TEST(test_aggregator_by_hand)
{
	struct telemetry_agg a;
	struct fl_error err = {0};
	const struct {
		const char *chat, *uid;
		int n;
	} g[] = {{"A", "x", 5}, {"A", "y", 3}, {"A", "z", 4},
		 {"B", "x", 2}, {"B", "y", 2}, {"A", "w", 9}};
	char h[32];

	for (size_t i = 0; i < sizeof(g) / sizeof(*g); i++) {
		if (strcmp(g[i].uid, "w"))
			msg(g[i].chat, "old", g[i].uid, 50, 60); /* before: created 60 < 100 */
		for (int k = 0; k < g[i].n; k++) {
			snprintf(h, sizeof(h), "%s%s%d", g[i].chat, g[i].uid, k);
			/* spread over [100, 200], both ends included; all arrive at 205 */
			msg(g[i].chat, h, g[i].uid, k == 0 ? 100 : k == 1 ? 200 : 150, 205);
		}
	}
	msg("A", "v-old", "v", 50, 60);
	msg("A", "v-in", "v", 150, 199);    /* created 199: not after 200 */
	msg("A", "outside", "x", 201, 205); /* sentAt 201: outside the window */
	ck_assert_int_eq(telemetry_view_aggregate(db_path, 100, 200, &a, &err), 0);
	ck_assert_uint_eq(a.n_chats, 2);
	ck_assert_str_eq(a.chats[0].chat_id, "A");
	ck_assert_int_eq(a.chats[0].receivers, 3);
	ck_assert_int_eq(a.chats[0].messages, 12);
	ck_assert_int_eq(a.chats[0].missing, 3);
	ck_assert_double_eq(a.chats[0].r, 0.75);
	ck_assert_double_eq(a.chats[1].r, 1.0);
	ck_assert_double_eq(a.r, 0.875);
	ck_assert_int_eq(a.receivers_excluded, 2);
	ck_assert_int_eq(a.rows_in_window, 12 + 4 + 9 + 1);
	ck_assert_int_eq(a.rows_counted, 16);
	telemetry_agg_free(&a);
}
END_TEST

/* Nobody received anything before the window: the aggregator has no R at all. And a 1:1 chat
 * (one receiver) is 1.0 whatever was lost: max = count. */
START_TEST(test_aggregator_blind_spots)
{
	struct telemetry_agg a;
	struct fl_error err = {0};

	msg("dm", "h1", "r", 150, 300);
	ck_assert_int_eq(telemetry_view_aggregate(db_path, 100, 200, &a, &err), 0);
	ck_assert_int_eq(a.has_r, 0);
	ck_assert_int_eq(a.receivers_excluded, 1);
	telemetry_agg_free(&a);
	msg("dm", "h0", "r", 10, 20);
	ck_assert_int_eq(telemetry_view_aggregate(db_path, 100, 200, &a, &err), 0);
	ck_assert_int_eq(a.has_r, 1);
	ck_assert_double_eq(a.r, 1.0);
	telemetry_agg_free(&a);
}
END_TEST

/* The estimator, window [100, 200]: to topic T1 (receiver r1) sent h1, h2, h3, h4 — r1
 * reported h1 and h2 in time and h3 late (created 400: still delivered), h4 never; to topic
 * T2 (receiver r2, silent since 90) sent h5, and e1 failed to send; h6 was sent at 250
 * (outside). attempts 6, delivered 3: R_est = 0.5; T1 = 3/4, T2 = 0/2; one silent receiver.
 * The aggregator over the same records: r1 had rows before and after, one receiver per chat:
 * Rch = 1, R = 1. */
START_TEST(test_estimator_by_hand)
{
	struct telemetry_est e;
	struct telemetry_agg a;
	struct fl_error err = {0};
	const char *t1[] = {"h1", "h2", "h3", "h4"};

	for (int i = 0; i < 4; i++)
		put("SentEnvelope", "", t1[i], "s", 110 + i, 120, "T1");
	put("SentEnvelope", "", "h5", "s", 150, 160, "T2");
	put("ErrorSendingEnvelope", "", "e1", "s", 151, 160, "T2");
	put("SentEnvelope", "", "h6", "s", 250, 260, "T1");
	msg("c1", "h0", "r1", 50, 60);
	put("ReceivedMessages", "c1", "h1", "r1", 110, 130, "T1");
	put("ReceivedMessages", "c1", "h2", "r1", 111, 130, "T1");
	put("ReceivedMessages", "c1", "h3", "r1", 112, 400, "T1");
	put("ReceivedMessages", "c2", "hz", "r2", 80, 90, "T2");
	ck_assert_int_eq(telemetry_view_estimate(db_path, 100, 200, &e, &err), 0);
	ck_assert_int_eq(e.sent, 5);
	ck_assert_int_eq(e.send_errors, 1);
	ck_assert_int_eq(e.delivered, 3);
	ck_assert_int_eq(e.has_r, 1);
	ck_assert_double_eq(e.r, 0.5);
	ck_assert_uint_eq(e.n_topics, 2);
	ck_assert_str_eq(e.topics[0].topic, "T1");
	ck_assert_str_eq(e.topics[0].chat_id, "c1");
	ck_assert_double_eq(e.topics[0].r, 0.75);
	ck_assert_str_eq(e.topics[1].chat_id, "c2");
	ck_assert_double_eq(e.topics[1].r, 0.0);
	ck_assert_int_eq(e.receivers_silent, 1);
	telemetry_est_free(&e);
	ck_assert_int_eq(telemetry_view_aggregate(db_path, 100, 200, &a, &err), 0);
	ck_assert_int_eq(a.has_r, 1);
	ck_assert_double_eq(a.r, 1.0);
	telemetry_agg_free(&a);
	/* the same window on the run's clock (this store's pair is run 0 ↔ Unix 0) */
	struct telemetry_window w;
	ck_assert_int_eq(telemetry_view_window(db_path, 100000, 200999, &w, &err), 0);
	ck_assert_int_eq(w.agg.ends_at, 200);
	ck_assert_double_eq(w.agg.r, 1.0);
	ck_assert_double_eq(w.est.r, 0.5);
	telemetry_window_free(&w);
}
END_TEST

static void push_with(const char *remote, int status, const char *node, const char *type, int n)
{
	struct fl_error err = {0};
	struct tm_arrival a = {.t_ms = 1, .created_at = 1, .remote = remote};
	int64_t push = tm_store_push_begin(st, &a, "POST", "/record-metrics", &err);

	for (int i = 0; i < n; i++) {
		struct tm_rec r = {
		    .type = type, .node_name = node, .message_hash = "h", .raw = "{}"};
		ck_assert_int_ge(tm_store_record(st, push, &a, &r, &err), 0);
	}
	ck_assert_int_eq(tm_store_push_end(st, push, status, n, 0, &err), 0);
}

/* Records per node and type; requests per client IP with refusals (429) and rejections. */
START_TEST(test_counts)
{
	struct telemetry_counts c;
	struct fl_error err = {0};

	push_with("10.0.0.2:4000", 201, "n1", "ReceivedMessages", 2);
	push_with("10.0.0.2:4001", 429, NULL, NULL, 0);
	push_with("10.0.0.3:5000", 201, "n0", "SentEnvelope", 1);
	push_with("10.0.0.3:5000", 404, NULL, NULL, 0);
	ck_assert_int_eq(telemetry_view_counts(db_path, &c, &err), 0);
	ck_assert_uint_eq(c.n_rows, 2);
	ck_assert_str_eq(c.rows[0].node, "n0");
	ck_assert_str_eq(c.rows[0].type, "SentEnvelope");
	ck_assert_int_eq(c.rows[1].records, 2);
	ck_assert_uint_eq(c.n_clients, 2);
	ck_assert_str_eq(c.clients[0].ip, "10.0.0.2");
	ck_assert_int_eq(c.clients[0].pushes, 2);
	ck_assert_int_eq(c.clients[0].accepted, 1);
	ck_assert_int_eq(c.clients[0].refused, 1);
	ck_assert_int_eq(c.clients[1].rejected, 1);
	ck_assert_int_eq(c.records, 3);
	ck_assert_int_eq(c.pushes, 4);
	ck_assert_int_eq(c.refused, 1);
	ck_assert_int_eq(c.rejected, 1);
	telemetry_counts_free(&c);
}
END_TEST

START_TEST(test_run_clock_to_unix)
{
	struct fl_error err = {0};
	int64_t u = 0;

	tm_store_close(st);
	unlink(db_path);
	st = tm_store_open(dir, 2000, NOW * 1000 + 500, &err); /* run 2 s ↔ NOW + 0.5 s */
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(telemetry_view_run_to_unix(db_path, 2000, &u, &err), 0);
	ck_assert_int_eq(u, NOW);
	ck_assert_int_eq(telemetry_view_run_to_unix(db_path, 2600, &u, &err), 0);
	ck_assert_int_eq(u, NOW + 1);
	ck_assert_int_eq(telemetry_view_run_to_unix("/nonexistent/telemetry.db", 0, &u, &err), -1);
}
END_TEST

Suite *telemetry_view_suite(void)
{
	Suite *s = suite_create("telemetry_view");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_aggregator_simple);
	tcase_add_test(tc, test_aggregator_message_missing);
	tcase_add_test(tc, test_aggregator_by_hand);
	tcase_add_test(tc, test_aggregator_blind_spots);
	tcase_add_test(tc, test_estimator_by_hand);
	tcase_add_test(tc, test_run_clock_to_unix);
	tcase_add_test(tc, test_counts);
	suite_add_tcase(s, tc);
	return s;
}
