#include "orchestrator/analyze/flatjson.h"

#include <stdlib.h>
#include <string.h>

static const char *flatjson_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

int flatjson_begin(struct flatjson *it, const char *s, size_t n)
{
	const char *end = s + n;
	const char *p = flatjson_ws(s, end);

	if (p >= end || (*p != '{' && *p != '['))
		return -1;
	it->close = *p == '{' ? '}' : ']';
	it->p = p + 1;
	it->end = end;
	it->first = 1;
	return 0;
}

/* Returns the end of the string that starts after the opening quote at p, or NULL. */
static const char *flatjson_str_end(const char *p, const char *end, int *escaped)
{
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		const char *b;

		if (!q)
			return NULL;
		b = q;
		while (b > p && b[-1] == '\\')
			b--;
		if ((q - b) % 2 == 0) {
			if (memchr(p, '\\', (size_t)(q - p)))
				*escaped = 1;
			return q;
		}
		*escaped = 1;
		p = q + 1;
	}
}

/* Bytes flatjson_skip must look at; everything else is stepped over in a tight loop. */
static const unsigned char flatjson_special[256] = {
    ['"'] = 1, ['{'] = 1, ['['] = 1, ['}'] = 1, [']'] = 1,
};

/* Skips a nested array/object starting at p; returns the position after it, or NULL. */
static const char *flatjson_skip(const char *p, const char *end)
{
	int depth = 0, esc;

	for (; p < end; p++) {
		while (p < end && !flatjson_special[(unsigned char)*p])
			p++;
		if (p >= end)
			break;
		if (*p == '"') {
			p = flatjson_str_end(p + 1, end, &esc);
			if (!p)
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (--depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

static const char *flatjson_value(const char *p, const char *end, struct flatjson_val *v)
{
	char num[64];
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	if (p >= end)
		return NULL;
	v->p = p;
	switch (*p) {
	case '"': {
		const char *q = flatjson_str_end(p + 1, end, &v->escaped);

		if (!q)
			return NULL;
		v->type = FLATJSON_STR;
		v->p = p + 1;
		v->n = (size_t)(q - p - 1);
		return q + 1;
	}
	case '{':
	case '[': {
		const char *q = flatjson_skip(p, end);

		if (!q)
			return NULL;
		v->type = *p == '{' ? FLATJSON_OBJ : FLATJSON_ARR;
		v->n = (size_t)(q - p);
		return q;
	}
	case 't':
		v->type = FLATJSON_TRUE;
		return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		v->type = FLATJSON_FALSE;
		return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		v->type = FLATJSON_NULL;
		return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
	}
	while (p + n < end && n < sizeof(num) - 1 && strchr("+-0123456789.eE", p[n]) && p[n])
		n++;
	if (n == 0)
		return NULL;
	memcpy(num, p, n);
	num[n] = '\0';
	v->type = FLATJSON_NUM;
	v->n = n;
	v->num = strtod(num, NULL);
	return p + n;
}

/* Moves past the separator before the next item; 0 at the closing bracket, -1 on error. */
static int flatjson_sep(struct flatjson *it)
{
	it->p = flatjson_ws(it->p, it->end);
	if (it->p >= it->end)
		return -1;
	if (*it->p == it->close)
		return 0;
	if (!it->first) {
		if (*it->p != ',')
			return -1;
		it->p = flatjson_ws(it->p + 1, it->end);
	}
	it->first = 0;
	return 1;
}

int flatjson_next(struct flatjson *it, const char **key, size_t *klen, struct flatjson_val *v)
{
	struct flatjson_val k;
	int r = flatjson_sep(it);

	if (r <= 0)
		return r;
	it->p = flatjson_value(it->p, it->end, &k);
	if (!it->p || k.type != FLATJSON_STR)
		return -1;
	it->p = flatjson_ws(it->p, it->end);
	if (it->p >= it->end || *it->p != ':')
		return -1;
	it->p = flatjson_value(flatjson_ws(it->p + 1, it->end), it->end, v);
	if (!it->p)
		return -1;
	*key = k.p;
	*klen = k.n;
	return 1;
}

int flatjson_next_elem(struct flatjson *it, struct flatjson_val *v)
{
	int r = flatjson_sep(it);

	if (r <= 0)
		return r;
	it->p = flatjson_value(it->p, it->end, v);
	return it->p ? 1 : -1;
}

static size_t flatjson_utf8(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

size_t flatjson_str(const struct flatjson_val *v, char *buf, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return 0;
	if (v->type != FLATJSON_STR && v->type != FLATJSON_NUM) {
		buf[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < v->n && o + 4 < cap; i++) {
		char c = v->p[i];

		if (c != '\\' || i + 1 >= v->n) {
			buf[o++] = c;
			continue;
		}
		c = v->p[++i];
		switch (c) {
		case 'n':
			buf[o++] = '\n';
			break;
		case 't':
			buf[o++] = '\t';
			break;
		case 'r':
			buf[o++] = '\r';
			break;
		case 'b':
			buf[o++] = '\b';
			break;
		case 'f':
			buf[o++] = '\f';
			break;
		case 'u':
			if (i + 4 < v->n) {
				char hex[5] = {v->p[i + 1], v->p[i + 2], v->p[i + 3], v->p[i + 4],
					       0};

				o += flatjson_utf8((unsigned)strtoul(hex, NULL, 16), buf + o);
				i += 4;
			}
			break;
		default:
			buf[o++] = c;
		}
	}
	buf[o] = '\0';
	return o;
}

int flatjson_key_is(const char *key, size_t klen, const char *k)
{
	for (size_t i = 0; i < klen; i++)
		if (key[i] != k[i] || k[i] == '\0')
			return 0;
	return k[klen] == '\0';
}
