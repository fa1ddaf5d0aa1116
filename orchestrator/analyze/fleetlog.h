/* `faultlab analyze --logs DIR`: fleet logs of nwaku (chronicles text or JSON), go-waku (zap
 * console or JSON, go-log's caller column), status-go (geth terminal format) or labnode
 * (nwaku's text keys), with no run at all. Every line that names a message hash is a
 * sighting of that hash by the node that wrote the file. Lines may carry ANSI colours and a
 * Kubernetes CRI prefix; hashes may come shortened (nwaku's shortLog, 0x4c32...b826) or
 * without 0x, and are joined to their full hash when only one full hash fits.
 *
 * A node is a file at the top of DIR (its name without .log/.txt/.json/.jsonl) or a folder
 * in DIR (every file in it, e.g. nodes/<n>/stdout.log). The report is a message × node table:
 * when each node first saw each hash, who never saw it, and how long it took to propagate
 * (last first-sighting − first first-sighting). */
#ifndef FL_FLEETLOG_H
#define FL_FLEETLOG_H

#include "common/error.h"
#include "orchestrator/analyze/amap.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum fleetlog_format {
	FLEETLOG_AUTO,
	FLEETLOG_NWAKU,	     /* chronicles text */
	FLEETLOG_NWAKU_JSON, /* chronicles JSON (--log-format=JSON) */
	FLEETLOG_GOWAKU,     /* zap console: time \t level \t logger \t msg \t {fields} */
	FLEETLOG_GOWAKU_JSON,
	FLEETLOG_LABNODE,
	FLEETLOG_GETH, /* status-go: go-ethereum's TerminalFormat, "DEBUG[10-24|08:59:24.058|…]" */
};

struct fleetlog_opts {
	const char *format; /* NULL: detect per file */
	const char *out;    /* report path or folder; default DIR/logs-report.json */
	int quiet;
};

/* What one log line says about a message. */
struct fleetlog_line {
	const char *hash;
	size_t hash_len;
	const char *event; /* "received relay message", "waku.relay received", … */
	size_t event_len;
	uint64_t t_ns; /* since the epoch (or the node's clock); valid when has_t */
	int has_t;
	int short_hash; /* hash is nwaku's shortLog form "0x4c32...b826" */
};

/* The reading state of one file: the format, the reference time that gives year-less times
 * (geth's "10-24|08:59:24.058") their year, and scratch space for lines that are rewritten
 * (ANSI colours stripped, CRI partial lines joined) and for the normalized hash. */
struct fleetlog_reader {
	enum fleetlog_format forced, fmt;
	uint64_t ref_ns; /* 0: now */
	char *buf, *part;
	size_t buf_cap, part_n, part_cap;
	char hash[72];
};

struct fleetlog_node {
	const char *name;
	enum fleetlog_format format; /* of its first file */
	size_t lines, hash_lines;
};

struct fleetlog_hash {
	const char *hash;
	uint64_t *first_ns; /* per node; 0 = never seen */
	uint64_t min_ns, max_ns;
	size_t seen_by;
	const char *origin_event; /* the event of the earliest sighting */
	int short_form;		  /* hash is a shortLog form, joined after reading when it can */
};

struct fleetlog {
	struct amap_arena arena;
	struct fleetlog_node *nodes;
	size_t n_nodes;
	struct fleetlog_hash *hashes;
	size_t n_hashes, cap_hashes;
	struct amap by_hash;
	size_t misses; /* (hash, node) pairs never seen */
};

int fleetlog_format_parse(const char *s, enum fleetlog_format *out);
const char *fleetlog_format_name(enum fleetlog_format f);
/* "auto, nwaku, …": every name fleetlog_format_parse takes, for messages. */
const char *fleetlog_format_names(void);
/* Guesses a line's format; FLEETLOG_AUTO when the line says nothing (blank, plain text). */
enum fleetlog_format fleetlog_detect(const char *line, size_t len);
/* Parses one clean line (no colour, no CRI prefix) in format f (AUTO: detect it); year-less
 * times take the year that puts them nearest ref_ns (0: now). 1 when it names a hash, else 0.
 * The hash is returned as written. */
int fleetlog_parse_line(enum fleetlog_format f, const char *line, size_t len, uint64_t ref_ns,
			struct fleetlog_line *out);

/* fleetlog_read.c */
void fleetlog_reader_init(struct fleetlog_reader *r, enum fleetlog_format forced, uint64_t ref_ns);
void fleetlog_reader_free(struct fleetlog_reader *r);
/* One raw line of a file: CRI prefix (its time kept for a line without one), ANSI colours,
 * then fleetlog_parse_line, then the hash normalized into r->hash (lowercase, 0x-prefixed;
 * shortLog forms flagged). 1 when it names a hash, else 0. */
int fleetlog_reader_line(struct fleetlog_reader *r, const char *line, size_t len,
			 struct fleetlog_line *out);
/* The short form "0xabcd...wxyz" of a full 0x hash into out[14]; -1 if h is not 0x + 64 hex. */
int fleetlog_short_of(const char *h, size_t n, char out[14]);

/* Reads every log of dir. format NULL = detect per file. NULL + err on failure. */
struct fleetlog *fleetlog_load(const char *dir, const char *format, struct fl_error *err);
void fleetlog_free(struct fleetlog *fl);
int fleetlog_write_json(const struct fleetlog *fl, const char *path, struct fl_error *err);
void fleetlog_print(const struct fleetlog *fl, FILE *f);
/* load + print + write (the verb). */
int fleetlog_analyze_dir(const char *dir, const struct fleetlog_opts *o, struct fl_error *err);

#endif
