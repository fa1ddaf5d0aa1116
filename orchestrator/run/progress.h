/* The run's progress: one \r-updated status line on a terminal, plain lines every few seconds
 * otherwise (or with --quiet). Writes to stderr so stdout stays for the run directory. */
#ifndef FL_PROGRESS_H
#define FL_PROGRESS_H

struct progress {
	int tty;	/* status line mode */
	double last_ms; /* last plain line */
	int line_open;	/* a status line is on screen */
};

struct progress_state {
	double elapsed_ms, total_ms;
	int nodes_up, nodes;
	int faults_active;
	long sent, received;
	const char *phase; /* "deploy", "run", "drain", "teardown" */
};

void progress_init(struct progress *p, int quiet);
void progress_update(struct progress *p, const struct progress_state *s);
/* Ends the status line (newline) so other output starts clean. */
void progress_done(struct progress *p);
/* A notice the user acts on (a kept run, a paused replay's instructions): ends the status
 * line and writes the text and a newline to stderr, also with --quiet. The run's only other
 * output besides the status line; nothing else below main prints. */
void progress_note(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formats the status text (no \r), for tests. */
void progress_format(const struct progress_state *s, char *buf, unsigned len);

#endif
