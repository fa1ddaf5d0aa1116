/* The collector's HTTP server: libmicrohttpd on its own thread over a given socket. */
#include "orchestrator/telemetry/collector.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "orchestrator/telemetry/ratelimit.h"
#include "orchestrator/telemetry/routes.h"
#include "orchestrator/telemetry/store.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The real server reads any size; a bound keeps a broken client from eating the host. A
 * status-go retry cache (5000 + a batch, a few hundred bytes each) fits many times over. */
#define COLLECTOR_BODY_MAX (64u << 20)

struct collector {
	struct MHD_Daemon *d;
	struct tm_store *st;
	struct tm_ratelimit rl;
	struct collector_clock clock;
	pthread_mutex_t lock; /* stats */
	struct collector_stats stats;
};

struct req {
	char *body;
	size_t len, cap;
	int too_big;
	int refused; /* the rate limit said no when the headers arrived */
	char remote[64];
};

int collector_bind(int fd, const char *addr, int port, struct fl_error *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return fl_err(err, "telemetry collector: bad IPv4 address \"%s\"", addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fl_err_errno(err, "telemetry collector: bind %s:%d", addr, port);
	if (listen(fd, 128) < 0)
		return fl_err_errno(err, "telemetry collector: listen");
	return 0;
}

int collector_listen(const char *addr, int port, struct fl_error *err)
{
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return fl_err_errno(err, "telemetry collector: socket");
	if (collector_bind(fd, addr, port, err) < 0)
		return -1;
	return steal_fd(&fd);
}

int collector_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t n = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &n) < 0)
		return -1;
	return ntohs(sa.sin_port);
}

static int64_t now_ms(struct collector *c)
{
	return c->clock.now_ms ? c->clock.now_ms(c->clock.arg) : (int64_t)fltime_mono_ms();
}

/* Go's r.RemoteAddr: "IP:port", "[IPv6]:port". */
static void remote_addr(struct MHD_Connection *conn, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char ip[INET6_ADDRSTRLEN] = "?";

	snprintf(out, cap, "?");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ci->client_addr;
		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		snprintf(out, cap, "%s:%u", ip, ntohs(s->sin_port));
	} else if (ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ci->client_addr;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		snprintf(out, cap, "[%s]:%u", ip, ntohs(s->sin6_port));
	}
}

static void count(struct collector *c, const struct tm_response *r)
{
	pthread_mutex_lock(&c->lock);
	c->stats.requests++;
	if (r->status == 429)
		c->stats.refused++;
	else if (r->status >= 400 && r->status < 500)
		c->stats.bad++;
	c->stats.records += (uint64_t)r->n_records;
	c->stats.record_errors += (uint64_t)r->n_errors;
	pthread_mutex_unlock(&c->lock);
}

static enum MHD_Result reply(struct MHD_Connection *conn, const struct tm_response *r)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(r->body), r->body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(resp, "Content-Type", r->content_type);
	if (r->status == 429 || r->status == 400) /* Go's http.Error */
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Refusals (404, 405, 429, 413) are journalled too, so "pushes refused" is in the database. */
static void journal_refusal(struct collector *c, const struct tm_arrival *a, const char *method,
			    const char *path, int status)
{
	struct fl_error err;
	int64_t id = tm_store_push_begin(c->st, a, method, path, &err);

	if (id >= 0)
		tm_store_push_end(c->st, id, status, 0, 0, &err);
}

static enum MHD_Result finish(struct collector *c, struct MHD_Connection *conn, struct req *q,
			      const char *method, const char *path)
{
	struct tm_arrival a = {
	    .t_ms = now_ms(c), .created_at = (int64_t)time(NULL), .remote = q->remote};
	struct tm_response r;
	struct fl_error err;

	enum tm_match m = tm_routes_match(method, path);
	int refuse = q->refused		  ? 429
		     : m == TM_NOT_FOUND  ? 404
		     : m == TM_BAD_METHOD ? 405
		     : q->too_big	  ? 413
					  : 0;

	if (refuse) {
		tm_routes_refuse(refuse, &r);
		journal_refusal(c, &a, method, path, refuse);
	} else if (tm_routes_handle(c->st, &a, method, path, q->body, q->len, &r, &err) < 0) {
		log_warn("telemetry collector: %s %s: %s", method, path, err.msg);
	}
	count(c, &r);
	enum MHD_Result ret = reply(conn, &r);
	tm_response_free(&r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct collector *c = cls;
	struct req *q = *con_cls;

	if (!q) {
		/* headers complete: this is when gorilla/mux runs the rate-limit middleware */
		q = fl_xcalloc(1, sizeof(*q));
		remote_addr(conn, q->remote, sizeof(q->remote));
		if (tm_routes_match(method, url) == TM_MATCHED)
			q->refused = !tm_ratelimit_allow(&c->rl, q->remote, fltime_mono_ns());
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		if (q->len + n > COLLECTOR_BODY_MAX || q->refused) {
			q->too_big |= !q->refused;
		} else {
			if (q->len + n + 1 > q->cap) {
				q->cap = (q->len + n + 1) * 2;
				q->body = fl_xrealloc(q->body, q->cap);
			}
			memcpy(q->body + q->len, upload_data, n);
			q->len += n;
			q->body[q->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return finish(c, conn, q, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	if (q) {
		free(q->body);
		free(q);
		*con_cls = NULL;
	}
}

struct collector *collector_start(int listen_fd, const char *dir,
				  const struct collector_clock *clock, struct fl_error *err)
{
	cleanup_close int fd = listen_fd;
	struct collector *c = fl_xcalloc(1, sizeof(*c));

	if (clock)
		c->clock = *clock;
	pthread_mutex_init(&c->lock, NULL);
	tm_ratelimit_init(&c->rl, TM_RATE_PER_S, TM_RATE_BURST, fltime_mono_ns());
	c->st = tm_store_open(dir, now_ms(c), (int64_t)(fltime_real_ns() / 1000000), err);
	if (!c->st)
		goto fail;
	c->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				on_request, c, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
				MHD_OPTION_CONNECTION_LIMIT, 2000U, MHD_OPTION_CONNECTION_TIMEOUT,
				120U, MHD_OPTION_END);
	if (!c->d) {
		fl_err(err, "telemetry collector: libmicrohttpd did not start on fd %d", fd);
		goto fail;
	}
	steal_fd(&fd);
	return c;
fail:
	tm_store_close(c->st);
	tm_ratelimit_free(&c->rl);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return NULL;
}

void collector_stop(struct collector *c)
{
	if (!c)
		return;
	MHD_stop_daemon(c->d); /* joins the thread and closes the listening socket */
	tm_store_close(c->st);
	tm_ratelimit_free(&c->rl);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void collector_get_stats(struct collector *c, struct collector_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}
