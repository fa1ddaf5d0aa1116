/* Cgroup layout and freezer probes (see hostprobe.h). */
#include "common/hostprobe.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const layout_names[] = {"none", "unified", "hybrid", "legacy"};
static const char *const freezer_names[] = {"none", "cgroup2", "freezer-v1", "sigstop"};

const char *hostprobe_layout_name(enum hostprobe_layout l)
{
	return (size_t)l < FL_ARRAY_SIZE(layout_names) ? layout_names[l] : "none";
}

const char *hostprobe_freezer_name(enum hostprobe_freezer f)
{
	return (size_t)f < FL_ARRAY_SIZE(freezer_names) ? freezer_names[f] : "none";
}

enum mount_kind { MOUNT_OTHER, MOUNT_V2, MOUNT_V1, MOUNT_V1_FREEZER };

struct mount_ent {
	char *dir;
	enum mount_kind kind;
};

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void mountinfo_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* One mountinfo line: "id parent maj:min root mountpoint opts [optional...] - type src
 * superopts" (proc(5)). Returns -1 for a line it cannot read. */
static int mountinfo_line(char *line, struct mount_ent *m)
{
	char *save = NULL, *tok, *dir = NULL, *type = NULL, *super = NULL;
	int field = 0, after_dash = 0;

	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (!after_dash && field == 4)
			dir = tok;
		if (!after_dash && field >= 6 && strcmp(tok, "-") == 0) {
			after_dash = 1;
			field = 0;
			continue;
		}
		if (after_dash && field == 0)
			type = tok;
		if (after_dash && field == 2)
			super = tok;
		field++;
	}
	if (!dir || !type)
		return -1;
	mountinfo_unescape(dir);
	m->dir = fl_xstrdup(dir);
	m->kind = MOUNT_OTHER;
	if (strcmp(type, "cgroup2") == 0)
		m->kind = MOUNT_V2;
	else if (strcmp(type, "cgroup") == 0)
		m->kind = super && strstr(super, "freezer") ? MOUNT_V1_FREEZER : MOUNT_V1;
	return 0;
}

/* Whether path is dir or lies below it. */
static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Mount i is hidden when a later mount sits on its path or a parent of it. */
static bool mount_hidden(const struct mount_ent *v, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n; j++)
		if (path_within(v[i].dir, v[j].dir))
			return true;
	return false;
}

static void cgroups_classify(const struct mount_ent *v, size_t n, struct hostprobe_cgroups *cg)
{
	bool v1 = false;

	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == MOUNT_OTHER || mount_hidden(v, n, i))
			continue;
		if (v[i].kind == MOUNT_V2 && !cg->v2[0])
			snprintf(cg->v2, sizeof(cg->v2), "%s", v[i].dir);
		if (v[i].kind == MOUNT_V1_FREEZER && !cg->v1_freezer[0])
			snprintf(cg->v1_freezer, sizeof(cg->v1_freezer), "%s", v[i].dir);
		v1 |= v[i].kind == MOUNT_V1 || v[i].kind == MOUNT_V1_FREEZER;
	}
	if (v1)
		cg->layout = cg->v2[0] ? HOSTPROBE_CG_HYBRID : HOSTPROBE_CG_LEGACY;
	else
		cg->layout = cg->v2[0] ? HOSTPROBE_CG_UNIFIED : HOSTPROBE_CG_NONE;
}

int hostprobe_cgroups_read(const char *mountinfo, struct hostprobe_cgroups *cg,
			   struct fl_error *err)
{
	const char *path = mountinfo ? mountinfo : "/proc/self/mountinfo";
	cleanup_fclose FILE *f = fopen(path, "re");
	struct mount_ent *v = NULL;
	size_t n = 0, cap = 0;
	char line[8192];

	memset(cg, 0, sizeof(*cg));
	if (!f)
		return fl_err_errno(err, "open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = fl_xreallocarray(v, cap, sizeof(*v));
		}
		if (mountinfo_line(line, &v[n]) == 0)
			n++;
	}
	cgroups_classify(v, n, cg);
	for (size_t i = 0; i < n; i++)
		free(v[i].dir);
	free(v);
	return 0;
}

static bool dir_has_writable(const char *dir, const char *file)
{
	char path[PATH_MAX + 32];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return false;
	return access(path, W_OK) == 0;
}

enum hostprobe_freezer hostprobe_cgroup_dir_freezer(const char *dir)
{
	if (!dir || !dir[0])
		return HOSTPROBE_FREEZER_NONE;
	if (dir_has_writable(dir, "cgroup.freeze"))
		return HOSTPROBE_FREEZER_CGROUP2;
	if (dir_has_writable(dir, "freezer.state"))
		return HOSTPROBE_FREEZER_V1;
	return HOSTPROBE_FREEZER_NONE;
}

enum hostprobe_freezer hostprobe_cgroup_root_freezer(const char *root)
{
	char dir[PATH_MAX + 64];
	enum hostprobe_freezer f;

	if (!root || !root[0])
		return HOSTPROBE_FREEZER_NONE;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/faultlab-probe-%d", root, (int)getpid()) >=
	    sizeof(dir))
		return HOSTPROBE_FREEZER_NONE;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return HOSTPROBE_FREEZER_NONE;
	f = hostprobe_cgroup_dir_freezer(dir);
	rmdir(dir);
	return f;
}

enum hostprobe_freezer hostprobe_cgroup_pick(const struct hostprobe_cgroups *cg, char *root,
					     size_t len)
{
	static const enum hostprobe_freezer want[] = {HOSTPROBE_FREEZER_CGROUP2,
						      HOSTPROBE_FREEZER_V1};
	const char *roots[] = {cg->v2, cg->v1_freezer};

	for (size_t i = 0; i < FL_ARRAY_SIZE(roots); i++) {
		if (roots[i][0] && hostprobe_cgroup_root_freezer(roots[i]) == want[i]) {
			snprintf(root, len, "%s", roots[i]);
			return want[i];
		}
	}
	if (len)
		root[0] = '\0';
	return HOSTPROBE_FREEZER_NONE;
}
