/* Docker Engine API client (see docker_api.h). */
#include "orchestrator/runtime/docker_api.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/xalloc.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t docker_api_sink(char *data, size_t size, size_t nmemb, void *ud)
{
	struct docker_api_req *r = ud;
	size_t n = size * nmemb;
	char *m = fl_xrealloc(r->resp, r->resp_len + n + 1);

	memcpy(m + r->resp_len, data, n);
	r->resp = m;
	r->resp_len += n;
	m[r->resp_len] = '\0';
	return n;
}

void *docker_api_easy(struct docker_api *api, const char *method, const char *path)
{
	CURL *c = curl_easy_init();
	char url[1024];

	if (!c)
		return NULL;
	snprintf(url, sizeof(url), "http://docker%s%s", api->prefix, path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, api->sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	return c;
}

static CURL *docker_api_easy_req(struct docker_api *api, struct docker_api_req *r,
				 struct curl_slist *hdrs)
{
	CURL *c = docker_api_easy(api, r->method, r->path);

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, docker_api_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_PRIVATE, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms ? r->timeout_ms : 60000L);
	if (r->body) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	return c;
}

/* Collects finished requests; a request answered over HTTP may be refilled by next and is
 * then appended to the queue (*requeue, *nre). */
static void docker_api_done(CURLM *m, int *running, int *failed, docker_api_next_fn next, void *ctx,
			    struct docker_api_req **requeue, size_t *nre, struct fl_error *err)
{
	struct docker_api_req *r;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &r->status);
		curl_multi_remove_handle(m, msg->easy_handle);
		curl_easy_cleanup(msg->easy_handle);
		r->easy = NULL;
		(*running)--;
		if (msg->data.result != CURLE_OK) {
			snprintf(r->error, sizeof(r->error), "%s",
				 curl_easy_strerror(msg->data.result));
			if (!*failed)
				fl_err(err, "%s %s: %s", r->method, r->path, r->error);
			*failed = 1;
		} else if (next && !*failed && next(r, ctx)) {
			requeue[(*nre)++] = r;
		}
	}
}

static void docker_api_abort(CURLM *m, struct docker_api_req *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!reqs[i].easy)
			continue;
		curl_multi_remove_handle(m, reqs[i].easy);
		curl_easy_cleanup(reqs[i].easy);
		reqs[i].easy = NULL;
	}
}

int docker_api_pipeline(struct docker_api *api, struct docker_api_req *reqs, size_t n, int parallel,
			docker_api_next_fn next, void *ctx, struct fl_error *err)
{
	struct curl_slist *hdrs =
	    fl_xnonnull(curl_slist_append(NULL, "Content-Type: application/json"));
	CURLM *m = fl_xnonnull(curl_multi_init());
	/* a chain's next request (pri) goes out before any request not yet sent (queue): with
	 * one FIFO, 200 nodes' starts all went out before the first inspect */
	struct docker_api_req **queue = fl_xcalloc(n + 1, sizeof(*queue));
	struct docker_api_req **pri = fl_xcalloc(n + 1, sizeof(*pri));
	size_t head = 0, tail = n, phead = 0, ptail = 0;
	int running = 0, failed = 0, interrupted = 0, still;
	double drain_until = 0;

	for (size_t i = 0; i < n; i++) {
		reqs[i].index = i;
		queue[i] = &reqs[i];
	}
	for (;;) {
		size_t nre = 0;
		struct docker_api_req **re;

		while (!failed && (phead < ptail || head < tail) &&
		       (parallel <= 0 || running < parallel)) {
			struct docker_api_req *r =
			    phead < ptail ? pri[phead++ % (n + 1)] : queue[head++ % (n + 1)];
			CURL *c = docker_api_easy_req(api, r, hdrs);
			r->easy = c;
			if (!c || curl_multi_add_handle(m, c) != CURLM_OK) {
				if (c)
					curl_easy_cleanup(c);
				r->easy = NULL;
				failed = 1;
				fl_err(err, "curl: cannot set up a request");
				break;
			}
			running++;
		}
		if (!running && (failed || (head == tail && phead == ptail)))
			break;
		if (!interrupted && api->cancelled && api->cancelled(api->cancel_ctx)) {
			interrupted = 1;
			head = tail; /* nothing not yet sent goes out */
			drain_until = fltime_mono_ms() + (double)api->cancel_drain_ms;
			api->draining = api->cancel_drain_ms > 0;
		}
		if (interrupted &&
		    ((!running && phead == ptail) || fltime_mono_ms() >= drain_until)) {
			docker_api_abort(m, reqs, n);
			break;
		}
		curl_multi_perform(m, &still);
		re = fl_xcalloc((size_t)running + 1, sizeof(*re));
		docker_api_done(m, &running, &failed, next, ctx, re, &nre, err);
		for (size_t i = 0; i < nre; i++)
			pri[ptail++ % (n + 1)] = re[i];
		free(re);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	free(queue);
	free(pri);
	api->draining = 0;
	if (interrupted && !failed)
		return fl_err(err, "interrupted");
	return failed || interrupted ? -1 : 0;
}

int docker_api_batch(struct docker_api *api, struct docker_api_req *reqs, size_t n, int parallel,
		     struct fl_error *err)
{
	return docker_api_pipeline(api, reqs, n, parallel, NULL, NULL, err);
}

int docker_api_call(struct docker_api *api, const char *method, const char *path, const char *body,
		    long *status, char **resp, struct fl_error *err)
{
	struct docker_api_req r = {.method = method, .body = (char *)body};
	int rc;

	snprintf(r.path, sizeof(r.path), "%s", path);
	rc = docker_api_batch(api, &r, 1, 1, err);
	*status = r.status;
	if (resp)
		*resp = steal_ptr(&r.resp);
	free(r.resp);
	return rc;
}

void docker_api_req_clear(struct docker_api_req *r)
{
	free(r->resp);
	free(r->body);
	r->resp = r->body = NULL;
	r->resp_len = 0;
	r->status = 0;
	r->error[0] = '\0';
}

const char *docker_api_message(const char *resp, char *buf, size_t len)
{
	json_t *j = resp ? json_loads(resp, 0, NULL) : NULL;
	const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;

	snprintf(buf, len, "%s", m ? m : resp ? resp : "(no body)");
	buf[strcspn(buf, "\n")] = '\0';
	json_decref(j);
	return buf;
}

/* "1.43" vs "1.41": compares major then minor. */
static int docker_api_vercmp(const char *a, const char *b)
{
	int am = 0, an = 0, bm = 0, bn = 0;

	sscanf(a, "%d.%d", &am, &an);
	sscanf(b, "%d.%d", &bm, &bn);
	return am != bm ? am - bm : an - bn;
}

int docker_api_open(struct docker_api *api, struct fl_error *err)
{
	const char *host = getenv("DOCKER_HOST");
	cleanup_free char *resp = NULL;
	json_t *j;
	const char *ver, *sv;
	long status = 0;

	memset(api, 0, sizeof(*api));
	snprintf(api->sock, sizeof(api->sock), "%s",
		 host && strncmp(host, "unix://", 7) == 0 ? host + 7 : DOCKER_API_SOCK);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (access(api->sock, F_OK) < 0)
		return fl_err(err,
			      "cannot reach dockerd at %s: no such socket (is docker "
			      "running? tools/setup docker starts it)",
			      api->sock);
	if (docker_api_call(api, "GET", "/version", NULL, &status, &resp, err) < 0)
		return fl_wrap(err, "cannot reach dockerd at %s", api->sock);
	j = status == 200 && resp ? json_loads(resp, 0, NULL) : NULL;
	ver = j ? json_string_value(json_object_get(j, "ApiVersion")) : NULL;
	if (!ver) {
		json_decref(j);
		return fl_err(err,
			      "dockerd at %s: GET /version answered HTTP %ld without ApiVersion",
			      api->sock, status);
	}
	sv = json_string_value(json_object_get(j, "Version"));
	snprintf(api->server_version, sizeof(api->server_version), "%s", sv ? sv : "?");
	snprintf(api->prefix, sizeof(api->prefix), "/v%s",
		 docker_api_vercmp(ver, DOCKER_API_WANT) < 0 ? ver : DOCKER_API_WANT);
	json_decref(j);
	return 0;
}
