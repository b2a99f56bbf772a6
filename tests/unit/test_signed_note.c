/* Tests for src/signed_note.c: Go's golang.org/x/mod/sumdb/note example reproduced byte for
 * byte, verification failing on every kind of tampering, and the tlog-checkpoint body's
 * format/parse round trip and rejection of malformed bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "signed_note.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

/* The vector from FACTS.md (Go's note package example). */
static const char GO_SIGNER_KEY[] =
	"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char GO_VERIFIER_KEY[] =
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char GO_NAME[] = "PeterNeumann";
static const char GO_TEXT[] = "If you think cryptography is the answer to your problem,\n"
			      "then you don't know what your problem is.\n";
static const char GO_NOTE[] =
	"If you think cryptography is the answer to your problem,\n"
	"then you don't know what your problem is.\n"
	"\n"
	"\xe2\x80\x94 PeterNeumann "
	"x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

struct key {
	uint8_t pk[32];
	uint8_t sk[64];
};

/* "PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>": the base64 part may itself hold '+',
 * so skip exactly four separators. */
static void go_signer(struct key *k)
{
	const char *p = GO_SIGNER_KEY;
	for (int i = 0; i < 4; i++) {
		p = strchr(p, '+');
		assert_non_null(p);
		p++;
	}
	uint8_t raw[33];
	size_t len = 0;
	assert_int_equal(sodium_base642bin(raw, sizeof raw, p, strlen(p), NULL, &len, NULL, B64), 0);
	assert_int_equal(len, 33);
	assert_int_equal(raw[0], 0x01);
	crypto_sign_seed_keypair(k->pk, k->sk, raw + 1);
	sodium_memzero(raw, sizeof raw);
}

static void random_key(struct key *k)
{
	crypto_sign_keypair(k->pk, k->sk);
}

static int verify(const char *note, const char *name, const struct key *k, struct kx_error *err)
{
	kx_error_clear(err);
	return signed_note_verify(note, name, k->pk, NULL, err);
}

static void assert_rejected(int rc, const struct kx_error *err)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->status, 403);
	assert_string_equal(err->code, "signature_invalid");
}

static char *concat(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);
	assert_non_null(s);
	strcpy(s, a);
	strcat(s, b);
	return s;
}

/* The signature line(s) of a note: everything after its blank line. */
static const char *sig_lines(const char *note)
{
	const char *p = strstr(note, "\n\n");
	assert_non_null(p);
	return p + 2;
}

/* ---- Go's vector ---- */

static void test_go_vector_signs_byte_for_byte(void **state)
{
	(void)state;
	struct key k;
	go_signer(&k);
	char *note = signed_note_sign(GO_TEXT, GO_NAME, k.sk);
	assert_non_null(note);
	assert_string_equal(note, GO_NOTE);
	free(note);
	sodium_memzero(&k, sizeof k);
}

static void test_go_vector_verifier_key(void **state)
{
	(void)state;
	struct key k;
	go_signer(&k);
	char *vkey = signed_note_verifier_key(GO_NAME, k.pk);
	assert_non_null(vkey);
	assert_string_equal(vkey, GO_VERIFIER_KEY);
	free(vkey);
}

static void test_go_vector_verifies(void **state)
{
	(void)state;
	struct key k;
	struct kx_error err = {0};
	char *text = NULL;
	go_signer(&k);
	assert_int_equal(signed_note_verify(GO_NOTE, GO_NAME, k.pk, &text, &err), 0);
	assert_string_equal(text, GO_TEXT);
	free(text);
}

/* ---- tampering ---- */

static void test_changed_text_byte_fails(void **state)
{
	(void)state;
	struct key k;
	struct kx_error err;
	go_signer(&k);
	char *note = strdup(GO_NOTE);
	assert_non_null(note);
	note[10] ^= 0x01;
	assert_rejected(verify(note, GO_NAME, &k, &err), &err);
	free(note);
}

static void test_changed_signature_byte_fails(void **state)
{
	(void)state;
	struct key k;
	struct kx_error err;
	go_signer(&k);
	char *note = strdup(GO_NOTE);
	assert_non_null(note);
	/* a base64 character inside a full group, so the decoded signature itself changes */
	char *c = note + strlen(note) - 20;
	*c = *c == 'A' ? 'B' : 'A';
	assert_rejected(verify(note, GO_NAME, &k, &err), &err);
	free(note);
}

static void test_wrong_name_or_key_fails(void **state)
{
	(void)state;
	struct key k, other;
	struct kx_error err;
	go_signer(&k);
	random_key(&other);
	assert_rejected(verify(GO_NOTE, "PeterNeumann2", &k, &err), &err);
	assert_rejected(verify(GO_NOTE, "peterneumann", &k, &err), &err);
	assert_rejected(verify(GO_NOTE, GO_NAME, &other, &err), &err);
	assert_rejected(verify(GO_NOTE, "bad+name", &k, &err), &err);
}

/* ---- several signers ---- */

static void test_other_signatures_are_ignored(void **state)
{
	(void)state;
	struct key a, b;
	struct kx_error err;
	random_key(&a);
	random_key(&b);
	const char *text = "example.com/log\n42\n";
	char *by_a = signed_note_sign(text, "example.com/a", a.sk);
	char *by_b = signed_note_sign(text, "witness.example/b", b.sk);
	assert_non_null(by_a);
	assert_non_null(by_b);
	char *both = concat(by_a, sig_lines(by_b));
	/* an unknown key's line, even a non-Ed25519 length, is skipped */
	char *with_unknown = concat(both, "\xe2\x80\x94 pq.example/x AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
	assert_int_equal(verify(with_unknown, "example.com/a", &a, &err), 0);
	assert_int_equal(verify(with_unknown, "witness.example/b", &b, &err), 0);
	/* b's key under a's name does not count as a's signature */
	assert_rejected(verify(by_b, "example.com/a", &b, &err), &err);
	/* a bad signature by a known key rejects the whole note, even beside a good one */
	char *bad_dup = concat(with_unknown, sig_lines(by_a));
	char *c = bad_dup + strlen(bad_dup) - 20;
	*c = *c == 'A' ? 'B' : 'A';
	assert_rejected(verify(bad_dup, "example.com/a", &a, &err), &err);
	assert_int_equal(verify(bad_dup, "witness.example/b", &b, &err), 0);
	free(by_a);
	free(by_b);
	free(both);
	free(with_unknown);
	free(bad_dup);
	sodium_memzero(&a, sizeof a);
	sodium_memzero(&b, sizeof b);
}

static void test_text_with_blank_line_uses_last_separator(void **state)
{
	(void)state;
	struct key k;
	struct kx_error err = {0};
	char *text = NULL;
	go_signer(&k);
	/* A foreign signer may put empty lines in its text; the last blank line separates. We
	 * craft one by signing the text directly, as signed_note_sign refuses such text. */
	const char body[] = "one\n\ntwo\n";
	uint8_t raw[68];
	char b64[128], note[256];
	memcpy(raw, "\xc7\x4f\x20\xa3", 4);
	crypto_sign_detached(raw + 4, NULL, (const uint8_t *)body, strlen(body), k.sk);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, B64);
	snprintf(note, sizeof note, "%s\n\xe2\x80\x94 %s %s\n", body, GO_NAME, b64);
	assert_int_equal(signed_note_verify(note, GO_NAME, k.pk, &text, &err), 0);
	assert_string_equal(text, body);
	free(text);
	assert_null(signed_note_sign(body, GO_NAME, k.sk));
}

/* ---- malformed notes ---- */

static void test_malformed_notes_rejected(void **state)
{
	(void)state;
	struct key k;
	struct kx_error err;
	go_signer(&k);
	char *no_final_nl = strdup(GO_NOTE);
	assert_non_null(no_final_nl);
	no_final_nl[strlen(no_final_nl) - 1] = '\0';
	char *ascii_dash = strdup(GO_NOTE);
	char *p = strstr(ascii_dash, "\xe2\x80\x94");
	memcpy(p, "--- ", 4); /* same length, wrong dash */
	char *tab = strdup(GO_NOTE);
	tab[2] = '\t';
	char *bad_utf8 = strdup(GO_NOTE);
	bad_utf8[2] = (char)0xc3; /* lead byte followed by ASCII */
	char *extra_text = concat(GO_NOTE, "not a signature line\n");
	char *no_b64 = strdup(GO_NOTE);
	*strrchr(no_b64, '=') = '!';
	char *short_sig = concat(GO_TEXT, "\n\xe2\x80\x94 PeterNeumann x08go/Y=\n");
	char *empty_name = concat(GO_TEXT, "\n\xe2\x80\x94  x08go/ZJkuBS9UG\n");
	char *no_space = concat(GO_TEXT, "\n\xe2\x80\x94 PeterNeumann\n");
	const char *bad[] = {
		"",
		"\n",
		"\n\n",
		GO_TEXT,                                  /* no signatures at all */
		"text\n\xe2\x80\x94 PeterNeumann x08g=\n", /* no blank line */
		no_final_nl, ascii_dash, tab, bad_utf8, extra_text, no_b64, short_sig, empty_name,
		no_space,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_non_null(bad[i]);
		assert_rejected(verify(bad[i], GO_NAME, &k, &err), &err);
	}
	kx_error_clear(&err);
	assert_rejected(signed_note_verify(NULL, GO_NAME, k.pk, NULL, &err), &err);
	char *texts[] = {no_final_nl, ascii_dash, tab, bad_utf8, extra_text,
			 no_b64,      short_sig,  empty_name, no_space};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		free(texts[i]);
}

static void test_too_many_signature_lines_rejected(void **state)
{
	(void)state;
	struct key k;
	struct kx_error err;
	go_signer(&k);
	const char *line = sig_lines(GO_NOTE);
	size_t cap = strlen(GO_NOTE) + 200 * strlen(line) + 1;
	char *note = malloc(cap);
	assert_non_null(note);
	strcpy(note, GO_NOTE);
	for (int i = 0; i < 200; i++)
		strcat(note, "\xe2\x80\x94 other.example AAAAAAAA\n");
	assert_rejected(verify(note, GO_NAME, &k, &err), &err);
	free(note);
}

static void test_sign_rejects_bad_input(void **state)
{
	(void)state;
	struct key k;
	go_signer(&k);
	const char *bad_texts[] = {"", "no newline", "\nstarts blank\n", "a\n\nb\n", "tab\there\n",
				   "bad \xff utf8\n"};
	for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++)
		assert_null(signed_note_sign(bad_texts[i], GO_NAME, k.sk));
	const char *bad_names[] = {"", "with space", "with+plus", "tab\tname", "nl\nname"};
	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		assert_null(signed_note_sign(GO_TEXT, bad_names[i], k.sk));
		assert_null(signed_note_verifier_key(bad_names[i], k.pk));
	}
	assert_null(signed_note_sign(NULL, GO_NAME, k.sk));
	assert_null(signed_note_sign(GO_TEXT, NULL, k.sk));
}

/* ---- checkpoints ---- */

static void test_checkpoint_format_exact(void **state)
{
	(void)state;
	struct checkpoint cp = {.size = 1234567};
	strcpy(cp.origin, "klaxon.example/ledger/acme");
	memset(cp.root, 0, sizeof cp.root);
	char *text = checkpoint_format(&cp);
	assert_non_null(text);
	assert_string_equal(text, "klaxon.example/ledger/acme\n1234567\n"
				  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	free(text);
}

static void test_checkpoint_round_trip(void **state)
{
	(void)state;
	const uint64_t sizes[] = {0, 1, 10, 4294967296ull, UINT64_MAX};
	struct kx_error err = {0};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct checkpoint cp = {.size = sizes[i]}, back;
		strcpy(cp.origin, "example.com/log");
		randombytes_buf(cp.root, sizeof cp.root);
		char *text = checkpoint_format(&cp);
		assert_non_null(text);
		memset(&back, 0xa5, sizeof back);
		assert_int_equal(checkpoint_parse(text, &back, &err), 0);
		assert_string_equal(back.origin, cp.origin);
		assert_true(back.size == cp.size);
		assert_memory_equal(back.root, cp.root, sizeof cp.root);
		/* extension lines after the third are allowed and ignored */
		char *ext = concat(text, "extension one\nextension two\n");
		assert_int_equal(checkpoint_parse(ext, &back, &err), 0);
		assert_true(back.size == cp.size);
		free(ext);
		free(text);
	}
}

static void test_checkpoint_format_rejects_bad_origin(void **state)
{
	(void)state;
	struct checkpoint cp = {.size = 1};
	assert_null(checkpoint_format(&cp)); /* empty origin */
	strcpy(cp.origin, "two\nlines");
	assert_null(checkpoint_format(&cp));
	memset(cp.origin, 'o', sizeof cp.origin); /* not NUL-terminated */
	assert_null(checkpoint_format(&cp));
	assert_null(checkpoint_format(NULL));
}

static void test_checkpoint_parse_rejects_malformed(void **state)
{
	(void)state;
	struct checkpoint cp;
	struct kx_error err;
	char long_origin[300];
	memset(long_origin, 'o', 200);
	strcpy(long_origin + 200, "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
#define ROOT "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	const char *bad[] = {
		"",
		"origin\n",
		"origin\n5\n",                        /* missing root line */
		"origin\n5\n" ROOT,                   /* root line without newline */
		"\n5\n" ROOT "\n",                    /* empty origin */
		"origin\n\n" ROOT "\n",               /* empty size */
		"origin\nfive\n" ROOT "\n",           /* non-decimal size */
		"origin\n-5\n" ROOT "\n",             /* signed */
		"origin\n+5\n" ROOT "\n",             /* signed */
		"origin\n 5\n" ROOT "\n",             /* space */
		"origin\n5 \n" ROOT "\n",             /* space */
		"origin\n0x10\n" ROOT "\n",           /* hex */
		"origin\n05\n" ROOT "\n",             /* leading zero */
		"origin\n00\n" ROOT "\n",             /* leading zero */
		"origin\n18446744073709551616\n" ROOT "\n", /* 2^64 overflows */
		"origin\n99999999999999999999\n" ROOT "\n", /* overflows */
		"origin\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",     /* 30 bytes */
		"origin\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", /* 35 bytes */
		"origin\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* no padding */
		"origin\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*=\n", /* bad char */
		"origin\n5\n" ROOT "\n\nafter blank\n", /* empty extension line */
		"origin\n5\n" ROOT "\nno newline",      /* unterminated extension */
		"ori\tgin\n5\n" ROOT "\n",              /* control character */
		long_origin,
	};
#undef ROOT
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kx_error_clear(&err);
		assert_int_equal(checkpoint_parse(bad[i], &cp, &err), -1);
		assert_int_equal(err.status, 400);
		assert_string_equal(err.code, "invalid_field");
	}
	assert_int_equal(checkpoint_parse(NULL, &cp, &err), -1);
	/* size 0 and UINT64_MAX are fine */
	assert_int_equal(checkpoint_parse("o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", &cp,
					  &err),
			 0);
	assert_true(cp.size == 0);
	assert_int_equal(checkpoint_parse("o\n18446744073709551615\n"
					  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
					  &cp, &err),
			 0);
	assert_true(cp.size == UINT64_MAX);
}

static void test_signed_checkpoint_end_to_end(void **state)
{
	(void)state;
	struct key k;
	struct kx_error err = {0};
	struct checkpoint cp = {.size = 99}, back;
	char *text = NULL;
	random_key(&k);
	strcpy(cp.origin, "klaxon.example/ledger/t1");
	randombytes_buf(cp.root, sizeof cp.root);
	char *body = checkpoint_format(&cp);
	assert_non_null(body);
	char *note = signed_note_sign(body, cp.origin, k.sk);
	assert_non_null(note);
	assert_int_equal(signed_note_verify(note, cp.origin, k.pk, &text, &err), 0);
	assert_string_equal(text, body);
	assert_int_equal(checkpoint_parse(text, &back, &err), 0);
	assert_true(back.size == 99);
	assert_memory_equal(back.root, cp.root, sizeof cp.root);
	free(text);
	free(note);
	free(body);
	sodium_memzero(&k, sizeof k);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_vector_signs_byte_for_byte),
		cmocka_unit_test(test_go_vector_verifier_key),
		cmocka_unit_test(test_go_vector_verifies),
		cmocka_unit_test(test_changed_text_byte_fails),
		cmocka_unit_test(test_changed_signature_byte_fails),
		cmocka_unit_test(test_wrong_name_or_key_fails),
		cmocka_unit_test(test_other_signatures_are_ignored),
		cmocka_unit_test(test_text_with_blank_line_uses_last_separator),
		cmocka_unit_test(test_malformed_notes_rejected),
		cmocka_unit_test(test_too_many_signature_lines_rejected),
		cmocka_unit_test(test_sign_rejects_bad_input),
		cmocka_unit_test(test_checkpoint_format_exact),
		cmocka_unit_test(test_checkpoint_round_trip),
		cmocka_unit_test(test_checkpoint_format_rejects_bad_origin),
		cmocka_unit_test(test_checkpoint_parse_rejects_malformed),
		cmocka_unit_test(test_signed_checkpoint_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
