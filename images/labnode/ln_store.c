#include "images/labnode/ln_store.h"

#include "common/xalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ln_store {
	sqlite3 *db;
	sqlite3_stmt *put;
	long retention;
	long count;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS messages (hash BLOB PRIMARY KEY, pubsub TEXT NOT NULL,"
    " ctopic TEXT NOT NULL, ts INTEGER NOT NULL, version INTEGER NOT NULL, meta BLOB,"
    " payload BLOB, ephemeral INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS messages_ts ON messages (ts, hash);";

static int db_err(struct ln_store *s, struct fl_error *err, const char *what)
{
	return fl_err(err, "%s: %s", what, sqlite3_errmsg(s->db));
}

static long count_rows(struct ln_store *s)
{
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM messages", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

struct ln_store *ln_store_open(const char *path, long retention, struct fl_error *err)
{
	struct ln_store *s = fl_xcalloc(1, sizeof(*s));
	char *msg = NULL;

	s->retention = retention;
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		db_err(s, err, "open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 2000);
	if (sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		fl_err(err, "create schema: %s", msg);
		sqlite3_free(msg);
		goto fail;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR IGNORE INTO messages (hash, pubsub, ctopic, ts, version,"
			       " meta, payload, ephemeral) VALUES (?,?,?,?,?,?,?,?)",
			       -1, &s->put, NULL) != SQLITE_OK) {
		db_err(s, err, "prepare insert");
		goto fail;
	}
	s->count = count_rows(s);
	return s;
fail:
	fl_wrap(err, "store %s", path);
	ln_store_close(s);
	return NULL;
}

void ln_store_close(struct ln_store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->put);
	sqlite3_close(s->db);
	free(s);
}

long ln_store_count(struct ln_store *s)
{
	return s->count;
}

/* Drops the oldest messages beyond the retention limit, in batches of a tenth of it so the
 * delete runs rarely. */
static void enforce_retention(struct ln_store *s)
{
	sqlite3_stmt *st;
	long slack = s->retention / 10;

	if (!s->retention || s->count <= s->retention + slack)
		return;
	if (sqlite3_prepare_v2(s->db,
			       "DELETE FROM messages WHERE hash IN (SELECT hash FROM messages"
			       " ORDER BY ts, hash LIMIT ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, s->count - s->retention);
	sqlite3_step(st);
	sqlite3_finalize(st);
	s->count = count_rows(s);
}

int ln_store_put(struct ln_store *s, const char *pubsub, const struct ln_msg *m,
		 const uint8_t hash[LN_HASH_LEN], struct fl_error *err)
{
	sqlite3_stmt *st = s->put;
	int changed;

	sqlite3_reset(st);
	sqlite3_bind_blob(st, 1, hash, LN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pubsub, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->content_topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, m->timestamp);
	sqlite3_bind_int64(st, 5, m->version);
	if (m->meta_len)
		sqlite3_bind_blob(st, 6, m->meta, (int)m->meta_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_blob(st, 7, m->payload ? (const void *)m->payload : "", (int)m->payload_len,
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 8, m->ephemeral);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_err(s, err, "store insert");
	changed = sqlite3_changes(s->db) > 0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (changed) {
		s->count++;
		enforce_retention(s);
	}
	return changed;
}

/* Looks up the cursor's timestamp. Returns 0, or -1 when the cursor is unknown. */
static int cursor_ts(struct ln_store *s, const uint8_t *cursor, int64_t *ts)
{
	sqlite3_stmt *st;
	int r = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT ts FROM messages WHERE hash = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_blob(st, 1, cursor, LN_HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ts = sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

static void append_in_list(char *sql, size_t cap, const char *col, int n)
{
	size_t len = strlen(sql);

	snprintf(sql + len, cap - len, " AND %s IN (", col);
	for (int i = 0; i < n; i++) {
		len = strlen(sql);
		snprintf(sql + len, cap - len, i ? ",?" : "?");
	}
	len = strlen(sql);
	snprintf(sql + len, cap - len, ")");
}

/* Builds the SELECT for q; the binds follow in build order (see bind_query). */
static void build_sql(const struct ln_store_query *q, int asc, char *sql, size_t cap)
{
	size_t len;

	snprintf(sql, cap,
		 "SELECT hash, pubsub, ctopic, ts, version, meta, payload, ephemeral"
		 " FROM messages WHERE 1");
	len = strlen(sql);
	if (q->pubsub[0])
		len += (size_t)snprintf(sql + len, cap - len, " AND pubsub = ?");
	if (q->start_ns)
		len += (size_t)snprintf(sql + len, cap - len, " AND ts >= ?");
	if (q->end_ns)
		len += (size_t)snprintf(sql + len, cap - len, " AND ts <= ?");
	if (q->has_cursor)
		snprintf(sql + len, cap - len,
			 asc ? " AND (ts > ? OR (ts = ? AND hash > ?))"
			     : " AND (ts < ? OR (ts = ? AND hash < ?))");
	if (q->n_ctopics)
		append_in_list(sql, cap, "ctopic", q->n_ctopics);
	if (q->n_hashes)
		append_in_list(sql, cap, "hash", q->n_hashes);
	len = strlen(sql);
	snprintf(sql + len, cap - len,
		 asc ? " ORDER BY ts, hash LIMIT ?"
		     : " ORDER BY ts DESC,"
		       " hash DESC LIMIT ?");
}

static void bind_query(sqlite3_stmt *st, const struct ln_store_query *q, int64_t cts, int limit)
{
	int i = 1;

	if (q->pubsub[0])
		sqlite3_bind_text(st, i++, q->pubsub, -1, SQLITE_STATIC);
	if (q->start_ns)
		sqlite3_bind_int64(st, i++, q->start_ns);
	if (q->end_ns)
		sqlite3_bind_int64(st, i++, q->end_ns);
	if (q->has_cursor) {
		sqlite3_bind_int64(st, i++, cts);
		sqlite3_bind_int64(st, i++, cts);
		sqlite3_bind_blob(st, i++, q->cursor, LN_HASH_LEN, SQLITE_STATIC);
	}
	for (int k = 0; k < q->n_ctopics; k++)
		sqlite3_bind_text(st, i++, q->ctopics[k], -1, SQLITE_STATIC);
	for (int k = 0; k < q->n_hashes; k++)
		sqlite3_bind_blob(st, i++, q->hashes[k], LN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, i, limit);
}

static void row_to_entry(sqlite3_stmt *st, struct ln_store_entry *e, int include_data)
{
	const void *p;
	int n;

	memset(e, 0, sizeof(*e));
	memcpy(e->hash, sqlite3_column_blob(st, 0), LN_HASH_LEN);
	snprintf(e->pubsub, sizeof(e->pubsub), "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(e->msg.content_topic, sizeof(e->msg.content_topic), "%s",
		 (const char *)sqlite3_column_text(st, 2));
	e->msg.timestamp = sqlite3_column_int64(st, 3);
	e->msg.version = (uint32_t)sqlite3_column_int64(st, 4);
	n = sqlite3_column_bytes(st, 5);
	if (n > 0 && n <= LN_META_MAX) {
		memcpy(e->msg.meta, sqlite3_column_blob(st, 5), (size_t)n);
		e->msg.meta_len = (size_t)n;
	}
	e->msg.ephemeral = sqlite3_column_int(st, 7);
	if (include_data) {
		p = sqlite3_column_blob(st, 6);
		ln_msg_set_payload(&e->msg, p, (size_t)sqlite3_column_bytes(st, 6));
	}
}

int ln_store_query(struct ln_store *s, const struct ln_store_query *q, struct ln_store_page *out,
		   struct fl_error *err)
{
	char sql[4096];
	sqlite3_stmt *st;
	int64_t cts = 0;
	int page = q->page_size <= 0 ? LN_STORE_PAGE_DEFAULT : q->page_size, rc;

	if (page > LN_STORE_PAGE_MAX)
		page = LN_STORE_PAGE_MAX;
	memset(out, 0, sizeof(*out));
	if (q->has_cursor && cursor_ts(s, q->cursor, &cts) < 0)
		return fl_err(err, "unknown cursor");
	build_sql(q, q->ascending, sql, sizeof(sql));
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(s, err, "store query");
	bind_query(st, q, cts, page + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == page) { /* one more row exists: the page gets a cursor */
			memcpy(out->cursor, out->e[out->n - 1].hash, LN_HASH_LEN);
			out->has_cursor = 1;
			break;
		}
		row_to_entry(st, &out->e[out->n++], q->include_data);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ln_store_page_free(out);
		return fl_err(err, "store query: %s", sqlite3_errstr(rc));
	}
	return 0;
}

void ln_store_page_free(struct ln_store_page *p)
{
	for (int i = 0; i < p->n; i++)
		ln_msg_free(&p->e[i].msg);
	p->n = 0;
}
