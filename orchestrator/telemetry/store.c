/* telemetry.db in SQLite (store.h). */
#include "orchestrator/telemetry/store.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tm_store {
	sqlite3 *db;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS pushes (id INTEGER PRIMARY KEY, t_ms INTEGER, created_at "
    "INTEGER, remote TEXT, method TEXT, path TEXT, status INTEGER, n_records INTEGER, "
    "n_errors INTEGER);"
    "CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, push_id INTEGER, t_ms "
    "INTEGER, created_at INTEGER, remote TEXT, type TEXT, req_id INTEGER, node_name TEXT, "
    "data TEXT);"
    "CREATE TABLE IF NOT EXISTS received_messages (id INTEGER PRIMARY KEY, record_id INTEGER, "
    "t_ms INTEGER, created_at INTEGER, chat_id TEXT, message_hash TEXT, message_id TEXT, "
    "message_type TEXT, message_size INTEGER, receiver_key_uid TEXT, peer_id TEXT, node_name "
    "TEXT, sent_at INTEGER, topic TEXT, pubsub_topic TEXT, status_version TEXT);"
    "CREATE TABLE IF NOT EXISTS sent_envelopes (id INTEGER PRIMARY KEY, record_id INTEGER, "
    "t_ms INTEGER, created_at INTEGER, message_hash TEXT, sent_at INTEGER, pubsub_topic TEXT, "
    "topic TEXT, sender_key_uid TEXT, peer_id TEXT, node_name TEXT, publish_method TEXT, "
    "status_version TEXT, UNIQUE(sent_at, message_hash, sender_key_uid, node_name));"
    "CREATE TABLE IF NOT EXISTS error_sending_envelopes (id INTEGER PRIMARY KEY, record_id "
    "INTEGER, t_ms INTEGER, created_at INTEGER, message_hash TEXT, sent_at INTEGER, "
    "pubsub_topic TEXT, topic TEXT, sender_key_uid TEXT, peer_id TEXT, node_name TEXT, "
    "publish_method TEXT, status_version TEXT, error TEXT, UNIQUE(sent_at, message_hash, "
    "sender_key_uid, node_name, error));"
    "CREATE TABLE IF NOT EXISTS received_envelopes (id INTEGER PRIMARY KEY, record_id INTEGER, "
    "t_ms INTEGER, created_at INTEGER, message_hash TEXT, sent_at INTEGER, pubsub_topic TEXT, "
    "topic TEXT, receiver_key_uid TEXT, peer_id TEXT, node_name TEXT, processing_error TEXT, "
    "status_version TEXT, UNIQUE(sent_at, message_hash, receiver_key_uid, node_name));"
    "CREATE INDEX IF NOT EXISTS rm_chat ON received_messages(chat_id, receiver_key_uid);"
    "CREATE INDEX IF NOT EXISTS rm_hash ON received_messages(message_hash);"
    "CREATE INDEX IF NOT EXISTS rm_topic ON received_messages(topic, created_at);";

static int db_fail(struct tm_store *st, struct fl_error *err, const char *what)
{
	return fl_err(err, "telemetry.db: %s: %s", what, sqlite3_errmsg(st->db));
}

static int exec(struct tm_store *st, const char *sql, struct fl_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fl_err(err, "telemetry.db: %s", msg ? msg : "exec failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

struct tm_store *tm_store_open(const char *dir, int64_t run_ms, int64_t unix_ms,
			       struct fl_error *err)
{
	cleanup_free char *path = fl_xasprintf("%s/telemetry.db", dir);
	struct tm_store *st = fl_xcalloc(1, sizeof(*st));
	char sql[256];

	/* a run directory's file: never opened through a link (issue 15, safefile.h) */
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK) {
		fl_err(err, "open %s: %s", path, st->db ? sqlite3_errmsg(st->db) : "no memory");
		tm_store_close(st);
		return NULL;
	}
	sqlite3_busy_timeout(st->db, 2000);
	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO meta VALUES ('clock_run_ms', '%lld'), ('clock_unix_ms', "
		 "'%lld'), ('server', 'status-im/telemetry dc55829+41ebc2f');",
		 (long long)run_ms, (long long)unix_ms);
	if (exec(st, schema, err) < 0 || exec(st, sql, err) < 0) {
		fl_wrap(err, "%s", path);
		tm_store_close(st);
		return NULL;
	}
	return st;
}

void tm_store_close(struct tm_store *st)
{
	if (!st)
		return;
	/* back to a rollback journal: the run directory keeps telemetry.db alone (no -wal, -shm) */
	sqlite3_exec(st->db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	sqlite3_close(st->db);
	free(st);
}

static const char *s0(const char *s)
{
	return s ? s : "";
}

/* Prepares sql and binds args described by fmt: 'i' int64, 's' string (NULL → ""). */
static sqlite3_stmt *prep(struct tm_store *st, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i')
			sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_text(s, i + 1, s0(va_arg(ap, const char *)), -1,
					  SQLITE_TRANSIENT);
	}
	return s;
}

/* Runs one statement; returns the changes (>= 0) or -1. */
static int run(struct tm_store *st, struct fl_error *err, const char *sql, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sqlite3_stmt *s = prep(st, sql, fmt, ap);
	va_end(ap);
	if (!s)
		return db_fail(st, err, "prepare");
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "insert");
	return sqlite3_changes(st->db);
}

int64_t tm_store_push_begin(struct tm_store *st, const struct tm_arrival *a, const char *method,
			    const char *path, struct fl_error *err)
{
	if (exec(st, "BEGIN", err) < 0)
		return -1;
	if (run(st, err,
		"INSERT INTO pushes (t_ms, created_at, remote, method, path, status, n_records, "
		"n_errors) VALUES (?, ?, ?, ?, ?, 0, 0, 0)",
		"iisss", a->t_ms, a->created_at, a->remote, method, path) < 0) {
		exec(st, "ROLLBACK", NULL);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

int tm_store_push_end(struct tm_store *st, int64_t push_id, int status, int n_records, int n_errors,
		      struct fl_error *err)
{
	if (run(st, err, "UPDATE pushes SET status = ?, n_records = ?, n_errors = ? WHERE id = ?",
		"iiii", (int64_t)status, (int64_t)n_records, (int64_t)n_errors, push_id) < 0) {
		exec(st, "ROLLBACK", NULL);
		return -1;
	}
	return exec(st, "COMMIT", err);
}

void tm_store_push_abort(struct tm_store *st)
{
	exec(st, "ROLLBACK", NULL);
}

static int64_t typed(struct tm_store *st, int64_t rid, const struct tm_arrival *a,
		     const struct tm_rec *r, struct fl_error *err)
{
	int n = 0;

	if (!strcmp(r->type, "ReceivedMessages"))
		n = run(st, err,
			"INSERT INTO received_messages (record_id, t_ms, created_at, chat_id, "
			"message_hash, message_id, message_type, message_size, receiver_key_uid, "
			"peer_id, node_name, sent_at, topic, pubsub_topic, status_version) VALUES "
			"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			"iiissssisssisss", rid, a->t_ms, a->created_at, r->chat_id, r->message_hash,
			r->message_id, r->message_type, r->message_size, r->key_uid, r->peer_id,
			r->node_name, r->sent_at, r->topic, r->pubsub_topic, r->status_version);
	else if (!strcmp(r->type, "SentEnvelope"))
		n = run(
		    st, err,
		    "INSERT OR IGNORE INTO sent_envelopes (record_id, t_ms, created_at, "
		    "message_hash, sent_at, pubsub_topic, topic, sender_key_uid, peer_id, "
		    "node_name, publish_method, status_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
		    "iiisisssssss", rid, a->t_ms, a->created_at, r->message_hash, r->sent_at,
		    r->pubsub_topic, r->topic, r->key_uid, r->peer_id, r->node_name,
		    r->publish_method, r->status_version);
	else if (!strcmp(r->type, "ErrorSendingEnvelope"))
		n = run(
		    st, err,
		    "INSERT OR IGNORE INTO error_sending_envelopes (record_id, t_ms, created_at, "
		    "message_hash, sent_at, pubsub_topic, topic, sender_key_uid, peer_id, "
		    "node_name, publish_method, status_version, error) VALUES "
		    "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    "iiisissssssss", rid, a->t_ms, a->created_at, r->message_hash, r->sent_at,
		    r->pubsub_topic, r->topic, r->key_uid, r->peer_id, r->node_name,
		    r->publish_method, r->status_version, r->error);
	else if (!strcmp(r->type, "ReceivedEnvelope"))
		n = run(st, err,
			"INSERT OR IGNORE INTO received_envelopes (record_id, t_ms, created_at, "
			"message_hash, sent_at, pubsub_topic, topic, receiver_key_uid, peer_id, "
			"node_name, processing_error, status_version) VALUES "
			"(?,?,?,?,?,?,?,?,?,?,?,?)",
			"iiisisssssss", rid, a->t_ms, a->created_at, r->message_hash, r->sent_at,
			r->pubsub_topic, r->topic, r->key_uid, r->peer_id, r->node_name,
			r->processing_error, r->status_version);
	else
		return 0;
	if (n < 0)
		return -1;
	return n ? sqlite3_last_insert_rowid(st->db) : 0;
}

int64_t tm_store_record(struct tm_store *st, int64_t push_id, const struct tm_arrival *a,
			const struct tm_rec *rec, struct fl_error *err)
{
	if (run(st, err,
		"INSERT INTO records (push_id, t_ms, created_at, remote, type, req_id, node_name, "
		"data) VALUES (?,?,?,?,?,?,?,?)",
		"iiississ", push_id, a->t_ms, a->created_at, a->remote, rec->type, rec->req_id,
		rec->node_name, rec->raw) < 0)
		return -1;
	return typed(st, sqlite3_last_insert_rowid(st->db), a, rec, err);
}

int tm_store_update_envelope(struct tm_store *st, const struct tm_rec *r, struct fl_error *err)
{
	return run(st, err,
		   "UPDATE received_envelopes SET processing_error = ? WHERE message_hash = ? AND "
		   "sent_at = ? AND pubsub_topic = ? AND topic = ? AND receiver_key_uid = ? AND "
		   "node_name = ?",
		   "ssissss", r->processing_error, r->message_hash, r->sent_at, r->pubsub_topic,
		   r->topic, r->key_uid, r->node_name);
}
