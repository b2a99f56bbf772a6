/* The checks a ledger witness makes on what a server signed, with nothing but the server's
 * public key: a checkpoint's signature (and that its note is in the one form klaxon writes,
 * so that no byte of it can change unnoticed), and that a newer checkpoint extends an older
 * one (RFC 9162 consistency). Used by `klaxon evidence verify`, the CLI's and the console's
 * witness, and nothing here touches a store. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "klaxon.h"
#include "merkle.h"
#include "minisign.h"
#include "signed_note.h"

#define NOTE_DASH "\xe2\x80\x94 " /* "— " */

static int cp_bad(struct kx_error *err, const char *fmt, const char *detail)
{
	return kx_error_set(err, 409, "checkpoint_invalid", NULL, fmt, detail);
}

/* The note must be its text, a blank line and exactly one signature line by `name` whose
 * base64 is canonical: minisign-style strictness, so a flipped padding bit is a failure too. */
static int note_canonical(const char *note, size_t text_len, const char *name)
{
	const char *line = note + text_len + 1; /* past the blank line */
	size_t dash = strlen(NOTE_DASH), nlen = strlen(name);
	if (strncmp(line, NOTE_DASH, dash) != 0 || strncmp(line + dash, name, nlen) != 0 ||
	    line[dash + nlen] != ' ')
		return -1;
	const char *b64 = line + dash + nlen + 1;
	const char *nl = strchr(b64, '\n');
	if (!nl || nl[1] != 0)
		return -1;
	uint8_t raw[4 + 64];
	size_t raw_len = 0;
	char again[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];
	if (sodium_base642bin(raw, sizeof raw, b64, (size_t)(nl - b64), NULL, &raw_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    raw_len != sizeof raw)
		return -1;
	sodium_bin2base64(again, sizeof again, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	return strlen(again) == (size_t)(nl - b64) && memcmp(again, b64, strlen(again)) == 0 ? 0 : -1;
}

int kx_checkpoint_verify(const char *note, const char *pubkey_text, struct kx_checkpoint *out,
			 struct kx_error *err)
{
	struct minisign_pubkey pub;
	char hex[17], name[40], *text = NULL;
	struct checkpoint cp;
	memset(out, 0, sizeof *out);
	if (sodium_init() < 0)
		return kx_error_set(err, 503, "unavailable", NULL, "libsodium failed to initialise");
	if (!note || !pubkey_text || minisign_pubkey_parse(pubkey_text, &pub, err))
		return cp_bad(err, "%s", "the server's public key is unreadable");
	minisign_key_id_hex(pub.key_id, hex);
	snprintf(name, sizeof name, "klaxon-%s", hex);
	if (signed_note_verify(note, name, pub.pk, &text, NULL))
		return cp_bad(err, "the checkpoint is not signed by key %s", hex);
	int rc = checkpoint_parse(text, &cp, NULL);
	size_t text_len = strlen(text);
	free(text);
	if (rc)
		return cp_bad(err, "%s", "the signed note is not a checkpoint");
	if (note_canonical(note, text_len, name))
		return cp_bad(err, "%s", "the signed note is not in klaxon's exact form");
	if (strncmp(cp.origin, "klaxon/", 7) != 0 || !cp.origin[7] ||
	    strlen(cp.origin + 7) >= sizeof out->tenant_id)
		return cp_bad(err, "the checkpoint's origin %s is not a klaxon tenant log", cp.origin);
	snprintf(out->origin, sizeof out->origin, "%s", cp.origin);
	snprintf(out->tenant_id, sizeof out->tenant_id, "%.63s", cp.origin + 7);
	out->size = cp.size;
	memcpy(out->root, cp.root, sizeof out->root);
	return 0;
}

int kx_checkpoint_consistent(const struct kx_checkpoint *older, const struct kx_checkpoint *newer,
			     const char *const *hashes, size_t n, struct kx_error *err)
{
	if (strcmp(older->origin, newer->origin) != 0)
		return kx_error_set(err, 409, "ledger_inconsistent", NULL,
				    "the checkpoints are of two logs (%s, %s)", older->origin,
				    newer->origin);
	if (older->size > newer->size)
		return kx_error_set(err, 409, "ledger_inconsistent", NULL,
				    "checkpoint %" PRIu64 " is older than %" PRIu64, newer->size,
				    older->size);
	if (n > MERKLE_MAX_PROOF)
		return kx_error_set(err, 409, "ledger_inconsistent", NULL, "the proof is too long");
	merkle_hash proof[MERKLE_MAX_PROOF];
	for (size_t i = 0; i < n; i++)
		if (digest_from_b64(hashes[i], proof[i]))
			return kx_error_set(err, 409, "ledger_inconsistent", NULL,
					    "proof hash %zu is not base64 of 32 bytes", i);
	/* Size 0 is the empty tree: anything extends it. */
	bool ok = older->size == 0 ? n == 0
				   : merkle_verify_consistency(older->size, newer->size, older->root,
							       newer->root, proof, n) == 0;
	if (!ok)
		return kx_error_set(err, 409, "ledger_inconsistent", NULL,
				    "the log of size %" PRIu64 " does not extend the one of size %" PRIu64
				    " (%s): history was rewritten",
				    newer->size, older->size, older->origin);
	return 0;
}
