/* SHA-256 (FIPS 180-4), self-contained: labnode hashes every message, and OpenSSL's
 * initialisation alone touched ~3 MiB of libcrypto pages in every node. */
#ifndef LN_SHA256_H
#define LN_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct ln_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};

void ln_sha256_init(struct ln_sha256 *c);
void ln_sha256_update(struct ln_sha256 *c, const void *p, size_t len);
void ln_sha256_final(struct ln_sha256 *c, uint8_t out[32]);
void ln_sha256(const void *p, size_t len, uint8_t out[32]);

#endif
