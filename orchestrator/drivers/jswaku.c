/* The jswaku driver: js-waku relay nodes (images/jswaku, the published @waku packages under
 * Node.js). jswaku answers labnode's control surfaces (nwaku-shaped REST, the status-cli
 * JSON-RPC subset, the same --events file and "messenger started, public key:" line), so
 * every request is labnode's; what differs is the node's command line and what it takes:
 * the relay role only, reliability `sds` (Scalable Data Sync, @waku/sds), and the real Waku
 * wire (libp2p, gossipsub /vac/waku/relay/2.0.0), which labnode does not speak.
 *
 * On a runtime without images the program is a script: argv is `node --import
 * <dir>/lib/polyfill.mjs <dir>/jswaku.mjs <flags>` (node from PATH; the polyfill adds
 * Promise.withResolvers, which Node 20 lacks and libp2p 1.x calls). On docker the image's
 * entrypoint is `node /jswaku/jswaku.mjs` and takes the flags. */
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/labnode.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* node, the polyfill first, then the program (absolute: the node starts in its data dir). */
static void jswaku_host_argv(const char *program, driver_push_fn push, void *ctx)
{
	char path[PATH_MAX], poly[PATH_MAX + 32];
	const char *slash;

	if (!realpath(program, path))
		snprintf(path, sizeof(path), "%s", program);
	slash = strrchr(path, '/');
	snprintf(poly, sizeof(poly), "%.*slib/polyfill.mjs", slash ? (int)(slash - path + 1) : 0,
		 path);
	push(ctx, "node");
	push(ctx, "--import");
	push(ctx, poly);
	push(ctx, path);
}

/* jswaku's flags (images/jswaku/README.md): labnode's names, no store, the identity seed
 * through the 0600 file the run writes (never on a command line). */
static void jswaku_launch_args(const struct driver_launch *l, driver_push_fn push, void *ctx)
{
	char buf[64];

	push(ctx, "--name"), push(ctx, l->name);
	push(ctx, "--role"), push(ctx, l->role);
	push(ctx, "--listen"), push(ctx, "0.0.0.0:60000");
	push(ctx, "--rest"), push(ctx, "0.0.0.0:8645");
	push(ctx, "--events"), push(ctx, "@DATA@/events.jsonl");
	push(ctx, "--identity-file"), push(ctx, "@DATA@/" DRIVER_IDENTITY_FILE);
	push(ctx, "--reliability"), push(ctx, l->reliability);
	for (size_t i = 0; i < l->n_peers; i++) {
		snprintf(buf, sizeof(buf), "%s:60000", l->peers[i]);
		push(ctx, "--peer"), push(ctx, buf);
	}
}

static const char *const jswaku_reliability[] = {"sds", NULL};
static const char *const jswaku_roles[] = {"relay", NULL};

const struct driver_ops driver_jswaku_ops = {
    .name = "jswaku",
    .reliability = jswaku_reliability,
    .roles = jswaku_roles,
    .wire = "waku",
    .program_env = "FL_JSWAKU",
    .program = "../images/jswaku/jswaku.mjs",
    .host_argv = jswaku_host_argv,
    .launch_args = jswaku_launch_args,
    .health = labnode_health,
    .identity = labnode_identity,
    .connect = labnode_connect,
    .send = labnode_send,
    .receipts = labnode_receipts,
    .own_events = labnode_own_events,
    .release = labnode_release,
};
