/* The Merkle ledger: append, proofs, verification. Leaves are receipts' exact bytes; the store
 * keeps every perfect-subtree node, so neither appends nor proofs rebuild the tree. */
#include "ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "signed_note.h"

struct node_source {
	struct store *store;
	const char *tenant_id;
};

static int stored_node(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct node_source *src = ctx;
	return store_node_get(src->store, src->tenant_id, level, index, out);
}

void ledger_origin(const char *tenant_id, char *out, size_t len)
{
	snprintf(out, len, "klaxon/%s", tenant_id);
}

static char *sign_checkpoint(struct kx_core *core, const char *tenant_id, uint64_t size,
			     const merkle_hash root)
{
	struct checkpoint cp = {.size = size};
	ledger_origin(tenant_id, cp.origin, sizeof cp.origin);
	memcpy(cp.root, root, MERKLE_HASH_LEN);
	char *body = checkpoint_format(&cp);
	char *note = body ? signed_note_sign(body, core->key_name, core->key.sk) : NULL;
	free(body);
	return note;
}

static int store_leaf_nodes(struct store *s, const char *tenant_id, uint64_t index,
			    const char *leaf, struct kx_error *err)
{
	struct node_source src = {s, tenant_id};
	merkle_hash leaf_hash, hashes[MERKLE_MAX_PROOF];
	unsigned levels[MERKLE_MAX_PROOF];
	uint64_t idx[MERKLE_MAX_PROOF];
	merkle_leaf_hash(leaf, strlen(leaf), leaf_hash);
	int n = merkle_append(stored_node, &src, index, leaf_hash, levels, idx, hashes);
	if (n < 0)
		return kx_error_set(err, 503, "unavailable", NULL,
				    "ledger of %s: a stored node is missing", tenant_id);
	for (int i = 0; i < n; i++)
		if (store_node_put(s, tenant_id, levels[i], idx[i], hashes[i], err))
			return -1;
	return 0;
}

int ledger_lock(struct store *s, const char *tenant_id, struct kx_error *err)
{
	char scope[96];
	snprintf(scope, sizeof scope, "ledger:%s", tenant_id);
	return store_lock(s, scope, err);
}

int ledger_append(struct kx_core *core, const char *tenant_id, cJSON *receipt,
		  const char *now, struct kx_error *err)
{
	struct store *s = core_writer(core);
	if (ledger_lock(s, tenant_id, err))
		return -1;
	int64_t size = store_ledger_size(s, tenant_id);
	if (size < 0)
		return kx_error_set(err, 503, "unavailable", NULL, "ledger size unreadable");
	cJSON_AddNumberToObject(receipt, "seq", (double)(size + 1));
	cJSON_AddNumberToObject(receipt, "leaf_index", (double)size);
	/* Serialised once: these bytes are the leaf forever (cJSON escapes control characters,
	 * so the text is one line). */
	char *leaf = cJSON_PrintUnformatted(receipt);
	if (!leaf)
		return kx_error_set(err, 503, "unavailable", NULL, "out of memory");
	const cJSON *dec = cJSON_GetObjectItem(receipt, "decision");
	struct store_receipt_row row = {
		.tenant_id = tenant_id,
		.id = cJSON_GetStringValue(cJSON_GetObjectItem(receipt, "id")),
		.at = cJSON_GetStringValue(cJSON_GetObjectItem(receipt, "at")),
		.actor = cJSON_GetStringValue(cJSON_GetObjectItem(receipt, "actor")),
		.action = cJSON_GetStringValue(cJSON_GetObjectItem(receipt, "action")),
		.resource = cJSON_GetStringValue(cJSON_GetObjectItem(receipt, "resource")),
		.request_id = cJSON_GetStringValue(cJSON_GetObjectItem(receipt, "request_id")),
		.effect = cJSON_GetStringValue(cJSON_GetObjectItem(dec, "effect")),
		.seq = size + 1,
		.leaf = leaf,
	};
	int rc = store_receipt_insert(s, &row, err);
	if (rc == 0)
		rc = store_leaf_nodes(s, tenant_id, (uint64_t)size, leaf, err);
	if (rc == 0 && core_write_appended(tenant_id) != 0)
		rc = ledger_seal(core, s, tenant_id, now, err);
	cJSON_free(leaf);
	return rc;
}

int ledger_seal(struct kx_core *core, struct store *s, const char *tenant_id, const char *now,
		struct kx_error *err)
{
	if (ledger_lock(s, tenant_id, err))
		return -1;
	int64_t size = store_ledger_size(s, tenant_id);
	uint64_t latest = 0;
	free(store_checkpoint_get(s, tenant_id, 0, &latest));
	if (size < 0)
		return kx_error_set(err, 503, "unavailable", NULL, "ledger size unreadable");
	if ((uint64_t)size == latest)
		return 0;
	merkle_hash root;
	struct node_source src = {s, tenant_id};
	if (merkle_root(stored_node, &src, (uint64_t)size, root) != 0)
		return kx_error_set(err, 503, "unavailable", NULL, "ledger root unreadable");
	char *note = sign_checkpoint(core, tenant_id, (uint64_t)size, root);
	int rc = note ? store_checkpoint_insert(s, tenant_id, (uint64_t)size, root, note, now, err)
		      : kx_error_set(err, 503, "unavailable", NULL, "checkpoint signing failed");
	free(note);
	return rc;
}

void ledger_nodes_init(struct ledger_nodes *n, struct store *s, struct ledger_cache *committed,
		       const char *tenant_id)
{
	memset(n, 0, sizeof *n);
	n->store = s;
	n->committed = committed;
	n->tenant_id = tenant_id;
}

/* Each node costs a SQLite lookup (0.5 to 3 µs at a million leaves, against 0.3 µs to hash
 * one): the last nodes of each level and the committed cache spare most of them. */
static int proof_node(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct ledger_nodes *n = ctx;
	if (level >= MERKLE_MAX_PROOF)
		return -1;
	struct ledger_level_memo *l = &n->last[level];
	for (int w = 0; w < 2; w++) {
		if (l->valid[w] && l->index[w] == index) {
			memcpy(out, l->hash[w], MERKLE_HASH_LEN);
			l->older = (uint8_t)(1 - w);
			return 0;
		}
	}
	if (ledger_cache_get(n->committed, n->tenant_id, level, index, out) != 0) {
		if (store_node_get(n->store, n->tenant_id, level, index, out) != 0)
			return -1;
		ledger_cache_put(n->committed, n->tenant_id, level, index, out);
	}
	int w = l->older;
	l->index[w] = index;
	memcpy(l->hash[w], out, MERKLE_HASH_LEN);
	l->valid[w] = 1;
	l->older = (uint8_t)(1 - w);
	return 0;
}

int ledger_prove_inclusion(struct ledger_nodes *nodes, uint64_t index, uint64_t size,
			   merkle_hash proof[MERKLE_MAX_PROOF], size_t *count)
{
	return merkle_prove_inclusion_memo(proof_node, nodes, &nodes->edges, index, size, proof,
					   count);
}

int ledger_prove_consistency(struct ledger_nodes *nodes, uint64_t m, uint64_t n,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *count)
{
	return merkle_prove_consistency_memo(proof_node, nodes, &nodes->edges, m, n, proof, count);
}

cJSON *ledger_hashes_json(const merkle_hash *hashes, size_t count)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < count; i++) {
		char b64[DIGEST_B64_LEN];
		digest_b64(hashes[i], b64);
		cJSON_AddItemToArray(a, cJSON_CreateString(b64));
	}
	return a;
}
