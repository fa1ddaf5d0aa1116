/* The routes of status-im/telemetry's server, answered from one request body.
 *
 * Followed: telemetry/server.go at status-im/telemetry dc55829 (2024-07-15, the last commit
 * with the per-type routes) for /received-messages, /received-envelope, /sent-envelope,
 * /update-envelope, /protocol-stats and /health; /record-metrics as at 41ebc2f (2024-08-07,
 * the first commit whose batch route also takes ReceivedMessages, which status-go sends) with
 * its error list [{"id","error"}] (telemetry/errors.go there). Shapes: docs/TELEMETRY.md. */
#ifndef FL_TELEMETRY_ROUTES_H
#define FL_TELEMETRY_ROUTES_H

#include "common/error.h"
#include "orchestrator/telemetry/store.h"

#include <stddef.h>

enum tm_match { TM_NOT_FOUND, TM_BAD_METHOD, TM_MATCHED };

struct tm_response {
	int status;
	const char *content_type;
	char *body; /* owned, NUL-terminated */
	int n_records, n_errors;
};

/* gorilla/mux routing: a known path with another method is 405, an unknown path 404; the
 * rate limit (a mux middleware) applies only to matched routes. */
enum tm_match tm_routes_match(const char *method, const char *path);
/* Fills resp with the answer the real server gives for a request that passed the rate limit
 * (404/405/429 included, for the collector's convenience). Returns -1 only on a database
 * error (resp is then a 500). */
int tm_routes_handle(struct tm_store *st, const struct tm_arrival *a, const char *method,
		     const char *path, const char *body, size_t len, struct tm_response *resp,
		     struct fl_error *err);
/* The canned answers for what never reaches a handler. */
void tm_routes_refuse(int status, struct tm_response *resp);
void tm_response_free(struct tm_response *resp);

#endif
