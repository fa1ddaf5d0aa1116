/* Byte buffers and hex for labnode. Allocation failure aborts: a node that cannot allocate a
 * few KiB cannot do anything useful, and every caller would only exit. */
#ifndef LN_BUF_H
#define LN_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Bytes [off, len) are live; ln_buf_consume() advances off and compacts lazily. */
struct ln_buf {
	uint8_t *data;
	size_t off;
	size_t len;
	size_t cap;
};

void ln_buf_reserve(struct ln_buf *b, size_t extra);
void ln_buf_append(struct ln_buf *b, const void *p, size_t n);
void ln_buf_consume(struct ln_buf *b, size_t n);
void ln_buf_free(struct ln_buf *b);
/* An empty buffer that grew past keep bytes (a burst) gives its storage back. */
void ln_buf_trim(struct ln_buf *b, size_t keep);
static inline size_t ln_buf_used(const struct ln_buf *b)
{
	return b->len - b->off;
}
static inline uint8_t *ln_buf_head(const struct ln_buf *b)
{
	return b->data + b->off;
}

/* Writes 2n lowercase hex digits and a NUL to out. */
void ln_buf_hex(const uint8_t *p, size_t n, char *out);
/* Decodes hex (an optional 0x prefix) into out (at most max bytes). Returns the byte count,
 * or -1 on odd length, a non-hex digit or overflow. */
long ln_buf_unhex(const char *s, uint8_t *out, size_t max);

#endif
