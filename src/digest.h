/* SHA-256 digests as they travel: standard base64 (API.md: hashes are base64 unless a field
 * says hex). */
#ifndef KX_DIGEST_H
#define KX_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_B64_LEN 45 /* 44 characters + NUL */

void digest_sha256(const void *data, size_t len, uint8_t out[32]);
void digest_sha256_b64(const void *data, size_t len, char out[DIGEST_B64_LEN]);
void digest_b64(const uint8_t hash[32], char out[DIGEST_B64_LEN]);
/* 0 and the 32 bytes, or -1 when the text is not base64 of exactly 32 bytes. */
int digest_from_b64(const char *text, uint8_t out[32]);

#endif
