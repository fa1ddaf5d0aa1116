#include "images/labnode/ln_frame.h"

#include <string.h>

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int ln_frame_fields(const uint8_t *p, size_t len, struct ln_field *out, int max,
		    struct fl_error *err)
{
	size_t pos = 0;
	int n = 0;

	while (pos < len) {
		if (len - pos < 5)
			return fl_err(err, "truncated field header at byte %zu", pos);
		uint32_t flen = get_be32(p + pos + 1);
		if (flen > len - pos - 5)
			return fl_err(err, "field %u of %u bytes overruns its frame", p[pos], flen);
		if (n == max)
			return fl_err(err, "more than %d fields", max);
		out[n].tag = p[pos];
		out[n].len = flen;
		out[n].val = p + pos + 5;
		n++;
		pos += 5 + (size_t)flen;
	}
	return n;
}

int ln_frame_parse(const uint8_t *buf, size_t len, struct ln_frame *f, size_t *consumed,
		   struct fl_error *err)
{
	uint32_t body;

	if (len < 4)
		return 0;
	body = get_be32(buf);
	if (body < 2)
		return fl_err(err, "frame body of %u bytes is too short", body);
	if (body > LN_FRAME_MAX_BODY)
		return fl_err(err, "frame body of %u bytes exceeds %u", body, LN_FRAME_MAX_BODY);
	if (len - 4 < body)
		return 0;
	f->version = buf[4];
	f->type = buf[5];
	if (f->version != LN_FRAME_VERSION)
		return fl_err(err, "unsupported protocol version %u (want %u)", f->version,
			      LN_FRAME_VERSION);
	if (f->type == 0 || f->type > LN_F_TYPE_MAX)
		return fl_err(err, "unknown frame type %u", f->type);
	f->n = ln_frame_fields(buf + 6, body - 2, f->f, LN_FRAME_MAX_FIELDS, err);
	if (f->n < 0)
		return -1;
	*consumed = 4 + (size_t)body;
	return 1;
}

size_t ln_frame_begin(struct ln_buf *b, enum ln_frame_type type)
{
	uint8_t hdr[6] = {0, 0, 0, 0, LN_FRAME_VERSION, (uint8_t)type};
	size_t mark = b->len;

	ln_buf_append(b, hdr, sizeof(hdr));
	return mark;
}

void ln_frame_end(struct ln_buf *b, size_t mark)
{
	put_be32(b->data + mark, (uint32_t)(b->len - mark - 4));
}

size_t ln_frame_nest_begin(struct ln_buf *b, uint8_t tag)
{
	uint8_t hdr[5] = {tag, 0, 0, 0, 0};
	size_t mark = b->len;

	ln_buf_append(b, hdr, sizeof(hdr));
	return mark;
}

void ln_frame_nest_end(struct ln_buf *b, size_t mark)
{
	put_be32(b->data + mark + 1, (uint32_t)(b->len - mark - 5));
}

void ln_frame_put(struct ln_buf *b, uint8_t tag, const void *v, uint32_t len)
{
	uint8_t hdr[5];

	hdr[0] = tag;
	put_be32(hdr + 1, len);
	ln_buf_append(b, hdr, sizeof(hdr));
	ln_buf_append(b, v, len);
}

void ln_frame_put_u64(struct ln_buf *b, uint8_t tag, uint64_t v)
{
	uint8_t p[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
	ln_frame_put(b, tag, p, sizeof(p));
}

void ln_frame_put_str(struct ln_buf *b, uint8_t tag, const char *s)
{
	ln_frame_put(b, tag, s, (uint32_t)strlen(s));
}

const struct ln_field *ln_frame_find(const struct ln_field *f, int n, uint8_t tag)
{
	for (int i = 0; i < n; i++)
		if (f[i].tag == tag)
			return &f[i];
	return NULL;
}

int ln_frame_u64(const struct ln_field *f, int n, uint8_t tag, uint64_t *out, struct fl_error *err)
{
	const struct ln_field *x = ln_frame_find(f, n, tag);
	uint64_t v = 0;

	if (!x)
		return fl_err(err, "missing field %u", tag);
	if (x->len != 8)
		return fl_err(err, "field %u has %u bytes, want 8", tag, x->len);
	for (int i = 0; i < 8; i++)
		v = v << 8 | x->val[i];
	*out = v;
	return 0;
}

int ln_frame_str(const struct ln_field *f, int n, uint8_t tag, char *out, size_t cap, int required,
		 struct fl_error *err)
{
	const struct ln_field *x = ln_frame_find(f, n, tag);

	out[0] = '\0';
	if (!x)
		return required ? fl_err(err, "missing field %u", tag) : 0;
	if (x->len >= cap)
		return fl_err(err, "field %u of %u bytes is too long (max %zu)", tag, x->len,
			      cap - 1);
	if (memchr(x->val, '\0', x->len))
		return fl_err(err, "field %u holds a NUL byte", tag);
	memcpy(out, x->val, x->len);
	out[x->len] = '\0';
	return 0;
}

void ln_frame_put_msg(struct ln_buf *b, const char *pubsub, const struct ln_msg *m)
{
	ln_frame_put_str(b, LN_T_PUBSUB, pubsub);
	ln_frame_put(b, LN_T_PAYLOAD, m->payload, (uint32_t)m->payload_len);
	ln_frame_put_str(b, LN_T_CTOPIC, m->content_topic);
	ln_frame_put_u64(b, LN_T_VERSION, m->version);
	ln_frame_put_u64(b, LN_T_TIMESTAMP, (uint64_t)m->timestamp);
	if (m->meta_len)
		ln_frame_put(b, LN_T_META, m->meta, (uint32_t)m->meta_len);
	if (m->ephemeral)
		ln_frame_put_u64(b, LN_T_EPHEMERAL, 1);
}

int ln_frame_get_msg(const struct ln_field *f, int n, char pubsub[LN_TOPIC_MAX], struct ln_msg *m,
		     struct fl_error *err)
{
	const struct ln_field *x;
	uint64_t v;

	memset(m, 0, sizeof(*m));
	if (pubsub && ln_frame_str(f, n, LN_T_PUBSUB, pubsub, LN_TOPIC_MAX, 1, err) < 0)
		return -1;
	if (ln_frame_str(f, n, LN_T_CTOPIC, m->content_topic, LN_TOPIC_MAX, 1, err) < 0)
		return -1;
	if (ln_frame_u64(f, n, LN_T_TIMESTAMP, &v, err) < 0)
		return -1;
	m->timestamp = (int64_t)v;
	if (ln_frame_find(f, n, LN_T_VERSION)) {
		if (ln_frame_u64(f, n, LN_T_VERSION, &v, err) < 0)
			return -1;
		m->version = (uint32_t)v;
	}
	m->ephemeral = ln_frame_find(f, n, LN_T_EPHEMERAL) != NULL;
	if ((x = ln_frame_find(f, n, LN_T_META))) {
		if (x->len > LN_META_MAX)
			return fl_err(err, "meta of %u bytes exceeds %d", x->len, LN_META_MAX);
		memcpy(m->meta, x->val, x->len);
		m->meta_len = x->len;
	}
	if ((x = ln_frame_find(f, n, LN_T_PAYLOAD))) {
		if (x->len > LN_PAYLOAD_MAX)
			return fl_err(err, "payload of %u bytes exceeds %d", x->len,
				      LN_PAYLOAD_MAX);
		ln_msg_set_payload(m, x->val, x->len);
	}
	return 0;
}
