/* SHA-256 (nettle) and its base64 text (libsodium). */
#include "digest.h"

#include <sodium.h>
#include <string.h>

void digest_init(struct digest_state *d)
{
	sha256_init(&d->ctx);
}

void digest_update(struct digest_state *d, const void *data, size_t len)
{
	sha256_update(&d->ctx, len, (const uint8_t *)data);
}

void digest_final(struct digest_state *d, uint8_t out[32])
{
	sha256_digest(&d->ctx, SHA256_DIGEST_SIZE, out);
}

void digest_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct digest_state d;
	digest_init(&d);
	digest_update(&d, data, len);
	digest_final(&d, out);
}

void digest_b64(const uint8_t hash[32], char out[DIGEST_B64_LEN])
{
	sodium_bin2base64(out, DIGEST_B64_LEN, hash, 32, sodium_base64_VARIANT_ORIGINAL);
}

void digest_sha256_b64(const void *data, size_t len, char out[DIGEST_B64_LEN])
{
	uint8_t h[32];
	digest_sha256(data, len, h);
	digest_b64(h, out);
}

int digest_from_b64(const char *text, uint8_t out[32])
{
	size_t n = 0;
	if (!text || strlen(text) != 44)
		return -1;
	if (sodium_base642bin(out, 32, text, 44, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != 32)
		return -1;
	return 0;
}
