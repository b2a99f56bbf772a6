/* Tests for merkle.c: the transparency-dev/merkle known-answer vectors, the RFC 6962 reference
 * tree, every proof of generated trees up to 300 leaves against a naive MTH, and a count of node
 * reads at a million leaves showing that no algorithm rebuilds the tree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "merkle.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static void hex_to_bin(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	assert_int_equal(sodium_hex2bin(out, max, hex, strlen(hex), NULL, len, NULL), 0);
}

static void hex_hash(const char *hex, merkle_hash out)
{
	size_t len = 0;

	hex_to_bin(hex, out, MERKLE_HASH_LEN, &len);
	assert_int_equal(len, MERKLE_HASH_LEN);
}

/* Independent of merkle.c's walk: the textbook recursive MTH of RFC 9162 2.1.1. */
static void naive_mth(const merkle_hash *leaves, uint64_t n, merkle_hash out)
{
	merkle_hash l, r;
	uint64_t k = 1;

	if (n == 0) {
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], MERKLE_HASH_LEN);
		return;
	}
	while (2 * k < n)
		k *= 2;
	naive_mth(leaves, k, l);
	naive_mth(leaves + k, n - k, r);
	merkle_node_hash(l, r, out);
}

static void flip(merkle_hash h, unsigned byte)
{
	h[byte % MERKLE_HASH_LEN] ^= 0x10;
}

/* A heap copy of exactly `count` hashes (NULL for none), so that ASan catches a verifier reading
 * past the end of a proof. The caller frees it. */
static merkle_hash *exact_proof(const merkle_hash *proof, size_t count)
{
	merkle_hash *copy;

	if (count == 0)
		return NULL;
	copy = malloc(count * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, proof, count * sizeof(*copy));
	return copy;
}

/* ---- an in-memory log: the perfect-subtree nodes merkle_append hands out ------------------- */

#define TREE_MAX 300
#define TREE_LEVELS 10 /* 2^9 > TREE_MAX */

struct mem_tree {
	merkle_hash nodes[TREE_LEVELS][TREE_MAX];
	merkle_hash leaves[TREE_MAX];
	uint64_t size;    /* leaves appended */
	uint64_t visible; /* the tree size the algorithm under test may see */
	unsigned stray;   /* reads outside the perfect subtrees of `visible` */
	unsigned reads;
};

/* Refuses any node that is not a perfect subtree of the first `visible` leaves, so a stray read
 * fails the algorithm and is counted, rather than silently seeing a later tree. */
static int mem_get(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct mem_tree *t = ctx;

	t->reads++;
	if (level >= TREE_LEVELS || index >= TREE_MAX || ((index + 1) << level) > t->visible) {
		t->stray++;
		return -1;
	}
	memcpy(out, t->nodes[level][index], MERKLE_HASH_LEN);
	return 0;
}

static unsigned trailing_ones(uint64_t x)
{
	unsigned n = 0;

	while (x & 1) {
		n++;
		x >>= 1;
	}
	return n;
}

static void mem_append(struct mem_tree *t, const void *data, size_t len)
{
	unsigned levels[MERKLE_MAX_PROOF];
	uint64_t index[MERKLE_MAX_PROOF];
	merkle_hash hashes[MERKLE_MAX_PROOF];
	int n;

	assert_true(t->size < TREE_MAX);
	merkle_leaf_hash(data, len, t->leaves[t->size]);
	t->visible = t->size; /* append may read only what is already stored */
	n = merkle_append(mem_get, t, t->size, t->leaves[t->size], levels, index, hashes);
	assert_int_equal(n, 1 + trailing_ones(t->size));
	for (int i = 0; i < n; i++) {
		assert_true(levels[i] < TREE_LEVELS);
		assert_int_equal(index[i], t->size >> levels[i]);
		memcpy(t->nodes[levels[i]][index[i]], hashes[i], MERKLE_HASH_LEN);
	}
	assert_int_equal(t->stray, 0);
	t->size++;
}

/* Leaf i has i % 7 bytes, so leaf 0 is the empty leaf. */
static struct mem_tree *mem_build(uint64_t size)
{
	struct mem_tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	for (uint64_t i = 0; i < size; i++) {
		uint8_t data[8];
		size_t len = i % 7;

		for (size_t j = 0; j < len; j++)
			data[j] = (uint8_t)(i * 31 + j);
		mem_append(t, data, len);
	}
	return t;
}

/* ---- RFC 6962 reference tree (the README's leaves; values from transparency-dev tests) ----- */

static const char *const ref_leaves[] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const ref_roots[] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct ref_proof {
	uint64_t a, b; /* inclusion: leaf index, size; consistency: m, n */
	const char *hashes[3];
};

static const struct ref_proof ref_inclusion[] = {
	{0, 8, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{5, 8, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
	{1, 5, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	{0, 1, {NULL}},
};

static const struct ref_proof ref_consistency[] = {
	{1, 1, {NULL}},
	{1, 8, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{6, 8, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 5, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	{6, 7, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static struct mem_tree *ref_build(void)
{
	struct mem_tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	for (size_t i = 0; i < sizeof(ref_leaves) / sizeof(ref_leaves[0]); i++) {
		uint8_t data[16];
		size_t len = 0;

		hex_to_bin(ref_leaves[i], data, sizeof(data), &len);
		mem_append(t, data, len);
	}
	return t;
}

static void assert_proof(const merkle_hash *got, size_t count, const struct ref_proof *want)
{
	size_t n = 0;

	while (n < 3 && want->hashes[n])
		n++;
	assert_int_equal(count, n);
	for (size_t i = 0; i < n; i++) {
		merkle_hash h;

		hex_hash(want->hashes[i], h);
		assert_memory_equal(got[i], h, MERKLE_HASH_LEN);
	}
}

static void test_reference_tree(void **state)
{
	struct mem_tree *t = ref_build();
	merkle_hash root, want, proof[MERKLE_MAX_PROOF];
	size_t count;

	(void)state;
	t->visible = 0;
	assert_int_equal(merkle_root(mem_get, t, 0, root), 0);
	hex_hash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
	assert_memory_equal(root, want, MERKLE_HASH_LEN);
	for (uint64_t size = 1; size <= 8; size++) {
		t->visible = size;
		assert_int_equal(merkle_root(mem_get, t, size, root), 0);
		hex_hash(ref_roots[size - 1], want);
		assert_memory_equal(root, want, MERKLE_HASH_LEN);
	}
	for (size_t i = 0; i < sizeof(ref_inclusion) / sizeof(ref_inclusion[0]); i++) {
		const struct ref_proof *p = &ref_inclusion[i];

		t->visible = p->b;
		assert_int_equal(merkle_prove_inclusion(mem_get, t, p->a, p->b, proof, &count), 0);
		assert_proof((const merkle_hash *)proof, count, p);
	}
	for (size_t i = 0; i < sizeof(ref_consistency) / sizeof(ref_consistency[0]); i++) {
		const struct ref_proof *p = &ref_consistency[i];

		t->visible = p->b;
		assert_int_equal(merkle_prove_consistency(mem_get, t, p->a, p->b, proof, &count),
				 0);
		assert_proof((const merkle_hash *)proof, count, p);
	}
	assert_int_equal(t->stray, 0);
	free(t);
}

/* ---- transparency-dev/merkle JSON vectors ------------------------------------------------ */

struct vec_stats {
	unsigned run;      /* files checked */
	unsigned happy;    /* wantErr false, verified */
	unsigned refused;  /* wantErr true, refused by merkle_verify_* */
	unsigned by_size;  /* wantErr true, refused only because a hash is not 32 bytes */
};

typedef void (*vec_fn)(const cJSON *doc, const char *path, struct vec_stats *st);

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* cJSON keeps numbers as doubles. The vectors hold small sizes and 2^64 - 1 (an index of 0 minus
 * one); the latter rounds to 2^64, which cannot be cast, so it is clamped back. */
static uint64_t json_u64(const cJSON *doc, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, key);
	double v;

	assert_true(cJSON_IsNumber(item));
	v = item->valuedouble;
	assert_true(v >= 0);
	if (v >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)v;
}

/* merkle_hash is a fixed 32-byte array, so a vector's hash of another length cannot reach the API.
 * It is passed zero-padded (which keeps equal placeholders equal) and reported: a caller must
 * refuse such a hash before it verifies anything. Returns 1 when the hash was 32 bytes. */
static int json_hash(const cJSON *item, merkle_hash out)
{
	uint8_t buf[2 * MERKLE_HASH_LEN];
	size_t len = 0;

	assert_true(cJSON_IsString(item));
	assert_int_equal(sodium_base642bin(buf, sizeof(buf), item->valuestring,
					   strlen(item->valuestring), NULL, &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	memset(out, 0, MERKLE_HASH_LEN);
	memcpy(out, buf, len < MERKLE_HASH_LEN ? len : MERKLE_HASH_LEN);
	return len == MERKLE_HASH_LEN;
}

/* `proof` is an array or null (an empty proof). Returns 1 when every element was 32 bytes. */
static int json_proof(const cJSON *doc, merkle_hash proof[MERKLE_MAX_PROOF], size_t *count)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "proof");
	const cJSON *item;
	int ok = 1;

	*count = 0;
	if (cJSON_IsNull(arr))
		return 1;
	assert_true(cJSON_IsArray(arr));
	cJSON_ArrayForEach(item, arr)
	{
		assert_true(*count < MERKLE_MAX_PROOF);
		ok &= json_hash(item, proof[(*count)++]);
	}
	return ok;
}

static void vec_record(const cJSON *doc, const char *path, int well_formed, int rc,
		       struct vec_stats *st)
{
	const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(doc, "wantErr");

	assert_true(cJSON_IsBool(want_err));
	st->run++;
	if (!cJSON_IsTrue(want_err)) {
		if (rc != 0 || !well_formed)
			fail_msg("%s: happy path did not verify (rc %d, well formed %d)", path, rc,
				 well_formed);
		st->happy++;
	} else if (rc != 0) {
		st->refused++;
	} else if (!well_formed) {
		st->by_size++;
	} else {
		fail_msg("%s: corrupted case was accepted", path);
	}
}

static void vec_inclusion(const cJSON *doc, const char *path, struct vec_stats *st)
{
	merkle_hash leaf, root, proof[MERKLE_MAX_PROOF];
	size_t count;
	int ok = json_proof(doc, proof, &count);

	merkle_hash *exact = exact_proof((const merkle_hash *)proof, count);
	int rc;

	ok &= json_hash(cJSON_GetObjectItemCaseSensitive(doc, "leafHash"), leaf);
	ok &= json_hash(cJSON_GetObjectItemCaseSensitive(doc, "root"), root);
	rc = merkle_verify_inclusion(leaf, json_u64(doc, "leafIdx"), json_u64(doc, "treeSize"),
				     (const merkle_hash *)exact, count, root);
	/* The memoised fold answers the same, fresh and right after the case held. */
	static struct merkle_inclusion_memo memo;
	for (int i = 0; i < 2; i++)
		assert_int_equal(merkle_verify_inclusion_memo(&memo, leaf, json_u64(doc, "leafIdx"),
							      json_u64(doc, "treeSize"),
							      (const merkle_hash *)exact, count, root),
				 rc);
	free(exact);
	vec_record(doc, path, ok, rc, st);
}

/* Upstream compares roots as opaque bytes when m == n, and one happy case uses 12-byte
 * placeholder roots there; zero-padding keeps it meaningful, so only hashes inside a real proof
 * count towards well-formedness here. */
static void vec_consistency(const cJSON *doc, const char *path, struct vec_stats *st)
{
	merkle_hash root1, root2, proof[MERKLE_MAX_PROOF];
	size_t count;
	int ok = json_proof(doc, proof, &count);
	uint64_t m = json_u64(doc, "size1"), n = json_u64(doc, "size2");
	int roots_ok = json_hash(cJSON_GetObjectItemCaseSensitive(doc, "root1"), root1);

	roots_ok &= json_hash(cJSON_GetObjectItemCaseSensitive(doc, "root2"), root2);
	merkle_hash *exact = exact_proof((const merkle_hash *)proof, count);
	int rc;

	if (m != n)
		ok &= roots_ok;
	rc = merkle_verify_consistency(m, n, root1, root2, (const merkle_hash *)exact, count);
	free(exact);
	vec_record(doc, path, ok, rc, st);
}

static int is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void vec_walk(const char *dir, vec_fn fn, struct vec_stats *st)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[4096];

		if (e->d_name[0] == '.')
			continue;
		assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
			    sizeof(path));
		if (is_dir(path)) {
			vec_walk(path, fn, st);
		} else if (has_suffix(path, ".json")) {
			char *text = read_text(path);
			cJSON *doc = cJSON_Parse(text);

			free(text);
			if (!doc)
				fail_msg("%s: not valid JSON", path);
			fn(doc, path, st);
			cJSON_Delete(doc);
		}
	}
	closedir(d);
}

/* KLAXON_TESTDATA may name the shared testdata folder or its merkle folder itself. */
static void vec_dir(char *out, size_t size)
{
	const char *env = getenv("KLAXON_TESTDATA");

	if (!env || !*env) {
		snprintf(out, size, "../shared/testdata/merkle");
		return;
	}
	snprintf(out, size, "%s/merkle", env);
	if (!is_dir(out))
		snprintf(out, size, "%s", env);
}

static void vec_run(const char *kind, vec_fn fn)
{
	char base[2048], dir[2100];
	struct vec_stats st = {0};

	vec_dir(base, sizeof(base));
	snprintf(dir, sizeof(dir), "%s/%s", base, kind);
	if (!is_dir(dir)) {
		print_message("skipped: %s vectors, %s not found (set KLAXON_TESTDATA)\n", kind,
			      dir);
		skip();
	}
	vec_walk(dir, fn, &st);
	print_message("%s vectors: %u cases, %u happy verified, %u corrupted refused by the "
		      "verifier, %u refused for a hash that is not 32 bytes\n",
		      kind, st.run, st.happy, st.refused, st.by_size);
	assert_true(st.run > 0);
	assert_true(st.happy > 0);
	assert_true(st.refused > 0);
	assert_int_equal(st.run, st.happy + st.refused + st.by_size);
}

static void test_vectors_inclusion(void **state)
{
	(void)state;
	vec_run("inclusion", vec_inclusion);
}

static void test_vectors_consistency(void **state)
{
	(void)state;
	vec_run("consistency", vec_consistency);
}

/* ---- generated trees ------------------------------------------------------------------- */

#define EXHAUSTIVE_MAX 64

static uint64_t lcg(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005u + 1442695040888963407u;
	return *seed >> 33;
}

struct gen {
	struct mem_tree *t;
	merkle_hash roots[TREE_MAX + 1]; /* naive MTH of every prefix */
	unsigned proofs;                 /* proofs checked, tampering included */
};

/* One verification request; tampering copies it and changes a single field. */
struct incl_case {
	merkle_hash leaf, root;
	uint64_t index, size;
	const merkle_hash *proof;
	size_t count;
};

struct cons_case {
	merkle_hash root_m, root_n;
	uint64_t m, n;
	const merkle_hash *proof;
	size_t count;
};

static int incl_verify(const struct incl_case *c)
{
	return merkle_verify_inclusion(c->leaf, c->index, c->size, c->proof, c->count, c->root);
}

static int cons_verify(const struct cons_case *c)
{
	return merkle_verify_consistency(c->m, c->n, c->root_m, c->root_n, c->proof, c->count);
}

/* Each proof hash in turn with one byte flipped, in a heap copy of exact size. */
static void refuse_flipped_inclusion(const struct incl_case *good)
{
	for (size_t i = 0; i < good->count; i++) {
		struct incl_case bad = *good;
		merkle_hash *proof = exact_proof(good->proof, good->count);

		flip(proof[i], (unsigned)i * 7);
		bad.proof = (const merkle_hash *)proof;
		assert_int_equal(incl_verify(&bad), -1);
		free(proof);
	}
}

static void refuse_flipped_consistency(const struct cons_case *good)
{
	for (size_t i = 0; i < good->count; i++) {
		struct cons_case bad = *good;
		merkle_hash *proof = exact_proof(good->proof, good->count);

		flip(proof[i], (unsigned)i * 7);
		bad.proof = (const merkle_hash *)proof;
		assert_int_equal(cons_verify(&bad), -1);
		free(proof);
	}
}

static void refuse_inclusion(const struct incl_case *good, uint64_t index, uint64_t size,
			     size_t count)
{
	struct incl_case bad = *good;

	bad.index = index;
	bad.size = size;
	bad.count = count;
	assert_int_equal(incl_verify(&bad), -1);
}

static void check_inclusion(struct gen *g, uint64_t index, uint64_t size)
{
	merkle_hash proof[MERKLE_MAX_PROOF + 1];
	struct incl_case c = {.index = index, .size = size};
	merkle_hash *exact;

	g->t->visible = size;
	assert_int_equal(merkle_prove_inclusion(mem_get, g->t, index, size, proof, &c.count), 0);
	memcpy(c.leaf, g->t->leaves[index], MERKLE_HASH_LEN);
	memcpy(c.root, g->roots[size], MERKLE_HASH_LEN);
	exact = exact_proof((const merkle_hash *)proof, c.count);
	c.proof = (const merkle_hash *)exact;
	assert_int_equal(incl_verify(&c), 0);

	refuse_flipped_inclusion(&c);
	if (index + 1 < size)
		refuse_inclusion(&c, index + 1, size, c.count);
	if (index > 0)
		refuse_inclusion(&c, index - 1, size, c.count);
	if ((index ^ 2) < size)
		refuse_inclusion(&c, index ^ 2, size, c.count);
	refuse_inclusion(&c, size, size, c.count);
	if (c.count > 0)
		refuse_inclusion(&c, index, size, c.count - 1);
	flip(c.leaf, 3);
	assert_int_equal(incl_verify(&c), -1);
	memcpy(c.leaf, g->t->leaves[index], MERKLE_HASH_LEN);
	flip(c.root, 4);
	assert_int_equal(incl_verify(&c), -1);
	memcpy(c.root, g->roots[size], MERKLE_HASH_LEN);
	free(exact);

	memcpy(proof[c.count], c.root, MERKLE_HASH_LEN); /* a trailing extra hash */
	c.proof = (const merkle_hash *)proof;
	c.count++;
	assert_int_equal(incl_verify(&c), -1);
	g->proofs++;
}

static void refuse_consistency(const struct cons_case *good, uint64_t m, uint64_t n, size_t count)
{
	struct cons_case bad = *good;

	bad.m = m;
	bad.n = n;
	bad.count = count;
	assert_int_equal(cons_verify(&bad), -1);
}

static void refuse_cons_roots(const struct cons_case *good)
{
	struct cons_case bad = *good;

	memcpy(bad.root_m, good->root_n, MERKLE_HASH_LEN); /* swapped */
	memcpy(bad.root_n, good->root_m, MERKLE_HASH_LEN);
	if (good->m != good->n)
		assert_int_equal(cons_verify(&bad), -1);
	bad = *good;
	flip(bad.root_m, 5);
	assert_int_equal(cons_verify(&bad), -1);
	bad = *good;
	flip(bad.root_n, 6);
	assert_int_equal(cons_verify(&bad), -1);
}

static void check_consistency(struct gen *g, uint64_t m, uint64_t n)
{
	merkle_hash proof[MERKLE_MAX_PROOF + 1];
	struct cons_case c = {.m = m, .n = n};
	merkle_hash *exact;

	g->t->visible = n;
	assert_int_equal(merkle_prove_consistency(mem_get, g->t, m, n, proof, &c.count), 0);
	assert_int_equal(c.count == 0, m == n);
	memcpy(c.root_m, g->roots[m], MERKLE_HASH_LEN);
	memcpy(c.root_n, g->roots[n], MERKLE_HASH_LEN);
	exact = exact_proof((const merkle_hash *)proof, c.count);
	c.proof = (const merkle_hash *)exact;
	assert_int_equal(cons_verify(&c), 0);

	refuse_flipped_consistency(&c);
	refuse_cons_roots(&c);
	if (m != n) {
		refuse_consistency(&c, m, n, c.count - 1);
		refuse_consistency(&c, m, n, 0);
		refuse_consistency(&c, m + 1, n, c.count);
	}
	refuse_consistency(&c, m - 1, n, c.count);
	refuse_consistency(&c, n, m - 1, c.count);
	free(exact);

	memcpy(proof[c.count], c.root_n, MERKLE_HASH_LEN); /* a trailing extra hash */
	c.proof = (const merkle_hash *)proof;
	c.count++;
	assert_int_equal(cons_verify(&c), -1);
	g->proofs++;
}

static int gen_setup(void **state)
{
	struct gen *g = calloc(1, sizeof(*g));

	if (!g)
		return -1;
	g->t = mem_build(TREE_MAX);
	for (uint64_t size = 0; size <= TREE_MAX; size++)
		naive_mth((const merkle_hash *)g->t->leaves, size, g->roots[size]);
	*state = g;
	return 0;
}

static int gen_teardown(void **state)
{
	struct gen *g = *state;

	free(g->t);
	free(g);
	return 0;
}

static void test_generated_roots(void **state)
{
	struct gen *g = *state;
	merkle_hash root;

	for (uint64_t size = 0; size <= TREE_MAX; size++) {
		g->t->visible = size;
		assert_int_equal(merkle_root(mem_get, g->t, size, root), 0);
		assert_memory_equal(root, g->roots[size], MERKLE_HASH_LEN);
	}
	assert_int_equal(g->t->stray, 0);
}

static void test_generated_inclusion(void **state)
{
	struct gen *g = *state;
	uint64_t seed = 1;

	g->proofs = 0;
	for (uint64_t size = 1; size <= TREE_MAX; size++) {
		if (size <= EXHAUSTIVE_MAX) {
			for (uint64_t i = 0; i < size; i++)
				check_inclusion(g, i, size);
			continue;
		}
		check_inclusion(g, 0, size);
		check_inclusion(g, size / 2, size);
		check_inclusion(g, size - 1, size);
		for (int k = 0; k < 4; k++)
			check_inclusion(g, lcg(&seed) % size, size);
	}
	assert_int_equal(g->t->stray, 0);
	print_message("inclusion: %u generated proofs verified and refused when tampered\n",
		      g->proofs);
}

static void test_generated_consistency(void **state)
{
	struct gen *g = *state;
	uint64_t seed = 7;

	g->proofs = 0;
	for (uint64_t n = 1; n <= TREE_MAX; n++) {
		if (n <= EXHAUSTIVE_MAX) {
			for (uint64_t m = 1; m <= n; m++)
				check_consistency(g, m, n);
			continue;
		}
		check_consistency(g, 1, n);
		check_consistency(g, n / 2, n);
		check_consistency(g, n - 1, n);
		check_consistency(g, n, n);
		for (int k = 0; k < 4; k++)
			check_consistency(g, 1 + lcg(&seed) % n, n);
	}
	assert_int_equal(g->t->stray, 0);
	print_message("consistency: %u generated proofs verified and refused when tampered\n",
		      g->proofs);
}

/* One inclusion check through the memo, which must answer as merkle_verify_inclusion does. */
static int memo_check(struct merkle_inclusion_memo *memo, const struct incl_case *c)
{
	int want = incl_verify(c);
	int got = merkle_verify_inclusion_memo(memo, c->leaf, c->index, c->size, c->proof,
					       c->count, c->root);
	assert_int_equal(got, want);
	return got;
}

/* Every leaf of every size in order (as an evidence bundle is verified), each after a
 * tampered copy of its proof, an extra or a missing hash, a neighbour's index, a wrong leaf or
 * root: the memo answers every one as the plain fold does. */
static void test_generated_inclusion_memo(void **state)
{
	struct gen *g = *state;
	struct merkle_inclusion_memo memo;
	merkle_hash proof[MERKLE_MAX_PROOF + 1], bad[MERKLE_MAX_PROOF + 1];
	unsigned held = 0, refused = 0;
	uint64_t seed = 3;

	memset(&memo, 0, sizeof memo);
	for (uint64_t size = 1; size <= TREE_MAX; size++) {
		g->t->visible = size;
		for (uint64_t i = 0; i < size; i++) {
			struct incl_case c = {.index = i, .size = size, .proof = (const merkle_hash *)proof};
			assert_int_equal(merkle_prove_inclusion(mem_get, g->t, i, size, proof, &c.count), 0);
			memcpy(c.leaf, g->t->leaves[i], MERKLE_HASH_LEN);
			memcpy(c.root, g->roots[size], MERKLE_HASH_LEN);
			struct incl_case t = c;
			memcpy(bad, proof, sizeof bad);
			t.proof = (const merkle_hash *)bad;
			switch (lcg(&seed) % 6) {
			case 0:
				if (c.count)
					flip(bad[lcg(&seed) % c.count], (unsigned)lcg(&seed) % 32);
				else
					flip(t.leaf, 1);
				break;
			case 1:
				memcpy(bad[c.count], c.root, MERKLE_HASH_LEN);
				t.count++;
				break;
			case 2:
				t.count -= t.count > 0;
				break;
			case 3:
				t.index = (i + 1) % size;
				break;
			case 4:
				flip(t.leaf, 2);
				break;
			default:
				flip(t.root, 3);
			}
			refused += memo_check(&memo, &t) != 0;
			held += memo_check(&memo, &c) == 0;
			held += memo_check(&memo, &c) == 0; /* joins at once */
		}
	}
	assert_int_equal(held, 2 * TREE_MAX * (TREE_MAX + 1) / 2);
	assert_true(refused > TREE_MAX * (TREE_MAX + 1) / 2 - TREE_MAX);
	/* No memo: the plain fold. */
	struct incl_case c = {.index = 0, .size = 1};
	memcpy(c.leaf, g->t->leaves[0], MERKLE_HASH_LEN);
	memcpy(c.root, g->roots[1], MERKLE_HASH_LEN);
	assert_int_equal(merkle_verify_inclusion_memo(NULL, c.leaf, 0, 1, NULL, 0, c.root), 0);
	print_message("inclusion memo: %u proofs held and %u refused, as without it\n", held,
		      refused);
}

/* Malformed requests are refused, and a store that lacks a node fails the call. */
static void test_malformed(void **state)
{
	struct gen *g = *state;
	merkle_hash proof[MERKLE_MAX_PROOF] = {{0}}, h = {0};
	size_t count = 0;

	g->t->visible = 10;
	assert_int_equal(merkle_prove_inclusion(mem_get, g->t, 10, 10, proof, &count), -1);
	assert_int_equal(merkle_prove_inclusion(mem_get, g->t, 0, 0, proof, &count), -1);
	assert_int_equal(merkle_prove_consistency(mem_get, g->t, 0, 10, proof, &count), -1);
	assert_int_equal(merkle_prove_consistency(mem_get, g->t, 11, 10, proof, &count), -1);
	assert_int_equal(merkle_verify_inclusion(h, 0, 0, NULL, 0, h), -1);
	assert_int_equal(merkle_verify_inclusion(h, 0, 1, NULL, 0, h), 0); /* leaf is the root */
	assert_int_equal(merkle_verify_inclusion(h, 0, 2, NULL, 1, h), -1);
	assert_int_equal(merkle_verify_inclusion(h, 1, 2, NULL, 0, h), -1); /* an empty proof */
	assert_int_equal(merkle_verify_inclusion(h, 0, 1, (const merkle_hash *)proof,
						 MERKLE_MAX_PROOF + 1, h),
			 -1);
	assert_int_equal(merkle_verify_consistency(0, 0, h, h, NULL, 0), -1);
	assert_int_equal(merkle_verify_consistency(0, 5, h, h, NULL, 0), -1);
	assert_int_equal(merkle_verify_consistency(2, 1, h, h, NULL, 0), -1);
	assert_int_equal(merkle_verify_consistency(3, 3, h, h, NULL, 0), 0);
	assert_int_equal(merkle_verify_consistency(3, 5, h, h, NULL, 0), -1); /* an empty proof */
	assert_int_equal(merkle_verify_consistency(2, 4, h, h, NULL, 0), -1);
	assert_int_equal(merkle_verify_consistency(3, 3, h, h, (const merkle_hash *)proof, 1), -1);
	assert_int_equal(merkle_verify_consistency(2, 4, h, h, (const merkle_hash *)proof,
						   MERKLE_MAX_PROOF + 1),
			 -1);

	g->t->visible = 4; /* a store that only holds 4 leaves cannot answer for 5 */
	assert_int_equal(merkle_root(mem_get, g->t, 5, h), -1);
	assert_int_equal(merkle_prove_inclusion(mem_get, g->t, 0, 5, proof, &count), -1);
	assert_int_equal(merkle_prove_consistency(mem_get, g->t, 2, 5, proof, &count), -1);
	assert_true(g->t->stray >= 3);
	g->t->stray = 0;
}

/* ---- no rebuild: node reads at a million leaves ------------------------------------------ */

#define BIG 1000000u
#define READ_BOUND (4 * 64)

/* Two synthetic trees. `uniform` is the real tree whose leaves are all the same hash, so each
 * perfect subtree's hash depends only on its level and proofs verify; otherwise a node is the
 * hash of (level, index), which is cheap but not a tree. Both check that every read is a perfect
 * subtree of the current size. */
struct synth {
	uint64_t size;
	unsigned reads, stray;
	int uniform;
	merkle_hash level_hash[64];
};

static int synth_get(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct synth *s = ctx;

	s->reads++;
	if (level >= 64 || index >= (s->size >> level)) {
		s->stray++;
		return -1;
	}
	if (s->uniform) {
		memcpy(out, s->level_hash[level], MERKLE_HASH_LEN);
	} else {
		uint8_t key[12];

		memcpy(key, &level, 4);
		memcpy(key + 4, &index, 8);
		crypto_hash_sha256(out, key, sizeof(key));
	}
	return 0;
}

static void synth_init(struct synth *s, int uniform)
{
	memset(s, 0, sizeof(*s));
	s->uniform = uniform;
	merkle_leaf_hash("x", 1, s->level_hash[0]);
	for (unsigned l = 1; l < 64; l++)
		merkle_node_hash(s->level_hash[l - 1], s->level_hash[l - 1], s->level_hash[l]);
}

/* Fails when the last algorithm read more than the bound or a node outside the tree; returns
 * the reads and resets the counter. */
static unsigned synth_reads(struct synth *s, const char *what, uint64_t a, uint64_t b)
{
	unsigned reads = s->reads;

	if (reads > READ_BOUND || s->stray)
		fail_msg("%s(%llu, %llu): %u reads, %u stray", what, (unsigned long long)a,
			 (unsigned long long)b, reads, s->stray);
	s->reads = 0;
	return reads;
}

static unsigned max_u(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

/* Proves leaf x and the prefix of x + 1 leaves in a tree of n; in the uniform tree the proofs
 * must also verify. Returns the most reads any one call made. */
static unsigned synth_prove(struct synth *s, uint64_t x, uint64_t n, const merkle_hash root)
{
	merkle_hash proof[MERKLE_MAX_PROOF], root_m;
	const merkle_hash *pp = (const merkle_hash *)proof;
	uint64_t m = x + 1;
	size_t count;
	unsigned most;

	s->size = n;
	assert_int_equal(merkle_prove_inclusion(synth_get, s, x, n, proof, &count), 0);
	most = synth_reads(s, "inclusion", x, n);
	if (s->uniform)
		assert_int_equal(
			merkle_verify_inclusion(s->level_hash[0], x, n, pp, count, root), 0);
	assert_int_equal(merkle_prove_consistency(synth_get, s, m, n, proof, &count), 0);
	most = max_u(most, synth_reads(s, "consistency", m, n));
	if (!s->uniform)
		return most;
	s->size = m;
	assert_int_equal(merkle_root(synth_get, s, m, root_m), 0);
	most = max_u(most, synth_reads(s, "root", m, m));
	assert_int_equal(merkle_verify_consistency(m, n, root_m, root, pp, count), 0);
	return most;
}

/* One memo of right-edge subtrees shared by every proof, of every tree size, in an order that
 * jumps between sizes (so a stale entry would be read if the memo trusted its slot alone):
 * each proof must equal the one made without a memo, hash for hash. */
static void test_generated_edge_memo(void **state)
{
	struct gen *g = *state;
	struct merkle_edge_memo *memo = calloc(1, sizeof *memo);
	uint64_t seed = 99;
	unsigned hits = 0;

	assert_non_null(memo);
	for (int round = 0; round < 4000; round++) {
		uint64_t n = 1 + lcg(&seed) % TREE_MAX, i = lcg(&seed) % n, m = 1 + lcg(&seed) % n;
		merkle_hash plain[MERKLE_MAX_PROOF], memoed[MERKLE_MAX_PROOF];
		size_t pc = 0, mc = 0;

		g->t->visible = n;
		unsigned before = g->t->reads;
		assert_int_equal(merkle_prove_inclusion(mem_get, g->t, i, n, plain, &pc), 0);
		unsigned plain_reads = g->t->reads - before;
		before = g->t->reads;
		assert_int_equal(merkle_prove_inclusion_memo(mem_get, g->t, memo, i, n, memoed, &mc), 0);
		hits += g->t->reads - before < plain_reads;
		assert_int_equal(mc, pc);
		assert_memory_equal(memoed, plain, pc * MERKLE_HASH_LEN);
		assert_int_equal(merkle_prove_consistency(mem_get, g->t, m, n, plain, &pc), 0);
		assert_int_equal(merkle_prove_consistency_memo(mem_get, g->t, memo, m, n, memoed, &mc),
				 0);
		assert_int_equal(mc, pc);
		assert_memory_equal(memoed, plain, pc * MERKLE_HASH_LEN);
	}
	assert_int_equal(g->t->stray, 0);
	assert_true(hits > 0); /* the memo was used, not only filled */
	free(memo);
}

static void test_no_rebuild(void **state)
{
	static const uint64_t sizes[] = {BIG, BIG - 1, (1ull << 20) + 1, (1ull << 62) + 12345};
	static const uint64_t picks[] = {0, 1, 123456, 524287, 524288, 999998, 999999};
	struct synth s;
	unsigned most = 0;

	(void)state;
	for (int uniform = 0; uniform <= 1; uniform++) {
		synth_init(&s, uniform);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint64_t n = sizes[i];
			merkle_hash root;

			s.size = n;
			assert_int_equal(merkle_root(synth_get, &s, n, root), 0);
			most = max_u(most, synth_reads(&s, "root", n, n));
			for (size_t j = 0; j < sizeof(picks) / sizeof(picks[0]); j++)
				most = max_u(most, synth_prove(&s, picks[j] % n, n, root));
		}
	}
	print_message("no rebuild: at most %u node reads per call (bound %d) up to 2^62 leaves\n",
		      most, READ_BOUND);
}

int main(void)
{
#define WITH_TREE(test) cmocka_unit_test_setup_teardown(test, gen_setup, gen_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_tree),
		cmocka_unit_test(test_vectors_inclusion),
		cmocka_unit_test(test_vectors_consistency),
		WITH_TREE(test_generated_roots),
		WITH_TREE(test_generated_inclusion),
		WITH_TREE(test_generated_consistency),
		WITH_TREE(test_generated_inclusion_memo),
		WITH_TREE(test_generated_edge_memo),
		WITH_TREE(test_malformed),
		cmocka_unit_test(test_no_rebuild),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
