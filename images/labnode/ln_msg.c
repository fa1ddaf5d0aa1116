#include "images/labnode/ln_msg.h"

#include "images/labnode/ln_buf.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void ln_msg_hash(const char *pubsub, const struct ln_msg *m, uint8_t out[LN_HASH_LEN])
{
	static EVP_MD_CTX *c;
	uint8_t ts[8];
	uint64_t t = (uint64_t)m->timestamp;

	for (int i = 7; i >= 0; i--, t >>= 8)
		ts[i] = (uint8_t)t;
	/* One context reused: labnode is single-threaded and EVP_MD_CTX_new costs an allocation. */
	if (!c && !(c = EVP_MD_CTX_new()))
		abort();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, pubsub, strlen(pubsub));
	if (m->payload_len)
		EVP_DigestUpdate(c, m->payload, m->payload_len);
	EVP_DigestUpdate(c, m->content_topic, strlen(m->content_topic));
	if (m->meta_len)
		EVP_DigestUpdate(c, m->meta, m->meta_len);
	EVP_DigestUpdate(c, ts, sizeof(ts));
	EVP_DigestFinal_ex(c, out, NULL);
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
	m->payload = malloc(n);
	if (!m->payload)
		abort();
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
