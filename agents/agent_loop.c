#include "agents/agent_loop.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

static pid_t agent_loop_parent;

struct agent_loop {
	struct agent *a;
	int in_fd, timer_fd, sig_fd;
	char buf[AGENT_LOOP_LINE_MAX + 1];
	size_t used;
	int discarding;	 /* inside an over-long line: skip to its newline */
	const char *end; /* why the loop ended; NULL while serving */
};

static void agent_loop_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1); /* the parent-death signal */
}

int agent_loop_prepare(struct fl_error *err)
{
	sigset_t set;

	agent_loop_parent = getppid();
	agent_loop_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return fl_err_errno(err, "sigprocmask");
	signal(SIGPIPE, SIG_IGN); /* a closed stdout must not kill us before the reverts */
	if (prctl(PR_SET_PDEATHSIG, SIGUSR1) < 0)
		return fl_err_errno(err, "prctl(PR_SET_PDEATHSIG)");
	if (getppid() != agent_loop_parent)
		return fl_err(err, "parent %d died during start", (int)agent_loop_parent);
	return 0;
}

static int agent_loop_parent_gone(void)
{
	return agent_loop_parent > 0 && getppid() != agent_loop_parent;
}

static void agent_loop_arm(struct agent_loop *l)
{
	struct itimerspec its = {0};
	uint64_t due;

	if (agent_next_due(l->a, &due)) {
		its.it_value.tv_sec = (time_t)(due / 1000000000u);
		its.it_value.tv_nsec = (long)(due % 1000000000u);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void agent_loop_too_long(struct agent_loop *l)
{
	static const char msg[] = "{\"ok\":false,\"error\":\"request: longer than 65536 bytes\","
				  "\"field\":\"request\"}\n";

	fputs(msg, l->a->out);
	fflush(l->a->out);
}

/* Hands every complete line in the buffer to the agent. */
static void agent_loop_lines(struct agent_loop *l, uint64_t t_read_ns)
{
	char *start = l->buf, *nl;

	while ((nl = memchr(start, '\n', l->used - (size_t)(start - l->buf)))) {
		size_t len = (size_t)(nl - start);

		if (len && start[len - 1] == '\r')
			len--;
		if (l->discarding)
			l->discarding = 0;
		else if (len > 0)
			agent_handle_line(l->a, start, len, t_read_ns);
		start = nl + 1;
	}
	l->used -= (size_t)(start - l->buf);
	memmove(l->buf, start, l->used);
	if (l->used == AGENT_LOOP_LINE_MAX) {
		if (!l->discarding)
			agent_loop_too_long(l);
		l->discarding = 1;
		l->used = 0;
	}
}

static void agent_loop_input(struct agent_loop *l)
{
	ssize_t n = read(l->in_fd, l->buf + l->used, AGENT_LOOP_LINE_MAX - l->used);
	uint64_t t_read_ns = fltime_mono_ns();

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (l->used > 0 && !l->discarding) /* a last line without its newline */
			agent_handle_line(l->a, l->buf, l->used, t_read_ns);
		l->end = n == 0 ? "eof" : "read-error";
		return;
	}
	l->used += (size_t)n;
	agent_loop_lines(l, t_read_ns);
}

static void agent_loop_signal(struct agent_loop *l)
{
	struct signalfd_siginfo si;

	if (read(l->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1) {
		if (agent_loop_parent_gone())
			l->end = "parent-died";
		return;
	}
	l->end = si.ssi_signo == SIGHUP ? "sighup" : si.ssi_signo == SIGINT ? "sigint" : "sigterm";
}

static int agent_loop_fds(struct agent_loop *l, int ep, struct fl_error *err)
{
	int fds[] = {l->in_fd, l->timer_fd, l->sig_fd};
	sigset_t set;

	agent_loop_sigset(&set);
	l->sig_fd = fds[2] = signalfd(-1, &set, SFD_CLOEXEC);
	l->timer_fd = fds[1] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (l->sig_fd < 0 || l->timer_fd < 0)
		return fl_err_errno(err, "signalfd/timerfd");
	for (size_t i = 0; i < FL_ARRAY_SIZE(fds); i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};

		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) == 0)
			continue;
		if (i == 0 && errno == EPERM) { /* a file or /dev/null: no requests, end now */
			l->end = "eof";
			continue;
		}
		return fl_err_errno(err, "epoll_ctl(fd %d)", fds[i]);
	}
	return 0;
}

static void agent_loop_drain(int fd)
{
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_warn("timerfd: %s", strerror(errno));
}

static void agent_loop_serve(struct agent_loop *l, int ep)
{
	while (!l->end) {
		struct epoll_event evs[4];
		int n;

		agent_loop_arm(l);
		n = epoll_wait(ep, evs, 4, AGENT_LOOP_PARENT_CHECK_MS);
		for (int i = 0; i < n && !l->end; i++) {
			if (evs[i].data.fd == l->in_fd)
				agent_loop_input(l);
			else if (evs[i].data.fd == l->sig_fd)
				agent_loop_signal(l);
			else
				agent_loop_drain(l->timer_fd);
		}
		if (!l->end && agent_loop_parent_gone())
			l->end = "parent-died";
		agent_run_due(l->a, fltime_mono_ns());
	}
}

int agent_loop_run(struct agent *a, int in_fd, struct fl_error *err)
{
	static struct agent_loop l;
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC);
	int failed;

	memset(&l, 0, sizeof(l));
	l.a = a;
	l.in_fd = in_fd;
	l.timer_fd = l.sig_fd = -1;
	if (ep < 0 || agent_loop_fds(&l, ep, err) < 0) {
		if (ep < 0)
			fl_err_errno(err, "epoll_create1");
		close(l.timer_fd);
		close(l.sig_fd);
		return -1;
	}
	agent_loop_serve(&l, ep);
	failed = agent_revert_all(a, l.end);
	log_info("%s: reverted everything (%d failures)", l.end, failed);
	close(l.timer_fd);
	close(l.sig_fd);
	return failed;
}
