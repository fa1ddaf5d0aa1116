/* The report renderers: each writes one file of docs/CLI-AND-REPORT.md from an analyzed run
 * (written to PATH.tmp, then renamed, so a reader never sees half a report). */
#ifndef FL_RENDER_H
#define FL_RENDER_H

#include "common/error.h"
#include "orchestrator/analyze/analyze.h"

#include <stdio.h>

int render_json_write(const struct analyze_run *run, const char *path, struct fl_error *err);
int render_junit_write(const struct analyze_run *run, const char *path, struct fl_error *err);
int render_md_write(const struct analyze_run *run, const char *path, struct fl_error *err);
int render_html_write(const struct analyze_run *run, const char *path, struct fl_error *err);

/* Shared by the renderers. */
FILE *render_open(const char *path, char **tmp, struct fl_error *err);
/* Closes f and renames tmp over path (frees tmp); removes tmp on error. */
int render_close(FILE *f, char *tmp, const char *path, struct fl_error *err);
/* "12.3 s", "850 ms", "—" for NAN. */
void render_ms(double ms, char *buf, size_t len);
/* An expectation's metric and where, e.g. "delivery {kind: dm, fault: cut}". */
void render_expect_name(const struct analyze_expect *e, char *buf, size_t len);
/* The measured value and threshold in words: "0.95 (min 0.99)". */
void render_expect_values(const struct analyze_expect *e, char *buf, size_t len);
/* Writes s with &<>"' escaped for XML/HTML. */
void render_xml_escape(FILE *f, const char *s);
/* "512 B", "1.5 MiB"; "—" for NAN. */
void render_bytes(double b, char *buf, size_t len);
/* render_resources.c: the per-node resource table (nothing without figures). */
void render_md_resources(FILE *f, const struct analyze_run *run);
void render_html_resources(FILE *f, const struct analyze_run *run);
/* Indexes of the worst faults (most lost, then slowest recovery), at most max. */
size_t render_worst_faults(const struct analyze_run *run, size_t *out, size_t max);

/* The run's problems besides its expectations, one sentence each (summary, JUnit, HTML): an
 * interruption first, then every fault error (analyze_fault_error). */
size_t render_problems_count(const struct analyze_run *run);
void render_problem(const struct analyze_run *run, size_t k, char *buf, size_t len);

#endif
