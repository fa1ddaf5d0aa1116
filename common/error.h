/* The one error type threaded through every call that can fail.
 *
 * A function that can fail takes `struct fl_error *err` last and returns a negative int (or
 * NULL). On success `err` is untouched. Callers add context as the error climbs with
 * fl_wrap(), which prefixes "context: " to the message. Only main() prints an error. */
#ifndef FL_ERROR_H
#define FL_ERROR_H

#include <stddef.h>

#define FL_ERROR_MAX 1024

struct fl_error {
	int code;		/* errno value, or 0 when the error is not a system error */
	char msg[FL_ERROR_MAX]; /* the whole message, context first */
};

#define FL_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the message (code 0). Returns -1. */
int fl_err(struct fl_error *err, const char *fmt, ...) FL_PRINTF(2, 3);
/* Sets the message with ": strerror(errno)" appended and code = errno. Returns -1. */
int fl_err_errno(struct fl_error *err, const char *fmt, ...) FL_PRINTF(2, 3);
/* Sets the message with ": strerror(code)" appended. Returns -1. */
int fl_err_code(struct fl_error *err, int code, const char *fmt, ...) FL_PRINTF(3, 4);
/* Prefixes "context: " to the message already in err. Returns -1. */
int fl_wrap(struct fl_error *err, const char *fmt, ...) FL_PRINTF(2, 3);
/* Clears err. */
void fl_error_clear(struct fl_error *err);

#endif
