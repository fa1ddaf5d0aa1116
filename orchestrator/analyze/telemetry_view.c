/* status-im/telemetry's aggregator and our estimator over telemetry.db (telemetry_view.h). */
#include "orchestrator/analyze/telemetry_view.h"

#include "common/xalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *open_ro(const char *path, struct fl_error *err)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fl_err(err, "open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 2000);
	return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, int64_t a, int64_t b,
			     struct fl_error *err)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fl_err(err, "telemetry.db: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	return s;
}

/* Runs sql over [a, b] on the database at path, handing each row set to scan(s, out):
 * 0, or -1 + err naming the file. */
static int query_window(const char *path, const char *sql, int64_t a, int64_t b,
			int (*scan)(sqlite3_stmt *s, void *out), void *out, struct fl_error *err)
{
	sqlite3 *db = open_ro(path, err);
	sqlite3_stmt *s;
	int rc;

	if (!db)
		return -1; /* the message names the file */
	s = prepare(db, sql, a, b, err);
	rc = s ? scan(s, out) : -1;
	if (s && rc < 0)
		fl_err(err, "telemetry.db: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc < 0 ? fl_wrap(err, "%s", path) : 0;
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* One row per (chat, receiver) with rows in the window: its count and whether it passes
 * DidReceivedMessageBeforeAndAfterInChat (createdAt < startsAt and createdAt > endsAt). */
static const char agg_sql[] =
    "SELECT a.chat_id, a.receiver_key_uid, COUNT(*), "
    "EXISTS (SELECT 1 FROM received_messages b WHERE b.receiver_key_uid = a.receiver_key_uid "
    "AND b.chat_id = a.chat_id AND b.created_at < ?1), "
    "EXISTS (SELECT 1 FROM received_messages b WHERE b.receiver_key_uid = a.receiver_key_uid "
    "AND b.chat_id = a.chat_id AND b.created_at > ?2) "
    "FROM received_messages a WHERE a.sent_at BETWEEN ?1 AND ?2 "
    "GROUP BY a.chat_id, a.receiver_key_uid ORDER BY a.chat_id, a.receiver_key_uid";

struct group {
	long count;
	int pass;
};

/* Rch for one chat's receivers that passed (aggregator.go: max, Σ count, Σ(max − count)). */
static void chat_r(struct telemetry_chat_r *c, const struct group *g, size_t n)
{
	long max = 0;

	for (size_t i = 0; i < n; i++)
		if (g[i].pass && g[i].count > max)
			max = g[i].count;
	for (size_t i = 0; i < n; i++) {
		if (!g[i].pass)
			continue;
		c->receivers++;
		c->messages += g[i].count;
		c->missing += max - g[i].count;
	}
	c->r = 1.0 - (double)c->missing / (double)c->messages;
}

static void add_chat(struct telemetry_agg *out, const char *chat, struct group *g, size_t n)
{
	int any = 0;

	for (size_t i = 0; i < n; i++)
		any |= g[i].pass;
	if (!any)
		return;
	out->chats = fl_xreallocarray(out->chats, out->n_chats + 1, sizeof(*out->chats));
	struct telemetry_chat_r *c = &out->chats[out->n_chats++];
	memset(c, 0, sizeof(*c));
	snprintf(c->chat_id, sizeof(c->chat_id), "%s", chat);
	chat_r(c, g, n);
}

static int agg_scan(sqlite3_stmt *s, void *arg)
{
	struct telemetry_agg *out = arg;
	char chat[128] = "", cur[128];
	struct group *g = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_text(cur, sizeof(cur), s, 0);
		if (n && strcmp(cur, chat)) {
			add_chat(out, chat, g, n);
			n = 0;
		}
		snprintf(chat, sizeof(chat), "%s", cur);
		g = fl_xreallocarray(g, n + 1, sizeof(*g));
		g[n].count = sqlite3_column_int64(s, 2);
		g[n].pass = sqlite3_column_int(s, 3) && sqlite3_column_int(s, 4);
		out->rows_in_window += g[n].count;
		if (g[n].pass)
			out->rows_counted += g[n].count;
		else
			out->receivers_excluded++;
		n++;
	}
	if (n)
		add_chat(out, chat, g, n);
	free(g);
	return rc == SQLITE_DONE ? 0 : -1;
}

int telemetry_view_aggregate(const char *db_path, int64_t starts_at, int64_t ends_at,
			     struct telemetry_agg *out, struct fl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->starts_at = starts_at;
	out->ends_at = ends_at;
	if (query_window(db_path, agg_sql, starts_at, ends_at, agg_scan, out, err) < 0) {
		telemetry_agg_free(out);
		return -1;
	}
	/* R = (R(0) + … + R(n)) / len(Rch) */
	for (size_t i = 0; i < out->n_chats; i++)
		out->r += out->chats[i].r;
	out->has_r = out->n_chats > 0;
	if (out->has_r)
		out->r /= (double)out->n_chats;
	return 0;
}

int telemetry_view_aggregator_run(const char *db_path, int64_t run_at, int64_t d_s,
				  struct telemetry_agg *out, struct fl_error *err)
{
	int64_t ends_at = run_at - d_s;

	return telemetry_view_aggregate(db_path, ends_at - d_s, ends_at, out, err);
}

void telemetry_agg_free(struct telemetry_agg *a)
{
	free(a->chats);
	a->chats = NULL;
	a->n_chats = 0;
}

/* Attempts in the window, one per hash, grouped by destination topic: attempts, failed sends,
 * delivered, the chat id receivers reported on that topic, and whether any of them pushed a
 * ReceivedMessages that arrived from the window's start on. */
static const char est_sql[] =
    "WITH att AS (SELECT message_hash AS h, MIN(topic) AS topic, MIN(err) AS err FROM ("
    " SELECT message_hash, topic, 0 AS err FROM sent_envelopes WHERE sent_at BETWEEN ?1 AND ?2"
    " UNION ALL"
    " SELECT message_hash, topic, 1 FROM error_sending_envelopes WHERE sent_at BETWEEN ?1 AND ?2"
    ") GROUP BY message_hash) "
    "SELECT att.topic, COUNT(*), SUM(att.err), "
    "SUM(EXISTS (SELECT 1 FROM received_messages r WHERE r.message_hash = att.h)), "
    "(SELECT r.chat_id FROM received_messages r WHERE r.topic = att.topic ORDER BY r.id "
    "LIMIT 1), "
    "EXISTS (SELECT 1 FROM received_messages r WHERE r.topic = att.topic AND r.created_at >= ?1) "
    "FROM att GROUP BY att.topic ORDER BY att.topic";

static int est_scan(sqlite3_stmt *s, void *arg)
{
	struct telemetry_est *out = arg;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->topics =
		    fl_xreallocarray(out->topics, out->n_topics + 1, sizeof(*out->topics));
		struct telemetry_est_chat *t = &out->topics[out->n_topics++];
		memset(t, 0, sizeof(*t));
		copy_text(t->topic, sizeof(t->topic), s, 0);
		t->attempts = sqlite3_column_int64(s, 1);
		long errors = sqlite3_column_int64(s, 2);
		t->delivered = sqlite3_column_int64(s, 3);
		copy_text(t->chat_id, sizeof(t->chat_id), s, 4);
		t->r = (double)t->delivered / (double)t->attempts;
		out->sent += t->attempts - errors;
		out->send_errors += errors;
		out->delivered += t->delivered;
		out->receivers_silent += !sqlite3_column_int(s, 5);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

int telemetry_view_estimate(const char *db_path, int64_t starts_at, int64_t ends_at,
			    struct telemetry_est *out, struct fl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->starts_at = starts_at;
	out->ends_at = ends_at;
	if (query_window(db_path, est_sql, starts_at, ends_at, est_scan, out, err) < 0) {
		telemetry_est_free(out);
		return -1;
	}
	long attempts = out->sent + out->send_errors;
	out->has_r = attempts > 0;
	if (out->has_r)
		out->r = (double)out->delivered / (double)attempts;
	return 0;
}

void telemetry_est_free(struct telemetry_est *e)
{
	free(e->topics);
	e->topics = NULL;
	e->n_topics = 0;
}

int telemetry_view_run_to_unix(const char *db_path, int64_t run_ms, int64_t *unix_s,
			       struct fl_error *err)
{
	int64_t pair[2];

	if (telemetry_view_clock_pair(db_path, &pair[0], &pair[1], err) < 0)
		return -1;
	int64_t ms = pair[1] + (run_ms - pair[0]);
	*unix_s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	return 0;
}

int telemetry_view_clock_pair(const char *db_path, int64_t *run_ms, int64_t *unix_ms,
			      struct fl_error *err)
{
	sqlite3 *db = open_ro(db_path, err);
	sqlite3_stmt *s = NULL;
	int64_t pair[2] = {0, 0};
	int found = 0;

	if (!db)
		return -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT key, CAST(value AS INTEGER) FROM meta WHERE key IN "
			       "('clock_run_ms', 'clock_unix_ms')",
			       -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *k = (const char *)sqlite3_column_text(s, 0);
			pair[k && !strcmp(k, "clock_unix_ms")] = sqlite3_column_int64(s, 1);
			found++;
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	if (found != 2)
		return fl_err(err, "%s: no clock pair in table meta", db_path);
	*run_ms = pair[0];
	*unix_ms = pair[1];
	return 0;
}

int telemetry_view_window(const char *db_path, int64_t from_ms, int64_t to_ms,
			  struct telemetry_window *out, struct fl_error *err)
{
	int64_t a, b;

	memset(out, 0, sizeof(*out));
	out->from_ms = from_ms;
	out->to_ms = to_ms;
	if (telemetry_view_run_to_unix(db_path, from_ms, &a, err) < 0 ||
	    telemetry_view_run_to_unix(db_path, to_ms, &b, err) < 0)
		return -1;
	if (telemetry_view_aggregate(db_path, a, b, &out->agg, err) < 0)
		return -1;
	if (telemetry_view_estimate(db_path, a, b, &out->est, err) < 0) {
		telemetry_agg_free(&out->agg);
		return -1;
	}
	return 0;
}

void telemetry_window_free(struct telemetry_window *w)
{
	telemetry_agg_free(&w->agg);
	telemetry_est_free(&w->est);
}

static const char counts_rows_sql[] =
    "SELECT node_name, type, COUNT(*) FROM records GROUP BY node_name, type "
    "ORDER BY node_name, type";
/* "IP:port" or "[IPv6]:port" → the address without the port */
static const char counts_clients_sql[] =
    "SELECT rtrim(rtrim(remote, '0123456789'), ':') AS ip, COUNT(*), "
    "SUM(status BETWEEN 200 AND 299), SUM(status = 429), "
    "SUM(status BETWEEN 400 AND 499 AND status != 429) FROM pushes GROUP BY ip ORDER BY ip";

static int counts_scan(sqlite3 *db, struct telemetry_counts *out, struct fl_error *err)
{
	sqlite3_stmt *s = prepare(db, counts_rows_sql, 0, 0, err);
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->rows = fl_xreallocarray(out->rows, out->n_rows + 1, sizeof(*out->rows));
		struct telemetry_node_type *r = &out->rows[out->n_rows++];
		copy_text(r->node, sizeof(r->node), s, 0);
		copy_text(r->type, sizeof(r->type), s, 1);
		r->records = sqlite3_column_int64(s, 2);
		out->records += r->records;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || !(s = prepare(db, counts_clients_sql, 0, 0, err)))
		return rc != SQLITE_DONE ? fl_err(err, "telemetry.db: %s", sqlite3_errmsg(db)) : -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->clients =
		    fl_xreallocarray(out->clients, out->n_clients + 1, sizeof(*out->clients));
		struct telemetry_client *c = &out->clients[out->n_clients++];
		copy_text(c->ip, sizeof(c->ip), s, 0);
		c->pushes = sqlite3_column_int64(s, 1);
		c->accepted = sqlite3_column_int64(s, 2);
		c->refused = sqlite3_column_int64(s, 3);
		c->rejected = sqlite3_column_int64(s, 4);
		out->pushes += c->pushes;
		out->refused += c->refused;
		out->rejected += c->rejected;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : fl_err(err, "telemetry.db: %s", sqlite3_errmsg(db));
}

int telemetry_view_counts(const char *db_path, struct telemetry_counts *out, struct fl_error *err)
{
	memset(out, 0, sizeof(*out));
	sqlite3 *db = open_ro(db_path, err);
	if (!db)
		return -1;
	int rc = counts_scan(db, out, err);
	sqlite3_close(db);
	if (rc < 0) {
		telemetry_counts_free(out);
		return fl_wrap(err, "%s", db_path);
	}
	return 0;
}

static int chat_nodes_scan(sqlite3_stmt *s, void *arg)
{
	struct {
		struct telemetry_chat_node *v;
		size_t n;
	} *o = arg;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o->v = fl_xreallocarray(o->v, o->n + 1, sizeof(*o->v));
		copy_text(o->v[o->n].chat_id, sizeof(o->v[o->n].chat_id), s, 0);
		copy_text(o->v[o->n].node, sizeof(o->v[o->n].node), s, 1);
		o->n++;
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

int telemetry_view_chat_nodes(const char *db_path, struct telemetry_chat_node **out, size_t *n,
			      struct fl_error *err)
{
	struct {
		struct telemetry_chat_node *v;
		size_t n;
	} o = {NULL, 0};
	int rc = query_window(db_path,
			      "SELECT chat_id, node_name FROM received_messages WHERE ?1 = ?2 "
			      "GROUP BY chat_id, node_name ORDER BY chat_id, node_name",
			      0, 0, chat_nodes_scan, &o, err);

	if (rc < 0) {
		free(o.v);
		o.v = NULL, o.n = 0;
	}
	*out = o.v;
	*n = o.n;
	return rc;
}

static int span_scan(sqlite3_stmt *s, void *arg)
{
	int64_t *v = arg;

	if (sqlite3_step(s) != SQLITE_ROW)
		return -1;
	v[0] = sqlite3_column_int64(s, 0);
	v[1] = sqlite3_column_int64(s, 1);
	return 0;
}

int telemetry_view_received_span(const char *db_path, int64_t *first_ms, int64_t *last_ms,
				 struct fl_error *err)
{
	int64_t v[2] = {0, 0};

	if (query_window(db_path,
			 "SELECT COALESCE(MIN(t_ms), 0), COALESCE(MAX(t_ms), 0) FROM "
			 "received_messages WHERE ?1 = ?2",
			 0, 0, span_scan, v, err) < 0)
		return -1;
	*first_ms = v[0];
	*last_ms = v[1];
	return 0;
}

void telemetry_counts_free(struct telemetry_counts *c)
{
	free(c->rows);
	free(c->clients);
	memset(c, 0, sizeof(*c));
}
