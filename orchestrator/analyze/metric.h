/* Metrics: the names an expectation may measure, each one entry of metric_table (metric.c)
 * that the scenario parser (name, unit of min/max), the validator (needs_fault), the planner
 * (how a threshold is written), the analyzer (measure) and the renderers (unit) all read.
 * Nobody else decodes a metric name: a new metric is one entry there and its measure
 * function. */
#ifndef FL_METRIC_H
#define FL_METRIC_H

#include <stddef.h>

struct analyze_run;
struct analyze_expect;
struct analyze_stats;

/* The unit of a metric's value and thresholds: fractions (0..1, scenarios write "99%"),
 * milliseconds (durations), counts (integers). */
enum metric_unit { METRIC_FRACTION, METRIC_MS, METRIC_COUNT, METRIC_BYTES };

struct metric_desc {
	const char *name; /* "delivery", "latency.p95", ... */
	enum metric_unit unit;
	int needs_fault; /* measured around faults: a scenario without faults cannot ask for it */
	/* Sets e->actual (NAN when there is nothing to measure, then e->note says why) from st,
	 * the figures of the deliveries e->where selects. */
	void (*measure)(const struct metric_desc *d, struct analyze_run *run,
			struct analyze_expect *e, const struct analyze_stats *st);
	size_t stat;  /* latency.*: offset of the percentile in struct analyze_stats; per-node
		       * metrics: offset of the figure in struct analyze_node */
	int per_node; /* cpu, rss, bytes: a node's figure (where.node), else the largest */
};

/* The metric by name; NULL when unknown. metric_at(i) walks the table (NULL past its end). */
const struct metric_desc *metric_find(const char *name);
const struct metric_desc *metric_at(size_t i);

#endif
