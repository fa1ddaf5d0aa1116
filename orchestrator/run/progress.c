/* Progress line. */
#include "orchestrator/run/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void progress_init(struct progress *p, int quiet)
{
	p->tty = !quiet && isatty(STDERR_FILENO);
	p->last_ms = -1e9;
	p->line_open = 0;
}

void progress_format(const struct progress_state *s, char *buf, unsigned len)
{
	snprintf(buf, len, "%-8s %6.1fs/%.1fs  nodes %d/%d up  faults %d  sent %ld  received %ld",
		 s->phase, s->elapsed_ms / 1000.0, s->total_ms / 1000.0, s->nodes_up, s->nodes,
		 s->faults_active, s->sent, s->received);
}

void progress_update(struct progress *p, const struct progress_state *s)
{
	char line[256];

	progress_format(s, line, sizeof(line));
	if (p->tty) {
		fprintf(stderr, "\r%s\033[K", line);
		fflush(stderr);
		p->line_open = 1;
		return;
	}
	if (s->elapsed_ms - p->last_ms < 5000)
		return;
	p->last_ms = s->elapsed_ms;
	fprintf(stderr, "faultlab: %s\n", line);
}

void progress_done(struct progress *p)
{
	if (p->line_open)
		fputc('\n', stderr);
	p->line_open = 0;
}

void progress_note(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	progress_done(p);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}
