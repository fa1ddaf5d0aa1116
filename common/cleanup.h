/* Scope-bound cleanup. Spelled __cleanup__ because <jansson.h> uses a macro-free `cleanup`.
 *
 *   cleanup_free char *body = NULL;
 *   cleanup_close int fd = -1;
 *   FL_AUTO(nl_socket_free) struct nl_sock *sk = nl_socket_alloc();
 *   return steal_fd(&fd);
 *
 * FL_AUTO(fn) needs FL_DEFINE_AUTO(type, fn) once in scope: it makes fn_autop(). */
#ifndef FL_CLEANUP_H
#define FL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void fl_freep(void *p)
{
	free(*(void **)p);
}

static inline void fl_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fl_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define cleanup_free __attribute__((__cleanup__(fl_freep)))
#define cleanup_close __attribute__((__cleanup__(fl_closep)))
#define cleanup_fclose __attribute__((__cleanup__(fl_fclosep)))

#define FL_DEFINE_AUTO(type, fn)                                                                   \
	static inline void fn##_autop(type **p)                                                    \
	{                                                                                          \
		if (*p)                                                                            \
			fn(*p);                                                                    \
	}
#define FL_AUTO(fn) __attribute__((__cleanup__(fn##_autop)))

static inline int steal_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

#define steal_ptr(pp)                                                                              \
	({                                                                                         \
		__typeof__(*(pp)) _p = *(pp);                                                      \
		*(pp) = NULL;                                                                      \
		_p;                                                                                \
	})

#define FL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
