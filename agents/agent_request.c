#include "agents/agent_request.h"

#include "common/cleanup.h"

#include <stdarg.h>

#include <stdio.h>
#include <string.h>

static const char *const agent_request_ops[] = {"apply", "revert", "renew", "list", "ping"};

const char *agent_request_op_name(enum agent_op op)
{
	return agent_request_ops[op];
}

/* Fails with a message that names `field` first; the reply carries the field too. */
static int agent_request_fail(struct agent_request_error *e, const char *field, const char *fmt,
			      ...) FL_PRINTF(3, 4);

static int agent_request_fail(struct agent_request_error *e, const char *field, const char *fmt,
			      ...)
{
	char text[FL_ERROR_MAX - 80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(e->field, sizeof(e->field), "%s", field);
	return fl_err(&e->err, "%s: %s", field, text);
}

void agent_request_field_from(struct agent_request_error *e, const char *msg)
{
	size_t n = strcspn(msg, ": ");

	e->field[0] = '\0';
	if (strncmp(msg, "params", 6) == 0 && msg[n] == ':' && n < sizeof(e->field))
		snprintf(e->field, sizeof(e->field), "%.*s", (int)n, msg);
}

static int agent_request_op(json_t *root, struct agent_request *req, struct agent_request_error *e)
{
	json_t *op = json_object_get(root, "op");

	if (!op)
		return agent_request_fail(e, "op", "missing");
	if (!json_is_string(op))
		return agent_request_fail(e, "op", "expected a string");
	snprintf(e->op, sizeof(e->op), "%s", json_string_value(op));
	for (size_t i = 0; i < FL_ARRAY_SIZE(agent_request_ops); i++)
		if (strcmp(agent_request_ops[i], json_string_value(op)) == 0) {
			req->op = (enum agent_op)i;
			return 0;
		}
	return agent_request_fail(e, "op",
				  "unknown operation \"%.40s\" (expected apply, revert, renew, "
				  "list or ping)",
				  json_string_value(op));
}

static int agent_request_id(json_t *root, struct agent_request *req, struct agent_request_error *e)
{
	json_t *v = json_object_get(root, "id");
	const char *id;
	size_t n;

	if (!v)
		return agent_request_fail(e, "id", "missing");
	if (!json_is_string(v))
		return agent_request_fail(e, "id", "expected a string");
	id = json_string_value(v);
	snprintf(e->id, sizeof(e->id), "%s", id);
	n = strlen(id);
	if (n == 0 || n > AGENT_FAULT_ID_MAX ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n)
		return agent_request_fail(e, "id",
					  "\"%.40s\" must be 1 to %d characters of "
					  "[A-Za-z0-9.-]",
					  id, AGENT_FAULT_ID_MAX);
	snprintf(req->id, sizeof(req->id), "%s", id);
	return 0;
}

static int agent_request_lease(json_t *root, struct agent_request *req,
			       struct agent_request_error *e)
{
	json_t *v = json_object_get(root, "lease_ms");

	if (!v)
		return agent_request_fail(e, "lease_ms", "missing");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > AGENT_REQUEST_LEASE_MAX_MS)
		return agent_request_fail(e, "lease_ms",
					  "expected an integer of milliseconds between 1 and %d",
					  AGENT_REQUEST_LEASE_MAX_MS);
	req->lease_ms = json_integer_value(v);
	return 0;
}

static int agent_request_kind(json_t *root, const struct fault_kind *const *kinds,
			      struct agent_request *req, struct agent_request_error *e)
{
	json_t *v = json_object_get(root, "kind");
	char known[256] = "";

	if (!v)
		return agent_request_fail(e, "kind", "missing");
	if (!json_is_string(v))
		return agent_request_fail(e, "kind", "expected a string");
	for (const struct fault_kind *const *k = kinds; *k; k++) {
		if (strcmp((*k)->name, json_string_value(v)) == 0) {
			req->kind = *k;
			return 0;
		}
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
			 known[0] ? ", " : "", (*k)->name);
	}
	return agent_request_fail(e, "kind", "unknown fault kind \"%.40s\" (known: %s)",
				  json_string_value(v), known);
}

static int agent_request_apply(json_t *root, const struct fault_kind *const *kinds,
			       struct agent_request *req, struct agent_request_error *e)
{
	json_t *seed = json_object_get(root, "seed");
	json_t *params = json_object_get(root, "params");

	if (agent_request_kind(root, kinds, req, e) < 0 || agent_request_lease(root, req, e) < 0)
		return -1;
	if (seed && (!json_is_integer(seed) || json_integer_value(seed) < 0))
		return agent_request_fail(e, "seed", "expected a non-negative integer");
	req->seed = seed ? (uint64_t)json_integer_value(seed) : 0;
	if (params && !json_is_object(params))
		return agent_request_fail(e, "params", "expected an object");
	req->params = params ? json_incref(params) : json_object();
	return 0;
}

static int agent_request_body(json_t *root, const struct fault_kind *const *kinds,
			      struct agent_request *req, struct agent_request_error *e)
{
	json_t *id = json_object_get(root, "id");

	if (!json_is_object(root))
		return agent_request_fail(e, "request", "expected a JSON object");
	if (json_is_string(id))
		snprintf(e->id, sizeof(e->id), "%s", json_string_value(id));
	if (agent_request_op(root, req, e) < 0)
		return -1;
	if (req->op == AGENT_OP_LIST || req->op == AGENT_OP_PING)
		return 0;
	if (agent_request_id(root, req, e) < 0)
		return -1;
	if (req->op == AGENT_OP_RENEW)
		return agent_request_lease(root, req, e);
	if (req->op == AGENT_OP_APPLY)
		return agent_request_apply(root, kinds, req, e);
	return 0;
}

int agent_request_parse(const char *line, size_t len, const struct fault_kind *const *kinds,
			struct agent_request *req, struct agent_request_error *e)
{
	json_error_t jerr;
	json_t *root;
	int r;

	memset(req, 0, sizeof(*req));
	memset(e, 0, sizeof(*e));
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return agent_request_fail(e, "request", "invalid JSON at column %d: %s",
					  jerr.column, jerr.text);
	r = agent_request_body(root, kinds, req, e);
	json_decref(root);
	if (r < 0)
		agent_request_free(req);
	return r;
}

void agent_request_free(struct agent_request *req)
{
	json_decref(req->params);
	req->params = NULL;
}
