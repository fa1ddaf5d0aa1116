/* A small YAML tree built from libyaml's events: scalars, sequences and mappings, each with
 * its 1-based line:col. Anchors, aliases, tags beyond the core ones and multiple documents are
 * refused with a positioned error, so the parser above never sees a shared node. */
#ifndef FL_SCENARIO_YTREE_H
#define FL_SCENARIO_YTREE_H

#include "orchestrator/scenario/scenario.h"

#include <stddef.h>

enum ytree_type { YTREE_SCALAR, YTREE_SEQ, YTREE_MAP };

struct ytree {
	enum ytree_type type;
	struct scenario_mark mark;
	char *value;	      /* scalar text (NUL-terminated; embedded NULs are refused) */
	int plain;	      /* scalar written without quotes */
	struct ytree **items; /* SEQ: the items; MAP: key, value, key, value, ... */
	size_t n;	      /* SEQ: items; MAP: 2 × pairs */
};

/* Parses one YAML document. Returns the root (free with ytree_free), or NULL with the
 * position and message of the problem in *at and msg. An empty document gives NULL with
 * msg "" and at 1:1. */
struct ytree *ytree_parse(const char *data, size_t len, struct scenario_mark *at, char *msg,
			  size_t msg_len);
void ytree_free(struct ytree *t);
/* "a scalar", "a sequence", "a mapping" — for messages. */
const char *ytree_type_name(const struct ytree *t);
/* The value of key in a mapping, or NULL. */
struct ytree *ytree_get(const struct ytree *map, const char *key);

#endif
