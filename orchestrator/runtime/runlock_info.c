/* Reading run files back for `faultlab ps` and `faultlab shell` (see runlock.h). */
#include "orchestrator/runtime/runlock.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void runlock_info_str(json_t *j, const char *key, char *out, size_t len)
{
	const char *v = json_string_value(json_object_get(j, key));

	snprintf(out, len, "%s", v ? v : "");
}

static void runlock_info_read(const char *id, struct runlock_entry *e)
{
	char path[PATH_MAX];
	json_t *j;

	memset(e, 0, sizeof(*e));
	snprintf(e->run_id, sizeof(e->run_id), "%s", id);
	e->live = runlock_is_live(id);
	snprintf(path, sizeof(path), "%s/%s.json", RUNLOCK_DIR, id);
	j = json_load_file(path, 0, NULL);
	if (!j)
		return;
	runlock_info_str(j, "scenario", e->scenario, sizeof(e->scenario));
	runlock_info_str(j, "started_at", e->started_at, sizeof(e->started_at));
	runlock_info_str(j, "runtime", e->runtime, sizeof(e->runtime));
	runlock_info_str(j, "run_dir", e->run_dir, sizeof(e->run_dir));
	e->pid = (int)json_integer_value(json_object_get(j, "pid"));
	e->nodes = (int)json_integer_value(json_object_get(j, "nodes"));
	json_decref(j);
}

static int runlock_info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct runlock_entry *)a)->run_id,
		      ((const struct runlock_entry *)b)->run_id);
}

static int runlock_info_seen(const struct runlock_entry *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].run_id, id) == 0)
			return 1;
	return 0;
}

int runlock_list(struct runlock_entry **out, size_t *n, struct fl_error *err)
{
	DIR *d = opendir(RUNLOCK_DIR);
	struct runlock_entry *v = NULL;
	size_t cap = 0;
	struct dirent *e;
	char id[16];

	*out = NULL;
	*n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t k = strcspn(e->d_name, ".");
		if (k == 0 || k >= sizeof(id) || e->d_name[k] != '.')
			continue;
		memcpy(id, e->d_name, k);
		id[k] = '\0';
		if (!runlock_valid_id(id) || strcmp(e->d_name, "subnets.lock") == 0 ||
		    runlock_info_seen(v, *n, id))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = fl_xreallocarray(v, cap, sizeof(*v));
		}
		runlock_info_read(id, &v[(*n)++]);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), runlock_info_cmp);
	*out = v;
	return 0;
}

static int runlock_info_match(const struct runlock_entry *e, const char *arg)
{
	const char *base;
	size_t la = strlen(arg);

	if (strcmp(e->run_id, arg) == 0)
		return 2;
	if (!e->run_dir[0])
		return 0;
	while (la > 1 && arg[la - 1] == '/')
		la--;
	if (strlen(e->run_dir) == la && strncmp(e->run_dir, arg, la) == 0)
		return 2;
	base = strrchr(e->run_dir, '/');
	base = base ? base + 1 : e->run_dir;
	if (strlen(base) == la && strncmp(base, arg, la) == 0)
		return 2;
	const char *abase = strrchr(arg, '/');
	if (abase && strcmp(abase + 1, base) == 0)
		return 2;
	return e->live && strcmp(e->scenario, arg) == 0;
}

int runlock_resolve(const char *arg, struct runlock_entry *out, struct fl_error *err)
{
	struct runlock_entry *v;
	size_t n, hits = 0;
	int best = 0;

	if (runlock_list(&v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int m = runlock_info_match(&v[i], arg);
		if (m > best) {
			best = m;
			hits = 0;
		}
		if (m && m == best && hits++ == 0)
			*out = v[i];
	}
	free(v);
	if (best == 0 && runlock_valid_id(arg)) {
		runlock_info_read(arg, out); /* a run with namespaces but no run files */
		return 0;
	}
	if (best == 0)
		return fl_err(err, "no run \"%s\" on this host (faultlab ps lists live runs)", arg);
	if (hits > 1)
		return fl_err(err, "\"%s\" names %zu live runs; give the run id", arg, hits);
	return 0;
}
