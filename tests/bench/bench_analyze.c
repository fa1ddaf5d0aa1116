/* bench_analyze: a run directory of 1 000 000 messages (100 nodes, 10 faults) and 10 000 000
 * fleet-trace lines in /tmp, then `analyze_run_dir` on it in a child process: prints the
 * generation time, the analysis wall time and the child's max RSS against the goals
 * (< 10 s, < 2 GiB). The directory is removed afterwards.
 * BENCH_MESSAGES and BENCH_TRACES override the sizes. */
#include "common/fltime.h"
#include "orchestrator/analyze/analyze.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NODES 100
#define FAULTS 10
#define MONO0 1000000.0

static size_t n_msgs = 1000000, n_traces = 10000000;
static char dir[64];

static FILE *bench_open(const char *rel)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	setvbuf(f, NULL, _IOFBF, 1 << 22);
	return f;
}

static double bench_sent_ms(size_t i)
{
	return 1000.0 + (double)i * 0.5; /* 2000 messages a second */
}

/* Deterministic facts about message i: lost 1 %, duplicated 0.5 %, latency 5..500 ms. */
static int bench_lost(size_t i)
{
	return i % 100 == 37;
}

static double bench_latency(size_t i)
{
	return 5.0 + (double)((i * 2654435761u) % 49500) / 100.0;
}

static size_t bench_to(size_t i)
{
	return (i % NODES + 1 + (i / NODES) % (NODES - 1)) % NODES; /* never the sender */
}

static void bench_hash(size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "0x%016llx9e3779b97f4a7c15f39cc0605cedc8341082276bf3a27251",
		 (unsigned long long)(i * 0x9e3779b97f4a7c15ull));
}

static void bench_plan(void)
{
	FILE *f = bench_open("plan.json");
	double end = bench_sent_ms(n_msgs);

	fprintf(f,
		"{\n  \"faultlab_plan\": 1,\n  \"scenario\": \"bench\", \"seed\": 1, "
		"\"runtime\": \"netns\",\n  \"duration_ms\": %.0f, \"drain_ms\": 30000,\n"
		"  \"nodes\": [\n",
		end);
	for (int n = 0; n < NODES; n++)
		fprintf(f,
			"    {\"name\": \"n%d\", \"role\": \"relay\", \"image\": \"labnode\", "
			"\"address\": \"10.213.0.%d\"}%s\n",
			n, n + 2, n + 1 < NODES ? "," : "");
	fputs("  ],\n  \"faults\": [\n", f);
	for (int k = 0; k < FAULTS; k++)
		fprintf(f,
			"    {\"id\": \"f%d\", \"name\": \"cut%d\", \"kind\": \"partition\", "
			"\"targets\": [\"n%d\"], \"start_ms\": %.0f, \"end_ms\": %.0f}%s\n",
			k + 1, k + 1, k, end * k / FAULTS, end * k / FAULTS + 20000,
			k + 1 < FAULTS ? "," : "");
	fputs("  ],\n  \"expect\": [{\"metric\": \"delivery\", \"min\": 0.98}, "
	      "{\"metric\": \"latency.p99\", \"max\": 1000}, "
	      "{\"metric\": \"recovery\", \"where\": {\"fault\": \"cut1\"}, \"max\": 60000}],\n"
	      "  \"events\": [\n",
	      f);
	for (size_t i = 0; i < n_msgs; i++)
		fprintf(f,
			"    {\"id\": \"e%zu\", \"t_ms\": %.1f, \"type\": \"send\", \"msg\": "
			"\"m%zu\", \"traffic\": \"chat\", \"kind\": \"dm\", \"from\": \"n%zu\", "
			"\"to\": [\"n%zu\"], \"size\": 200}%s\n",
			i + 1, bench_sent_ms(i), i + 1, i % NODES, bench_to(i),
			i + 1 < n_msgs ? "," : "");
	fputs("  ]\n}\n", f);
	fclose(f);
}

static void bench_journal(void)
{
	FILE *f = bench_open("events.jsonl");
	char h[80];

	fprintf(f,
		"{\"type\":\"run-start\",\"run\":\"bench\",\"seed\":1,\"runtime\":\"netns\","
		"\"mono0_ms\":%.1f,\"started_at\":\"2026-11-24T01:00:00Z\"}\n",
		MONO0);
	for (int n = 0; n < NODES; n++)
		fprintf(f,
			"{\"type\":\"node-up\",\"node\":\"n%d\",\"address\":\"10.213.7.%d\","
			"\"key\":\"0x04%04d\",\"ready_ms\":10}\n",
			n, n + 2, n);
	for (size_t i = 0; i < n_msgs; i++) {
		double t = bench_sent_ms(i);

		bench_hash(i, h, sizeof(h));
		fprintf(f,
			"{\"type\":\"send\",\"id\":\"e%zu\",\"msg\":\"m%zu\",\"node\":\"n%zu\","
			"\"planned_ms\":%.1f,\"issued_ms\":%.1f,\"done_ms\":%.1f,\"result\":\"ok\","
			"\"node_msg_id\":\"0x%zx\",\"hash\":\"%s\"}\n",
			i + 1, i + 1, i % NODES, t, t + 0.1, t + 0.9, i + 1, h);
	}
	for (int k = 0; k < FAULTS; k++) {
		double b = bench_sent_ms(n_msgs) * k / FAULTS;

		fprintf(f,
			"{\"type\":\"fault-apply\",\"fault\":\"f%d\",\"node\":\"n%d\","
			"\"applied_ms\":%.1f,\"engine\":\"iptables\",\"result\":\"ok\"}\n"
			"{\"type\":\"fault-revert\",\"fault\":\"f%d\",\"node\":\"n%d\","
			"\"reverted_ms\":%.1f,\"result\":\"ok\"}\n",
			k + 1, k, b + 1, k + 1, k, b + 20001);
	}
	fprintf(f, "{\"type\":\"run-end\",\"t_ms\":%.1f,\"status\":\"completed\"}\n",
		bench_sent_ms(n_msgs) + 30000);
	fclose(f);
}

static void bench_open_nodes(FILE **files, const char *name)
{
	char rel[64];

	for (int n = 0; n < NODES; n++) {
		snprintf(rel, sizeof(rel), "nodes/n%d", n);
		mkdir(strcat(strcat(strcpy(calloc(1, 128), dir), "/"), rel), 0755);
		snprintf(rel, sizeof(rel), "nodes/n%d/%s", n, name);
		files[n] = bench_open(rel);
		setvbuf(files[n], NULL, _IOFBF, 1 << 18);
	}
}

static void bench_node_events(void)
{
	FILE *files[NODES];
	char h[80];

	bench_open_nodes(files, "events.jsonl");
	for (size_t i = 0; i < n_msgs; i++) {
		double t = MONO0 + bench_sent_ms(i) + 0.5;
		size_t to = bench_to(i);

		bench_hash(i, h, sizeof(h));
		fprintf(files[i % NODES],
			"{\"t_ms\":%.1f,\"event\":\"sent\",\"id\":\"0x%zx\","
			"\"hash\":\"%s\",\"kind\":\"dm\",\"peer\":\"0x04%04zu\",\"text\":\"m%zu "
			"xx\"}\n",
			t, i + 1, h, to, i + 1);
		for (int c = 0; !bench_lost(i) && c < (i % 200 == 3 ? 2 : 1); c++)
			fprintf(files[to],
				"{\"t_ms\":%.1f,\"event\":\"received\",\"id\":\"0x%zx\","
				"\"hash\":\"%s\",\"kind\":\"dm\",\"peer\":\"0x04%04zu\","
				"\"text\":\"m%zu xx\"}\n",
				t + bench_latency(i) + c, i + 1, h, i % NODES, i + 1);
	}
	for (int n = 0; n < NODES; n++)
		fclose(files[n]);
}

static void bench_traces(void)
{
	FILE *files[NODES];
	size_t per = n_traces / n_msgs ? n_traces / n_msgs : 1;
	char h[80];

	bench_open_nodes(files, "stdout.log");
	for (size_t i = 0, lines = 0; i < n_msgs && lines < n_traces; i++) {
		unsigned long long ns = (unsigned long long)((MONO0 + bench_sent_ms(i)) * 1e6);

		bench_hash(i, h, sizeof(h));
		for (size_t k = 0; k < per && lines < n_traces; k++, lines++) {
			size_t node = (i + k * 7) % NODES;

			if (k % 2)
				fprintf(files[node],
					"sent relay message my_peer_id=16U*n%zu "
					"msg_hash=%s to_peer_id=16U*n%zu sentTime=%llu\n",
					node, h, (node + 1) % NODES, ns + k * 1000000);
			else
				fprintf(files[node],
					"received relay message my_peer_id=16U*n%zu "
					"msg_hash=%s from_peer_id=16U*n%zu topic=/waku/2/rs/0/0 "
					"receivedTime=%llu\n",
					node, h, (node + 99) % NODES, ns + k * 1000000);
		}
	}
	for (int n = 0; n < NODES; n++)
		fclose(files[n]);
}

static double bench_loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static int bench_rm(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(p);
}

int main(void)
{
	struct analyze_opts o = {.quiet = 1, .no_html = 0};
	struct rusage ru;
	double t0, t1, t2;
	int status, verdict = -1;
	pid_t pid;

	if (getenv("BENCH_MESSAGES"))
		n_msgs = strtoull(getenv("BENCH_MESSAGES"), NULL, 10);
	if (getenv("BENCH_TRACES"))
		n_traces = strtoull(getenv("BENCH_TRACES"), NULL, 10);
	snprintf(dir, sizeof(dir), "/tmp/fl-bench-analyze-%d", (int)getpid());
	mkdir(dir, 0755);
	mkdir(strcat(strcpy(calloc(1, 128), dir), "/nodes"), 0755);
	t0 = fltime_mono_ms();
	bench_plan();
	bench_journal();
	bench_node_events();
	bench_traces();
	t1 = fltime_mono_ms();
	printf("bench_analyze: generated %zu messages and %zu trace lines in %.1f s\n", n_msgs,
	       n_traces, (t1 - t0) / 1000);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct fl_error err = {0};

		if (analyze_run_dir(dir, &o, &verdict, NULL, &err) < 0) {
			fprintf(stderr, "bench_analyze: %s\n", err.msg);
			_exit(2);
		}
		_exit(verdict);
	}
	wait4(pid, &status, 0, &ru);
	t2 = fltime_mono_ms();
	printf("bench_analyze: analyze (ledger + 4 reports) wall %.2f s (goal < 10 s), CPU %.2f s "
	       "user + %.2f s sys, max RSS %.0f MiB (goal < 2048 MiB), verdict exit %d\n",
	       (t2 - t1) / 1000, (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss / 1024.0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("bench_analyze: load average %.1f after the run (the machine is shared)\n",
	       bench_loadavg());
	if (!getenv("BENCH_KEEP"))
		nftw(dir, bench_rm, 16, FTW_DEPTH | FTW_PHYS);
	else
		printf("bench_analyze: kept %s\n", dir);
	return WIFEXITED(status) && WEXITSTATUS(status) < 2 ? 0 : 1;
}
