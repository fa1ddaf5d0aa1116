#include "images/labnode/ln_loop.h"

#include "common/fltime.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct ln_loop {
	int epfd;
	struct ln_io tio;
	struct ln_timer *timers;
	int64_t armed_ms; /* what the timerfd is set to, -1 for nothing */
	int stop;
	void (*idle)(void *arg);
	void *idle_arg;
};

/* A lab pause (faultlab replay --pause-before freezes every node, then writes the pause's
 * running total, in ms, to the pause file before thawing): time the whole lab stood still is
 * not time this node waited, so the loop's clock skips it and no keep-alive, retry or
 * sleep detector sees it. A freeze fault writes nothing there: it still reads as a stall. The
 * file is read only after the clock jumped (> LN_LOOP_STALL_MS between two readings). */
#define LN_LOOP_STALL_MS 500
static char *ln_pause_file;
static int64_t ln_skipped_ms, ln_pause_seen_ms, ln_last_boot_ms;

void ln_loop_set_pause_file(const char *path)
{
	free(ln_pause_file);
	ln_pause_file = path ? fl_xstrdup(path) : NULL;
}

int64_t ln_loop_skipped_ms(void)
{
	return ln_skipped_ms;
}

static void ln_loop_check_pause(void)
{
	struct timespec ts;
	int64_t boot, total;
	char buf[32];
	ssize_t n;
	int fd;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	boot = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (boot - ln_last_boot_ms > LN_LOOP_STALL_MS && ln_last_boot_ms &&
	    (fd = open(ln_pause_file, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		total = strtoll(buf, NULL, 10);
		if (total > ln_pause_seen_ms) {
			ln_skipped_ms += total - ln_pause_seen_ms;
			ln_pause_seen_ms = total;
		}
	}
	ln_last_boot_ms = boot;
}

int64_t ln_loop_now_ms(void)
{
	if (ln_pause_file)
		ln_loop_check_pause();
	return (int64_t)(fltime_mono_ns() / 1000000u) - ln_skipped_ms;
}

static void rearm(struct ln_loop *l)
{
	int64_t min = -1;
	struct itimerspec its = {0};

	for (struct ln_timer *t = l->timers; t; t = t->next)
		if (min < 0 || t->due_ms < min)
			min = t->due_ms;
	if (min == l->armed_ms)
		return;
	l->armed_ms = min;
	if (min >= 0) {
		min += ln_skipped_ms; /* back onto CLOCK_MONOTONIC */
		if (min < 1)
			min = 1;
		its.it_value.tv_sec = min / 1000;
		its.it_value.tv_nsec = (min % 1000) * 1000000;
	}
	timerfd_settime(l->tio.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void fire_timers(struct ln_io *io, uint32_t events)
{
	struct ln_loop *l = io->arg;
	uint64_t n;
	int64_t now = ln_loop_now_ms();

	if (read(io->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	l->armed_ms = -2;
	for (;;) {
		struct ln_timer *t = l->timers;
		while (t && t->due_ms > now)
			t = t->next;
		if (!t)
			break;
		ln_loop_timer_cancel(l, t);
		t->cb(t);
	}
	rearm(l);
}

struct ln_loop *ln_loop_new(struct fl_error *err)
{
	struct ln_loop *l = fl_xcalloc(1, sizeof(*l));

	l->armed_ms = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tio.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	l->tio.cb = fire_timers;
	l->tio.arg = l;
	if (l->epfd < 0 || l->tio.fd < 0 || ln_loop_add(l, &l->tio, EPOLLIN, err) < 0) {
		fl_err_errno(err, "event loop");
		ln_loop_free(l);
		return NULL;
	}
	return l;
}

void ln_loop_free(struct ln_loop *l)
{
	if (!l)
		return;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tio.fd >= 0)
		close(l->tio.fd);
	free(l);
}

int ln_loop_add(struct ln_loop *l, struct ln_io *io, uint32_t events, struct fl_error *err)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0)
		return fl_err_errno(err, "epoll add fd %d", io->fd);
	return 0;
}

int ln_loop_mod(struct ln_loop *l, struct ln_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

void ln_loop_del(struct ln_loop *l, struct ln_io *io)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

void ln_loop_timer_cancel(struct ln_loop *l, struct ln_timer *t)
{
	if (!t->armed)
		return;
	for (struct ln_timer **pp = &l->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = 0;
	t->next = NULL;
}

void ln_loop_timer_at(struct ln_loop *l, struct ln_timer *t, int64_t due_ms)
{
	ln_loop_timer_cancel(l, t);
	t->due_ms = due_ms;
	t->armed = 1;
	t->next = l->timers;
	l->timers = t;
	if (l->armed_ms != -2) /* inside fire_timers the rearm happens once at the end */
		rearm(l);
}

void ln_loop_set_idle(struct ln_loop *l, void (*cb)(void *arg), void *arg)
{
	l->idle = cb;
	l->idle_arg = arg;
}

int ln_loop_run(struct ln_loop *l, struct fl_error *err)
{
	struct epoll_event evs[64];

	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fl_err_errno(err, "epoll_wait");
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct ln_io *io = evs[i].data.ptr;
			io->cb(io, evs[i].events);
		}
		if (l->idle)
			l->idle(l->idle_arg);
	}
	return 0;
}

void ln_loop_stop(struct ln_loop *l)
{
	l->stop = 1;
}
