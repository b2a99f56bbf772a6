/* Tests for src/minisign.c: keys and signatures made by the stock `minisign` 0.11 binary must
 * verify with our code and ours with it, and every tampered or malformed input must fail
 * cleanly. Cases needing the binary skip (with a message) when it is not installed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "minisign.h"
#include "run_program.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

static const char MESSAGE[] = "runbook: restart-api\nsteps: 3\n";

struct fixture {
	char dir[64];
	int have_minisign;
};

/* ---- fixture and file helpers ---- */

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/kx-minisign-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	f->have_minisign = run_program_exists("minisign");
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char path[512];
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

#define NEED_MINISIGN(f)                                                                    \
	do {                                                                                 \
		if (!(f)->have_minisign) {                                                   \
			print_message("minisign binary not found on PATH: skipping\n");      \
			skip();                                                              \
		}                                                                            \
	} while (0)

static void fx_path(const struct fixture *f, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", f->dir, name);
}

static void fx_write(const struct fixture *f, const char *name, const void *data, size_t len)
{
	char path[512];
	fx_path(f, name, path, sizeof path);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void fx_write_str(const struct fixture *f, const char *name, const char *text)
{
	fx_write(f, name, text, strlen(text));
}

/* Whole file, NUL-terminated; caller frees. */
static char *fx_read(const struct fixture *f, const char *name)
{
	char path[512];
	fx_path(f, name, path, sizeof path);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Runs minisign with the given arguments (NULL-terminated) inside the fixture directory. */
static int fx_minisign(const struct fixture *f, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, f);
	argv[argc++] = "minisign";
	for (char *a; argc < 15 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return run_program(argv, f->dir);
}

static void fx_stock_keygen(const struct fixture *f)
{
	assert_int_equal(fx_minisign(f, "-G", "-W", "-p", "k.pub", "-s", "k.key", NULL), 0);
}

static void fx_load_pub(const struct fixture *f, const char *name, struct minisign_pubkey *pub)
{
	struct kx_error err = {0};
	char *text = fx_read(f, name);
	assert_int_equal(minisign_pubkey_parse(text, pub, &err), 0);
	free(text);
}

/* Our verify of a signature file against the message; returns 0/-1 and fills err. */
static int fx_verify(const struct fixture *f, const struct minisign_pubkey *pub, const char *msg,
		     size_t len, const char *sigfile, char **comment, struct kx_error *err)
{
	char *sig = fx_read(f, sigfile);
	int rc = minisign_verify(pub, msg, len, sig, comment, err);
	free(sig);
	return rc;
}

/* Second line of a signature text: starts "RU" for `ED`, "RW" for `Ed`. */
static int sig_alg_is(const char *sig_text, const char *b64_start)
{
	const char *nl = strchr(sig_text, '\n');
	return nl && strncmp(nl + 1, b64_start, strlen(b64_start)) == 0;
}

static void our_keypair(struct minisign_pubkey *pub, struct minisign_seckey *sec)
{
	minisign_keygen(pub, sec);
}

static void fx_write_our_keys(const struct fixture *f, const struct minisign_pubkey *pub,
			      const struct minisign_seckey *sec)
{
	char *pt = minisign_pubkey_format(pub), *st = minisign_seckey_format(sec);
	assert_non_null(pt);
	assert_non_null(st);
	fx_write_str(f, "our.pub", pt);
	fx_write_str(f, "our.key", st);
	sodium_memzero(st, strlen(st));
	free(st);
	free(pt);
}

static void assert_sig_invalid(int rc, const struct kx_error *err)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->status, 403);
	assert_string_equal(err->code, "signature_invalid");
}

static void assert_invalid_field(int rc, const struct kx_error *err)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->status, 400);
	assert_string_equal(err->code, "invalid_field");
}

/* ---- the stock tool's output verifies with our code ---- */

static void test_stock_prehashed_signature_verifies(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct kx_error err = {0};
	char *comment = NULL, id[17];
	NEED_MINISIGN(f);
	fx_stock_keygen(f);
	fx_write_str(f, "m.txt", MESSAGE);
	assert_int_equal(fx_minisign(f, "-S", "-s", "k.key", "-m", "m.txt", "-t", "klaxon test",
				     NULL),
			 0);
	fx_load_pub(f, "k.pub", &pub);
	char *sig = fx_read(f, "m.txt.minisig");
	assert_true(sig_alg_is(sig, "RU"));
	assert_int_equal(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), sig, &comment, &err), 0);
	assert_string_equal(comment, "klaxon test");
	/* our key id rendering matches the one minisign put in the public key's comment; 0.11
	 * prints it without zero padding, so compare without leading zeros */
	char *pubtext = fx_read(f, "k.pub");
	minisign_key_id_hex(pub.key_id, id);
	const char *digits = id + strspn(id, "0");
	const char *end = strchr(pubtext, '\n'), *word = end;
	assert_non_null(end);
	while (word > pubtext && word[-1] != ' ')
		word--;
	assert_int_equal((size_t)(end - word), strlen(digits));
	assert_memory_equal(word, digits, strlen(digits));
	free(pubtext);
	free(comment);
	free(sig);
}

static void test_stock_legacy_signature_verifies(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct kx_error err = {0};
	NEED_MINISIGN(f);
	fx_stock_keygen(f);
	fx_write_str(f, "m.txt", MESSAGE);
	assert_int_equal(fx_minisign(f, "-S", "-l", "-s", "k.key", "-m", "m.txt", NULL), 0);
	fx_load_pub(f, "k.pub", &pub);
	char *sig = fx_read(f, "m.txt.minisig");
	assert_true(sig_alg_is(sig, "RW"));
	assert_int_equal(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), sig, NULL, &err), 0);
	/* and a one-byte change of the message fails the legacy path too */
	char bad[sizeof MESSAGE];
	memcpy(bad, MESSAGE, sizeof MESSAGE);
	bad[0] ^= 1;
	assert_sig_invalid(minisign_verify(&pub, bad, strlen(bad), sig, NULL, &err), &err);
	free(sig);
}

static void test_stock_empty_file_signature_verifies(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct kx_error err = {0};
	NEED_MINISIGN(f);
	fx_stock_keygen(f);
	fx_write(f, "empty", "", 0);
	assert_int_equal(fx_minisign(f, "-S", "-s", "k.key", "-m", "empty", NULL), 0);
	fx_load_pub(f, "k.pub", &pub);
	assert_int_equal(fx_verify(f, &pub, NULL, 0, "empty.minisig", NULL, &err), 0);
}

static void test_stock_secret_key_parses_and_signs(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	struct kx_error err = {0};
	NEED_MINISIGN(f);
	fx_stock_keygen(f);
	fx_load_pub(f, "k.pub", &pub);
	char *keytext = fx_read(f, "k.key");
	assert_int_equal(minisign_seckey_parse(keytext, &sec, &err), 0);
	free(keytext);
	assert_memory_equal(sec.key_id, pub.key_id, MINISIGN_KEYID_LEN);
	assert_memory_equal(sec.sk + 32, pub.pk, 32);
	char *sig = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), "by our code, stock key");
	minisign_seckey_wipe(&sec);
	assert_non_null(sig);
	fx_write_str(f, "m.txt", MESSAGE);
	fx_write_str(f, "m.txt.minisig", sig);
	free(sig);
	assert_int_equal(fx_minisign(f, "-V", "-q", "-p", "k.pub", "-m", "m.txt", NULL), 0);
}

/* ---- our output verifies with the stock tool ---- */

static void test_our_signature_verifies_with_stock(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	NEED_MINISIGN(f);
	our_keypair(&pub, &sec);
	fx_write_our_keys(f, &pub, &sec);
	char *sig = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), "klaxon runbook v1");
	minisign_seckey_wipe(&sec);
	assert_non_null(sig);
	fx_write_str(f, "m.txt", MESSAGE);
	fx_write_str(f, "m.txt.minisig", sig);
	free(sig);
	assert_int_equal(fx_minisign(f, "-V", "-q", "-p", "our.pub", "-m", "m.txt", NULL), 0);
	/* -H demands the prehashed algorithm, which is what we write */
	assert_int_equal(fx_minisign(f, "-V", "-H", "-q", "-p", "our.pub", "-m", "m.txt", NULL), 0);
}

static void test_stock_signs_with_our_secret_key(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	struct kx_error err = {0};
	char *comment = NULL;
	NEED_MINISIGN(f);
	our_keypair(&pub, &sec);
	fx_write_our_keys(f, &pub, &sec);
	minisign_seckey_wipe(&sec);
	fx_write_str(f, "m.txt", MESSAGE);
	assert_int_equal(fx_minisign(f, "-S", "-s", "our.key", "-m", "m.txt", "-x", "s.minisig",
				     "-t", "stock with our key", NULL),
			 0);
	assert_int_equal(fx_verify(f, &pub, MESSAGE, strlen(MESSAGE), "s.minisig", &comment, &err),
			 0);
	assert_string_equal(comment, "stock with our key");
	free(comment);
	assert_int_equal(
		fx_minisign(f, "-V", "-q", "-p", "our.pub", "-m", "m.txt", "-x", "s.minisig", NULL),
		0);
}

/* ---- tampering fails both ways ---- */

static void test_changed_message_fails_both_ways(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	struct kx_error err = {0};
	char bad[sizeof MESSAGE];
	our_keypair(&pub, &sec);
	char *sig = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), NULL);
	assert_non_null(sig);
	assert_int_equal(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), sig, NULL, &err), 0);
	memcpy(bad, MESSAGE, sizeof MESSAGE);
	bad[5] ^= 0x20;
	assert_sig_invalid(minisign_verify(&pub, bad, strlen(bad), sig, NULL, &err), &err);
	assert_sig_invalid(minisign_verify(&pub, MESSAGE, strlen(MESSAGE) - 1, sig, NULL, &err),
			   &err);
	if (f->have_minisign) {
		fx_write_our_keys(f, &pub, &sec);
		fx_write_str(f, "m.txt", bad);
		fx_write_str(f, "m.txt.minisig", sig);
		assert_int_not_equal(fx_minisign(f, "-V", "-q", "-p", "our.pub", "-m", "m.txt", NULL),
				     0);
	} else {
		print_message("minisign binary not found on PATH: stock half skipped\n");
	}
	minisign_seckey_wipe(&sec);
	free(sig);
}

/* Replaces the first occurrence of from (same length as to) in text. */
static void replace_once(char *text, const char *from, const char *to)
{
	char *p = strstr(text, from);
	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

static void test_changed_trusted_comment_fails_both_ways(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	struct kx_error err = {0};
	our_keypair(&pub, &sec);
	char *sig = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), "approved by alice");
	assert_non_null(sig);
	replace_once(sig, "approved by alice", "approved by mally");
	assert_sig_invalid(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), sig, NULL, &err), &err);
	if (f->have_minisign) {
		fx_write_our_keys(f, &pub, &sec);
		fx_write_str(f, "m.txt", MESSAGE);
		fx_write_str(f, "m.txt.minisig", sig);
		assert_int_not_equal(fx_minisign(f, "-V", "-q", "-p", "our.pub", "-m", "m.txt", NULL),
				     0);
	} else {
		print_message("minisign binary not found on PATH: stock half skipped\n");
	}
	minisign_seckey_wipe(&sec);
	free(sig);
}

static void test_wrong_key_fails(void **state)
{
	struct fixture *f = *state;
	struct minisign_pubkey pub, other;
	struct minisign_seckey sec, other_sec;
	struct kx_error err = {0};
	our_keypair(&pub, &sec);
	our_keypair(&other, &other_sec);
	minisign_seckey_wipe(&other_sec);
	char *sig = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), NULL);
	assert_non_null(sig);
	/* different key id */
	assert_sig_invalid(minisign_verify(&other, MESSAGE, strlen(MESSAGE), sig, NULL, &err),
			   &err);
	/* same key id, different key: the signature itself must fail */
	memcpy(other.key_id, pub.key_id, MINISIGN_KEYID_LEN);
	assert_sig_invalid(minisign_verify(&other, MESSAGE, strlen(MESSAGE), sig, NULL, &err),
			   &err);
	if (f->have_minisign) {
		char *pt = minisign_pubkey_format(&other);
		assert_non_null(pt);
		fx_write_str(f, "other.pub", pt);
		free(pt);
		fx_write_str(f, "m.txt", MESSAGE);
		fx_write_str(f, "m.txt.minisig", sig);
		assert_int_not_equal(
			fx_minisign(f, "-V", "-q", "-p", "other.pub", "-m", "m.txt", NULL), 0);
	} else {
		print_message("minisign binary not found on PATH: stock half skipped\n");
	}
	minisign_seckey_wipe(&sec);
	free(sig);
}

/* ---- formats and round trips ---- */

static void test_pubkey_format_and_parse(void **state)
{
	(void)state;
	struct minisign_pubkey pub, back;
	struct minisign_seckey sec;
	struct kx_error err = {0};
	char id[17], want_head[64];
	our_keypair(&pub, &sec);
	minisign_seckey_wipe(&sec);
	char *text = minisign_pubkey_format(&pub), *b64 = minisign_pubkey_base64(&pub);
	assert_non_null(text);
	assert_non_null(b64);
	minisign_key_id_hex(pub.key_id, id);
	snprintf(want_head, sizeof want_head, "untrusted comment: minisign public key %s\n", id);
	assert_int_equal(strncmp(text, want_head, strlen(want_head)), 0);
	assert_int_equal(strncmp(text + strlen(want_head), b64, strlen(b64)), 0);
	assert_string_equal(text + strlen(want_head) + strlen(b64), "\n");
	assert_int_equal(strlen(b64), 56);
	assert_int_equal(strncmp(b64, "RW", 2), 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_int_equal(minisign_pubkey_parse(text, &back, &err), 0);
	assert_memory_equal(&back, &pub, sizeof pub);
	memset(&back, 0, sizeof back);
	assert_int_equal(minisign_pubkey_parse(b64, &back, &err), 0); /* bare line */
	assert_memory_equal(&back, &pub, sizeof pub);
	free(text);
	free(b64);
}

static void test_key_id_hex_is_little_endian(void **state)
{
	(void)state;
	const uint8_t id[MINISIGN_KEYID_LEN] = {0xe8, 0x21, 0x91, 0x77, 0x1c, 0xdb, 0x9c, 0x98};
	char hex[17];
	minisign_key_id_hex(id, hex);
	assert_string_equal(hex, "989CDB1C779121E8");
}

static void test_seckey_round_trip(void **state)
{
	(void)state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec, back;
	struct kx_error err = {0};
	our_keypair(&pub, &sec);
	char *text = minisign_seckey_format(&sec);
	assert_non_null(text);
	assert_int_equal(strncmp(text, "untrusted comment: ", 19), 0);
	assert_int_equal(minisign_seckey_parse(text, &back, &err), 0);
	assert_memory_equal(&back, &sec, sizeof sec);
	minisign_seckey_wipe(&back);
	assert_true(sodium_is_zero((const uint8_t *)&back, sizeof back));
	sodium_memzero(text, strlen(text));
	free(text);
	minisign_seckey_wipe(&sec);
}

/* Decodes the key line of a secret key text, overwrites (or, with flip, XORs) n bytes at off
 * and re-encodes it. */
static char *seckey_mutated(const char *text, size_t off, const uint8_t *bytes, size_t n,
			    int flip)
{
	uint8_t raw[158];
	size_t len = 0;
	const char *line = strchr(text, '\n') + 1;
	assert_int_equal(sodium_base642bin(raw, sizeof raw, line, strcspn(line, "\n"), NULL, &len,
					   NULL, B64),
			 0);
	assert_int_equal(len, sizeof raw);
	for (size_t i = 0; i < n; i++)
		raw[off + i] = flip ? raw[off + i] ^ bytes[i] : bytes[i];
	char *out = malloc(64 + sodium_base64_ENCODED_LEN(sizeof raw, B64));
	assert_non_null(out);
	strcpy(out, "untrusted comment: mutated\n");
	sodium_bin2base64(out + strlen(out), sodium_base64_ENCODED_LEN(sizeof raw, B64), raw,
			  sizeof raw, B64);
	strcat(out, "\n");
	sodium_memzero(raw, sizeof raw);
	return out;
}

static void expect_seckey_rejected_as(const char *text, const char *field)
{
	struct minisign_seckey sec;
	struct kx_error err = {0};
	assert_invalid_field(minisign_seckey_parse(text, &sec, &err), &err);
	assert_string_equal(err.field, field);
}

static void expect_seckey_rejected(const char *text)
{
	expect_seckey_rejected_as(text, "secret_key");
}

/* A passphrase-protected key: the right passphrase opens it, no or a wrong one does not, and
 * it signs what the public key verifies. */
static void test_seckey_passphrase(void **state)
{
	(void)state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec, back;
	struct kx_error err = {0};
	our_keypair(&pub, &sec);
	char *text = minisign_seckey_format_password(&sec, "correct horse");
	assert_non_null(text);
	assert_true(minisign_seckey_encrypted(text));
	assert_null(strstr(text, "unencrypted"));
	assert_int_equal(minisign_seckey_parse_password(text, "correct horse", &back, &err), 0);
	assert_memory_equal(back.sk, sec.sk, sizeof sec.sk);
	assert_memory_equal(back.key_id, sec.key_id, sizeof sec.key_id);
	assert_int_equal(minisign_seckey_parse_password(text, "wrong horse", &back, &err), -1);
	assert_string_equal(err.field, "passphrase");
	assert_int_equal(minisign_seckey_parse(text, &back, &err), -1);
	assert_string_equal(err.field, "passphrase");
	char *plain = minisign_seckey_format(&sec);
	assert_false(minisign_seckey_encrypted(plain));
	free(plain);
	free(text);
	minisign_seckey_wipe(&sec);
	minisign_seckey_wipe(&back);
}

static void test_seckey_rejects_tampering(void **state)
{
	(void)state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec, back;
	struct kx_error err = {0};
	static const uint8_t zero32[32] = {0}, one = 1;
	our_keypair(&pub, &sec);
	char *good = minisign_seckey_format(&sec);
	assert_non_null(good);
	char *bad_chk = seckey_mutated(good, 158 - 1, &one, 1, 1); /* checksum byte */
	char *bad_sk = seckey_mutated(good, 54 + 8 + 40, &one, 1, 1); /* public half of sk */
	char *encrypted = seckey_mutated(good, 2, (const uint8_t *)"Sc", 2, 0);
	char *bad_alg = seckey_mutated(good, 0, (const uint8_t *)"ED", 2, 0);
	char *bad_chk_alg = seckey_mutated(good, 4, (const uint8_t *)"B3", 2, 0);
	/* an all-zero checksum is what `minisign -G -W` writes: accepted */
	char *zero_chk = seckey_mutated(good, 158 - 32, zero32, 32, 0);
	/* with no checksum to catch it, a public half that is not the seed's still fails */
	char *halves = seckey_mutated(bad_sk, 158 - 32, zero32, 32, 0);
	expect_seckey_rejected(bad_chk);
	expect_seckey_rejected(bad_sk);
	expect_seckey_rejected_as(encrypted, "passphrase"); /* marked encrypted, no passphrase */
	expect_seckey_rejected(bad_alg);
	expect_seckey_rejected(bad_chk_alg);
	expect_seckey_rejected(halves);
	assert_int_equal(minisign_seckey_parse(zero_chk, &back, &err), 0);
	assert_memory_equal(&back, &sec, sizeof sec);
	expect_seckey_rejected("");
	expect_seckey_rejected(strchr(good, '\n') + 1); /* no comment line */
	char *truncated = strdup(good);
	assert_non_null(truncated);
	truncated[strlen(truncated) - 6] = '\0';
	expect_seckey_rejected(truncated);
	char *texts[] = {good, bad_chk, encrypted, bad_alg, bad_chk_alg,
			 zero_chk, truncated, halves, bad_sk};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		sodium_memzero(texts[i], strlen(texts[i]));
		free(texts[i]);
	}
	minisign_seckey_wipe(&sec);
	minisign_seckey_wipe(&back);
}

static void test_sign_output_shape_and_default_comment(void **state)
{
	(void)state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	struct kx_error err = {0};
	char *comment = NULL;
	our_keypair(&pub, &sec);
	char *sig = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), NULL);
	assert_non_null(sig);
	int lines = 0;
	for (const char *p = sig; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 4);
	assert_int_equal(sig[strlen(sig) - 1], '\n');
	assert_int_equal(strncmp(sig, "untrusted comment: ", 19), 0);
	assert_true(sig_alg_is(sig, "RU"));
	assert_non_null(strstr(sig, "\ntrusted comment: timestamp:"));
	assert_int_equal(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), sig, &comment, &err), 0);
	assert_int_equal(strncmp(comment, "timestamp:", 10), 0);
	free(comment);
	free(sig);
	/* comments that would break the line format are refused */
	assert_null(minisign_sign(&sec, MESSAGE, strlen(MESSAGE), "two\nlines"));
	assert_null(minisign_sign(&sec, MESSAGE, strlen(MESSAGE), "carriage\rreturn"));
	char *huge = malloc(9000);
	assert_non_null(huge);
	memset(huge, 'c', 8999);
	huge[8999] = '\0';
	assert_null(minisign_sign(&sec, MESSAGE, strlen(MESSAGE), huge));
	free(huge);
	minisign_seckey_wipe(&sec);
}

/* ---- garbage in, -1 out ---- */

/* A .minisig text from raw parts, so tests can craft wrong algorithms and lengths. */
static char *sig_text_from(const uint8_t *blob, size_t blob_len, const char *comment,
			   const uint8_t *global, size_t global_len)
{
	size_t cap = 256 + strlen(comment) + 2 * sodium_base64_ENCODED_LEN(blob_len + global_len, B64);
	char *out = malloc(cap);
	assert_non_null(out);
	int n = snprintf(out, cap, "untrusted comment: crafted\n");
	sodium_bin2base64(out + n, cap - (size_t)n, blob, blob_len, B64);
	n = (int)strlen(out);
	n += snprintf(out + n, cap - (size_t)n, "\ntrusted comment: %s\n", comment);
	sodium_bin2base64(out + n, cap - (size_t)n, global, global_len, B64);
	strcat(out, "\n");
	return out;
}

static char *repeat(char c, size_t n, const char *prefix, const char *suffix)
{
	char *s = malloc(strlen(prefix) + n + strlen(suffix) + 1);
	assert_non_null(s);
	strcpy(s, prefix);
	memset(s + strlen(prefix), c, n);
	strcpy(s + strlen(prefix) + n, suffix);
	return s;
}

static void test_garbage_signatures_rejected(void **state)
{
	(void)state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	struct kx_error err;
	uint8_t blob[74] = {0}, global[64] = {0};
	our_keypair(&pub, &sec);
	char *good = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), "c");
	minisign_seckey_wipe(&sec);
	assert_non_null(good);
	memcpy(blob, "XX", 2);
	memcpy(blob + 2, pub.key_id, 8);
	char *owned[] = {
		sig_text_from(blob, sizeof blob, "c", global, sizeof global),     /* wrong alg */
		sig_text_from(blob, sizeof blob - 1, "c", global, sizeof global), /* short blob */
		sig_text_from((const uint8_t *)"ED", 2, "c", global, 64),          /* tiny blob */
		repeat('u', 2000, "untrusted comment: ", "\n"),                      /* overlong */
		repeat('A', 20000, "", ""),                                          /* huge */
		strdup(good), strdup(good), strdup(good), strdup(good), strdup(good),
		strdup(good),
	};
	memcpy(blob, "ED", 2);
	char *short_global = sig_text_from(blob, sizeof blob, "c", global, 63);
	char *long_tc = repeat('t', 9000, "", "");
	char *long_tc_sig = sig_text_from(blob, sizeof blob, long_tc, global, sizeof global);
	/* mutate the copies of a good signature */
	char *nl1 = strchr(owned[5], '\n');
	memmove(nl1 + 1, nl1 + 5, strlen(nl1 + 5) + 1); /* truncated base64 on line 2 */
	owned[6][0] = 'U';                                /* "Untrusted comment: " */
	replace_once(owned[7], "\ntrusted comment: ", "\ntrusted_comment: ");
	owned[8] = realloc(owned[8], strlen(owned[8]) + 8);
	assert_non_null(owned[8]);
	strcat(owned[8], "extra\n"); /* a fifth line */
	*strrchr(owned[9], '=') = '*'; /* bad character in the global signature */
	owned[10][strlen(owned[10]) - 1] = '\0';
	owned[10][strlen(owned[10]) - 1] = '\0'; /* last line cut short */
	const char *fixed[] = {"", "untrusted comment: only one line\n",
			       "untrusted comment: x\n\n\n\n", "\n\n\n\n"};
	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
		assert_non_null(owned[i]);
		kx_error_clear(&err);
		assert_invalid_field(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), owned[i], NULL,
						     &err),
				     &err);
	}
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		assert_invalid_field(
			minisign_verify(&pub, MESSAGE, strlen(MESSAGE), fixed[i], NULL, &err), &err);
	assert_invalid_field(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), short_global, NULL,
					     &err),
			     &err);
	assert_invalid_field(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), long_tc_sig, NULL,
					     &err),
			     &err);
	assert_invalid_field(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), NULL, NULL, &err),
			     &err);
	/* the untampered original still verifies */
	assert_int_equal(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), good, NULL, &err), 0);
	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
		free(owned[i]);
	free(short_global);
	free(long_tc);
	free(long_tc_sig);
	free(good);
}

static void test_crlf_signature_accepted(void **state)
{
	(void)state;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	struct kx_error err = {0};
	char *comment = NULL;
	our_keypair(&pub, &sec);
	char *sig = minisign_sign(&sec, MESSAGE, strlen(MESSAGE), "crlf");
	minisign_seckey_wipe(&sec);
	assert_non_null(sig);
	char *crlf = malloc(2 * strlen(sig) + 1), *w = crlf;
	assert_non_null(crlf);
	for (const char *p = sig; *p; p++) {
		if (*p == '\n')
			*w++ = '\r';
		*w++ = *p;
	}
	*w = '\0';
	assert_int_equal(minisign_verify(&pub, MESSAGE, strlen(MESSAGE), crlf, &comment, &err), 0);
	assert_string_equal(comment, "crlf");
	free(comment);
	free(crlf);
	free(sig);
}

static void test_garbage_pubkeys_rejected(void **state)
{
	(void)state;
	struct minisign_pubkey pub, back;
	struct minisign_seckey sec;
	struct kx_error err;
	uint8_t raw[42] = {0};
	char b64[64];
	our_keypair(&pub, &sec);
	minisign_seckey_wipe(&sec);
	char *good = minisign_pubkey_format(&pub);
	assert_non_null(good);
	memcpy(raw, "ED", 2); /* a signature algorithm, not a key algorithm */
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, B64);
	char *wrong_alg = strdup(b64);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw - 1, B64);
	char *short_key = strdup(b64);
	char *trailing = repeat('x', 3, good, "\n");
	char *long_comment = repeat('c', 2000, "untrusted comment: ", "\nRWQ\n");
	char *truncated = strdup(good);
	assert_non_null(truncated);
	truncated[strlen(truncated) - 5] = '\0';
	char *long_line = repeat('A', 300, "", "");
	const char *bad[] = {"", "\n", "not base64 at all", "untrusted comment: only\n", wrong_alg,
			     short_key, trailing, long_comment, truncated, long_line};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_non_null(bad[i]);
		kx_error_clear(&err);
		assert_invalid_field(minisign_pubkey_parse(bad[i], &back, &err), &err);
		assert_string_equal(err.field, "public_key");
	}
	assert_invalid_field(minisign_pubkey_parse(NULL, &back, &err), &err);
	free(wrong_alg);
	free(short_key);
	free(trailing);
	free(long_comment);
	free(truncated);
	free(long_line);
	free(good);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stock_prehashed_signature_verifies,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stock_legacy_signature_verifies, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stock_empty_file_signature_verifies,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stock_secret_key_parses_and_signs,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_our_signature_verifies_with_stock,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stock_signs_with_our_secret_key, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_changed_message_fails_both_ways, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_changed_trusted_comment_fails_both_ways,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_fails, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_pubkey_format_and_parse),
		cmocka_unit_test(test_key_id_hex_is_little_endian),
		cmocka_unit_test(test_seckey_round_trip),
		cmocka_unit_test(test_seckey_rejects_tampering),
		cmocka_unit_test(test_seckey_passphrase),
		cmocka_unit_test(test_sign_output_shape_and_default_comment),
		cmocka_unit_test(test_garbage_signatures_rejected),
		cmocka_unit_test(test_crlf_signature_accepted),
		cmocka_unit_test(test_garbage_pubkeys_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
