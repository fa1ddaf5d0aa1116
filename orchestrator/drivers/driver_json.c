/* JSON helpers of the drivers and the parsers of the real nodes' answer shapes. */
#include "orchestrator/drivers/driver_json.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/xalloc.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int driver_json_health_parse(long status, const char *body)
{
	json_auto_t *j = NULL;
	const char *h;

	if (!body)
		return -1;
	j = json_loads(body, JSON_DECODE_ANY, NULL);
	if (!j) {
		/* nwaku before mid-2024: plain text */
		if (strstr(body, "Node is healthy") || strstr(body, "Node is healty"))
			return status == 200;
		return status >= 500 ? 0 : -1;
	}
	if (!json_is_object(j))
		return -1;
	h = json_string_value(json_object_get(j, "nodeHealth"));
	if (!h)
		return -1;
	return strcasecmp(h, "ready") == 0 && status < 300;
}

int driver_json_health(struct driver_node *n, struct fl_error *err)
{
	struct driver_http_reply r;
	int rc;

	if (driver_http(n, "GET", "/health", NULL, &r, err) < 0)
		return 0;
	rc = driver_json_health_parse(r.status, r.body);
	if (rc < 0)
		fl_err(err, "%s: GET /health: unexpected answer (HTTP %ld): %.120s", n->name,
		       r.status, r.body);
	free(r.body);
	return rc;
}

static int driver_json_rpc_error(struct driver_node *n, const char *method, json_t *e,
				 struct fl_error *err)
{
	const char *msg = json_string_value(json_object_get(e, "message"));

	return fl_err(err, "%s: %s: error %lld: %s", n->name, method,
		      (long long)json_integer_value(json_object_get(e, "code")),
		      msg ? msg : "(no message)");
}

int driver_json_rpc(struct driver_node *n, const char *method, json_t *params, json_t **result,
		    struct fl_error *err)
{
	static long next_id = 1;
	json_auto_t *req = json_pack("{s:s,s:i,s:s,s:o}", "jsonrpc", "2.0", "id",
				     __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED), "method",
				     method, "params", params);
	cleanup_free char *body = NULL;
	json_auto_t *ans = NULL;
	struct driver_http_reply r;
	json_error_t je;
	json_t *res;

	if (!req || !(body = json_dumps(req, JSON_COMPACT)))
		return fl_err(err, "%s: cannot encode %s", n->name, method);
	if (driver_http(n, "POST", "/", body, &r, err) < 0)
		return fl_wrap(err, "%s: %s", n->name, method);
	ans = json_loads(r.body, 0, &je);
	if (!ans) {
		fl_err(err, "%s: %s: HTTP %ld, not JSON (%s): %.120s", n->name, method, r.status,
		       je.text, r.body);
		free(r.body);
		return -1;
	}
	free(r.body);
	if (json_object_get(ans, "error") && !json_is_null(json_object_get(ans, "error")))
		return driver_json_rpc_error(n, method, json_object_get(ans, "error"), err);
	res = json_object_get(ans, "result");
	if (!res)
		return fl_err(err, "%s: %s: answer has no result", n->name, method);
	*result = json_incref(res);
	return 0;
}

void driver_json_topic(const char *kind, const char *to, char *buf, size_t len)
{
	if (to)
		snprintf(buf, len, "/faultlab/1/%s-%s/proto", kind, to);
	else
		snprintf(buf, len, "/faultlab/1/%s/proto", kind);
}

char *driver_json_b64(const void *data, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char *out = fl_xmalloc(4 * ((len + 2) / 3) + 1), *o = out;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static json_t *driver_json_message(const char *kind, const char *text)
{
	cleanup_free char *b64 = driver_json_b64(text, strlen(text));
	char topic[256];

	driver_json_topic(kind, NULL, topic, sizeof(topic));
	return json_pack("{s:s,s:s,s:i,s:I}", "payload", b64 ? b64 : "", "contentTopic", topic,
			 "version", 0, "timestamp", (json_int_t)fltime_real_ns());
}

int driver_json_publish_at(struct driver_node *n, const char *kind, const char *text,
			   const char *path, long *status, struct fl_error *err)
{
	json_auto_t *msg = driver_json_message(kind, text);
	json_auto_t *req = NULL;
	cleanup_free char *body = NULL;
	struct driver_http_reply r;

	*status = 0;
	if (strstr(path, "/lightpush/"))
		req = json_pack("{s:O}", "message", msg);
	else
		req = json_incref(msg);
	body = json_dumps(req, JSON_COMPACT);
	if (!body)
		return fl_err(err, "%s: cannot encode message", n->name);
	if (driver_http(n, "POST", path, body, &r, err) < 0)
		return -1;
	*status = r.status;
	if (r.status >= 300) {
		fl_err(err, "%s: POST %s: HTTP %ld: %.160s", n->name, path, r.status, r.body);
		free(r.body);
		return -1;
	}
	free(r.body);
	return 0;
}

int driver_json_publish(struct driver_node *n, const char *kind, const char *text,
			struct driver_sent *out, struct fl_error *err)
{
	long status;

	return driver_json_publish_at(n, kind, text,
				      strcmp(kind, "lightpush") == 0 ? "/lightpush/v3/message"
								     : "/relay/v1/auto/messages",
				      &status, err);
}

int driver_json_store_hashes(const char *body, char (*hashes)[80], int max, char **cursor)
{
	json_auto_t *j = json_loads(body, 0, NULL);
	json_t *msgs, *m, *c;
	size_t i;
	int n = 0;

	*cursor = NULL;
	if (!json_is_object(j))
		return -1;
	msgs = json_object_get(j, "messages");
	if (!json_is_array(msgs))
		return -1;
	json_array_foreach(msgs, i, m) {
		const char *h = json_string_value(json_object_get(m, "messageHash"));

		if (!h)
			h = json_string_value(json_object_get(m, "message_hash"));
		if (!h || n >= max)
			continue;
		if (driver_hash_normalise(h, hashes[n], sizeof(hashes[n])) == 0)
			n++;
	}
	c = json_object_get(j, "paginationCursor");
	if (json_is_string(c))
		*cursor = fl_xstrdup(json_string_value(c));
	return n;
}

static int driver_json_peer_connected(json_t *p)
{
	json_t *c = json_object_get(p, "connected"), *protos, *pr;
	size_t i;

	if (json_is_boolean(c))
		return json_is_true(c);
	if (json_is_string(c))
		return strcasecmp(json_string_value(c), "Connected") == 0;
	protos = json_object_get(p, "protocols");
	json_array_foreach(protos, i, pr) {
		if (json_is_object(pr) && json_is_true(json_object_get(pr, "connected")))
			return 1;
	}
	return 0;
}

int driver_json_peers_connected(const char *body)
{
	json_auto_t *j = json_loads(body, 0, NULL);
	json_t *p;
	size_t i;
	int n = 0;

	if (!json_is_array(j))
		return -1;
	json_array_foreach(j, i, p) {
		if (!json_is_object(p))
			return -1;
		n += driver_json_peer_connected(p);
	}
	return n;
}

/* Decodes a base64 payload into NUL-terminated text (truncated to cap - 1). */
static int driver_json_unb64(const char *b64, char *out, size_t cap)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned acc = 0;
	size_t n = 0;
	int bits = 0;

	for (; *b64 && *b64 != '='; b64++) {
		const char *q = strchr(tab, *b64);

		if (!q)
			return -1;
		acc = (acc << 6) | (unsigned)(q - tab);
		bits += 6;
		if (bits < 8)
			continue;
		bits -= 8;
		if (n + 1 < cap)
			out[n++] = (char)((acc >> bits) & 0xff);
	}
	out[n] = '\0';
	return (int)n;
}

static int driver_json_receipt(struct driver_node *n, json_t *m, const char *kind, FILE *events,
			       char *text, size_t cap)
{
	const char *pl = json_string_value(json_object_get(m, "payload"));
	json_auto_t *line = NULL;

	if (!pl || driver_json_unb64(pl, text, cap) < 0)
		return 0;
	if (n->accept && !n->accept(n->accept_ctx, n, text))
		return 0;
	line = json_pack("{s:f,s:s,s:s,s:s,s:s,s:s,s:s}", "t_ms", fltime_mono_ms(), "event",
			 "received", "id", "", "hash", "", "kind", kind, "peer", "", "text", text);
	json_dumpf(line, events, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', events);
	return 1;
}

int driver_poll_raw(struct driver_node *n, const char *path_prefix, const char *topic,
		    const char *kind, FILE *events, struct fl_error *err)
{
	cleanup_free char *enc = curl_easy_escape(NULL, topic, 0);
	cleanup_free char *text = fl_xmalloc(1 << 20);
	json_auto_t *arr = NULL;
	struct driver_http_reply r;
	char path[512];
	json_t *m;
	size_t i;
	int count = 0;

	snprintf(path, sizeof(path), "%s%s", path_prefix, enc ? enc : "");
	if (driver_http(n, "GET", path, NULL, &r, err) < 0)
		return -1;
	arr = json_loads(r.body, 0, NULL);
	free(r.body);
	n->polled_raw += (long)json_array_size(arr);
	json_array_foreach(arr, i, m)
		count += driver_json_receipt(n, m, kind, events, text, 1 << 20);
	fflush(events);
	return count;
}

json_t *driver_json_message_by_text(json_t *result, const char *text)
{
	json_t *msgs = json_object_get(result, "messages"), *m;
	size_t i;

	json_array_foreach(msgs, i, m) {
		const char *t = json_string_value(json_object_get(m, "text"));

		if (t && strcmp(t, text) == 0)
			return m;
	}
	return NULL;
}

int driver_json_sent_from(const struct driver_node *n, const char *method, json_t *result,
			  const char *text, struct driver_sent *out, struct fl_error *err)
{
	json_t *m = driver_json_message_by_text(result, text);
	const char *h;

	if (!json_is_object(m))
		return fl_err(err, "%s: %s answered no message with the text sent (%zu messages)",
			      n->name, method,
			      json_array_size(json_object_get(result, "messages")));
	snprintf(out->node_msg_id, sizeof(out->node_msg_id), "%s",
		 json_string_value(json_object_get(m, "id")) ?: "");
	h = json_string_value(json_object_get(m, "hash"));
	if (h)
		driver_hash_normalise(h, out->hash, sizeof(out->hash));
	return 0;
}

int driver_waku_version_minor(const char *body)
{
	char *end;
	long minor;

	if (!body)
		return -1;
	while (*body == ' ' || *body == '"')
		body++;
	if (strncmp(body, "v0.", 3) != 0)
		return -1;
	minor = strtol(body + 3, &end, 10);
	if (end == body + 3 ||
	    (*end != '.' && *end != '-' && *end != '"' && *end != '\0' && *end != '\n'))
		return -1;
	return minor >= 0 && minor < 1000 ? (int)minor : -1;
}
