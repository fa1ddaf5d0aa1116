/* Streams containers' output into host log files: one thread running a curl multi with a
 * GET /containers/{id}/logs?follow=1 per container, demultiplexed (8-byte frame headers)
 * into the node's log_path. A container started again (restart) is streamed again from its
 * beginning with the bytes already written skipped, so the file holds each line once. */
#ifndef FL_RUNTIME_DOCKER_LOGS_H
#define FL_RUNTIME_DOCKER_LOGS_H

#include "orchestrator/runtime/docker_api.h"

struct docker_logs;

struct docker_logs *docker_logs_new(struct docker_api *api, struct fl_error *err);
/* Starts (or restarts) streaming container `id` into log_path (appended). */
int docker_logs_add(struct docker_logs *dl, const char *id, const char *log_path,
		    struct fl_error *err);
/* Waits up to timeout_ms for every stream to end (containers gone), then stops the thread
 * and closes the files. */
void docker_logs_free(struct docker_logs *dl, int timeout_ms);

#endif
