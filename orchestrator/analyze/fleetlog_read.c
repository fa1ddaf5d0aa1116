/* What comes between a raw log line and its format's parser: a Kubernetes CRI prefix, ANSI
 * colour codes, and hashes in more than one spelling.
 *
 * - CRI (kubelet's container log files, CRI-O and containerd): "<RFC 3339 nano time>
 *   stdout|stderr F|P <text>"; a P line is the first part of a longer one, continued by the
 *   next lines up to an F. Its time stands in for a line that gives none.
 * - Colours: nwaku built without -d:chronicles_colors:none (nim-chronicles log_output.nim
 *   fgColor/resetColors around the level, keys and values), go-log's default ColorizedOutput
 *   (zap CapitalColorLevelEncoder) and geth's TerminalFormat(true): ESC [ … m sequences.
 * - Hashes: nwaku's shortLog(WakuMessageHash) (waku_core/message/digest.nim, v0.36.0:
 *   "0x" + first two bytes + "..." + last two bytes) and msg_hash = hash.toHex() without 0x
 *   (waku_store_sync/reconciliation.nim, v0.36.0). */
#include "orchestrator/analyze/fleetlog.h"

#include "common/xalloc.h"
#include "orchestrator/analyze/flatjson.h"
#include "orchestrator/analyze/kvscan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void fleetlog_reader_init(struct fleetlog_reader *r, enum fleetlog_format forced, uint64_t ref_ns)
{
	memset(r, 0, sizeof(*r));
	r->forced = forced;
	r->ref_ns = ref_ns;
}

void fleetlog_reader_free(struct fleetlog_reader *r)
{
	free(r->buf);
	free(r->part);
	r->buf = r->part = NULL;
	r->buf_cap = r->part_cap = r->part_n = 0;
}

static void fleetlog_grow(char **b, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	*b = fl_xrealloc(*b, need + 256);
	*cap = need + 256;
}

/* "2024-10-24T08:59:24.058123456Z stdout F ": 1 with the text after it, its time and tag. */
static int fleetlog_cri(const char *p, size_t n, const char **text, size_t *tn, uint64_t *t_ns,
			char *tag)
{
	const char *sp = memchr(p, ' ', n < 40 ? n : 40), *end = p + n;

	if (!sp || n < 20 || p[4] != '-' || p[10] != 'T' ||
	    !kvscan_iso_ns(p, (size_t)(sp - p), t_ns))
		return 0;
	sp++;
	if (end - sp >= 9 && memcmp(sp, "stdout ", 7) == 0)
		sp += 7;
	else if (end - sp >= 9 && memcmp(sp, "stderr ", 7) == 0)
		sp += 7;
	else
		return 0;
	/* tags are ':'-separated, the first one F or P (kubelet logs.go parseCRILog) */
	if ((*sp != 'F' && *sp != 'P') || (sp + 1 < end && sp[1] != ' ' && sp[1] != ':'))
		return 0;
	*tag = *sp;
	*text = memchr(sp, ' ', (size_t)(end - sp));
	*text = *text ? *text + 1 : end;
	*tn = (size_t)(end - *text);
	return 1;
}

/* Docker's json-file log, the other format kubelet reads (parseDockerJSONLog):
 * {"log":"<line>\n","stream":"stdout","time":"<RFC 3339 nano>"}; the line is unescaped into
 * r->buf. */
static int fleetlog_docker_json(struct fleetlog_reader *r, const char **p, size_t *n,
				uint64_t *t_ns)
{
	struct flatjson it;
	struct flatjson_val v, log = {.type = FLATJSON_NULL};
	const char *k;
	size_t kl, len;

	if (*n < 10 || memcmp(*p, "{\"log\":\"", 8) != 0 || flatjson_begin(&it, *p, *n) < 0)
		return 0;
	while (flatjson_next(&it, &k, &kl, &v) > 0) {
		if (flatjson_key_is(k, kl, "log") && v.type == FLATJSON_STR)
			log = v;
		else if (flatjson_key_is(k, kl, "time") && v.type == FLATJSON_STR)
			kvscan_iso_ns(v.p, v.n, t_ns);
	}
	if (log.type != FLATJSON_STR)
		return 0;
	fleetlog_grow(&r->buf, &r->buf_cap, log.n + 8);
	len = flatjson_str(&log, r->buf, log.n + 8); /* it keeps 4 bytes spare */
	while (len && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r'))
		len--;
	*p = r->buf;
	*n = len;
	return 1;
}

/* Copies p without its ESC [ params letter sequences into r->buf (p may be r->buf itself:
 * the copy never overtakes its source, and the buffer is already big enough). */
static void fleetlog_strip_ansi(struct fleetlog_reader *r, const char **p, size_t *n)
{
	const char *s = *p, *end = *p + *n;
	size_t o = 0;

	fleetlog_grow(&r->buf, &r->buf_cap, *n + 1);
	while (s < end) {
		if (*s == 0x1b && s + 1 < end && s[1] == '[') {
			const char *q = s + 2;

			while (q < end && (isdigit((unsigned char)*q) || *q == ';'))
				q++;
			if (q < end && isalpha((unsigned char)*q)) {
				s = q + 1;
				continue;
			}
		}
		r->buf[o++] = *s++;
	}
	*p = r->buf;
	*n = o;
}

static int fleetlog_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

int fleetlog_short_of(const char *h, size_t n, char out[14])
{
	if (n != 66 || h[0] != '0' || (h[1] != 'x' && h[1] != 'X') || !fleetlog_is_hex(h + 2, 64))
		return -1;
	memcpy(out, "0x", 2);
	for (int i = 0; i < 4; i++) {
		out[2 + i] = (char)tolower((unsigned char)h[2 + i]);
		out[9 + i] = (char)tolower((unsigned char)h[62 + i]);
	}
	memcpy(out + 6, "...", 3);
	out[13] = '\0';
	return 0;
}

/* Rewrites l's hash into r->hash: lowercase, 0x-prefixed; "abcd...wxyz" flagged short. */
static void fleetlog_norm_hash(struct fleetlog_reader *r, struct fleetlog_line *l)
{
	const char *h = l->hash;
	size_t n = l->hash_len, o = 0;

	if (n >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) {
		h += 2;
		n -= 2;
	}
	l->short_hash = n == 11 && fleetlog_is_hex(h, 4) && memcmp(h + 4, "...", 3) == 0 &&
			fleetlog_is_hex(h + 7, 4);
	if (!l->short_hash && !fleetlog_is_hex(h, n))
		return; /* not hex (a base64 hash, a name): kept as written */
	if (n + 3 > sizeof(r->hash))
		return;
	r->hash[o++] = '0';
	r->hash[o++] = 'x';
	for (size_t i = 0; i < n; i++)
		r->hash[o++] = (char)tolower((unsigned char)h[i]);
	r->hash[o] = '\0';
	l->hash = r->hash;
	l->hash_len = o;
}

/* A CRI P line is kept until its F line; returns 0 with *p, *n the whole line to parse, 1 when
 * the line is only a part. */
static int fleetlog_cri_join(struct fleetlog_reader *r, const char **p, size_t *n, char tag)
{
	if (tag == 'F' && r->part_n == 0)
		return 0;
	fleetlog_grow(&r->part, &r->part_cap, r->part_n + *n + 1);
	memcpy(r->part + r->part_n, *p, *n);
	r->part_n += *n;
	if (tag == 'P')
		return 1;
	*p = r->part;
	*n = r->part_n;
	r->part_n = 0;
	return 0;
}

int fleetlog_reader_line(struct fleetlog_reader *r, const char *p, size_t n,
			 struct fleetlog_line *l)
{
	const char *text;
	size_t tn;
	uint64_t cri_ns = 0;
	char tag = 0;

	memset(l, 0, sizeof(*l));
	if (fleetlog_cri(p, n, &text, &tn, &cri_ns, &tag)) {
		p = text;
		n = tn;
		if (fleetlog_cri_join(r, &p, &n, tag))
			return 0;
	} else if (n && p[0] == '{') {
		fleetlog_docker_json(r, &p, &n, &cri_ns);
	}
	if (memchr(p, 0x1b, n))
		fleetlog_strip_ansi(r, &p, &n);
	if (r->fmt == FLEETLOG_AUTO) /* the file's format, as reported */
		r->fmt = fleetlog_detect(p, n);
	/* each line parsed as what it looks like: one file may mix formats (a run's stdout.log
	 * holds a node's console and its traces) */
	if (!fleetlog_parse_line(r->forced, p, n, r->ref_ns, l))
		return 0;
	if (!l->has_t && cri_ns) {
		l->t_ns = cri_ns;
		l->has_t = 1;
	}
	fleetlog_norm_hash(r, l);
	return 1;
}
