/* netem's delay distribution tables (iproute2's *.dist files: 4096 int16 values of
 * x/sigma scaled by NETEM_DIST_SCALE = 8192). The kernel's netem takes the table in
 * TCA_NETEM_DELAY_DIST; the NFQUEUE engine draws from the same table. */
#ifndef FL_AGENT_NETEM_DIST_H
#define FL_AGENT_NETEM_DIST_H

#include "agents/netem_plan.h"
#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

#define NETEM_DIST_SCALE 8192
#define NETEM_DIST_MAXN 16384

/* Loads the table for d (not uniform) from dir, or from the first of iproute2's directories
 * that has it when dir is NULL. On success *table is malloc'd (caller frees). */
int netem_dist_load(enum netem_dist d, const char *dir, int16_t **table, size_t *n,
		    struct fl_error *err);
/* Parses the text of a .dist file (numbers separated by blanks, '#' comments). */
int netem_dist_parse(const char *text, int16_t **table, size_t *n, struct fl_error *err);

#endif
