/* labnode's resource limits on loopback (issue 15, finding 5): the queue of unacknowledged
 * direct messages stays within --dm-pending-bytes and empties at --mvds-expiry (RSS sampled),
 * /health answers while more idle connections are held than the REST server takes, no socket
 * is left in CLOSE-WAIT once the clients are gone, idle connections are closed after
 * --rest-idle-timeout, and a second labnode on a taken port exits
 * with the reason. Ports come from the pid; every child is killed at the end of its test. */
#include "common/fltime.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LABNODE "build/labnode"
#define NODES 3
#define IDLE_CONNS 1100

static pid_t pids[NODES];
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
	/* another range than labnode_net's (20000 + pid%600*20): both suites may run at once */
	base_port = 32000 - 20 - (int)(getpid() % 500) * 20;
	snprintf(dir, sizeof(dir), "/tmp/labnode-limits-%d", (int)getpid());
	mkdir(dir, 0755);
	memset(pids, 0, sizeof(pids));
}

static void teardown(void)
{
	char cmd[128];

	for (int i = 0; i < NODES; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

/* Starts node i (wire port of node `wire`, REST port of node `rest`) with extra flags
 * (NULL-terminated); its stderr goes to dir/node<i>.err. */
static void start_on(int i, int wire, int rest, ...)
{
	char name[16], listen[32], restaddr[32], errpath[96], events[96];
	const char *argv[40];
	int k = 0;
	va_list ap;

	snprintf(name, sizeof(name), "n%d", i);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", wire_port(wire));
	snprintf(restaddr, sizeof(restaddr), "127.0.0.1:%d", rest_port(rest));
	snprintf(errpath, sizeof(errpath), "%s/node%d.err", dir, i);
	snprintf(events, sizeof(events), "%s/node%d.jsonl", dir, i);
	argv[k++] = LABNODE;
	argv[k++] = "--name";
	argv[k++] = name;
	argv[k++] = "--listen";
	argv[k++] = listen;
	argv[k++] = "--rest";
	argv[k++] = restaddr;
	argv[k++] = "--traces";
	argv[k++] = "off";
	argv[k++] = "--events";
	argv[k++] = events;
	va_start(ap, rest);
	for (const char *a; (a = va_arg(ap, const char *)) && k < 38;)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stdout) || !freopen(errpath, "w", stderr))
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
	char *p = realloc(b->p, b->n + sz * nm + 1);

	if (!p)
		return 0;
	memcpy(p + b->n, d, sz * nm);
	b->n += sz * nm;
	p[b->n] = '\0';
	b->p = p;
	return sz * nm;
}

/* A request to node i's REST port with a fresh connection; the status (0: no answer within
 * timeout_ms), the body in *out (malloc'd) when out is given. */
static long http(int i, const char *path, const char *post, int timeout_ms, char **out)
{
	CURL *c = curl_easy_init();
	struct body b = {calloc(1, 1), 0};
	char url[256];
	long status = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", rest_port(i), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (out)
		*out = b.p;
	else
		free(b.p);
	return status;
}

static void wait_healthy(int i)
{
	for (int k = 0; k < 200; k++) {
		if (http(i, "/health", NULL, 1000, NULL) == 200)
			return;
		fltime_sleep_ms(50);
	}
	ck_abort_msg("node %d never answered /health", i);
}

static void wait_connected(int i)
{
	for (int k = 0; k < 160; k++) {
		char *b = NULL;
		int up = http(i, "/admin/v1/peers", NULL, 2000, &b) == 200 &&
			 strstr(b, "\"connected\":true");
		free(b);
		if (up)
			return;
		fltime_sleep_ms(50);
	}
	ck_abort_msg("node %d never connected", i);
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static char *slurp(const char *name)
{
	char path[128];
	FILE *f;
	char *buf;
	size_t n = 0, cap = 1 << 16;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = calloc(1, cap + 1);
	f = fopen(path, "r");
	if (!f)
		return buf;
	for (size_t r; (r = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += r;
		if (n == cap) {
			buf = realloc(buf, 2 * cap + 1);
			cap *= 2;
		}
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Sockets of this network namespace in CLOSE-WAIT (state 08 of /proc/net/tcp) whose local
 * port is port. */
static int close_wait(int port)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	unsigned lport, st;
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x", &lport, &st) == 2 &&
		    (int)lport == port && st == 0x08)
			n++;
	fclose(f);
	return n;
}

static int wait_no_close_wait(int port, int timeout_ms)
{
	double t0 = fltime_mono_ms();

	while (close_wait(port) > 0) {
		if (fltime_mono_ms() - t0 > timeout_ms)
			return close_wait(port);
		fltime_sleep_ms(50);
	}
	return 0;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

#define SEND_DM                                                                                    \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"wakuext_sendOneToOneMessage\",\"params\":[{"   \
	"\"id\":\"0x04%0128d\",\"message\":\"%s\"}]}"

/* A body sending text (len 'x's) to a key nobody holds. */
static char *dm_body(size_t len)
{
	char *text = malloc(len + 1), *body;
	size_t cap = len + 512;

	memset(text, 'x', len);
	text[len] = '\0';
	body = malloc(cap);
	snprintf(body, cap, SEND_DM, 7, text);
	free(text);
	return body;
}

/* 120 mvds messages of 100 kB to nobody, with a 4 MiB cap and a 4 s expiry: the node grows by
 * about the cap, not by the 12 MB sent (24 MB before the cap: text and envelope were both
 * kept forever), writes `failed` for what it evicted, then for what expired, and its RSS comes
 * back down. A message over the wire's payload limit is refused. */
START_TEST(test_pending_dm_memory_bounded)
{
	char *body = dm_body(100000), *big = dm_body(900000), *ans = NULL, *ev;
	long base, peak, after;
	int failed;

	start_on(1, 1, 1, "--reliability", "mvds", NULL);
	wait_healthy(1);
	char peer[32];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", wire_port(1));
	start_on(0, 0, 0, "--reliability", "mvds", "--peer", peer, "--dm-pending-bytes", "4MiB",
		 "--mvds-expiry", "4s", NULL);
	wait_connected(0);
	base = rss_kb(pids[0]);
	ck_assert_int_eq(http(0, "/", big, 8000, &ans), 400);
	ck_assert_msg(strstr(ans, "message too large"), "answer: %s", ans);
	free(ans);
	for (int k = 0; k < 120; k++)
		ck_assert_int_eq(http(0, "/", body, 8000, NULL), 200);
	peak = rss_kb(pids[0]);
	ev = slurp("node0.jsonl");
	failed = count(ev, "\"event\":\"failed\"");
	free(ev);
	fprintf(stderr,
		"pending dm: rss %ld kB, +%ld kB after 120 x 100 kB (cap 4 MiB); %d failed\n", base,
		peak - base, failed);
	ck_assert_msg(peak - base < 9 * 1024, "RSS grew by %ld kB", peak - base);
	ck_assert_int_ge(failed, 60); /* ~41 of 100 kB fit in 4 MiB */
	fltime_sleep_ms(6000);
	after = rss_kb(pids[0]);
	ev = slurp("node0.jsonl");
	failed = count(ev, "\"event\":\"failed\"");
	free(ev);
	fprintf(stderr, "pending dm: +%ld kB 6 s later (expiry 4 s); %d failed\n", after - base,
		failed);
	ck_assert_int_eq(failed, 120);
	ck_assert_msg(after - base < 3 * 1024, "RSS still +%ld kB after expiry", after - base);
	free(body);
	free(big);
}
END_TEST

static void raise_nofile(int need)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)need && rl.rlim_max >= (rlim_t)need) {
		rl.rlim_cur = (rlim_t)need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	ck_assert_msg(rl.rlim_cur >= (rlim_t)need,
		      "this test holds %d connections: RLIMIT_NOFILE is %lu (hard %lu)", need,
		      (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
}

/* 1 100 idle connections (the REST server takes 256): /health still answers within 1 s, the
 * longest idle are the ones closed, and once the clients close nothing is left in CLOSE-WAIT. */
START_TEST(test_health_while_idle_connections_held)
{
	static int fds[IDLE_CONNS];
	int held = 0, closed_by_node = 0;
	double t0, ms;
	char buf[16];

	raise_nofile(IDLE_CONNS + 64);
	start_on(0, 0, 0, NULL);
	wait_healthy(0);
	for (int k = 0; k < IDLE_CONNS; k++)
		if ((fds[k] = tcp_connect(rest_port(0))) >= 0)
			held++;
	ck_assert_int_eq(held, IDLE_CONNS);
	t0 = fltime_mono_ms();
	ck_assert_int_eq(http(0, "/health", NULL, 3000, NULL), 200);
	ms = fltime_mono_ms() - t0;
	fprintf(stderr, "/health with %d idle connections held: %.1f ms\n", held, ms);
	ck_assert_msg(ms < 1000, "/health took %.0f ms", ms);
	for (int k = 0; k < IDLE_CONNS; k++) {
		struct timeval tv = {0, 1000};
		setsockopt(fds[k], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		closed_by_node += recv(fds[k], buf, sizeof(buf), 0) == 0;
	}
	/* the oldest ones went, so that the newest (the health check) found room */
	ck_assert_int_ge(closed_by_node, IDLE_CONNS - 256);
	ck_assert_int_lt(closed_by_node, IDLE_CONNS);
	for (int k = 0; k < IDLE_CONNS; k++)
		close(fds[k]);
	ck_assert_int_eq(wait_no_close_wait(rest_port(0), 3000), 0);
	ck_assert_int_eq(http(0, "/health", NULL, 1000, NULL), 200);
}
END_TEST

/* Clients that go away — REST connections with and without a request, wire connections in
 * the handshake, one with half a frame — leave no socket in CLOSE-WAIT on either port, also
 * while more idle REST connections are held than the server takes (before, those that came
 * last waited in the listen backlog and stayed in CLOSE-WAIT as long as the others were held). */
START_TEST(test_no_close_wait_after_clients_close)
{
	static int idle[IDLE_CONNS];
	int fds[60];
	const char *get = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

	raise_nofile(IDLE_CONNS + 128);
	start_on(0, 0, 0, NULL);
	wait_healthy(0);
	for (int k = 0; k < IDLE_CONNS; k++)
		ck_assert_int_ge(idle[k] = tcp_connect(rest_port(0)), 0);
	for (int k = 0; k < 60; k++) {
		int port = k % 2 ? rest_port(0) : wire_port(0);
		fds[k] = tcp_connect(port);
		ck_assert_int_ge(fds[k], 0);
		if (k % 4 == 1)
			ck_assert_int_gt(send(fds[k], get, strlen(get), 0), 0);
		if (k % 4 == 2)
			ck_assert_int_eq(send(fds[k], "\0\0", 2, 0), 2);
	}
	fltime_sleep_ms(300);
	for (int k = 0; k < 60; k++)
		close(fds[k]);
	ck_assert_int_eq(wait_no_close_wait(rest_port(0), 3000), 0);
	ck_assert_int_eq(wait_no_close_wait(wire_port(0), 3000), 0);
	for (int k = 0; k < IDLE_CONNS; k++)
		close(idle[k]);
	ck_assert_int_eq(wait_no_close_wait(rest_port(0), 3000), 0);
	ck_assert_int_eq(http(0, "/health", NULL, 1000, NULL), 200);
}
END_TEST

/* --rest-idle-timeout: an idle connection is closed by the node, a busy one is not cut. */
START_TEST(test_idle_connection_timed_out)
{
	char buf[16];
	struct timeval tv = {5, 0};
	double t0, ms;
	int fd;

	start_on(0, 0, 0, "--rest-idle-timeout", "1s", NULL);
	wait_healthy(0);
	fd = tcp_connect(rest_port(0));
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t0 = fltime_mono_ms();
	ck_assert_int_eq(recv(fd, buf, sizeof(buf), 0), 0);
	ms = fltime_mono_ms() - t0;
	fprintf(stderr, "idle REST connection closed after %.0f ms (timeout 1 s)\n", ms);
	ck_assert_msg(ms > 500 && ms < 3000, "closed after %.0f ms", ms);
	close(fd);
	ck_assert_int_eq(wait_no_close_wait(rest_port(0), 3000), 0);
}
END_TEST

static int wait_exit(int i, int timeout_ms)
{
	double t0 = fltime_mono_ms();
	int st;

	while (fltime_mono_ms() - t0 < timeout_ms) {
		if (waitpid(pids[i], &st, WNOHANG) == pids[i]) {
			pids[i] = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		fltime_sleep_ms(20);
	}
	return -1;
}

/* Ports are exclusive: a second labnode on a taken REST or wire port exits 1 naming it, and
 * the first one keeps answering. */
START_TEST(test_second_node_on_a_taken_port)
{
	char want[96], *err;

	start_on(0, 0, 0, NULL);
	wait_healthy(0);
	start_on(1, 1, 0, NULL); /* REST port of node 0 */
	ck_assert_int_eq(wait_exit(1, 5000), 1);
	err = slurp("node1.err");
	snprintf(want, sizeof(want), "REST: bind 127.0.0.1:%d: Address already in use",
		 rest_port(0));
	ck_assert_msg(strstr(err, want), "stderr: %s", err);
	free(err);
	start_on(2, 0, 2, NULL); /* wire port of node 0 */
	ck_assert_int_eq(wait_exit(2, 5000), 1);
	err = slurp("node2.err");
	snprintf(want, sizeof(want), "bind 127.0.0.1:%d: Address already in use", wire_port(0));
	ck_assert_msg(strstr(err, want), "stderr: %s", err);
	free(err);
	ck_assert_int_eq(http(0, "/health", NULL, 1000, NULL), 200);
}
END_TEST

Suite *labnode_limits_suite(void)
{
	Suite *s = suite_create("labnode_limits");
	TCase *tc = tcase_create("limits");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pending_dm_memory_bounded);
	tcase_add_test(tc, test_health_while_idle_connections_held);
	tcase_add_test(tc, test_no_close_wait_after_clients_close);
	tcase_add_test(tc, test_second_node_on_a_taken_port);
	tcase_add_test(tc, test_idle_connection_timed_out);
	suite_add_tcase(s, tc);
	return s;
}
