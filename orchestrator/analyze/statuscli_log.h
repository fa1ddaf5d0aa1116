/* status-cli writes no events file: a node's receipts are the `message received: <text>
 * (ID=<id>)` lines of its zap development console on stderr (status-go cmd/status-cli
 * serve.go, Oct 2024: logger.Infof("message received: %v (ID=%v)", message.Text, message.ID)
 * on zap.NewDevelopmentConfig(): "<ISO8601 time>\tINFO\t<name>\t<caller>\t<message>"). */
#ifndef FL_STATUSCLI_LOG_H
#define FL_STATUSCLI_LOG_H

#include "common/error.h"
#include "orchestrator/analyze/analyze.h"

#include <stddef.h>
#include <stdint.h>

struct statuscli_receipt {
	const char *text, *id;
	size_t text_len, id_len;
	uint64_t t_ns; /* wall clock, since the epoch; 0 when the line has no time */
};

/* 1 when line is a `message received:` line (with or without the console's columns). */
int statuscli_parse(const char *line, size_t len, struct statuscli_receipt *r);

/* Called for each receipt with its time in ms since the run's start. <0 stops. */
typedef int (*statuscli_fn)(void *ctx, const struct statuscli_receipt *r, double t_ms);

/* Reads node_dir/stdout.log. The wall clock is put on the run's timeline with the journal's
 * run-start real0_ms, else its started_at (whole seconds: latencies are then approximate).
 * Returns 0 (also when the file is missing), the callback's value, or -1 with err. */
int statuscli_log_load(const struct analyze_run *run, const char *node_dir, statuscli_fn fn,
		       void *ctx, struct fl_error *err);

#endif
