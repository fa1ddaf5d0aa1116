/* Streams containers' output into host log files: one thread running a curl multi with a
 * GET /containers/{id}/logs?follow=1 per container, demultiplexed (8-byte frame headers)
 * into the node's log_path. A container started again (restart) is streamed again from its
 * beginning with the bytes already written skipped, so the file holds each line once. */
#ifndef FL_RUNTIME_DOCKER_LOGS_H
#define FL_RUNTIME_DOCKER_LOGS_H

#include "orchestrator/runtime/docker_api.h"

#include <stddef.h>
#include <stdint.h>

struct docker_logs;

/* The demultiplexer of Docker's log stream (no TTY): frames of an 8-byte header (stream, 0,
 * 0, 0, big-endian payload length) then the payload, cut anywhere by the transport. */
struct docker_logs_demux {
	unsigned char hdr[8];
	size_t hdr_have;
	uint32_t frame_left;
	uint64_t skip; /* payload bytes to drop first (already written by an earlier attach) */
};

/* Feeds n bytes; calls out() with each run of payload bytes, in order. */
void docker_logs_demux(struct docker_logs_demux *d, const char *data, size_t n,
		       void (*out)(void *ctx, const char *p, size_t len), void *ctx);

struct docker_logs *docker_logs_new(struct docker_api *api, struct fl_error *err);
/* Starts (or restarts) streaming container `id` into log_path (appended). */
int docker_logs_add(struct docker_logs *dl, const char *id, const char *log_path,
		    struct fl_error *err);
/* Waits up to timeout_ms for every stream to end (containers gone), then stops the thread
 * and closes the files. */
void docker_logs_free(struct docker_logs *dl, int timeout_ms);

#endif
