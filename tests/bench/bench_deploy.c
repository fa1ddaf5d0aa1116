/* Deploy and teardown times of the runtimes (root). Prints figures; goals from the runtime
 * task: 100 netns nodes up in < 3 s; 20 docker containers in at most half the time of a
 * sequential `docker run -d` loop of the same image.
 *
 *   build/bench/bench_deploy [NETNS_NODES [DOCKER_NODES]]     (defaults 100 and 20)
 *
 * Nodes are build/labnode when it exists (else /bin/sleep); "listening" is when every
 * node's REST port accepts a TCP connection from the hub (labnode only). Docker uses
 * faultlab/labnode:latest, built with tools/image-labnode when missing. */
#include "orchestrator/runtime/docker_api.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"

#include "common/fltime.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define LABNODE "build/labnode"
#define IMAGE "faultlab/labnode:latest"

struct bd_nodes {
	size_t n;
	char (*names)[24], (*addrs)[32], (*logs)[64];
	char **argv; /* shared; "@NAME@" is not expanded by the runtime, so one argv per node */
	char ***argvs;
	struct runtime_node_spec *specs;
	struct runtime_node *out;
};

static void bd_nodes_make(struct bd_nodes *b, size_t n, const char *subnet, int labnode)
{
	unsigned a, x, c;

	sscanf(subnet, "%u.%u.%u", &a, &x, &c);
	b->n = n;
	b->names = calloc(n, sizeof(*b->names));
	b->addrs = calloc(n, sizeof(*b->addrs));
	b->logs = calloc(n, sizeof(*b->logs));
	b->argvs = calloc(n, sizeof(*b->argvs));
	b->specs = calloc(n, sizeof(*b->specs));
	b->out = calloc(n, sizeof(*b->out));
	mkdir("/tmp/fl-bench", 0755);
	for (size_t i = 0; i < n; i++) {
		char **av = calloc(12, sizeof(*av));
		snprintf(b->names[i], sizeof(b->names[i]), "n%zu", i);
		snprintf(b->addrs[i], sizeof(b->addrs[i]), "%u.%u.%u.%zu", a, x, c, i + 2);
		snprintf(b->logs[i], sizeof(b->logs[i]), "/tmp/fl-bench/n%zu.log", i);
		if (labnode) {
			char *v[] = {LABNODE,	     "--name",	 b->names[i],	  "--role",
				     "relay",	     "--listen", "0.0.0.0:60000", "--rest",
				     "0.0.0.0:8645", NULL};
			memcpy(av, v, sizeof(v));
		} else {
			av[0] = "/bin/sleep";
			av[1] = "600";
		}
		b->argvs[i] = av;
		b->specs[i] = (struct runtime_node_spec){b->names[i], IMAGE,	       b->addrs[i],
							 av,	      "/tmp/fl-bench", b->logs[i]};
	}
}

/* Waits until every node's port 8645 accepts a connection made from rt's socket(). */
static double bd_listening(struct runtime *rt, struct bd_nodes *b, double t0, int timeout_ms)
{
	size_t ready = 0;
	char *done = calloc(b->n, 1);

	while (ready < b->n && fltime_mono_ms() - t0 < timeout_ms) {
		for (size_t i = 0; i < b->n; i++) {
			struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(8645)};
			int fd;
			if (done[i])
				continue;
			inet_pton(AF_INET, b->addrs[i], &sin.sin_addr);
			fd = rt->ops->socket(rt, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
				done[i] = 1;
				ready++;
			}
			if (fd >= 0)
				close(fd);
		}
		if (ready < b->n)
			fltime_sleep_ms(5);
	}
	free(done);
	return ready == b->n ? fltime_mono_ms() - t0 : -1;
}

static int bd_run(const char *kind, size_t n, const char *id, int labnode, double *up,
		  double *listening, double *down)
{
	char subnet[RUNTIME_SUBNET_LEN];
	struct fl_error err;
	struct bd_nodes b;
	struct runtime *rt;
	double t0;

	if (runtime_subnet_pick(NULL, id, subnet, &err) < 0 || !(rt = runtime_new(kind, &err))) {
		printf("%s: %s\n", kind, err.msg);
		return -1;
	}
	bd_nodes_make(&b, n, subnet, labnode);
	struct runtime_net_spec net = {id, subnet};
	t0 = fltime_mono_ms();
	if (rt->ops->net_create(rt, &net, &err) < 0 ||
	    rt->ops->nodes_start(rt, b.specs, n, b.out, &err) < 0) {
		printf("%s: %s\n", kind, err.msg);
		rt->ops->teardown(rt, &err);
		rt->ops->free(rt);
		return -1;
	}
	*up = fltime_mono_ms() - t0;
	*listening = labnode ? bd_listening(rt, &b, t0, 30000) : -1;
	t0 = fltime_mono_ms();
	if (rt->ops->teardown(rt, &err) < 0)
		printf("%s: teardown: %s\n", kind, err.msg);
	*down = fltime_mono_ms() - t0;
	rt->ops->free(rt);
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.subnet", RUNLOCK_DIR, id);
	unlink(path);
	return 0;
}

/* The baseline: `docker run -d` of the same image, one after another, each on a user
 * network like the runtime's (internal, fixed address), then removal. */
static double bd_docker_loop(size_t n, const char *id)
{
	char cmd[768], subnet[RUNTIME_SUBNET_LEN];
	struct fl_error err;
	double t0, t = -1;
	unsigned a, b, c;

	if (runtime_subnet_pick(NULL, id, subnet, &err) < 0)
		return -1;
	sscanf(subnet, "%u.%u.%u", &a, &b, &c);
	snprintf(cmd, sizeof(cmd),
		 "docker network create --internal --subnet %s --label faultlab.run=%s fl-%s "
		 ">/dev/null",
		 subnet, id, id);
	if (system(cmd) != 0)
		return -1;
	t0 = fltime_mono_ms();
	for (size_t i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd),
			 "docker run -d --network fl-%s --ip %u.%u.%u.%zu --label faultlab.run=%s "
			 "--name fl-%s-loop%zu " IMAGE " --name l%zu --role relay --listen "
			 "0.0.0.0:60000 --rest 0.0.0.0:8645 >/dev/null",
			 id, a, b, c, i + 2, id, id, i, i);
		if (system(cmd) != 0)
			break;
		if (i == n - 1)
			t = fltime_mono_ms() - t0;
	}
	snprintf(cmd, sizeof(cmd),
		 "docker rm -f $(docker ps -aq --filter label=faultlab.run=%s) >/dev/null; "
		 "docker network rm fl-%s >/dev/null; rm -f %s/%s.subnet",
		 id, id, RUNLOCK_DIR, id);
	if (system(cmd) != 0)
		printf("docker loop: cleanup failed\n");
	return t;
}

static void bd_docker(size_t n)
{
	struct docker_api api;
	struct fl_error err;
	double up, lis, down, loop;
	char id[16];

	if (docker_api_open(&api, &err) < 0) {
		printf("docker: skipped (%s)\n", err.msg);
		return;
	}
	if (system("docker image inspect " IMAGE " >/dev/null 2>&1") != 0 &&
	    (access(LABNODE, X_OK) != 0 || system("tools/image-labnode " LABNODE) != 0)) {
		printf("docker: skipped (no %s image and no %s to build it)\n", IMAGE, LABNODE);
		return;
	}
	snprintf(id, sizeof(id), "bd%d", (int)(getpid() % 100000));
	if (bd_run("docker", n, id, 1, &up, &lis, &down) < 0)
		return;
	snprintf(id, sizeof(id), "bl%d", (int)(getpid() % 100000));
	loop = bd_docker_loop(n, id);
	printf("docker: %zu containers up in %.0f ms (%.1f ms each), all REST ports listening at "
	       "%.0f ms, teardown %.0f ms\n",
	       n, up, up / (double)n, lis, down);
	printf(
	    "docker: sequential `docker run -d` loop of the same image: %.0f ms → runtime/loop = "
	    "%.2f [goal <= 0.50: %s]\n",
	    loop, up / loop, loop > 0 && up <= loop / 2 ? "met" : "MISSED");
}

static void bd_loadavg(const char *when)
{
	char buf[64] = "?";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
	printf("host load average %s: %s (%ld CPUs)\n", when, buf, sysconf(_SC_NPROCESSORS_ONLN));
}

int main(int argc, char **argv)
{
	size_t nn = argc > 1 ? (size_t)atoi(argv[1]) : 100,
	       dn = argc > 2 ? (size_t)atoi(argv[2]) : 20;
	int labnode = access(LABNODE, X_OK) == 0 && !getenv("FL_BENCH_SLEEP");
	double up, lis, down;
	char id[16];

	log_init("bench_deploy", LOG_WARN, LOG_TEXT);
	if (geteuid() != 0) {
		printf("bench_deploy: skipped, needs root\n");
		return 0;
	}
	bd_loadavg("before");
	snprintf(id, sizeof(id), "bn%d", (int)(getpid() % 100000));
	if (bd_run("netns", nn, id, labnode, &up, &lis, &down) == 0) {
		printf("netns: %zu nodes (%s) up in %.0f ms (%.1f ms each), teardown %.0f ms "
		       "[goal < 3000 ms: %s]\n",
		       nn, labnode ? "labnode" : "/bin/sleep", up, up / (double)nn, down,
		       up < 3000 ? "met" : "MISSED");
		if (labnode)
			printf("netns: all %zu REST ports listening at %.0f ms\n", nn, lis);
	}
	if (dn)
		bd_docker(dn);
	bd_loadavg("after");
	return 0;
}
