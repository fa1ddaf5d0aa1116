/* telemetry.db: every request the collector answered and every record it accepted.
 *
 * Tables (docs/TELEMETRY.md lists the columns):
 *   meta              clock pair (run ms, Unix ms) taken at open, the server version followed
 *   pushes            one row per HTTP request: arrival (run ms and Unix s), client, path,
 *                     status (201, 400, 429 …), records in it, per-record errors
 *   records           every record of every accepted request, raw JSON, type, node name
 *   received_messages, sent_envelopes, error_sending_envelopes, received_envelopes
 *                     the typed rows status-im/telemetry keeps, with its unique constraints
 *                     (telemetry/sql/0000{04,05,08}_*.up.sql at dc55829): a duplicate
 *                     envelope is ignored as ON CONFLICT DO NOTHING does; received messages
 *                     have no constraint, so a re-pushed batch counts twice, as it does there.
 * created_at is the server's createdAt: Unix seconds of arrival (time.Now().Unix() in put()).
 * One connection, used from one thread. */
#ifndef FL_TELEMETRY_STORE_H
#define FL_TELEMETRY_STORE_H

#include "common/error.h"

#include <stdint.h>

struct tm_store;

/* One record as decoded from a request; NULL strings are stored as "" (Go's zero value). */
struct tm_rec {
	const char *type; /* "ReceivedMessages", "SentEnvelope", … */
	int64_t req_id;	  /* the TelemetryRequest id (0 on the per-type routes) */
	const char *node_name, *peer_id, *status_version;
	const char *chat_id, *message_hash, *message_id, *message_type;
	int64_t message_size;
	const char *key_uid; /* receiverKeyUID or senderKeyUID */
	int64_t sent_at;
	const char *topic, *pubsub_topic, *publish_method, *error, *processing_error;
	const char *raw; /* the record's JSON */
};

/* Arrival of one request. */
struct tm_arrival {
	int64_t t_ms;	    /* the run's clock */
	int64_t created_at; /* Unix seconds */
	const char *remote; /* "IP:port" */
};

/* Creates or opens dir/telemetry.db; records the clock pair (run_ms ↔ unix_ms). */
struct tm_store *tm_store_open(const char *dir, int64_t run_ms, int64_t unix_ms,
			       struct fl_error *err);
void tm_store_close(struct tm_store *st);
/* Opens a request: a transaction and its pushes row. Returns the push id or -1. */
int64_t tm_store_push_begin(struct tm_store *st, const struct tm_arrival *a, const char *method,
			    const char *path, struct fl_error *err);
/* Closes the request with its outcome and commits. */
int tm_store_push_end(struct tm_store *st, int64_t push_id, int status, int n_records, int n_errors,
		      struct fl_error *err);
/* Rolls the request back (a database error in the middle of it). */
void tm_store_push_abort(struct tm_store *st);
/* Stores rec (raw + typed). Returns the typed row id, 0 for an ignored duplicate or a type
 * with no typed table, -1 on a database error. */
int64_t tm_store_record(struct tm_store *st, int64_t push_id, const struct tm_arrival *a,
			const struct tm_rec *rec, struct fl_error *err);
/* /update-envelope: sets processing_error on the matching received envelope (server.go
 * updateProcessingError: hash, sentAt, pubsub topic, topic, receiver, node name). Returns the
 * rows changed or -1. */
int tm_store_update_envelope(struct tm_store *st, const struct tm_rec *rec, struct fl_error *err);

#endif
