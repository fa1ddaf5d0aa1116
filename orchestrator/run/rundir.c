/* Run directory helpers and node command lines. */
#include "orchestrator/run/rundir.h"
#include "orchestrator/drivers/nodeargs.h"
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/image.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/rng.h"
#include "common/safefile.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void rundir_run_id(char *out, size_t len)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char b[16];
	size_t n = len > 11 ? 10 : len - 1;

	/* the kernel's CSPRNG for every character: two runs started in the same nanosecond by
	 * the same pid namespace still differ (36^9 * 26 ids) */
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		struct rng r;

		rng_seed(&r, rng_os_seed() ^ fltime_mono_ns() ^ (uint64_t)getpid());
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rng_below(&r, 256);
	}
	out[0] = a[b[0] % 26]; /* a letter first: reads as a name, never as a number */
	for (size_t i = 1; i < n; i++)
		out[i] = a[b[i] % (sizeof(a) - 1)];
	out[n] = '\0';
}

int rundir_mkdirs(const char *path, struct fl_error *err)
{
	return safefile_mkdir(path, 0, 0755, err);
}

void rundir_path(const char *base, const char *name, uint64_t seed, uint64_t real_ns, char *out,
		 size_t len)
{
	char utc[32];

	fltime_utc_string(real_ns, 1, utc, sizeof(utc));
	snprintf(out, len, "%s/%s-%s-%" PRIu64, base ? base : "reports/runs", name, utc, seed);
}

/* As root, the run directory and every directory above it must be root's (SAFEFILE_TRUST). */
static int rundir_trust(void)
{
	return geteuid() == 0 ? SAFEFILE_TRUST : 0;
}

int rundir_create(const char *out_dir, const char *base, const char *name, uint64_t seed,
		  uint64_t real_ns, char *run_dir, size_t len, struct fl_error *err)
{
	char path[PATH_MAX];

	if (out_dir) {
		snprintf(path, sizeof(path), "%s", out_dir);
		if (safefile_mkdir(path, rundir_trust(), 0755, err) < 0)
			return -1;
	} else {
		rundir_path(base, name, seed, real_ns, path, sizeof(path));
		/* the parent first (shared by every run), then our own directory, which must be
		 * new: a run started in the same second with the same seed gets "-2", "-3", … */
		if (safefile_mkdir(base ? base : "reports/runs", rundir_trust(), 0755, err) < 0)
			return -1;
		for (int k = 2; safefile_mkdir(path, rundir_trust() | SAFEFILE_EXCL, 0755, err) < 0;
		     k++) {
			char first[PATH_MAX];

			if (errno != EEXIST || k > 999)
				return -1;
			rundir_path(base, name, seed, real_ns, first, sizeof(first));
			snprintf(path, sizeof(path), "%.4000s-%d", first, k);
		}
	}
	if (!realpath(path, run_dir))
		return fl_err_errno(err, "resolve %s", path);
	(void)len;
	return 0;
}

char *rundir_read(const char *path, size_t *len, struct fl_error *err)
{
	cleanup_fclose FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		fl_err_errno(err, "open %s", path);
		return NULL;
	}
	do {
		if (n + 65536 + 1 > cap) {
			cap = n + 65536 * 2 + 1;
			buf = fl_xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, 65536, f);
		n += r;
	} while (r > 0);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int rundir_write(const char *path, const char *data, size_t len, struct fl_error *err)
{
	cleanup_fclose FILE *f = safefile_fopen(path, "wx", err);

	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0)
		return fl_err_errno(err, "write %s", path);
	return 0;
}

int rundir_copy(const char *from, const char *to, struct fl_error *err)
{
	size_t len;
	cleanup_free char *data = rundir_read(from, &len, err);

	if (!data)
		return -1;
	return rundir_write(to, data, len, err);
}

void rundir_log_tail(const char *path, int lines, char *buf, size_t len)
{
	size_t n;
	struct fl_error err;
	cleanup_free char *data = rundir_read(path, &n, &err);
	size_t start;
	int seen = 0;

	buf[0] = '\0';
	if (!data)
		return;
	start = n;
	while (start > 0) {
		if (data[start - 1] == '\n' && start != n && ++seen >= lines)
			break;
		start--;
	}
	if (n - start >= len)
		start = n - (len - 1);
	snprintf(buf, len, "%s", data + start);
}

void rundir_find_bin(const char *env_name, const char *name, int need_exec, char *out, size_t len)
{
	const char *env = getenv(env_name);
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, len, "%s/%s", self, name);
			if (!need_exec || access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "%s", name);
}

const char *rundir_node_image(const struct planread_node *n, int runs_images)
{
	const struct image_desc *img = n->image[0] ? image_find(n->image) : image_default();

	if (img)
		return runs_images ? img->docker_ref : img->name;
	return n->image;
}

int rundir_node_secret(const char *data_dir, uint64_t identity_seed, struct fl_error *err)
{
	char path[PATH_MAX], text[32];
	cleanup_close int fd = -1;
	int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", identity_seed);

	snprintf(path, sizeof(path), "%.4000s/%s", data_dir, DRIVER_IDENTITY_FILE);
	fd = safefile_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600, err);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) < 0 || write(fd, text, (size_t)n) != n)
		return fl_err_errno(err, "write %s", path);
	return 0;
}

void rundir_argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

struct rundir_argv {
	char **v;
	size_t n, cap;
};

static void rundir_push(struct rundir_argv *a, const char *fmt, ...) FL_PRINTF(2, 3);
static void rundir_push(struct rundir_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (a->n + 2 > a->cap) {
		a->cap = a->cap * 2 + 16;
		a->v = fl_xreallocarray(a->v, a->cap, sizeof(char *));
	}
	va_start(ap, fmt);
	s = fl_xvasprintf(fmt, ap);
	va_end(ap);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* Whether node i dials node k for a link between them. */
static int rundir_dials(const struct planread *p, size_t i, size_t k, int first)
{
	int li = strcmp(p->nodes[i].role, "light") == 0;
	int lk = strcmp(p->nodes[k].role, "light") == 0;

	if (li != lk)
		return li;
	return first;
}

/* The address node i dials node k at: nominal, shifted into real_subnet when given. */
static void rundir_peer(struct rundir_argv *peers, const struct planread *p, size_t k,
			const char *real_subnet)
{
	char addr[16];
	struct fl_error err;

	snprintf(addr, sizeof(addr), "%s", p->nodes[k].address);
	if (real_subnet)
		planread_address_shift(p->subnet, real_subnet, p->nodes[k].address, addr,
				       sizeof(addr), &err);
	rundir_push(peers, "%s", addr);
}

/* A light node must reach a service node: when none of its links leads to one, it gets every
 * service node of the plan as a peer. */
static void rundir_light_services(struct rundir_argv *peers, const struct planread *p, size_t i,
				  const char *real_subnet)
{
	if (strcmp(p->nodes[i].role, "light") != 0)
		return;
	for (size_t l = 0; l < p->n_links; l++) {
		size_t x = p->links[l][0], y = p->links[l][1];

		if ((x == i && !strcmp(p->nodes[y].role, "service")) ||
		    (y == i && !strcmp(p->nodes[x].role, "service")))
			return;
	}
	for (size_t k = 0; k < p->n_nodes; k++)
		if (strcmp(p->nodes[k].role, "service") == 0)
			rundir_peer(peers, p, k, real_subnet);
}

/* The addresses node i dials, in order. */
static void rundir_peers(struct rundir_argv *peers, const struct planread *p, size_t i,
			 const char *real_subnet)
{
	rundir_light_services(peers, p, i, real_subnet);
	for (size_t l = 0; l < p->n_links; l++) {
		size_t x = p->links[l][0], y = p->links[l][1], k;

		if (x != i && y != i)
			continue;
		k = x == i ? y : x;
		if (rundir_dials(p, i, k, x == i))
			rundir_peer(peers, p, k, real_subnet);
	}
}

static void rundir_push_arg(void *ctx, const char *arg)
{
	rundir_push(ctx, "%s", arg);
}

/* argv[0]: ignored on a runtime with images; else the driver's host program (after its
 * interpreter when it is a script), or the image string itself for a driver without one. */
static void rundir_program(struct rundir_argv *a, const struct driver_ops *drv,
			   const struct planread_node *n, int runs_images)
{
	char bin[PATH_MAX];

	if (!drv || !drv->program) {
		rundir_push(a, "%s", n->image);
		return;
	}
	if (runs_images) {
		rundir_push(a, "/%s", drv->program);
		return;
	}
	rundir_find_bin(drv->program_env, drv->program, 0, bin, sizeof(bin));
	if (drv->host_argv)
		drv->host_argv(bin, rundir_push_arg, a);
	else
		rundir_push(a, "%s", bin);
}

struct rundir_addr_ctx {
	const struct planread *p;
	const char *real_subnet;
};

/* nodeargs' @ADDR:<node>@: the node's address, shifted like the peers'. */
static const char *rundir_addr_of(void *ctx, const char *name, size_t len, char *buf, size_t cap)
{
	const struct rundir_addr_ctx *a = ctx;
	struct fl_error err;

	for (size_t k = 0; k < a->p->n_nodes; k++) {
		if (strlen(a->p->nodes[k].name) != len || memcmp(a->p->nodes[k].name, name, len))
			continue;
		snprintf(buf, cap, "%s", a->p->nodes[k].address);
		if (a->real_subnet)
			planread_address_shift(a->p->subnet, a->real_subnet, a->p->nodes[k].address,
					       buf, cap, &err);
		return buf;
	}
	return NULL;
}

void rundir_telemetry_host(const char *subnet, char *out, size_t cap)
{
	unsigned a, b, c, d;

	out[0] = '\0';
	if (subnet && sscanf(subnet, "%u.%u.%u.%u", &a, &b, &c, &d) == 4)
		snprintf(out, cap, "%u.%u.%u.%u", a, b, c, d + 1);
}

char **rundir_node_argv_shifted(const struct planread *p, size_t i, int runs_images, uint64_t seed,
				const char *real_subnet)
{
	const struct planread_node *n = &p->nodes[i];
	const struct driver_ops *drv = driver_find(n->driver[0] ? n->driver : NULL);
	struct rundir_argv a = {0}, peers = {0};
	struct rundir_addr_ctx ac = {.p = p, .real_subnet = real_subnet};
	char self[16], host[32], url[64] = "";
	struct nodeargs x = {
	    .name = n->name, .address = self, .addr_of = rundir_addr_of, .addr_ctx = &ac};

	rundir_program(&a, drv, n, runs_images);
	rundir_peers(&peers, p, i, real_subnet);
	x.peers = (const char *const *)peers.v;
	x.n_peers = peers.n;
	rundir_addr_of(&ac, n->name, strlen(n->name), self, sizeof(self));
	if (drv && drv->launch_args) {
		struct driver_launch l = {
		    .name = n->name, .role = n->role, .reliability = n->reliability, .seed = seed};

		l.peers = x.peers;
		l.n_peers = x.n_peers;
		rundir_telemetry_host(real_subnet ? real_subnet : p->subnet, host, sizeof(host));
		if (p->telemetry && host[0])
			snprintf(url, sizeof(url), "http://%s:%d", host, RUNDIR_TELEMETRY_PORT);
		l.telemetry_url = url[0] ? url : NULL;
		drv->launch_args(&l, rundir_push_arg, &a);
	}
	for (char **arg = n->args; arg && *arg; arg++) /* @PEER@, @ADDR:x@… (nodeargs.h) */
		nodeargs_expand(&x, *arg, rundir_push_arg, &a);
	rundir_argv_free(peers.v);
	if (!a.v)
		rundir_push(&a, "%s", "");
	return a.v;
}

char **rundir_node_argv(const struct planread *p, size_t i, int runs_images, uint64_t seed)
{
	return rundir_node_argv_shifted(p, i, runs_images, seed, NULL);
}
