/* labnode relay benchmark: a 3-node line on loopback (n0 → n1 → n2, traces off). The bench
 * joins as a relay peer of n0 (sender) and of n2 (receiver) over the wire protocol and prints
 *   throughput of 1 KiB messages through the line (msg/s; goal ≥ 20 000),
 *   publish → receive latency p50/p99 one message at a time (goal p99 < 2 ms),
 *   RSS of an idle node (goal ≤ 8 MiB). */
#include "common/fltime.h"
#include "images/labnode/ln_frame.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_MSGS 50000
#define N_LAT 2000

static pid_t kids[3];
static int port0;

static void spawn(int i)
{
	char listen[32], rest[32], peer[32], name[8];

	snprintf(name, sizeof(name), "b%d", i);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port0 + i);
	snprintf(rest, sizeof(rest), "127.0.0.1:%d", port0 + 10 + i);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", port0 + i - 1);
	kids[i] = fork();
	if (kids[i] == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		const char *argv[] = {"build/labnode",
				      "--name",
				      name,
				      "--role",
				      "relay",
				      "--listen",
				      listen,
				      "--rest",
				      rest,
				      "--traces",
				      "off",
				      "--keepalive",
				      "2s",
				      "--keepalive-timeout",
				      "20s",
				      "--sleep-threshold",
				      "60s",
				      i ? "--peer" : NULL,
				      peer,
				      NULL};
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

static int dial(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct ln_buf b = {0};

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	for (int k = 0; k < 100 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0; k++) {
		close(fd);
		fltime_sleep_ms(20);
		fd = socket(AF_INET, SOCK_STREAM, 0);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	size_t m = ln_frame_begin(&b, LN_F_HELLO);
	ln_frame_put_str(&b, LN_T_PEERID, port == port0 ? "bench-sender" : "bench-receiver");
	ln_frame_put_u64(&b, LN_T_ROLE, 0);
	ln_frame_end(&b, m);
	if (send(fd, b.data, b.len, 0) < 0)
		perror("send");
	ln_buf_free(&b);
	return fd;
}

static void relay_frame(struct ln_buf *b, uint64_t seq, int64_t ts)
{
	static uint8_t payload[1024];
	struct ln_msg m = {0};

	memcpy(payload, &seq, sizeof(seq));
	snprintf(m.content_topic, sizeof(m.content_topic), "/bench/1/x/proto");
	m.timestamp = ts;
	m.payload = payload;
	m.payload_len = sizeof(payload);
	size_t mk = ln_frame_begin(b, LN_F_RELAY);
	ln_frame_put_msg(b, "/waku/2/bench", &m);
	ln_frame_end(b, mk);
}

static struct ln_frame fr;

/* Reads frames from fd until `want` relay frames arrived; answers pings. Returns the count. */
static long receive(int fd, struct ln_buf *in, long want, double deadline_ms)
{
	long got = 0;
	struct fl_error err;

	while (got < want && fltime_mono_ms() < deadline_ms) {
		size_t used;
		int r;
		while ((r = ln_frame_parse(ln_buf_head(in), ln_buf_used(in), &fr, &used, &err)) ==
		       1) {
			if (fr.type == LN_F_RELAY)
				got++;
			if (fr.type == LN_F_PING) {
				struct ln_buf p = {0};
				size_t m = ln_frame_begin(&p, LN_F_PONG);
				ln_frame_end(&p, m);
				if (send(fd, p.data, p.len, 0) < 0)
					return got;
				ln_buf_free(&p);
			}
			ln_buf_consume(in, used);
		}
		if (r < 0 || got >= want)
			break;
		ln_buf_reserve(in, 1 << 16);
		ssize_t k = recv(fd, in->data + in->len, in->cap - in->len, 0);
		if (k <= 0)
			break;
		in->len += (size_t)k;
	}
	return got;
}

struct sender {
	int fd;
	long n;
};

static void *send_all(void *arg)
{
	struct sender *s = arg;
	struct ln_buf b = {0};

	for (long i = 0; i < s->n; i++) {
		relay_frame(&b, (uint64_t)i + 1000000, 1000 + i);
		if (b.len > (1 << 16) || i == s->n - 1) {
			if (send(s->fd, b.data, b.len, 0) < 0)
				break;
			b.len = b.off = 0;
		}
	}
	ln_buf_free(&b);
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* VmRSS, or with anon = 1 RssAnon (the node's private memory; the rest is shared library
 * pages every node on the host shares). */
static long rss_kib(pid_t pid, int anon)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, anon ? "RssAnon: %ld kB" : "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int main(void)
{
	struct ln_buf in = {0}, b = {0};
	static double lat[N_LAT];
	struct sender s;
	pthread_t th;

	port0 = 12000 + (int)(getpid() % 1000) * 20; /* below the ephemeral range */
	for (int i = 0; i < 3; i++)
		spawn(i);
	fltime_sleep_ms(1500);
	long idle_rss = rss_kib(kids[1], 0), idle_anon = rss_kib(kids[1], 1);
	int rx = dial(port0 + 2), tx = dial(port0);
	fltime_sleep_ms(300);
	/* latency: one at a time */
	for (int i = 0; i < N_LAT; i++) {
		b.len = b.off = 0;
		relay_frame(&b, (uint64_t)i, 1 + i);
		double t0 = fltime_mono_ms();
		if (send(tx, b.data, b.len, 0) < 0 || receive(rx, &in, 1, t0 + 2000) != 1) {
			fprintf(stderr, "bench_labnode: message %d lost\n", i);
			return 1;
		}
		lat[i] = fltime_mono_ms() - t0;
	}
	qsort(lat, N_LAT, sizeof(lat[0]), cmp_d);
	/* throughput */
	s.fd = tx;
	s.n = N_MSGS;
	double t0 = fltime_mono_ms();
	pthread_create(&th, NULL, send_all, &s);
	long got = receive(rx, &in, N_MSGS, t0 + 60000);
	double dt = fltime_mono_ms() - t0;
	pthread_join(th, NULL);
	long busy_rss = rss_kib(kids[1], 0);
	printf("labnode relay, 3-node line on loopback, 1 KiB messages\n");
	printf("throughput: %.0f msg/s (%ld of %d in %.0f ms; goal >= 20000)\n", got / dt * 1000,
	       got, N_MSGS, dt);
	printf("latency publish->receive over 2 hops: p50 %.3f ms, p99 %.3f ms (goal p99 < 2 ms)\n",
	       lat[N_LAT / 2], lat[N_LAT * 99 / 100]);
	printf("RSS idle node: %.1f MiB (goal <= 8 MiB), of which private (RssAnon) %.1f MiB; "
	       "after the burst: %.1f MiB\n",
	       idle_rss / 1024.0, idle_anon / 1024.0, busy_rss / 1024.0);
	for (int i = 0; i < 3; i++) {
		kill(kids[i], SIGTERM);
		waitpid(kids[i], NULL, 0);
	}
	ln_buf_free(&in);
	ln_buf_free(&b);
	return got == N_MSGS ? 0 : 1;
}
