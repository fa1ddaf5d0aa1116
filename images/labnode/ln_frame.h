/* labnode's wire protocol framing (PROTOCOL.md): a frame is
 *   u32 body length (big-endian) | u8 version | u8 type | fields...
 * and a field is u8 tag | u32 length (big-endian) | value. Fields may repeat and nest (a
 * field's value may itself be a field list). The decoder never reads past what it is given. */
#ifndef LN_FRAME_H
#define LN_FRAME_H

#include "common/error.h"
#include "images/labnode/ln_buf.h"
#include "images/labnode/ln_msg.h"

#include <stddef.h>
#include <stdint.h>

#define LN_FRAME_VERSION 1
#define LN_FRAME_MAX_BODY (1u << 20)
#define LN_FRAME_MAX_FIELDS 512

enum ln_frame_type {
	LN_F_HELLO = 1,
	LN_F_PING = 2,
	LN_F_PONG = 3,
	LN_F_RELAY = 4,
	LN_F_STORE_REQ = 5,
	LN_F_STORE_RESP = 6,
	LN_F_PUSH_REQ = 7,
	LN_F_PUSH_RESP = 8,
	LN_F_FILTER_SUB = 9,
	LN_F_FILTER_UNSUB = 10,
	LN_F_FILTER_PUSH = 11,
	LN_F_TYPE_MAX = 11,
};

enum ln_tag {
	LN_T_PUBSUB = 1,
	LN_T_PAYLOAD = 2,
	LN_T_CTOPIC = 3,
	LN_T_VERSION = 4,
	LN_T_TIMESTAMP = 5,
	LN_T_META = 6,
	LN_T_EPHEMERAL = 7,
	LN_T_NONCE = 10,
	LN_T_REQID = 11,
	LN_T_PEERID = 12,
	LN_T_ROLE = 13,
	LN_T_LISTEN = 14,
	LN_T_KEY = 15,
	LN_T_START = 20,
	LN_T_END = 21,
	LN_T_CURSOR = 22,
	LN_T_PAGESIZE = 23,
	LN_T_ASC = 24,
	LN_T_HASH = 25,
	LN_T_INCLUDE = 26,
	LN_T_CODE = 27,
	LN_T_DESC = 28,
	LN_T_ENTRY = 29,
	LN_T_COUNT = 30,
};

struct ln_field {
	uint8_t tag;
	uint32_t len;
	const uint8_t *val; /* points into the decoded buffer */
};

struct ln_frame {
	uint8_t version;
	uint8_t type;
	int n;
	struct ln_field f[LN_FRAME_MAX_FIELDS];
};

/* Decodes one frame from the start of buf. Returns 1 and sets *consumed when a whole frame is
 * there, 0 when more bytes are needed, -1 (err set) when the stream is malformed: the
 * connection must then be closed. Field values point into buf. */
int ln_frame_parse(const uint8_t *buf, size_t len, struct ln_frame *f, size_t *consumed,
		   struct fl_error *err);
/* Splits a field list into out[max]. Returns the count or -1 (err set). */
int ln_frame_fields(const uint8_t *p, size_t len, struct ln_field *out, int max,
		    struct fl_error *err);

/* Builders: begin returns a mark for end/nest_end, which patch the lengths. */
size_t ln_frame_begin(struct ln_buf *b, enum ln_frame_type type);
void ln_frame_end(struct ln_buf *b, size_t mark);
size_t ln_frame_nest_begin(struct ln_buf *b, uint8_t tag);
void ln_frame_nest_end(struct ln_buf *b, size_t mark);
void ln_frame_put(struct ln_buf *b, uint8_t tag, const void *v, uint32_t len);
void ln_frame_put_u64(struct ln_buf *b, uint8_t tag, uint64_t v);
void ln_frame_put_str(struct ln_buf *b, uint8_t tag, const char *s);

/* Lookups in a field list: the first field with tag, or NULL. */
const struct ln_field *ln_frame_find(const struct ln_field *f, int n, uint8_t tag);
/* Reads an 8-byte integer field. Returns -1 (err set) when absent or of the wrong size. */
int ln_frame_u64(const struct ln_field *f, int n, uint8_t tag, uint64_t *out, struct fl_error *err);
/* Copies a text field (no NUL inside, < cap bytes). Absent → "" and 0 unless required. */
int ln_frame_str(const struct ln_field *f, int n, uint8_t tag, char *out, size_t cap, int required,
		 struct fl_error *err);

/* A Waku message with its pubsub topic, as fields (LN_T_PUBSUB..LN_T_EPHEMERAL). */
void ln_frame_put_msg(struct ln_buf *b, const char *pubsub, const struct ln_msg *m);
/* Decodes a message from fields; pubsub may be NULL. Validates sizes. */
int ln_frame_get_msg(const struct ln_field *f, int n, char pubsub[LN_TOPIC_MAX], struct ln_msg *m,
		     struct fl_error *err);

#endif
