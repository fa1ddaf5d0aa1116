/* Feeds arbitrary bytes to labnode's frame decoder as a stream, then decodes every frame's
 * message, store response and nested entries the way the node does. */
#include "images/labnode/ln_frame.h"
#include "images/labnode/ln_node.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ln_frame frame;
static struct ln_store_page page;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_error err;
	size_t pos = 0, used;
	char pubsub[LN_TOPIC_MAX], desc[256];
	struct ln_msg m;
	int code;

	while (pos < size) {
		int r = ln_frame_parse(data + pos, size - pos, &frame, &used, &err);
		if (r <= 0)
			break;
		if (ln_frame_get_msg(frame.f, frame.n, pubsub, &m, &err) == 0) {
			uint8_t h[LN_HASH_LEN];
			ln_msg_hash(pubsub, &m, h);
			ln_msg_free(&m);
		}
		ln_relay_decode_page(frame.f, frame.n, &page, &code, desc, sizeof(desc));
		ln_store_page_free(
		    &page); /* also after a failure: earlier entries may own payloads */
		pos += used;
	}
	return 0;
}
