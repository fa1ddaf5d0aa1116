/* bench_validate_faults: scenario_load (parse + validate) of scenarios with 10 000, 20 000,
 * 40 000 and 80 000 faults (one line each, unique names), median of 3, and the time per fault.
 * Goal: linear — the time per fault stays flat as the count doubles (issue 15: a pairwise
 * duplicate-name scan took 4.6 s at 40 000 faults). */
#include "orchestrator/scenario/scenario.h"

#include "common/fltime.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BENCH_RUNS 3

static int bench_write(const char *path, int n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "version: 1\nname: many\nseed: 1\nduration: 30h\ndrain: 1s\nnodes:\n"
		   "  - name: a\n  - name: b\ntopology:\n  kind: full\nfaults:\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "  - {name: f%d, at: %ds, for: 1s, netem: {target: b, delay: 10ms}}\n",
			i, i);
	return fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static const int counts[] = {10000, 20000, 40000, 80000};
	char path[] = "/tmp/bench_validate_XXXXXX.yaml";
	int fd = mkstemps(path, 5);

	if (fd < 0)
		return perror("bench_validate_faults"), 1;
	close(fd);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		double ms[BENCH_RUNS];

		if (bench_write(path, counts[k]) < 0)
			return perror(path), 1;
		for (int r = 0; r < BENCH_RUNS; r++) {
			struct scenario_errors errs;
			struct scenario sc;
			double t0 = fltime_mono_ms();

			if (scenario_load(path, &sc, &errs) < 0) {
				fprintf(stderr, "bench_validate_faults: %d faults refused\n",
					counts[k]);
				return 1;
			}
			ms[r] = fltime_mono_ms() - t0;
			scenario_free(&sc);
		}
		qsort(ms, BENCH_RUNS, sizeof(ms[0]), cmp_double);
		printf("bench_validate_faults: %6d faults: load+validate %8.1f ms (median of %d), "
		       "%.2f us per fault\n",
		       counts[k], ms[BENCH_RUNS / 2], BENCH_RUNS,
		       ms[BENCH_RUNS / 2] * 1000 / counts[k]);
	}
	unlink(path);
	return 0;
}
