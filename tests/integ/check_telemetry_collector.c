/* The telemetry collector over real HTTP on loopback: every route of status-im/telemetry
 * answers with its status and shape, the 10/s burst-1 limit gives 429s, and every record
 * lands in telemetry.db with its fields and its arrival on the given clock. */
#include "common/fltime.h"
#include "orchestrator/telemetry/collector.h"

#include <check.h>
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct collector *col;
static char dir[64];
static int port;

static int64_t fake_clock(void *arg)
{
	return 5000 + (int64_t)fltime_mono_ms() - *(int64_t *)arg; /* the run's clock: 5 s in */
}

static int64_t t0;

static void setup(void)
{
	struct fl_error err = {0};
	struct collector_clock clock = {fake_clock, &t0};

	t0 = (int64_t)fltime_mono_ms();
	snprintf(dir, sizeof(dir), "/tmp/tm-collector-%d", (int)getpid());
	mkdir(dir, 0755);
	int fd = collector_listen("127.0.0.1", 0, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	port = collector_port(fd);
	col = collector_start(fd, dir, &clock, &err);
	ck_assert_msg(col != NULL, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	collector_stop(col);
	col = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

struct body {
	char p[65536];
	size_t n;
};

static size_t collect(char *d, size_t sz, size_t nm, void *arg)
{
	struct body *b = arg;
	size_t k = sz * nm;

	if (b->n + k >= sizeof(b->p))
		k = sizeof(b->p) - 1 - b->n;
	memcpy(b->p + b->n, d, k);
	b->n += k;
	b->p[b->n] = '\0';
	return sz * nm;
}

/* One request on handle c (kept alive between calls: one TCP connection, one bucket). */
static long req(CURL *c, const char *method, const char *path, const char *body, struct body *b)
{
	char url[256];
	long status = 0;

	b->n = 0;
	b->p[0] = '\0';
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (!body)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* Spaced past the 100 ms refill so the rate limit never interferes. */
static long spaced(CURL *c, const char *method, const char *path, const char *body, struct body *b)
{
	fltime_sleep_ms(120);
	return req(c, method, path, body, b);
}

static long long q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static sqlite3 *open_db(void)
{
	char path[128];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/telemetry.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

#define MSG(hash, uid, chat)                                                                       \
	"{\"chatId\":\"" chat "\",\"messageHash\":\"" hash "\",\"messageId\":\"0xid\","            \
	"\"messageType\":\"CHAT_MESSAGE\",\"messageSize\":42,\"receiverKeyUID\":\"" uid "\","      \
	"\"peerId\":\"16Uiu2HAmX\",\"nodeName\":\"n1\",\"sentAt\":1700000000,\"topic\":\"/t\","    \
	"\"pubsubTopic\":\"/waku/2/rs/16/32\",\"statusVersion\":\"labnode\"}"
#define SENV(hash)                                                                                 \
	"{\"messageHash\":\"" hash "\",\"sentAt\":1700000000,\"pubsubTopic\":\"/p\",\"topic\":"    \
	"\"/t\",\"senderKeyUID\":\"s1\",\"peerId\":\"P\",\"nodeName\":\"n0\",\"publishMethod\":"   \
	"\"Relay\",\"statusVersion\":\"v\"}"

START_TEST(test_routes)
{
	CURL *c = curl_easy_init();
	struct body b;

	ck_assert_int_eq(req(c, "GET", "/health", NULL, &b), 200);
	ck_assert_str_eq(b.p, "OK");
	/* the batch route: two received messages, a sent envelope, an error, an unknown type */
	ck_assert_int_eq(
	    spaced(
		c, "POST", "/record-metrics",
		"[{\"id\":1,\"telemetry_type\":\"ReceivedMessages\",\"telemetry_data\":[" MSG(
		    "0xa1", "r1",
		    "c1") "," MSG("0xa2", "r1",
				  "c1") "]},"
					"{\"id\":2,\"telemetry_type\":\"SentEnvelope\",\"telemetry_"
					"data\":" SENV(
					    "0xa1") "},"
						    "{\"id\":3,\"telemetry_type\":"
						    "\"ErrorSendingEnvelope\",\"telemetry_data\":{"
						    "\"messageHash\":\"0xe1\",\"sentAt\":5,"
						    "\"senderKeyUID\":\"s1\",\"nodeName\":"
						    "\"n0\",\"error\":\"not enough peers to "
						    "publish\"}},"
						    "{\"id\":7,\"telemetry_type\":\"Foo\","
						    "\"telemetry_data\":{}}]",
		&b),
	    201);
	ck_assert_str_eq(b.p, "[{\"id\":7,\"error\":\"Unknown telemetry type: Foo\"}]");
	/* a field of the wrong type: that request's records are refused, the answer stays 201 */
	ck_assert_int_eq(spaced(c, "POST", "/record-metrics",
				"[{\"id\":4,\"telemetry_type\":\"SentEnvelope\",\"telemetry_data\":"
				"{\"sentAt\":\"soon\"}}]",
				&b),
			 201);
	ck_assert_ptr_nonnull(strstr(b.p, "\"id\":4,\"error\":\"Error decoding sent envelope: "));
	/* null data: Go unmarshals it into an empty slice, no error, no record */
	ck_assert_int_eq(spaced(c, "POST", "/record-metrics",
				"[{\"id\":5,\"telemetry_type\":\"ReceivedMessages\","
				"\"telemetry_data\":null}]",
				&b),
			 201);
	ck_assert_str_eq(b.p, "null");
	ck_assert_int_eq(spaced(c, "POST", "/record-metrics", "[]", &b), 201);
	ck_assert_str_eq(b.p, "null");
	ck_assert_int_eq(spaced(c, "POST", "/record-metrics", "{\"id\":1}", &b), 400);
	ck_assert_str_eq(b.p, "Failed to decode telemetry data\n");
	/* the per-type routes (server.go at dc55829) */
	ck_assert_int_eq(
	    spaced(c, "POST", "/received-messages", "[" MSG("0xb1", "r2", "c1") "]", &b), 201);
	ck_assert_ptr_nonnull(strstr(b.p, "\"chatId\":\"c1\""));
	ck_assert_ptr_nonnull(strstr(b.p, "\"createdAt\":"));
	ck_assert_int_eq(spaced(c, "POST", "/received-messages", "{}", &b), 400);
	ck_assert_str_eq(b.p, "{\"error\":\"Invalid request payload\"}");
	ck_assert_int_eq(spaced(c, "POST", "/sent-envelope", SENV("0xb1"), &b), 201);
	ck_assert_ptr_nonnull(strstr(b.p, "\"publishMethod\":\"Relay\""));
	ck_assert_int_eq(spaced(c, "POST", "/sent-envelope", SENV("0xb1"), &b), 201);
	ck_assert_ptr_nonnull(strstr(b.p, "{\"id\":0,")); /* ON CONFLICT DO NOTHING */
	ck_assert_int_eq(
	    spaced(c, "POST", "/received-envelope",
		   "{\"messageHash\":\"0xc1\",\"sentAt\":9,\"pubsubTopic\":\"/p\",\"topic\":"
		   "\"/t\",\"receiverKeyUID\":\"r1\",\"nodeName\":\"n1\"}",
		   &b),
	    201);
	ck_assert_int_eq(
	    spaced(c, "POST", "/update-envelope",
		   "{\"messageHash\":\"0xc1\",\"sentAt\":9,\"pubsubTopic\":\"/p\",\"topic\":"
		   "\"/t\",\"receiverKeyUID\":\"r1\",\"nodeName\":\"n1\","
		   "\"processingError\":\"bad sig\"}",
		   &b),
	    201);
	ck_assert_int_eq(
	    spaced(c, "POST", "/protocol-stats", "{\"peerId\":\"abc\",\"nodeName\":\"n1\"}", &b),
	    201);
	ck_assert_str_eq(b.p, "{\"error\":\"\"}");
	ck_assert_int_eq(spaced(c, "GET", "/nope", NULL, &b), 404);
	ck_assert_str_eq(b.p, "404 page not found\n");
	ck_assert_int_eq(spaced(c, "GET", "/record-metrics", NULL, &b), 405);
	curl_easy_cleanup(c);

	sqlite3 *db = open_db();
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM received_messages"), 3);
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM received_messages WHERE chat_id='c1' AND "
				"receiver_key_uid='r1' AND message_size=42 AND sent_at=1700000000 "
				"AND message_hash='0xa2' AND node_name='n1'"),
			 1);
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM sent_envelopes"), 2);
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM error_sending_envelopes WHERE "
				"message_hash='0xe1' AND error='not enough peers to publish'"),
			 1);
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM received_envelopes WHERE "
				"processing_error='bad sig'"),
			 1);
	ck_assert_int_eq(
	    q1(db, "SELECT COUNT(*) FROM records WHERE type='ProtocolStats' AND data "
		   "LIKE '%ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad%'"),
	    1);
	/* arrivals on the given clock (5 s + elapsed) and on the server's Unix seconds */
	ck_assert_int_ge(q1(db, "SELECT MIN(t_ms) FROM records"), 5000);
	ck_assert_int_lt(q1(db, "SELECT MAX(t_ms) FROM records"), 60000);
	ck_assert_int_ge(q1(db, "SELECT MIN(created_at) FROM records"), 1700000000);
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM pushes WHERE status=404"), 1);
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM pushes WHERE status=400"), 2);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_burst_gets_429)
{
	CURL *c = curl_easy_init(), *other = curl_easy_init();
	struct body b;
	int ok = 0, refused = 0;
	struct collector_stats st;

	for (int i = 0; i < 5; i++) {
		long s = req(c, "POST", "/record-metrics", "[]", &b);
		ok += s == 201;
		refused += s == 429;
		if (s == 429)
			ck_assert_str_eq(b.p, "Too Many Requests\n");
	}
	ck_assert_int_ge(ok, 1);
	ck_assert_int_ge(refused, 3); /* five requests well inside 100 ms, one token */
	/* Go's RemoteAddr is IP:port: a new connection has a bucket of its own */
	ck_assert_int_eq(req(other, "GET", "/health", NULL, &b), 200);
	fltime_sleep_ms(110);
	ck_assert_int_eq(req(c, "POST", "/record-metrics", "[]", &b), 201);
	/* the limit is not on unmatched routes (mux runs middleware after a match) */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(req(c, "GET", "/missing", NULL, &b), 404);
	curl_easy_cleanup(c);
	curl_easy_cleanup(other);

	collector_get_stats(col, &st);
	ck_assert_int_eq(st.refused, (uint64_t)refused);
	sqlite3 *db = open_db();
	ck_assert_int_eq(q1(db, "SELECT COUNT(*) FROM pushes WHERE status=429"), refused);
	sqlite3_close(db);
}
END_TEST

Suite *telemetry_collector_suite(void)
{
	Suite *s = suite_create("telemetry_collector");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_burst_gets_429);
	suite_add_tcase(s, tc);
	return s;
}
