/* Host-wide limits a run can hit, read before it deploys: memory, file descriptors, tasks,
 * and the IPv4 neighbour table (whose gc_thresh3 counts the entries of every network
 * namespace together). limits_preflight holds a run's estimated needs against them, so a run
 * that cannot fit is refused up front instead of failing minutes later. */
#ifndef FL_DOCTOR_LIMITS_H
#define FL_DOCTOR_LIMITS_H

#include <stddef.h>
#include <stdint.h>

struct host_limits {
	uint64_t mem_available_kib; /* /proc/meminfo MemAvailable */
	uint64_t nofile;	    /* RLIMIT_NOFILE (soft) of this process */
	uint64_t tasks_max;	    /* min(kernel.pid_max, kernel.threads-max) */
	uint64_t tasks_used;	    /* tasks alive now (/proc/loadavg) */
	uint64_t neigh_max;	    /* net.ipv4.neigh.default.gc_thresh3 */
	uint64_t neigh_used;	    /* entries now, all namespaces (/proc/net/stat/arp_cache) */
};

/* What a run will use, from its plan and its runtime. */
struct limits_need {
	size_t nodes;
	size_t links;		    /* node-to-node links of the plan */
	uint64_t node_overhead_kib; /* the runtime's per node (runtime_ops) */
	int node_extra_tasks;	    /* the runtime's per node */
	int neigh_permanent;	    /* the runtime installs permanent neighbour entries */
	uint64_t node_rss_kib;	    /* one node's resident memory, 0 = the labnode figure */
	uint64_t mem_kib, fds, tasks, neigh; /* filled by limits_estimate */
};

enum limits_verdict { LIMITS_OK, LIMITS_WARN, LIMITS_REFUSE };

/* Reads the host's limits; a figure that cannot be read stays 0 (and is not checked). */
void limits_read(struct host_limits *h);
/* Fills need's totals from its counts. */
void limits_estimate(struct limits_need *need);
/* Holds need against h: REFUSE when a figure does not fit, WARN above 80% of what is left;
 * msg gets one line per figure that is not OK ("memory: ~12.0 GiB needed, 9.1 GiB
 * available"). */
enum limits_verdict limits_preflight(const struct host_limits *h, const struct limits_need *need,
				     char *msg, size_t len);

#endif
