/* The reports' traffic sections (render_traffic.c): store queries (store-query traffic) and
 * traffic that waited for another (after:). Each writes nothing when the run has none. */
#ifndef FL_RENDER_TRAFFIC_H
#define FL_RENDER_TRAFFIC_H

#include "orchestrator/render/jsonw.h"
#include "orchestrator/render/render.h"

void render_json_traffic(struct jsonw *w, const struct analyze_run *run);
void render_md_traffic(FILE *f, const struct analyze_run *run);
void render_html_traffic(FILE *f, const struct analyze_run *run);

#endif
