/* labnode processes on loopback: a five-node line, store persistence across a restart,
 * redial after a kill, keep-alive detection of a SIGSTOPped peer, light nodes, and malformed
 * input. Ports come from the pid so parallel runs do not collide; every child gets
 * PR_SET_PDEATHSIG and is killed at the end of its test. */
#include "common/fltime.h"
#include "orchestrator/analyze/fleetlog.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXN 8
#define LABNODE "build/labnode"
#define VEC_HASH "0x64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05"
#define VEC_BODY                                                                                   \
	"{\"payload\":\"AQIDBFRFU1QFBgcI\",\"contentTopic\":\"/waku/2/default-content/proto\","    \
	"\"timestamp\":1681964442000000000,\"meta\":\"c3VwZXItc2VjcmV0\"}"

static pid_t pids[MAXN];
static int base_port;
static char dir[64];

static int wire_port(int i)
{
	return base_port + i;
}
static int rest_port(int i)
{
	return base_port + 10 + i;
}

static void setup(void)
{
	/* below the ephemeral range (32768+), where a client socket could hold our port */
	base_port = 20000 + (int)(getpid() % 600) * 20;
	snprintf(dir, sizeof(dir), "/tmp/labnode-integ-%d", (int)getpid());
	mkdir(dir, 0755);
	memset(pids, 0, sizeof(pids));
}

static void kill_all(void)
{
	for (int i = 0; i < MAXN; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGCONT);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
	}
}

static void teardown(void)
{
	char cmd[128];

	kill_all();
	if (getenv("LABNODE_KEEP_LOGS")) /* for debugging: keep the nodes' output */
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

/* Starts node i with role and extra flags (NULL-terminated); stdout/stderr go to
 * dir/node<i>.out|err (appended, so a restart keeps the earlier lines). */
static void start(int i, const char *role, ...)
{
	char name[16], listen[32], rest[32], out[96], err[96];
	const char *argv[48];
	int k = 0;
	va_list ap;

	snprintf(name, sizeof(name), "n%d", i);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", wire_port(i));
	snprintf(rest, sizeof(rest), "127.0.0.1:%d", rest_port(i));
	snprintf(out, sizeof(out), "%s/node%d.out", dir, i);
	snprintf(err, sizeof(err), "%s/node%d.err", dir, i);
	argv[k++] = LABNODE;
	argv[k++] = "--name";
	argv[k++] = name;
	argv[k++] = "--role";
	argv[k++] = role;
	argv[k++] = "--listen";
	argv[k++] = listen;
	argv[k++] = "--rest";
	argv[k++] = rest;
	va_start(ap, role);
	for (const char *a; (a = va_arg(ap, const char *)) && k < 46;)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen(out, "a", stdout) || !freopen(err, "a", stderr))
			_exit(127);
		execv(LABNODE, (char *const *)argv);
		_exit(127);
	}
	pids[i] = pid;
}

static char *peer_arg(int i)
{
	static char bufs[MAXN][32];

	snprintf(bufs[i], sizeof(bufs[i]), "127.0.0.1:%d", wire_port(i));
	return bufs[i];
}

struct body {
	char *p;
	size_t n;
};

static size_t collect(char *d, size_t sz, size_t nm, void *arg)
{
	struct body *b = arg;
	char *p = realloc(b->p, b->n + sz * nm + 1);

	if (!p)
		return 0;
	memcpy(p + b->n, d, sz * nm);
	b->n += sz * nm;
	p[b->n] = '\0';
	b->p = p;
	return sz * nm;
}

/* An HTTP request to node i; returns the status (0 when nothing answered) and the body
 * (malloc'd) in *out. */
static long http(int i, const char *method, const char *path, const char *body, char **out)
{
	CURL *c = curl_easy_init();
	struct body b = {calloc(1, 1), 0};
	char url[512];
	long status = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", rest_port(i), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 8000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (out)
		*out = b.p;
	else
		free(b.p);
	return status;
}

/* Polls until node i's answer to GET path contains needle (or lacks it when absent=1).
 * Returns the ms waited, or -1 after timeout_ms. */
static double wait_for(int i, const char *path, const char *needle, int absent, int timeout_ms)
{
	double t0 = fltime_mono_ms();

	while (fltime_mono_ms() - t0 < timeout_ms) {
		char *b = NULL;
		long st = http(i, "GET", path, NULL, &b);
		int has = st == 200 && b && strstr(b, needle);
		free(b);
		if (st == 200 && has != absent)
			return fltime_mono_ms() - t0;
		fltime_sleep_ms(50);
	}
	return -1;
}

static char *slurp(const char *suffix, int i)
{
	char path[128];
	FILE *f;
	static char buf[1 << 20];
	size_t n;

	snprintf(path, sizeof(path), "%s/node%d.%s", dir, i, suffix);
	f = fopen(path, "r");
	if (!f)
		return strdup("");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strdup(buf);
}

/* What chronicles prints after the time: the message padded to 42, topics, "tid=". */
static const char *tr_head(char *buf, size_t cap, const char *msg, const char *topics)
{
	snprintf(buf, cap, "%-42s topics=\"%s\" tid=", msg, topics);
	return buf;
}

/* faultlab's fleet-log reader takes labnode's traces for nwaku's: each line naming hash is
 * detected as chronicles text and yields that hash with the line's receivedTime/sentTime. */
static void check_trace_parses(const char *text, const char *hash)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t len = strchr(l, '\n') ? (size_t)(strchr(l, '\n') - l) : strlen(l);
		struct fleetlog_line fl;

		if (!memmem(l, len, hash, strlen(hash)))
			continue;
		ck_assert_int_eq(fleetlog_detect(l, len), FLEETLOG_NWAKU);
		ck_assert_int_eq(fleetlog_parse_line(FLEETLOG_AUTO, l, len, 0, &fl), 1);
		ck_assert(fl.hash_len == strlen(hash) && !memcmp(fl.hash, hash, fl.hash_len));
		ck_assert(fl.has_t && fl.t_ns > 1700000000000000000ull);
		n++;
	}
	ck_assert_int_ge(n, 1);
}

/* Lines that start with lvl and a chronicles time, "yyyy-MM-dd HH:mm:ss.fff+00:00 ". */
static int count_trace_lines(const char *text, const char *lvl)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *t = l + strlen(lvl);

		if (strncmp(l, lvl, strlen(lvl)) == 0 && strlen(t) > 30 && t[4] == '-' &&
		    t[10] == ' ' && t[19] == '.' && strncmp(t + 23, "+00:00 ", 7) == 0)
			n++;
	}
	return n;
}

static int count_lines(const char *text, const char *a, const char *b)
{
	int n = 0;

	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[2048];
		snprintf(line, sizeof(line), "%.*s", (int)(len < 2047 ? len : 2047), l);
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
		l = e ? e + 1 : NULL;
	}
	return n;
}

/* Keep-alive tests need short intervals; the rest use calm ones so a loaded machine (stalls of
 * seconds were seen with 6 builds running) does not trip the sleep detector mid-test. */
#define FAST                                                                                       \
	"--keepalive", "300ms", "--keepalive-timeout", "1500ms", "--backoff-base", "100ms",        \
	    "--backoff-max", "1s", "--sleep-threshold", "1200ms"
#define CALM                                                                                       \
	"--keepalive", "2s", "--keepalive-timeout", "10s", "--backoff-base", "100ms",              \
	    "--backoff-max", "1s"

static void wait_up(int i)
{
	if (wait_for(i, "/health", "Ready", 0, 10000) < 0) {
		char *err = slurp("err", i);
		ck_abort_msg("node %d not healthy; its stderr: %.300s", i, err);
	}
}

/* Node i's own dial is up (an inbound link alone does not count). */
#define STATIC_UP "\"connected\":true,\"origin\":\"Static\""
static void wait_connected(int i)
{
	ck_assert_msg(wait_for(i, "/admin/v1/peers", STATIC_UP, 0, 8000) >= 0,
		      "node %d never connected", i);
}

static void peer_id_of(int i, char *out, size_t cap)
{
	char *b = NULL;
	json_t *j;

	ck_assert_int_eq(http(i, "GET", "/debug/v1/info", NULL, &b), 200);
	j = json_loads(b, 0, NULL);
	ck_assert_ptr_nonnull(j);
	snprintf(out, cap, "%s", json_string_value(json_object_get(j, "peerId")));
	ck_assert_ptr_nonnull(json_object_get(j, "listenAddresses"));
	ck_assert_ptr_nonnull(json_object_get(j, "enrUri"));
	json_decref(j);
	free(b);
}

static void post_ok(int i, const char *path, const char *body)
{
	char *b = NULL;
	long st = http(i, "POST", path, body, &b);

	ck_assert_msg(st == 200, "POST %s → %ld %s", path, st, b);
	free(b);
}

#define CT_ENC "%2Fwaku%2F2%2Fdefault-content%2Fproto"

/* Five relays in a line: a message published at one end reaches the other, and every hop
 * leaves a received/sent trace pair naming the right peers; the hash is the vector's. */
START_TEST(test_line_of_five)
{
	char ids[5][80], *out, want[160], head[128];

	start(0, "relay", CALM, NULL);
	for (int i = 1; i < 5; i++)
		start(i, "relay", CALM, "--peer", peer_arg(i - 1), NULL);
	for (int i = 0; i < 5; i++)
		wait_up(i);
	for (int i = 1; i < 5; i++)
		wait_connected(i);
	for (int i = 0; i < 5; i++)
		peer_id_of(i, ids[i], sizeof(ids[i]));
	post_ok(4, "/relay/v1/auto/subscriptions", "[\"/waku/2/default-content/proto\"]");
	post_ok(0, "/relay/v1/auto/messages", VEC_BODY);
	double tw = wait_for(4, "/relay/v1/auto/messages/" CT_ENC, "AQIDBFRFU1QFBgcI", 0, 10000);
	ck_assert_msg(tw >= 0, "message did not cross the line");
	fltime_sleep_ms(100);
	for (int i = 0; i < 5; i++) {
		out = slurp("out", i);
		if (i > 0) {
			snprintf(want, sizeof(want), "from_peer_id=%s", ids[i - 1]);
			ck_assert_int_eq(count_lines(out, "received relay message", VEC_HASH), 1);
			ck_assert_int_eq(count_lines(out, "received relay message", want), 1);
			/* chronicles textlines: the message padded to 42, then topics, tid, file */
			tr_head(head, sizeof(head), "received relay message", "waku relay");
			ck_assert_int_eq(
			    count_lines(out, head, " file=protocol.nim:181 my_peer_id="), 1);
			ck_assert_int_eq(count_trace_lines(out, "NTC "),
					 count_lines(out, "NTC ", NULL));
			check_trace_parses(out, VEC_HASH);
		}
		if (i < 4) {
			snprintf(want, sizeof(want), "to_peer_id=%s", ids[i + 1]);
			ck_assert_int_eq(count_lines(out, "sent relay message", want), 1);
			ck_assert_int_eq(count_lines(out, "sent relay message", VEC_HASH), 1);
		}
		ck_assert_int_eq(count_lines(out, "messenger started, public key: 0x04", NULL), 1);
		free(out);
	}
}
END_TEST

static int page_count(const char *body, int *has_cursor, char *cursor, size_t cap)
{
	json_t *j = json_loads(body, 0, NULL), *c;
	int n;

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "statusCode")), 200);
	n = (int)json_array_size(json_object_get(j, "messages"));
	c = json_object_get(j, "paginationCursor");
	*has_cursor = json_is_string(c);
	if (*has_cursor)
		snprintf(cursor, cap, "%s", json_string_value(c));
	json_decref(j);
	return n;
}

/* A service keeps what it stored across a restart on the same database, and pages. */
START_TEST(test_store_survives_restart)
{
	char db[96], body[256], path[256], cursor[80], *b;
	int total = 0, pages = 0, more;

	snprintf(db, sizeof(db), "%s/store.db", dir);
	start(0, "service", CALM, "--db", db, NULL);
	wait_up(0);
	start(1, "relay", CALM, "--peer", peer_arg(0), NULL);
	wait_connected(1);
	post_ok(1, "/relay/v1/auto/messages", VEC_BODY);
	for (int i = 0; i < 4; i++) {
		snprintf(body, sizeof(body),
			 "{\"payload\":\"eHl6\",\"contentTopic\":\"/waku/2/default-content/proto\","
			 "\"timestamp\":%d000}",
			 i + 1);
		post_ok(1, "/relay/v1/auto/messages", body);
	}
	ck_assert(wait_for(0, "/store/v3/messages?hashes=" VEC_HASH, VEC_HASH, 0, 5000) >= 0);
	ck_assert(wait_for(0, "/store/v3/messages?pageSize=100", "\"messageHash\"", 0, 5000) >= 0);
	snprintf(path, sizeof(path), "/store/v3/messages?pageSize=2&ascending=true");
	do {
		ck_assert_int_eq(http(0, "GET", path, NULL, &b), 200);
		total += page_count(b, &more, cursor, sizeof(cursor));
		free(b);
		pages++;
		snprintf(path, sizeof(path), "/store/v3/messages?pageSize=2&cursor=%s", cursor);
	} while (more && pages < 10);
	ck_assert_int_eq(total, 5);
	ck_assert_int_eq(pages, 3);
	kill(pids[0], SIGTERM);
	ck_assert_int_eq(waitpid(pids[0], NULL, 0), pids[0]);
	pids[0] = 0;
	start(0, "service", CALM, "--db", db, NULL);
	wait_up(0);
	ck_assert_int_eq(
	    http(0, "GET", "/store/v3/messages?includeData=true&hashes=" VEC_HASH, NULL, &b), 200);
	ck_assert_msg(strstr(b, VEC_HASH) && strstr(b, "AQIDBFRFU1QFBgcI"), "after restart: %s", b);
	free(b);
}
END_TEST

/* A killed peer that comes back is redialled within its back-off (max 1 s here). */
START_TEST(test_redial_after_kill)
{
	double t;

	start(0, "relay", FAST, NULL);
	wait_up(0);
	start(1, "relay", FAST, "--peer", peer_arg(0), NULL);
	wait_connected(1);
	kill(pids[0], SIGKILL);
	waitpid(pids[0], NULL, 0);
	pids[0] = 0;
	ck_assert(wait_for(1, "/admin/v1/peers", "\"connected\":true", 1, 3000) >= 0);
	fltime_sleep_ms(1500); /* let the back-off grow to its cap */
	start(0, "relay", FAST, NULL);
	wait_up(0);
	t = wait_for(1, "/admin/v1/peers", "\"connected\":true", 0, 8000);
	ck_assert_msg(t >= 0 && t < 3000, "redial took %.0f ms", t);
}
END_TEST

/* A frozen peer is noticed by keep-alive (timeout 1 s) and the link comes back after
 * SIGCONT. */
START_TEST(test_sigstop_detected)
{
	double t;
	char *err;

	start(0, "relay", FAST, NULL);
	wait_up(0);
	start(1, "relay", FAST, "--peer", peer_arg(0), NULL);
	wait_connected(1);
	kill(pids[0], SIGSTOP);
	t = wait_for(1, "/admin/v1/peers", "\"connected\":true", 1, 6000);
	ck_assert_msg(t >= 0, "frozen peer never detected");
	ck_assert_msg(t > 800, "detected after %.0f ms, before the keep-alive timeout", t);
	fltime_sleep_ms(800);
	kill(pids[0], SIGCONT);
	t = wait_for(1, "/admin/v1/peers", "\"connected\":true", 0, 8000);
	ck_assert_msg(t >= 0, "link not re-established after SIGCONT");
	err = slurp("err", 1);
	ck_assert_int_ge(count_lines(err, "keep-alive timeout", NULL) +
			     count_lines(err, "handshake timed out", NULL),
			 1);
	free(err);
	err = slurp("err", 0); /* the frozen node noticed its own stall */
	ck_assert_int_eq(count_lines(err, "loop stalled", NULL), 1);
	free(err);
}
END_TEST

/* A light node: lightpush through a service reaches a relay; the relay's message reaches the
 * light node through filter; the light node's store query is served by the service. */
START_TEST(test_light_node)
{
	char head[128], *b;

	start(0, "service", CALM, NULL);
	wait_up(0);
	start(1, "relay", CALM, "--peer", peer_arg(0), NULL);
	start(2, "light", CALM, "--peer", peer_arg(0), NULL);
	wait_connected(1);
	wait_connected(2);
	post_ok(2, "/filter/v2/subscriptions",
		"{\"requestId\":\"r1\",\"contentFilters\":[\"/app/1/x/proto\"],"
		"\"pubsubTopic\":\"/waku/2/default-waku/proto\"}");
	post_ok(1, "/relay/v1/auto/subscriptions", "[\"/app/1/x/proto\"]");
	ck_assert_int_eq(http(2, "POST", "/lightpush/v3/message",
			      "{\"pubsubTopic\":\"/waku/2/default-waku/proto\",\"message\":"
			      "{\"payload\":\"bGlnaHQ=\",\"contentTopic\":\"/app/1/x/proto\"}}",
			      &b),
			 200);
	ck_assert_msg(strstr(b, "\"relayPeerCount\":1"), "%s", b);
	free(b);
	ck_assert(wait_for(1, "/relay/v1/auto/messages/%2Fapp%2F1%2Fx%2Fproto", "bGlnaHQ=", 0,
			   5000) >= 0);
	post_ok(1, "/relay/v1/auto/messages",
		"{\"payload\":\"ZnJvbXJlbGF5\",\"contentTopic\":\"/app/1/x/proto\"}");
	ck_assert(wait_for(2, "/filter/v2/messages/%2Fapp%2F1%2Fx%2Fproto", "ZnJvbXJlbGF5", 0,
			   5000) >= 0);
	ck_assert_int_eq(http(2, "GET",
			      "/store/v3/messages?contentTopics=/app/1/x/proto&includeData=true",
			      NULL, &b),
			 200);
	ck_assert_msg(strstr(b, "bGlnaHQ=") && strstr(b, "ZnJvbXJlbGF5"), "%s", b);
	free(b);
	b = slurp("out", 0);
	ck_assert_int_eq(count_lines(b, "handling lightpush request", NULL), 1);
	ck_assert_int_ge(
	    count_lines(b, "DBG ", tr_head(head, sizeof(head), "handling message", "waku filter")),
	    1);
	free(b);
	/* the light node logs each push its filter client gets: its own lightpushed message
	 * comes back through its subscription, then the relay's */
	b = slurp("out", 2);
	tr_head(head, sizeof(head), "Received message push", "waku filter client");
	ck_assert_int_eq(count_lines(b, "DBG ", head), 2);
	ck_assert_int_eq(count_lines(b, "Received message push", "content_topic=/app/1/x/proto"),
			 2);
	free(b);
}
END_TEST

struct bad_req {
	const char *method, *path, *body;
	long status;
};

static const struct bad_req bad_reqs[] = {
    {"POST", "/relay/v1/auto/messages", "{bad", 400},
    {"POST", "/relay/v1/auto/messages", "[]", 400},
    {"POST", "/relay/v1/auto/messages", "{\"contentTopic\":5}", 400},
    {"POST", "/relay/v1/auto/messages", "{\"contentTopic\":\"/a\",\"payload\":\"%%%\"}", 400},
    {"POST", "/relay/v1/auto/subscriptions", "{\"a\":1}", 400},
    {"POST", "/admin/v1/peers", "{\"x\":1}", 400},
    {"POST", "/admin/v1/peers", "[\"/ip4/1.2.3.4\"]", 400},
    {"POST", "/lightpush/v3/message", "{}", 400},
    {"POST", "/filter/v2/subscriptions", "{\"contentFilters\":3}", 400},
    {"GET", "/store/v3/messages?pageSize=abc", NULL, 400},
    {"GET", "/store/v3/messages?hashes=0x12", NULL, 400},
    {"GET", "/store/v3/messages?cursor=zz", NULL, 400},
    {"POST", "/", "nonsense", 400},
    {"POST", "/",
     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"wakuext_sendOneToOneMessage\","
     "\"params\":[{}]}",
     400},
    {"GET", "/nowhere", NULL, 404},
    {"GET", "/relay/v1/auto/messages/%2Fnot%2Fsubscribed", NULL, 404},
};

/* Malformed REST bodies and wire frames get errors, and the node carries on. */
START_TEST(test_malformed_input)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char *b, big[1 << 16];
	int fd, r;

	start(0, "relay", CALM, NULL);
	wait_up(0);
	for (size_t i = 0; i < sizeof(bad_reqs) / sizeof(bad_reqs[0]); i++) {
		long st = http(0, bad_reqs[i].method, bad_reqs[i].path, bad_reqs[i].body, &b);
		ck_assert_msg(st == bad_reqs[i].status, "%s %s → %ld (%s)", bad_reqs[i].method,
			      bad_reqs[i].path, st, b);
		ck_assert_msg(st == 404 || strlen(b) > 0, "no reason given");
		free(b);
	}
	/* a body over 1 MiB */
	size_t n = (1 << 20) + 10;
	char *huge = malloc(n + 1);
	memset(huge, 'a', n);
	huge[n] = '\0';
	ck_assert_int_eq(http(0, "POST", "/relay/v1/auto/messages", huge, NULL), 413);
	free(huge);
	/* wire: a frame of an unknown version closes the connection */
	sa.sin_port = htons((uint16_t)wire_port(0));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(send(fd, "\x00\x00\x00\x02\x07\x01", 6, MSG_NOSIGNAL), 6);
	struct timeval tv = {3, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	do /* the node's HELLO may come first; then EOF */
		r = (int)recv(fd, big, sizeof(big), 0);
	while (r > 0);
	ck_assert_int_eq(r, 0);
	close(fd);
	wait_up(0);
}
END_TEST

/* --- direct messages (issue 7): faults are process faults (SIGSTOP/SIGCONT) --- */

static void key_of(int i, char *out, size_t cap)
{
	char *b = NULL;
	json_t *j;

	ck_assert_int_eq(http(i, "GET", "/debug/v1/info", NULL, &b), 200);
	j = json_loads(b, 0, NULL);
	snprintf(out, cap, "%s", json_string_value(json_object_get(j, "publicKey")));
	json_decref(j);
	free(b);
}

/* Sends text from node i to key with a JSON-RPC method; writes the returned id. */
static void rpc_send(int i, const char *method, const char *key, const char *text, char *id,
		     size_t cap)
{
	char body[1024], *b = NULL;
	json_t *j, *m;

	snprintf(body, sizeof(body),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[{\"id\":\"%s\","
		 "\"message\":\"%s\"}]}",
		 method, key, text);
	ck_assert_int_eq(http(i, "POST", "/", body, &b), 200);
	j = json_loads(b, 0, NULL);
	m = json_array_get(json_object_get(json_object_get(j, "result"), "messages"), 0);
	ck_assert_msg(json_is_string(json_object_get(m, "id")), "send answered %s", b);
	ck_assert_str_eq(json_string_value(json_object_get(m, "text")), text);
	snprintf(id, cap, "%s", json_string_value(json_object_get(m, "id")));
	json_decref(j);
	free(b);
}

static char *events_arg(int i)
{
	static char bufs[MAXN][96];

	snprintf(bufs[i], sizeof(bufs[i]), "%s/node%d.jsonl", dir, i);
	return bufs[i];
}

/* How many events of this kind node i wrote about id. */
static int events(int i, const char *event, const char *id)
{
	char want[64], *text;
	int n;

	snprintf(want, sizeof(want), "\"event\":\"%s\"", event);
	text = slurp("jsonl", i);
	n = count_lines(text, want, id);
	free(text);
	return n;
}

static int wait_event(int i, const char *event, const char *id, int timeout_ms)
{
	double t0 = fltime_mono_ms();

	while (fltime_mono_ms() - t0 < timeout_ms) {
		if (events(i, event, id) > 0)
			return 1;
		fltime_sleep_ms(50);
	}
	return 0;
}

/* Freezes node i and waits until node j has dropped its link to it. */
static void freeze(int i, int j)
{
	kill(pids[i], SIGSTOP);
	ck_assert_msg(wait_for(j, "/admin/v1/peers", "\"connected\":true", 1, 8000) >= 0,
		      "node %d never noticed node %d froze", j, i);
}

static void thaw(int i)
{
	kill(pids[i], SIGCONT);
}

#define MVDS "--reliability", "mvds", "--mvds-base", "400ms", "--mvds-max", "2s"

/* No reliability: what is sent while the receiver is frozen and cut off is lost. */
START_TEST(test_dm_lost_without_reliability)
{
	char kb[160], id[80];

	start(0, "relay", FAST, "--events", events_arg(0), "--reliability", "", NULL);
	wait_up(0);
	start(1, "relay", FAST, "--events", events_arg(1), "--reliability", "", "--peer",
	      peer_arg(0), NULL);
	wait_connected(1);
	key_of(1, kb, sizeof(kb));
	freeze(1, 0);
	rpc_send(0, "wakuext_sendOneToOneMessage", kb, "m1 lost", id, sizeof(id));
	ck_assert_int_eq(events(0, "sent", id), 1);
	thaw(1);
	ck_assert(wait_for(1, "/admin/v1/peers", "\"connected\":true", 0, 8000) >= 0);
	fltime_sleep_ms(1500);
	ck_assert_int_eq(events(1, "received", id), 0);
}
END_TEST

/* mvds: a 1:1 message and a contact request sent while the receiver is suspended arrive after
 * it wakes, each handed to the app once, and the sender sees them delivered. */
START_TEST(test_dm_mvds_after_suspend)
{
	char kb[160], id1[80], id2[80], *out;

	start(0, "relay", FAST, "--events", events_arg(0), MVDS, NULL);
	wait_up(0);
	start(1, "relay", FAST, "--events", events_arg(1), MVDS, "--peer", peer_arg(0), NULL);
	wait_connected(1);
	key_of(1, kb, sizeof(kb));
	freeze(1, 0);
	rpc_send(0, "wakuext_sendOneToOneMessage", kb, "m1 hello", id1, sizeof(id1));
	rpc_send(0, "wakuext_sendContactRequest", kb, "m2 add me", id2, sizeof(id2));
	fltime_sleep_ms(1500); /* several retransmissions into the void */
	thaw(1);
	ck_assert_msg(wait_event(0, "delivered", id1, 15000), "m1 never delivered");
	ck_assert_msg(wait_event(0, "delivered", id2, 15000), "m2 never delivered");
	fltime_sleep_ms(1500); /* late retransmissions must not reach the app again */
	ck_assert_int_eq(events(1, "received", id1), 1);
	ck_assert_int_eq(events(1, "received", id2), 1);
	ck_assert_int_eq(count_lines(slurp("jsonl", 1), id2, "\"kind\":\"contact-request\""), 1);
	out = slurp("out", 1);
	ck_assert_int_eq(count_lines(out, "message received: m1 hello (ID=", id1), 1);
	free(out);
	out = slurp("out", 0);
	ck_assert_int_eq(count_lines(out, "sent message: m1 hello (ID=", id1), 1);
	ck_assert_int_eq(count_lines(out, "message delivered: ", id1), 1);
	free(out);
}
END_TEST

/* store-recovery: a node frozen while a message went past it recovers it from the store after
 * it wakes. */
START_TEST(test_dm_store_recovery)
{
	char kb[160], id[80];

	start(0, "service", FAST, NULL);
	wait_up(0);
	start(1, "relay", FAST, "--events", events_arg(1), "--peer", peer_arg(0), NULL);
	start(2, "relay", FAST, "--events", events_arg(2), "--peer", peer_arg(0), "--reliability",
	      "store-recovery", "--recovery-interval", "30s", "--recovery-lag", "0s", NULL);
	wait_connected(1);
	wait_connected(2);
	key_of(2, kb, sizeof(kb));
	kill(pids[2], SIGSTOP);
	fltime_sleep_ms(2500); /* the service drops the frozen node */
	rpc_send(1, "wakuext_sendOneToOneMessage", kb, "m1 missed", id, sizeof(id));
	ck_assert(wait_for(0, "/store/v3/messages?pageSize=100", "\"messageHash\"", 0, 5000) >= 0);
	thaw(2);
	ck_assert_msg(wait_event(2, "recovered", id, 10000), "never recovered");
	ck_assert_int_eq(events(2, "received", id), 1);
}
END_TEST

/* sent-check: the store was cut off when the message went out; the sender finds it missing
 * after the store is back and republishes it. */
START_TEST(test_dm_sent_check)
{
	char kb[160], id[80], path[256], hash[80], *text, *h;

	start(0, "service", FAST, NULL);
	start(1, "relay", FAST, NULL);
	wait_up(0);
	wait_up(1);
	start(2, "relay", FAST, "--events", events_arg(2), "--peer", peer_arg(0), "--peer",
	      peer_arg(1), "--reliability", "sent-check", "--sent-check-interval", "500ms",
	      "--sent-check-expiry", "30s", NULL);
	ck_assert(wait_for(2, "/admin/v1/peers", "\"connected\":false", 1, 15000) >= 0);
	key_of(1, kb, sizeof(kb));
	kill(pids[0], SIGSTOP);
	fltime_sleep_ms(2500); /* the sender drops the frozen store */
	rpc_send(2, "wakuext_sendOneToOneMessage", kb, "m1 unstored", id, sizeof(id));
	text = slurp("jsonl", 2);
	h = strstr(text, "\"hash\":\"");
	ck_assert_ptr_nonnull(h);
	snprintf(hash, sizeof(hash), "%.66s", h + 8);
	free(text);
	thaw(0);
	ck_assert_msg(wait_event(2, "retransmit", id, 15000), "never republished");
	snprintf(path, sizeof(path), "/store/v3/messages?hashes=%s", hash);
	ck_assert_msg(wait_for(0, path, hash, 0, 10000) >= 0, "store never got %s", hash);
}
END_TEST

/* mvds fail path: retries run out while the receiver is frozen (`failed`), and when it
 * reconnects the message is retried and delivered. */
START_TEST(test_dm_failed_then_retried)
{
	char kb[160], id[80];

	start(0, "relay", FAST, NULL);
	wait_up(0);
	start(1, "relay", FAST, "--events", events_arg(1), MVDS, "--mvds-max-retries", "2",
	      "--peer", peer_arg(0), NULL);
	wait_connected(1);
	start(2, "relay", FAST, "--events", events_arg(2), MVDS, "--peer", peer_arg(1), NULL);
	wait_connected(2);
	key_of(2, kb, sizeof(kb));
	kill(pids[2], SIGSTOP);
	fltime_sleep_ms(2500); /* node 1 drops the frozen node 2 and stays online via node 0 */
	rpc_send(1, "wakuext_sendOneToOneMessage", kb, "m1 persistent", id, sizeof(id));
	ck_assert_msg(wait_event(1, "failed", id, 10000), "no failed event");
	ck_assert_int_eq(events(1, "delivered", id), 0);
	thaw(2);
	ck_assert_msg(wait_event(1, "delivered", id, 15000), "not delivered after reconnection");
	ck_assert_int_eq(events(2, "received", id), 1);
}
END_TEST

/* A light node (lightpush + filter) that was frozen catches up from the store after it
 * reconnects, and its own sends go out through lightpush. */
START_TEST(test_dm_light_catch_up)
{
	char kl[160], kr[160], id[80], id2[80];

	start(0, "service", FAST, NULL);
	wait_up(0);
	start(1, "relay", FAST, "--events", events_arg(1), "--peer", peer_arg(0), NULL);
	start(2, "light", FAST, "--events", events_arg(2), "--peer", peer_arg(0), "--reliability",
	      "store-recovery", "--recovery-interval", "30s", "--recovery-lag", "0s", NULL);
	wait_connected(1);
	wait_connected(2);
	key_of(1, kr, sizeof(kr));
	key_of(2, kl, sizeof(kl));
	rpc_send(2, "wakuext_sendOneToOneMessage", kr, "m1 via lightpush", id2, sizeof(id2));
	ck_assert_msg(wait_event(1, "received", id2, 5000), "lightpush send not received");
	kill(pids[2], SIGSTOP);
	fltime_sleep_ms(2500); /* the service drops the frozen light node and its filter */
	rpc_send(1, "wakuext_sendOneToOneMessage", kl, "m2 while away", id, sizeof(id));
	thaw(2);
	ck_assert_msg(wait_event(2, "recovered", id, 10000), "light node never caught up");
	ck_assert_int_eq(events(2, "received", id), 1);
}
END_TEST

Suite *labnode_net_suite(void)
{
	Suite *s = suite_create("labnode_net");
	TCase *tc = tcase_create("loopback");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_line_of_five);
	tcase_add_test(tc, test_store_survives_restart);
	tcase_add_test(tc, test_redial_after_kill);
	tcase_add_test(tc, test_sigstop_detected);
	tcase_add_test(tc, test_light_node);
	tcase_add_test(tc, test_malformed_input);
	suite_add_tcase(s, tc);
	tc = tcase_create("direct");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dm_lost_without_reliability);
	tcase_add_test(tc, test_dm_mvds_after_suspend);
	tcase_add_test(tc, test_dm_store_recovery);
	tcase_add_test(tc, test_dm_sent_check);
	tcase_add_test(tc, test_dm_failed_then_retried);
	tcase_add_test(tc, test_dm_light_catch_up);
	suite_add_tcase(s, tc);
	return s;
}
