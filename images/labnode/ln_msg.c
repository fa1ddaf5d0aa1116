#include "images/labnode/ln_msg.h"

#include "common/xalloc.h"
#include "images/labnode/ln_buf.h"

#include "images/labnode/ln_sha256.h"
#include <stdlib.h>
#include <string.h>

void ln_msg_hash(const char *pubsub, const struct ln_msg *m, uint8_t out[LN_HASH_LEN])
{
	struct ln_sha256 c;
	uint8_t ts[8];
	uint64_t t = (uint64_t)m->timestamp;

	for (int i = 7; i >= 0; i--, t >>= 8)
		ts[i] = (uint8_t)t;
	ln_sha256_init(&c);
	ln_sha256_update(&c, pubsub, strlen(pubsub));
	if (m->payload_len)
		ln_sha256_update(&c, m->payload, m->payload_len);
	ln_sha256_update(&c, m->content_topic, strlen(m->content_topic));
	if (m->meta_len)
		ln_sha256_update(&c, m->meta, m->meta_len);
	ln_sha256_update(&c, ts, sizeof(ts));
	ln_sha256_final(&c, out);
}

void ln_msg_hash_hex(const uint8_t hash[LN_HASH_LEN], char out[67])
{
	out[0] = '0';
	out[1] = 'x';
	ln_buf_hex(hash, LN_HASH_LEN, out + 2);
}

void ln_msg_set_payload(struct ln_msg *m, const void *p, size_t n)
{
	free(m->payload);
	m->payload = NULL;
	m->payload_len = 0;
	if (!n)
		return;
	m->payload = fl_xmalloc(n);
	memcpy(m->payload, p, n);
	m->payload_len = n;
}

void ln_msg_copy(struct ln_msg *dst, const struct ln_msg *src)
{
	*dst = *src;
	dst->payload = NULL;
	dst->payload_len = 0;
	ln_msg_set_payload(dst, src->payload, src->payload_len);
}

void ln_msg_free(struct ln_msg *m)
{
	free(m->payload);
	m->payload = NULL;
	m->payload_len = 0;
}
