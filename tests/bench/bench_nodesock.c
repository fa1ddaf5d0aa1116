/* Driver requests made inside each node's network namespace (orchestrator/drivers/nodesock.c,
 * root): N namespaces, each with a tiny HTTP /health answerer on its own 127.0.0.1:8645 (one
 * responder thread serves all their listening sockets), then N health checks through the
 * drivers' HTTP path (libcurl, a socket made per request by setns in / socket / setns out),
 * sequential as the run's readiness sweep makes them and from 4 threads as the run's senders
 * do; the same N checks to one listener in this namespace (plain sockets) as the baseline.
 * Prints the figures (goal: 1000 sequential checks through node-namespace sockets in < 1 s,
 * within 2× the plain-socket time; measured 280 ms vs 183 ms on the shared 2-core box).
 *
 *   build/bench/bench_nodesock [N]            (default 1000) */
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/driver_json.h"

#include "common/fltime.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define BN_PORT 8645
#define BN_THREADS 4

static int bn_epfd;

static int bn_listen(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		perror("listen");
		exit(1);
	}
	return fd;
}

/* A new namespace with lo up and a listener in it; its fd kept in *ns. */
static int bn_namespace(int orig, int *ns)
{
	struct ifreq ifr = {0};
	int s, l;

	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (root needed)");
		exit(1);
	}
	*ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		perror("lo up");
		exit(1);
	}
	close(s);
	l = bn_listen(BN_PORT);
	if (setns(orig, CLONE_NEWNET) < 0) {
		perror("setns back");
		exit(1);
	}
	return l;
}

static void *bn_responder(void *arg)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				 "Content-Length: 43\r\nConnection: close\r\n\r\n"
				 "{\"nodeHealth\":\"Ready\",\"protocolsHealth\":[]}";
	struct epoll_event ev[64];

	for (;;) {
		int n = epoll_wait(bn_epfd, ev, 64, -1);

		for (int i = 0; i < n; i++) {
			int c = accept4(ev[i].data.fd, NULL, NULL, SOCK_CLOEXEC);
			char buf[2048];

			if (c < 0)
				continue;
			if (read(c, buf, sizeof(buf)) > 0 && write(c, ok, sizeof(ok) - 1) < 0)
				perror("write");
			close(c);
		}
	}
	return NULL;
}

struct bn_job {
	struct driver_node *nodes;
	size_t from, to;
	int fails;
};

static void *bn_checks(void *arg)
{
	struct bn_job *j = arg;

	for (size_t i = j->from; i < j->to; i++) {
		struct fl_error err = {0};

		if (driver_json_health(&j->nodes[i], &err) != 1)
			j->fails++;
	}
	return NULL;
}

/* N checks from `threads` threads; returns the ms they took. */
static double bn_round(struct driver_node *nodes, size_t n, int threads, int *fails)
{
	pthread_t th[BN_THREADS];
	struct bn_job jobs[BN_THREADS];
	double t0 = fltime_mono_ms();

	*fails = 0;
	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct bn_job){nodes, n * (size_t)t / (size_t)threads,
					  n * (size_t)(t + 1) / (size_t)threads, 0};
		pthread_create(&th[t], NULL, bn_checks, &jobs[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		*fails += jobs[t].fails;
	}
	return fltime_mono_ms() - t0;
}

static void bn_node(struct driver_node *d, size_t i, int port)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "n%zu", i);
	snprintf(d->address, sizeof(d->address), "127.0.0.1");
	d->rest_port = port;
	d->timeout_ms = 5000;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1000;
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fails;
	struct driver_node *ns_nodes = calloc(n, sizeof(*ns_nodes));
	struct driver_node *plain = calloc(n, sizeof(*plain));
	int *nsfd = calloc(n, sizeof(int)), base;
	struct epoll_event ev = {.events = EPOLLIN};
	double t0 = fltime_mono_ms(), ms;
	pthread_t resp;

	if (geteuid() != 0) {
		printf("bench_nodesock: skipped, needs root\n");
		return 0;
	}
	bn_epfd = epoll_create1(EPOLL_CLOEXEC);
	for (size_t i = 0; i < n; i++) {
		ev.data.fd = bn_namespace(orig, &nsfd[i]);
		epoll_ctl(bn_epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	base = bn_listen(0);
	{
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);

		getsockname(base, (struct sockaddr *)&sa, &sl);
		ev.data.fd = base;
		epoll_ctl(bn_epfd, EPOLL_CTL_ADD, base, &ev);
		for (size_t i = 0; i < n; i++)
			bn_node(&plain[i], i, ntohs(sa.sin_port));
	}
	printf("bench_nodesock: %zu namespaces with a listener each in %.0f ms\n", n,
	       fltime_mono_ms() - t0);
	pthread_create(&resp, NULL, bn_responder, NULL);
	t0 = fltime_mono_ms();
	for (size_t i = 0; i < n; i++) {
		char path[64];
		struct fl_error err = {0};

		bn_node(&ns_nodes[i], i, BN_PORT);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", nsfd[i]);
		if (driver_node_netns(&ns_nodes[i], path, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	}
	printf("  driver_node_netns for %zu nodes: %.1f ms\n", n, fltime_mono_ms() - t0);
	for (int threads = 1; threads <= BN_THREADS; threads *= 4) {
		double base_ms = bn_round(plain, n, threads, &fails);

		printf("  %zu health checks, %d thread(s), plain sockets (baseline): %.0f ms "
		       "(%.0f µs each, %d failed)\n",
		       n, threads, base_ms, base_ms * 1000 / (double)n, fails);
		ms = bn_round(ns_nodes, n, threads, &fails);
		printf("  %zu health checks, %d thread(s), sockets in each node's namespace: %.0f "
		       "ms (%.0f µs each, %+.0f µs vs baseline, %d failed)\n",
		       n, threads, ms, ms * 1000 / (double)n, (ms - base_ms) * 1000 / (double)n,
		       fails);
	}
	for (size_t i = 0; i < n; i++)
		driver_node_close(&ns_nodes[i]);
	return 0;
}
