/* The telemetry server's per-client rate limit, as status-im/telemetry does it.
 *
 * telemetry/server.go (status-im/telemetry dc55829, unchanged at b1f3622) wraps every routed
 * handler in rateLimit(): GetLimiter(r.RemoteAddr).Allow(), else 429. The limiter is
 * golang.org/x/time/rate with RATE_LIMIT = 10 per second and BURST = 1: a token bucket that
 * starts full, holds at most one token and refills 10 tokens a second; a refused request
 * takes nothing. r.RemoteAddr is Go's "IP:port" of the TCP connection, so the key is the
 * client's address *and port* (one bucket per connection; a client reusing its keep-alive
 * connection, as Go's http.Client does, keeps one bucket). telemetry/ratelimiter.go sweeps
 * every hour (DEFAULT_CLEANUP_TIME) the buckets unused for 2 s.
 *
 * Times are passed in (monotonic ns) so tests are exact; not thread-safe (the collector
 * calls it from its one server thread). */
#ifndef FL_TELEMETRY_RATELIMIT_H
#define FL_TELEMETRY_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define TM_RATE_PER_S 10.0
#define TM_RATE_BURST 1.0
#define TM_RATE_SWEEP_NS (3600ULL * 1000000000ULL)
#define TM_RATE_IDLE_NS (2ULL * 1000000000ULL)

struct tm_bucket {
	char key[64];
	double tokens;
	uint64_t last_ns;      /* last time tokens were taken */
	uint64_t last_used_ns; /* last request, allowed or not (lastUsed in ratelimiter.go) */
};

struct tm_ratelimit {
	double per_s, burst;
	struct tm_bucket *b;
	size_t n, cap;
	uint64_t last_sweep_ns;
};

void tm_ratelimit_init(struct tm_ratelimit *rl, double per_s, double burst, uint64_t now_ns);
void tm_ratelimit_free(struct tm_ratelimit *rl);
/* 1 when the request of client key at now_ns may pass, 0 when it gets 429. */
int tm_ratelimit_allow(struct tm_ratelimit *rl, const char *key, uint64_t now_ns);

#endif
