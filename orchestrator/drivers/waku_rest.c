/* The waku-rest driver: nwaku and go-waku through their REST API only. Direct kinds have no
 * meaning to a bare Waku node, so a dm (contact-request, join-request, group member) from A to
 * B is a relay message on B's content topic "/faultlab/1/<kind>-<B>/proto"; every node
 * subscribes to its own topics when its identity is read. Such nodes write no events file, so
 * receipts() polls GET /relay/v1/auto/messages/<topic> and appends the docs/FORMATS.md lines (t_ms
 * is the poll time: latency is as coarse as the poll period). */
#include "orchestrator/drivers/driver.h"
#include "common/xalloc.h"
#include "orchestrator/drivers/driver_json.h"

#include "common/cleanup.h"
#include "common/fltime.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

/* The direct kinds' per-recipient topics, then the raw kinds' shared ones (a lightpush
 * message arrives on its own topic: without it every lightpush receipt was missed). */
static const char *const waku_rest_kinds[] = {"dm",    "contact-request", "join-request",
					      "group", "relay",		  "lightpush"};
#define WAKU_REST_NTOPICS 6
#define WAKU_REST_NDIRECT 4

/* nwaku's REST relay cache (waku/waku_api/message_cache.nim @ v0.36.0:
 * DefaultMessageCacheCapacity = 50, all topics together; --rest-relay-cache-capacity): a
 * poll that returns this many may have missed older ones the cache dropped. */
#define WAKU_REST_CACHE 50

struct waku_rest_priv {
	char multiaddr[512];
	char topics[WAKU_REST_NTOPICS][160];
	int minor;  /* nwaku 0.<minor> from /debug/v1/version, -1 unknown (go-waku) */
	int lp_v1;  /* 1: POST /lightpush/v1/message (nwaku < v0.36, go-waku) */
	int warned; /* the cache warning was given */
};

static struct waku_rest_priv *waku_rest_priv(struct driver_node *n)
{
	if (!n->priv) {
		struct waku_rest_priv *p = fl_xcalloc(1, sizeof(*p));

		p->minor = -1;
		n->priv = p;
	}
	return n->priv;
}

/* Takes the first listen address, with a wildcard IP replaced by the node's address. */
static int waku_rest_multiaddr(struct driver_node *n, json_t *info, struct fl_error *err)
{
	struct waku_rest_priv *p = waku_rest_priv(n);
	const char *a =
	    json_string_value(json_array_get(json_object_get(info, "listenAddresses"), 0));
	const char *id;

	if (!p || !a)
		return fl_err(err, "%s: /debug/v1/info has no listenAddresses", n->name);
	if (strncmp(a, "/ip4/0.0.0.0/", 13) == 0)
		snprintf(p->multiaddr, sizeof(p->multiaddr), "/ip4/%s/%s", n->address, a + 13);
	else
		snprintf(p->multiaddr, sizeof(p->multiaddr), "%s", a);
	id = strstr(p->multiaddr, "/p2p/");
	snprintf(n->key, sizeof(n->key), "%.190s", id ? id + 5 : p->multiaddr);
	return 0;
}

static int waku_rest_subscribe(struct driver_node *n, struct fl_error *err)
{
	struct waku_rest_priv *p = waku_rest_priv(n);
	json_auto_t *arr = json_array();
	cleanup_free char *body = NULL;

	for (int i = 0; i < WAKU_REST_NTOPICS; i++) {
		driver_json_topic(waku_rest_kinds[i], i >= WAKU_REST_NDIRECT ? NULL : n->name,
				  p->topics[i], sizeof(p->topics[i]));
		json_array_append_new(arr, json_string(p->topics[i]));
	}
	body = json_dumps(arr, JSON_COMPACT);
	return driver_http_post(n, "/relay/v1/auto/subscriptions", body, "subscribe", err);
}

/* nwaku's GET /debug/v1/version is its git version as text ("v0.36.0", "v0.35.1-3-gabc")
 * (waku/waku_api/rest/debug/handlers.nim @ v0.31.0–v0.37.0); go-waku's route answers its
 * /debug/v1/info JSON instead (cmd/waku/server/rest/debug.go: ROUTE_DEBUG_VERSIONV1 =
 * "/debug/v1/info"), so its version stays unknown. */
static void waku_rest_version(struct driver_node *n)
{
	struct waku_rest_priv *p = waku_rest_priv(n);
	struct driver_http_reply r;
	struct fl_error err = {0};

	if (driver_http(n, "GET", "/debug/v1/version", NULL, &r, &err) < 0)
		return;
	p->minor = r.status == 200 ? driver_waku_version_minor(r.body) : -1;
	p->lp_v1 = p->minor >= 0 && p->minor < 36;
	free(r.body);
}

static int waku_rest_identity(struct driver_node *n, struct fl_error *err)
{
	struct driver_http_reply r;
	json_auto_t *info = NULL;

	if (driver_http(n, "GET", "/debug/v1/info", NULL, &r, err) < 0)
		return -1;
	info = json_loads(r.body, 0, NULL);
	free(r.body);
	if (!json_is_object(info))
		return fl_err(err, "%s: /debug/v1/info: not a JSON object", n->name);
	if (waku_rest_multiaddr(n, info, err) < 0)
		return -1;
	waku_rest_version(n);
	return waku_rest_subscribe(n, err);
}

static int waku_rest_connect(struct driver_node *n, const struct driver_node *peer,
			     struct fl_error *err)
{
	const struct waku_rest_priv *pp = peer->priv;
	json_auto_t *arr = NULL;
	cleanup_free char *body = NULL;
	char what[sizeof(pp->multiaddr) + 32];

	if (!pp || !pp->multiaddr[0])
		return fl_err(err, "%s: peer %s has no known multiaddr", n->name, peer->name);
	arr = json_pack("[s]", pp->multiaddr);
	body = json_dumps(arr, JSON_COMPACT);
	snprintf(what, sizeof(what), "POST /admin/v1/peers %s", pp->multiaddr);
	return driver_http_post(n, "/admin/v1/peers", body, what, err);
}

static int waku_rest_publish_to(struct driver_node *n, const char *topic, const char *text,
				struct fl_error *err)
{
	cleanup_free char *b64 = driver_json_b64(text, strlen(text));
	json_auto_t *msg =
	    json_pack("{s:s,s:s,s:i,s:I}", "payload", b64 ? b64 : "", "contentTopic", topic,
		      "version", 0, "timestamp", (json_int_t)fltime_real_ns());
	cleanup_free char *body = json_dumps(msg, JSON_COMPACT);

	if (!body)
		return fl_err(err, "%s: cannot encode message", n->name);
	return driver_http_post(n, "/relay/v1/auto/messages", body, "POST /relay/v1/auto/messages",
				err);
}

/* POST /lightpush/v3/message from nwaku v0.36.0 (waku/waku_api/rest/lightpush/handlers.nim),
 * /lightpush/v1/message before it and on go-waku (cmd/waku/server/rest/lightpush_rest.go);
 * a node of unknown version that has no v3 route (404) is asked at v1 from then on. */
static int waku_rest_lightpush(struct driver_node *n, const char *text, struct fl_error *err)
{
	struct waku_rest_priv *p = waku_rest_priv(n);
	long status = 0;

	if (!p->lp_v1) {
		if (driver_json_publish_at(n, "lightpush", text, "/lightpush/v3/message", &status,
					   err) == 0)
			return 0;
		if (p->minor >= 0 || (status != 404 && status != 405))
			return -1;
		p->lp_v1 = 1;
	}
	return driver_json_publish_at(n, "lightpush", text, "/lightpush/v1/message", &status, err);
}

static int waku_rest_send(struct driver_node *n, const char *kind, struct driver_node *const *to,
			  size_t nto, const char *text, struct driver_sent *out,
			  struct fl_error *err)
{
	char topic[256];

	memset(out, 0, sizeof(*out));
	if (strcmp(kind, "lightpush") == 0)
		return waku_rest_lightpush(n, text, err);
	if (strcmp(kind, "relay") == 0)
		return driver_json_publish(n, kind, text, out, err);
	for (size_t i = 0; i < nto; i++) {
		driver_json_topic(kind, to[i]->name, topic, sizeof(topic));
		if (waku_rest_publish_to(n, topic, text, err) < 0)
			return -1;
	}
	return 0;
}

/* A poll that came back with as many messages as the cache holds may have lost some. */
static void waku_rest_cache_check(struct driver_node *n, long polled)
{
	struct waku_rest_priv *p = n->priv;

	if (polled < WAKU_REST_CACHE || p->warned)
		return;
	p->warned = 1;
	snprintf(n->warning, sizeof(n->warning),
		 "%s: one receipt poll returned %ld messages, the size of nwaku's REST relay cache "
		 "(50 by default, all topics together): older ones were dropped unseen. Raise "
		 "--rest-relay-cache-capacity or lower the rate",
		 n->name, polled);
}

static int waku_rest_receipts(struct driver_node *n, FILE *events, struct fl_error *err)
{
	int total = 0;

	if (!n->priv)
		return 0;
	if (__atomic_load_n(&n->stale, __ATOMIC_ACQUIRE)) {
		/* restarted: nwaku's subscriptions and cache died with it (and its peer id may be
		 * new): read it again and subscribe again once it answers */
		if (waku_rest_identity(n, err) < 0)
			return 0;
		__atomic_store_n(&n->stale, 0, __ATOMIC_RELEASE);
	}
	n->polled_raw = 0;
	for (int t = 0; t < WAKU_REST_NTOPICS; t++) {
		struct waku_rest_priv *p = n->priv;
		int c = driver_poll_raw(n, "/relay/v1/auto/messages/", p->topics[t],
					waku_rest_kinds[t], events, err);

		if (c < 0)
			return -1;
		total += c;
	}
	/* half the cache in one poll: ask for the fastest polling (a big lab polls each node
	 * once a second otherwise) */
	n->poll_soon = n->polled_raw >= WAKU_REST_CACHE / 2;
	waku_rest_cache_check(n, n->polled_raw);
	return total;
}

static void waku_rest_release(struct driver_node *n)
{
	free(n->priv);
	n->priv = NULL;
}

const struct driver_ops driver_waku_rest_ops = {
    .name = "waku-rest",
    .health = driver_json_health,
    .identity = waku_rest_identity,
    .connect = waku_rest_connect,
    .send = waku_rest_send,
    .receipts = waku_rest_receipts,
    .release = waku_rest_release,
};
