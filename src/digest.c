/* SHA-256 and its base64 text, through libsodium. */
#include "digest.h"

#include <sodium.h>
#include <string.h>

void digest_sha256(const void *data, size_t len, uint8_t out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)data, len);
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
