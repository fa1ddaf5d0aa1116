/* A pull scanner for one JSON object per line (events.jsonl, node events, plan events), much
 * faster than building a jansson tree for millions of lines. It walks the top-level members;
 * nested arrays and objects come back as raw spans that can be walked the same way. Nothing
 * is allocated and the input need not be NUL-terminated. */
#ifndef FL_FLATJSON_H
#define FL_FLATJSON_H

#include <stddef.h>

enum flatjson_type {
	FLATJSON_STR,
	FLATJSON_NUM,
	FLATJSON_TRUE,
	FLATJSON_FALSE,
	FLATJSON_NULL,
	FLATJSON_ARR,
	FLATJSON_OBJ
};

struct flatjson_val {
	enum flatjson_type type;
	const char *p; /* STR: the bytes between the quotes (maybe escaped); ARR/OBJ: the span
			* with its brackets; NUM: the digits */
	size_t n;
	int escaped; /* STR: contains a backslash */
	double num;  /* NUM */
};

struct flatjson {
	const char *p, *end;
	char close; /* '}' or ']' */
	int first;
};

/* Starts on an object (s at '{', leading blanks allowed) or an array. -1 if s is neither. */
int flatjson_begin(struct flatjson *it, const char *s, size_t n);
/* Next member of an object: 1 with key (raw, unescaped bytes) and value, 0 at the end,
 * -1 on a syntax error. */
int flatjson_next(struct flatjson *it, const char **key, size_t *klen, struct flatjson_val *v);
/* Next element of an array: 1, 0 at the end, -1 on a syntax error. */
int flatjson_next_elem(struct flatjson *it, struct flatjson_val *v);
/* Writes the string value unescaped (\uXXXX as UTF-8) into buf (NUL-terminated, cut to
 * cap-1). Returns the length written. */
size_t flatjson_str(const struct flatjson_val *v, char *buf, size_t cap);
/* 1 when the raw key equals the C string k. */
int flatjson_key_is(const char *key, size_t klen, const char *k);

#endif
