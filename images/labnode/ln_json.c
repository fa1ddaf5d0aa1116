#include "images/labnode/ln_json.h"

#include "common/fltime.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *ln_json_b64(const uint8_t *p, size_t n)
{
	char *out = fl_xmalloc(4 * ((n + 2) / 3) + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

long ln_json_unb64(const char *s, uint8_t *out, size_t cap)
{
	size_t len = strlen(s), n = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], last = i + 4 == len;
		for (int k = 0; k < 4; k++) {
			v[k] = b64_val(s[i + k]);
			/* '=' only at the end: "xx==" or "xxx=" */
			if (v[k] < 0 &&
			    !(last && s[i + k] == '=' && k >= 2 && (k == 3 || s[i + 3] == '=')))
				return -1;
		}
		int bytes = v[2] < 0 ? 1 : v[3] < 0 ? 2 : 3;
		if (n + (size_t)bytes > cap)
			return -1;
		uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)(v[2] < 0 ? 0 : v[2]) << 6 | (uint32_t)(v[3] < 0 ? 0 : v[3]);
		out[n++] = (uint8_t)(x >> 16);
		if (bytes > 1)
			out[n++] = (uint8_t)(x >> 8);
		if (bytes > 2)
			out[n++] = (uint8_t)x;
	}
	return (long)n;
}

json_t *ln_json_msg(const struct ln_msg *m)
{
	char *pl = ln_json_b64(m->payload, m->payload_len);
	json_t *j = json_pack("{s:s, s:s, s:i, s:I, s:b}", "payload", pl, "contentTopic",
			      m->content_topic, "version", (int)m->version, "timestamp",
			      (json_int_t)m->timestamp, "ephemeral", m->ephemeral);

	free(pl);
	if (m->meta_len) {
		char *meta = ln_json_b64(m->meta, m->meta_len);
		json_object_set_new(j, "meta", json_string(meta));
		free(meta);
	}
	return j;
}

static int get_b64(const json_t *j, const char *key, uint8_t *out, size_t cap, long *n,
		   struct fl_error *err)
{
	const json_t *v = json_object_get(j, key);

	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fl_err(err, "\"%s\" must be a base64 string", key);
	*n = ln_json_unb64(json_string_value(v), out, cap);
	if (*n < 0)
		return fl_err(err, "\"%s\" is not valid base64 (or is too long)", key);
	return 0;
}

int ln_json_to_msg(const json_t *j, struct ln_msg *m, struct fl_error *err)
{
	const json_t *v;
	long n;
	uint8_t *buf;

	memset(m, 0, sizeof(*m));
	if (!json_is_object(j))
		return fl_err(err, "message must be a JSON object");
	v = json_object_get(j, "contentTopic");
	if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) >= LN_TOPIC_MAX)
		return fl_err(err, "\"contentTopic\" must be a non-empty string");
	snprintf(m->content_topic, sizeof(m->content_topic), "%s", json_string_value(v));
	v = json_object_get(j, "version");
	if (v && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 0))
		return fl_err(err, "\"version\" must be a non-negative integer");
	m->version = v ? (uint32_t)json_integer_value(v) : 0;
	v = json_object_get(j, "timestamp");
	if (v && !json_is_null(v) && !json_is_integer(v))
		return fl_err(err, "\"timestamp\" must be an integer (ns)");
	m->timestamp = v ? (int64_t)json_integer_value(v) : 0;
	if (!m->timestamp)
		m->timestamp = (int64_t)fltime_real_ns();
	m->ephemeral = json_is_true(json_object_get(j, "ephemeral"));
	if (get_b64(j, "meta", m->meta, LN_META_MAX, &n, err) < 0)
		return -1;
	m->meta_len = (size_t)n;
	buf = fl_xmalloc(LN_PAYLOAD_MAX);
	if (get_b64(j, "payload", buf, LN_PAYLOAD_MAX, &n, err) < 0) {
		free(buf);
		return -1;
	}
	ln_msg_set_payload(m, buf, (size_t)n);
	free(buf);
	return 0;
}
