/* status-im/telemetry's routes (routes.h names the commits followed). */
#include "orchestrator/telemetry/routes.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

enum fkind { F_STR, F_INT };

struct field {
	const char *json;
	enum fkind kind;
	size_t off;
};

#define S(name, member)                                                                            \
	{                                                                                          \
		name, F_STR, offsetof(struct tm_rec, member)                                       \
	}
#define I(name, member)                                                                            \
	{                                                                                          \
		name, F_INT, offsetof(struct tm_rec, member)                                       \
	}
#define SKIP_I(name)                                                                               \
	{                                                                                          \
		name, F_INT, (size_t)-1                                                            \
	}
#define SKIP_S(name)                                                                               \
	{                                                                                          \
		name, F_STR, (size_t)-1                                                            \
	}

/* The Go structs' fields (receivedmessage.go and receivedenevlope.go at dc55829), in their
 * order: the order json.Marshal echoes them in. */
static const struct field msg_fields[] = {SKIP_I("id"),
					  S("chatId", chat_id),
					  S("messageHash", message_hash),
					  S("messageId", message_id),
					  S("messageType", message_type),
					  I("messageSize", message_size),
					  S("receiverKeyUID", key_uid),
					  S("peerId", peer_id),
					  S("nodeName", node_name),
					  I("sentAt", sent_at),
					  S("topic", topic),
					  S("pubsubTopic", pubsub_topic),
					  SKIP_I("createdAt"),
					  S("statusVersion", status_version),
					  {NULL, 0, 0}};
static const struct field renv_fields[] = {SKIP_I("id"),
					   S("messageHash", message_hash),
					   I("sentAt", sent_at),
					   SKIP_I("createdAt"),
					   S("pubsubTopic", pubsub_topic),
					   S("topic", topic),
					   S("receiverKeyUID", key_uid),
					   S("peerId", peer_id),
					   S("nodeName", node_name),
					   S("processingError", processing_error),
					   S("statusVersion", status_version),
					   {NULL, 0, 0}};
static const struct field senv_fields[] = {SKIP_I("id"),
					   S("messageHash", message_hash),
					   I("sentAt", sent_at),
					   SKIP_I("createdAt"),
					   S("pubsubTopic", pubsub_topic),
					   S("topic", topic),
					   S("senderKeyUID", key_uid),
					   S("peerId", peer_id),
					   S("nodeName", node_name),
					   S("processingError", processing_error),
					   S("publishMethod", publish_method),
					   S("statusVersion", status_version),
					   {NULL, 0, 0}};
/* ProtocolStats, PeerCount, PeerConnFailure: kept raw; only the common fields are read. */
static const struct field common_fields[] = {S("nodeName", node_name),
					     S("peerId", peer_id),
					     S("statusVersion", status_version),
					     {NULL, 0, 0}};

/* Go's json.Unmarshal into the struct: a field of the wrong JSON type is an error, null and
 * unknown fields are not. why gets Go's kind of message. */
static int decode(json_t *o, const struct field *f, struct tm_rec *r, char *why, size_t cap)
{
	if (!json_is_object(o)) {
		snprintf(why, cap, "json: cannot unmarshal %s into Go value of type struct",
			 json_is_array(o) ? "array" : "non-object");
		return -1;
	}
	for (; f->json; f++) {
		json_t *v = json_object_get(o, f->json);
		if (!v || json_is_null(v))
			continue;
		if ((f->kind == F_STR && !json_is_string(v)) ||
		    (f->kind == F_INT && !json_is_integer(v))) {
			snprintf(why, cap,
				 "json: cannot unmarshal into Go struct field .%s of type %s",
				 f->json, f->kind == F_STR ? "string" : "int64");
			return -1;
		}
		if (f->off == (size_t)-1)
			continue;
		if (f->kind == F_STR)
			*(const char **)((char *)r + f->off) = json_string_value(v);
		else
			*(int64_t *)((char *)r + f->off) = json_integer_value(v);
	}
	return 0;
}

/* Builds the Go echo of a decoded struct: every field, zero values included. */
static json_t *echo(const struct field *f, const struct tm_rec *r, int64_t id, int64_t created)
{
	json_t *o = json_object();

	for (; f->json; f++) {
		json_t *v;
		if (!strcmp(f->json, "id"))
			v = json_integer(id);
		else if (!strcmp(f->json, "createdAt"))
			v = json_integer(created);
		else if (f->kind == F_INT)
			v = json_integer(*(const int64_t *)((const char *)r + f->off));
		else {
			const char *s = *(const char *const *)((const char *)r + f->off);
			v = json_string(s ? s : "");
		}
		json_object_set_new(o, f->json, v ? v : json_string(""));
	}
	return o;
}

static void respond_text(struct tm_response *resp, int status, const char *text)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = fl_xstrdup(text);
}

/* json.go respondWithJSON / respondWithError */
static void respond_json(struct tm_response *resp, int status, json_t *j)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : fl_xstrdup("null");
	json_decref(j);
}

static void respond_error(struct tm_response *resp, int status, const char *msg)
{
	respond_json(resp, status, json_pack("{s:s}", "error", msg));
}

void tm_routes_refuse(int status, struct tm_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	if (status == 429)
		respond_text(resp, 429, "Too Many Requests\n"); /* http.Error(StatusText(429)) */
	else if (status == 413)
		respond_text(resp, 413, "request body too large\n"); /* the collector's own bound */
	else if (status == 405)
		respond_text(resp, 405, ""); /* mux's methodNotAllowedHandler: empty body */
	else
		respond_text(resp, 404, "404 page not found\n"); /* http.NotFound */
}

void tm_response_free(struct tm_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}

/* Stores one record: raw in records, typed in its table. Returns the typed id (0: duplicate or
 * no typed table) or -1. */
static int64_t store_one(struct tm_store *st, int64_t push, const struct tm_arrival *a,
			 struct tm_rec *r, json_t *o, struct fl_error *err)
{
	cleanup_free char *raw = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);

	r->raw = raw;
	int64_t id = tm_store_record(st, push, a, r, err);
	r->raw = NULL;
	return id;
}

struct ctx {
	struct tm_store *st;
	int64_t push;
	const struct tm_arrival *a;
	struct tm_response *resp;
	json_t *errors; /* record-metrics: [{"id","error"}] */
	struct fl_error *err;
};

static void add_error(struct ctx *c, int64_t id, const char *prefix, const char *detail)
{
	char msg[512];

	if (!c->errors)
		c->errors = json_array();
	snprintf(msg, sizeof(msg), "%s%s", prefix, detail);
	json_array_append_new(c->errors,
			      json_pack("{s:I, s:s}", "id", (json_int_t)id, "error", msg));
	c->resp->n_errors++;
}

/* ErrorSendingEnvelope: the server's struct nests the envelope ({"error", "sentEnvelope"}),
 * status-go's client.go sends it flat; the typed row takes whichever carries the fields. */
static int decode_send_error(json_t *o, struct tm_rec *r, char *why, size_t cap)
{
	json_t *nested = json_object_get(o, "sentEnvelope");
	json_t *e = json_object_get(o, "error");

	if (json_is_object(o) && e && !json_is_null(e) && !json_is_string(e)) {
		snprintf(why, cap,
			 "json: cannot unmarshal into Go struct field .error of type string");
		return -1;
	}
	if (decode(json_is_object(nested) ? nested : o, senv_fields, r, why, cap) < 0)
		return -1;
	r->error = json_string_value(e);
	return 0;
}

/* Decodes every record of one TelemetryRequest, then stores them (nothing is kept when one
 * does not decode). */
static int batch_decode_store(struct ctx *c, int64_t id, const char *type, json_t *data, int many,
			      const struct field *fields, const char *fmt)
{
	char why[256];

	if (many && !json_is_array(data)) {
		add_error(c, id, fmt,
			  "json: cannot unmarshal into Go value of type []ReceivedMessage");
		return 0;
	}
	size_t n = many ? json_array_size(data) : 1;
	struct tm_rec *rs = fl_xcalloc(n ? n : 1, sizeof(*rs));
	for (size_t i = 0; i < n; i++) {
		json_t *o = many ? json_array_get(data, i) : data;
		rs[i].type = type;
		rs[i].req_id = id;
		int bad = fields ? decode(o, fields, &rs[i], why, sizeof(why))
				 : decode_send_error(o, &rs[i], why, sizeof(why));
		if (bad) {
			add_error(c, id, fmt, why);
			free(rs);
			return 0; /* Unmarshal failed: nothing of this request is kept */
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (store_one(c->st, c->push, c->a, &rs[i], many ? json_array_get(data, i) : data,
			      c->err) < 0) {
			free(rs);
			return -1;
		}
		c->resp->n_records++;
	}
	free(rs);
	return 0;
}

/* One TelemetryRequest of /record-metrics (server.go createTelemetryData at 41ebc2f). */
static int batch_item(struct ctx *c, int64_t id, const char *type, json_t *data)
{
	static const struct {
		const char *type, *what;
		const struct field *fields;
	} kinds[] = {
	    {"ProtocolStats", "protocol stats", common_fields},
	    {"ReceivedEnvelope", "received envelope", renv_fields},
	    {"SentEnvelope", "sent envelope", senv_fields},
	    {"ErrorSendingEnvelope", "error sending envelope", NULL},
	    {"PeerCount", "peer count", common_fields},
	    {"PeerConnFailure", "peer connection failure", common_fields},
	    {"ReceivedMessages", "received messages", msg_fields},
	};
	char fmt[128];

	for (size_t k = 0; k < FL_ARRAY_SIZE(kinds); k++) {
		if (strcmp(type, kinds[k].type))
			continue;
		snprintf(fmt, sizeof(fmt), "Error decoding %s: ", kinds[k].what);
		int many = !strcmp(type, "ReceivedMessages");
		/* json.Unmarshal of null: an empty slice, a zero struct — no error */
		json_t *empty = NULL;
		if (!data || json_is_null(data))
			data = empty = many ? json_array() : json_object();
		int rc = batch_decode_store(c, id, type, data, many, kinds[k].fields, fmt);
		json_decref(empty);
		return rc;
	}
	add_error(c, id, "Unknown telemetry type: ", type);
	return 0;
}

static int h_record_metrics(struct ctx *c, json_t *j)
{
	size_t i;
	json_t *it;

	/* json.Decoder into []TelemetryRequest: any element of the wrong shape fails it all */
	if (!j || !(json_is_array(j) || json_is_null(j)))
		goto bad;
	json_array_foreach(j, i, it) {
		json_t *id = json_object_get(it, "id"), *ty = json_object_get(it, "telemetry_type");
		if (!json_is_object(it) || (id && !json_is_null(id) && !json_is_integer(id)) ||
		    (ty && !json_is_null(ty) && !json_is_string(ty)))
			goto bad;
	}
	json_array_foreach(j, i, it) {
		const char *ty = json_string_value(json_object_get(it, "telemetry_type"));
		if (batch_item(c, json_integer_value(json_object_get(it, "id")), ty ? ty : "",
			       json_object_get(it, "telemetry_data")) < 0)
			return -1;
	}
	respond_json(c->resp, 201, c->errors ? json_incref(c->errors) : NULL);
	return 0;
bad:
	respond_text(c->resp, 400, "Failed to decode telemetry data\n");
	return 0;
}

static int h_received_messages(struct ctx *c, json_t *j)
{
	size_t n = json_array_size(j), i;
	struct tm_rec *rs = fl_xcalloc(n ? n : 1, sizeof(*rs));
	char why[256];
	json_t *out = json_array();

	for (i = 0; i < n; i++) {
		rs[i].type = "ReceivedMessages";
		if (decode(json_array_get(j, i), msg_fields, &rs[i], why, sizeof(why)) < 0)
			break;
	}
	if (!json_is_array(j) || i < n) {
		respond_error(c->resp, 400, "Invalid request payload");
		goto out;
	}
	for (i = 0; i < n; i++) {
		int64_t id = store_one(c->st, c->push, c->a, &rs[i], json_array_get(j, i), c->err);
		if (id < 0) {
			respond_error(c->resp, 500, "Could not save all record");
			free(rs);
			json_decref(out);
			return -1;
		}
		c->resp->n_records++;
		json_array_append_new(out, echo(msg_fields, &rs[i], id, c->a->created_at));
	}
	respond_json(c->resp, 201, steal_ptr(&out));
out:
	json_decref(out);
	free(rs);
	return 0;
}

/* /received-envelope, /sent-envelope, /update-envelope: one object, echoed back with 201. */
static int h_envelope(struct ctx *c, json_t *j, const char *type, const struct field *f)
{
	struct tm_rec r = {.type = type};
	char why[256];
	int64_t id = 0;

	if (!j || decode(j, f, &r, why, sizeof(why)) < 0) {
		respond_error(c->resp, 400, "Invalid request payload");
		return 0;
	}
	if (!strcmp(type, "UpdateEnvelope")) {
		if (store_one(c->st, c->push, c->a, &r, j, c->err) < 0 ||
		    tm_store_update_envelope(c->st, &r, c->err) < 0) {
			respond_error(c->resp, 400, "Could not update the envelope");
			return -1;
		}
	} else if ((id = store_one(c->st, c->push, c->a, &r, j, c->err)) < 0) {
		respond_error(c->resp, 400, "Could not save the envelope");
		return -1;
	}
	c->resp->n_records++;
	respond_json(c->resp, 201, echo(f, &r, id, c->a->created_at));
	return 0;
}

static int h_received_envelope(struct ctx *c, json_t *j)
{
	return h_envelope(c, j, "ReceivedEnvelope", renv_fields);
}

static int h_sent_envelope(struct ctx *c, json_t *j)
{
	return h_envelope(c, j, "SentEnvelope", senv_fields);
}

static int h_update_envelope(struct ctx *c, json_t *j)
{
	return h_envelope(c, j, "UpdateEnvelope", renv_fields);
}

/* /protocol-stats: the peer id is stored as hex sha256 (createProtocolStats at dc55829). */
static int h_protocol_stats(struct ctx *c, json_t *j)
{
	struct tm_rec r = {.type = "ProtocolStats"};
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1], why[256];

	if (!j || decode(j, common_fields, &r, why, sizeof(why)) < 0) {
		respond_error(c->resp, 400, "Invalid request payload");
		return 0;
	}
	const char *pid = r.peer_id ? r.peer_id : "";
	SHA256((const unsigned char *)pid, strlen(pid), md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	json_object_set_new(j, "peerId", json_string(hex));
	r.peer_id = hex;
	if (store_one(c->st, c->push, c->a, &r, j, c->err) < 0) {
		respond_error(c->resp, 500, "Could not save protocol stats");
		return -1;
	}
	c->resp->n_records++;
	respond_json(c->resp, 201, json_pack("{s:s}", "error", ""));
	return 0;
}

static int h_health(struct ctx *c, json_t *j)
{
	respond_text(c->resp, 200, "OK");
	return 0;
}

static const struct route {
	const char *path, *method;
	int (*handle)(struct ctx *c, json_t *j);
} routes[] = {
    {"/protocol-stats", "POST", h_protocol_stats},
    {"/received-messages", "POST", h_received_messages},
    {"/received-envelope", "POST", h_received_envelope},
    {"/sent-envelope", "POST", h_sent_envelope},
    {"/update-envelope", "POST", h_update_envelope},
    {"/health", "GET", h_health},
    {"/record-metrics", "POST", h_record_metrics},
};

enum tm_match tm_routes_match(const char *method, const char *path)
{
	for (size_t i = 0; i < FL_ARRAY_SIZE(routes); i++)
		if (!strcmp(routes[i].path, path))
			return strcmp(routes[i].method, method) ? TM_BAD_METHOD : TM_MATCHED;
	return TM_NOT_FOUND;
}

int tm_routes_handle(struct tm_store *st, const struct tm_arrival *a, const char *method,
		     const char *path, const char *body, size_t len, struct tm_response *resp,
		     struct fl_error *err)
{
	struct ctx c = {.st = st, .a = a, .resp = resp, .err = err};
	const struct route *r = NULL;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	for (size_t i = 0; i < FL_ARRAY_SIZE(routes); i++)
		if (!strcmp(routes[i].path, path) && !strcmp(routes[i].method, method))
			r = &routes[i];
	if (!r) {
		tm_routes_refuse(tm_routes_match(method, path) == TM_BAD_METHOD ? 405 : 404, resp);
		return 0;
	}
	if ((c.push = tm_store_push_begin(st, a, method, path, err)) < 0) {
		respond_text(resp, 500, "database error\n");
		return -1;
	}
	/* json.Decoder.Decode reads one value and ignores what follows it */
	json_t *j =
	    len ? json_loadb(body, len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL) : NULL;
	rc = r->handle(&c, j);
	json_decref(j);
	json_decref(c.errors);
	if (rc < 0) {
		tm_store_push_abort(st);
		return -1;
	}
	return tm_store_push_end(st, c.push, resp->status, resp->n_records, resp->n_errors, err);
}
