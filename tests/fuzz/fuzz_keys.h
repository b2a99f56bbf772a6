/* Fuzzing helper: a fixed Ed25519 key pair (from a constant seed), so that seed corpora can
 * hold valid signatures and notes that the harnesses check against the same key. A harness
 * run with FUZZ_WRITE_SEEDS=DIR writes its generated seeds into DIR and exits. */
#ifndef KX_FUZZ_KEYS_H
#define KX_FUZZ_KEYS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "minisign.h"

static inline void fz_fixed_key(struct minisign_pubkey *pub, struct minisign_seckey *sec)
{
	uint8_t seed[32], pk[32];
	memset(seed, 0x42, sizeof seed);
	if (sodium_init() < 0)
		abort();
	crypto_sign_seed_keypair(pk, sec->sk, seed);
	memcpy(sec->key_id, "KLAXFUZZ", MINISIGN_KEYID_LEN);
	memcpy(pub->key_id, sec->key_id, MINISIGN_KEYID_LEN);
	memcpy(pub->pk, pk, 32);
}

static inline void fz_write_seed(const char *dir, const char *name, const void *data, size_t n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n)
		abort();
	fclose(f);
}

#endif
