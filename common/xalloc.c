#include "common/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fl_oom(void)
{
	/* no stdio: it may itself need memory */
	const char *prog = program_invocation_short_name;
	static const char tail[] = ": out of memory\n";

	if (write(STDERR_FILENO, prog, strlen(prog)) >= 0)
		(void)!write(STDERR_FILENO, tail, sizeof(tail) - 1);
	abort();
}

void *fl_xnonnull(void *p)
{
	if (!p)
		fl_oom();
	return p;
}

void *fl_xmalloc(size_t n)
{
	return fl_xnonnull(malloc(n ? n : 1));
}

void *fl_xcalloc(size_t n, size_t size)
{
	return fl_xnonnull(calloc(n && size ? n : 1, n && size ? size : 1));
}

void *fl_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		fl_oom();
	return fl_xrealloc(p, n * size);
}

void *fl_xrealloc(void *p, size_t n)
{
	return fl_xnonnull(realloc(p, n ? n : 1));
}

char *fl_xstrdup(const char *s)
{
	return fl_xnonnull(strdup(s));
}

char *fl_xstrndup(const char *s, size_t n)
{
	return fl_xnonnull(strndup(s, n));
}

char *fl_xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		fl_oom();
	return s;
}

char *fl_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = fl_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* Jansson's allocations die the same way, before main() makes its first json_* call: a NULL
 * from jansson then always means bad input. Runs in every binary that links this file, which
 * is every binary (each uses an fl_x* wrapper). */
__attribute__((constructor)) static void xalloc_jansson_init(void)
{
	json_set_alloc_funcs(fl_xmalloc, free);
}
