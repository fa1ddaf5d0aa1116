/* store-query through labnode: the asking node's GET /store/v3/messages with nwaku's peerAddr
 * (the store node, /ip4/A/tcp/60000; none when a node asks its own store) and the hashes, at
 * most 100 a request (nwaku's page limit). The hashes in the answer are those the store
 * holds. */
#include "orchestrator/drivers/driver_json.h"
#include "orchestrator/drivers/labnode.h"

#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_BATCH 100

static int store_batch(struct driver_node *n, const struct driver_node *store, char (*hashes)[80],
		       size_t nh, unsigned char *found, struct fl_error *err)
{
	char(*got)[80] = fl_xcalloc(STORE_BATCH, sizeof(*got));
	size_t cap = 256 + nh * 68, len;
	char *path = fl_xmalloc(cap), *cursor = NULL;
	struct driver_http_reply rep = {0};
	int k, rc = -1;

	len = (size_t)snprintf(path, cap, "/store/v3/messages?pageSize=%d&hashes=", STORE_BATCH);
	for (size_t i = 0; i < nh; i++)
		len += (size_t)snprintf(path + len, cap - len, "%s%s", i ? "," : "", hashes[i]);
	if (store != n)
		snprintf(path + len, cap - len, "&peerAddr=/ip4/%s/tcp/60000", store->address);
	if (driver_http(n, "GET", path, NULL, &rep, err) < 0)
		goto out;
	if (rep.status != 200) {
		fl_err(err, "%s: store query at %s: HTTP %ld: %.200s", n->name, store->name,
		       rep.status, rep.body ? rep.body : "");
		goto out;
	}
	k = driver_json_store_hashes(rep.body, got, STORE_BATCH, &cursor);
	if (k < 0) {
		fl_err(err, "%s: store query at %s: malformed answer", n->name, store->name);
		goto out;
	}
	for (int j = 0; j < k; j++)
		for (size_t i = 0; i < nh; i++)
			if (strcmp(got[j], hashes[i]) == 0)
				found[i] = 1;
	rc = 0;
out:
	free(cursor);
	free(rep.body);
	free(path);
	free(got);
	return rc;
}

int labnode_store_query(struct driver_node *n, const struct driver_node *store, char (*hashes)[80],
			size_t nh, unsigned char *found, struct fl_error *err)
{
	memset(found, 0, nh);
	for (size_t i = 0; i < nh; i += STORE_BATCH)
		if (store_batch(n, store, hashes + i, nh - i < STORE_BATCH ? nh - i : STORE_BATCH,
				found + i, err) < 0)
			return -1;
	return 0;
}
