/* Direct messages and their reliability layers. */
#include "images/labnode/ln_dm.h"

#include "images/labnode/ln_node.h"

#include <string.h>

int ln_dm_init(struct ln_node *n, struct fl_error *err)
{
	printf("messenger started, public key: %s\n", n->pubkey);
	return 0;
}

void ln_dm_free(struct ln_node *n)
{
}

void ln_dm_peer_up(struct ln_node *n, struct ln_peer *p)
{
}

void ln_dm_peer_down(struct ln_node *n, struct ln_peer *p)
{
}

void ln_dm_wakeup(struct ln_node *n)
{
}

void ln_dm_on_message(struct ln_node *n, const char *pubsub, const struct ln_msg *m,
		      const uint8_t hash[LN_HASH_LEN])
{
}

int ln_dm_send(struct ln_node *n, enum ln_dm_kind kind, const char *const *to, int n_to,
	       const char *text, char id_out[67], struct fl_error *err)
{
	return fl_err(err, "direct messages are not implemented yet");
}
