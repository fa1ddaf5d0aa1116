/* Parsers for the units of docs/SCENARIO.md. Each returns 0, or -1 with an exact message in err
 * that says what was expected and quotes what was found, e.g.
 *   expected a duration with a unit (ms, s, m, h), got "5"
 * The parsers never look past the string they are given. */
#ifndef FL_UNITS_H
#define FL_UNITS_H

#include "common/error.h"

#include <stdint.h>

/* 250ms, 2s, 1.5s, 3m, 1h, 0s. Bare numbers and negatives are errors. */
int units_parse_duration_ms(const char *s, int64_t *ms, struct fl_error *err);
/* 5/s, 30/m, 2/h → messages per second. Must be > 0. */
int units_parse_rate(const char *s, double *per_s, struct fl_error *err);
/* 1kbit, 2mbit, 1gbit, 512bit (SI multiples of 1000) → bits per second. Must be > 0. */
int units_parse_bandwidth(const char *s, uint64_t *bits_per_s, struct fl_error *err);
/* 200B, 2KiB, 1MiB, 1GiB, also kB/MB (SI) → bytes. */
int units_parse_size(const char *s, uint64_t *bytes, struct fl_error *err);
/* 20% or 0.2 → 0.2; must lie in [0, 1]. */
int units_parse_fraction(const char *s, double *frac, struct fl_error *err);

/* Writes a duration in the most compact exact unit ("1500ms" → "1.5s"). */
void units_format_duration(int64_t ms, char *buf, unsigned len);

#endif
