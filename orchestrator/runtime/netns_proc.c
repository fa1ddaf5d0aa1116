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
#include <stdint.h>
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

/* In the child: only async-signal-safe calls, and no writes to memory but its own stack (it may
 * share ours until it execs). Reports errno on `errfd` and exits. */
static void netns_proc_child(const struct netns_proc_spec *spec, const char *path, int logfd,
			     int errfd, int in_cgroup)
{
	sigset_t none;
	char pid[24];
	int n = 0, e, rep = errfd;

	/* handlers first, then the mask: until it execs, the child may share our memory, and
	 * no handler of ours may run in it */
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (!in_cgroup && spec->cgroup_fd >= 0) {
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

/* clone3's arguments up to `cgroup` (CLONE_ARGS_SIZE_VER2), spelled out here: <linux/sched.h>
 * does not mix with glibc's <sched.h> on every libc. */
struct netns_proc_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
	    set_tid_size, cgroup;
};
#define NETNS_PROC_CLONE_INTO_CGROUP 0x200000000ULL
#define NETNS_PROC_STACK (64 * 1024)

/* What the child needs, on the parent's stack (the child shares the parent's memory until it
 * execs, and the parent waits: CLONE_VM | CLONE_VFORK). */
struct netns_proc_child_args {
	const struct netns_proc_spec *spec;
	const char *path;
	int logfd, errfd, in_cgroup;
};

static void netns_proc_child(const struct netns_proc_spec *spec, const char *path, int logfd,
			     int errfd, int in_cgroup);

static void netns_proc_child_entry(struct netns_proc_child_args *a)
{
	netns_proc_child(a->spec, a->path, a->logfd, a->errfd, a->in_cgroup);
}

/* 1 until clone3 failed in a way that says the kernel (or the hierarchy) cannot do it; then
 * every later spawn goes straight to fork + cgroup.procs. */
static int netns_proc_clone3_ok = 1;

#if defined(__x86_64__) && defined(SYS_clone3)
/* clone3 with a stack of the child's own: the child starts on `stack` and calls
 * entry(arg), which never returns (it execs or _exits). Not expressible with syscall(2): the
 * child would return through the wrapper's frame on the parent's stack. */
static long netns_proc_clone3(struct netns_proc_clone_args *ca,
			      void (*entry)(struct netns_proc_child_args *),
			      struct netns_proc_child_args *arg)
{
	register long rax __asm__("rax") = SYS_clone3;
	register void *rdi __asm__("rdi") = ca;
	register long rsi __asm__("rsi") = (long)sizeof(*ca);
	register void *r12 __asm__("r12") = (void *)entry;
	register void *r13 __asm__("r13") = arg;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "ud2\n"
			 "1:\n"
			 : "+r"(rax)
			 : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
			 : "rcx", "r11", "memory");
	return rax;
}
#define NETNS_PROC_VFORK 1
#else
#define NETNS_PROC_VFORK 0
#endif

/* Starts the child: clone3 into the cgroup2 group `cgroup_dir_fd` (when >= 0) sharing our
 * memory until it execs (x86-64), else a plain fork. Why: a write to cgroup.procs after the
 * fork takes the cgroup threadgroup lock for writing (an RCU grace period), and fork() copies
 * the page tables of a parent whose size grows with the node count, then every page the
 * parent writes faults once more — both per node, so the deploy grew as N². Returns the pid
 * (0 never: the child does not return), -1 with errno; *in_cgroup says whether the child was
 * created in the group (else it writes its pid into cgroup.procs itself). */
static pid_t netns_proc_start(struct netns_proc_child_args *a, int cgroup_dir_fd)
{
	a->in_cgroup = 0;
#if NETNS_PROC_VFORK
	if (netns_proc_clone3_ok) {
		void *stack = malloc(NETNS_PROC_STACK);
		struct netns_proc_clone_args ca = {
		    .flags = CLONE_VM | CLONE_VFORK,
		    .exit_signal = SIGCHLD,
		    .stack = (uint64_t)(uintptr_t)stack,
		    .stack_size = NETNS_PROC_STACK,
		};
		long p = -ENOMEM;

		if (cgroup_dir_fd >= 0) {
			ca.flags |= NETNS_PROC_CLONE_INTO_CGROUP;
			ca.cgroup = (uint64_t)cgroup_dir_fd;
			a->in_cgroup = 1;
		}
		if (stack)
			p = netns_proc_clone3(&ca, netns_proc_child_entry, a);
		free(stack);
		if (p > 0)
			return (pid_t)p;
		a->in_cgroup = 0;
		/* ENOSYS (< 5.3), E2BIG (< 5.7: no cgroup field), EOPNOTSUPP/EBADF (not a
		 * cgroup2 group, e.g. a v1 hierarchy): fork as before, from now on */
		if (p == -ENOSYS || p == -E2BIG || p == -EINVAL || p == -EOPNOTSUPP || p == -EBADF)
			netns_proc_clone3_ok = 0;
		else if (p != -ENOMEM) {
			errno = (int)-p;
			return -1;
		}
	}
#else
	(void)cgroup_dir_fd;
#endif
	pid_t p = fork();

	if (p == 0)
		netns_proc_child_entry(a);
	return p;
}

int netns_proc_spawn_begin(const struct netns_proc_spec *spec, pid_t *pid, int *report_fd,
			   struct fl_error *err)
{
	char path[PATH_MAX];
	cleanup_close int logfd = -1;
	struct netns_proc_child_args child;
	int pipefd[2];
	pid_t p;

	if (netns_proc_resolve(spec->argv[0], path, sizeof(path), err) < 0)
		return -1;
	logfd = safefile_open(spec->log_path, O_WRONLY | O_CREAT | O_APPEND, 0666, err);
	if (logfd < 0)
		return fl_wrap(err, "node log");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fl_err_errno(err, "pipe");
	child = (struct netns_proc_child_args){
	    .spec = spec, .path = path, .logfd = logfd, .errfd = pipefd[1]};
	p = netns_proc_start(&child, spec->cgroup_dir_fd);
	if (p < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return fl_err_errno(err, "fork");
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
