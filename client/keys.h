/* Keys on the operator's side: minisign-compatible key pairs, and signing a document or an
 * approval statement with one. The secret never leaves this process. */
#ifndef KX_KEYS_H
#define KX_KEYS_H

#include <stddef.h>

/* Writes a new key pair: the secret key (0600, created exclusively) and the public key file.
 * 0, or -1 with a message. */
int keys_generate(const char *sec_path, const char *pub_path, char *err, size_t errlen);
/* The same, the secret key encrypted with a passphrase (minisign's scrypt format). */
int keys_generate_with(const char *sec_path, const char *pub_path, const char *passphrase,
		       char *err, size_t errlen);
/* Is the secret key file passphrase-protected? */
int keys_encrypted(const char *sec_path);
/* Signs with a key that may be passphrase-protected (passphrase NULL: none). */
char *keys_sign_with(const char *sec_path, const char *passphrase, const void *msg, size_t len,
		     const char *trusted_comment, char *err, size_t errlen);
/* Reads a passphrase: the first line of `file` when given, else from the terminal without
 * echo. NULL with a message; caller zeroes and frees. */
char *keys_read_passphrase(const char *file, const char *prompt, char *err, size_t errlen);

/* Signs with the key, asking for its passphrase when it has one (from passphrase_file, else
 * the terminal). */
char *keys_sign_asking(const char *sec_path, const char *passphrase_file, const void *msg,
		       size_t len, char *err, size_t errlen);

/* The .minisig text for msg (prehashed), or NULL with a message; caller frees. */
char *keys_sign(const char *sec_path, const void *msg, size_t len, const char *trusted_comment,
		char *err, size_t errlen);
/* The base64 line of a public key file (or of the public half of a secret key file), or NULL;
 * caller frees. */
char *keys_public_line(const char *path, char *err, size_t errlen);
/* The public key file beside a secret key: "x.key" -> "x.pub", any other name + ".pub" (as
 * keygen writes them, and as minisign names its own pair). */
void keys_pub_path(const char *sec_path, char *out, size_t len);
/* The key id as minisign prints it (16 hex digits) of a key file. */
int keys_id(const char *path, char out[17], char *err, size_t errlen);
/* Reads a whole file (at most max bytes); caller frees. *len gets its length. */
char *keys_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
