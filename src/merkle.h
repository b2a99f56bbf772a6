/* RFC 6962 / RFC 9162 Merkle tree hashing and proofs. Pure: no storage and no I/O. The tree
 * is reached through a callback that yields the hash of a perfect subtree, so a stored log
 * (ledger.c) and an in-memory one (tests) share one implementation of every algorithm. */
#ifndef KX_MERKLE_H
#define KX_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
#define MERKLE_MAX_PROOF 64 /* hashes in any proof of a tree of up to 2^63 leaves */

typedef uint8_t merkle_hash[MERKLE_HASH_LEN];

/* Hash of the perfect subtree at `level` (0 = a leaf) and `index`, which covers leaves
 * [index << level, (index + 1) << level). Returns 0, or -1 when the node is unavailable
 * (an error is then returned by the caller of the algorithm). */
typedef int (*merkle_node_fn)(void *ctx, unsigned level, uint64_t index, merkle_hash out);

void merkle_leaf_hash(const void *data, size_t len, merkle_hash out); /* SHA-256(0x00 || data) */
void merkle_node_hash(const merkle_hash left, const merkle_hash right, merkle_hash out); /* SHA-256(0x01 || l || r) */

/* Root of the first `size` leaves (size 0: SHA-256 of the empty string). Reads O(log size)
 * nodes. 0 or -1. */
int merkle_root(merkle_node_fn node, void *ctx, uint64_t size, merkle_hash out);

/* Inclusion proof (RFC 9162 2.1.3) of leaf `index` in the tree of `size` leaves; writes at most
 * MERKLE_MAX_PROOF hashes and their count. 0, or -1 (index >= size, node unavailable). */
int merkle_prove_inclusion(merkle_node_fn node, void *ctx, uint64_t index, uint64_t size,
			   merkle_hash proof[MERKLE_MAX_PROOF], size_t *count);

/* Consistency proof (RFC 9162 2.1.4) that the tree of size `n` extends the one of size `m`,
 * 0 < m <= n (m == n: an empty proof). 0 or -1. */
int merkle_prove_consistency(merkle_node_fn node, void *ctx, uint64_t m, uint64_t n,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *count);

/* Hashes of the subtrees on a tree's right edge that are not perfect, which proofs compute
 * from popcount(count) stored nodes: a tree has at most one of each height, and consecutive
 * proofs (an export's) share them. Keyed by the leaves they cover, so one memo serves trees
 * of any size over the same leaves. Zero it before the first use. */
struct merkle_edge_memo {
	uint64_t start[64], count[64]; /* by the bit length of count; count 0: empty */
	merkle_hash hash[64];
};
/* The proofs above, reading and filling `memo` (NULL: none). */
int merkle_prove_inclusion_memo(merkle_node_fn node, void *ctx, struct merkle_edge_memo *memo,
				uint64_t index, uint64_t size, merkle_hash proof[MERKLE_MAX_PROOF],
				size_t *count);
int merkle_prove_consistency_memo(merkle_node_fn node, void *ctx, struct merkle_edge_memo *memo,
				  uint64_t m, uint64_t n, merkle_hash proof[MERKLE_MAX_PROOF],
				  size_t *count);

/* Verification (RFC 9162 2.1.3.2 and 2.1.4.2). 0 when the proof holds, -1 when it does not
 * (including malformed input: index >= size, wrong proof length, m > n, m == 0 with a proof). */
int merkle_verify_inclusion(const merkle_hash leaf, uint64_t index, uint64_t size,
			    const merkle_hash *proof, size_t count, const merkle_hash root);
int merkle_verify_consistency(uint64_t m, uint64_t n, const merkle_hash root_m,
			      const merkle_hash root_n, const merkle_hash *proof, size_t count);

/* The last inclusion proof that held, step by step: the verifier's state before each step and
 * the hashes the proof had. Zero it before the first use. */
struct merkle_inclusion_memo {
	bool valid;
	uint64_t size;
	merkle_hash root;
	size_t count;
	uint64_t fn[MERKLE_MAX_PROOF], sn[MERKLE_MAX_PROOF];
	merkle_hash r[MERKLE_MAX_PROOF], proof[MERKLE_MAX_PROOF];
};

/* merkle_verify_inclusion's answer, for many proofs against one root: proofs of neighbouring
 * leaves join the same path after a step or two, and from the step where a proof reaches a
 * state the last proof that held passed through, with the same hashes left, the rest of the
 * fold is that proof's, so it is not hashed again. Verifying a window of leaves in order
 * costs ~2 hashes a proof instead of ~log2(size). */
int merkle_verify_inclusion_memo(struct merkle_inclusion_memo *memo, const merkle_hash leaf,
				 uint64_t index, uint64_t size, const merkle_hash *proof,
				 size_t count, const merkle_hash root);

/* Nodes that become complete when leaf `index` is appended: the leaf itself at level 0 and each
 * parent whose right child it completes. `out_levels[i]`/`out_index[i]` name node i and
 * `hashes[i]` its hash; `get` reads the left siblings already stored. Returns the number of
 * nodes (1 + the count of trailing one bits of index), or -1. This is what makes an append
 * O(log n): the store keeps exactly these perfect-subtree nodes. */
int merkle_append(merkle_node_fn get, void *ctx, uint64_t index, const merkle_hash leaf,
		  unsigned out_levels[MERKLE_MAX_PROOF], uint64_t out_index[MERKLE_MAX_PROOF],
		  merkle_hash hashes[MERKLE_MAX_PROOF]);

#endif
