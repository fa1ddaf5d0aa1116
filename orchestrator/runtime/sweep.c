/* Leftovers of dead runs (see sweep.h and runtime_sweep in runtime.h). Chains, qdiscs, ifb
 * devices and veths made by agents and the runtime all live inside the run's namespaces, so
 * deleting the namespaces (after killing what runs in them) removes them; faultlab-agent's
 * --sweep is not needed for that. Docker leftovers: docker_sweep.c. */
#include "orchestrator/runtime/sweep.h"

#include "common/xalloc.h"
#include "orchestrator/runtime/cgroup.h"
#include "orchestrator/runtime/docker_api.h"
#include "orchestrator/runtime/netns_link.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "fl-<id>" or "fl-<id>-<node>" → id */
static int sweep_ns_id(const char *name, char *id, size_t len)
{
	size_t n;

	if (strncmp(name, "fl-", 3) != 0)
		return 0;
	n = strcspn(name + 3, "-");
	if (n == 0 || n >= len)
		return 0;
	memcpy(id, name + 3, n);
	id[n] = '\0';
	return runlock_valid_id(id);
}

/* "<id>-<ino>-<if>.routes" → id */
static int sweep_state_id(const char *name, char *id, size_t len)
{
	size_t n = strcspn(name, "-");

	if (name[n] != '-' || n == 0 || n >= len)
		return 0;
	memcpy(id, name, n);
	id[n] = '\0';
	return runlock_valid_id(id);
}

/* "<id>.lock" etc. → id */
static int sweep_file_id(const char *name, char *id, size_t len)
{
	size_t n = strcspn(name, ".");

	if (name[n] != '.' || n == 0 || n >= len || strcmp(name, "subnets.lock") == 0)
		return 0;
	memcpy(id, name, n);
	id[n] = '\0';
	return runlock_valid_id(id);
}

static void sweep_dir_ids(const char *dir, int (*parse)(const char *, char *, size_t),
			  void (*fn)(const char *, void *), void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char id[16];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && parse(e->d_name, id, sizeof(id)))
			fn(id, ctx);
	closedir(d);
}

static int sweep_cg_id(const char *name, char *id, size_t len)
{
	if (strlen(name) >= len || !runlock_valid_id(name))
		return 0;
	snprintf(id, len, "%s", name);
	return 1;
}

void sweep_list_ids(int include_docker, void (*fn)(const char *id, void *ctx), void *ctx)
{
	char p[PATH_MAX + 16], roots[2][PATH_MAX];
	size_t n_roots = cgroup_roots(roots);

	sweep_dir_ids(NETNS_LINK_DIR, sweep_ns_id, fn, ctx);
	sweep_dir_ids(RUNLOCK_DIR, sweep_file_id, fn, ctx);
	sweep_dir_ids(SWEEP_AGENT_STATE_DIR, sweep_state_id, fn, ctx);
	for (size_t i = 0; i < n_roots; i++) {
		snprintf(p, sizeof(p), "%s/faultlab", roots[i]);
		sweep_dir_ids(p, sweep_cg_id, fn, ctx);
	}
	if (include_docker)
		docker_sweep_list_ids(fn, ctx);
}

int sweep_kill_ns_pids(const char *ns_path)
{
	struct stat want, st;
	DIR *d = opendir("/proc");
	struct dirent *e;
	char p[64];
	int n = 0;

	if (!d || stat(ns_path, &want) < 0) {
		if (d)
			closedir(d);
		return 0;
	}
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
		if (stat(p, &st) == 0 && st.st_ino == want.st_ino && st.st_dev == want.st_dev) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	closedir(d);
	return n;
}

static int sweep_cgroups(const char *id)
{
	char dir[PATH_MAX + 64], node[PATH_MAX + 320], roots[2][PATH_MAX];
	size_t n_roots = cgroup_roots(roots);
	struct fl_error err;
	int removed = 0;

	for (size_t i = 0; i < n_roots; i++) {
		snprintf(dir, sizeof(dir), "%s/faultlab/%s", roots[i], id);
		DIR *d = opendir(dir);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d)))
			if (e->d_type == DT_DIR && e->d_name[0] != '.') {
				snprintf(node, sizeof(node), "%s/%s", dir, e->d_name);
				int r = cgroup_remove(node, &err);
				if (r > 0)
					removed++;
				else if (r < 0)
					log_warn("clean: %s", err.msg);
			}
		closedir(d);
		if (rmdir(dir) == 0)
			removed++;
	}
	return removed;
}

/* Kills what runs in the run's namespaces, then removes them (nodes first, hub last). */
static int sweep_namespaces(const char *id)
{
	char pre[32], path[PATH_MAX], hub[32];
	struct fl_error err;
	DIR *d = opendir(NETNS_LINK_DIR);
	struct dirent *e;
	int removed = 0, r;

	if (!d)
		return 0;
	snprintf(pre, sizeof(pre), "fl-%s-", id);
	snprintf(hub, sizeof(hub), "fl-%s", id);
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, pre, strlen(pre)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_LINK_DIR, e->d_name);
		sweep_kill_ns_pids(path);
		r = netns_link_ns_delete(e->d_name, &err);
		if (r < 0)
			log_warn("clean: %s", err.msg);
		removed += r > 0;
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/%s", NETNS_LINK_DIR, hub);
	sweep_kill_ns_pids(path);
	r = netns_link_ns_delete(hub, &err);
	if (r < 0)
		log_warn("clean: %s", err.msg);
	return removed + (r > 0);
}

int sweep_agent_files(const char *id)
{
	DIR *d = opendir(SWEEP_AGENT_STATE_DIR);
	struct dirent *e;
	char pre[32], p[PATH_MAX];
	int removed = 0;

	if (!d)
		return 0;
	snprintf(pre, sizeof(pre), "%s-", id);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, pre, strlen(pre)) == 0) {
			snprintf(p, sizeof(p), "%s/%s", SWEEP_AGENT_STATE_DIR, e->d_name);
			removed += unlink(p) == 0;
		}
	closedir(d);
	return removed;
}

static int sweep_files(const char *id)
{
	static const char *const sfx[] = {".json", ".subnet", ".sock", ".lock", ".rt.lock"};
	char p[PATH_MAX];
	int removed = 0;

	for (size_t i = 0; i < FL_ARRAY_SIZE(sfx); i++) {
		snprintf(p, sizeof(p), "%s/%s%s", RUNLOCK_DIR, id, sfx[i]);
		removed += unlink(p) == 0;
	}
	return removed;
}

/* One dead run: processes (cgroups), namespaces, cgroup dirs, containers, run files. */
static int sweep_one(const char *id, int include_docker)
{
	char roots[2][PATH_MAX];
	size_t n_roots = cgroup_roots(roots);
	int removed = 0;

	for (size_t i = 0; i < n_roots; i++) {
		char dir[PATH_MAX + 64];
		snprintf(dir, sizeof(dir), "%s/faultlab/%s", roots[i], id);
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_type == DT_DIR && e->d_name[0] != '.') {
				char node[PATH_MAX + 320];
				snprintf(node, sizeof(node), "%s/%s", dir, e->d_name);
				cgroup_kill(node, 0);
			}
		if (d)
			closedir(d);
	}
	if (include_docker)
		removed += docker_sweep_run(id);
	removed += sweep_namespaces(id);
	removed += sweep_cgroups(id);
	removed += sweep_files(id);
	removed += sweep_agent_files(id);
	return removed;
}

struct sweep_ids {
	char (*ids)[16];
	size_t n, cap;
};

static void sweep_collect(const char *id, void *ctx)
{
	struct sweep_ids *s = ctx;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		s->ids = fl_xreallocarray(s->ids, cap, sizeof(*s->ids));
		s->cap = cap;
	}
	snprintf(s->ids[s->n++], 16, "%s", id);
}

int sweep_runs(const char *run_id, int include_docker, struct sweep_result *res,
	       struct fl_error *err)
{
	struct sweep_ids ids = {0};
	int r;

	memset(res, 0, sizeof(*res));
	if (run_id && !runlock_valid_id(run_id))
		return fl_err(err, "run id \"%s\" must be 1-10 characters of [a-z0-9]", run_id);
	if (run_id && runlock_is_live(run_id))
		return fl_err(err, "run %s is live (its lock %s/%s.lock is held): not cleaned",
			      run_id, RUNLOCK_DIR, run_id);
	if (run_id)
		sweep_collect(run_id, &ids);
	else
		sweep_list_ids(include_docker, sweep_collect, &ids);
	for (size_t i = 0; i < ids.n; i++) {
		if (runlock_is_live(ids.ids[i])) {
			if (res->runs_live < (int)FL_ARRAY_SIZE(res->live))
				snprintf(res->live[res->runs_live], 16, "%s", ids.ids[i]);
			res->runs_live++;
			continue;
		}
		r = sweep_one(ids.ids[i], include_docker);
		res->removed += r;
		res->runs_swept += r > 0;
	}
	free(ids.ids);
	return 0;
}

int runtime_sweep(const char *run_id, int include_docker, struct fl_error *err)
{
	struct sweep_result res;

	if (sweep_runs(run_id, include_docker, &res, err) < 0)
		return -1;
	for (int i = 0; i < res.runs_live && i < (int)FL_ARRAY_SIZE(res.live); i++)
		log_warn("run %s is live: skipped", res.live[i]);
	return res.removed;
}
