#include "agents/netem_dist.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const netem_dist_dirs[] = {"/usr/lib/x86_64-linux-gnu/tc", "/usr/lib/tc",
					      "/usr/lib64/tc", "/usr/local/lib/tc",
					      "/usr/share/tc"};

int netem_dist_parse(const char *text, int16_t **table, size_t *n, struct fl_error *err)
{
	cleanup_free int16_t *t = fl_xcalloc(NETEM_DIST_MAXN, sizeof(*t));
	size_t k = 0;
	const char *p = text;

	while (*p) {
		char *end;
		long v;

		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		if (strchr(" \t\r\n", *p)) {
			p++;
			continue;
		}
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v < INT16_MIN || v > INT16_MAX)
			return fl_err(err, "distribution table: bad number at \"%.10s\"", p);
		if (k == NETEM_DIST_MAXN)
			return fl_err(err, "distribution table: more than %d values",
				      NETEM_DIST_MAXN);
		t[k++] = (int16_t)v;
		p = end;
	}
	if (k == 0)
		return fl_err(err, "distribution table: no values");
	*table = steal_ptr(&t);
	*n = k;
	return 0;
}

static int netem_dist_read(const char *path, char **text, struct fl_error *err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (!f)
		return fl_err_errno(err, "open %s", path);
	buf = fl_xmalloc(256 * 1024);
	len = fread(buf, 1, 256 * 1024 - 1, f);
	if (ferror(f))
		return fl_err_errno(err, "read %s", path);
	buf[len] = '\0';
	*text = steal_ptr(&buf);
	return 0;
}

int netem_dist_load(enum netem_dist d, const char *dir, int16_t **table, size_t *n,
		    struct fl_error *err)
{
	cleanup_free char *text = NULL;
	char path[512];

	if (d == NETEM_DIST_UNIFORM)
		return fl_err(err, "the uniform distribution has no table");
	for (size_t i = 0; !dir && i < FL_ARRAY_SIZE(netem_dist_dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s.dist", netem_dist_dirs[i],
			 netem_plan_dist_name(d));
		if (access(path, R_OK) == 0)
			dir = netem_dist_dirs[i];
	}
	if (!dir)
		return fl_err(err, "no %s.dist table found (install iproute2)",
			      netem_plan_dist_name(d));
	snprintf(path, sizeof(path), "%s/%s.dist", dir, netem_plan_dist_name(d));
	if (netem_dist_read(path, &text, err) < 0)
		return -1;
	if (netem_dist_parse(text, table, n, err) < 0)
		return fl_wrap(err, "%s", path);
	return 0;
}
