#include "orchestrator/render/jsonw.h"

#include <math.h>
#include <string.h>

void jsonw_init(struct jsonw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->first[0] = 1;
}

static void jsonw_indent(struct jsonw *w)
{
	fputc_unlocked('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs_unlocked("  ", w->f);
}

/* Separator and indentation before a value or a key. */
static void jsonw_pre(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth])
		fputc_unlocked(',', w->f);
	if (w->compact[w->depth]) {
		if (!w->first[w->depth])
			fputc_unlocked(' ', w->f);
	} else {
		jsonw_indent(w);
	}
	w->first[w->depth] = 0;
}

static void jsonw_open(struct jsonw *w, char c, int compact)
{
	jsonw_pre(w);
	fputc_unlocked(c, w->f);
	if (w->depth + 1 < JSONW_DEPTH)
		w->depth++;
	w->first[w->depth] = 1;
	w->compact[w->depth] = compact || w->compact[w->depth - 1];
}

static void jsonw_close(struct jsonw *w, char c)
{
	int empty = w->first[w->depth], compact = w->compact[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty && !compact)
		jsonw_indent(w);
	fputc_unlocked(c, w->f);
	if (w->depth == 0)
		fputc_unlocked('\n', w->f);
}

void jsonw_obj(struct jsonw *w, int compact)
{
	jsonw_open(w, '{', compact);
}

void jsonw_obj_end(struct jsonw *w)
{
	jsonw_close(w, '}');
}

void jsonw_arr(struct jsonw *w, int compact)
{
	jsonw_open(w, '[', compact);
}

void jsonw_arr_end(struct jsonw *w)
{
	jsonw_close(w, ']');
}

void jsonw_escape(FILE *f, const char *s, size_t n)
{
	size_t run = 0; /* bytes that need no escape, written in one go */

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite_unlocked(s + run, 1, i - run, f);
		run = i + 1;
		if (c == '"' || c == '\\') {
			fputc_unlocked('\\', f);
			fputc_unlocked(c, f);
		} else if (c == '\n') {
			fputs_unlocked("\\n", f);
		} else if (c == '\t') {
			fputs_unlocked("\\t", f);
		} else {
			fprintf(f, "\\u%04x", c);
		}
	}
	fwrite_unlocked(s + run, 1, n - run, f);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_pre(w);
	fputc_unlocked('"', w->f);
	jsonw_escape(w->f, key, strlen(key));
	fputs_unlocked("\": ", w->f);
	w->after_key = 1;
}

void jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
	jsonw_pre(w);
	fputc_unlocked('"', w->f);
	jsonw_escape(w->f, s, n);
	fputc_unlocked('"', w->f);
}

void jsonw_str(struct jsonw *w, const char *s)
{
	if (!s)
		jsonw_null(w);
	else
		jsonw_strn(w, s, strlen(s));
}

/* Writes a non-negative integer without printf: report.json holds millions of numbers. */
static void jsonw_put_u64(FILE *f, uint64_t x)
{
	char buf[24], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + x % 10);
	while ((x /= 10) != 0);
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

/* The fast path of "%.10g" for the values reports are made of (times in ms with at most three
 * decimals, below 10^6): the same characters, no printf. 0 when x needs printf. */
static int jsonw_put_milli(FILE *f, double x)
{
	double milli = x * 1000;
	long long m = llround(milli);
	unsigned frac, digits = 3;

	if (fabs(x) >= 1e6 || fabs(milli - (double)m) > 1e-6)
		return 0;
	if (m < 0) {
		fputc_unlocked('-', f);
		m = -m;
	}
	jsonw_put_u64(f, (uint64_t)m / 1000);
	frac = (unsigned)((uint64_t)m % 1000);
	if (frac == 0)
		return 1;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	char d[3];

	for (unsigned i = digits; i-- > 0; frac /= 10)
		d[i] = (char)('0' + frac % 10);
	fputc_unlocked('.', f);
	fwrite_unlocked(d, 1, digits, f);
	return 1;
}

void jsonw_num(struct jsonw *w, double x)
{
	if (!isfinite(x)) {
		jsonw_null(w);
		return;
	}
	jsonw_pre(w);
	if (x == floor(x) && fabs(x) < 1e15) {
		if (x < 0)
			fputc_unlocked('-', w->f);
		jsonw_put_u64(w->f, (uint64_t)fabs(x));
	} else if (!jsonw_put_milli(w->f, x)) {
		fprintf(w->f, "%.10g", x);
	}
}

void jsonw_u64(struct jsonw *w, uint64_t x)
{
	jsonw_pre(w);
	jsonw_put_u64(w->f, x);
}

void jsonw_bool(struct jsonw *w, int b)
{
	jsonw_pre(w);
	fputs_unlocked(b ? "true" : "false", w->f);
}

void jsonw_null(struct jsonw *w)
{
	jsonw_pre(w);
	fputs_unlocked("null", w->f);
}

void jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void jsonw_knum(struct jsonw *w, const char *key, double x)
{
	jsonw_key(w, key);
	jsonw_num(w, x);
}

void jsonw_ku64(struct jsonw *w, const char *key, uint64_t x)
{
	jsonw_key(w, key);
	jsonw_u64(w, x);
}
