/* JSON helpers shared by the drivers (edge code: the only driver files that see jansson), and
 * the pure parsers of the real nodes' answer shapes, exposed for the unit tests. */
#ifndef FL_DRIVER_JSON_H
#define FL_DRIVER_JSON_H

#include "orchestrator/drivers/driver.h"

#include <jansson.h>

/* Interprets a GET /health answer. nwaku shapes: before mid-2024 a text body "Node is healthy"
 * (200); 2024 {"nodeHealth":"Ready","protocolsHealth":[{"Relay":"Ready"}]}; current
 * {"nodeHealth":"READY","connectionStatus":..,"protocolsHealth":[..]}. 1 ready, 0 not ready,
 * -1 when the body is none of these. */
int driver_json_health_parse(long status, const char *body);
/* GET /health through driver_http + driver_json_health_parse. */
int driver_json_health(struct driver_node *n, struct fl_error *err);

/* Calls a JSON-RPC 2.0 method at POST / (params is stolen). *result gets a new reference to
 * "result"; an "error" member becomes err. */
int driver_json_rpc(struct driver_node *n, const char *method, json_t *params, json_t **result,
		    struct fl_error *err);

/* Publishes text as a raw Waku message (kind relay: POST /relay/v1/auto/messages; lightpush:
 * POST /lightpush/v3/message) on content topic driver_json_topic(kind, NULL). */
int driver_json_publish(struct driver_node *n, const char *kind, const char *text,
			struct driver_sent *out, struct fl_error *err);

/* POSTs the raw message of kind (relay / lightpush) to path: the message itself, or for a
 * lightpush path {"message": …}. *status gets the HTTP status (0 when none came); -1 + err on
 * none or a status ≥ 300. */
int driver_json_publish_at(struct driver_node *n, const char *kind, const char *text,
			   const char *path, long *status, struct fl_error *err);

/* The content topic faultlab uses: "/faultlab/1/<kind>/proto", or per recipient for direct
 * kinds "/faultlab/1/<kind>-<to>/proto". */
void driver_json_topic(const char *kind, const char *to, char *buf, size_t len);

/* Collects the 0x hashes of a GET /store/v3/messages answer into hashes[max][80]; both the
 * 2024 shape (messageHash in base64) and the current one (0x hex) are accepted. Sets *cursor
 * (caller frees; NULL when the last page). Returns the count or -1 when malformed. */
int driver_json_store_hashes(const char *body, char (*hashes)[80], int max, char **cursor);

/* Counts connected peers in a GET /admin/v1/peers answer: 2024 shape
 * [{"multiaddr":..,"protocols":[{"protocol":..,"connected":true}]}], current shape
 * [{"multiaddr":..,"protocols":["/vac/waku/relay/2.0.0"],"connected":"Connected"|true,..}].
 * Returns the count or -1 when malformed. */
int driver_json_peers_connected(const char *body);

/* The message of a MessengerResponse (status-go protocol/messenger_response.go: `messages`
 * is built from a Go map, so its order is random) whose "text" is text; NULL when none is.
 * Borrowed reference. */
json_t *driver_json_message_by_text(json_t *result, const char *text);
/* Fills out from that message: its "id", and "hash" when the node gave one (labnode). -1 + err
 * when no message carries text. */
int driver_json_sent_from(const struct driver_node *n, const char *method, json_t *result,
			  const char *text, struct driver_sent *out, struct fl_error *err);

/* The minor version of an nwaku GET /debug/v1/version text ("v0.36.0", "v0.35.1-rc.0-3-gabc"
 * → 36, 35); -1 when the body is not "v0.<minor>…" (go-waku answers JSON there). */
int driver_waku_version_minor(const char *body);

/* Base64 of len bytes into a new string (caller frees). */
char *driver_json_b64(const void *data, size_t len);

#endif
