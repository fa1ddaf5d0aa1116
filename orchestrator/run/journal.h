/* The run journal, events.jsonl (FORMATS.md): one JSON object per line, flushed at once, in
 * the order things happened. Times are ms since mono0 (the start of the timeline, which
 * run-start records as CLOCK_MONOTONIC ms so node t_ms values convert). */
#ifndef FL_JOURNAL_H
#define FL_JOURNAL_H

#include "common/error.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

/* Every write takes the journal's lock: the send threads journal too. */
struct journal {
	FILE *f;
	double mono0_ms;
	pthread_mutex_t mu;
};

struct journal_send {
	const char *id, *msg, *node;
	double planned_ms, issued_ms, done_ms;
	const char *error; /* NULL = ok */
	const char *node_msg_id, *hash;
};

struct journal_fault {
	const char *type; /* "fault-apply" | "fault-revert" */
	const char *id;	  /* event id ("" for the final revert of teardown) */
	const char *fault, *node;
	double planned_ms, issued_ms, done_ms; /* done = applied_ms / reverted_ms */
	const char *engine;		       /* apply only, may be NULL */
	const char *error;		       /* NULL = ok */
};

int journal_open(struct journal *j, const char *path, struct fl_error *err);
void journal_close(struct journal *j);
/* ms since mono0. */
double journal_now(const struct journal *j);
/* Sets mono0 to now and writes run-start. */
void journal_run_start(struct journal *j, const char *run, const char *run_id, uint64_t seed,
		       const char *runtime, const char *started_at, const char *subnet);
void journal_node_up(struct journal *j, const char *node, const char *address, const char *key,
		     double ready_ms);
void journal_link(struct journal *j, const char *a, const char *b, const char *error);
void journal_send(struct journal *j, const struct journal_send *s);
void journal_fault(struct journal *j, const struct journal_fault *f);
/* code < 0 → null; sig NULL → null. */
void journal_node_exit(struct journal *j, const char *node, int code, const char *sig,
		       int expected);
void journal_node_restart(struct journal *j, const char *node, const char *error);
void journal_run_end(struct journal *j, const char *status);

/* Appends a node receipt line (nodes/<n>/events.jsonl, FORMATS.md) for nodes that write none
 * themselves; t_ms is CLOCK_MONOTONIC ms, like the nodes'. */
void journal_receipt(FILE *events, const char *event, const char *id, const char *hash,
		     const char *kind, const char *peer, const char *text);

#endif
