#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void error_vset(struct fl_error *err, int code, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	err->code = code;
	if (code != 0 && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(code));
}

int fl_err(struct fl_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	error_vset(err, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int fl_err_errno(struct fl_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	error_vset(err, saved, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int fl_err_code(struct fl_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	error_vset(err, code < 0 ? -code : code, fmt, ap);
	va_end(ap);
	return -1;
}

int fl_wrap(struct fl_error *err, const char *fmt, ...)
{
	char ctx[FL_ERROR_MAX], old[FL_ERROR_MAX];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Context first; when both do not fit, the innermost cause loses its tail. */
	snprintf(err->msg, sizeof(err->msg), "%.*s: %.*s", FL_ERROR_MAX / 2, ctx,
		 FL_ERROR_MAX / 2 - 3, old);
	return -1;
}

void fl_error_clear(struct fl_error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
