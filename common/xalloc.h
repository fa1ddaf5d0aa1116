/* Allocation that cannot fail: out of memory is fatal (CONTRIBUTING.md, "Out of memory").
 *
 * Each wrapper returns the memory or, when the allocator returns NULL, writes
 * "<program>: out of memory" to stderr and calls abort() — the model of tmux's xmalloc.c and
 * redis's zmalloc_oom_handler. A half-handled allocation failure in a fault lab (a fault
 * half applied, a journal line half written) is worse than a crash: the agent's lease and
 * parent-death handling already revert everything a dying faultlab or agent leaves, so
 * callers never write an error branch for an allocation.
 *
 * Zero-size requests return a unique pointer (never NULL) so callers need no special case.
 * Jansson allocates through fl_xmalloc too (set once at start-up by xalloc.c), so a NULL
 * from a json_* constructor means invalid input (bad UTF-8, a NULL value), never OOM. */
#ifndef FL_XALLOC_H
#define FL_XALLOC_H

#include "common/error.h"
#include "common/xalloc.h"

#include <stdarg.h>
#include <stddef.h>

void *fl_xmalloc(size_t n) __attribute__((malloc, returns_nonnull));
void *fl_xcalloc(size_t n, size_t size) __attribute__((malloc, returns_nonnull));
/* realloc(p, n * size) with the product checked for overflow (overflow is fatal too). */
void *fl_xreallocarray(void *p, size_t n, size_t size) __attribute__((returns_nonnull));
void *fl_xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *fl_xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *fl_xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
char *fl_xasprintf(const char *fmt, ...) FL_PRINTF(1, 2) __attribute__((returns_nonnull));
char *fl_xvasprintf(const char *fmt, va_list ap) FL_PRINTF(1, 0) __attribute__((returns_nonnull));
/* For a library allocator whose only failure is out of memory (libnl's nl_socket_alloc,
 * rtnl_*_alloc, nlmsg_alloc; jansson's json_object/json_array): returns p, or dies. */
void *fl_xnonnull(void *p) __attribute__((returns_nonnull));
/* Prints "<program>: out of memory" and aborts. */
void fl_oom(void) __attribute__((noreturn, cold));

#endif
