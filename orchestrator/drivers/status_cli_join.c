/* The status-cli driver's join requests (status_cli.h). A join request carries no text and
 * status-cli prints no `message received:` line for it (serve.go logs only the chat messages
 * of its messages.new signal), so the driver sees it through status-go's JSON-RPC:
 *
 * - send: the requester fetches the owner's community (wakuext_fetchCommunity [{communityKey,
 *   waitForResponse: true, tryDatabase: true}], tried again until it answers the community:
 *   status-cli-tests @ 07d9737 retries it for 30 s, here 10 s) and asks to join
 *   (wakuext_requestToJoinCommunity [{communityId, addressesToReveal: ["fakeaddress"],
 *   airdropAddress: "fakeaddress"}], status_node.py request_to_join_community) →
 *   result.requestsToJoinCommunity[0].id, the send's node_msg_id;
 * - receipt: the owner's wakuext_pendingRequestsToJoinForCommunity [communityId] lists the
 *   request (services/ext/api.go): a `received` line of the plan's text at the owner;
 * - accept: true: the owner accepts it then (wakuext_acceptRequestToJoinCommunity [{id}], as
 *   status-cli-tests' join_created_communities does);
 * - acceptance: the requester's wakuext_joinedCommunities [] lists the community: a
 *   `received` line "<plan id>.accept" at the requester (analyze/accept.c).
 *
 * The lines go to the node's receipts file (driver.h receipts), polled at the run's fastest
 * tick while a request is outstanding (poll_soon). */
#include "orchestrator/drivers/status_cli.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/xalloc.h"
#include "orchestrator/drivers/driver_json.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SC_FETCH_MS 10000

struct sc_join {
	struct driver_node *from, *owner;
	char cid[160], rid[160];
	char *text; /* the plan's text: its first word is the plan's message id */
	int accept; /* scenario accept: true */
	int received, accepted, joined;
};

static pthread_mutex_t sc_join_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sc_join *sc_joins;
static size_t sc_n_joins, sc_cap_joins;

/* wakuext_fetchCommunity until it answers the community (its description travels from the
 * owner first). */
static int sc_fetch(struct driver_node *n, const char *cid, struct fl_error *err)
{
	double until = fltime_mono_ms() + SC_FETCH_MS;

	for (;;) {
		json_auto_t *res = NULL;
		const char *id;

		if (driver_json_rpc(n, "wakuext_fetchCommunity",
				    json_pack("[{s:s,s:b,s:b}]", "communityKey", cid,
					      "waitForResponse", 1, "tryDatabase", 1),
				    &res, err) < 0)
			return -1;
		id = json_string_value(json_object_get(res, "id"));
		if (id && strcasecmp(id, cid) == 0)
			return 0;
		if (fltime_mono_ms() >= until)
			return fl_err(err,
				      "%s: wakuext_fetchCommunity found no community %s in %d s",
				      n->name, cid, SC_FETCH_MS / 1000);
		if (n->cancel && *n->cancel)
			return fl_err(err, "%s: cancelled", n->name);
		fltime_sleep_ms(250);
	}
}

int sc_join_send(struct driver_node *n, struct driver_node *owner, const char *cid,
		 const char *text, int accept, struct driver_sent *out, struct fl_error *err)
{
	json_auto_t *res = NULL;
	const char *rid;
	struct sc_join *j;

	if (sc_fetch(n, cid, err) < 0)
		return -1;
	if (driver_json_rpc(n, "wakuext_requestToJoinCommunity",
			    json_pack("[{s:s,s:[s],s:s}]", "communityId", cid, "addressesToReveal",
				      "fakeaddress", "airdropAddress", "fakeaddress"),
			    &res, err) < 0)
		return -1;
	rid = json_string_value(json_object_get(
	    json_array_get(json_object_get(res, "requestsToJoinCommunity"), 0), "id"));
	if (!rid || !*rid || strlen(rid) >= sizeof(j->rid))
		return fl_err(err,
			      "%s: wakuext_requestToJoinCommunity answered no "
			      "requestsToJoinCommunity[0].id",
			      n->name);
	snprintf(out->node_msg_id, sizeof(out->node_msg_id), "%s", rid);
	pthread_mutex_lock(&sc_join_mu);
	if (sc_n_joins == sc_cap_joins) {
		sc_cap_joins = sc_cap_joins * 2 + 16;
		sc_joins = fl_xreallocarray(sc_joins, sc_cap_joins, sizeof(*sc_joins));
	}
	j = &sc_joins[sc_n_joins++];
	memset(j, 0, sizeof(*j));
	j->from = n;
	j->owner = owner;
	snprintf(j->cid, sizeof(j->cid), "%s", cid);
	snprintf(j->rid, sizeof(j->rid), "%s", rid);
	j->text = fl_xstrdup(text);
	j->accept = accept;
	owner->poll_soon = 1;
	pthread_mutex_unlock(&sc_join_mu);
	return 0;
}

static void sc_receipt_line(FILE *events, const char *id, const char *kind, const char *peer,
			    const char *text)
{
	json_auto_t *line =
	    json_pack("{s:f,s:s,s:s,s:s,s:s,s:s,s:s}", "t_ms", fltime_mono_ms(), "event",
		      "received", "id", id, "hash", "", "kind", kind, "peer", peer, "text", text);

	json_dumpf(line, events, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', events);
}

/* 1 when list (an array of objects) holds one whose `field` is value. */
static int sc_listed(json_t *list, const char *field, const char *value)
{
	json_t *o;
	size_t i;

	json_array_foreach(list, i, o) {
		const char *v = json_string_value(json_object_get(o, field));

		if (v && strcasecmp(v, value) == 0)
			return 1;
	}
	return 0;
}

/* The owner n: requests it now lists are received, and accepted when asked. Under the lock. */
static int sc_join_owner(struct driver_node *n, FILE *events, struct fl_error *err)
{
	int count = 0;

	for (size_t i = 0; i < sc_n_joins; i++) {
		struct sc_join *j = &sc_joins[i];
		json_auto_t *pending = NULL, *res = NULL;
		char key[192];

		if (j->owner != n || (j->received && (!j->accept || j->accepted)))
			continue;
		if (!j->received) {
			if (driver_json_rpc(n, "wakuext_pendingRequestsToJoinForCommunity",
					    json_pack("[s]", j->cid), &pending, err) < 0)
				return -1;
			if (!sc_listed(pending, "id", j->rid))
				continue;
			driver_node_key(j->from, key, sizeof(key));
			sc_receipt_line(events, j->rid, "join-request", key, j->text);
			j->received = 1;
			count++;
		}
		if (j->accept &&
		    driver_json_rpc(n, "wakuext_acceptRequestToJoinCommunity",
				    json_pack("[{s:s}]", "id", j->rid), &res, err) == 0) {
			j->accepted = 1;
			j->from->poll_soon = 1;
		}
	}
	return count;
}

/* The requester n: an accepted request whose community it has joined. Under the lock. */
static int sc_join_requester(struct driver_node *n, FILE *events, struct fl_error *err)
{
	json_auto_t *joined = NULL;
	int count = 0;

	for (size_t i = 0; i < sc_n_joins; i++) {
		struct sc_join *j = &sc_joins[i];
		char text[96], key[192];

		if (j->from != n || !j->accepted || j->joined)
			continue;
		if (!joined &&
		    driver_json_rpc(n, "wakuext_joinedCommunities", json_array(), &joined, err) < 0)
			return -1;
		if (!sc_listed(joined, "id", j->cid))
			continue;
		snprintf(text, sizeof(text), "%.*s.accept", (int)strcspn(j->text, " "), j->text);
		driver_node_key(j->owner, key, sizeof(key));
		sc_receipt_line(events, "", "accept", key, text);
		j->joined = 1;
		count++;
	}
	return count;
}

int sc_join_receipts(struct driver_node *n, FILE *events, struct fl_error *err)
{
	int a, b, more = 0;

	pthread_mutex_lock(&sc_join_mu);
	a = sc_join_owner(n, events, err);
	b = a < 0 ? -1 : sc_join_requester(n, events, err);
	for (size_t i = 0; i < sc_n_joins && !more; i++) {
		const struct sc_join *j = &sc_joins[i];

		more = (j->owner == n && (!j->received || (j->accept && !j->accepted))) ||
		       (j->from == n && j->accept && !j->joined);
	}
	n->poll_soon = more;
	pthread_mutex_unlock(&sc_join_mu);
	fflush(events);
	return a < 0 || b < 0 ? -1 : a + b;
}

void sc_join_forget(struct driver_node *n)
{
	size_t k = 0;

	pthread_mutex_lock(&sc_join_mu);
	for (size_t i = 0; i < sc_n_joins; i++) {
		if (sc_joins[i].from == n || sc_joins[i].owner == n)
			free(sc_joins[i].text);
		else
			sc_joins[k++] = sc_joins[i];
	}
	sc_n_joins = k;
	if (!k) {
		free(sc_joins);
		sc_joins = NULL;
		sc_cap_joins = 0;
	}
	pthread_mutex_unlock(&sc_join_mu);
}
