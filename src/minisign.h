/* minisign's key and signature formats over libsodium's Ed25519, so that the stock `minisign`
 * tool verifies our signatures and we verify its: public keys, unencrypted secret keys and
 * .minisig files, with the prehashed (`ED`, BLAKE2b-512 of the message) and legacy (`Ed`)
 * algorithms. Format: https://jedisct1.github.io/minisign/ */
#ifndef KX_MINISIGN_H
#define KX_MINISIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MINISIGN_KEYID_LEN 8

struct minisign_pubkey {
	uint8_t key_id[MINISIGN_KEYID_LEN];
	uint8_t pk[32];
};

struct minisign_seckey {
	uint8_t key_id[MINISIGN_KEYID_LEN];
	uint8_t sk[64]; /* libsodium's Ed25519 secret key (seed || public key) */
};

/* A new random key pair. */
void minisign_keygen(struct minisign_pubkey *pub, struct minisign_seckey *sec);
void minisign_seckey_wipe(struct minisign_seckey *sec); /* sodium_memzero */

/* Public key: accepts either the whole file ("untrusted comment: ...\n<base64>\n") or the bare
 * base64 line. 0, or -1 with err (400 "invalid_field"). */
int minisign_pubkey_parse(const char *text, struct minisign_pubkey *out, struct kx_error *err);
/* The whole file text, "untrusted comment: minisign public key XXXXXXXXXXXXXXXX\n<base64>\n";
 * caller frees. */
char *minisign_pubkey_format(const struct minisign_pubkey *pub);
/* The base64 line alone (no newline); caller frees. */
char *minisign_pubkey_base64(const struct minisign_pubkey *pub);
/* Key id as 16 upper-case hex digits as minisign prints it (little-endian u64), NUL-terminated. */
void minisign_key_id_hex(const uint8_t key_id[MINISIGN_KEYID_LEN], char out[17]);

/* Unencrypted secret key file (kdf algorithm "\0\0", as `minisign -G -W` writes): parse and
 * format. Parsing checks the BLAKE2b checksum. Caller frees the formatted text (it holds the
 * secret: sodium_memzero it before free). */
int minisign_seckey_parse(const char *text, struct minisign_seckey *out, struct kx_error *err);
char *minisign_seckey_format(const struct minisign_seckey *sec);

/* Passphrase-protected keys as `minisign -G` writes them (scrypt, kdf "Sc"): parse with the
 * passphrase (NULL: only unencrypted keys; an encrypted one answers 400 with field
 * "passphrase", as does a wrong passphrase), and format encrypted. */
int minisign_seckey_parse_password(const char *text, const char *password,
				   struct minisign_seckey *out, struct kx_error *err);
char *minisign_seckey_format_password(const struct minisign_seckey *sec, const char *password);
bool minisign_seckey_encrypted(const char *text);

/* Signs msg, prehashed (`ED`), with the given trusted comment (NULL: "timestamp:<unix time>").
 * Returns the whole .minisig text (4 lines, each ending in "\n"); caller frees. */
char *minisign_sign(const struct minisign_seckey *sec, const void *msg, size_t len,
		    const char *trusted_comment);

/* Verifies a .minisig text over msg against pub: key id match, `ED` or `Ed` signature, and the
 * global signature over the trusted comment. 0, or -1 with err (403 "signature_invalid" for a
 * bad or mismatched signature, 400 "invalid_field" for text that is not a signature). When
 * trusted_comment is not NULL it receives a malloc'd copy of the trusted comment on success. */
int minisign_verify(const struct minisign_pubkey *pub, const void *msg, size_t len,
		    const char *sig_text, char **trusted_comment, struct kx_error *err);

#endif
