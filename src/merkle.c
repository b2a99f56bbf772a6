/* RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs, and the append step
 * of a log. Every algorithm reads the tree only as perfect-subtree hashes through a merkle_node_fn,
 * so it costs O(log n) reads and never rebuilds the tree. */
#include "merkle.h"

#include <sodium.h>
#include <stdbool.h>
#include <string.h>

/* A run of leaves [start, start + count) that a proof names; resolved to a hash at the end so
 * that the walk down the tree stays free of callback error handling. */
struct merkle_span {
	uint64_t start;
	uint64_t count;
};

void merkle_leaf_hash(const void *data, size_t len, merkle_hash out)
{
	static const unsigned char prefix = 0x00; /* domain separation from nodes (RFC 6962 2.1) */
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len > 0) /* data may be NULL for the empty leaf */
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

/* Streams both inputs before writing out, so out may alias left or right: verifiers fold in
 * place. */
void merkle_node_hash(const merkle_hash left, const merkle_hash right, merkle_hash out)
{
	static const unsigned char prefix = 0x01;
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, left, MERKLE_HASH_LEN);
	crypto_hash_sha256_update(&st, right, MERKLE_HASH_LEN);
	crypto_hash_sha256_final(&st, out);
}

/* RFC 9162's k: the largest power of two smaller than n (n >= 2). Written as 2k < n so that it
 * cannot overflow for n near 2^64. */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

static bool is_power_of_two(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static bool same_hash(const merkle_hash a, const merkle_hash b)
{
	return sodium_memcmp(a, b, MERKLE_HASH_LEN) == 0;
}

/* Hash of leaves [start, start + count), count > 0, where the range is a subtree the RFC
 * recursion reaches: perfect, or on the right edge with start aligned to a power of two >= count.
 * Such a subtree is the right fold of the perfect subtrees of count's binary decomposition, so
 * walking its bits from the low end reads popcount(count) nodes, right to left. */
static int subtree_hash(merkle_node_fn node, void *ctx, uint64_t start, uint64_t count,
			merkle_hash out)
{
	uint64_t end = start + count;
	bool first = true;

	for (unsigned level = 0; level < 64; level++) {
		uint64_t width = (uint64_t)1 << level;
		merkle_hash part;

		if (!(count & width))
			continue;
		end -= width;
		if (node(ctx, level, end >> level, first ? out : part) != 0)
			return -1;
		if (!first)
			merkle_node_hash(part, out, out);
		first = false;
	}
	return 0;
}

int merkle_root(merkle_node_fn node, void *ctx, uint64_t size, merkle_hash out)
{
	if (!node || !out)
		return -1;
	if (size == 0) {
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
		return 0;
	}
	return subtree_hash(node, ctx, 0, size, out);
}

static int push_span(struct merkle_span spans[MERKLE_MAX_PROOF], size_t *n, uint64_t start,
		     uint64_t count)
{
	if (*n == MERKLE_MAX_PROOF) /* only for trees beyond 2^63 leaves */
		return -1;
	spans[*n].start = start;
	spans[*n].count = count;
	(*n)++;
	return 0;
}

/* A span's hash, from the memo when it is there; perfect spans are one node read and are not
 * kept. */
static int span_hash(merkle_node_fn node, void *ctx, struct merkle_edge_memo *memo,
		     const struct merkle_span *s, merkle_hash out)
{
	if (!memo || is_power_of_two(s->count))
		return subtree_hash(node, ctx, s->start, s->count, out);
	unsigned slot = 63u - (unsigned)__builtin_clzll(s->count);
	if (memo->count[slot] == s->count && memo->start[slot] == s->start) {
		memcpy(out, memo->hash[slot], MERKLE_HASH_LEN);
		return 0;
	}
	if (subtree_hash(node, ctx, s->start, s->count, out) != 0)
		return -1;
	memo->start[slot] = s->start;
	memo->count[slot] = s->count;
	memcpy(memo->hash[slot], out, MERKLE_HASH_LEN);
	return 0;
}

/* The walk collects siblings from the root down; proofs list them from the leaf up. */
static int resolve_spans(merkle_node_fn node, void *ctx, struct merkle_edge_memo *memo,
			 const struct merkle_span *spans, size_t n,
			 merkle_hash proof[MERKLE_MAX_PROOF], size_t *count)
{
	for (size_t i = 0; i < n; i++) {
		if (span_hash(node, ctx, memo, &spans[n - 1 - i], proof[i]) != 0)
			return -1;
	}
	*count = n;
	return 0;
}

/* PATH(m, D[n]) of RFC 9162 2.1.3.1, unrolled: at each level the sibling of the half holding the
 * leaf joins the proof. */
int merkle_prove_inclusion(merkle_node_fn node, void *ctx, uint64_t index, uint64_t size,
			   merkle_hash proof[MERKLE_MAX_PROOF], size_t *count)
{
	return merkle_prove_inclusion_memo(node, ctx, NULL, index, size, proof, count);
}

int merkle_prove_inclusion_memo(merkle_node_fn node, void *ctx, struct merkle_edge_memo *memo,
				uint64_t index, uint64_t size, merkle_hash proof[MERKLE_MAX_PROOF],
				size_t *count)
{
	struct merkle_span spans[MERKLE_MAX_PROOF];
	uint64_t start = 0, width = size;
	size_t n = 0;

	if (!node || !proof || !count || index >= size)
		return -1;
	while (width > 1) {
		uint64_t k = split_point(width);
		int rc;

		if (index - start < k) {
			rc = push_span(spans, &n, start + k, width - k);
			width = k;
		} else {
			rc = push_span(spans, &n, start, k);
			start += k;
			width -= k;
		}
		if (rc != 0)
			return -1;
	}
	return resolve_spans(node, ctx, memo, spans, n, proof, count);
}

/* SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1, unrolled. `whole` is b: it stays true while the old
 * tree is a left prefix the verifier already holds as root_m, so that subtree is left out. */
int merkle_prove_consistency(merkle_node_fn node, void *ctx, uint64_t m, uint64_t n,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *count)
{
	return merkle_prove_consistency_memo(node, ctx, NULL, m, n, proof, count);
}

int merkle_prove_consistency_memo(merkle_node_fn node, void *ctx, struct merkle_edge_memo *memo,
				  uint64_t m, uint64_t n, merkle_hash proof[MERKLE_MAX_PROOF],
				  size_t *count)
{
	struct merkle_span spans[MERKLE_MAX_PROOF];
	uint64_t start = 0, width = n;
	size_t used = 0;
	bool whole = true;

	if (!node || !proof || !count || m == 0 || m > n)
		return -1;
	while (m != width) { /* m is relative to start, 0 < m < width */
		uint64_t k = split_point(width);
		int rc;

		if (m <= k) {
			rc = push_span(spans, &used, start + k, width - k);
			width = k;
		} else {
			rc = push_span(spans, &used, start, k);
			start += k;
			width -= k;
			m -= k;
			whole = false;
		}
		if (rc != 0)
			return -1;
	}
	if (!whole && push_span(spans, &used, start, width) != 0)
		return -1;
	return resolve_spans(node, ctx, memo, spans, used, proof, count);
}

/* Drops the levels where the node is a right edge with no sibling in the proof (RFC 9162 step
 * "right-shift fn and sn equally until LSB(fn) is set or fn is 0"). */
static void skip_lone_levels(uint64_t *fn, uint64_t *sn)
{
	while (!(*fn & 1) && *fn != 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

/* One step of the inclusion fold: r joins its sibling p on the side fn and sn say. */
static void inclusion_step(uint64_t *fn, uint64_t *sn, const merkle_hash p, merkle_hash r)
{
	if ((*fn & 1) || *fn == *sn) {
		merkle_node_hash(p, r, r);
		skip_lone_levels(fn, sn);
	} else {
		merkle_node_hash(r, p, r);
	}
	*fn >>= 1;
	*sn >>= 1;
}

/* RFC 9162 2.1.3.2. A proof that is too long runs sn to 0 early and one that is too short leaves
 * sn above 0, so the length needs no separate formula. */
int merkle_verify_inclusion(const merkle_hash leaf, uint64_t index, uint64_t size,
			    const merkle_hash *proof, size_t count, const merkle_hash root)
{
	uint64_t fn = index, sn;
	merkle_hash r;

	if (!leaf || !root || index >= size || count > MERKLE_MAX_PROOF || (count > 0 && !proof))
		return -1;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return -1;
		inclusion_step(&fn, &sn, proof[i], r);
	}
	return (sn == 0 && same_hash(r, root)) ? 0 : -1;
}

int merkle_verify_inclusion_memo(struct merkle_inclusion_memo *memo, const merkle_hash leaf,
				 uint64_t index, uint64_t size, const merkle_hash *proof,
				 size_t count, const merkle_hash root)
{
	uint64_t fn = index, sn, fns[MERKLE_MAX_PROOF], sns[MERKLE_MAX_PROOF];
	merkle_hash r, rs[MERKLE_MAX_PROOF];
	size_t same = count, i;
	bool joinable;

	if (!memo)
		return merkle_verify_inclusion(leaf, index, size, proof, count, root);
	if (!leaf || !root || index >= size || count > MERKLE_MAX_PROOF || (count > 0 && !proof))
		return -1;
	joinable = memo->valid && memo->count == count && memo->size == size &&
		   same_hash(memo->root, root);
	while (joinable && same > 0 && memcmp(proof[same - 1], memo->proof[same - 1],
					       MERKLE_HASH_LEN) == 0)
		same--; /* from `same` on, the hashes left are the remembered ones */
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (i = 0; i < count; i++) {
		if (joinable && i >= same && memo->fn[i] == fn && memo->sn[i] == sn &&
		    memcmp(memo->r[i], r, MERKLE_HASH_LEN) == 0)
			break; /* the rest is the remembered proof's fold, which held */
		fns[i] = fn;
		sns[i] = sn;
		memcpy(rs[i], r, MERKLE_HASH_LEN);
		if (sn == 0)
			return -1;
		inclusion_step(&fn, &sn, proof[i], r);
	}
	if (i == count && !(sn == 0 && same_hash(r, root)))
		return -1;
	/* It held: remember its steps (those from the one where it joined are already there). */
	memcpy(memo->fn, fns, i * sizeof fns[0]);
	memcpy(memo->sn, sns, i * sizeof sns[0]);
	memcpy(memo->r, rs, i * MERKLE_HASH_LEN);
	if (i > 0)
		memcpy(memo->proof, proof, i * MERKLE_HASH_LEN);
	if (i == count) {
		memo->valid = true;
		memo->count = count;
		memo->size = size;
		memcpy(memo->root, root, MERKLE_HASH_LEN);
	}
	return 0;
}

/* The fold of RFC 9162 2.1.4.2 steps 5-6: fr rebuilds root_m, sr rebuilds root_n. */
static int fold_consistency(uint64_t fn, uint64_t sn, const merkle_hash seed,
			    const merkle_hash *rest, size_t count, const merkle_hash root_m,
			    const merkle_hash root_n)
{
	merkle_hash fr, sr;

	memcpy(fr, seed, MERKLE_HASH_LEN);
	memcpy(sr, seed, MERKLE_HASH_LEN);
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(rest[i], fr, fr);
			merkle_node_hash(rest[i], sr, sr);
			skip_lone_levels(&fn, &sn);
		} else {
			merkle_node_hash(sr, rest[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return (sn == 0 && same_hash(fr, root_m) && same_hash(sr, root_n)) ? 0 : -1;
}

/* RFC 9162 2.1.4.2. m == 0 is refused outright: every tree extends the empty one, so such a
 * "proof" proves nothing and accepting it would only invite misuse. */
int merkle_verify_consistency(uint64_t m, uint64_t n, const merkle_hash root_m,
			      const merkle_hash root_n, const merkle_hash *proof, size_t count)
{
	uint64_t fn, sn;

	if (!root_m || !root_n || m == 0 || m > n || count > MERKLE_MAX_PROOF ||
	    (count > 0 && !proof))
		return -1;
	if (m == n)
		return (count == 0 && same_hash(root_m, root_n)) ? 0 : -1;
	if (count == 0)
		return -1;
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) { /* step 4: climb to the lowest node that is not a right child */
		fn >>= 1;
		sn >>= 1;
	}
	/* Step 2: when m is a power of two the old root is itself the first proof node, so the
	 * prover leaves it out and the verifier puts root_m in its place. */
	if (is_power_of_two(m))
		return fold_consistency(fn, sn, root_m, proof, count, root_m, root_n);
	return fold_consistency(fn, sn, proof[0], proof + 1, count - 1, root_m, root_n);
}

/* Appending leaf `index` completes one node per trailing one bit of index: each such bit means
 * the new node is a right child whose left sibling is already stored. */
int merkle_append(merkle_node_fn get, void *ctx, uint64_t index, const merkle_hash leaf,
		  unsigned out_levels[MERKLE_MAX_PROOF], uint64_t out_index[MERKLE_MAX_PROOF],
		  merkle_hash hashes[MERKLE_MAX_PROOF])
{
	unsigned n = 1;

	if (!leaf || !out_levels || !out_index || !hashes)
		return -1;
	out_levels[0] = 0;
	out_index[0] = index;
	memcpy(hashes[0], leaf, MERKLE_HASH_LEN);
	for (unsigned level = 1; (index >> (level - 1)) & 1; level++) {
		uint64_t child = index >> (level - 1); /* odd: a right child at level - 1 */
		merkle_hash left;

		if (n == MERKLE_MAX_PROOF || !get || get(ctx, level - 1, child - 1, left) != 0)
			return -1;
		merkle_node_hash(left, hashes[n - 1], hashes[n]);
		out_levels[n] = level;
		out_index[n] = child >> 1;
		n++;
	}
	return (int)n;
}
