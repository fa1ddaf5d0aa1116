/* Host limits and a run's estimated needs. Per-node figures were measured on labnode runs
 * (netns: labnode 5.3 MiB RSS, its agent ~2.5 MiB, one send thread; what a runtime adds per
 * node comes from its runtime_ops); they are deliberately rounded up. */
#include "orchestrator/doctor/limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define KIB_PER_MIB 1024ULL
#define LABNODE_RSS_KIB (6 * KIB_PER_MIB)
#define AGENT_RSS_KIB (3 * KIB_PER_MIB)
#define BASE_RSS_KIB (64 * KIB_PER_MIB) /* faultlab itself and its analyzer */
#define FDS_PER_NODE 7 /* agent pipes, node log pipe, driver sockets, its namespace (nodesock) */
#define FDS_BASE 64
#define TASKS_PER_NODE 4 /* node, agent (+ its NFQUEUE thread), send thread */

static uint64_t limits_file_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static uint64_t limits_meminfo(const char *key)
{
	char line[256];
	unsigned long long v = 0;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			sscanf(line + klen + 1, "%llu", &v);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

/* Entries of the ARP table, all namespaces: the first column of arp_cache's second line. */
static uint64_t limits_neigh_used(void)
{
	char line[512];
	unsigned int v = 0;
	FILE *f = fopen("/proc/net/stat/arp_cache", "re");

	if (f && fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f))
		sscanf(line, "%x", &v);
	if (f)
		fclose(f);
	return v;
}

void limits_read(struct host_limits *h)
{
	struct rlimit rl;
	uint64_t pid_max = limits_file_u64("/proc/sys/kernel/pid_max");
	uint64_t threads_max = limits_file_u64("/proc/sys/kernel/threads-max");
	unsigned long long total = 0;
	FILE *f = fopen("/proc/loadavg", "re");

	memset(h, 0, sizeof(*h));
	h->mem_available_kib = limits_meminfo("MemAvailable");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		h->nofile = rl.rlim_cur;
	h->tasks_max = pid_max && threads_max && threads_max < pid_max ? threads_max : pid_max;
	if (f && fscanf(f, "%*s %*s %*s %*u/%llu", &total) == 1)
		h->tasks_used = total;
	if (f)
		fclose(f);
	h->neigh_max = limits_file_u64("/proc/sys/net/ipv4/neigh/default/gc_thresh3");
	h->neigh_used = limits_neigh_used();
}

void limits_estimate(struct limits_need *n)
{
	uint64_t node = n->node_rss_kib ? n->node_rss_kib : LABNODE_RSS_KIB;

	n->mem_kib = BASE_RSS_KIB + n->nodes * (node + AGENT_RSS_KIB + n->node_overhead_kib);
	n->fds = FDS_BASE + n->nodes * FDS_PER_NODE;
	n->tasks = n->nodes * (TASKS_PER_NODE + (uint64_t)n->node_extra_tasks);
	/* dynamic entries: the hub (or the host, for docker's bridge) learns every node, each
	 * node learns the hub and its peers, both ways of a link */
	n->neigh = n->neigh_permanent ? 0 : 2 * n->nodes + 2 * n->links;
}

/* One figure: appends a line to msg when it does not fit (REFUSE) or is tight (WARN). */
static enum limits_verdict limits_one(const char *what, const char *unit, double div, uint64_t need,
				      uint64_t avail, const char *hint, char *msg, size_t len)
{
	enum limits_verdict v = need > avail	       ? LIMITS_REFUSE
				: need * 5 > avail * 4 ? LIMITS_WARN
						       : LIMITS_OK;
	size_t used = strlen(msg);

	if (v != LIMITS_OK && used < len)
		snprintf(msg + used, len - used, "%s: ~%.1f%s needed, %.1f%s available%s%s\n", what,
			 need / div, unit, avail / div, unit, hint ? " — " : "", hint ? hint : "");
	return v;
}

enum limits_verdict limits_preflight(const struct host_limits *h, const struct limits_need *n,
				     char *msg, size_t len)
{
	enum limits_verdict worst = LIMITS_OK, v;
	const double gib = 1024.0 * 1024.0;

	msg[0] = '\0';
	if (h->mem_available_kib) {
		v = limits_one("memory", " GiB", gib, n->mem_kib, h->mem_available_kib, NULL, msg,
			       len);
		worst = v > worst ? v : worst;
	}
	if (h->nofile) {
		v = limits_one("open files", "", 1, n->fds, h->nofile, "raise it with ulimit -n",
			       msg, len);
		worst = v > worst ? v : worst;
	}
	if (h->tasks_max) {
		v = limits_one("tasks", "", 1, n->tasks, h->tasks_max - h->tasks_used, NULL, msg,
			       len);
		worst = v > worst ? v : worst;
	}
	if (h->neigh_max && n->neigh) {
		v = limits_one("IPv4 neighbour entries (all namespaces)", "", 1, n->neigh,
			       h->neigh_used < h->neigh_max ? h->neigh_max - h->neigh_used : 0,
			       "net.ipv4.neigh.default.gc_thresh3 is shared by every namespace, "
			       "other runs included",
			       msg, len);
		worst = v > worst ? v : worst;
	}
	return worst;
}
