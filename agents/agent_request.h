/* One request line of the agent protocol (agents/README.md), parsed and validated. Edge
 * code: the only place besides the kinds' params parsing that reads the JSON. */
#ifndef FL_AGENT_REQUEST_H
#define FL_AGENT_REQUEST_H

#include "agents/fault.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits_faults.h"

#define AGENT_REQUEST_LEASE_MAX_MS ((int)FL_LIMIT_LEASE_MAX_MS) /* a day */

enum agent_op { AGENT_OP_APPLY, AGENT_OP_REVERT, AGENT_OP_RENEW, AGENT_OP_LIST, AGENT_OP_PING };

struct agent_request {
	enum agent_op op;
	char id[AGENT_FAULT_ID_MAX + 1];
	const struct fault_kind *kind; /* apply */
	int64_t lease_ms;	       /* apply, renew */
	uint64_t seed;		       /* apply; 0 when absent */
	json_t *params;		       /* apply: an object (empty when absent), owned */
};

/* What an error reply says. op and id are echoed when the request had them as strings. */
struct agent_request_error {
	char op[16];
	char id[64];
	char field[64]; /* the field the message starts with; "" when none */
	struct fl_error err;
};

/* Parses one line (without its newline) against `kinds`. On error fills e, returns -1. */
int agent_request_parse(const char *line, size_t len, const struct fault_kind *const *kinds,
			struct agent_request *req, struct agent_request_error *e);
void agent_request_free(struct agent_request *req);
/* The protocol name of an op ("apply", ...). */
const char *agent_request_op_name(enum agent_op op);
/* Sets e->field from a message that starts with a field name ("params.loss: ..."). */
void agent_request_field_from(struct agent_request_error *e, const char *msg);

#endif
