#include "tests/priv/util_agent.h"

#include "tests/priv/util_netns.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *test_agent_bin(void)
{
	const char *b = getenv("FL_AGENT_BIN");

	return b ? b : "build/faultlab-agent";
}

static int agent_spawn(struct test_agent *a, const char *const *argv)
{
	int in[2], out[2], st = 0;
	char line[256] = "";

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	a->pid = fork();
	if (a->pid < 0)
		return -1;
	if (a->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	a->in = in[1];
	a->out = out[0];
	a->events[0] = '\0';
	if (test_read_line(a->out, line, sizeof(line), 5000) && strstr(line, "\"event\":\"ready\""))
		return 0;
	close(a->in);
	close(a->out);
	kill(a->pid, SIGKILL);
	waitpid(a->pid, &st, 0);
	fprintf(stderr, "agent start: got \"%s\", status %d\n", line, st);
	return -1;
}

int test_agent_start(struct test_agent *a, const char *const *argv)
{
	for (int i = 0; i < 3; i++)
		if (agent_spawn(a, argv) == 0)
			return 0;
	return -1;
}

static void agent_keep_event(struct test_agent *a, const char *line)
{
	size_t n = strlen(a->events);

	snprintf(a->events + n, sizeof(a->events) - n, "%s\n", line);
}

const char *test_agent_req(struct test_agent *a, const char *fmt, ...)
{
	static char reply[1024];
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return NULL;
	line[n++] = '\n';
	if (write(a->in, line, (size_t)n) != n)
		return NULL;
	while (test_read_line(a->out, reply, sizeof(reply), 5000)) {
		if (strncmp(reply, "{\"ok\"", 5) == 0)
			return reply;
		agent_keep_event(a, reply);
	}
	return NULL;
}

int test_agent_event(struct test_agent *a, const char *what, int timeout_ms)
{
	char line[1024];

	if (strstr(a->events, what))
		return 1;
	while (test_read_line(a->out, line, sizeof(line), timeout_ms)) {
		agent_keep_event(a, line);
		if (strstr(line, what))
			return 1;
	}
	return 0;
}

int test_agent_stop(struct test_agent *a)
{
	int st = 0;

	close(a->in);
	waitpid(a->pid, &st, 0);
	close(a->out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
