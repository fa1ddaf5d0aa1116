/* The one table of fault limits, read by the scenario validator (file:line:col errors),
 * `faultlab plan`, `faultlab inject` (exit 2 before anything reaches a run) and the agent's
 * request parser (which refuses what a hand-written request gets wrong). A value the
 * validator accepts is one the agent applies.
 *
 *   key                     unit   min    max
 *   delay                   ms     0      1 h        netem latency (netem_plan.c)
 *   jitter                  ms     0      1 h
 *   wake-network-after      ms     0      10 min     suspend (suspend.c)
 *   rate                    bit/s  8      17 Gbit/s  tbf rate fits libnl's int of bytes/s
 *   burst                   bytes  0      64 MiB
 *   loss, duplicate, …      frac   0      1
 *   for (a lease)           ms     1      1 day      agent_request.c
 *   repeat times            -      1      10 000     per fault
 *   planned fault events    -      -      100 000    every occurrence of every fault, in all
 *                                                    (a 10 KB scenario must not plan a million)
 *   partition sources       -      1      256        addresses one node drops in one partition
 *                                                    (partition.c: one iptables rule each)
 */
#ifndef FL_LIMITS_FAULTS_H
#define FL_LIMITS_FAULTS_H

#include "common/error.h"

#include <stdint.h>

#define FL_LIMIT_DELAY_MAX_MS 3600000LL
#define FL_LIMIT_JITTER_MAX_MS 3600000LL
#define FL_LIMIT_WAKE_MAX_MS 600000LL
#define FL_LIMIT_RATE_MIN_BPS 8ULL
#define FL_LIMIT_RATE_MAX_BPS (2147483647ULL * 8) /* INT32_MAX bytes/s */
#define FL_LIMIT_BURST_MAX_BYTES (64ULL * 1024 * 1024)
#define FL_LIMIT_LEASE_MAX_MS 86400000LL
#define FL_LIMIT_REPEAT_TIMES_MAX 10000
#define FL_LIMIT_FAULT_EVENTS_MAX 100000
#define FL_LIMIT_PARTITION_SOURCES_MAX 256

enum fl_limit_kind {
	FL_LIMIT_DELAY,
	FL_LIMIT_JITTER,
	FL_LIMIT_WAKE,
	FL_LIMIT_RATE,
	FL_LIMIT_BURST,
	FL_LIMIT_FRACTION,
	FL_LIMIT_LEASE,
};

struct fl_limit {
	const char *name; /* the scenario key */
	char unit;	  /* 'd' duration ms, 'b' bit/s, 's' bytes, 'f' fraction */
	double min, max;
};

/* The row of one limit. */
const struct fl_limit *fl_limit_get(enum fl_limit_kind kind);
/* 0 when min <= v <= max; else -1 + err "<name> <v> is above the limit of <max>" (values and
 * limits in the key's own units: 2h, 1h, 20Gbit, 0.5). */
int fl_limit_check(enum fl_limit_kind kind, double v, struct fl_error *err);

#endif
