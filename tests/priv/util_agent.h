/* The real faultlab-agent as a child process for priv tests: started with pipes on its
 * stdin/stdout, one request line at a time, its event lines kept. */
#ifndef FL_TEST_UTIL_AGENT_H
#define FL_TEST_UTIL_AGENT_H

#include <sys/types.h>

struct test_agent {
	pid_t pid;
	int in, out; /* its stdin (write end), its stdout (read end) */
	char events[4096];
};

/* FL_AGENT_BIN, or build/faultlab-agent. */
const char *test_agent_bin(void);
/* Execs argv (argv[0] the agent) and waits for its ready line; retries twice (others may
 * relink the binary while tests run). 0, or -1 with the reason on stderr. */
int test_agent_start(struct test_agent *a, const char *const *argv);
/* Sends one request line; returns the reply line (static), NULL when none came in 5 s.
 * Event lines read before the reply go to a->events. */
const char *test_agent_req(struct test_agent *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Whether an event line containing `what` was seen, waiting up to timeout_ms for it. */
int test_agent_event(struct test_agent *a, const char *what, int timeout_ms);
/* Closes its stdin (it reverts everything and exits) and reaps it: the exit status, or
 * 128 + signal. */
int test_agent_stop(struct test_agent *a);

#endif
