/* One receipt's inclusion proof, verified here through the core's pure checks: the signed
 * checkpoint (witness.c in src/) and RFC 9162 inclusion (merkle.c). The leaf is hashed from
 * the exact bytes the server sent, never from a re-serialisation. */
#include "receipt_proof.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "klaxon.h"
#include "merkle.h"

static int fail(char *msg, size_t len, const char *what)
{
	snprintf(msg, len, "%s", what);
	return -1;
}

static uint64_t number(const cJSON *o, const char *name, bool *ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0) {
		*ok = false;
		return 0;
	}
	return (uint64_t)v->valuedouble;
}

/* The receipt as shown must be the leaf, member for member: what a person reads on the
 * screen is then exactly what the ledger holds. */
static int leaf_matches(const cJSON *answer, const cJSON *leaf, char *msg, size_t len)
{
	cJSON *shown = cJSON_Duplicate(answer, 1);
	static const char *const added[] = {"leaf", "proof", "checkpoint"};
	for (size_t i = 0; i < sizeof added / sizeof added[0]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(shown, added[i]);
	bool same = cJSON_Compare(shown, leaf, 1);
	cJSON_Delete(shown);
	return same ? 0 : fail(msg, len, "the receipt shown differs from the ledger's leaf bytes");
}

static void report(receipt_check_fn check, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(receipt_check_fn check, void *ctx, const char *fmt, ...)
{
	if (!check)
		return;
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	check(ctx, text);
}

/* Decodes the proof's base64 hashes; -1 when one is not 32 bytes of base64. */
static int proof_hashes(const cJSON *arr, merkle_hash out[MERKLE_MAX_PROOF], size_t *n)
{
	const cJSON *h;
	*n = 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > MERKLE_MAX_PROOF)
		return -1;
	cJSON_ArrayForEach(h, arr)
	{
		if (!cJSON_IsString(h) || digest_from_b64(h->valuestring, out[*n]))
			return -1;
		(*n)++;
	}
	return 0;
}

static int check_inclusion(const cJSON *root, const char *leaf_text, const char *pubkey_text,
			   receipt_check_fn check, void *ctx, struct receipt_proof *out, char *msg,
			   size_t len)
{
	const cJSON *proof = cJSON_GetObjectItemCaseSensitive(root, "proof");
	bool ok = true;
	out->leaf_index = number(proof, "leaf_index", &ok);
	out->tree_size = number(proof, "tree_size", &ok);
	merkle_hash hashes[MERKLE_MAX_PROOF], leaf;
	size_t n = 0;
	if (!ok || proof_hashes(cJSON_GetObjectItemCaseSensitive(proof, "hashes"), hashes, &n))
		return fail(msg, len, "the answer carries no well-formed inclusion proof");
	bool index_ok = true;
	if (number(root, "leaf_index", &index_ok) != out->leaf_index || !index_ok)
		return fail(msg, len, "the proof is for another leaf than the receipt's");
	struct kx_checkpoint cp;
	struct kx_error err = {0};
	if (kx_checkpoint_verify(out->checkpoint, pubkey_text, &cp, &err)) {
		snprintf(msg, len, "the checkpoint does not verify: %s", err.message);
		return -1;
	}
	snprintf(out->tenant_id, sizeof out->tenant_id, "%s", cp.tenant_id);
	report(check, ctx, "checkpoint of %s, size %" PRIu64 ", signed by the server key",
	       cp.tenant_id, cp.size);
	if (cp.size != out->tree_size)
		return fail(msg, len, "the proof is for another tree size than the checkpoint's");
	merkle_leaf_hash(leaf_text, strlen(leaf_text), leaf);
	if (merkle_verify_inclusion(leaf, out->leaf_index, out->tree_size,
				    (const merkle_hash *)hashes, n, cp.root)) {
		snprintf(msg, len, "leaf %" PRIu64 " is NOT in the tree of size %" PRIu64
				   " that the checkpoint signs", out->leaf_index, out->tree_size);
		return -1;
	}
	report(check, ctx, "leaf %" PRIu64 " is included in that tree (%zu proof hash%s)",
	       out->leaf_index, n, n == 1 ? "" : "es");
	return 0;
}

int receipt_proof_verify(const char *answer, const char *shown, const char *pubkey_text,
			 receipt_check_fn check, void *ctx, struct receipt_proof *out, char *msg,
			 size_t len)
{
	memset(out, 0, sizeof *out);
	cJSON *root = answer ? cJSON_Parse(answer) : NULL;
	const char *leaf_text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "leaf"));
	const char *note = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "checkpoint"));
	cJSON *leaf = leaf_text ? cJSON_Parse(leaf_text) : NULL;
	int rc = 0;
	if (!leaf || !note)
		rc = fail(msg, len, "the answer carries no leaf bytes or no checkpoint");
	if (rc == 0) {
		out->checkpoint = strdup(note);
		rc = leaf_matches(root, leaf, msg, len);
	}
	if (rc == 0 && shown) { /* the list may not lie either */
		cJSON *row = cJSON_Parse(shown);
		rc = row ? leaf_matches(row, leaf, msg, len)
			 : fail(msg, len, "the receipt shown is not JSON");
		cJSON_Delete(row);
	}
	if (rc == 0) {
		report(check, ctx, "the receipt shown matches the ledger's leaf bytes");
		rc = check_inclusion(root, leaf_text, pubkey_text, check, ctx, out, msg, len);
	}
	cJSON_Delete(leaf);
	cJSON_Delete(root);
	return rc;
}

void receipt_proof_free(struct receipt_proof *p)
{
	free(p->checkpoint);
	p->checkpoint = NULL;
}
