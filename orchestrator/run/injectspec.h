/* `faultlab inject` FAULT-SPEC: a YAML/JSON flow mapping such as
 * '{netem: {delay: 200ms, loss: 5%}, for: 30s}' → the control request of run_ctl.c:
 * {"op":"apply","node":NODE,"params":{...base units...},"kind":..,"lease_ms":..}. */
#ifndef FL_INJECTSPEC_H
#define FL_INJECTSPEC_H

#include "common/error.h"

#include <jansson.h>

/* Parses a flow collection ({k: v, ...}, [a, b], plain or quoted scalars; scalars become JSON
 * strings). NULL + err (with the column) on a syntax error. */
json_t *injectspec_flowmap(const char *text, struct fl_error *err);
/* Builds the apply request for node; 0 with *out (new reference) or -1 + err. */
int injectspec_request(const char *node, const char *spec_text, json_t **out, struct fl_error *err);

#endif
