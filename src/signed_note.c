/* C2SP signed notes with Ed25519 keys (signature type 0x01) and the tlog-checkpoint body they
 * carry: how the store's key signs checkpoints and how clients check them. Notes and bodies
 * arrive from the network, so parsing is strict and bounded. */
#include "signed_note.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_SIG_TYPE_ED25519 0x01
#define NOTE_DASH "\xe2\x80\x94 " /* U+2014 em dash, then a space */
#define NOTE_DASH_LEN 4
#define NOTE_KEYHASH_LEN 4
#define NOTE_ED25519_SIG_LEN (NOTE_KEYHASH_LEN + crypto_sign_BYTES)
#define NOTE_MAX_LEN (1u << 20)
#define NOTE_MAX_SIGS 100 /* the spec asks verifiers to accept at least 16 */
#define NOTE_NAME_MAX 1024
#define NOTE_SIG_B64_MAX 8192 /* room for post-quantum signatures from keys we ignore */
#define CHECKPOINT_MAX_LEN 65536
#define CHECKPOINT_ROOT_B64_LEN 44

#define NOTE_B64_LEN(n) (sodium_base64_ENCODED_LEN((n), sodium_base64_VARIANT_ORIGINAL) - 1)

struct note_sigline {
	const char *name;
	size_t name_len;
	uint8_t raw[NOTE_SIG_B64_MAX / 4 * 3]; /* key hash || signature */
	size_t raw_len;
};

static int note_sodium_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* Length of the well-formed UTF-8 sequence at s (rejecting overlongs and surrogates), 0 if
 * it is not one. */
static size_t note_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Notes must be valid UTF-8 with no ASCII control characters other than (when allowed) "\n". */
static int note_text_ok(const char *s, size_t n, int allow_newline)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (u[i] < 0x20 && !(allow_newline && u[i] == '\n'))
			return 0;
		size_t len = note_utf8_seq(u + i, n - i);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

/* Key names: non-empty, no spaces and no '+' (the verifier key string uses '+' as separator). */
static int note_name_ok(const char *name, size_t n)
{
	if (n == 0 || n > NOTE_NAME_MAX || !note_text_ok(name, n, 0))
		return 0;
	return memchr(name, ' ', n) == NULL && memchr(name, '+', n) == NULL;
}

/* First 4 bytes of SHA-256(name || "\n" || 0x01 || pk). */
static void note_key_hash(const char *name, size_t name_len, const uint8_t pk[32],
			  uint8_t out[NOTE_KEYHASH_LEN])
{
	static const uint8_t sep[2] = {'\n', NOTE_SIG_TYPE_ED25519};
	uint8_t digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, name_len);
	crypto_hash_sha256_update(&st, sep, sizeof sep);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, digest);
	memcpy(out, digest, NOTE_KEYHASH_LEN);
}

/* The header's contract for signing: non-empty, ends in "\n", no blank line anywhere. */
static int note_sign_text_ok(const char *text, size_t n)
{
	if (n == 0 || n > NOTE_MAX_LEN || text[n - 1] != '\n' || text[0] == '\n')
		return 0;
	if (strstr(text, "\n\n"))
		return 0;
	return note_text_ok(text, n, 1);
}

char *signed_note_sign(const char *text, const char *name, const uint8_t sk[64])
{
	uint8_t raw[NOTE_ED25519_SIG_LEN], pk[32];
	if (!text || !name || !sk || note_sodium_ready() != 0)
		return NULL;
	size_t tlen = strnlen(text, NOTE_MAX_LEN + 1), nlen = strnlen(name, NOTE_NAME_MAX + 1);
	if (!note_sign_text_ok(text, tlen) || !note_name_ok(name, nlen))
		return NULL;
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	note_key_hash(name, nlen, pk, raw);
	crypto_sign_detached(raw + NOTE_KEYHASH_LEN, NULL, (const uint8_t *)text, tlen, sk);
	size_t b64 = NOTE_B64_LEN(sizeof raw);
	size_t cap = tlen + 1 + NOTE_DASH_LEN + nlen + 1 + b64 + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *w = out;
	memcpy(w, text, tlen), w += tlen;
	memcpy(w, "\n" NOTE_DASH, 1 + NOTE_DASH_LEN), w += 1 + NOTE_DASH_LEN;
	memcpy(w, name, nlen), w += nlen;
	*w++ = ' ';
	sodium_bin2base64(w, b64 + 1, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	w += b64;
	memcpy(w, "\n", 2);
	return out;
}

char *signed_note_verifier_key(const char *name, const uint8_t pk[32])
{
	uint8_t hash[NOTE_KEYHASH_LEN], typed[33];
	if (!name || !pk || note_sodium_ready() != 0)
		return NULL;
	size_t nlen = strnlen(name, NOTE_NAME_MAX + 1);
	if (!note_name_ok(name, nlen))
		return NULL;
	note_key_hash(name, nlen, pk, hash);
	typed[0] = NOTE_SIG_TYPE_ED25519;
	memcpy(typed + 1, pk, 32);
	size_t cap = nlen + 1 + 8 + 1 + NOTE_B64_LEN(sizeof typed) + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	int n = snprintf(out, cap, "%s+%02x%02x%02x%02x+", name, hash[0], hash[1], hash[2],
			 hash[3]);
	sodium_bin2base64(out + n, cap - (size_t)n, typed, sizeof typed,
			  sodium_base64_VARIANT_ORIGINAL);
	return out;
}

/* ---- verification ---- */

static int note_bad(struct kx_error *err, const char *msg)
{
	return kx_error_set(err, 403, "signature_invalid", "note", "%s", msg);
}

/* Parses one signature line (without its "\n"): em dash, space, name, space, base64. */
static int note_sigline_parse(const char *line, size_t len, struct note_sigline *sl)
{
	if (len < NOTE_DASH_LEN || memcmp(line, NOTE_DASH, NOTE_DASH_LEN) != 0)
		return -1;
	line += NOTE_DASH_LEN, len -= NOTE_DASH_LEN;
	const char *sp = memchr(line, ' ', len);
	if (!sp)
		return -1;
	sl->name = line;
	sl->name_len = (size_t)(sp - line);
	const char *b64 = sp + 1;
	size_t b64_len = len - sl->name_len - 1;
	if (!note_name_ok(sl->name, sl->name_len) || b64_len > NOTE_SIG_B64_MAX)
		return -1;
	if (sodium_base642bin(sl->raw, sizeof sl->raw, b64, b64_len, NULL, &sl->raw_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return sl->raw_len > NOTE_KEYHASH_LEN ? 0 : -1;
}

/* 1 when the line is by our (name, key hash), 0 when it is someone else's. */
static int note_sigline_is_ours(const struct note_sigline *sl, const char *name, size_t name_len,
				const uint8_t hash[NOTE_KEYHASH_LEN])
{
	return sl->name_len == name_len && memcmp(sl->name, name, name_len) == 0 &&
	       memcmp(sl->raw, hash, NOTE_KEYHASH_LEN) == 0;
}

/* Walks every signature line; all must be well formed, every one by our key must verify, and
 * at least one must be ours. */
static int note_check_sigs(const char *sigs, size_t sigs_len, const char *text, size_t text_len,
			   const char *name, const uint8_t pk[32], struct kx_error *err)
{
	struct note_sigline sl;
	uint8_t hash[NOTE_KEYHASH_LEN];
	size_t name_len = strnlen(name, NOTE_NAME_MAX + 1);
	int count = 0, ours = 0;
	if (!note_name_ok(name, name_len))
		return note_bad(err, "invalid key name");
	note_key_hash(name, name_len, pk, hash);
	for (const char *p = sigs, *end = sigs + sigs_len; p < end; count++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (count == NOTE_MAX_SIGS)
			return note_bad(err, "too many signature lines");
		if (!nl || note_sigline_parse(p, (size_t)(nl - p), &sl) != 0)
			return note_bad(err, "malformed signature line");
		p = nl + 1;
		if (!note_sigline_is_ours(&sl, name, name_len, hash))
			continue;
		if (sl.raw_len != NOTE_ED25519_SIG_LEN ||
		    crypto_sign_verify_detached(sl.raw + NOTE_KEYHASH_LEN, (const uint8_t *)text,
						text_len, pk) != 0)
			return note_bad(err, "signature verification failed");
		ours = 1;
	}
	return ours ? 0 : note_bad(err, "no signature by the expected key");
}

/* Where the text ends: after the "\n" that precedes the last blank line. 0 when none. */
static size_t note_text_len(const char *note, size_t n)
{
	for (size_t i = n - 1; i > 0; i--) {
		if (note[i] == '\n' && note[i - 1] == '\n')
			return i;
	}
	return 0;
}

int signed_note_verify(const char *note, const char *name, const uint8_t pk[32],
		       char **text_out, struct kx_error *err)
{
	if (!note || !name || !pk)
		return note_bad(err, "missing note, name or key");
	if (note_sodium_ready() != 0)
		return kx_error_set(err, 503, "unavailable", "", "libsodium failed to initialise");
	size_t n = strnlen(note, NOTE_MAX_LEN + 1);
	if (n == 0 || n > NOTE_MAX_LEN || note[n - 1] != '\n')
		return note_bad(err, "note is empty, too long or does not end in a newline");
	if (!note_text_ok(note, n, 1))
		return note_bad(err, "note is not UTF-8 text without control characters");
	size_t text_len = note_text_len(note, n);
	if (text_len == 0)
		return note_bad(err, "note has no blank line before its signatures");
	if (text_len + 1 >= n)
		return note_bad(err, "note has no signature lines");
	if (note_check_sigs(note + text_len + 1, n - text_len - 1, note, text_len, name, pk,
			    err) != 0)
		return -1;
	if (text_out && !(*text_out = strndup(note, text_len)))
		return kx_error_set(err, 503, "unavailable", "", "out of memory");
	return 0;
}

/* ---- checkpoints ---- */

char *checkpoint_format(const struct checkpoint *cp)
{
	if (!cp)
		return NULL;
	size_t olen = strnlen(cp->origin, sizeof cp->origin);
	if (olen == 0 || olen == sizeof cp->origin || !note_text_ok(cp->origin, olen, 0))
		return NULL;
	size_t cap = olen + 1 + 20 + 1 + CHECKPOINT_ROOT_B64_LEN + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	int n = snprintf(out, cap, "%s\n%" PRIu64 "\n", cp->origin, cp->size);
	sodium_bin2base64(out + n, cap - (size_t)n, cp->root, sizeof cp->root,
			  sodium_base64_VARIANT_ORIGINAL);
	memcpy(out + n + CHECKPOINT_ROOT_B64_LEN, "\n", 2);
	return out;
}

static int cp_bad(struct kx_error *err, const char *msg)
{
	return kx_error_set(err, 400, "invalid_field", "checkpoint", "%s", msg);
}

/* Decimal without sign or leading zeros ("0" itself is fine), within uint64. */
static int cp_parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Splits text into its first three lines; every line, extensions included, must be non-empty
 * and end in "\n". */
static int cp_split(const char *text, size_t n, const char *line[3], size_t len[3])
{
	const char *p = text, *end = text + n;
	for (int i = 0; p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl == p)
			return -1;
		if (i < 3)
			line[i] = p, len[i] = (size_t)(nl - p);
		p = nl + 1;
		if (i >= 2 && p == end)
			return 0;
	}
	return -1;
}

int checkpoint_parse(const char *text, struct checkpoint *out, struct kx_error *err)
{
	const char *line[3];
	size_t len[3], root_len = 0;
	struct checkpoint cp;
	if (!text || !out)
		return cp_bad(err, "missing checkpoint");
	size_t n = strnlen(text, CHECKPOINT_MAX_LEN + 1);
	if (n > CHECKPOINT_MAX_LEN || !note_text_ok(text, n, 1))
		return cp_bad(err, "checkpoint is too long or not UTF-8 text");
	if (cp_split(text, n, line, len) != 0)
		return cp_bad(err, "checkpoint needs origin, size and root lines, each non-empty "
				   "and ending in a newline");
	if (len[0] >= sizeof cp.origin)
		return cp_bad(err, "checkpoint origin is too long");
	memcpy(cp.origin, line[0], len[0]);
	cp.origin[len[0]] = '\0';
	if (cp_parse_size(line[1], len[1], &cp.size) != 0)
		return cp_bad(err, "checkpoint size is not a decimal number without leading zeros");
	if (sodium_base642bin(cp.root, sizeof cp.root, line[2], len[2], NULL, &root_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    root_len != sizeof cp.root)
		return cp_bad(err, "checkpoint root is not base64 of 32 bytes");
	*out = cp;
	return 0;
}
