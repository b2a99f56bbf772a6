/* libFuzzer harness: minisign keys and signatures. The first byte picks what the rest is:
 * a public key (file or base64 line), a secret key file, or a message and a .minisig text
 * separated by a NUL byte, verified against a fixed key (fuzz_keys.h) and, when a third
 * NUL-separated part parses as a public key, against that key too. Checked: a parsed key
 * formats and parses back to itself; errors carry a status and code; a signature made by our
 * signer over the message verifies, and a verification that succeeds returns its comment.
 * First byte mod 3: 0 public key, 1 secret key, 2 verification (seeds use '0', '1', '2'). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "fuzz_store.h"

static struct minisign_pubkey fixed_pub;
static struct minisign_seckey fixed_sec;

static void write_seeds(const char *dir)
{
	char *pk = minisign_pubkey_format(&fixed_pub), *sk = minisign_seckey_format(&fixed_sec);
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "0%s", pk);
	fz_write_seed(dir, "gen-pubkey-file", buf, (size_t)n);
	char *line = minisign_pubkey_base64(&fixed_pub);
	n = snprintf(buf, sizeof buf, "0%s", line);
	fz_write_seed(dir, "gen-pubkey-line", buf, (size_t)n);
	n = snprintf(buf, sizeof buf, "1%s", sk);
	fz_write_seed(dir, "gen-seckey", buf, (size_t)n);
	const char *msgs[] = {"hello", "", "{\"id\":\"restart\",\"risk\":\"low\"}\n"};
	for (int i = 0; i < 3; i++) {
		char *sig = minisign_sign(&fixed_sec, msgs[i], strlen(msgs[i]), i == 1 ? NULL : "c");
		n = snprintf(buf, sizeof buf, "2%s", msgs[i]);
		buf[n++] = 0;
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", sig);
		buf[n++] = 0;
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", pk);
		char name[32];
		snprintf(name, sizeof name, "gen-verify-%d", i);
		fz_write_seed(dir, name, buf, (size_t)n);
		free(sig);
	}
	sodium_memzero(sk, strlen(sk));
	free(sk);
	free(pk);
	free(line);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_fixed_key(&fixed_pub, &fixed_sec);
	const char *dir = getenv("FUZZ_WRITE_SEEDS");
	if (dir) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}

static void err_ok(const struct kx_error *e)
{
	if (e->status < 400 || e->status > 499 || !e->code[0])
		abort();
}

static void pubkey(const char *text)
{
	struct minisign_pubkey pub, again;
	struct kx_error err = {0};
	if (minisign_pubkey_parse(text, &pub, &err)) {
		err_ok(&err);
		return;
	}
	char *f = minisign_pubkey_format(&pub);
	if (!f || minisign_pubkey_parse(f, &again, &err) || memcmp(&pub, &again, sizeof pub))
		abort();
	free(f);
}

static void seckey(const char *text)
{
	struct minisign_seckey sec, again;
	struct kx_error err = {0};
	if (minisign_seckey_parse(text, &sec, &err)) {
		err_ok(&err);
		return;
	}
	char *f = minisign_seckey_format(&sec);
	if (!f || minisign_seckey_parse(f, &again, &err) || memcmp(&sec, &again, sizeof sec))
		abort();
	sodium_memzero(f, strlen(f));
	free(f);
}

static void verify_with(const struct minisign_pubkey *pub, const char *msg, size_t len,
			const char *sig)
{
	struct kx_error err = {0};
	char *comment = NULL;
	if (minisign_verify(pub, msg, len, sig, &comment, &err)) {
		if ((err.status != 400 && err.status != 403) || !err.code[0] || comment)
			abort();
		return;
	}
	if (!comment)
		abort();
	free(comment);
}

static void verify(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t mlen = nul ? (size_t)(nul - data) : size;
	const char *msg = (const char *)data;
	const char *sig = nul ? (const char *)nul + 1 : "";
	verify_with(&fixed_pub, msg, mlen, sig);
	const char *third = nul ? memchr(sig, 0, size - mlen - 1) : NULL;
	struct minisign_pubkey pub;
	struct kx_error err = {0};
	if (third && minisign_pubkey_parse(third + 1, &pub, &err) == 0)
		verify_with(&pub, msg, mlen, sig);
	/* Our signer and verifier agree on any message. */
	char *mine = minisign_sign(&fixed_sec, msg, mlen, NULL);
	if (!mine || minisign_verify(&fixed_pub, msg, mlen, mine, NULL, &err))
		abort();
	free(mine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 16384)
		return 0;
	char *text = fz_strndup(data + 1, size - 1); /* NUL-terminated copy for the parsers */
	switch (data[0] % 3) {
	case 0:
		pubkey(text);
		break;
	case 1:
		seckey(text);
		break;
	default:
		verify((const uint8_t *)text, size - 1);
		break;
	}
	free(text);
	return 0;
}
