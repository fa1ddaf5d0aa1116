/* bench_plan: validate + plan of a large generated scenario — 1000 nodes listed one by one,
 * a degree-4 mesh, 100 dm streams of 100 messages (10 000 messages), 20 faults — timed end to
 * end (read file, parse, check, plan, print plan.json), median of 5. Goal: < 1 s. */
#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/scenario.h"

#include "common/fltime.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BENCH_NODES 1000
#define BENCH_STREAMS 100
#define BENCH_PER_STREAM 100
#define BENCH_RUNS 5

static void bench_write(FILE *f)
{
	fprintf(f, "version: 1\nname: bench\nduration: 10m\ndrain: 1m\nnodes:\n");
	for (int i = 0; i < BENCH_NODES; i++)
		fprintf(f, "  - name: n%d\n    role: %s\n", i + 1, i % 10 ? "relay" : "service");
	fprintf(f, "topology:\n  kind: mesh\n  degree: 4\ntraffic:\n");
	for (int i = 0; i < BENCH_STREAMS; i++)
		fprintf(f,
			"  - kind: dm\n    from: n%d\n    to: n%d\n    rate: 1/s\n    count: %d\n"
			"    start: %ds\n    size: 100B..2KiB\n    poisson: %s\n",
			i + 1, BENCH_NODES - i, BENCH_PER_STREAM, i, i % 2 ? "true" : "false");
	fprintf(f, "faults:\n");
	for (int i = 0; i < 20; i++)
		fprintf(f,
			"  - at: %ds\n    for: 10s\n    netem: {target: {pick: 5, from: \"n%d*\"}, "
			"delay: 100ms, loss: 5%%}\n",
			10 + i * 20, i % 9 + 1);
	fprintf(f, "expect:\n  - {metric: delivery, min: 99%%}\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	char path[] = "/tmp/bench_plan_XXXXXX.yaml";
	double total[BENCH_RUNS], load[BENCH_RUNS], plan_ms[BENCH_RUNS], json[BENCH_RUNS];
	int fd = mkstemps(path, 5);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL, *sink = fopen("/dev/null", "w");
	size_t msgs = 0, links = 0;

	if (!f || !sink)
		return perror("bench_plan"), 1;
	bench_write(f);
	fclose(f);
	for (int r = 0; r < BENCH_RUNS; r++) {
		struct scenario_errors errs;
		struct fl_error err = {0};
		struct scenario sc;
		struct plan *plan;
		double t0 = fltime_mono_ms(), t1, t2;

		if (scenario_load(path, &sc, &errs) < 0) {
			scenario_errors_print(&errs, stderr);
			return 1;
		}
		t1 = fltime_mono_ms();
		if (plan_build(&sc, 1000 + r, &plan, &err) < 0)
			return fprintf(stderr, "bench_plan: %s\n", err.msg), 1;
		t2 = fltime_mono_ms();
		plan_write_json(plan, sink);
		fflush(sink);
		total[r] = fltime_mono_ms() - t0;
		load[r] = t1 - t0;
		plan_ms[r] = t2 - t1;
		json[r] = total[r] - (t2 - t0);
		msgs = plan->n_messages;
		links = plan->n_links;
		plan_free(plan);
		scenario_free(&sc);
	}
	unlink(path);
	qsort(total, BENCH_RUNS, sizeof(double), cmp_double);
	qsort(load, BENCH_RUNS, sizeof(double), cmp_double);
	qsort(plan_ms, BENCH_RUNS, sizeof(double), cmp_double);
	qsort(json, BENCH_RUNS, sizeof(double), cmp_double);
	printf("bench_plan: %d nodes, %zu links (mesh degree 4), %zu messages, 20 faults\n",
	       BENCH_NODES, links, msgs);
	printf("bench_plan: validate+plan+json median %.1f ms (min %.1f, max %.1f) over %d runs; "
	       "goal < 1000 ms\n",
	       total[BENCH_RUNS / 2], total[0], total[BENCH_RUNS - 1], BENCH_RUNS);
	printf("bench_plan: medians: load+validate %.1f ms, plan %.1f ms, plan.json %.1f ms\n",
	       load[BENCH_RUNS / 2], plan_ms[BENCH_RUNS / 2], json[BENCH_RUNS / 2]);
	printf("bench_plan: goal %s\n", total[BENCH_RUNS / 2] < 1000 ? "met" : "MISSED");
	return 0;
}
