/* Node lifecycle, identity, connections and peer management (dial, back-off, keep-alive,
 * sleep detection). Protocol handling beyond HELLO/PING/PONG lives in ln_relay.c. */
#include "images/labnode/ln_node.h"

#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "images/labnode/ln_backoff.h"
#include "images/labnode/ln_dm.h"
#include "images/labnode/ln_sha256.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX (64u << 20)
/* A peer's buffers keep up to this much storage between bursts; beyond, an emptied buffer is
 * freed (a burst of 50 000 relayed 1 KiB messages left 62 MiB of RSS behind). */
#define BUF_KEEP (256u << 10)

static void pending_expire(struct ln_node *n, int64_t now, struct ln_peer *gone);

static const char *const role_names[] = {"relay", "service", "light"};

void ln_config_defaults(struct ln_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "labnode");
	snprintf(c->listen, sizeof(c->listen), "0.0.0.0:60000");
	snprintf(c->rest, sizeof(c->rest), "0.0.0.0:8645");
	snprintf(c->pubsub, sizeof(c->pubsub), "%s", LN_DEFAULT_PUBSUB);
	c->traces = 1;
	c->keepalive_ms = 10000;
	c->keepalive_timeout_ms = 30000;
	c->backoff_base_ms = 1000;
	c->backoff_max_ms = 60000;
	c->seen_ttl_ms = 120000;
	c->request_timeout_ms = 5000;
	c->store_retention = 100000;
	c->mvds_base_ms = 30000;
	c->mvds_max_ms = 3600000;
	c->mvds_max_retries = 8;
	c->recovery_interval_ms = 60000;
	c->recovery_window_ms = 3600000;
	c->recovery_lag_ms = 20000;
	c->sentcheck_interval_ms = 3000;
	c->sentcheck_expiry_ms = 10000;
	c->dm_pending_max = 10000;
	c->dm_pending_bytes = 16u << 20;
	c->mvds_expiry_ms = 24 * 3600000LL;
	c->rest_max_conns = 256;
	c->rest_idle_timeout_ms = 30000;
}

static void sha256_parts(const void *a, size_t alen, const void *b, size_t blen, uint8_t *out)
{
	struct ln_sha256 c;

	ln_sha256_init(&c);
	ln_sha256_update(&c, a, alen);
	ln_sha256_update(&c, b, blen);
	ln_sha256_final(&c, out);
}

/* A secp256k1-looking identity: the private key from the seed (or --key, or the OS), the
 * "public key" 0x04‖X‖Y as two hashes of it, and a libp2p-looking peer id. */
static int node_identity(struct ln_node *n, struct fl_error *err)
{
	uint8_t x[32], y[32], id[32];
	char hex[33];

	if (n->cfg.key_hex[0]) {
		if (ln_buf_unhex(n->cfg.key_hex, n->privkey, 32) != 32)
			return fl_err(err, "--key: expected 64 hex digits");
	} else if (n->cfg.has_seed) {
		uint8_t s[8];
		for (int i = 0; i < 8; i++)
			s[i] = (uint8_t)(n->cfg.seed >> (56 - 8 * i));
		sha256_parts("labnode-identity", 16, s, 8, n->privkey);
	} else if (getrandom(n->privkey, 32, 0) != 32) {
		return fl_err_errno(err, "getrandom");
	}
	sha256_parts("x", 1, n->privkey, 32, x);
	sha256_parts("y", 1, n->privkey, 32, y);
	memcpy(n->pubkey, "0x04", 4);
	ln_buf_hex(x, 32, n->pubkey + 4);
	ln_buf_hex(y, 32, n->pubkey + 68);
	sha256_parts("peer", 4, n->pubkey, strlen(n->pubkey), id);
	ln_buf_hex(id, 16, hex);
	snprintf(n->peer_id, sizeof(n->peer_id), "16Uiu2HAm%s", hex);
	return 0;
}

/* Parses "host:port" (IPv4 literal or name) into sa. */
static int parse_addr(const char *s, struct sockaddr_in *sa, struct fl_error *err)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	char *end;
	long port;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return fl_err(err, "expected ADDR:PORT, got \"%s\"", s);
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return fl_err(err, "expected ADDR:PORT with a port in 1..65535, got \"%s\"", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
		return 0;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return fl_err(err, "cannot resolve \"%s\"", host);
	sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

const struct ln_trace
    LN_TR_RELAY_RECV = {"NTC", "received relay message", "waku relay", "protocol.nim:181"},
    LN_TR_RELAY_SENT = {"NTC", "sent relay message", "waku relay", "protocol.nim:190"},
    LN_TR_FILTER_HANDLE = {"DBG", "handling message", "waku filter", "protocol.nim:248"},
    LN_TR_FILTER_PUSH_RECV = {"DBG", "Received message push", "waku filter client",
			      "client.nim:194"},
    LN_TR_LIGHTPUSH = {"NTC", "handling lightpush request", "waku lightpush", "protocol.nim:79"},
    LN_TR_STORE_QUERY = {"INF", "received store query request", "waku store", "protocol.nim:57"};

void ln_node_trace(struct ln_node *n, const struct ln_trace *t, const char *fmt, ...)
{
	char ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (!n->cfg.traces)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	/* level, local time with its zone ("zzz": labnode keeps UTC), the message padded to
	 * 42, topics, the thread id (the process's in a one-thread program), file:line */
	printf("%s %s.%03ld+00:00 %-42s topics=\"%s\" tid=%d file=%s ", t->level, ts,
	       now.tv_nsec / 1000000, t->msg, t->topics, (int)getpid(), t->file);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void ln_node_event(struct ln_node *n, const char *event, const char *id, const char *hash,
		   const char *kind, const char *peer, const char *text)
{
	const char *keys[] = {"id", "hash", "kind", "peer", "text"};
	const char *vals[] = {id, hash, kind, peer, text};

	if (!n->events)
		return;
	fprintf(n->events, "{\"t_ms\":%.1f,\"event\":\"%s\"", fltime_mono_ms(), event);
	for (size_t i = 0; i < FL_ARRAY_SIZE(keys); i++) {
		if (!vals[i])
			continue;
		fprintf(n->events, ",\"%s\":\"", keys[i]);
		log_json_escape(n->events, vals[i]);
		fputc('"', n->events);
	}
	fputs("}\n", n->events);
	fflush(n->events);
}

static struct ln_peer *peer_new(struct ln_node *n)
{
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		if (n->peers[i])
			continue;
		struct ln_peer *p = fl_xcalloc(1, sizeof(*p));
		p->node = n;
		p->used = 1;
		p->fd = -1;
		p->role = -1;
		p->timer.arg = p;
		n->peers[i] = p;
		return p;
	}
	return NULL;
}

static void peer_free(struct ln_node *n, struct ln_peer *p)
{
	for (int i = 0; i < LN_MAX_PEERS; i++)
		if (n->peers[i] == p)
			n->peers[i] = NULL;
	ln_loop_timer_cancel(n->loop, &p->timer);
	ln_buf_free(&p->in);
	ln_buf_free(&p->out);
	free(p->fsub);
	free(p);
}

static void send_hello(struct ln_peer *p)
{
	struct ln_node *n = p->node;
	struct ln_buf *b = &n->scratch;
	size_t m;

	b->len = b->off = 0;
	m = ln_frame_begin(b, LN_F_HELLO);
	ln_frame_put_str(b, LN_T_PEERID, n->peer_id);
	ln_frame_put_u64(b, LN_T_ROLE, n->cfg.role);
	ln_frame_put_str(b, LN_T_LISTEN, n->cfg.listen);
	ln_frame_put_str(b, LN_T_KEY, n->pubkey);
	ln_frame_end(b, m);
	ln_node_send(p, b);
}

static void peer_io(struct ln_io *io, uint32_t events);
static void peer_timer(struct ln_timer *t);

/* A connection is in handshake until the other side's HELLO arrives; a peer that accepts
 * the TCP connection but never speaks (a frozen process: the kernel still completes the
 * handshake) is dropped after the keep-alive timeout. */
static void peer_attach(struct ln_peer *p, int fd, enum ln_peer_state st)
{
	struct ln_node *n = p->node;
	struct fl_error err;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->fd = fd;
	p->state = st;
	p->io.fd = fd;
	p->io.cb = peer_io;
	p->io.arg = p;
	p->want_write = st == LN_PEER_CONNECTING;
	p->last_rx_ms = ln_loop_now_ms();
	if (ln_loop_add(n->loop, &p->io, EPOLLIN | (p->want_write ? EPOLLOUT : 0), &err) < 0) {
		ln_node_peer_drop(p, err.msg);
		return;
	}
	p->timer.cb = peer_timer;
	ln_loop_timer_at(n->loop, &p->timer, ln_loop_now_ms() + n->cfg.keepalive_timeout_ms);
	if (st == LN_PEER_HANDSHAKE)
		send_hello(p);
}

static void peer_dial(struct ln_peer *p)
{
	struct ln_node *n = p->node;
	struct sockaddr_in sa;
	struct fl_error err;
	int fd;

	if (parse_addr(p->addr, &sa, &err) < 0) {
		ln_node_peer_drop(p, err.msg);
		return;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ln_node_peer_drop(p, strerror(errno));
		return;
	}
	p->dead = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS &&
	    errno != EINTR) {
		char why[128];
		snprintf(why, sizeof(why), "dial: %s", strerror(errno));
		close(fd);
		ln_node_peer_drop(p, why);
		return;
	}
	(void)n;
	p->peer_id[0] = '\0';
	peer_attach(p, fd, LN_PEER_CONNECTING);
}

/* Closes the connection. A persistent peer is redialled after its back-off; any other peer is
 * forgotten. */
void ln_node_peer_drop(struct ln_peer *p, const char *why)
{
	struct ln_node *n = p->node;
	int was_up = p->state == LN_PEER_UP;
	int64_t delay;

	if (p->fd >= 0) {
		ln_loop_del(n->loop, &p->io);
		close(p->fd);
		p->fd = -1;
	}
	p->in.len = p->in.off = 0;
	p->out.len = p->out.off = 0;
	p->state = LN_PEER_IDLE;
	p->want_write = 0;
	if (!was_up)
		log_debug("connection to %s closed before hello: %s",
			  p->addr[0] ? p->addr : "inbound", why);
	if (was_up) {
		log_info("peer %s (%s) lost: %s", p->peer_id, p->addr[0] ? p->addr : "inbound",
			 why);
		ln_relay_peer_gone(n, p);
		ln_dm_peer_down(n, p);
	}
	pending_expire(n, 0, p);
	if (!p->persistent) {
		ln_loop_timer_cancel(n->loop, &p->timer);
		p->dead = 1;
		return;
	}
	p->attempts++;
	delay = ln_backoff_delay_ms(n->cfg.backoff_base_ms, n->cfg.backoff_max_ms, p->attempts,
				    &n->rng);
	p->next_dial_ms = ln_loop_now_ms() + delay;
	p->timer.cb = peer_timer;
	ln_loop_timer_at(n->loop, &p->timer, p->next_dial_ms);
}

static void peer_timer(struct ln_timer *t)
{
	struct ln_peer *p = t->arg;

	if (p->state == LN_PEER_IDLE) {
		peer_dial(p);
		return;
	}
	if (p->state != LN_PEER_UP)
		ln_node_peer_drop(p, "handshake timed out");
}

void ln_node_send(struct ln_peer *p, const struct ln_buf *frame)
{
	struct ln_node *n = p->node;

	if (p->fd < 0 || p->state == LN_PEER_IDLE)
		return;
	if (ln_buf_used(&p->out) + ln_buf_used(frame) > OUT_MAX) {
		ln_node_peer_drop(p, "send queue full");
		return;
	}
	ln_buf_append(&p->out, ln_buf_head(frame), ln_buf_used(frame));
	p->dirty = 1;
	(void)n;
}

static void peer_write(struct ln_peer *p)
{
	struct ln_node *n = p->node;

	while (ln_buf_used(&p->out)) {
		ssize_t w = send(p->fd, ln_buf_head(&p->out), ln_buf_used(&p->out), MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			ln_node_peer_drop(p, strerror(errno));
			return;
		}
		ln_buf_consume(&p->out, (size_t)w);
	}
	ln_buf_trim(&p->out, BUF_KEEP);
	int want = ln_buf_used(&p->out) > 0;
	if (want != p->want_write) {
		p->want_write = want;
		ln_loop_mod(n->loop, &p->io, EPOLLIN | (want ? EPOLLOUT : 0));
	}
}

void ln_node_flush(struct ln_node *n)
{
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (!p)
			continue;
		if (p->dead) {
			peer_free(n, p);
			continue;
		}
		if (p->dirty && p->fd >= 0 && p->state != LN_PEER_CONNECTING && !p->want_write)
			peer_write(p);
		p->dirty = 0;
	}
}

static void peer_hello(struct ln_peer *p, const struct ln_frame *f)
{
	struct ln_node *n = p->node;
	struct fl_error err;
	uint64_t role;

	if (ln_frame_str(f->f, f->n, LN_T_PEERID, p->peer_id, sizeof(p->peer_id), 1, &err) < 0 ||
	    ln_frame_u64(f->f, f->n, LN_T_ROLE, &role, &err) < 0 || role > LN_ROLE_LIGHT ||
	    ln_frame_str(f->f, f->n, LN_T_LISTEN, p->listen_addr, sizeof(p->listen_addr), 0, &err) <
		0 ||
	    ln_frame_str(f->f, f->n, LN_T_KEY, p->key, sizeof(p->key), 0, &err) < 0) {
		ln_node_peer_drop(p, "bad hello");
		return;
	}
	p->role = (int)role;
	p->state = LN_PEER_UP;
	p->attempts = 0;
	p->up_ms = ln_loop_now_ms();
	p->timer.cb = peer_timer;
	ln_loop_timer_cancel(n->loop, &p->timer);
	log_info("peer %s (%s, %s) connected t_ms=%lld", p->peer_id,
		 p->addr[0] ? p->addr : "inbound", role_names[p->role],
		 (long long)ln_loop_now_ms());
	ln_relay_on_peer_up(n, p);
	ln_dm_peer_up(n, p);
}

static void peer_frame(struct ln_peer *p, const struct ln_frame *f)
{
	struct ln_node *n = p->node;
	struct ln_buf *b = &n->scratch;

	if (f->type == LN_F_HELLO) {
		if (p->state == LN_PEER_UP)
			return;
		peer_hello(p, f);
		return;
	}
	if (p->state != LN_PEER_UP) {
		ln_node_peer_drop(p, "frame before hello");
		return;
	}
	if (f->type == LN_F_PING) {
		const struct ln_field *nonce = ln_frame_find(f->f, f->n, LN_T_NONCE);
		b->len = b->off = 0;
		size_t m = ln_frame_begin(b, LN_F_PONG);
		if (nonce)
			ln_frame_put(b, LN_T_NONCE, nonce->val, nonce->len);
		ln_frame_end(b, m);
		ln_node_send(p, b);
		return;
	}
	if (f->type == LN_F_PONG)
		return;
	ln_relay_frame(n, p, f);
}

static void peer_read(struct ln_peer *p)
{
	static struct ln_frame frame;
	struct fl_error err;

	for (;;) {
		ln_buf_reserve(&p->in, 65536);
		ssize_t r = recv(p->fd, p->in.data + p->in.len, p->in.cap - p->in.len, 0);
		if (r == 0) {
			ln_node_peer_drop(p, "closed by peer");
			return;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				ln_node_peer_drop(p, strerror(errno));
			return;
		}
		p->in.len += (size_t)r;
		p->last_rx_ms = ln_loop_now_ms();
		for (;;) {
			size_t used;
			int k = ln_frame_parse(ln_buf_head(&p->in), ln_buf_used(&p->in), &frame,
					       &used, &err);
			if (k < 0) {
				ln_node_peer_drop(p, err.msg);
				return;
			}
			if (k == 0)
				break;
			peer_frame(p, &frame);
			if (p->fd < 0)
				return;
			ln_buf_consume(&p->in, used);
		}
		if ((size_t)r < 65536) {
			ln_buf_trim(&p->in, BUF_KEEP);
			return;
		}
	}
}

static void peer_io(struct ln_io *io, uint32_t events)
{
	struct ln_peer *p = io->arg;
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (p->fd < 0)
		return;
	if (p->state == LN_PEER_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			char why[128];
			snprintf(why, sizeof(why), "dial: %s", strerror(soerr));
			ln_node_peer_drop(p, why);
			return;
		}
		p->state = LN_PEER_HANDSHAKE;
		send_hello(p);
		peer_write(p);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		peer_read(p);
	if (p->fd >= 0 && (events & EPOLLOUT))
		peer_write(p);
}

static void accept_resume(struct ln_timer *t)
{
	struct ln_node *n = t->arg;
	struct fl_error err;

	if (ln_loop_add(n->loop, &n->listen_io, EPOLLIN, &err) < 0)
		log_error("%s", err.msg);
}

/* Out of descriptors: the pending connection cannot be taken, and the listening socket stays
 * readable, so the loop would spin on it while the clients that give up wait in the backlog
 * in CLOSE-WAIT. Accepting pauses for 100 ms instead. */
static void accept_pause(struct ln_node *n)
{
	ln_loop_del(n->loop, &n->listen_io);
	n->accept_retry.cb = accept_resume;
	n->accept_retry.arg = n;
	ln_loop_timer_at(n->loop, &n->accept_retry, ln_loop_now_ms() + 100);
	log_warn("accept: %s; pausing 100 ms", strerror(errno));
}

static void node_accept(struct ln_io *io, uint32_t events)
{
	struct ln_node *n = io->arg;

	for (;;) {
		int fd = accept4(n->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				accept_pause(n);
			return;
		}
		struct ln_peer *p = peer_new(n);
		if (!p) {
			close(fd);
			continue;
		}
		peer_attach(p, fd, LN_PEER_HANDSHAKE);
	}
}

int ln_node_add_peer(struct ln_node *n, const char *addr, struct fl_error *err)
{
	struct sockaddr_in sa;
	struct ln_peer *p;

	if (parse_addr(addr, &sa, err) < 0)
		return -1;
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		p = n->peers[i];
		if (p && p->persistent && !strcmp(p->addr, addr))
			return 0; /* already known */
	}
	p = peer_new(n);
	if (!p)
		return fl_err(err, "too many peers (%d)", LN_MAX_PEERS);
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->persistent = 1;
	peer_dial(p);
	return 0;
}

int ln_node_count_up(struct ln_node *n, int relay_only)
{
	int c = 0;

	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (p && p->state == LN_PEER_UP && (!relay_only || p->role != LN_ROLE_LIGHT))
			c++;
	}
	return c;
}

struct ln_peer *ln_node_service_peer(struct ln_node *n)
{
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (p && p->state == LN_PEER_UP && p->role == LN_ROLE_SERVICE)
			return p;
	}
	return NULL;
}

uint64_t ln_node_pending_add(struct ln_node *n, struct ln_peer *peer,
			     void (*cb)(struct ln_node *, void *, const struct ln_field *, int),
			     void *arg)
{
	for (size_t i = 0; i < FL_ARRAY_SIZE(n->pending); i++) {
		struct ln_pending *q = &n->pending[i];
		if (q->used)
			continue;
		q->used = 1;
		q->reqid = ++n->next_reqid;
		q->deadline_ms = ln_loop_now_ms() + n->cfg.request_timeout_ms;
		q->cb = cb;
		q->arg = arg;
		q->peer = peer;
		return q->reqid;
	}
	return 0;
}

/* Fails the requests past their deadline, or (gone != NULL) those sent to a peer that went
 * away: waiting for the timeout would stall whoever waits (a catch-up after wake-up). */
static void pending_expire(struct ln_node *n, int64_t now, struct ln_peer *gone)
{
	for (size_t i = 0; i < FL_ARRAY_SIZE(n->pending); i++) {
		struct ln_pending *q = &n->pending[i];
		if (q->used && (gone ? q->peer == gone : q->deadline_ms <= now)) {
			q->used = 0;
			if (q->cb)
				q->cb(n, q->arg, NULL, 0);
		}
	}
}

void ln_node_cancel_requests(struct ln_node *n)
{
	pending_expire(n, INT64_MAX, NULL);
}

/* Drops every connection and redials every persistent peer at once: after the process was
 * frozen or the host slept, connections and back-offs are stale (go-waku #1307). */
static void node_wakeup(struct ln_node *n, int64_t stalled_ms)
{
	log_warn("loop stalled %lld ms: dropping and redialling all peers", (long long)stalled_ms);
	n->wakeups++;
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (!p || p->dead)
			continue;
		if (p->fd >= 0)
			ln_node_peer_drop(p, "wake-up");
		if (p->persistent) {
			p->attempts = 0;
			ln_loop_timer_cancel(n->loop, &p->timer);
			peer_dial(p);
		}
	}
	ln_dm_wakeup(n);
}

static void ping_peers(struct ln_node *n, int64_t now)
{
	struct ln_buf *b = &n->scratch;

	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (!p || p->state != LN_PEER_UP)
			continue;
		if (now - p->last_rx_ms > n->cfg.keepalive_timeout_ms) {
			ln_node_peer_drop(p, "keep-alive timeout");
			continue;
		}
		b->len = b->off = 0;
		size_t m = ln_frame_begin(b, LN_F_PING);
		ln_frame_put_u64(b, LN_T_NONCE, (uint64_t)now);
		ln_frame_end(b, m);
		ln_node_send(p, b);
	}
}

/* CLOCK_BOOTTIME keeps counting through a system suspend, where CLOCK_MONOTONIC stops: the
 * sleep detector must see a laptop's sleep as well as a frozen process. */
static int64_t boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - ln_loop_skipped_ms();
}

static void node_tick(struct ln_timer *t)
{
	struct ln_node *n = t->arg;
	int64_t now = ln_loop_now_ms(), boot = boot_ms(), gap = boot - n->last_tick_ms;

	n->last_tick_ms = boot;
	int64_t limit =
	    n->cfg.sleep_threshold_ms ? n->cfg.sleep_threshold_ms : 3 * n->cfg.keepalive_ms;

	if (gap > limit)
		node_wakeup(n, gap);
	else
		ping_peers(n, now);
	pending_expire(n, now, NULL);
	ln_loop_timer_at(n->loop, t, now + n->cfg.keepalive_ms);
}

static int node_listen(struct ln_node *n, struct fl_error *err)
{
	int one = 1;

	if (parse_addr(n->cfg.listen, &n->listen_sa, err) < 0)
		return fl_wrap(err, "--listen");
	n->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (n->listen_fd < 0)
		return fl_err_errno(err, "socket");
	setsockopt(n->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(n->listen_fd, (struct sockaddr *)&n->listen_sa, sizeof(n->listen_sa)) < 0)
		return fl_err_errno(err, "bind %s", n->cfg.listen);
	if (listen(n->listen_fd, 128) < 0)
		return fl_err_errno(err, "listen %s", n->cfg.listen);
	n->listen_io.fd = n->listen_fd;
	n->listen_io.cb = node_accept;
	n->listen_io.arg = n;
	return ln_loop_add(n->loop, &n->listen_io, EPOLLIN, err);
}

int ln_node_start(struct ln_node *n, struct ln_loop *loop, struct fl_error *err)
{
	struct fl_error e2;

	n->loop = loop;
	n->listen_fd = -1;
	rng_seed(&n->rng, n->cfg.has_seed ? n->cfg.seed : rng_os_seed());
	if (node_identity(n, err) < 0)
		return -1;
	ln_seen_init(&n->seen, n->cfg.seen_ttl_ms, ln_loop_now_ms());
	if (n->cfg.events_path && !(n->events = fopen(n->cfg.events_path, "a")))
		return fl_err_errno(err, "open --events %s", n->cfg.events_path);
	if (n->cfg.events_path) { /* faultlab's lab-pause file sits next to the events file */
		const char *slash = strrchr(n->cfg.events_path, '/');
		char *pf = fl_xasprintf("%.*s%s", slash ? (int)(slash - n->cfg.events_path + 1) : 0,
					n->cfg.events_path, LN_PAUSE_FILE);

		ln_loop_set_pause_file(pf);
		free(pf);
	}
	if (n->cfg.role == LN_ROLE_SERVICE) {
		n->store = ln_store_open(
		    n->cfg.db_path ? n->cfg.db_path : ":memory:", n->cfg.store_retention, err);
		if (!n->store)
			return -1;
	}
	if (node_listen(n, err) < 0)
		return -1;
	if (ln_dm_init(n, err) < 0)
		return -1;
	for (int i = 0; i < n->cfg.n_peers; i++)
		if (ln_node_add_peer(n, n->cfg.peers[i], &e2) < 0)
			return fl_err(err, "--peer %s: %s", n->cfg.peers[i], e2.msg);
	n->tick.cb = node_tick;
	n->tick.arg = n;
	n->last_tick_ms = boot_ms();
	ln_loop_timer_at(loop, &n->tick, ln_loop_now_ms() + n->cfg.keepalive_ms);
	return 0;
}

void ln_node_stop(struct ln_node *n)
{
	for (int i = 0; i < LN_MAX_PEERS; i++) {
		struct ln_peer *p = n->peers[i];
		if (!p)
			continue;
		if (p->fd >= 0) {
			ln_loop_del(n->loop, &p->io);
			close(p->fd);
		}
		peer_free(n, p);
	}
	ln_dm_free(n);
	if (n->loop)
		ln_loop_timer_cancel(n->loop, &n->accept_retry);
	if (n->listen_fd >= 0)
		close(n->listen_fd);
	ln_store_close(n->store);
	n->store = NULL;
	if (n->events)
		fclose(n->events);
	n->events = NULL;
	ln_seen_free(&n->seen);
	for (int i = 0; i < LN_MAX_SUBS; i++)
		ln_relay_sub_clear(&n->subs[i]);
	ln_buf_free(&n->scratch);
}
