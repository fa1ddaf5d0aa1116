/* The telemetry view of a run: what status-im/telemetry's aggregator would report from the
 * records in telemetry.db, and a better estimator a service could compute from the same
 * records without ground truth. Plain structs; the renderer writes them.
 *
 * Aggregator (telemetry/aggregator.go and lib/metrics/receivedmessage.go of status-im/telemetry,
 * unchanged in substance from 7ae26a8 (2021-11-29) to b1f3622): for a window
 * [starts_at, ends_at] (Unix s; Run(d) at runAt uses ends_at = runAt − d, starts_at =
 * ends_at − d), take every ReceivedMessages row with sentAt BETWEEN starts_at AND ends_at; keep
 * a row only if its receiver has, in the same chat, a row with createdAt > ends_at and a row
 * with createdAt < starts_at (createdAt: the server's arrival time); count rows per (chat,
 * receiver); Rch = 1 − Σ(max − count) / Σ count over the chat's receivers; R = mean of Rch.
 * No row left: no R ("no record found, finishing early").
 *
 * Estimator (ours, docs/TELEMETRY.md): every envelope the senders reported in the window
 * (SentEnvelope and ErrorSendingEnvelope by hash, sentAt in the window) is one attempt; it is
 * delivered when some ReceivedMessages row carries its hash (received at any time). A
 * receiver that went silent, or whose pushes never arrived, counts as missing instead of
 * vanishing from the figure. R_est = delivered / attempts. */
#ifndef FL_ANALYZE_TELEMETRY_VIEW_H
#define FL_ANALYZE_TELEMETRY_VIEW_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

struct telemetry_chat_r {
	char chat_id[128];
	double r;      /* Rch */
	int receivers; /* receivers counted */
	long messages; /* Σ count */
	long missing;  /* Σ (max − count) */
};

struct telemetry_agg {
	int64_t starts_at, ends_at; /* Unix s, both inclusive for sentAt */
	int has_r; /* 0: no receiver passed the rule (the aggregator stores nothing) */
	double r;  /* mean of Rch */
	struct telemetry_chat_r *chats; /* sorted by chat id */
	size_t n_chats;
	long rows_in_window;	/* ReceivedMessages rows with sentAt in the window */
	long rows_counted;	/* of those, rows of receivers that passed the rule */
	int receivers_excluded; /* (chat, receiver) pairs with rows in the window that failed it */
};

struct telemetry_est_chat {
	char chat_id[128]; /* the receiver's chat id, learnt from its ReceivedMessages on the topic;
			      "" when no receiver ever reported on that topic */
	char topic[256];
	long attempts, delivered;
	double r;
};

struct telemetry_est {
	int64_t starts_at, ends_at;
	long sent;	  /* distinct hashes of SentEnvelope in the window */
	long send_errors; /* distinct hashes of ErrorSendingEnvelope in the window, not also sent */
	long delivered;	  /* attempts whose hash some receiver reported */
	int has_r;	  /* 0 when there was no attempt */
	double r;	  /* delivered / (sent + send_errors) */
	int receivers_silent; /* topics with attempts in the window whose receivers sent no
				 ReceivedMessages with createdAt >= starts_at */
	struct telemetry_est_chat *topics; /* per destination topic, sorted */
	size_t n_topics;
};

/* What the collector received: records per node name and type, requests per client IP and
 * how many were refused (429) or rejected (other 4xx). */
struct telemetry_node_type {
	char node[64]; /* the records' nodeName */
	char type[32];
	long records;
};

struct telemetry_client {
	char ip[48]; /* the pushes' client address, port dropped */
	long pushes, accepted, refused, rejected;
};

struct telemetry_counts {
	struct telemetry_node_type *rows; /* sorted by node, type */
	size_t n_rows;
	struct telemetry_client *clients; /* sorted by ip */
	size_t n_clients;
	long records, pushes, refused, rejected;
};

int telemetry_view_counts(const char *db_path, struct telemetry_counts *out, struct fl_error *err);
void telemetry_counts_free(struct telemetry_counts *c);

/* Both figures over a window given on the run's clock (ms; converted with the collector's
 * clock pair, floor to seconds as time.Unix() does). */
struct telemetry_window {
	int64_t from_ms, to_ms;
	struct telemetry_agg agg;
	struct telemetry_est est;
};

int telemetry_view_window(const char *db_path, int64_t from_ms, int64_t to_ms,
			  struct telemetry_window *out, struct fl_error *err);
void telemetry_window_free(struct telemetry_window *w);

/* The aggregator over [starts_at, ends_at] from db_path (telemetry.db). */
int telemetry_view_aggregate(const char *db_path, int64_t starts_at, int64_t ends_at,
			     struct telemetry_agg *out, struct fl_error *err);
/* aggregator.go Run(d) at run_at: the window [run_at − 2d, run_at − d]. */
int telemetry_view_aggregator_run(const char *db_path, int64_t run_at, int64_t d_s,
				  struct telemetry_agg *out, struct fl_error *err);
void telemetry_agg_free(struct telemetry_agg *a);
/* The estimator over [starts_at, ends_at]. */
int telemetry_view_estimate(const char *db_path, int64_t starts_at, int64_t ends_at,
			    struct telemetry_est *out, struct fl_error *err);
void telemetry_est_free(struct telemetry_est *e);
/* The collector's clock pair (meta table): converts a time on the run's clock (ms) to Unix
 * seconds, floor, as the aggregator's time.Unix() does. */
int telemetry_view_run_to_unix(const char *db_path, int64_t run_ms, int64_t *unix_s,
			       struct fl_error *err);
/* The collector's clock pair: its clock (ms) and Unix ms at the same instant. */
int telemetry_view_clock_pair(const char *db_path, int64_t *run_ms, int64_t *unix_ms,
			      struct fl_error *err);

/* Which node reported each chat id (ReceivedMessages nodeName): a DM chat id is one
 * receiver's partitioned topic, so the report can put the truth of that receiver beside its
 * Rch. Sorted by chat id, then node. */
struct telemetry_chat_node {
	char chat_id[128];
	char node[64];
};
int telemetry_view_chat_nodes(const char *db_path, struct telemetry_chat_node **out, size_t *n,
			      struct fl_error *err);
/* The first and last arrival (t_ms, the collector's clock) of a ReceivedMessages row; 0 when
 * there is none. */
int telemetry_view_received_span(const char *db_path, int64_t *first_ms, int64_t *last_ms,
				 struct fl_error *err);

#endif
