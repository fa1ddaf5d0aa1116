/* Recording fake HTTP server for the driver tests. */
#include "fake_drvhttp.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_drvhttp_conn {
	char body[8192];
	size_t len;
};

/* A prefix "#name" is a JSON-RPC route: POST / whose body calls method name. */
static int fake_drvhttp_match(const struct fake_drvhttp_route *r, const char *url, const char *body)
{
	char want[160];

	if (r->prefix[0] != '#')
		return strncmp(url, r->prefix, strlen(r->prefix)) == 0;
	snprintf(want, sizeof(want), "\"method\":\"%s\"", r->prefix + 1);
	return strcmp(url, "/") == 0 && strstr(body, want);
}

static const struct fake_drvhttp_route *
fake_drvhttp_route(struct fake_drvhttp *f, const char *method, const char *url, const char *body)
{
	for (int i = 0; i < f->n_routes; i++)
		if (strcmp(f->routes[i].method, method) == 0 &&
		    fake_drvhttp_match(&f->routes[i], url, body))
			return &f->routes[i];
	return NULL;
}

static enum MHD_Result fake_drvhttp_answer(void *cls, struct MHD_Connection *conn, const char *url,
					   const char *method, const char *version,
					   const char *upload, size_t *upload_size, void **con_cls)
{
	struct fake_drvhttp *f = cls;
	struct fake_drvhttp_conn *c = *con_cls;
	const struct fake_drvhttp_route *r;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!c) {
		*con_cls = calloc(1, sizeof(*c));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		if (c->len + n >= sizeof(c->body))
			n = sizeof(c->body) - 1 - c->len;
		memcpy(c->body + c->len, upload, n);
		c->len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	if (f->n_reqs < FAKE_DRVHTTP_MAX) {
		struct fake_drvhttp_req *q = &f->reqs[f->n_reqs++];

		snprintf(q->method, sizeof(q->method), "%s", method);
		snprintf(q->url, sizeof(q->url), "%s", url);
		snprintf(q->body, sizeof(q->body), "%.*s", (int)c->len, c->body);
	}
	c->body[c->len] = '\0';
	r = fake_drvhttp_route(f, method, url, c->body);
	resp = MHD_create_response_from_buffer(
	    r ? strlen(r->body) : 9, (void *)(r ? r->body : "not found"), MHD_RESPMEM_MUST_COPY);
	ret = MHD_queue_response(conn, r ? (unsigned)r->status : 404u, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void fake_drvhttp_done(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

int fake_drvhttp_start(struct fake_drvhttp *f, const struct fake_drvhttp_route *routes, int n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const union MHD_DaemonInfo *info;

	memset(f, 0, sizeof(*f));
	f->routes = routes;
	f->n_routes = n;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->daemon =
	    MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, fake_drvhttp_answer, f,
			     MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
			     fake_drvhttp_done, f, MHD_OPTION_END);
	if (!f->daemon)
		return -1;
	info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
	f->port = info ? info->port : 0;
	return f->port ? 0 : -1;
}

void fake_drvhttp_stop(struct fake_drvhttp *f)
{
	if (f->daemon)
		MHD_stop_daemon(f->daemon);
	f->daemon = NULL;
}
