/* A streaming JSON writer: report.json of a million messages is written without building a
 * tree. Containers opened with compact=1 are written on one line (one message per line). */
#ifndef FL_JSONW_H
#define FL_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JSONW_DEPTH 32

struct jsonw {
	FILE *f;
	int depth;
	int first[JSONW_DEPTH];
	int compact[JSONW_DEPTH];
	int after_key;
};

void jsonw_init(struct jsonw *w, FILE *f);
void jsonw_obj(struct jsonw *w, int compact);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr(struct jsonw *w, int compact);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s); /* NULL → null */
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_num(struct jsonw *w, double x); /* NAN/inf → null; integral values without ".0" */
void jsonw_u64(struct jsonw *w, uint64_t x);
void jsonw_bool(struct jsonw *w, int b);
void jsonw_null(struct jsonw *w);
/* key + value shorthands */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_knum(struct jsonw *w, const char *key, double x);
void jsonw_ku64(struct jsonw *w, const char *key, uint64_t x);
/* Writes s escaped for JSON without quotes (also used for JS-free HTML attributes). */
void jsonw_escape(FILE *f, const char *s, size_t n);

#endif
