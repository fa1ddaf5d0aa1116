/* The agent's event loop: epoll on the request stream, a timerfd for leases and restores,
 * and a signalfd. It ends on EOF of the requests (the orchestrator died or is done), on
 * SIGTERM/SIGINT/SIGHUP, or when the parent process is gone (checked on PR_SET_PDEATHSIG and
 * every AGENT_LOOP_PARENT_CHECK_MS, because the stream can stay open in a stray child), and
 * then reverts every fault. */
#ifndef FL_AGENT_LOOP_H
#define FL_AGENT_LOOP_H

#include "agents/agent.h"

#include <sys/types.h>

#define AGENT_LOOP_PARENT_CHECK_MS 1000
#define AGENT_LOOP_LINE_MAX 65536

/* Blocks the signals the loop reads and arms the parent-death signal; call first thing in
 * main, before the parent can die unnoticed. Records the parent to watch. */
int agent_loop_prepare(struct fl_error *err);
/* Serves requests from in_fd until the end (see above); returns how many reverts failed. */
int agent_loop_run(struct agent *a, int in_fd, struct fl_error *err);

#endif
