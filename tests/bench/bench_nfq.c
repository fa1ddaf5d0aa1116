/* The NFQUEUE engine's delay error and CPU cost (root; prints "skipped" without it).
 *
 * Two namespaces joined by a veth (10.213.253.0/24); the engine and its NFQUEUE rule in b
 * delay everything arriving at b by 100 ms. A sender thread offers UDP from a at 1 000 and
 * 10 000 packets/s for ~3 s each; this process receives in b and compares each packet's
 * one-way delay (CLOCK_REALTIME on one host) with the unshaped baseline + 100 ms.
 * Goals: mean error <= 0.5 ms, p99 <= 1 ms at 1 000 pps, engine CPU <= 10% of a core. */
#include "agents/iptc_rules.h"
#include "agents/nfq_engine.h"
#include "common/fltime.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DELAY_MS 100.0
#define PORT 47124

static char ns_a[32], ns_b[32];

struct sender {
	int fd;
	double pps, seconds;
};

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int sh(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

static int enter(const char *ns)
{
	char path[64];
	int fd, r;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

static int udp_socket(const char *ns, const char *addr, const char *peer)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd, big = 4 << 20;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	struct sockaddr_in p = a;

	if (enter(ns) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, addr, &a.sin_addr);
	inet_pton(AF_INET, peer, &p.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    connect(fd, (struct sockaddr *)&p, sizeof(p)) < 0)
		fd = -1;
	setns(self, CLONE_NEWNET);
	close(self);
	return fd;
}

/* Sends pps packets/s carrying (seq, tx time), paced in 1 ms slots. */
/* The measuring threads run at a real-time priority below the engine's (10), so the figures
 * show the engine's error rather than this process waiting for a CPU on a busy machine. */
static void rt_priority(int prio)
{
	struct sched_param sp = {.sched_priority = prio};

	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	uint64_t start = fltime_mono_ns(), n = 0, total = (uint64_t)(s->pps * s->seconds);
	uint64_t buf[8] = {0};

	rt_priority(5);
	while (n < total) {
		uint64_t now = fltime_mono_ns();
		uint64_t due = (uint64_t)((double)(now - start) / 1e9 * s->pps) + 1;

		for (; n < due && n < total; n++) {
			buf[0] = n;
			buf[1] = real_ns();
			if (send(s->fd, buf, sizeof(buf), 0) < 0 && errno != ENOBUFS)
				break;
		}
		fltime_sleep_ms(0.2);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Runs one load and receives on rx; fills delays (ms) and returns how many arrived. */
static size_t run_load(int tx, int rx, double pps, double seconds, double *delays, size_t cap)
{
	struct sender s = {.fd = tx, .pps = pps, .seconds = seconds};
	uint64_t end = fltime_mono_ns() + (uint64_t)((seconds + DELAY_MS / 1000 + 0.5) * 1e9);
	uint64_t buf[8];
	pthread_t th;
	size_t n = 0;

	pthread_create(&th, NULL, sender_main, &s);
	while (fltime_mono_ns() < end) {
		struct pollfd p = {.fd = rx, .events = POLLIN};

		if (poll(&p, 1, 50) <= 0)
			continue;
		while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) == sizeof(buf))
			if (n < cap)
				delays[n++] = (double)(int64_t)(real_ns() - buf[1]) / 1e6;
	}
	pthread_join(th, NULL);
	return n;
}

static void stats(double *v, size_t n, double *mean, double *p99)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	*mean = n ? s / (double)n : NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	*p99 = n ? v[(size_t)((double)(n - 1) * 0.99)] : NAN;
}

static void cleanup_ns(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", ns_a,
		 ns_b);
	sh(cmd);
}

static int setup_ns(void)
{
	char cmd[1024];
	int id = getpid() % 100000;

	snprintf(ns_a, sizeof(ns_a), "flbench-%d-a", id);
	snprintf(ns_b, sizeof(ns_b), "flbench-%d-b", id);
	snprintf(cmd, sizeof(cmd),
		 "set -e; ip netns add %1$s; ip netns add %2$s;"
		 " ip link add fbna%3$d netns %1$s type veth peer name fbnb%3$d netns %2$s;"
		 " ip -n %1$s addr add 10.213.253.1/24 dev fbna%3$d;"
		 " ip -n %2$s addr add 10.213.253.2/24 dev fbnb%3$d;"
		 " ip -n %1$s link set fbna%3$d up; ip -n %2$s link set fbnb%3$d up;"
		 " ip -n %2$s link set lo up",
		 ns_a, ns_b, id);
	return sh(cmd);
}

static void load(struct nfq_engine *e, int tx, int rx, double pps, double base_ms)
{
	size_t cap = (size_t)(pps * 4), n;
	double *d = malloc(cap * sizeof(*d)), mean, p99, t0 = fltime_mono_ms();
	struct nfq_engine_stats a, b;

	nfq_engine_stats(e, &a);
	n = run_load(tx, rx, pps, 3, d, cap);
	nfq_engine_stats(e, &b);
	for (size_t i = 0; i < n; i++)
		d[i] -= base_ms + DELAY_MS;
	stats(d, n, &mean, &p99);
	printf("%6.0f pps  received %6zu/%6.0f  delay error mean %+.3f ms  p99 %+.3f ms  "
	       "engine cpu %.1f%% of a core  timer lateness mean %.3f ms max %.3f ms\n",
	       pps, n, pps * 3, mean, p99,
	       (double)(b.cpu_us - a.cpu_us) / 1e3 / (fltime_mono_ms() - t0) * 100,
	       b.released > a.released ? (double)(b.late_ns_sum - a.late_ns_sum) /
					     (double)(b.released - a.released) / 1e6
				       : 0,
	       (double)b.late_ns_max / 1e6);
	free(d);
}

int main(void)
{
	struct nfq_engine_cfg cfg = {
	    .queue_num = 0xf1b0, .next_queue = -1, .hooks = NFQ_ENGINE_HOOK_IN};
	struct iptc_rule_spec rule = {.kind = IPTC_RULE_NFQUEUE, .queue_num = 0xf1b0};
	struct fl_error err = {0};
	struct nfq_engine *e;
	double *base = malloc(4000 * sizeof(*base)), base_mean, base_p99;
	size_t n;
	char chain[32];
	int tx, rx;

	if (geteuid() != 0) {
		printf("bench_nfq: skipped (needs root)\n");
		return 0;
	}
	if (setup_ns() < 0) {
		cleanup_ns();
		printf("bench_nfq: skipped (no network namespaces)\n");
		return 0;
	}
	rt_priority(5);
	tx = udp_socket(ns_a, "10.213.253.1", "10.213.253.2");
	rx = udp_socket(ns_b, "10.213.253.2", "10.213.253.1");
	n = run_load(tx, rx, 1000, 1, base, 4000);
	stats(base, n, &base_mean, &base_p99);
	printf("baseline (no engine): one-way mean %.3f ms p99 %.3f ms over %zu packets\n",
	       base_mean, base_p99, n);
	netem_plan_params_init(&cfg.params);
	cfg.params.delay_ms = DELAY_MS;
	cfg.params.seed = 1;
	snprintf(chain, sizeof(chain), "FLbench%d-q", getpid() % 100000);
	if (enter(ns_b) < 0 || !(e = nfq_engine_start(&cfg, &err)) ||
	    iptc_rules_install(chain, "INPUT", &rule, 1, &err) < 0) {
		printf("bench_nfq: failed: %s\n", err.msg);
		cleanup_ns();
		return 1;
	}
	load(e, tx, rx, 1000, base_mean);
	load(e, tx, rx, 10000, base_mean);
	iptc_rules_remove(chain, "INPUT", &err);
	nfq_engine_stop(e);
	cleanup_ns();
	free(base);
	return 0;
}
