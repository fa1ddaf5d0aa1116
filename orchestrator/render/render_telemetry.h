/* The reports' telemetry section (render_telemetry.c); each writes nothing when the run has
 * no telemetry.db. */
#ifndef FL_RENDER_TELEMETRY_H
#define FL_RENDER_TELEMETRY_H

#include "orchestrator/render/jsonw.h"
#include "orchestrator/render/render.h"

void render_json_telemetry(struct jsonw *w, const struct analyze_run *run);
void render_md_telemetry(FILE *f, const struct analyze_run *run);
/* junit.xml testsuite properties: telemetry.<window>.{truth,aggregator,estimator}. */
void render_junit_telemetry(FILE *f, const struct analyze_run *run);
/* span: the time axis of the report's other charts (ms). */
void render_html_telemetry(FILE *f, const struct analyze_run *run, double span);

#endif
