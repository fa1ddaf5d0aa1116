#include "orchestrator/analyze/statuscli_log.h"

#include "orchestrator/analyze/kvscan.h"
#include "orchestrator/analyze/linescan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define STATUSCLI_MARK "message received: "

int statuscli_parse(const char *p, size_t n, struct statuscli_receipt *r)
{
	const char *m = memmem(p, n, STATUSCLI_MARK, sizeof(STATUSCLI_MARK) - 1), *end = p + n;
	const char *text, *id = NULL, *tab;

	memset(r, 0, sizeof(*r));
	if (!m || (m > p && m[-1] != '\t'))
		return 0;
	while (end > m && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	text = m + sizeof(STATUSCLI_MARK) - 1;
	if (end - text >= 6 && end[-1] == ')') { /* the last " (ID=": the format's own */
		for (const char *q = end - 6; q >= text; q--) {
			if (memcmp(q, " (ID=", 5) == 0) {
				id = q;
				break;
			}
		}
	}
	r->text = text;
	r->text_len = (size_t)((id ? id : end) - text);
	if (id) {
		r->id = id + 5;
		r->id_len = (size_t)(end - 1 - r->id);
	}
	tab = m > p ? memchr(p, '\t', (size_t)(m - p)) : NULL;
	if (tab && !kvscan_iso_ns(p, (size_t)(tab - p), &r->t_ns))
		r->t_ns = 0;
	return 1;
}

struct statuscli_ctx {
	statuscli_fn fn;
	void *ctx;
	double zero_ms; /* epoch ms of the run's 0 */
};

static int statuscli_line(void *arg, const char *p, size_t n)
{
	struct statuscli_ctx *c = arg;
	struct statuscli_receipt r;

	if (!statuscli_parse(p, n, &r))
		return 0;
	return c->fn(c->ctx, &r, r.t_ns ? (double)r.t_ns / 1e6 - c->zero_ms : NAN);
}

int statuscli_log_load(const struct analyze_run *run, const char *node_dir, statuscli_fn fn,
		       void *ctx, struct fl_error *err)
{
	struct statuscli_ctx c = {.fn = fn, .ctx = ctx};
	struct fl_error e2 = {0};
	char path[4200];
	uint64_t ns = 0;
	int r;

	if (!isnan(run->real0_ms))
		c.zero_ms = run->real0_ms;
	else if (run->started_at && kvscan_iso_ns(run->started_at, strlen(run->started_at), &ns))
		c.zero_ms = (double)ns / 1e6;
	snprintf(path, sizeof(path), "%s/stdout.log", node_dir);
	r = linescan_file(path, statuscli_line, &c, &e2);
	if (r == -1 && e2.code == ENOENT)
		return 0;
	if (r == -1)
		*err = e2;
	return r;
}
