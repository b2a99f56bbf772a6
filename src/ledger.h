/* The per-tenant Merkle ledger over the store: appending a receipt as a leaf (O(log n) node
 * writes), a signed checkpoint at the end of each write group, inclusion and consistency
 * proofs read from stored perfect-subtree nodes, and verification that recomputes everything
 * from the leaves. */
#ifndef KX_LEDGER_H
#define KX_LEDGER_H

#include <cjson/cJSON.h>

#include "core.h"
#include "ledger_cache.h"
#include "merkle.h"

/* Makes the tenant's ledger this transaction's alone across every process sharing the store,
 * until the commit (store_lock); ledger_append takes it too. 0, or -1 with err. */
int ledger_lock(struct store *s, const char *tenant_id, struct kx_error *err);

/* Appends `receipt` (without seq and leaf_index, which are set here) to tenant's ledger:
 * serialises it once into its leaf bytes, stores it and its nodes. Runs inside the caller's
 * transaction; its checkpoint is signed when the write group seals (core_write), or here
 * outside one. 0, or -1 with err. */
int ledger_append(struct kx_core *core, const char *tenant_id, cJSON *receipt,
		  const char *now, struct kx_error *err);

/* Signs and stores the checkpoint of tenant's ledger at its size in the caller's transaction,
 * unless the latest checkpoint has that size already. A write group seals each ledger it
 * appended to once, before it commits (one signature per group, not per receipt); whoever
 * reads the latest checkpoint inside a write transaction seals first. 0, or -1 with err. */
int ledger_seal(struct kx_core *core, struct store *s, const char *tenant_id, const char *now,
		struct kx_error *err);

/* The C2SP origin line of a tenant's log. */
void ledger_origin(const char *tenant_id, char *out, size_t len);

/* Where proofs read a tenant's tree from: the store, the core's cache of committed nodes, and
 * the last two nodes read at each level, which consecutive proofs (an export's) mostly share:
 * a leaf's sibling on its path, and a node of the tree's right edge at the same level. Valid
 * for one transaction; set up with ledger_nodes_init. */
struct ledger_level_memo {
	uint64_t index[2];
	merkle_hash hash[2];
	uint8_t valid[2];
	uint8_t older; /* the entry to replace */
};
struct ledger_nodes {
	struct store *store;
	struct ledger_cache *committed;
	const char *tenant_id;
	struct ledger_level_memo last[MERKLE_MAX_PROOF];
	struct merkle_edge_memo edges; /* the right edge's imperfect subtrees, once computed */
};

/* `committed` is the core's node cache (core->ledger_nodes) when `s` reads committed data only
 * (a reader in a read transaction): nodes read are then remembered for every later proof.
 * Pass NULL on the writer, whose transaction may yet be rolled back. */
void ledger_nodes_init(struct ledger_nodes *n, struct store *s, struct ledger_cache *committed,
		       const char *tenant_id);

/* Proofs against the tree of `size` leaves. 0 or -1. */
int ledger_prove_inclusion(struct ledger_nodes *nodes, uint64_t index, uint64_t size,
			   merkle_hash proof[MERKLE_MAX_PROOF], size_t *count);
int ledger_prove_consistency(struct ledger_nodes *nodes, uint64_t m, uint64_t n,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *count);
/* Proof hashes as a JSON array of base64 strings. */
cJSON *ledger_hashes_json(const merkle_hash *hashes, size_t count);

/* Verifies one tenant's ledger (see kx_ledger_verify). */
int ledger_verify_tenant(struct kx_core *core, struct store *s, const char *tenant_id,
			 uint64_t *checked, struct kx_error *err);

#endif
