/* labnode's one event loop: epoll for descriptors, one timerfd armed at the earliest timer.
 * Callbacks run on the loop's thread; a callback may add, change or remove any io or timer,
 * including its own. */
#ifndef LN_LOOP_H
#define LN_LOOP_H

#include "common/error.h"

#include <stdint.h>

struct ln_loop;

struct ln_io {
	int fd;
	void (*cb)(struct ln_io *io, uint32_t events);
	void *arg;
};

struct ln_timer {
	int64_t due_ms;
	int armed;
	void (*cb)(struct ln_timer *t);
	void *arg;
	struct ln_timer *next;
};

struct ln_loop *ln_loop_new(struct fl_error *err);
void ln_loop_free(struct ln_loop *l);
int ln_loop_add(struct ln_loop *l, struct ln_io *io, uint32_t events, struct fl_error *err);
int ln_loop_mod(struct ln_loop *l, struct ln_io *io, uint32_t events);
void ln_loop_del(struct ln_loop *l, struct ln_io *io);
/* Arms t to fire at due_ms (monotonic ms); re-arming moves it. */
void ln_loop_timer_at(struct ln_loop *l, struct ln_timer *t, int64_t due_ms);
void ln_loop_timer_cancel(struct ln_loop *l, struct ln_timer *t);
/* Called after every batch of events (flushes, MHD runs). */
void ln_loop_set_idle(struct ln_loop *l, void (*cb)(void *arg), void *arg);
/* Runs until ln_loop_stop(). */
int ln_loop_run(struct ln_loop *l, struct fl_error *err);
void ln_loop_stop(struct ln_loop *l);
/* The lab-pause file, next to the --events file (faultlab's run_freeze.c writes it). */
#define LN_PAUSE_FILE "lab-paused-ms"
/* Monotonic ms, less the lab pauses read from the pause file (ln_loop_set_pause_file). */
int64_t ln_loop_now_ms(void);
/* The file faultlab writes a lab pause's running total to (ms); NULL: none. */
void ln_loop_set_pause_file(const char *path);
/* The lab pauses skipped so far (ms). */
int64_t ln_loop_skipped_ms(void);

#endif
