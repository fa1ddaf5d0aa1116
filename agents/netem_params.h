/* JSON params of the netem and bandwidth kinds (edge code: the only place that reads
 * jansson for them). Numbers are base units (ms, fractions 0..1, bit/s, bytes); strings in
 * the scenario's units ("100ms", "20%", "1mbit", "2KiB") are accepted too. Every error
 * names its field: params.loss: ... */
#ifndef FL_AGENT_NETEM_PARAMS_H
#define FL_AGENT_NETEM_PARAMS_H

#include "agents/netem_plan.h"
#include "common/error.h"

#include <jansson.h>
#include <stdint.h>

/* Each leaves *out untouched when key is absent. */
int netem_params_frac(json_t *params, const char *key, double *out, struct fl_error *err);
int netem_params_ms(json_t *params, const char *key, double *out, struct fl_error *err);
int netem_params_bps(json_t *params, const char *key, uint64_t *out, struct fl_error *err);
int netem_params_bytes(json_t *params, const char *key, uint64_t *out, struct fl_error *err);
int netem_params_dir(json_t *params, enum netem_dir *out, struct fl_error *err);
/* All of netem's params (unknown keys are errors); seed comes from the request. */
int netem_params_parse(json_t *params, uint64_t seed, struct netem_params *p, struct fl_error *err);

#endif
