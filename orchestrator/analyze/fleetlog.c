/* Line formats of the fleet logs (LABNODE.md, "Fleet log formats of the real nodes"). */
#include "orchestrator/analyze/fleetlog.h"

#include "orchestrator/analyze/flatjson.h"
#include "orchestrator/analyze/kvscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum fleetlog_format f;
} fleetlog_names[] = {
    {"auto", FLEETLOG_AUTO},
    {"nwaku", FLEETLOG_NWAKU},
    {"nwaku-json", FLEETLOG_NWAKU_JSON},
    {"go-waku", FLEETLOG_GOWAKU},
    {"go-waku-json", FLEETLOG_GOWAKU_JSON},
    {"labnode", FLEETLOG_LABNODE},
};

int fleetlog_format_parse(const char *s, enum fleetlog_format *out)
{
	for (size_t i = 0; i < sizeof(fleetlog_names) / sizeof(fleetlog_names[0]); i++) {
		if (strcmp(s, fleetlog_names[i].name) == 0) {
			*out = fleetlog_names[i].f;
			return 0;
		}
	}
	return -1;
}

const char *fleetlog_format_name(enum fleetlog_format f)
{
	for (size_t i = 0; i < sizeof(fleetlog_names) / sizeof(fleetlog_names[0]); i++)
		if (fleetlog_names[i].f == f)
			return fleetlog_names[i].name;
	return "auto";
}

/* "NTC 2025-11-20 13:06:16.015+00:00 …": a chronicles level and an ISO time. */
static int fleetlog_is_chronicles(const char *p, size_t n)
{
	uint64_t ns;

	return n > 24 && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z' && p[2] >= 'A' &&
	       p[2] <= 'Z' && p[3] == ' ' && kvscan_iso_ns(p + 4, n - 4, &ns);
}

/* zap console: at least four tabs and a JSON object after the last one. */
static const char *fleetlog_zap_fields(const char *p, size_t n)
{
	const char *tab = NULL;
	int tabs = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\t') {
			tabs++;
			tab = p + i;
		}
	}
	return tabs >= 3 && tab + 1 < p + n && tab[1] == '{' ? tab + 1 : NULL;
}

enum fleetlog_format fleetlog_detect(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n && p[0] == '{') {
		if (memmem(p, n, "\"lvl\"", 5))
			return FLEETLOG_NWAKU_JSON;
		if (memmem(p, n, "\"logger\"", 8) || memmem(p, n, "\"level\"", 7))
			return FLEETLOG_GOWAKU_JSON;
		return FLEETLOG_AUTO;
	}
	if (fleetlog_zap_fields(p, n))
		return FLEETLOG_GOWAKU;
	if (fleetlog_is_chronicles(p, n))
		return FLEETLOG_NWAKU;
	if (memmem(p, n, "msg_hash=", 9))
		return FLEETLOG_LABNODE;
	return FLEETLOG_AUTO;
}

static int fleetlog_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*out = x;
	return 1;
}

/* A time field: ISO string, integer ns, or zap's float epoch seconds. */
static int fleetlog_time(const struct flatjson_val *v, int is_ts, uint64_t *ns)
{
	if (v->type == FLATJSON_STR && kvscan_iso_ns(v->p, v->n, ns))
		return 1;
	if (v->type != FLATJSON_NUM && v->type != FLATJSON_STR)
		return 0;
	if (fleetlog_u64(v->p, v->n, ns))
		return is_ts && *ns < 100000000000ull ? (*ns *= 1000000000ull, 1) : 1;
	if (v->type == FLATJSON_NUM && is_ts && v->num > 0) { /* 1732111576.015 */
		*ns = (uint64_t)(v->num * 1e9);
		return 1;
	}
	return 0;
}

static int fleetlog_is_hash_key(const char *k, size_t kl)
{
	return flatjson_key_is(k, kl, "msg_hash") || flatjson_key_is(k, kl, "hash") ||
	       flatjson_key_is(k, kl, "messageHash") || flatjson_key_is(k, kl, "envelopeHash");
}

static int fleetlog_is_time_key(const char *k, size_t kl)
{
	return flatjson_key_is(k, kl, "receivedTime") || flatjson_key_is(k, kl, "sentTime") ||
	       flatjson_key_is(k, kl, "publishTime");
}

/* A JSON object's fields (a whole JSON line, or zap console's trailing object). */
static int fleetlog_json(const char *p, size_t n, struct fleetlog_line *l)
{
	struct flatjson it;
	struct flatjson_val v;
	const char *k;
	size_t kl;
	uint64_t ts = 0, t = 0;

	if (flatjson_begin(&it, p, n) < 0)
		return 0;
	while (flatjson_next(&it, &k, &kl, &v) > 0) {
		if (fleetlog_is_hash_key(k, kl) && v.type == FLATJSON_STR && v.n > 2) {
			l->hash = v.p;
			l->hash_len = v.n;
		} else if (fleetlog_is_time_key(k, kl)) {
			fleetlog_time(&v, 0, &t);
		} else if (flatjson_key_is(k, kl, "ts")) {
			fleetlog_time(&v, 1, &ts);
		} else if ((flatjson_key_is(k, kl, "msg")) && v.type == FLATJSON_STR) {
			l->event = v.p;
			l->event_len = v.n;
		}
	}
	l->t_ns = t ? t : ts;
	l->has_t = l->t_ns != 0;
	return l->hash != NULL;
}

static int fleetlog_zap(const char *p, size_t n, const char *fields, struct fleetlog_line *l)
{
	const char *t1 = memchr(p, '\t', n), *t2, *t3, *t4;
	uint64_t ts = 0;
	struct flatjson_val v = {.type = FLATJSON_STR};

	if (!fleetlog_json(fields, (size_t)(p + n - fields), l))
		return 0;
	t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(p + n - t1 - 1)) : NULL;
	t3 = t2 ? memchr(t2 + 1, '\t', (size_t)(p + n - t2 - 1)) : NULL;
	t4 = t3 ? memchr(t3 + 1, '\t', (size_t)(p + n - t3 - 1)) : NULL;
	if (t3 && t4) {
		l->event = t3 + 1;
		l->event_len = (size_t)(t4 - t3 - 1);
	}
	if (!l->has_t && t1) {
		v.p = p;
		v.n = (size_t)(t1 - p);
		if (v.n && (p[0] < '0' || p[0] > '9' || memchr(p, '-', v.n))) {
			fleetlog_time(&v, 1, &ts);
		} else { /* zap's epoch float "1732111576.015" */
			char num[40];

			snprintf(num, sizeof(num), "%.*s", (int)v.n, p);
			ts = (uint64_t)(strtod(num, NULL) * 1e9);
		}
		l->t_ns = ts;
		l->has_t = ts != 0;
	}
	return 1;
}

/* The message text of a key=value line: from `from` to the first token holding '='. */
static void fleetlog_text_event(const char *from, const char *end, struct fleetlog_line *l)
{
	const char *eq = memchr(from, '=', (size_t)(end - from)), *e;

	e = eq ? eq : end;
	while (e > from && e[-1] != ' ' && eq) /* back to the start of the key */
		e--;
	while (e > from && e[-1] == ' ')
		e--;
	l->event = from;
	l->event_len = (size_t)(e - from);
}

static int fleetlog_text(const char *p, size_t n, struct fleetlog_line *l)
{
	const char *v, *from = p;
	size_t vn;
	uint64_t ns;

	if (!kvscan_get(p, n, "msg_hash", &v, &vn) || vn < 3)
		return 0;
	l->hash = v;
	l->hash_len = vn;
	if (fleetlog_is_chronicles(p, n)) {
		kvscan_iso_ns(p + 4, n - 4, &l->t_ns);
		from = memchr(p + 4 + 19, ' ', n - 23); /* after the time and its zone */
		from = from ? from + 1 : p + n;
	}
	l->has_t = l->t_ns != 0;
	if (kvscan_get_u64(p, n, "receivedTime", &ns) || kvscan_get_u64(p, n, "sentTime", &ns)) {
		l->t_ns = ns;
		l->has_t = 1;
	}
	fleetlog_text_event(from, p + n, l);
	return 1;
}

int fleetlog_parse_line(enum fleetlog_format f, const char *p, size_t n, struct fleetlog_line *l)
{
	const char *fields;

	memset(l, 0, sizeof(*l));
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n == 0)
		return 0;
	if (p[0] == '{')
		return fleetlog_json(p, n, l);
	if (f != FLEETLOG_NWAKU && f != FLEETLOG_LABNODE && (fields = fleetlog_zap_fields(p, n)))
		return fleetlog_zap(p, n, fields, l);
	return fleetlog_text(p, n, l);
}
