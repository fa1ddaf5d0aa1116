#include "orchestrator/render/render.h"

#include "common/xalloc.h"
#include "orchestrator/analyze/ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

FILE *render_open(const char *path, char **tmp, struct fl_error *err)
{
	FILE *f;
	int fd;

	*tmp = fl_xasprintf("%s.tmp", path);
	/* the report's directory is the caller's choice; its files are never followed through
	 * a link (a run directory another user could fill is refused by the run itself) */
	fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fl_err_errno(err, "create %s", *tmp);
		if (fd >= 0)
			close(fd);
		free(*tmp);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

int render_close(FILE *f, char *tmp, const char *path, struct fl_error *err)
{
	int bad = ferror(f);

	if (fclose(f) != 0 || bad) {
		fl_err_errno(err, "write %s", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fl_err_errno(err, "rename %s", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

void render_ms(double ms, char *buf, size_t len)
{
	if (isnan(ms))
		snprintf(buf, len, "—");
	else if (fabs(ms) >= 1000)
		snprintf(buf, len, "%.1f s", ms / 1000);
	else
		snprintf(buf, len, "%.0f ms", ms);
}

void render_expect_name(const struct analyze_expect *e, char *buf, size_t len)
{
	const char *keys[] = {"kind", "traffic", "from", "to", "fault", "node"};
	const char *vals[] = {e->where.kind, e->where.traffic, e->where.from,
			      e->where.to,   e->where.fault,   e->where.node};
	size_t o = (size_t)snprintf(buf, len, "%s", e->metric);
	int any = 0;

	for (size_t i = 0; i < 6 && o < len; i++) {
		if (!vals[i])
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s: %s", any ? ", " : " {", keys[i],
				      vals[i]);
		any = 1;
	}
	if (any && o < len)
		snprintf(buf + o, len - o, "}");
}

/* Fractions as percentages (as scenarios write them), latency and recovery in ms, counts as
 * integers. */
static void render_value(const struct analyze_expect *e, double v, char *buf, size_t len)
{
	enum metric_unit unit = e->desc ? e->desc->unit : METRIC_COUNT;

	if (isnan(v))
		snprintf(buf, len, "none");
	else if (unit == METRIC_MS)
		snprintf(buf, len, "%.1f ms", v);
	else if (unit == METRIC_FRACTION)
		snprintf(buf, len, "%.4g%%", v * 100);
	else if (unit == METRIC_BYTES)
		render_bytes(v, buf, len);
	else
		snprintf(buf, len, "%.0f", v);
}

void render_expect_values(const struct analyze_expect *e, char *buf, size_t len)
{
	char a[64], mn[64], mx[64];

	render_value(e, e->actual, a, sizeof(a));
	render_value(e, e->min, mn, sizeof(mn));
	render_value(e, e->max, mx, sizeof(mx));
	if (e->has_min && e->has_max)
		snprintf(buf, len, "%s (min %s, max %s)", a, mn, mx);
	else if (e->has_min)
		snprintf(buf, len, "%s (min %s)", a, mn);
	else if (e->has_max)
		snprintf(buf, len, "%s (max %s)", a, mx);
	else
		snprintf(buf, len, "%s (no threshold)", a);
}

void render_xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static const struct analyze_run *render_sort_run;

static int render_cmp_fault(const void *a, const void *b)
{
	const struct analyze_fault *x = &render_sort_run->faults[*(const size_t *)a];
	const struct analyze_fault *y = &render_sort_run->faults[*(const size_t *)b];
	double rx = isnan(x->recovery_ms) ? INFINITY : x->recovery_ms;
	double ry = isnan(y->recovery_ms) ? INFINITY : y->recovery_ms;

	if (x->lost_during != y->lost_during)
		return x->lost_during > y->lost_during ? -1 : 1;
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

size_t render_worst_faults(const struct analyze_run *run, size_t *out, size_t max)
{
	size_t *all = fl_xcalloc(run->n_faults + 1, sizeof(*all)), n;

	for (size_t i = 0; i < run->n_faults; i++)
		all[i] = i;
	render_sort_run = run;
	qsort(all, run->n_faults, sizeof(*all), render_cmp_fault);
	n = run->n_faults < max ? run->n_faults : max;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

size_t render_problems_count(const struct analyze_run *run)
{
	return (run->interrupted ? 1 : 0) + run->fault_errors + run->opens_failed;
}

void render_problem(const struct analyze_run *run, size_t k, char *buf, size_t len)
{
	char at[32];

	if (run->interrupted && k-- == 0) {
		if (isnan(run->interrupted_ms))
			snprintf(buf, len,
				 "the run did not finish (its journal has no run-end: faultlab "
				 "died); %zu planned messages never sent are not counted",
				 run->unsent_msgs);
		else
			snprintf(buf, len,
				 "the run was interrupted at %.1f s; %zu planned messages never "
				 "sent are not counted",
				 run->interrupted_ms / 1000.0, run->unsent_msgs);
		return;
	}
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_fault *f = &run->faults[i];

		if (k >= f->n_errs) {
			k -= f->n_errs;
			continue;
		}
		render_ms(f->errs[k].at_ms, at, sizeof(at));
		snprintf(buf, len, "fault %s (%s) on %s: %s failed%s%s: %s", f->id,
			 f->name ? f->name : "?", analyze_node_name(run, f->errs[k].node) ?: "?",
			 analyze_fault_phase_name(f->errs[k].phase),
			 isnan(f->errs[k].at_ms) ? "" : " at ", isnan(f->errs[k].at_ms) ? "" : at,
			 f->errs[k].error ? f->errs[k].error : "");
		return;
	}
	for (size_t i = 0; i < run->n_opens; i++)
		if (run->opens[i].error && k-- == 0) {
			snprintf(buf, len, "%s", run->opens[i].error);
			return;
		}
	snprintf(buf, len, "?");
}
