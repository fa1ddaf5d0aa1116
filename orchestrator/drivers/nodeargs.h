/* Placeholders in a node's scenario `args:` (docs/faultlab-scenario.5, "Node arguments"): a
 * real node's command line names its peers itself (nwaku --staticnode, go-waku
 * --staticnode, labnode --peer), so an argument may say where they are:
 *
 *   @PEER@        the argument is repeated once per node this node dials (its links, in plan
 *                 order), with @PEER@ replaced by that node's address; none without links
 *   @PEERS@       the dialled nodes' addresses, comma-joined ("" without links)
 *   @ADDR@        this node's address;  @ADDR:<node>@  node <node>'s address
 *   @NAME@        this node's name
 *
 * Ports are the node's own (the scenario writes them: "--peer=@PEER@:60000"). @DATA@ stays
 * for the runtime (the node's data dir). An unknown @ADDR:<node>@ is left as written. */
#ifndef FL_NODEARGS_H
#define FL_NODEARGS_H

#include "orchestrator/drivers/driver.h"

struct nodeargs {
	const char *name, *address;
	const char *const *peers; /* the dialled nodes' addresses */
	size_t n_peers;
	/* node name (len bytes) → its address, NULL when no such node */
	const char *(*addr_of)(void *ctx, const char *name, size_t len, char *buf, size_t cap);
	void *addr_ctx;
};

/* Pushes arg, expanded, 0..n times. */
void nodeargs_expand(const struct nodeargs *x, const char *arg, driver_push_fn push, void *ctx);

#endif
