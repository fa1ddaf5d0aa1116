/* Injection latency of faultlab-agent: the agent's own ack_us (request read → kernel's
 * acknowledgement of the last change) for apply and revert, p50 and p99 per fault kind over
 * BENCH_CYCLES cycles each, with the real binary in a namespace pair it makes. Goal: p99 ≤
 * 5 ms. Needs root; prints "skipped" without it. FL_AGENT_BIN overrides the binary. */
#include "common/fltime.h"
#include "common/hostprobe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_CYCLES 200
#define BENCH_GOAL_US 5000

struct bench_kind {
	const char *kind, *params;
};

static const struct bench_kind bench_kinds[] = {
    {"partition", "{\"drop_from\":[\"10.213.42.2\",\"10.213.42.3\"]}"},
    {"link-down", "{}"},
    {"freeze", "{}"},
    {"suspend", "{\"wake_network_after_ms\":0}"},
    {"netem", "{\"delay_ms\":20,\"jitter_ms\":5,\"loss\":0.01}"},
    {"bandwidth", "{\"rate_bps\":1000000}"},
};

static char ns_a[32], ns_b[32], cg[PATH_MAX + 32];
static pid_t sleeper = -1;
static int agent_in = -1, agent_out = -1;
static pid_t agent_pid = -1;

static int bench_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void bench_cleanup(void)
{
	if (agent_in >= 0)
		close(agent_in);
	if (agent_pid > 0)
		waitpid(agent_pid, NULL, 0);
	if (sleeper > 0) {
		kill(sleeper, SIGKILL);
		waitpid(sleeper, NULL, 0);
	}
	for (int i = 0; i < 100 && rmdir(cg) < 0; i++)
		usleep(10000);
	bench_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", ns_a, ns_b);
}

static int bench_setup(void)
{
	int id = (int)getpid(), fd;
	char procs[PATH_MAX + 64];

	snprintf(ns_a, sizeof(ns_a), "flbench-%d-a", id);
	snprintf(ns_b, sizeof(ns_b), "flbench-%d-b", id);
	struct hostprobe_cgroups hc;
	struct fl_error err;

	if (hostprobe_cgroups_read(NULL, &hc, &err) < 0 || !hc.v2[0])
		return -1; /* freeze is timed on cgroup2 */
	snprintf(cg, sizeof(cg), "%s/flbench-%d", hc.v2, id);
	if (bench_sh("set -e; ip netns add %1$s; ip netns add %2$s;"
		     " ip link add flba%3$d netns %1$s type veth peer name flbb%3$d netns %2$s;"
		     " ip -n %1$s addr add 10.213.42.1/24 dev flba%3$d;"
		     " ip -n %2$s addr add 10.213.42.2/24 dev flbb%3$d;"
		     " ip -n %1$s link set flba%3$d up; ip -n %2$s link set flbb%3$d up;"
		     " ip -n %1$s route add 10.213.99.0/24 via 10.213.42.2",
		     ns_a, ns_b, id % 100000) != 0 ||
	    mkdir(cg, 0755) < 0)
		return -1;
	sleeper = fork();
	if (sleeper == 0) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) < 0)
			_exit(1);
		close(fd);
		execl("/bin/sleep", "sleep", "600", (char *)NULL);
		_exit(127);
	}
	usleep(50000);
	return 0;
}

static int bench_line(char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = {.fd = agent_out, .events = POLLIN};

		if (poll(&p, 1, 5000) <= 0 || read(agent_out, buf + n, 1) != 1)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

static int bench_agent_start(void)
{
	const char *bin = getenv("FL_AGENT_BIN") ? getenv("FL_AGENT_BIN") : "build/faultlab-agent";
	char netns[64], ifname[16], line[256];
	int in[2], out[2];

	snprintf(netns, sizeof(netns), "/run/netns/%s", ns_a);
	snprintf(ifname, sizeof(ifname), "flba%d", (int)getpid() % 100000);
	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	agent_pid = fork();
	if (agent_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(bin, bin, "--run", "bench", "--node", "a", "--netns", netns, "--ifname",
		      ifname, "--cgroup", cg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	agent_in = in[1];
	agent_out = out[0];
	return bench_line(line, sizeof(line)) == 0 && strstr(line, "ready") ? 0 : -1;
}

/* Sends one request; returns the reply's ack_us, or -1 with the reply printed. */
static long bench_req(const char *fmt, ...)
{
	char line[512], reply[1024];
	const char *ack;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	if (write(agent_in, line, (size_t)n) != n)
		return -1;
	do {
		if (bench_line(reply, sizeof(reply)) < 0)
			return -1;
	} while (strncmp(reply, "{\"ok\"", 5) != 0);
	ack = strstr(reply, "\"ack_us\":");
	if (strncmp(reply, "{\"ok\":true", 10) != 0 || !ack) {
		fprintf(stderr, "bench: %s", reply);
		return -1;
	}
	return strtol(ack + 9, NULL, 10);
}

static int bench_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long bench_pct(long *v, int n, int pct)
{
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp);
	return v[(n * pct + 99) / 100 - 1];
}

/* Runs the cycles of one kind; prints its row. Returns 1 when p99 met the goal. */
static int bench_kind(const struct bench_kind *k, int idx)
{
	static long apply_us[BENCH_CYCLES], revert_us[BENCH_CYCLES];
	long a99, r99;

	for (int i = 0; i < BENCH_CYCLES; i++) {
		apply_us[i] = bench_req("{\"op\":\"apply\",\"id\":\"b%d.%d\",\"kind\":\"%s\","
					"\"lease_ms\":60000,\"params\":%s}",
					idx, i, k->kind, k->params);
		revert_us[i] = bench_req("{\"op\":\"revert\",\"id\":\"b%d.%d\"}", idx, i);
		if (apply_us[i] < 0 || revert_us[i] < 0) {
			printf("%-10s failed (see stderr)\n", k->kind);
			return 0;
		}
	}
	a99 = bench_pct(apply_us, BENCH_CYCLES, 99);
	r99 = bench_pct(revert_us, BENCH_CYCLES, 99);
	printf("%-10s %8ld %8ld %8ld %8ld %s\n", k->kind, bench_pct(apply_us, BENCH_CYCLES, 50),
	       a99, bench_pct(revert_us, BENCH_CYCLES, 50), r99,
	       a99 <= BENCH_GOAL_US && r99 <= BENCH_GOAL_US ? "ok" : "MISSED");
	return a99 <= BENCH_GOAL_US && r99 <= BENCH_GOAL_US;
}

/* Applies one fault of every kind, closes the agent's stdin (the orchestrator dying) and
 * times until the agent has reverted everything and exited. */
static void bench_revert_all(void)
{
	size_t n = sizeof(bench_kinds) / sizeof(bench_kinds[0]);
	uint64_t t0;
	int st;

	for (size_t i = 0; i < n; i++)
		if (bench_req("{\"op\":\"apply\",\"id\":\"all%zu\",\"kind\":\"%s\","
			      "\"lease_ms\":60000,\"params\":%s}",
			      i, bench_kinds[i].kind, bench_kinds[i].params) < 0)
			return;
	t0 = fltime_mono_ns();
	close(agent_in);
	agent_in = -1;
	waitpid(agent_pid, &st, 0);
	agent_pid = -1;
	printf("revert-all on stdin EOF with %zu faults (one per kind): %.1f ms, exit %d\n", n,
	       (double)(fltime_mono_ns() - t0) / 1e6, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	int met = 0;

	if (geteuid() != 0) {
		puts("bench_agent_inject: skipped (needs root)");
		return 0;
	}
	atexit(bench_cleanup);
	if (bench_setup() < 0 || bench_agent_start() < 0) {
		puts("bench_agent_inject: setup failed");
		return 1;
	}
	printf("faultlab-agent ack_us over %d apply/revert cycles per kind (goal p99 <= %d us)\n",
	       BENCH_CYCLES, BENCH_GOAL_US);
	printf("%-10s %8s %8s %8s %8s\n", "kind", "apply50", "apply99", "revert50", "revert99");
	for (size_t i = 0; i < sizeof(bench_kinds) / sizeof(bench_kinds[0]); i++)
		met += bench_kind(&bench_kinds[i], (int)i);
	printf("kinds meeting the goal: %d of %zu\n", met,
	       sizeof(bench_kinds) / sizeof(bench_kinds[0]));
	bench_revert_all();
	return 0;
}
