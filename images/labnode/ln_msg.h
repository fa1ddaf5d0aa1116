/* The Waku message (14/WAKU2-MESSAGE) and its deterministic hash. */
#ifndef LN_MSG_H
#define LN_MSG_H

#include <stddef.h>
#include <stdint.h>

#define LN_META_MAX 64
#define LN_TOPIC_MAX 256
#define LN_PAYLOAD_MAX (150 * 1024)
#define LN_HASH_LEN 32

struct ln_msg {
	uint8_t *payload; /* owned; NULL when payload_len is 0 */
	size_t payload_len;
	char content_topic[LN_TOPIC_MAX];
	uint32_t version;
	int64_t timestamp; /* ns since the epoch */
	uint8_t meta[LN_META_MAX];
	size_t meta_len; /* 0: absent */
	int ephemeral;
};

/* sha256(pubsubTopic ‖ payload ‖ contentTopic ‖ meta ‖ timestamp as 8-byte big-endian). */
void ln_msg_hash(const char *pubsub, const struct ln_msg *m, uint8_t out[LN_HASH_LEN]);
/* "0x" + 64 hex digits (out holds 67 bytes). */
void ln_msg_hash_hex(const uint8_t hash[LN_HASH_LEN], char out[67]);
void ln_msg_set_payload(struct ln_msg *m, const void *p, size_t n);
void ln_msg_copy(struct ln_msg *dst, const struct ln_msg *src);
void ln_msg_free(struct ln_msg *m);

#endif
