/* Node processes of the netns runtime (see netns_proc.h). */
#include "orchestrator/runtime/netns_proc.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int netns_proc_resolve(const char *cmd, char *out, size_t len, struct fl_error *err)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	if (strchr(cmd, '/')) {
		/* relative to our cwd: the child changes to the node's data dir before exec */
		if (cmd[0] != '/' && realpath(cmd, out) == NULL)
			return fl_err_errno(err, "%s", cmd);
		if (cmd[0] == '/')
			snprintf(out, len, "%s", cmd);
		return 0;
	}
	snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, cmd);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return fl_err(err, "%s: command not found in PATH", cmd);
}

/* In the child: only async-signal-safe calls. Reports errno on `errfd` and exits. */
static void netns_proc_child(const struct netns_proc_spec *spec, const char *path, int logfd,
			     int errfd)
{
	sigset_t none;
	char pid[24];
	int n = 0, e, rep = errfd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	setsid();
	if (spec->cgroup_fd >= 0) {
		char tmp[24];
		for (pid_t p = getpid(); p > 0; p /= 10)
			tmp[n++] = (char)('0' + p % 10);
		for (int i = 0; i < n; i++)
			pid[i] = tmp[n - 1 - i];
		if (write(spec->cgroup_fd, pid, (size_t)n) < 0)
			goto fail;
	}
	if (setns(spec->ns_fd, CLONE_NEWNET) < 0)
		goto fail;
	int nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		goto fail;
	if (dup2(errfd, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	rep = 3;
	syscall(SYS_close_range, 4U, ~0U, 0U);
	if (spec->cwd && chdir(spec->cwd) < 0)
		goto fail;
	execve(path, spec->argv, environ);
fail:
	e = errno;
	if (write(rep, &e, sizeof(e)) < 0) {
		/* nothing left to report with */
	}
	_exit(127);
}

int netns_proc_spawn_begin(const struct netns_proc_spec *spec, pid_t *pid, int *report_fd,
			   struct fl_error *err)
{
	char path[PATH_MAX];
	cleanup_close int logfd = -1;
	int pipefd[2];
	pid_t p;

	if (netns_proc_resolve(spec->argv[0], path, sizeof(path), err) < 0)
		return -1;
	logfd = safefile_open(spec->log_path, O_WRONLY | O_CREAT | O_APPEND, 0666, err);
	if (logfd < 0)
		return fl_wrap(err, "node log");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fl_err_errno(err, "pipe");
	p = fork();
	if (p < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return fl_err_errno(err, "fork");
	}
	if (p == 0) {
		close(pipefd[0]);
		netns_proc_child(spec, path, logfd, pipefd[1]);
	}
	close(pipefd[1]);
	*pid = p;
	*report_fd = pipefd[0];
	return 0;
}

int netns_proc_spawn_end(pid_t pid, int report_fd, const char *what, struct fl_error *err)
{
	int child_errno = 0, st;
	ssize_t r;

	do
		r = read(report_fd, &child_errno, sizeof(child_errno));
	while (r < 0 && errno == EINTR);
	close(report_fd);
	if (r > 0) {
		waitpid(pid, &st, 0);
		return fl_err_code(err, child_errno, "start %s", what);
	}
	return 0;
}

int netns_proc_spawn(const struct netns_proc_spec *spec, pid_t *pid, struct fl_error *err)
{
	int fd;
	pid_t p;

	if (netns_proc_spawn_begin(spec, &p, &fd, err) < 0)
		return -1;
	if (netns_proc_spawn_end(p, fd, spec->argv[0], err) < 0)
		return -1;
	*pid = p;
	return 0;
}

int netns_proc_wait(pid_t pid, int timeout_ms, int *status)
{
	double until = fltime_mono_ms() + timeout_ms;
	double nap = 0.5;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (fltime_mono_ms() >= until)
			return 0;
		fltime_sleep_ms(nap);
		if (nap < 20)
			nap *= 2;
	}
}
