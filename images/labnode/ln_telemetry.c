/* status-go's telemetry client in labnode (ln_telemetry.h says what is followed). */
#include "images/labnode/ln_telemetry.h"

#include "common/log.h"
#include "common/xalloc.h"
#include "images/labnode/ln_frame.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_sha256.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#define TM_PERIOD_MS 10000	/* NewClient: sendPeriod 10 * time.Second */
#define TM_BACKOFF_CAP_MS 60000 /* "Stop the growing if the timer is > 60s" */
#define TM_RETRY_MAX 5000	/* MaxRetryCache */
#define TM_TIMEOUT_MS 60000	/* http.Client{Timeout: time.Minute} */
#define TM_SOCKS 16

struct tm_sock {
	struct ln_io io;
	struct ln_telemetry *t;
	int used; /* slots are reused, never freed mid-batch (a stale event finds used == 0) */
};

struct ln_telemetry {
	struct ln_node *n;
	char url[300];
	char chat_id[48];  /* this node's partitioned topic, as its receive filter's ChatID */
	char key_uid[67];  /* "0x" + sha256 of the public key */
	json_t *cache;	   /* telemetryCache */
	json_t *retry;	   /* telemetryRetryCache */
	long next_id;	   /* nextId */
	int64_t period_ms; /* the configured period; cur_ms grows on failures */
	int64_t cur_ms;
	struct ln_timer send_timer, curl_timer;
	CURLM *multi;
	CURL *easy; /* the push in flight, or NULL */
	struct curl_slist *headers;
	char *body;
	char *resp;
	size_t resp_len;
	struct tm_sock socks[TM_SOCKS];
	unsigned long pushes, failures;
};

/* --- records (client.go Process*) --- */

static json_t *common_body(struct ln_telemetry *t)
{
	/* commonPostBody(); labnode has no device type, status-go leaves it "" unless set */
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "nodeName", t->n->cfg.name, "peerId",
			 t->n->peer_id, "statusVersion", "labnode/" FL_VERSION, "deviceType", "",
			 "timestamp", (json_int_t)time(NULL));
}

/* processAndPushTelemetry: {id: nextId, telemetry_type, telemetry_data}, then nextId++. */
static void enqueue(struct ln_telemetry *t, const char *type, json_t *data)
{
	json_array_append_new(t->cache, json_pack("{s:i, s:s, s:o}", "id", (int)t->next_id,
						  "telemetry_type", type, "telemetry_data", data));
	t->next_id++;
}

/* ProcessSentEnvelope / ProcessErrorSendingEnvelope (error != NULL). */
static void envelope_record(struct ln_telemetry *t, const char *pubsub, const struct ln_msg *m,
			    const char *method, const char *error)
{
	uint8_t hash[LN_HASH_LEN];
	char hex[67];
	json_t *o = common_body(t);

	ln_msg_hash(pubsub, m, hash);
	ln_msg_hash_hex(hash, hex);
	json_object_set_new(o, "messageHash", json_string(hex));
	/* uint32(Message().GetTimestamp() / int64(time.Second)) */
	json_object_set_new(o, "sentAt", json_integer((uint32_t)(m->timestamp / 1000000000LL)));
	json_object_set_new(o, "pubsubTopic", json_string(pubsub));
	json_object_set_new(o, "topic", json_string(m->content_topic));
	json_object_set_new(o, "senderKeyUID", json_string(t->key_uid));
	json_object_set_new(o, "publishMethod", json_string(method));
	if (error)
		json_object_set_new(o, "error", json_string(error));
	enqueue(t, error ? "ErrorSendingEnvelope" : "SentEnvelope", o);
}

/* The application message type status-go would report (protobuf ApplicationMetadataMessage
 * type names): contact requests and group messages travel as CHAT_MESSAGE there too. */
static const char *message_type(const char *kind)
{
	if (kind && !strcmp(kind, "join-request"))
		return "COMMUNITY_REQUEST_TO_JOIN";
	return "CHAT_MESSAGE";
}

void ln_telemetry_received(struct ln_node *n, const struct ln_msg *m, const char *hash_hex,
			   json_t *j)
{
	struct ln_telemetry *t = n->telemetry;
	const char *type = json_string_value(json_object_get(j, "t"));
	const char *id = json_string_value(json_object_get(j, "id"));

	if (!t || !type || strcmp(type, "m") || !id)
		return; /* acks carry no application message: nothing for ReceivedMessages */
	/* ProcessReceivedMessages: one request per envelope, an array of its messages */
	json_t *o = common_body(t);
	json_object_set_new(o, "chatId", json_string(t->chat_id));
	json_object_set_new(o, "messageHash", json_string(hash_hex));
	json_object_set_new(o, "messageId", json_string(id));
	json_object_set_new(o, "sentAt", json_integer((uint32_t)(m->timestamp / 1000000000LL)));
	json_object_set_new(o, "pubsubTopic", json_string(n->cfg.pubsub));
	json_object_set_new(o, "topic", json_string(m->content_topic));
	json_object_set_new(o, "messageType",
			    json_string(message_type(json_string_value(json_object_get(j, "k")))));
	json_object_set_new(o, "receiverKeyUID", json_string(t->key_uid));
	json_object_set_new(o, "messageSize", json_integer((json_int_t)m->payload_len));
	enqueue(t, "ReceivedMessages", json_pack("[o]", o));
}

void ln_telemetry_published(struct ln_node *n, const char *pubsub, const struct ln_msg *m)
{
	if (!n->telemetry)
		return;
	int ok = ln_node_count_up(n, 1) > 0;
	envelope_record(n->telemetry, pubsub, m, "Relay",
			ok ? NULL : "not enough peers to publish");
}

struct push_wait {
	char pubsub[LN_TOPIC_MAX];
	struct ln_msg m;
};

/* The service peer's answer to a lightpush (fields NULL: timed out or the peer went away). */
static void lightpush_done(struct ln_node *n, void *arg, const struct ln_field *f, int nf)
{
	struct push_wait *w = arg;
	char desc[300] = "request timed out";
	uint64_t code = 504;
	struct fl_error err;

	if (f) {
		ln_frame_u64(f, nf, LN_T_CODE, &code, &err);
		ln_frame_str(f, nf, LN_T_DESC, desc, sizeof(desc), 0, &err);
	}
	if (n->telemetry)
		envelope_record(n->telemetry, w->pubsub, &w->m, "LightPush",
				code == 200 ? NULL : desc);
	ln_msg_free(&w->m);
	free(w);
}

void ln_telemetry_lightpush(struct ln_node *n, const char *pubsub, const struct ln_msg *m)
{
	if (!n->telemetry) {
		ln_relay_lightpush(n, pubsub, m, NULL, NULL);
		return;
	}
	struct push_wait *w = fl_xcalloc(1, sizeof(*w));
	snprintf(w->pubsub, sizeof(w->pubsub), "%s", pubsub);
	ln_msg_copy(&w->m, m);
	if (ln_relay_lightpush(n, pubsub, m, lightpush_done, w) < 0) {
		envelope_record(n->telemetry, pubsub, m, "LightPush", "no service peer to push to");
		ln_msg_free(&w->m);
		free(w);
	}
}

/* --- the push (client.go Start / pushTelemetryRequest) --- */

static void schedule(struct ln_telemetry *t)
{
	ln_loop_timer_at(t->n->loop, &t->send_timer, ln_loop_now_ms() + t->cur_ms);
}

static size_t collect(char *d, size_t sz, size_t nm, void *arg)
{
	struct ln_telemetry *t = arg;
	size_t k = sz * nm;

	t->resp = fl_xrealloc(t->resp, t->resp_len + k + 1);
	memcpy(t->resp + t->resp_len, d, k);
	t->resp_len += k;
	t->resp[t->resp_len] = '\0';
	return k;
}

/* json.NewDecoder(res.Body).Decode(&[]map[string]interface{}): null or an array of objects. */
static int response_decodes(const char *body, size_t len)
{
	json_t *j =
	    body ? json_loadb(body, len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL) : NULL;
	size_t i;
	json_t *v;
	int ok = j && (json_is_null(j) || json_is_array(j));

	if (ok && json_is_array(j))
		json_array_foreach(j, i, v)
			ok &= json_is_object(v) || json_is_null(v);
	json_decref(j);
	return ok;
}

static void push_done(struct ln_telemetry *t, CURLcode rc)
{
	long status = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	int ok = rc == CURLE_OK && response_decodes(t->resp, t->resp_len) && status == 201;

	curl_multi_remove_handle(t->multi, t->easy);
	curl_easy_cleanup(t->easy);
	t->easy = NULL;
	free(t->body);
	t->body = NULL;
	if (ok) {
		json_array_clear(t->retry); /* c.telemetryRetryCache = nil */
		t->cur_ms = t->period_ms;
	} else {
		t->failures++;
		log_warn("telemetry push failed (%s, HTTP %ld), %zu records kept for retry",
			 rc == CURLE_OK ? "answered" : curl_easy_strerror(rc), status,
			 json_array_size(t->retry));
		if (t->cur_ms < TM_BACKOFF_CAP_MS)
			t->cur_ms *= 2;
	}
	free(t->resp);
	t->resp = NULL;
	t->resp_len = 0;
	schedule(t); /* timer.Reset(sendPeriod) after the push returned */
}

static void check_done(struct ln_telemetry *t)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(t->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == t->easy)
			push_done(t, msg->data.result);
}

static void push(struct ln_telemetry *t, json_t *batch)
{
	size_t n = json_array_size(t->retry);
	char url[320];

	/* the cut happens before the batch is added, so the cache may hold 5000 + a batch */
	for (size_t i = 0; n > TM_RETRY_MAX && i < n - TM_RETRY_MAX; i++)
		json_array_remove(t->retry, 0);
	json_array_extend(t->retry, batch);
	t->body = json_dumps(t->retry, JSON_COMPACT);
	snprintf(url, sizeof(url), "%s/record-metrics", t->url);
	t->easy = curl_easy_init();
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)TM_TIMEOUT_MS);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	t->pushes++;
	curl_multi_add_handle(t->multi, t->easy);
}

static void send_tick(struct ln_timer *tm)
{
	struct ln_telemetry *t = tm->arg;
	json_t *batch = t->cache;

	t->cache = json_array();
	if (json_array_size(batch) > 0)
		push(t, batch); /* schedule() when it ends */
	else
		schedule(t);
	json_decref(batch);
}

/* --- curl's sockets and timer on ln_loop --- */

static void on_sock(struct ln_io *io, uint32_t events)
{
	struct tm_sock *k = io->arg;
	struct ln_telemetry *t = k->t;
	int running, flags = 0;

	if (!k->used)
		return;
	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(t->multi, io->fd, flags, &running);
	check_done(t);
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct ln_telemetry *t = userp;
	struct tm_sock *k = socketp;
	uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);

	if (what == CURL_POLL_REMOVE) {
		if (k) {
			ln_loop_del(t->n->loop, &k->io);
			k->used = 0;
		}
		return 0;
	}
	if (k)
		return ln_loop_mod(t->n->loop, &k->io, ev) < 0 ? -1 : 0;
	for (int i = 0; i < TM_SOCKS && !k; i++)
		if (!t->socks[i].used)
			k = &t->socks[i];
	if (!k)
		return -1;
	*k = (struct tm_sock){.io = {.fd = s, .cb = on_sock, .arg = k}, .t = t, .used = 1};
	if (ln_loop_add(t->n->loop, &k->io, ev, NULL) < 0) {
		k->used = 0;
		return -1;
	}
	curl_multi_assign(t->multi, s, k);
	return 0;
}

static void curl_timeout(struct ln_timer *tm)
{
	struct ln_telemetry *t = tm->arg;
	int running;

	curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(t);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct ln_telemetry *t = userp;

	if (timeout_ms < 0)
		ln_loop_timer_cancel(t->n->loop, &t->curl_timer);
	else
		ln_loop_timer_at(t->n->loop, &t->curl_timer, ln_loop_now_ms() + timeout_ms);
	return 0;
}

/* --- identity --- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

/* transport.PartitionedTopic (status-go protocol/transport/topic.go): "contact-discovery-" +
 * (public key X mod 5000). One-to-one messages reach a node through the filter of this chat
 * id (SendPrivateWithPartitioned), so its ReceivedMessages carry it. X is the 64 hex digits
 * after "0x04" in labnode's key. */
static void identity(struct ln_telemetry *t)
{
	const char *k = t->n->pubkey + 4;
	uint8_t bytes[65], md[32];
	unsigned long x = 0;
	size_t nb = 0;

	for (int i = 0; i < 64 && k[i]; i++)
		x = (x * 16 + (unsigned long)hexval(k[i])) % 5000;
	snprintf(t->chat_id, sizeof(t->chat_id), "contact-discovery-%lu", x);
	for (const char *p = t->n->pubkey + 2; p[0] && p[1] && nb < sizeof(bytes); p += 2)
		bytes[nb++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
	ln_sha256(bytes, nb, md);
	t->key_uid[0] = '0';
	t->key_uid[1] = 'x';
	for (int i = 0; i < 32; i++)
		snprintf(t->key_uid + 2 + 2 * i, 3, "%02x", md[i]);
}

int ln_telemetry_start(struct ln_node *n, struct fl_error *err)
{
	const char *u = n->cfg.telemetry_url;

	if (!u || !*u)
		return 0;
	if (strncmp(u, "http://", 7) || strlen(u) >= 300)
		return fl_err(err, "--telemetry-url: expected http://ADDR:PORT, got \"%s\"", u);
	struct ln_telemetry *t = fl_xcalloc(1, sizeof(*t));
	t->n = n;
	snprintf(t->url, sizeof(t->url), "%s", u);
	for (size_t l = strlen(t->url); l > 0 && t->url[l - 1] == '/'; l--)
		t->url[l - 1] = '\0'; /* strings.TrimRight(serverURL, "/") */
	t->period_ms = n->cfg.telemetry_period_ms > 0 ? n->cfg.telemetry_period_ms : TM_PERIOD_MS;
	t->cur_ms = t->period_ms;
	t->cache = json_array();
	t->retry = json_array();
	curl_global_init(CURL_GLOBAL_DEFAULT); /* labnode is single-threaded: safe here */
	t->headers = curl_slist_append(NULL, "Content-Type: application/json");
	t->multi = fl_xnonnull(curl_multi_init());
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
	t->send_timer.cb = send_tick;
	t->send_timer.arg = t;
	t->curl_timer.cb = curl_timeout;
	t->curl_timer.arg = t;
	identity(t);
	n->telemetry = t;
	schedule(t);
	log_info("telemetry to %s every %lld ms, chat id %s, key uid %s", t->url,
		 (long long)t->period_ms, t->chat_id, t->key_uid);
	return 0;
}

/* Like status-go on ctx.Done(): what is cached and not yet accepted is dropped. */
void ln_telemetry_stop(struct ln_node *n)
{
	struct ln_telemetry *t = n->telemetry;

	if (!t)
		return;
	n->telemetry = NULL;
	ln_loop_timer_cancel(n->loop, &t->send_timer);
	ln_loop_timer_cancel(n->loop, &t->curl_timer);
	if (t->easy) {
		curl_multi_remove_handle(t->multi, t->easy);
		curl_easy_cleanup(t->easy);
	}
	for (int i = 0; i < TM_SOCKS; i++)
		if (t->socks[i].used)
			ln_loop_del(n->loop, &t->socks[i].io);
	curl_multi_cleanup(t->multi);
	curl_slist_free_all(t->headers);
	if (json_array_size(t->cache) || json_array_size(t->retry))
		log_info("telemetry: %zu cached and %zu unaccepted records dropped at exit",
			 json_array_size(t->cache), json_array_size(t->retry));
	json_decref(t->cache);
	json_decref(t->retry);
	free(t->body);
	free(t->resp);
	free(t);
}
