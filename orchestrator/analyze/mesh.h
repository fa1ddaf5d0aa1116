/* The relay mesh per node and topic: why delivery stopped. A node that journals its gossipsub
 * mesh (jswaku: an events.jsonl line {"event":"mesh","topic","mesh","subscribers",
 * "connected"} at each change, docs/FORMATS.md) gets, in report.json nodes[].mesh, the
 * timeline of each topic's mesh size and what it was after the faults (min from the first
 * fault's start, max from the last fault's end: 0 = the mesh never came back), and in
 * report.html a "Relay mesh" chart. Nodes that journal none: null / nothing. */
#ifndef FL_ANALYZE_MESH_H
#define FL_ANALYZE_MESH_H

#include "orchestrator/analyze/analyze.h"

#include <stddef.h>
#include <stdio.h>

struct jsonw;

/* A mesh line of node `node`'s events file (the raw JSON line; t_ms since the run's start). */
void mesh_event(struct analyze_run *run, uint32_t node, const char *line, size_t len, double t_ms);
void mesh_free(struct analyze_run *run);

/* report.json: the value of nodes[i].mesh (null without samples). */
void mesh_json(struct jsonw *w, const struct analyze_run *run, size_t node);
/* report.html: the "Relay mesh" section (nothing without samples). */
void mesh_html(FILE *f, const struct analyze_run *run);

/* What one node's topic looked like (for tests and the renderers). */
struct mesh_summary {
	double first_ms;    /* the first sample */
	int last;	    /* the last mesh size */
	int min_after;	    /* the smallest size from the first fault's start; -1 no fault */
	int max_after;	    /* the largest size from the last fault's end (the size then
			     * included); -1 no fault */
	double empty_since; /* the start of the last stretch of size 0 that lasted to the end;
			     * NAN when the last size is not 0 */
	size_t samples;
};
/* Topic k (0..) of node `node`: its name and summary; NULL past the last topic. */
const char *mesh_topic(const struct analyze_run *run, size_t node, size_t k,
		       struct mesh_summary *out);

#endif
