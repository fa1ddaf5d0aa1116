/* Per-node resource figures at the end of a run (issue 12: what DST reported per node), one
 * journal line each, before the nodes go:
 *   {"type":"node-resources","node":N,"t_ms":…,"cpu_ms":…,"max_rss_bytes":…,"rx_bytes":…,
 *    "tx_bytes":…,"source":"cgroup2"|"proc"}
 * CPU time and peak memory come from the node's cgroup2 directory when it has one (every
 * process of the node, also after they exited: cpu.stat usage_usec, memory.peak when the
 * memory controller is on), else from its main process (/proc/PID/stat utime+stime of it and
 * its reaped children, VmHWM); bytes from the node's interface counters as its own network
 * namespace sees them (/proc/PID/net/dev: received = rx, sent = tx). A figure that cannot be
 * read is null. Runs on the main thread after the traffic stopped. */
#include "orchestrator/run/run_int.h"

#include "common/cleanup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run_res {
	double cpu_ms, rss, rx, tx; /* NAN: unknown */
	const char *source;
};

/* The value of `key` in a "key value" file (cpu.stat), or NAN. */
static double res_keyed(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 32], line[256];
	cleanup_fclose FILE *f = NULL;
	size_t kl = strlen(key);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "r")))
		return NAN;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && (line[kl] == ' ' || line[kl] == '\t'))
			return strtod(line + kl + 1, NULL);
	return NAN;
}

static double res_number(const char *dir, const char *file)
{
	char path[PATH_MAX + 32], line[64];
	cleanup_fclose FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "r")) || !fgets(line, sizeof(line), f))
		return NAN;
	return strtod(line, NULL);
}

/* utime + stime + cutime + cstime of pid, in ms. */
static double res_proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	cleanup_fclose FILE *f = NULL;
	unsigned long long v[4];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")) || !fgets(buf, sizeof(buf), f) || !(p = strrchr(buf, ')')))
		return NAN;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3]) != 4)
		return NAN;
	return (double)(v[0] + v[1] + v[2] + v[3]) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static double res_proc_hwm(pid_t pid)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	return res_keyed(dir, "status", "VmHWM:") * 1024.0; /* "VmHWM:   1234 kB" */
}

/* Bytes received and sent on ifname, as the namespace of pid sees them. */
static void res_net(pid_t pid, const char *ifname, struct run_res *r)
{
	char path[64], line[512];
	cleanup_fclose FILE *f = NULL;
	size_t il = strlen(ifname);

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");
		unsigned long long rx, tx;

		if (strncmp(p, ifname, il) || p[il] != ':')
			continue;
		if (sscanf(p + il + 1, "%llu %*u %*u %*u %*u %*u %*u %*u %llu", &rx, &tx) == 2)
			r->rx = (double)rx, r->tx = (double)tx;
		return;
	}
}

static void res_read(const struct runtime_node *n, struct run_res *r)
{
	*r = (struct run_res){NAN, NAN, NAN, NAN, NULL};
	if (n->cgroup[0] && !isnan(r->cpu_ms = res_keyed(n->cgroup, "cpu.stat", "usage_usec"))) {
		r->cpu_ms /= 1000.0;
		r->rss = res_number(n->cgroup, "memory.peak");
		r->source = "cgroup2";
	}
	if (n->pid > 0) {
		if (isnan(r->cpu_ms) && !isnan(r->cpu_ms = res_proc_cpu(n->pid)))
			r->source = "proc";
		if (isnan(r->rss))
			r->rss = res_proc_hwm(n->pid);
		res_net(n->pid, n->ifname[0] ? n->ifname : "eth0", r);
	}
}

void run_resources_journal(struct run_ctx *c)
{
	for (size_t i = 0; c->nt.nodes && i < c->nt.n; i++) {
		struct run_res r;

		res_read(&c->nt.nodes[i], &r);
		runjournal_node_resources(&c->j, c->nt.nodes[i].name, r.cpu_ms, r.rss, r.rx, r.tx,
					  r.source);
	}
}
