/* Telemetry pushes as status-go's telemetry client does them (--telemetry-url).
 *
 * Followed: status-im/status-go c72f491 (2024-10-23) telemetry/client.go, with its callers
 * wakuv2/message_publishing.go (SentEnvelope after a successful publish, ErrorSendingEnvelope
 * after a failed one) and protocol/messenger.go (ReceivedMessages for every envelope whose
 * messages were decoded). Records wait in a cache; every send period (10 s) the cache is
 * appended to a retry cache and the whole retry cache is POSTed to URL/record-metrics; a push
 * that fails (no answer, an answer that is not a JSON array, any status but 201 — 429
 * included) keeps the retry cache for the next push and doubles the period while it is under
 * 60 s; a 201 clears it (records the server refused inside a 201 are gone). The retry cache is
 * cut to its newest 5000 records before a batch is added (MaxRetryCache). A period with no
 * new record pushes nothing, not even the retry cache. Nothing is pushed at shutdown.
 *
 * The push runs on labnode's epoll loop through curl's multi interface (sockets and timers
 * on ln_loop): the loop never blocks; as in status-go one push is in flight at a time (60 s
 * timeout, http.Client{Timeout: time.Minute}) and the next period starts when it ends. */
#ifndef LN_TELEMETRY_H
#define LN_TELEMETRY_H

#include "common/error.h"
#include "images/labnode/ln_msg.h"

#include <jansson.h>

struct ln_node;

/* Starts the client when cfg.telemetry_url is set (else does nothing). */
int ln_telemetry_start(struct ln_node *n, struct fl_error *err);
void ln_telemetry_stop(struct ln_node *n);
/* Hook after a relay publish of m (first send or republish): SentEnvelope, or
 * ErrorSendingEnvelope "not enough peers to publish" when no relay peer is connected (go-waku
 * WakuRelay.Publish refuses then). */
void ln_telemetry_published(struct ln_node *n, const char *pubsub, const struct ln_msg *m);
/* Replaces ln_relay_lightpush(n, pubsub, m, NULL, NULL) in a light node's publish: the same
 * request, and SentEnvelope or ErrorSendingEnvelope from the service peer's answer. */
void ln_telemetry_lightpush(struct ln_node *n, const char *pubsub, const struct ln_msg *m);
/* Hook for every new envelope on the node's direct-message topic (payload parsed in j):
 * a message ("t":"m") gives a ReceivedMessages record. */
void ln_telemetry_received(struct ln_node *n, const struct ln_msg *m, const char *hash_hex,
			   json_t *j);

#endif
