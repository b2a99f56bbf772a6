/* Ledger verification from first principles: re-hash every stored leaf in order, rebuild the
 * tree's right frontier, and check each stored node, each checkpoint's root and signature,
 * every column kept beside a leaf and the decision record against the leaf's own bytes, and
 * each published runbook version against the digest its publish decision recorded. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "ledger.h"
#include "signed_note.h"

/* The perfect subtrees of the binary decomposition of the size verified so far. */
struct frontier {
	unsigned level[MERKLE_MAX_PROOF];
	uint64_t index[MERKLE_MAX_PROOF];
	merkle_hash hash[MERKLE_MAX_PROOF];
	int n;
};

struct verify {
	struct kx_core *core;
	struct store *store;
	const char *tenant_id;
	struct frontier f;
	uint64_t size;
	struct kx_error *err;
};

static int frontier_node(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct frontier *f = ctx;
	for (int i = 0; i < f->n; i++) {
		if (f->level[i] == level && f->index[i] == index) {
			memcpy(out, f->hash[i], MERKLE_HASH_LEN);
			return 0;
		}
	}
	return -1;
}

/* Replaces the subtrees the new top node absorbed by that node. */
static void frontier_push(struct frontier *f, unsigned level, uint64_t index,
			  const merkle_hash hash)
{
	while (f->n > 0 && f->level[f->n - 1] < level)
		f->n--;
	f->level[f->n] = level;
	f->index[f->n] = index;
	memcpy(f->hash[f->n], hash, MERKLE_HASH_LEN);
	f->n++;
}

static int bad(struct verify *v, int64_t seq, const char *what)
{
	return kx_error_set(v->err, 409, "ledger_invalid", NULL, "tenant %s, receipt seq %" PRId64 ": %s",
			    v->tenant_id, seq, what);
}

static bool same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *leaf_str(const cJSON *leaf, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(leaf, name));
}

/* The columns kept beside the leaf must say what the leaf says. */
static int check_columns(struct verify *v, const struct store_receipt_row *r, const cJSON *leaf)
{
	const cJSON *dec = cJSON_GetObjectItemCaseSensitive(leaf, "decision");
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(leaf, "seq");
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(leaf, "leaf_index");
	if (!cJSON_IsNumber(seq) || (int64_t)seq->valuedouble != r->seq || !cJSON_IsNumber(idx) ||
	    (int64_t)idx->valuedouble != r->seq - 1)
		return bad(v, r->seq, "sequence number differs from the leaf's");
	if (!same(leaf_str(leaf, "tenant_id"), v->tenant_id) || !same(leaf_str(leaf, "id"), r->id) ||
	    !same(leaf_str(leaf, "at"), r->at) || !same(leaf_str(leaf, "actor"), r->actor) ||
	    !same(leaf_str(leaf, "action"), r->action) ||
	    !same(leaf_str(leaf, "resource"), r->resource) ||
	    !same(leaf_str(leaf, "request_id"), r->request_id) ||
	    !same(leaf_str(dec, "effect"), r->effect))
		return bad(v, r->seq, "a stored column differs from the receipt's leaf");
	return 0;
}

/* The decision record kept beside the receipt must be the one whose digest the leaf
 * carries: otherwise why a decision was taken could be rewritten unnoticed. */
static int check_decision(struct verify *v, const struct store_receipt_row *r, const cJSON *leaf)
{
	const char *want = leaf_str(cJSON_GetObjectItemCaseSensitive(leaf, "decision"),
				    "record_digest");
	char have[DIGEST_B64_LEN] = "";
	if (!r->decision_digest || !r->decision_record || !want)
		return bad(v, r->seq, "its decision record is missing");
	digest_sha256_b64(r->decision_record, strlen(r->decision_record), have);
	if (strcmp(r->decision_digest, want) != 0 || strcmp(have, want) != 0)
		return bad(v, r->seq, "its decision record differs from the digest in the leaf");
	return 0;
}

/* A published runbook version must still be what its publish receipt's decision recorded:
 * the version holding that digest is in the store, its document hashes to it, and its risk
 * and signing key are the ones recorded. Otherwise a document edited in the store would go
 * unnoticed here (launching it is refused too: runbook_check_version). */
static int check_runbook(struct verify *v, const struct store_receipt_row *r)
{
	cJSON *rec = cJSON_Parse(r->decision_record);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(rec, "input"), "resource");
	const char *id = leaf_str(res, "id"), *digest = leaf_str(res, "digest");
	cJSON *found = id && digest ? store_runbook_by_digest(v->store, v->tenant_id, id, digest)
				    : NULL;
	int version = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(found, "version"));
	cJSON *row = found ? store_runbook_get(v->store, v->tenant_id, id, version) : NULL;
	const char *doc = leaf_str(row, "document");
	char have[DIGEST_B64_LEN] = "", what[220];
	if (doc)
		digest_sha256_b64(doc, strlen(doc), have);
	int rc = 0;
	if (!id || !digest) {
		/* nothing recorded to hold the version to (the record itself is checked above) */
	} else if (!row || !doc) {
		snprintf(what, sizeof what, "runbook %.48s: no stored version holds the digest its"
			 " publish recorded", id);
		rc = bad(v, r->seq, what);
	} else if (strcmp(have, digest) != 0) {
		snprintf(what, sizeof what, "runbook %.48s version %d fails its digest check: its"
			 " stored document differs from the digest its publish recorded",
			 id, version);
		rc = bad(v, r->seq, what);
	} else if (!same(leaf_str(row, "risk"), leaf_str(res, "risk")) ||
		   !same(leaf_str(row, "key_id"), leaf_str(res, "key_id"))) {
		snprintf(what, sizeof what, "runbook %.48s version %d: its stored risk or signing"
			 " key differs from what its publish recorded", id, version);
		rc = bad(v, r->seq, what);
	}
	cJSON_Delete(row);
	cJSON_Delete(found);
	cJSON_Delete(rec);
	return rc;
}

static int check_checkpoint(struct verify *v, int64_t seq)
{
	uint64_t size = 0;
	char *note = store_checkpoint_get(v->store, v->tenant_id, v->size, &size);
	if (!note)
		return 0; /* not every size need have one */
	char *text = NULL;
	struct checkpoint cp;
	char origin[128];
	merkle_hash root;
	ledger_origin(v->tenant_id, origin, sizeof origin);
	int rc = signed_note_verify(note, v->core->key_name, v->core->pub.pk, &text, NULL);
	if (rc == 0)
		rc = checkpoint_parse(text, &cp, NULL);
	if (rc != 0)
		rc = bad(v, seq, "its checkpoint's signature does not verify");
	else if (cp.size != v->size || strcmp(cp.origin, origin) != 0)
		rc = bad(v, seq, "its checkpoint names another log or size");
	else if (merkle_root(frontier_node, &v->f, v->size, root) != 0 ||
		 memcmp(root, cp.root, MERKLE_HASH_LEN) != 0)
		rc = bad(v, seq, "the recomputed root differs from the signed checkpoint");
	free(text);
	free(note);
	return rc;
}

static int verify_receipt(void *ctx, const struct store_receipt_row *r)
{
	struct verify *v = ctx;
	if (r->seq != (int64_t)v->size + 1)
		return bad(v, r->seq, "the sequence has a gap");
	cJSON *leaf = cJSON_Parse(r->leaf);
	int rc = leaf ? check_columns(v, r, leaf) : bad(v, r->seq, "the leaf is not JSON");
	if (rc == 0)
		rc = check_decision(v, r, leaf);
	if (rc == 0 && same(r->action, "runbook.publish") && same(r->effect, "allow"))
		rc = check_runbook(v, r);
	cJSON_Delete(leaf);
	if (rc)
		return rc;
	merkle_hash leaf_hash, hashes[MERKLE_MAX_PROOF], stored;
	unsigned levels[MERKLE_MAX_PROOF];
	uint64_t idx[MERKLE_MAX_PROOF];
	merkle_leaf_hash(r->leaf, strlen(r->leaf), leaf_hash);
	int n = merkle_append(frontier_node, &v->f, v->size, leaf_hash, levels, idx, hashes);
	if (n < 0)
		return bad(v, r->seq, "the tree cannot be rebuilt");
	for (int i = 0; i < n; i++) {
		if (store_node_get(v->store, v->tenant_id, levels[i], idx[i], stored) != 0 ||
		    memcmp(stored, hashes[i], MERKLE_HASH_LEN) != 0)
			return bad(v, r->seq, "a stored tree node differs from the recomputed one");
	}
	frontier_push(&v->f, levels[n - 1], idx[n - 1], hashes[n - 1]);
	v->size++;
	return check_checkpoint(v, r->seq);
}

int ledger_verify_tenant(struct kx_core *core, struct store *s, const char *tenant_id,
			 uint64_t *checked, struct kx_error *err)
{
	struct verify v = {.core = core, .store = s, .tenant_id = tenant_id, .err = err};
	int rc = store_receipt_walk(s, tenant_id, verify_receipt, &v);
	if (checked)
		*checked += v.size;
	if (rc) {
		if (err && !err->status) /* err is optional (klaxon.h) */
			kx_error_set(err, 503, "unavailable", NULL, "tenant %s: receipts unreadable",
				     tenant_id);
		return -1;
	}
	if (v.size == 0)
		return kx_error_set(err, 409, "ledger_invalid", NULL,
				    "tenant %s has no receipts, though its creation is the first"
				    " leaf of its ledger",
				    tenant_id);
	uint64_t latest = 0;
	char *note = store_checkpoint_get(s, tenant_id, 0, &latest);
	free(note);
	if (latest != v.size)
		return kx_error_set(err, 409, "ledger_invalid", NULL,
				    "tenant %s: the latest checkpoint covers %" PRIu64
				    " receipts but %" PRIu64 " are stored",
				    tenant_id, latest, v.size);
	return 0;
}
