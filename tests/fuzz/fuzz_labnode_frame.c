/* Feeds arbitrary bytes to labnode's frame decoder as a stream, then decodes every frame's
 * message, store response and nested entries the way the node does; then the same bytes as a
 * REST body (base64, JSON message). */
#include "images/labnode/ln_frame.h"
#include "images/labnode/ln_json.h"
#include "images/labnode/ln_node.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	/* the same bytes as REST input: base64 and a JSON message body */
	char *text = malloc(size + 1);
	uint8_t out[256];
	memcpy(text, data, size);
	text[size] = '\0';
	ln_json_unb64(text, out, sizeof(out));
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	if (j && ln_json_to_msg(j, &m, &err) == 0)
		ln_msg_free(&m);
	json_decref(j);
	free(text);
	return 0;
}
