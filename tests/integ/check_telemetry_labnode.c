/* Two labnodes on loopback with --telemetry-url push to the collector running in this
 * process: a direct message shows up in telemetry.db as the sender's SentEnvelope and the
 * receiver's ReceivedMessages with the same hash and the fields status-go sends; with the
 * collector down the records are kept and arrive with the next push after it is back. */
#include "common/fltime.h"
#include "orchestrator/analyze/telemetry_view.h"
#include "orchestrator/telemetry/collector.h"

#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LABNODE "build/labnode"
#define FAST "--keepalive", "300ms", "--keepalive-timeout", "1500ms", "--backoff-base", "100ms"

static pid_t pids[3];
static int base_port, tport;
static char dir[64], turl[64];
static struct collector *col;

static void setup(void)
{
	/* a range apart from check_labnode_net's (20000 + pid % 600 · 20) */
	base_port = 33000 - (int)(getpid() % 400) * 8;
	snprintf(dir, sizeof(dir), "/tmp/tm-labnode-%d", (int)getpid());
	mkdir(dir, 0755);
	memset(pids, 0, sizeof(pids));
	col = NULL;
}

static void teardown(void)
{
	char cmd[128];

	for (int i = 0; i < 3; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGCONT);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	collector_stop(col);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (!getenv("LABNODE_KEEP_LOGS") && system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static void collector_on(int port)
{
	struct fl_error err = {0};
	int fd = collector_listen("127.0.0.1", port, &err);

	ck_assert_msg(fd >= 0, "%s", err.msg);
	tport = collector_port(fd);
	snprintf(turl, sizeof(turl), "http://127.0.0.1:%d", tport);
	col = collector_start(fd, dir, NULL, &err);
	ck_assert_msg(col != NULL, "%s", err.msg);
}

static void start(int i, ...)
{
	char name[8], listen[32], rest[32], out[96];
	const char *argv[40];
	int k = 0;
	va_list ap;

	snprintf(name, sizeof(name), "n%d", i);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", base_port + i);
	snprintf(rest, sizeof(rest), "127.0.0.1:%d", base_port + 4 + i);
	snprintf(out, sizeof(out), "%s/node%d.log", dir, i);
	const char *fixed[] = {LABNODE, "--name",	   name,   "--role",
			       "relay", "--listen",	   listen, "--rest",
			       rest,	"--telemetry-url", turl,   "--telemetry-period",
			       "500ms", "--reliability",   "",	   FAST};
	for (size_t f = 0; f < sizeof(fixed) / sizeof(*fixed); f++)
		argv[k++] = fixed[f];
	va_start(ap, i);
	for (const char *a; (a = va_arg(ap, const char *)) && k < 38;)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen(out, "a", stdout) || !freopen(out, "a", stderr))
			_exit(127);
		execv(LABNODE, (char *const *)argv);
		_exit(127);
	}
	pids[i] = pid;
}

struct body {
	char *p;
	size_t n;
};

static size_t collect(char *d, size_t sz, size_t nm, void *arg)
{
	struct body *b = arg;

	b->p = realloc(b->p, b->n + sz * nm + 1);
	memcpy(b->p + b->n, d, sz * nm);
	b->n += sz * nm;
	b->p[b->n] = '\0';
	return sz * nm;
}

static json_t *http_json(int i, const char *path, const char *body)
{
	CURL *c = curl_easy_init();
	struct body b = {calloc(1, 1), 0};
	char url[128];
	long st = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", base_port + 4 + i, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(c);
	json_t *j = st == 200 ? json_loads(b.p, 0, NULL) : NULL;
	free(b.p);
	return j;
}

/* Waits until node 1 has node 0 connected; returns node 1's public key. */
static void pair_up(char *key1, size_t cap)
{
	for (int t = 0; t < 100; t++) {
		json_t *p = http_json(1, "/admin/v1/peers", NULL);
		int up = json_is_true(json_object_get(json_array_get(p, 0), "connected"));
		json_decref(p);
		if (up) {
			json_t *info = http_json(1, "/debug/v1/info", NULL);
			snprintf(key1, cap, "%s",
				 json_string_value(json_object_get(info, "publicKey")));
			json_decref(info);
			return;
		}
		fltime_sleep_ms(100);
	}
	ck_abort_msg("the nodes never connected");
}

/* How many peers node i has connected (-1 when it does not answer). */
static int connected(int i)
{
	json_t *p = http_json(i, "/admin/v1/peers", NULL), *v;
	size_t k;
	int c = 0;

	if (!p)
		return -1;
	json_array_foreach(p, k, v)
		c += json_is_true(json_object_get(v, "connected"));
	json_decref(p);
	return c;
}

static void wait_connected(int i, int want)
{
	for (int t = 0; t < 100; t++) {
		if (connected(i) == want)
			return;
		fltime_sleep_ms(100);
	}
	ck_abort_msg("node %d never had %d peers", i, want);
}

static void key_of(int i, char *out, size_t cap)
{
	json_t *info = http_json(i, "/debug/v1/info", NULL);

	snprintf(out, cap, "%s", json_string_value(json_object_get(info, "publicKey")));
	json_decref(info);
}

/* Sends a DM from node 0 to key; writes its id and envelope hash. */
static void send_dm(const char *key, const char *text, char id[80], char hash[80])
{
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"wakuext_sendOneToOneMessage\","
		 "\"params\":[{\"id\":\"%s\",\"message\":\"%s\"}]}",
		 key, text);
	json_t *j = http_json(0, "/", body);
	json_t *m = json_array_get(json_object_get(json_object_get(j, "result"), "messages"), 0);
	ck_assert_ptr_nonnull(m);
	snprintf(id, 80, "%s", json_string_value(json_object_get(m, "id")));
	snprintf(hash, 80, "%s", json_string_value(json_object_get(m, "hash")));
	json_decref(j);
}

/* SELECT COUNT(*) with one text parameter. */
static long long count(const char *sql, const char *arg)
{
	char path[128];
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	snprintf(path, sizeof(path), "%s/telemetry.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 1000);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s",
		      sqlite3_errmsg(db));
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int wait_count(const char *sql, const char *arg, long long want, int timeout_ms)
{
	for (double t0 = fltime_mono_ms(); fltime_mono_ms() - t0 < timeout_ms;) {
		if (count(sql, arg) >= want)
			return 1;
		fltime_sleep_ms(100);
	}
	return 0;
}

#define RM_BY_ID "SELECT COUNT(*) FROM received_messages WHERE message_id = ?"
#define SE_BY_HASH "SELECT COUNT(*) FROM sent_envelopes WHERE message_hash = ?"

START_TEST(test_pair_pushes_records)
{
	char key1[160], id[80], hash[80];
	long long now = (long long)time(NULL);

	collector_on(0);
	char peer[32];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", base_port);
	start(0, NULL);
	start(1, "--peer", peer, NULL);
	pair_up(key1, sizeof(key1));
	send_dm(key1, "hello telemetry", id, hash);
	ck_assert_msg(wait_count(RM_BY_ID, id, 1, 5000), "no ReceivedMessages for %s", id);
	ck_assert_msg(wait_count(SE_BY_HASH, hash, 1, 5000), "no SentEnvelope for %s", hash);
	/* the receiver's record: same hash as the sender's envelope, status-go's fields */
	ck_assert_int_eq(
	    count("SELECT COUNT(*) FROM received_messages WHERE message_hash = ? AND "
		  "node_name = 'n1' AND chat_id LIKE 'contact-discovery-%' AND "
		  "message_type = 'CHAT_MESSAGE' AND length(receiver_key_uid) = 66 AND "
		  "topic LIKE '/labnode/1/dm-%' AND pubsub_topic = "
		  "'/waku/2/default-waku/proto' AND message_size > 0",
		  hash),
	    1);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM received_messages WHERE message_id = ? AND sent_at "
		 "BETWEEN %lld AND %lld",
		 now - 5, now + 10);
	ck_assert_int_eq(count(sql, id), 1);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM sent_envelopes WHERE message_hash = ? AND "
			       "node_name = 'n0' AND publish_method = 'Relay' AND "
			       "length(sender_key_uid) = 66",
			       hash),
			 1);
	/* the sender's uid is not the receiver's */
	ck_assert_int_eq(count("SELECT COUNT(*) FROM sent_envelopes s JOIN received_messages r "
			       "ON s.message_hash = r.message_hash WHERE s.sender_key_uid != "
			       "r.receiver_key_uid AND s.message_hash = ?",
			       hash),
			 1);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM pushes WHERE status != 201", NULL), 0);
}
END_TEST

/* status-go's failure behaviour: a refused push keeps its records in the retry cache; they
 * go out with the next batch once the server answers again. */
START_TEST(test_records_kept_while_collector_down)
{
	char key1[160], id1[80], h1[80], id2[80], h2[80], peer[32];
	struct fl_error err = {0};

	/* a port nobody serves yet: pushes get connection refused */
	int fd = collector_listen("127.0.0.1", 0, &err);
	ck_assert_int_ge(fd, 0);
	int port = collector_port(fd);
	close(fd);
	snprintf(turl, sizeof(turl), "http://127.0.0.1:%d", port);
	start(0, NULL);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", base_port);
	start(1, "--peer", peer, NULL);
	pair_up(key1, sizeof(key1));
	send_dm(key1, "while down", id1, h1);
	fltime_sleep_ms(1500); /* at least one failed push from each node */
	collector_on(port);
	/* no new record, no push: status-go pushes nothing when the batch is empty */
	fltime_sleep_ms(2500);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM records", NULL), 0);
	send_dm(key1, "after", id2, h2);
	/* backoff is at most 4 s here (500 ms doubled while failing) */
	ck_assert_msg(wait_count(RM_BY_ID, id1, 1, 9000), "the kept record never arrived");
	ck_assert(wait_count(RM_BY_ID, id2, 1, 9000));
	ck_assert(wait_count(SE_BY_HASH, h1, 1, 9000));
	/* the kept and the new record came in one push */
	ck_assert_int_eq(count("SELECT COUNT(DISTINCT push_id) FROM records WHERE type = "
			       "'ReceivedMessages'",
			       NULL),
			 1);
}
END_TEST

static void wait_second_after(time_t t)
{
	while (time(NULL) <= t)
		fltime_sleep_ms(50);
}

/* The milestone's observation in miniature. n0 sends three DMs to n1, frozen and cut off, and
 * three to n2, during a window; n1 and n2 each received something before and after it. The
 * truth is 3 of 6. The aggregator sees one receiver per chat (status-go's DM chat id is the
 * receiver's partitioned topic): n2's chat is complete, n1's has no row in the window, so
 * R = 1.0. The estimator joins the six SentEnvelope hashes with ReceivedMessages: 0.5. */
START_TEST(test_frozen_receiver_drift)
{
	char k1[160], k2[160], id[80], h[80], peer[32], txt[32];
	struct telemetry_agg a;
	struct telemetry_est e;
	struct fl_error err = {0};
	char db[96];

	collector_on(0);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", base_port);
	start(0, NULL);
	start(1, "--peer", peer, NULL);
	start(2, "--peer", peer, NULL);
	wait_connected(0, 2);
	key_of(1, k1, sizeof(k1));
	key_of(2, k2, sizeof(k2));
	send_dm(k1, "before 1", id, h);
	ck_assert(wait_count(RM_BY_ID, id, 1, 5000));
	send_dm(k2, "before 2", id, h);
	ck_assert(wait_count(RM_BY_ID, id, 1, 5000));

	kill(pids[1], SIGSTOP);
	wait_connected(0, 1); /* n0 dropped n1 (keep-alive timeout) */
	time_t starts = time(NULL) + 1;
	wait_second_after(starts - 1);
	for (int i = 0; i < 3; i++) {
		snprintf(txt, sizeof(txt), "lost %d", i);
		send_dm(k1, txt, id, h);
		snprintf(txt, sizeof(txt), "kept %d", i);
		send_dm(k2, txt, id, h);
	}
	time_t ends = time(NULL);
	kill(pids[1], SIGCONT);
	wait_connected(0, 2);
	wait_second_after(ends);
	send_dm(k1, "after 1", id, h);
	ck_assert(wait_count(RM_BY_ID, id, 1, 8000));
	send_dm(k2, "after 2", id, h);
	ck_assert(wait_count(RM_BY_ID, id, 1, 8000));
	ck_assert(wait_count("SELECT COUNT(*) FROM sent_envelopes", NULL, 10, 8000));

	snprintf(db, sizeof(db), "%s/telemetry.db", dir);
	ck_assert_int_eq(telemetry_view_aggregate(db, starts, ends, &a, &err), 0);
	ck_assert_int_eq(telemetry_view_estimate(db, starts, ends, &e, &err), 0);
	printf("frozen receiver, window [%ld, %ld]: truth 3/6 = 0.50, aggregator R = %s%.2f "
	       "(%zu chats), estimator %ld/%ld = %.2f, silent receivers %d\n",
	       (long)starts, (long)ends, a.has_r ? "" : "none ", a.r, a.n_chats, e.delivered,
	       e.sent + e.send_errors, e.r, e.receivers_silent);
	ck_assert_int_eq(a.has_r, 1);
	ck_assert_uint_eq(a.n_chats, 1); /* n2's chat only: n1 left no row in the window */
	ck_assert_double_eq(a.r, 1.0);
	ck_assert_int_eq(e.sent + e.send_errors, 6);
	ck_assert_int_eq(e.delivered, 3);
	ck_assert_double_eq(e.r, 0.5);
	telemetry_agg_free(&a);
	telemetry_est_free(&e);
}
END_TEST

Suite *telemetry_labnode_suite(void)
{
	Suite *s = suite_create("telemetry_labnode");
	TCase *tc = tcase_create("push");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pair_pushes_records);
	tcase_add_test(tc, test_records_kept_while_collector_down);
	tcase_add_test(tc, test_frozen_receiver_drift);
	suite_add_tcase(s, tc);
	return s;
}
