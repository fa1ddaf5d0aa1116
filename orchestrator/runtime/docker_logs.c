/* Container log streaming (see docker_logs.h). */
#include "orchestrator/runtime/docker_logs.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/safefile.h"
#include "common/xalloc.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct docker_log_stream {
	char id[80];
	int fd;
	CURL *easy;
	int active, pending;
	uint64_t written; /* payload bytes written to fd over all attachments */
	struct docker_logs_demux demux;
};

struct docker_logs {
	struct docker_api *api;
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t lock;
	int stop;
	struct docker_log_stream **streams;
	size_t n, cap;
};

void docker_logs_demux(struct docker_logs_demux *d, const char *data, size_t n,
		       void (*out)(void *ctx, const char *p, size_t len), void *ctx)
{
	size_t off = 0, k;

	while (off < n) {
		if (d->frame_left == 0) {
			k = 8 - d->hdr_have < n - off ? 8 - d->hdr_have : n - off;
			memcpy(d->hdr + d->hdr_have, data + off, k);
			d->hdr_have += k;
			off += k;
			if (d->hdr_have == 8) {
				d->frame_left = (uint32_t)d->hdr[4] << 24 |
						(uint32_t)d->hdr[5] << 16 |
						(uint32_t)d->hdr[6] << 8 | d->hdr[7];
				d->hdr_have = 0;
			}
			continue;
		}
		k = d->frame_left < n - off ? d->frame_left : n - off;
		d->frame_left -= (uint32_t)k;
		if (d->skip) {
			size_t sk = k < d->skip ? k : (size_t)d->skip;
			d->skip -= sk;
			off += sk;
			k -= sk;
		}
		if (k)
			out(ctx, data + off, k);
		off += k;
	}
}

static void docker_logs_write(void *ctx, const char *p, size_t n)
{
	struct docker_log_stream *s = ctx;

	if (write(s->fd, p, n) > 0)
		s->written += n;
}

static size_t docker_logs_sink(char *data, size_t size, size_t nmemb, void *ud)
{
	struct docker_log_stream *s = ud;

	docker_logs_demux(&s->demux, data, size * nmemb, docker_logs_write, s);
	return size * nmemb;
}

/* Under dl->lock: hands pending streams to the multi handle. */
static void docker_logs_attach(struct docker_logs *dl)
{
	char path[256];

	for (size_t i = 0; i < dl->n; i++) {
		struct docker_log_stream *s = dl->streams[i];
		if (!s->pending)
			continue;
		s->pending = 0;
		snprintf(path, sizeof(path), "/containers/%s/logs?follow=1&stdout=1&stderr=1",
			 s->id);
		s->easy = docker_api_easy(dl->api, "GET", path);
		if (!s->easy)
			continue;
		memset(&s->demux, 0, sizeof(s->demux));
		s->demux.skip = s->written;
		curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, docker_logs_sink);
		curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
		curl_multi_add_handle(dl->multi, s->easy);
		s->active = 1;
	}
}

static void docker_logs_reap(struct docker_logs *dl)
{
	struct docker_log_stream *s;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(dl->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		curl_multi_remove_handle(dl->multi, msg->easy_handle);
		curl_easy_cleanup(msg->easy_handle);
		pthread_mutex_lock(&dl->lock);
		s->easy = NULL;
		s->active = 0;
		pthread_mutex_unlock(&dl->lock);
	}
}

static void *docker_logs_main(void *arg)
{
	struct docker_logs *dl = arg;
	int running, stop;

	for (;;) {
		pthread_mutex_lock(&dl->lock);
		docker_logs_attach(dl);
		stop = dl->stop;
		pthread_mutex_unlock(&dl->lock);
		if (stop)
			break;
		curl_multi_perform(dl->multi, &running);
		docker_logs_reap(dl);
		curl_multi_poll(dl->multi, NULL, 0, 500, NULL);
	}
	return NULL;
}

struct docker_logs *docker_logs_new(struct docker_api *api, struct fl_error *err)
{
	struct docker_logs *dl = fl_xcalloc(1, sizeof(*dl));

	dl->multi = fl_xnonnull(curl_multi_init());
	dl->api = api;
	pthread_mutex_init(&dl->lock, NULL);
	if (pthread_create(&dl->thread, NULL, docker_logs_main, dl) != 0) {
		curl_multi_cleanup(dl->multi);
		free(dl);
		fl_err(err, "docker logs: cannot start a thread");
		return NULL;
	}
	return dl;
}

static struct docker_log_stream *docker_logs_find(struct docker_logs *dl, const char *id)
{
	for (size_t i = 0; i < dl->n; i++)
		if (strcmp(dl->streams[i]->id, id) == 0)
			return dl->streams[i];
	return NULL;
}

int docker_logs_add(struct docker_logs *dl, const char *id, const char *log_path,
		    struct fl_error *err)
{
	struct docker_log_stream *s;
	int rc = 0;

	pthread_mutex_lock(&dl->lock);
	s = docker_logs_find(dl, id);
	if (!s && dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 16;
		dl->streams = fl_xreallocarray(dl->streams, cap, sizeof(*dl->streams));
		dl->cap = cap;
	}
	if (!s) {
		s = fl_xcalloc(1, sizeof(*s));
		snprintf(s->id, sizeof(s->id), "%s", id);
		s->fd = log_path ? safefile_open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0666, err)
				 : open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (s->fd < 0) {
			rc = log_path ? -1 : fl_err_errno(err, "open /dev/null");
			free(s);
			s = NULL;
		} else {
			dl->streams[dl->n++] = s;
		}
	}
	if (s && !s->active)
		s->pending = 1;
	pthread_mutex_unlock(&dl->lock);
	curl_multi_wakeup(dl->multi);
	return rc;
}

static int docker_logs_busy(struct docker_logs *dl)
{
	int busy = 0;

	pthread_mutex_lock(&dl->lock);
	for (size_t i = 0; i < dl->n; i++)
		busy |= dl->streams[i]->active || dl->streams[i]->pending;
	pthread_mutex_unlock(&dl->lock);
	return busy;
}

void docker_logs_free(struct docker_logs *dl, int timeout_ms)
{
	double until = fltime_mono_ms() + timeout_ms;

	if (!dl)
		return;
	while (docker_logs_busy(dl) && fltime_mono_ms() < until)
		fltime_sleep_ms(10);
	pthread_mutex_lock(&dl->lock);
	dl->stop = 1;
	pthread_mutex_unlock(&dl->lock);
	curl_multi_wakeup(dl->multi);
	pthread_join(dl->thread, NULL);
	for (size_t i = 0; i < dl->n; i++) {
		struct docker_log_stream *s = dl->streams[i];
		if (s->easy) {
			curl_multi_remove_handle(dl->multi, s->easy);
			curl_easy_cleanup(s->easy);
		}
		close(s->fd);
		free(s);
	}
	curl_multi_cleanup(dl->multi);
	pthread_mutex_destroy(&dl->lock);
	free(dl->streams);
	free(dl);
}
