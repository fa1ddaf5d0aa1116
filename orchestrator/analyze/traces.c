/* nodes/<node>/stdout.log: the fleet traces (every format `analyze --logs` reads: nwaku's
 * chronicles text or JSON, go-waku's zap, status-go's geth format, labnode's lines; with
 * colours, CRI prefixes and short hashes) tell where each message was last seen, which for a
 * lost message is where it died. Ten million lines in a big run: the files are shared out among
 * worker threads, each line is scanned with memmem/memchr only, and hash lookups are batched so
 * their slots can be prefetched. */
#include "orchestrator/analyze/ledger.h"

#include "common/xalloc.h"
#include "orchestrator/analyze/fleetlog.h"
#include "orchestrator/analyze/kvscan.h"
#include "orchestrator/analyze/linescan.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACES_BATCH 32
#define TRACES_MAX_WORKERS 4

struct traces_job {
	char path[4400];
	uint32_t node;
};

struct traces_sighting {
	uint64_t h[2];
	double t;
};

/* One worker's view: its own last sighting per message, merged after the join. */
struct traces_worker {
	struct analyze_run *run;
	const struct amap *by_short; /* "0x4c32...b826" → message, UINT32_MAX when ambiguous */
	struct fleetlog_reader rd;
	uint64_t ref_ns; /* the run's start: the year of geth's year-less times */
	const struct traces_job *jobs;
	size_t n_jobs, *next_job;
	uint32_t *job; /* per message: job index of the last sighting, UINT32_MAX none */
	double *t;     /* per message: its time */
	struct traces_sighting batch[TRACES_BATCH];
	size_t n_batch, lines;
	uint32_t cur_job;
	double last_t; /* time of the last timed line in the current file */
	struct fl_error err;
	int rc;
};

/* Resolves the batched sightings: the latest one wins (a later file on a tie). */
static void traces_flush(struct traces_worker *w)
{
	uint32_t idx[TRACES_BATCH];

	for (size_t i = 0; i < w->n_batch; i++) {
		if (!amap_get_hashed(&w->run->msg_by_hash, w->batch[i].h, &idx[i]))
			idx[i] = ANALYZE_NONE;
		else
			__builtin_prefetch(&w->t[idx[i]], 1);
	}
	for (size_t i = 0; i < w->n_batch; i++) {
		uint32_t mi = idx[i];

		if (mi == ANALYZE_NONE)
			continue;
		w->lines++;
		if (w->job[mi] == UINT32_MAX || w->batch[i].t >= w->t[mi]) {
			w->job[mi] = w->cur_job;
			w->t[mi] = w->batch[i].t;
		}
	}
	w->n_batch = 0;
}

static int traces_line(void *ctx, const char *p, size_t n)
{
	struct traces_worker *w = ctx;
	struct traces_sighting *s;
	struct fleetlog_line l;
	uint32_t mi;

	/* msg_hash, hash, envelopeHash, messageHash: a line without "ash" names none */
	if (!memmem(p, n, "ash", 3))
		return 0;
	if (!fleetlog_reader_line(&w->rd, p, n, &l))
		return 0;
	if (l.short_hash) {
		if (!amap_get(w->by_short, l.hash, l.hash_len, &mi) || mi == UINT32_MAX)
			return 0;
		l.hash = w->run->msgs[mi].hash;
		l.hash_len = strlen(l.hash);
	}
	if (l.has_t)
		w->last_t = (double)l.t_ns / 1e6;
	s = &w->batch[w->n_batch++];
	s->t = w->last_t; /* an untimed line happened after the last timed one */
	amap_hash2(l.hash, l.hash_len, s->h);
	amap_prefetch(&w->run->msg_by_hash, s->h);
	if (w->n_batch == TRACES_BATCH)
		traces_flush(w);
	return 0;
}

static void *traces_work(void *arg)
{
	struct traces_worker *w = arg;

	for (;;) {
		size_t j = __atomic_fetch_add(w->next_job, 1, __ATOMIC_RELAXED);

		if (j >= w->n_jobs)
			break;
		w->cur_job = (uint32_t)j;
		w->last_t = 0;
		fleetlog_reader_init(&w->rd, FLEETLOG_AUTO, w->ref_ns);
		if (linescan_file(w->jobs[j].path, traces_line, w, &w->err) < 0 &&
		    w->err.code != ENOENT) {
			w->rc = -1;
			fleetlog_reader_free(&w->rd);
			break;
		}
		fleetlog_reader_free(&w->rd);
		traces_flush(w);
	}
	return NULL;
}

static int traces_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* nodes/<name>/stdout.log for every node folder, in name order. */
static struct traces_job *traces_jobs(struct analyze_run *run, size_t *n, struct fl_error *err)
{
	char dir[4096];
	struct dirent **list = NULL;
	struct traces_job *jobs;
	int m;

	snprintf(dir, sizeof(dir), "%s/nodes", run->dir);
	*n = 0;
	m = scandir(dir, &list, traces_filter, alphasort);
	if (m < 0) {
		if (errno != ENOENT)
			fl_err_errno(err, "read %s", dir);
		return NULL;
	}
	jobs = fl_xcalloc((size_t)m + 1, sizeof(*jobs));
	for (int i = 0; i < m; i++) {
		uint32_t node = runload_node(run, list[i]->d_name, strlen(list[i]->d_name), 1);

		if (node != ANALYZE_NONE) {
			snprintf(jobs[*n].path, sizeof(jobs[*n].path), "%s/%s/stdout.log", dir,
				 list[i]->d_name);
			jobs[(*n)++].node = node;
		}
		free(list[i]);
	}
	free(list);
	return jobs;
}

/* Keeps, per message, the latest sighting over all workers (the later file on a tie). */
static void traces_merge(struct analyze_run *run, struct traces_worker *w, size_t n_workers,
			 const struct traces_job *jobs)
{
	for (size_t i = 0; i < run->n_msgs; i++) {
		uint32_t best = UINT32_MAX;
		double t = 0;

		for (size_t k = 0; k < n_workers; k++) {
			uint32_t j = w[k].job[i];

			if (j != UINT32_MAX &&
			    (best == UINT32_MAX || w[k].t[i] > t || (w[k].t[i] == t && j > best))) {
				best = j;
				t = w[k].t[i];
			}
		}
		if (best != UINT32_MAX) {
			run->msgs[i].trace_node = jobs[best].node;
			run->msgs[i].trace_t = t;
		}
	}
	for (size_t k = 0; k < n_workers; k++)
		run->trace_lines += w[k].lines;
}

static size_t traces_n_workers(size_t n_jobs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 0 ? (size_t)cpus : 1;

	n = n > TRACES_MAX_WORKERS ? TRACES_MAX_WORKERS : n;
	return n > n_jobs ? (n_jobs ? n_jobs : 1) : n;
}

static int traces_run(struct analyze_run *run, struct traces_worker *w, size_t n_workers,
		      struct fl_error *err)
{
	pthread_t tid[TRACES_MAX_WORKERS];
	size_t started = 0;
	int rc = 0;

	for (size_t k = 1; k < n_workers; k++) { /* worker 0 is this thread */
		if (pthread_create(&tid[k], NULL, traces_work, &w[k]) != 0)
			break;
		started = k;
	}
	traces_work(&w[0]);
	for (size_t k = 1; k <= started; k++)
		pthread_join(tid[k], NULL);
	for (size_t k = 0; k < n_workers; k++) {
		if (w[k].rc < 0 && rc == 0) {
			*err = w[k].err;
			rc = -1;
		}
	}
	return rc;
}

/* The short form of every message's hash (nwaku's shortLog), for lines that log only that. */
static void traces_short_map(struct analyze_run *run, struct amap *m)
{
	char sh[14];
	uint32_t idx;

	for (size_t i = 0; i < run->n_msgs; i++) {
		const char *h = run->msgs[i].hash;

		if (!h || fleetlog_short_of(h, strlen(h), sh) < 0)
			continue;
		/* two messages whose hashes look alike in short: ambiguous */
		amap_put(m, sh, 13, amap_get(m, sh, 13, &idx) ? UINT32_MAX : (uint32_t)i);
	}
}

int traces_load(struct analyze_run *run, struct fl_error *err)
{
	struct traces_worker w[TRACES_MAX_WORKERS];
	size_t n_jobs, n_workers, next = 0;
	struct traces_job *jobs;
	struct amap by_short = {0};
	uint64_t ref_ns = 0;
	int rc = 0;

	if (run->msg_by_hash.len == 0)
		return 0;
	jobs = traces_jobs(run, &n_jobs, err);
	if (!jobs)
		return err->msg[0] ? -1 : 0;
	if (run->started_at)
		kvscan_iso_ns(run->started_at, strlen(run->started_at), &ref_ns);
	traces_short_map(run, &by_short);
	n_workers = traces_n_workers(n_jobs);
	memset(w, 0, sizeof(w));
	for (size_t k = 0; k < n_workers; k++) {
		w[k] = (struct traces_worker){.run = run,
					      .by_short = &by_short,
					      .ref_ns = ref_ns,
					      .jobs = jobs,
					      .n_jobs = n_jobs,
					      .next_job = &next};
		w[k].job = fl_xreallocarray(NULL, run->n_msgs + 1, sizeof(*w[k].job));
		w[k].t = fl_xreallocarray(NULL, run->n_msgs + 1, sizeof(*w[k].t));
		memset(w[k].job, 0xff, (run->n_msgs + 1) * sizeof(*w[k].job));
	}
	if (rc == 0)
		rc = traces_run(run, w, n_workers, err);
	if (rc == 0)
		traces_merge(run, w, n_workers, jobs);
	for (size_t k = 0; k < n_workers; k++) {
		free(w[k].job);
		free(w[k].t);
	}
	amap_free(&by_short);
	free(jobs);
	return rc;
}
