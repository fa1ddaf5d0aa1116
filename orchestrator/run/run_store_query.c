/* store-query: on its sender's queue (like a send), node `from` asks each store node of the
 * event which messages of the traffic `of` it holds: those sent so far whose send returned a
 * hash (a message that failed to send, or whose node gave no hash, is not asked). One journal
 * line per store: the plan ids found and missing, or the error that kept it from asking. */
#include "orchestrator/run/run_int.h"

#include "common/log.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The hashes to ask for; ids[i] is the plan message number of hashes[i]. */
static size_t store_query_list(struct run_ctx *c, const struct planread_event *e,
			       char (*hashes)[80], size_t *ids)
{
	size_t n = 0;

	pthread_mutex_lock(&c->sq.mu);
	for (size_t m = 1; m <= c->n_msgs; m++)
		if (c->msg_event[m] && strcmp(c->msg_event[m]->traffic, e->of) == 0 &&
		    c->sq.hashes[m][0]) {
			memcpy(hashes[n], c->sq.hashes[m], sizeof(hashes[n]));
			ids[n++] = m;
		}
	pthread_mutex_unlock(&c->sq.mu);
	return n;
}

/* "m1 m3 …" of the ids whose found[] is want. */
static char *store_query_ids(const size_t *ids, const unsigned char *found, size_t n, int want)
{
	size_t cap = n * 12 + 1, len = 0;
	char *s = fl_xmalloc(cap);

	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!!found[i] == want)
			len +=
			    (size_t)snprintf(s + len, cap - len, "%sm%zu", len ? " " : "", ids[i]);
	return s;
}

void run_store_query_do(struct run_ctx *c, const struct planread_event *e, const char *refused)
{
	struct run_node *from = &c->nt.rn[e->from];
	char(*hashes)[80] = fl_xcalloc(c->n_msgs + 1, sizeof(*hashes));
	size_t *ids = fl_xcalloc(c->n_msgs + 1, sizeof(*ids));
	unsigned char *found = fl_xcalloc(c->n_msgs + 1, 1);
	size_t n = store_query_list(c, e, hashes, ids);

	for (size_t s = 0; s < e->n_to; s++) {
		struct run_node *store = &c->nt.rn[e->to[s]];
		struct runjournal_store_query q = {.id = e->id,
						   .query = e->msg,
						   .traffic = e->traffic,
						   .of = e->of,
						   .node = from->dn.name,
						   .store = store->dn.name,
						   .planned_ms = (double)e->t_ms};
		struct fl_error err = {0};
		char *fnd = NULL, *mis = NULL;
		int rc = -1;

		q.issued_ms = runjournal_now(&c->j);
		if (refused)
			fl_err(&err, "%s", refused);
		else if (!from->up)
			fl_err(&err, "%s is down", from->dn.name);
		else if (!from->drv->store_query)
			fl_err(&err, "%s: driver %s cannot ask a store", from->dn.name,
			       from->drv->name);
		else
			rc = from->drv->store_query(&from->dn, &store->dn, hashes, n, found, &err);
		q.done_ms = runjournal_now(&c->j);
		q.error = rc < 0 ? err.msg : NULL;
		if (rc == 0) {
			q.found = fnd = store_query_ids(ids, found, n, 1);
			q.missing = mis = store_query_ids(ids, found, n, 0);
		}
		runjournal_store_query(&c->j, &q);
		if (rc < 0)
			log_warn("store query %s of %s at %s: %s", e->msg, e->of, store->dn.name,
				 err.msg);
		free(fnd);
		free(mis);
	}
	free(hashes);
	free(ids);
	free(found);
}
