/* Lab subnets: runtime_subnet_pick() (see runtime.h). Allocations are files
 * /run/faultlab/<run_id>.subnet; a global flock on /run/faultlab/subnets.lock serialises
 * pickers. A subnet is taken while its file exists (whatever its size: overlaps count); files
 * of dead runs (no lock held) are reused only when no never-used block is left; subnets of
 * the docker daemon's networks (when one answers) are never handed out. */
#include "orchestrator/runtime/runtime.h"
#include "common/xalloc.h"
#include "orchestrator/runtime/docker_api.h"
#include "orchestrator/runtime/runlock.h"

#include "common/cleanup.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int runtime_subnet_parse(const char *cidr, uint32_t *net, int *prefix, struct fl_error *err)
{
	char buf[32];
	char *slash, *end;
	struct in_addr a;
	long p;

	if (!cidr || strlen(cidr) >= sizeof(buf))
		return fl_err(err, "expected a subnet like 10.213.0.0/16, got \"%s\"",
			      cidr ? cidr : "");
	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	if (!slash)
		return fl_err(err, "expected a subnet like 10.213.0.0/16, got \"%s\"", cidr);
	*slash = '\0';
	p = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || p < 8 || p > 30 || inet_pton(AF_INET, buf, &a) != 1)
		return fl_err(err, "expected a subnet like 10.213.0.0/16, got \"%s\"", cidr);
	*prefix = (int)p;
	*net = ntohl(a.s_addr) & (uint32_t)(0xffffffffULL << (32 - p));
	return 0;
}

void runtime_subnet_format(uint32_t net, int prefix, char *out, size_t len)
{
	snprintf(out, len, "%u.%u.%u.%u/%d", net >> 24, (net >> 16) & 255, (net >> 8) & 255,
		 net & 255, prefix);
}

/* Marks in `state` (1 = a dead run's, 2 = a live run's) every /prefix block of the pool that
 * overlaps net/net_prefix, whatever the two prefix lengths. */
static void runtime_subnet_mark(uint32_t pool, int pool_prefix, int prefix, uint8_t *state,
				uint32_t net, int net_prefix, uint8_t mark)
{
	int64_t lo = net, hi = (int64_t)net + (1LL << (32 - net_prefix)) - 1;
	int64_t plo = pool, phi = (int64_t)pool + (1LL << (32 - pool_prefix)) - 1;
	int shift = 32 - prefix;

	if (hi < plo || lo > phi)
		return;
	lo = lo < plo ? plo : lo;
	hi = hi > phi ? phi : hi;
	for (int64_t i = (lo - plo) >> shift; i <= (hi - plo) >> shift; i++)
		if (state[i] < mark)
			state[i] = mark;
}

struct runtime_subnet_ctx {
	uint32_t pool;
	int pool_prefix, prefix;
	uint8_t *state;
};

/* A docker network (any, faultlab's or not) on a subnet makes it unusable: docker refuses
 * overlapping networks, and its bridge puts the .1 on the host. */
static void runtime_subnet_docker(const char *cidr, void *arg)
{
	struct runtime_subnet_ctx *c = arg;
	struct fl_error ignored;
	uint32_t net;
	int p;

	if (runtime_subnet_parse(cidr, &net, &p, &ignored) == 0)
		runtime_subnet_mark(c->pool, c->pool_prefix, c->prefix, c->state, net, p, 2);
}

/* Marks every block that an allocation file, or the plan's nominal first /24, overlaps. */
static void runtime_subnet_scan(uint32_t pool, int pool_prefix, int prefix, uint8_t *state)
{
	DIR *d = opendir(RUNLOCK_DIR);
	struct dirent *e;
	uint32_t net;
	int p;

	struct runtime_subnet_ctx ctx = {pool, pool_prefix, prefix, state};

	runtime_subnet_mark(pool, pool_prefix, prefix, state, pool,
			    pool_prefix > 24 ? pool_prefix : 24, 2);
	docker_sweep_list_subnets(runtime_subnet_docker, &ctx);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512], line[64] = "", id[64];
		size_t n = strlen(e->d_name);
		struct fl_error ignored;

		if (n < 8 || strcmp(e->d_name + n - 7, ".subnet") != 0 || n - 7 >= sizeof(id))
			continue;
		memcpy(id, e->d_name, n - 7);
		id[n - 7] = '\0';
		snprintf(path, sizeof(path), "%s/%s", RUNLOCK_DIR, e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		if (runtime_subnet_parse(line, &net, &p, &ignored) < 0)
			continue;
		runtime_subnet_mark(pool, pool_prefix, prefix, state, net, p,
				    runlock_is_live(id) ? 2 : 1);
	}
	closedir(d);
}

int runtime_subnet_pick_prefix(const char *pool, int prefix, const char *run_id, char *out,
			       size_t len, struct fl_error *err)
{
	uint32_t base, blocks, pick = 0;
	int found = 0;
	int pool_prefix, fd_ok;
	char path[512];
	cleanup_free uint8_t *state = NULL;
	cleanup_close int lockfd = -1;

	if (runtime_subnet_parse(pool ? pool : RUNTIME_SUBNET_POOL, &base, &pool_prefix, err) < 0)
		return fl_wrap(err, "subnet pool");
	if (prefix < pool_prefix || prefix > 30 || prefix - pool_prefix > 16)
		return fl_err(err, "cannot carve /%d subnets from pool %s", prefix,
			      pool ? pool : RUNTIME_SUBNET_POOL);
	if (!runlock_valid_id(run_id))
		return fl_err(err, "run id \"%s\" must be 1-10 characters of [a-z0-9]", run_id);
	if (runlock_dir_ensure(err) < 0)
		return -1;
	blocks = 1u << (prefix - pool_prefix);
	state = fl_xcalloc(blocks, 1);
	snprintf(path, sizeof(path), "%s/subnets.lock", RUNLOCK_DIR);
	lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
		return fl_err_errno(err, "lock %s", path);
	runtime_subnet_scan(base, pool_prefix, prefix, state);
	/* the nominal first /24 is marked live, so real and nominal addresses always differ */
	for (int pass = 0; pass < 2 && !found; pass++)
		for (uint32_t i = 0; i < blocks && !found; i++)
			if (state[i] == (pass ? 1 : 0)) {
				pick = i;
				found = 1;
			}
	if (!found)
		return fl_err(err,
			      "no free /%d left in %s (run `faultlab clean` to free dead runs')",
			      prefix, pool ? pool : RUNTIME_SUBNET_POOL);
	runtime_subnet_format(base + (pick << (32 - prefix)), prefix, out, len);
	snprintf(path, sizeof(path), "%s/%s.subnet", RUNLOCK_DIR, run_id);
	FILE *f = fopen(path, "we");
	fd_ok = f && fprintf(f, "%s\n", out) > 0;
	if (f && fclose(f) != 0)
		fd_ok = 0;
	if (!fd_ok)
		return fl_err_errno(err, "write %s", path);
	return 0;
}

int runtime_subnet_pick(const char *pool, const char *run_id, char *out, struct fl_error *err)
{
	return runtime_subnet_pick_prefix(pool, 24, run_id, out, RUNTIME_SUBNET_LEN, err);
}
