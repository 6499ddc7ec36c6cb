/* sha256.h — SHA-256 (FIPS 180-4), one-shot and incremental.
 *
 * Used for the `source.sha256` of every manifest in context.json.  No
 * function here allocates or fails.
 */
#ifndef MR_SHA256_H
#define MR_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Incremental state; treat as opaque.  Embedded by value: no free needed. */
typedef struct mr_sha256_ctx {
	uint32_t h[8];        /* running hash value H(i) */
	uint64_t total;       /* message bytes seen so far */
	uint8_t block[64];    /* pending partial block */
	size_t fill;          /* bytes used in block */
} mr_sha256_ctx;

void mr_sha256_init(mr_sha256_ctx *c);
/* Feed len bytes; data may be NULL when len is 0. */
void mr_sha256_update(mr_sha256_ctx *c, const void *data, size_t len);
/* Writes the 32-byte digest.  The context must be re-initialised before reuse. */
void mr_sha256_final(mr_sha256_ctx *c, uint8_t out[32]);

/* Digest of data[0..len) into out. */
void mr_sha256(const void *data, size_t len, uint8_t out[32]);
/* Lowercase hexadecimal digest, NUL-terminated (64 digits + NUL). */
void mr_sha256_hex(const void *data, size_t len, char out[65]);

#endif
