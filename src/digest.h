/* SHA-256 digests as they travel: standard base64 (API.md: hashes are base64 unless a field
 * says hex). The hashing is nettle's, which uses the CPU's SHA instructions where it has them:
 * ~1.2 GB/s against libsodium's portable ~350 MB/s on this project's machines, and an
 * evidence bundle's export and verification each hash every byte of it. */
#ifndef KX_DIGEST_H
#define KX_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define DIGEST_B64_LEN 45 /* 44 characters + NUL */

/* SHA-256 of data given in pieces. */
struct digest_state {
	struct sha256_ctx ctx;
};
void digest_init(struct digest_state *d);
void digest_update(struct digest_state *d, const void *data, size_t len);
void digest_final(struct digest_state *d, uint8_t out[32]);

void digest_sha256(const void *data, size_t len, uint8_t out[32]);
void digest_sha256_b64(const void *data, size_t len, char out[DIGEST_B64_LEN]);
void digest_b64(const uint8_t hash[32], char out[DIGEST_B64_LEN]);
/* 0 and the 32 bytes, or -1 when the text is not base64 of exactly 32 bytes. */
int digest_from_b64(const char *text, uint8_t out[32]);

#endif
