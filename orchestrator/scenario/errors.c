/* Collected, positioned errors of one scenario file. */
#include "orchestrator/scenario/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void scenario_errors_init(struct scenario_errors *errs, const char *file)
{
	memset(errs, 0, sizeof(*errs));
	snprintf(errs->file, sizeof(errs->file), "%s", file ? file : "-");
}

void scenario_error_at(struct sparse *p, struct scenario_mark at, const char *fmt, ...)
{
	struct scenario_errors *errs = p->errs;
	struct scenario_error *e;
	va_list ap;

	if (errs->n >= SCENARIO_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	e = &errs->e[errs->n++];
	e->at = at;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void scenario_errors_format(const struct scenario_errors *errs, size_t i, char *buf, size_t len)
{
	const struct scenario_error *e = &errs->e[i];

	if (e->at.line > 0)
		snprintf(buf, len, "%s:%d:%d: %s", errs->file, e->at.line, e->at.col, e->msg);
	else
		snprintf(buf, len, "%s: %s", errs->file, e->msg);
}

void scenario_errors_print(const struct scenario_errors *errs, FILE *f)
{
	char line[1024];

	for (size_t i = 0; i < errs->n; i++) {
		scenario_errors_format(errs, i, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (errs->dropped)
		fprintf(f, "%s: %zu more errors not shown\n", errs->file, errs->dropped);
}
