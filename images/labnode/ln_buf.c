#include "images/labnode/ln_buf.h"

#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ln_buf_reserve(struct ln_buf *b, size_t extra)
{
	size_t need;

	if (b->off && b->off == b->len) {
		b->off = b->len = 0;
	} else if (b->off > 4096 && b->off > b->len / 2) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	need = b->len + extra;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->data = fl_xrealloc(b->data, cap);
	b->cap = cap;
}

void ln_buf_append(struct ln_buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	ln_buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void ln_buf_consume(struct ln_buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void ln_buf_trim(struct ln_buf *b, size_t keep)
{
	if (b->off == b->len && b->cap > keep)
		ln_buf_free(b);
}

void ln_buf_free(struct ln_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void ln_buf_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long ln_buf_unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}
