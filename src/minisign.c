/* minisign keys and signatures over libsodium, byte-compatible with the stock `minisign` 0.11
 * tool: public keys, unencrypted secret keys and .minisig files (prehashed `ED` and legacy
 * `Ed`). Parsers take untrusted text: every line is bounded and every decode is length-checked. */
#include "minisign.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_ALG_LEGACY "Ed" /* signs the message itself; also the key algorithm */
#define MS_ALG_HASHED "ED" /* signs BLAKE2b-512(message) */
#define MS_KDF_NONE "\0\0"
#define MS_KDF_SCRYPT "Sc"
#define MS_CHK_BLAKE2B "B2"
#define MS_UNTRUSTED_PREFIX "untrusted comment: "
#define MS_TRUSTED_PREFIX "trusted comment: "

/* minisign reads lines with fgets into 1024- and 8192-byte buffers; a line that does not fit
 * (with its "\n" and the NUL) is one it would reject, so we reject it too. */
#define MS_COMMENT_LINE_MAX 1022
#define MS_TRUSTED_LINE_MAX 8190
#define MS_TRUSTED_COMMENT_MAX (MS_TRUSTED_LINE_MAX - (sizeof MS_TRUSTED_PREFIX - 1))
#define MS_TEXT_MAX 16384 /* no valid key or signature file comes near this */

#define MS_SIG_LEN 64
#define MS_PUBKEY_RAW_LEN (2 + MINISIGN_KEYID_LEN + 32)          /* alg, key id, pk */
#define MS_SIGBLOB_RAW_LEN (2 + MINISIGN_KEYID_LEN + MS_SIG_LEN) /* alg, key id, sig */

/* Secret key layout: sig alg, kdf alg, checksum alg, salt, opslimit, memlimit, key id, sk, chk. */
#define MS_SK_OFF_KEYID (2 + 2 + 2 + 32 + 8 + 8)
#define MS_SK_OFF_SK (MS_SK_OFF_KEYID + MINISIGN_KEYID_LEN)
#define MS_SK_OFF_CHK (MS_SK_OFF_SK + 64)
#define MS_SECKEY_RAW_LEN (MS_SK_OFF_CHK + 32)

#define MS_B64_LEN(n) (sodium_base64_ENCODED_LEN((n), sodium_base64_VARIANT_ORIGINAL) - 1)

struct ms_cursor {
	const char *p;
	const char *end;
};

struct ms_sigfile {
	uint8_t blob[MS_SIGBLOB_RAW_LEN]; /* alg || key id || sig */
	uint8_t global[MS_SIG_LEN];
	const char *comment; /* trusted comment, inside the caller's text */
	size_t comment_len;
};

/* libsodium must be initialised before use; callers may not have done it. */
static int ms_sodium_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static int ms_bad(struct kx_error *err, const char *field, const char *msg)
{
	return kx_error_set(err, 400, "invalid_field", field, "%s", msg);
}

static int ms_cursor_init(struct ms_cursor *c, const char *text)
{
	if (!text)
		return -1;
	size_t n = strnlen(text, MS_TEXT_MAX + 1);
	if (n == 0 || n > MS_TEXT_MAX)
		return -1;
	c->p = text;
	c->end = text + n;
	return 0;
}

/* The next line without its "\n" (nor a "\r" before it, as minisign trims both). -1 when no
 * line is left or it is longer than max. The last line may lack its "\n". */
static int ms_cursor_line(struct ms_cursor *c, size_t max, const char **line, size_t *len)
{
	if (c->p >= c->end)
		return -1;
	size_t left = (size_t)(c->end - c->p);
	const char *nl = memchr(c->p, '\n', left);
	size_t n = nl ? (size_t)(nl - c->p) : left;
	*line = c->p;
	c->p = nl ? nl + 1 : c->end;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	return n > max ? -1 : 0;
}

static int ms_has_prefix(const char *line, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);
	return len >= plen && memcmp(line, prefix, plen) == 0;
}

/* Strict standard base64 (padding required, nothing trailing) of exactly want bytes. */
static int ms_b64_decode(const char *b64, size_t len, uint8_t *bin, size_t want)
{
	size_t got = 0;
	if (sodium_base642bin(bin, want, b64, len, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return got == want ? 0 : -1;
}

/* Appends base64(bin) at *w (which has room for it and a NUL) and advances *w past it. */
static void ms_put_b64(char **w, const uint8_t *bin, size_t n)
{
	sodium_bin2base64(*w, MS_B64_LEN(n) + 1, bin, n, sodium_base64_VARIANT_ORIGINAL);
	*w += MS_B64_LEN(n);
}

static void ms_put(char **w, const char *s, size_t n)
{
	memcpy(*w, s, n);
	*w += n;
}

void minisign_keygen(struct minisign_pubkey *pub, struct minisign_seckey *sec)
{
	/* Without a working libsodium there is no safe key to hand back. */
	if (ms_sodium_ready() != 0)
		abort();
	randombytes_buf(sec->key_id, sizeof sec->key_id);
	crypto_sign_keypair(pub->pk, sec->sk);
	memcpy(pub->key_id, sec->key_id, sizeof pub->key_id);
}

void minisign_seckey_wipe(struct minisign_seckey *sec)
{
	if (sec)
		sodium_memzero(sec, sizeof *sec);
}

void minisign_key_id_hex(const uint8_t key_id[MINISIGN_KEYID_LEN], char out[17])
{
	static const char hex[] = "0123456789ABCDEF";
	/* minisign prints the id as a little-endian u64, so the last byte comes first. */
	for (int i = 0; i < MINISIGN_KEYID_LEN; i++) {
		uint8_t b = key_id[MINISIGN_KEYID_LEN - 1 - i];
		out[2 * i] = hex[b >> 4];
		out[2 * i + 1] = hex[b & 0x0f];
	}
	out[16] = '\0';
}

/* ---- public keys ---- */

static int ms_pubkey_decode(const char *b64, size_t len, struct minisign_pubkey *out,
			    struct kx_error *err)
{
	uint8_t raw[MS_PUBKEY_RAW_LEN];
	if (ms_b64_decode(b64, len, raw, sizeof raw) != 0)
		return ms_bad(err, "public_key", "public key is not base64 of 42 bytes");
	if (memcmp(raw, MS_ALG_LEGACY, 2) != 0)
		return ms_bad(err, "public_key", "unsupported public key algorithm");
	memcpy(out->key_id, raw + 2, MINISIGN_KEYID_LEN);
	memcpy(out->pk, raw + 2 + MINISIGN_KEYID_LEN, sizeof out->pk);
	return 0;
}

int minisign_pubkey_parse(const char *text, struct minisign_pubkey *out, struct kx_error *err)
{
	struct ms_cursor c;
	const char *line;
	size_t len;
	if (ms_cursor_init(&c, text) != 0)
		return ms_bad(err, "public_key", "public key is empty or too long");
	/* The whole file starts with its comment line; the bare key is one base64 line. */
	if (ms_has_prefix(c.p, (size_t)(c.end - c.p), MS_UNTRUSTED_PREFIX) &&
	    ms_cursor_line(&c, MS_COMMENT_LINE_MAX, &line, &len) != 0)
		return ms_bad(err, "public_key", "public key comment line is too long");
	if (ms_cursor_line(&c, MS_B64_LEN(MS_PUBKEY_RAW_LEN), &line, &len) != 0)
		return ms_bad(err, "public_key", "public key line is missing or too long");
	if (c.p != c.end)
		return ms_bad(err, "public_key", "unexpected text after the public key");
	return ms_pubkey_decode(line, len, out, err);
}

char *minisign_pubkey_base64(const struct minisign_pubkey *pub)
{
	uint8_t raw[MS_PUBKEY_RAW_LEN];
	char *out = malloc(MS_B64_LEN(sizeof raw) + 1);
	if (!out)
		return NULL;
	memcpy(raw, MS_ALG_LEGACY, 2);
	memcpy(raw + 2, pub->key_id, MINISIGN_KEYID_LEN);
	memcpy(raw + 2 + MINISIGN_KEYID_LEN, pub->pk, sizeof pub->pk);
	char *w = out;
	ms_put_b64(&w, raw, sizeof raw);
	*w = '\0';
	return out;
}

char *minisign_pubkey_format(const struct minisign_pubkey *pub)
{
	static const char head[] = MS_UNTRUSTED_PREFIX "minisign public key ";
	char id[17];
	char *b64 = minisign_pubkey_base64(pub);
	if (!b64)
		return NULL;
	size_t cap = sizeof head - 1 + 16 + 1 + strlen(b64) + 2;
	char *out = malloc(cap);
	if (out) {
		minisign_key_id_hex(pub->key_id, id);
		snprintf(out, cap, "%s%s\n%s\n", head, id, b64);
	}
	free(b64);
	return out;
}

/* ---- secret keys ---- */

/* BLAKE2b-256(sig alg || key id || sk), as minisign checks after decrypting a key. */
static void ms_seckey_checksum(const uint8_t key_id[MINISIGN_KEYID_LEN], const uint8_t sk[64],
			       uint8_t chk[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)MS_ALG_LEGACY, 2);
	crypto_generichash_update(&st, key_id, MINISIGN_KEYID_LEN);
	crypto_generichash_update(&st, sk, 64);
	crypto_generichash_final(&st, chk, 32);
	sodium_memzero(&st, sizeof st);
}

/* The public half stored in sk must be the one its seed yields, or signatures would be bad. */
static int ms_seckey_consistent(const uint8_t sk[64])
{
	uint8_t pk[32], sk2[64];
	crypto_sign_seed_keypair(pk, sk2, sk);
	int same = sodium_memcmp(sk, sk2, sizeof sk2) == 0;
	sodium_memzero(sk2, sizeof sk2);
	return same ? 0 : -1;
}

/* Checks a decoded secret key; stock `minisign -G -W` writes an all-zero checksum (it computes
 * one only when encrypting), so zero is accepted and the seed/public-key check still applies. */
static int ms_seckey_check(const uint8_t raw[MS_SECKEY_RAW_LEN], bool decrypted,
			   struct kx_error *err)
{
	uint8_t chk[32];
	if (memcmp(raw, MS_ALG_LEGACY, 2) != 0)
		return ms_bad(err, "secret_key", "unsupported secret key algorithm");
	if (memcmp(raw + 2, MS_KDF_SCRYPT, 2) == 0 && !decrypted)
		return ms_bad(err, "passphrase", "this secret key is encrypted: a passphrase is needed");
	if (memcmp(raw + 2, MS_KDF_NONE, 2) != 0 && !decrypted)
		return ms_bad(err, "secret_key", "unsupported key derivation algorithm");
	if (memcmp(raw + 4, MS_CHK_BLAKE2B, 2) != 0)
		return ms_bad(err, "secret_key", "unsupported checksum algorithm");
	ms_seckey_checksum(raw + MS_SK_OFF_KEYID, raw + MS_SK_OFF_SK, chk);
	/* A decrypted key must carry its checksum: that is how a wrong passphrase shows. */
	int ok = (!decrypted && sodium_is_zero(raw + MS_SK_OFF_CHK, 32)) ||
		 sodium_memcmp(chk, raw + MS_SK_OFF_CHK, 32) == 0;
	sodium_memzero(chk, sizeof chk);
	if (!ok)
		return decrypted ? ms_bad(err, "passphrase", "wrong passphrase")
				 : ms_bad(err, "secret_key", "secret key checksum mismatch");
	if (ms_seckey_consistent(raw + MS_SK_OFF_SK) != 0)
		return ms_bad(err, "secret_key", "secret key halves do not match");
	return 0;
}

static uint64_t ms_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void ms_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* minisign's encryption: the key id, secret key and checksum XORed with an scrypt stream
 * derived from the passphrase and the salt and limits stored in the key. */
static int ms_scrypt_xor(uint8_t raw[MS_SECKEY_RAW_LEN], const char *password)
{
	uint8_t stream[MS_SECKEY_RAW_LEN - MS_SK_OFF_KEYID];
	unsigned long long ops = ms_le64(raw + 38);
	size_t mem = (size_t)ms_le64(raw + 46);
	if (ops > 1ULL << 36 || mem > (size_t)4 << 30) /* refuse absurd limits from a file */
		return -1;
	if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, password, strlen(password),
					       raw + 6, ops, mem) != 0)
		return -1;
	for (size_t i = 0; i < sizeof stream; i++)
		raw[MS_SK_OFF_KEYID + i] ^= stream[i];
	sodium_memzero(stream, sizeof stream);
	return 0;
}

int minisign_seckey_parse(const char *text, struct minisign_seckey *out, struct kx_error *err)
{
	return minisign_seckey_parse_password(text, NULL, out, err);
}

bool minisign_seckey_encrypted(const char *text)
{
	return text && strstr(text, "encrypted secret key") && !strstr(text, "unencrypted");
}

int minisign_seckey_parse_password(const char *text, const char *password,
				   struct minisign_seckey *out, struct kx_error *err)
{
	struct ms_cursor c;
	const char *line;
	size_t len;
	uint8_t raw[MS_SECKEY_RAW_LEN];
	if (ms_sodium_ready() != 0)
		return kx_error_set(err, 503, "unavailable", "", "libsodium failed to initialise");
	if (ms_cursor_init(&c, text) != 0)
		return ms_bad(err, "secret_key", "secret key is empty or too long");
	if (ms_cursor_line(&c, MS_COMMENT_LINE_MAX, &line, &len) != 0 ||
	    !ms_has_prefix(line, len, MS_UNTRUSTED_PREFIX))
		return ms_bad(err, "secret_key",
			      "secret key must start with \"" MS_UNTRUSTED_PREFIX "\"");
	if (ms_cursor_line(&c, MS_B64_LEN(MS_SECKEY_RAW_LEN), &line, &len) != 0 || c.p != c.end)
		return ms_bad(err, "secret_key", "secret key line is missing, too long or followed "
						 "by more text");
	if (ms_b64_decode(line, len, raw, sizeof raw) != 0) {
		sodium_memzero(raw, sizeof raw);
		return ms_bad(err, "secret_key", "secret key is not base64 of 158 bytes");
	}
	bool decrypted = false;
	if (memcmp(raw + 2, MS_KDF_SCRYPT, 2) == 0 && password) {
		if (ms_scrypt_xor(raw, password) != 0) {
			sodium_memzero(raw, sizeof raw);
			return ms_bad(err, "passphrase", "the key's passphrase cannot be derived");
		}
		decrypted = true;
	}
	int rc = ms_seckey_check(raw, decrypted, err);
	if (rc == 0) {
		memcpy(out->key_id, raw + MS_SK_OFF_KEYID, MINISIGN_KEYID_LEN);
		memcpy(out->sk, raw + MS_SK_OFF_SK, sizeof out->sk);
	}
	sodium_memzero(raw, sizeof raw);
	return rc;
}

char *minisign_seckey_format(const struct minisign_seckey *sec)
{
	return minisign_seckey_format_password(sec, NULL);
}

char *minisign_seckey_format_password(const struct minisign_seckey *sec, const char *password)
{
	static const char plain[] = MS_UNTRUSTED_PREFIX "minisign unencrypted secret key\n";
	static const char enc[] = MS_UNTRUSTED_PREFIX "minisign encrypted secret key\n";
	const char *head = password ? enc : plain;
	size_t head_len = strlen(head);
	uint8_t raw[MS_SECKEY_RAW_LEN] = {0}; /* without a KDF, salt and limits stay zero */
	char *out = malloc(head_len + MS_B64_LEN(sizeof raw) + 2);
	if (!out || ms_sodium_ready() != 0) {
		free(out);
		return NULL;
	}
	memcpy(raw, MS_ALG_LEGACY, 2);
	memcpy(raw + 2, password ? MS_KDF_SCRYPT : MS_KDF_NONE, 2);
	memcpy(raw + 4, MS_CHK_BLAKE2B, 2);
	memcpy(raw + MS_SK_OFF_KEYID, sec->key_id, MINISIGN_KEYID_LEN);
	memcpy(raw + MS_SK_OFF_SK, sec->sk, sizeof sec->sk);
	ms_seckey_checksum(sec->key_id, sec->sk, raw + MS_SK_OFF_CHK);
	if (password) {
		/* minisign's own opslimit; memory kept to 256 MiB so a small ops box can sign */
		randombytes_buf(raw + 6, 32);
		ms_put_le64(raw + 38, crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE);
		ms_put_le64(raw + 46, (uint64_t)256 << 20);
		if (ms_scrypt_xor(raw, password) != 0) {
			sodium_memzero(raw, sizeof raw);
			free(out);
			return NULL;
		}
	}
	char *w = out;
	ms_put(&w, head, head_len);
	ms_put_b64(&w, raw, sizeof raw);
	ms_put(&w, "\n", 2); /* with the NUL */
	sodium_memzero(raw, sizeof raw);
	return out;
}

/* ---- signatures ---- */

/* Ed25519 over sig || trusted comment: binds the comment to the signature. */
static int ms_global_sign(const struct minisign_seckey *sec, const uint8_t sig[MS_SIG_LEN],
			  const char *comment, size_t comment_len, uint8_t global[MS_SIG_LEN])
{
	uint8_t *buf = malloc(MS_SIG_LEN + comment_len);
	if (!buf)
		return -1;
	memcpy(buf, sig, MS_SIG_LEN);
	memcpy(buf + MS_SIG_LEN, comment, comment_len);
	crypto_sign_detached(global, NULL, buf, MS_SIG_LEN + comment_len, sec->sk);
	free(buf);
	return 0;
}

static int ms_global_verify(const struct minisign_pubkey *pub, const struct ms_sigfile *sf)
{
	uint8_t *buf = malloc(MS_SIG_LEN + sf->comment_len);
	if (!buf)
		return -2;
	memcpy(buf, sf->blob + 2 + MINISIGN_KEYID_LEN, MS_SIG_LEN);
	memcpy(buf + MS_SIG_LEN, sf->comment, sf->comment_len);
	int rc = crypto_sign_verify_detached(sf->global, buf, MS_SIG_LEN + sf->comment_len, pub->pk);
	free(buf);
	return rc == 0 ? 0 : -1;
}

static int ms_comment_ok(const char *comment)
{
	size_t n = strnlen(comment, MS_TRUSTED_COMMENT_MAX + 1);
	return n <= MS_TRUSTED_COMMENT_MAX && !strpbrk(comment, "\r\n");
}

static char *ms_sigfile_text(const uint8_t blob[MS_SIGBLOB_RAW_LEN],
			     const uint8_t global[MS_SIG_LEN], const char *comment)
{
	static const char head[] = MS_UNTRUSTED_PREFIX "signature from minisign secret key\n";
	size_t clen = strlen(comment);
	size_t cap = sizeof head - 1 + MS_B64_LEN(MS_SIGBLOB_RAW_LEN) + 1 +
		     sizeof MS_TRUSTED_PREFIX - 1 + clen + 1 + MS_B64_LEN(MS_SIG_LEN) + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *w = out;
	ms_put(&w, head, sizeof head - 1);
	ms_put_b64(&w, blob, MS_SIGBLOB_RAW_LEN);
	ms_put(&w, "\n" MS_TRUSTED_PREFIX, 1 + sizeof MS_TRUSTED_PREFIX - 1);
	ms_put(&w, comment, clen);
	ms_put(&w, "\n", 1);
	ms_put_b64(&w, global, MS_SIG_LEN);
	ms_put(&w, "\n", 2);
	return out;
}

char *minisign_sign(const struct minisign_seckey *sec, const void *msg, size_t len,
		    const char *trusted_comment)
{
	char stamp[40];
	uint8_t hash[crypto_generichash_BYTES_MAX];
	uint8_t blob[MS_SIGBLOB_RAW_LEN], global[MS_SIG_LEN];
	if (!sec || (!msg && len > 0) || ms_sodium_ready() != 0)
		return NULL;
	if (!trusted_comment) {
		snprintf(stamp, sizeof stamp, "timestamp:%lld", (long long)time(NULL));
		trusted_comment = stamp;
	}
	if (!ms_comment_ok(trusted_comment))
		return NULL;
	crypto_generichash(hash, sizeof hash, msg, len, NULL, 0);
	memcpy(blob, MS_ALG_HASHED, 2);
	memcpy(blob + 2, sec->key_id, MINISIGN_KEYID_LEN);
	crypto_sign_detached(blob + 2 + MINISIGN_KEYID_LEN, NULL, hash, sizeof hash, sec->sk);
	if (ms_global_sign(sec, blob + 2 + MINISIGN_KEYID_LEN, trusted_comment,
			   strlen(trusted_comment), global) != 0)
		return NULL;
	return ms_sigfile_text(blob, global, trusted_comment);
}

/* Splits a .minisig text into its parts; the four lines and nothing after them. */
static int ms_sigfile_parse(const char *text, struct ms_sigfile *sf, struct kx_error *err)
{
	struct ms_cursor c;
	const char *line;
	size_t len;
	if (ms_cursor_init(&c, text) != 0)
		return ms_bad(err, "signature", "signature is empty or too long");
	if (ms_cursor_line(&c, MS_COMMENT_LINE_MAX, &line, &len) != 0 ||
	    !ms_has_prefix(line, len, MS_UNTRUSTED_PREFIX))
		return ms_bad(err, "signature", "first line must start with \"" MS_UNTRUSTED_PREFIX
						"\" and be at most 1022 bytes");
	if (ms_cursor_line(&c, MS_B64_LEN(MS_SIGBLOB_RAW_LEN), &line, &len) != 0 ||
	    ms_b64_decode(line, len, sf->blob, sizeof sf->blob) != 0)
		return ms_bad(err, "signature", "second line is not base64 of 74 bytes");
	if (memcmp(sf->blob, MS_ALG_HASHED, 2) != 0 && memcmp(sf->blob, MS_ALG_LEGACY, 2) != 0)
		return ms_bad(err, "signature", "unsupported signature algorithm");
	if (ms_cursor_line(&c, MS_TRUSTED_LINE_MAX, &line, &len) != 0 ||
	    !ms_has_prefix(line, len, MS_TRUSTED_PREFIX))
		return ms_bad(err, "signature", "third line must start with \"" MS_TRUSTED_PREFIX
						"\" and be at most 8190 bytes");
	sf->comment = line + sizeof MS_TRUSTED_PREFIX - 1;
	sf->comment_len = len - (sizeof MS_TRUSTED_PREFIX - 1);
	if (ms_cursor_line(&c, MS_B64_LEN(MS_SIG_LEN), &line, &len) != 0 ||
	    ms_b64_decode(line, len, sf->global, sizeof sf->global) != 0)
		return ms_bad(err, "signature", "fourth line is not base64 of 64 bytes");
	if (c.p != c.end)
		return ms_bad(err, "signature", "unexpected text after the signature");
	return 0;
}

static int ms_message_verify(const struct minisign_pubkey *pub, const struct ms_sigfile *sf,
			     const void *msg, size_t len)
{
	const uint8_t *sig = sf->blob + 2 + MINISIGN_KEYID_LEN;
	if (memcmp(sf->blob, MS_ALG_LEGACY, 2) == 0)
		return crypto_sign_verify_detached(sig, msg, len, pub->pk) == 0 ? 0 : -1;
	uint8_t hash[crypto_generichash_BYTES_MAX];
	crypto_generichash(hash, sizeof hash, msg, len, NULL, 0);
	return crypto_sign_verify_detached(sig, hash, sizeof hash, pub->pk) == 0 ? 0 : -1;
}

static int ms_sig_bad(struct kx_error *err, const char *msg)
{
	return kx_error_set(err, 403, "signature_invalid", "signature", "%s", msg);
}

int minisign_verify(const struct minisign_pubkey *pub, const void *msg, size_t len,
		    const char *sig_text, char **trusted_comment, struct kx_error *err)
{
	struct ms_sigfile sf;
	if (ms_sodium_ready() != 0)
		return kx_error_set(err, 503, "unavailable", "", "libsodium failed to initialise");
	if (!pub || (!msg && len > 0))
		return ms_bad(err, "message", "public key or message is missing");
	if (ms_sigfile_parse(sig_text, &sf, err) != 0)
		return -1;
	if (memcmp(sf.blob + 2, pub->key_id, MINISIGN_KEYID_LEN) != 0) {
		char want[17], got[17];
		minisign_key_id_hex(pub->key_id, want);
		minisign_key_id_hex(sf.blob + 2, got);
		return kx_error_set(err, 403, "signature_invalid", "signature",
				    "signed by key %s, expected key %s", got, want);
	}
	if (ms_message_verify(pub, &sf, msg, len) != 0)
		return ms_sig_bad(err, "signature verification failed");
	int rc = ms_global_verify(pub, &sf);
	if (rc == -2)
		return kx_error_set(err, 503, "unavailable", "", "out of memory");
	if (rc != 0)
		return ms_sig_bad(err, "trusted comment signature verification failed");
	if (trusted_comment) {
		*trusted_comment = strndup(sf.comment, sf.comment_len);
		if (!*trusted_comment)
			return kx_error_set(err, 503, "unavailable", "", "out of memory");
	}
	return 0;
}
