/* The lab's telemetry collector: status-im/telemetry's HTTP surface (routes.h), its per-client
 * rate limit (ratelimit.h), every request and record stored in DIR/telemetry.db (store.h).
 *
 * It serves a listening TCP socket the caller made (the run makes it inside its hub network
 * namespace, so the collector is reachable from every node and nothing outside the lab) and
 * runs on its own thread (libmicrohttpd's internal epoll thread): the caller's event loop is
 * never blocked. Arrival times are on the caller's clock (clock.now_ms), e.g. the run's. All
 * database work happens on that one thread, so telemetry.db has one writer.
 *
 *   int fd = rt->ops->socket(rt, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); // hub namespace
 *   collector_bind(fd, "10.213.7.1", 8090, &err);                  // the bridge's address
 *   struct collector *c = collector_start(fd, run_dir, &clock, &err);
 *   ...
 *   collector_stop(c);                                          // closes fd and the db */
#ifndef FL_TELEMETRY_COLLECTOR_H
#define FL_TELEMETRY_COLLECTOR_H

#include "common/error.h"

#include <stdint.h>

struct collector;

struct collector_clock {
	int64_t (*now_ms)(void *arg); /* NULL: CLOCK_MONOTONIC ms */
	void *arg;
};

struct collector_stats {
	uint64_t requests;	/* every HTTP request answered */
	uint64_t refused;	/* 429 */
	uint64_t bad;		/* 400, 404, 405, 413 */
	uint64_t records;	/* records stored */
	uint64_t record_errors; /* per-record errors in 201 answers (unknown type, bad field) */
};

/* Binds fd (an AF_INET stream socket made anywhere, e.g. inside the hub namespace by the
 * runtime's socket op) to addr:port and listens. */
int collector_bind(int fd, const char *addr, int port, struct fl_error *err);
/* A listening TCP socket on addr:port (IPv4 literal; port 0 = any), in the calling thread's
 * network namespace. Returns the fd or -1. */
int collector_listen(const char *addr, int port, struct fl_error *err);
/* The port a listening socket is bound to, or -1. */
int collector_port(int fd);
/* Starts serving listen_fd (ownership passes to the collector, even on failure) and opens
 * dir/telemetry.db. clock may be NULL. Returns NULL on error. */
struct collector *collector_start(int listen_fd, const char *dir,
				  const struct collector_clock *clock, struct fl_error *err);
/* Stops the thread, closes the socket and the database. NULL is fine. */
void collector_stop(struct collector *c);
/* A snapshot of the counters (thread-safe). */
void collector_get_stats(struct collector *c, struct collector_stats *out);

#endif
