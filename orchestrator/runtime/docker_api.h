/* The Docker Engine API over its unix socket with libcurl (only this file and docker*.c see
 * curl and jansson). The API version is negotiated once: GET /version, then every path is
 * prefixed with /v<min(ApiVersion, DOCKER_API_WANT)>. */
#ifndef FL_RUNTIME_DOCKER_API_H
#define FL_RUNTIME_DOCKER_API_H

#include "common/error.h"

#include <limits.h>
#include <stddef.h>

#define DOCKER_API_WANT "1.41"
#define DOCKER_API_SOCK "/var/run/docker.sock"

struct docker_api {
	char sock[PATH_MAX];
	char prefix[16]; /* "/v1.41" */
	char server_version[32];
	/* Asked between curl rounds (at most 100 ms apart) when set: non-zero aborts the batch
	 * (requests in flight are dropped, the batch fails with "interrupted"). */
	int (*cancelled)(void *ctx);
	void *cancel_ctx;
	/* With cancel_drain_ms > 0, a cancelled pipeline sends no request it had not sent yet
	 * but waits up to that long for those in flight, still calling `next` on each answer
	 * (which may send one more: see docker_nodes_start), and sets draining meanwhile. */
	long cancel_drain_ms;
	int draining;
};

/* One request. The caller fills method, path (after the version prefix, e.g.
 * "/containers/create?name=x") and body (JSON or NULL); the call fills status, resp
 * (malloc'd, NUL-terminated) and, on a transport failure, error. */
struct docker_api_req {
	const char *method;
	char path[512];
	char *body;
	long timeout_ms; /* 0 = 60 s */
	long status;
	char *resp;
	size_t resp_len;
	char error[256];
	size_t index; /* set by docker_api_pipeline: the request's slot */
	void *easy;   /* the CURL handle while in flight */
};

/* Called by docker_api_pipeline when r got an HTTP answer: return 1 after refilling r
 * (docker_api_req_clear, then method/path/body) to send it again at once, 0 when r is done. */
typedef int (*docker_api_next_fn)(struct docker_api_req *r, void *ctx);

/* Finds the socket ($DOCKER_HOST unix://..., else DOCKER_API_SOCK) and negotiates the
 * version. -1 + err ("cannot reach dockerd at ...") when no daemon answers. */
int docker_api_open(struct docker_api *api, struct fl_error *err);
/* Runs reqs concurrently (curl multi, at most `parallel` at a time; 0 = all). Returns 0 when
 * every request got an HTTP answer (any status), else -1 + err naming the first failure. */
int docker_api_batch(struct docker_api *api, struct docker_api_req *reqs, size_t n, int parallel,
		     struct fl_error *err);
/* As docker_api_batch, but each request may be followed by the next one of its chain as soon
 * as it is answered (next), so a node's create, start and inspect overlap other nodes'. */
int docker_api_pipeline(struct docker_api *api, struct docker_api_req *reqs, size_t n, int parallel,
			docker_api_next_fn next, void *ctx, struct fl_error *err);
/* One request; *status gets the HTTP status, *resp the body (free it; may be NULL). */
int docker_api_call(struct docker_api *api, const char *method, const char *path, const char *body,
		    long *status, char **resp, struct fl_error *err);
/* The "message" of a Docker error body, or the body itself (never NULL). */
const char *docker_api_message(const char *resp, char *buf, size_t len);
void docker_api_req_clear(struct docker_api_req *r);
/* Sets up an easy handle for path (after the prefix) on api's socket; used by the log
 * streamer. Returns a CURL * as void * (NULL on failure). */
void *docker_api_easy(struct docker_api *api, const char *method, const char *path);

/* Leftovers (docker_sweep.c): containers and networks labelled faultlab.run. */
void docker_sweep_list_ids(void (*fn)(const char *id, void *ctx), void *ctx);
int docker_sweep_run(const char *run_id);
/* Calls fn with every IPv4 subnet of the daemon's networks (nothing when no daemon). */
void docker_sweep_list_subnets(void (*fn)(const char *cidr, void *ctx), void *ctx);

#endif
