/* The ledger's committed-node cache (src/ledger_cache.c) and proofs read through it: a tenant
 * only ever gets its own nodes, levels below the cache's floor are left to the store, and
 * proofs through the cache are byte for byte the store's, also after the tree has grown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core.h"
#include "core_fixture.h"
#include "ledger.h"
#include "ledger_cache.h"

static void hash_of(uint8_t seed, merkle_hash out)
{
	memset(out, seed, MERKLE_HASH_LEN);
}

static void test_cache_keys(void **state)
{
	(void)state;
	struct ledger_cache *c = ledger_cache_new();
	assert_non_null(c);
	merkle_hash a, b, out;
	hash_of(0xaa, a);
	hash_of(0xbb, b);
	assert_int_equal(ledger_cache_get(c, "acme", 8, 3, out), -1);
	ledger_cache_put(c, "acme", 8, 3, a);
	ledger_cache_put(c, "acme2", 8, 3, b);
	assert_int_equal(ledger_cache_get(c, "acme", 8, 3, out), 0);
	assert_memory_equal(out, a, MERKLE_HASH_LEN);
	assert_int_equal(ledger_cache_get(c, "acme2", 8, 3, out), 0);
	assert_memory_equal(out, b, MERKLE_HASH_LEN);
	assert_int_equal(ledger_cache_get(c, "acm", 8, 3, out), -1);
	assert_int_equal(ledger_cache_get(c, "acme", 8, 2, out), -1);
	assert_int_equal(ledger_cache_get(c, "acme", 9, 3, out), -1);
	/* Below the floor nothing is kept. */
	ledger_cache_put(c, "acme", LEDGER_CACHE_MIN_LEVEL - 1, 3, a);
	assert_int_equal(ledger_cache_get(c, "acme", LEDGER_CACHE_MIN_LEVEL - 1, 3, out), -1);
	/* Far more nodes than the table holds: what is answered is always right. */
	for (uint64_t i = 0; i < 100000; i++) {
		hash_of((uint8_t)i, a);
		ledger_cache_put(c, "acme", LEDGER_CACHE_MIN_LEVEL + (unsigned)(i % 5), i, a);
	}
	int hits = 0;
	for (uint64_t i = 0; i < 100000; i++) {
		if (ledger_cache_get(c, "acme", LEDGER_CACHE_MIN_LEVEL + (unsigned)(i % 5), i, out))
			continue;
		hash_of((uint8_t)i, a);
		assert_memory_equal(out, a, MERKLE_HASH_LEN);
		hits++;
	}
	assert_true(hits > 0 && hits < 100000);
	ledger_cache_free(c);
	ledger_cache_free(NULL);
}

/* n leaves appended to tenant's ledger and committed. */
static void append_leaves(struct kx_core *core, const char *tenant, int n)
{
	struct kx_error err = {0};
	assert_int_equal(store_begin(core->store, &err), 0);
	for (int i = 0; i < n; i++) {
		char id[KX_ID_MAX];
		kx_id_new("rcp_", id);
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "id", id);
		cJSON_AddStringToObject(r, "tenant_id", tenant);
		cJSON_AddStringToObject(r, "at", "2026-11-28T12:00:00.000Z");
		cJSON_AddStringToObject(r, "actor", "test");
		cJSON_AddStringToObject(r, "action", "test.leaf");
		cJSON_AddStringToObject(r, "resource", "test");
		cJSON_AddStringToObject(r, "request_id", "req_test");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "decision"), "effect", "allow");
		assert_int_equal(ledger_append(core, tenant, r, "2026-11-28T12:00:00.000Z", &err), 0);
		cJSON_Delete(r);
	}
	assert_int_equal(store_commit(core->store, &err), 0);
}

/* Every inclusion proof of a tree of `size`, and consistency proofs into it, through the cache
 * (twice: filling, then answering) and straight from the store, must be the same. */
static void compare_proofs(struct kx_core *core, struct store *r, const char *tenant,
			   uint64_t size)
{
	merkle_hash want[MERKLE_MAX_PROOF], got[MERKLE_MAX_PROOF];
	size_t nw, ng;
	for (int round = 0; round < 2; round++) {
		for (uint64_t i = 0; i < size; i++) {
			struct ledger_nodes plain, cached;
			ledger_nodes_init(&plain, r, NULL, tenant);
			ledger_nodes_init(&cached, r, core->ledger_nodes, tenant);
			assert_int_equal(ledger_prove_inclusion(&plain, i, size, want, &nw), 0);
			assert_int_equal(ledger_prove_inclusion(&cached, i, size, got, &ng), 0);
			assert_int_equal(nw, ng);
			assert_memory_equal(want, got, nw * MERKLE_HASH_LEN);
			ledger_nodes_init(&plain, r, NULL, tenant);
			ledger_nodes_init(&cached, r, core->ledger_nodes, tenant);
			assert_int_equal(ledger_prove_consistency(&plain, i + 1, size, want, &nw), 0);
			assert_int_equal(ledger_prove_consistency(&cached, i + 1, size, got, &ng), 0);
			assert_int_equal(nw, ng);
			assert_memory_equal(want, got, nw * MERKLE_HASH_LEN);
		}
	}
}

static void test_proofs_through_the_cache(void **state)
{
	struct fx *f = *state;
	struct kx_core *core = f->core;
	struct kx_error err = {0};
	append_leaves(core, "alpha", 300);
	append_leaves(core, "beta", 200);
	struct store *r = core_reader_acquire(core, &err);
	assert_non_null(r);
	assert_int_equal(store_begin_read(r, &err), 0);
	compare_proofs(core, r, "alpha", 300);
	compare_proofs(core, r, "beta", 200);
	store_rollback(r);
	/* The tree grows: cached nodes of the smaller tree stay right in the larger one. */
	append_leaves(core, "alpha", 213);
	assert_int_equal(store_begin_read(r, &err), 0);
	compare_proofs(core, r, "alpha", 513);
	/* A proof of a leaf the tree does not have is refused, cached or not. */
	struct ledger_nodes cached;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n;
	ledger_nodes_init(&cached, r, core->ledger_nodes, "alpha");
	assert_int_equal(ledger_prove_inclusion(&cached, 513, 513, proof, &n), -1);
	ledger_nodes_init(&cached, r, core->ledger_nodes, "gamma");
	assert_int_equal(ledger_prove_inclusion(&cached, 100, 300, proof, &n), -1);
	store_rollback(r);
	core_reader_release(core, r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_keys),
		cmocka_unit_test_setup_teardown(test_proofs_through_the_cache, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
