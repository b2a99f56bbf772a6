/* Tests of the ops pipeline through klaxon.h: policy denials (receipted, changing nothing),
 * idempotent replay, receipts and their inclusion proofs, consistency proofs between signed
 * checkpoints, ledger verification catching edits made directly in the SQLite file, request
 * rejection (401, 404, 400) and the usage events each request leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "core_fixture.h"
#include "merkle.h"
#include "minisign.h"
#include "signed_note.h"

#define CREATE_BODY "{\"title\":\"db down\",\"severity\":\"sev2\"}"

/* ---- helpers ---- */

static int count_items(cJSON *list)
{
	int n = cJSON_GetArraySize(list);
	cJSON_Delete(list);
	return n;
}

static int n_receipts(struct fx *f)
{
	return count_items(fx_receipts(f, &f->admin));
}

static int n_incidents(struct fx *f)
{
	return count_items(fx_incidents(f, &f->admin));
}

static void b64_hash(const char *b64, merkle_hash out)
{
	size_t len = 0;
	assert_non_null(b64);
	assert_int_equal(sodium_base642bin(out, MERKLE_HASH_LEN, b64, strlen(b64), NULL, &len,
					   NULL, sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(len, MERKLE_HASH_LEN);
}

/* Proof hashes from a JSON array of base64 strings; returns their count. */
static size_t proof_hashes(const cJSON *arr, merkle_hash out[MERKLE_MAX_PROOF])
{
	assert_true(cJSON_IsArray(arr));
	size_t n = 0;
	const cJSON *h;
	cJSON_ArrayForEach(h, arr)
	{
		assert_true(n < MERKLE_MAX_PROOF);
		b64_hash(cJSON_GetStringValue(h), out[n++]);
	}
	return n;
}

/* The server key's verifier: name "klaxon-<KEY ID>" and the public key from the .pub file. */
static void server_key(struct fx *f, char name[40], uint8_t pk[32])
{
	FILE *fp = fopen(f->pub_path, "r");
	assert_non_null(fp);
	char text[512];
	size_t n = fread(text, 1, sizeof text - 1, fp);
	fclose(fp);
	text[n] = 0;
	struct minisign_pubkey pub;
	struct kx_error err = {0};
	assert_int_equal(minisign_pubkey_parse(text, &pub, &err), 0);
	char hex[17];
	minisign_key_id_hex(pub.key_id, hex);
	snprintf(name, 40, "klaxon-%s", hex);
	memcpy(pk, pub.pk, 32);
}

/* A checkpoint note: checks its signature by the store's key and its origin, and parses the
 * size and root from its lines ("<origin>\n<size>\n<base64 root>\n"). */
static void parse_note(struct fx *f, const char *note, const char *origin, uint64_t *size,
		       merkle_hash root)
{
	char name[40];
	uint8_t pk[32];
	server_key(f, name, pk);
	struct kx_error err = {0};
	if (signed_note_verify(note, name, pk, NULL, &err))
		fail_msg("checkpoint signature: %s\n%s", err.message, note);
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", note);
	char *save = NULL;
	const char *l1 = strtok_r(buf, "\n", &save);
	const char *l2 = strtok_r(NULL, "\n", &save);
	const char *l3 = strtok_r(NULL, "\n", &save);
	assert_non_null(l3);
	assert_string_equal(l1, origin);
	char *end = NULL;
	*size = strtoull(l2, &end, 10);
	assert_true(*end == 0 && *size > 0);
	b64_hash(l3, root);
}

/* incident.create, returning the receipt id of the creation. */
static const char *create_incident(struct fx *f, const char *title)
{
	cJSON *inc = fx_incident(f, &f->admin, title, "sev3");
	return fx_str(inc, "receipt_id");
}

static int64_t receipt_seq(struct fx *f, const char *receipt_id)
{
	cJSON *r = fx_expect(fx_call(f, &f->admin, "receipt.get", receipt_id, NULL, NULL), 200);
	return (int64_t)fx_num(r, "seq");
}

/* Verifies the whole store; returns kx_ledger_verify's result with err and count. */
static int verify(struct fx *f, uint64_t *checked, struct kx_error *err)
{
	memset(err, 0, sizeof *err);
	return kx_ledger_verify(f->core, checked, err);
}

/* Closes the core, runs the tampering SQL on the file (asserting it changed exactly `rows`
 * rows in its last statement), reopens, and expects verification to fail naming `needle`. */
static void tamper_and_expect_failure(struct fx *f, const char *sql, int rows, const char *needle)
{
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	int changed = fx_sql_exec(db, sql);
	sqlite3_close(db);
	assert_int_equal(changed, rows);
	fx_open(f);
	struct kx_error err;
	uint64_t checked = 0;
	assert_int_equal(verify(f, &checked, &err), -1);
	assert_true(err.status != 0);
	if (needle && !strstr(err.message, needle))
		fail_msg("verification failed without naming \"%s\": %s", needle, err.message);
}

/* ---- policy denial ---- */

static void test_denied_mutation_changes_nothing_and_is_receipted(void **state)
{
	struct fx *f = *state;
	struct kx_principal viewer;
	fx_actor(f, "default", "v", "[\"viewer\"]", &viewer);
	fx_incident(f, &f->admin, "existing", "sev1");
	cJSON *before_inc = fx_incidents(f, &f->admin);
	cJSON *before_rcp = fx_receipts(f, &f->admin);

	struct fx_resp *r = fx_call(f, &viewer, "incident.create", NULL, CREATE_BODY, NULL);
	fx_expect_error(r, 403, "policy_denied", NULL);
	assert_string_equal(fx_str(r->json, "error.decision.effect"), "deny");
	assert_true(cJSON_IsArray(fx_at(r->json, "error.decision.rules")));
	assert_string_equal(fx_str(r->json, "error.decision.profile"), "default");
	assert_non_null(cJSON_GetStringValue(fx_at(r->json, "error.decision.record_digest")));

	/* Reads stay allowed to the viewer, and show nothing new. */
	cJSON *after_inc = fx_incidents(f, &viewer);
	assert_true(cJSON_Compare(before_inc, after_inc, 1));
	cJSON *after_rcp = fx_receipts(f, &f->admin);
	int before = cJSON_GetArraySize(before_rcp);
	assert_int_equal(cJSON_GetArraySize(after_rcp), before + 1);
	for (int i = 0; i < before; i++)
		assert_true(cJSON_Compare(cJSON_GetArrayItem(before_rcp, i),
					  cJSON_GetArrayItem(after_rcp, i), 1));
	const cJSON *deny = cJSON_GetArrayItem(after_rcp, before);
	assert_string_equal(fx_str(deny, "decision.effect"), "deny");
	assert_string_equal(fx_str(deny, "action"), "incident.create");
	assert_string_equal(fx_str(deny, "actor"), viewer.actor_id);
	assert_string_equal(fx_str(deny, "request_id"), r->request_id);
	/* The error's decision is the receipt's, plus what a person needs: the explanation and
	 * whether an override could pass it (which the receipt does not keep). */
	const cJSON *shown = fx_at(r->json, "error.decision"), *field;
	cJSON_ArrayForEach(field, fx_at(deny, "decision"))
	{
		assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(shown, field->string), field, 1));
	}
	assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(shown, "explanation")));
	assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(shown, "overridable")));
	assert_null(cJSON_GetObjectItemCaseSensitive(fx_at(deny, "decision"), "explanation"));

	/* A denied update changes the incident not at all either. */
	const cJSON *inc = cJSON_GetArrayItem(before_inc, 0);
	const char *id = fx_str(inc, "id");
	fx_expect_error(fx_call(f, &viewer, "incident.update", id, "{\"severity\":\"sev4\"}", NULL),
			403, "policy_denied", NULL);
	cJSON *now = fx_expect(fx_call(f, &f->admin, "incident.get", id, NULL, NULL), 200);
	assert_true(cJSON_Compare(inc, now, 1));
	assert_int_equal(n_receipts(f), before + 2);
	uint64_t checked;
	struct kx_error err;
	assert_int_equal(verify(f, &checked, &err), 0);
	cJSON_Delete(before_inc);
	cJSON_Delete(before_rcp);
	cJSON_Delete(after_inc);
	cJSON_Delete(after_rcp);
}

/* ---- idempotency ---- */

static void test_idempotent_replay(void **state)
{
	struct fx *f = *state;
	struct fx_resp *first = fx_call(f, &f->admin, "incident.create", NULL, CREATE_BODY, "key-1");
	fx_expect(first, 201);
	assert_false(first->replayed);
	int incidents = n_incidents(f), receipts = n_receipts(f);

	struct fx_resp *again = fx_call(f, &f->admin, "incident.create", NULL, CREATE_BODY, "key-1");
	fx_expect(again, 201);
	assert_true(again->replayed);
	assert_string_equal(again->raw, first->raw);
	assert_non_null(again->location);
	assert_string_equal(again->location, first->location);
	assert_int_equal(n_incidents(f), incidents);
	assert_int_equal(n_receipts(f), receipts);

	/* Same key, another body (or another op): refused, nothing written. */
	struct fx_resp *other = fx_call(f, &f->admin, "incident.create", NULL,
					"{\"title\":\"db down\",\"severity\":\"sev1\"}", "key-1");
	fx_expect_error(other, 422, "idempotency_key_reused", NULL);
	assert_false(other->replayed);
	const char *id = fx_str(first->json, "id");
	fx_expect_error(fx_call(f, &f->admin, "incident.update", id, CREATE_BODY, "key-1"), 422,
			"idempotency_key_reused", NULL);
	assert_int_equal(n_incidents(f), incidents);
	assert_int_equal(n_receipts(f), receipts);

	/* A new key is a new request. */
	fx_expect(fx_call(f, &f->admin, "incident.create", NULL, CREATE_BODY, "key-2"), 201);
	assert_int_equal(n_incidents(f), incidents + 1);
	assert_int_equal(n_receipts(f), receipts + 1);

	/* Keys are scoped to the actor: another actor's key-1 is its own. */
	struct kx_principal responder;
	fx_actor(f, "default", "r", "[\"responder\"]", &responder);
	struct fx_resp *theirs = fx_call(f, &responder, "incident.create", NULL, CREATE_BODY, "key-1");
	fx_expect(theirs, 201);
	assert_false(theirs->replayed);
	assert_string_not_equal(fx_str(theirs->json, "id"), id);
	assert_int_equal(n_incidents(f), incidents + 2);
}

static void test_idempotent_replay_of_a_denial(void **state)
{
	struct fx *f = *state;
	struct kx_principal viewer;
	fx_actor(f, "default", "v", "[\"viewer\"]", &viewer);
	struct fx_resp *first = fx_call(f, &viewer, "incident.create", NULL, CREATE_BODY, "d-1");
	fx_expect_error(first, 403, "policy_denied", NULL);
	int receipts = n_receipts(f);
	struct fx_resp *again = fx_call(f, &viewer, "incident.create", NULL, CREATE_BODY, "d-1");
	fx_expect(again, 403);
	assert_true(again->replayed);
	assert_string_equal(again->raw, first->raw);
	assert_int_equal(n_receipts(f), receipts);
}

static void test_validation_failure_does_not_consume_the_key(void **state)
{
	struct fx *f = *state;
	int receipts = n_receipts(f);
	fx_expect_error(fx_call(f, &f->admin, "incident.create", NULL, "{\"title\":\"x\"}", "k"),
			400, "invalid_field", "severity");
	assert_int_equal(n_receipts(f), receipts);
	struct fx_resp *ok = fx_call(f, &f->admin, "incident.create", NULL, CREATE_BODY, "k");
	fx_expect(ok, 201);
	assert_false(ok->replayed);
	assert_int_equal(n_receipts(f), receipts + 1);
}

/* ---- receipts and inclusion proofs ---- */

static void test_receipt_fields_and_inclusion_proof(void **state)
{
	struct fx *f = *state;
	const char *ids[6];
	for (int i = 0; i < 6; i++) {
		char title[32];
		snprintf(title, sizeof title, "incident %d", i);
		ids[i] = create_incident(f, title);
	}
	for (int i = 0; i < 6; i++) {
		struct fx_resp *r = fx_get(f, &f->admin, "receipt.get", ids[i], "proof", "true", NULL);
		cJSON *rc = fx_expect(r, 200);
		static const char *const strings[] = {"id",	 "tenant_id",  "at",
						      "actor",	 "action",     "resource",
						      "request_id", "payload_digest"};
		for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
			if (!cJSON_IsString(fx_at(rc, strings[k])))
				fail_msg("receipt lacks %s: %s", strings[k], r->raw);
		assert_string_equal(fx_str(rc, "id"), ids[i]);
		assert_string_equal(fx_str(rc, "tenant_id"), "default");
		assert_string_equal(fx_str(rc, "actor"), f->admin.actor_id);
		assert_string_equal(fx_str(rc, "action"), "incident.create");
		assert_true(cJSON_IsNumber(fx_at(rc, "seq")));
		assert_true(cJSON_IsNumber(fx_at(rc, "leaf_index")));
		assert_int_equal(fx_num(rc, "leaf_index"), fx_num(rc, "seq") - 1);
		assert_true(cJSON_IsNull(fx_at(rc, "signature")));
		int64_t ms;
		assert_int_equal(kx_time_parse(fx_str(rc, "at"), &ms), 0);
		assert_int_equal(strlen(fx_str(rc, "at")), 24);
		assert_string_equal(fx_str(rc, "decision.effect"), "allow");
		assert_true(cJSON_IsArray(fx_at(rc, "decision.rules")));
		assert_string_equal(fx_str(rc, "decision.profile"), "default");
		assert_int_equal(fx_num(rc, "decision.profile_version"), 1);
		assert_true(cJSON_IsString(fx_at(rc, "decision.profile_digest")));
		assert_true(cJSON_IsString(fx_at(rc, "decision.record_digest")));
		if (i == 0) { /* the payload digest is SHA-256 of the request body, base64 */
			static const char body[] = "{\"title\":\"incident 0\",\"severity\":\"sev3\"}";
			uint8_t h[32];
			char b64[64];
			crypto_hash_sha256(h, (const uint8_t *)body, sizeof body - 1);
			sodium_bin2base64(b64, sizeof b64, h, 32, sodium_base64_VARIANT_ORIGINAL);
			assert_string_equal(fx_str(rc, "payload_digest"), b64);
		}

		/* The leaf is the receipt's exact one-line JSON... */
		const char *leaf = cJSON_GetStringValue(fx_at(rc, "leaf"));
		assert_non_null(leaf);
		assert_null(strchr(leaf, '\n'));
		cJSON *parsed = cJSON_Parse(leaf);
		assert_non_null(parsed);
		const cJSON *m;
		cJSON_ArrayForEach(m, parsed)
			if (!cJSON_Compare(m, fx_at(rc, m->string), 1))
				fail_msg("receipt member %s differs from the leaf's", m->string);
		cJSON_Delete(parsed);
		/* ...and the receipt list shows the same receipt. */
		cJSON *list = fx_expect(fx_get(f, &f->admin, "receipt.list", NULL, "resource",
					       fx_str(rc, "resource"), NULL),
					200);
		assert_int_equal(cJSON_GetArraySize(fx_at(list, "items")), 1);
		assert_string_equal(fx_str(cJSON_GetArrayItem(fx_at(list, "items"), 0), "id"), ids[i]);

		/* ...proven included in the signed checkpoint's tree. */
		uint64_t size;
		merkle_hash root, leaf_hash, proof[MERKLE_MAX_PROOF];
		parse_note(f, fx_str(rc, "checkpoint"), "klaxon/default", &size, root);
		assert_int_equal(fx_num(rc, "proof.tree_size"), size);
		uint64_t index = (uint64_t)fx_num(rc, "proof.leaf_index");
		assert_int_equal(index, fx_num(rc, "leaf_index"));
		size_t n = proof_hashes(fx_at(rc, "proof.hashes"), proof);
		merkle_leaf_hash(leaf, strlen(leaf), leaf_hash);
		assert_int_equal(merkle_verify_inclusion(leaf_hash, index, size, proof, n, root), 0);
		/* The check can fail: another leaf, another index, another root. */
		merkle_leaf_hash(leaf, strlen(leaf) - 1, leaf_hash);
		assert_int_equal(merkle_verify_inclusion(leaf_hash, index, size, proof, n, root), -1);
		merkle_leaf_hash(leaf, strlen(leaf), leaf_hash);
		if (size > 1)
			assert_int_equal(merkle_verify_inclusion(leaf_hash, index ^ 1, size, proof,
								 n, root),
					 -1);
		root[7] ^= 1;
		assert_int_equal(merkle_verify_inclusion(leaf_hash, index, size, proof, n, root), -1);
		/* Every receipt is proven against the latest checkpoint, which covers them all. */
		assert_int_equal(size, 8);
	}
	/* Without proof=true: the receipt alone. */
	cJSON *plain = fx_expect(fx_call(f, &f->admin, "receipt.get", ids[0], NULL, NULL), 200);
	assert_null(fx_at(plain, "proof"));
	assert_null(fx_at(plain, "leaf"));
	fx_expect_error(fx_call(f, &f->admin, "receipt.get", "rcp_nonexistent", NULL, NULL), 404,
			"not_found", NULL);
}

/* ---- consistency ---- */

static void checkpoint_at(struct fx *f, uint64_t size, merkle_hash root)
{
	char n[24];
	snprintf(n, sizeof n, "%llu", (unsigned long long)size);
	struct fx_resp *r = fx_get(f, &f->admin, "ledger.get", NULL, "size", n, NULL);
	fx_expect(r, 200);
	assert_non_null(strstr(r->content_type, "text/plain"));
	uint64_t got;
	parse_note(f, r->raw, "klaxon/default", &got, root);
	assert_int_equal(got, size);
}

static void test_consistency_between_checkpoints(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 9; i++)
		create_incident(f, "growing");
	/* The latest checkpoint covers every receipt. */
	struct fx_resp *latest = fx_call(f, &f->admin, "ledger.get", NULL, NULL, NULL);
	fx_expect(latest, 200);
	uint64_t total;
	merkle_hash root_total;
	parse_note(f, latest->raw, "klaxon/default", &total, root_total);
	assert_int_equal(total, 11); /* 2 made by init, 9 here */
	assert_int_equal(n_receipts(f), 11);

	static const int pairs[][2] = {{1, 1}, {1, 2}, {1, 11}, {2, 8}, {3, 7}, {4, 4},
				       {5, 11}, {6, 9}, {7, 8}, {8, 11}, {10, 11}};
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
		int from = pairs[p][0], to = pairs[p][1];
		merkle_hash root_m, root_n, proof[MERKLE_MAX_PROOF];
		checkpoint_at(f, (uint64_t)from, root_m);
		checkpoint_at(f, (uint64_t)to, root_n);
		char a[12], b[12];
		snprintf(a, sizeof a, "%d", from);
		snprintf(b, sizeof b, "%d", to);
		cJSON *c = fx_expect(fx_get(f, &f->admin, "ledger.consistency", NULL, "from", a, "to",
					    b, NULL),
				     200);
		assert_int_equal(fx_num(c, "from_size"), from);
		assert_int_equal(fx_num(c, "to_size"), to);
		size_t n = proof_hashes(fx_at(c, "hashes"), proof);
		if (merkle_verify_consistency((uint64_t)from, (uint64_t)to, root_m, root_n, proof, n))
			fail_msg("consistency %d -> %d does not verify", from, to);
		if (from < to) { /* and the check can fail */
			assert_int_equal(merkle_verify_consistency((uint64_t)from, (uint64_t)to,
								   root_n, root_m, proof, n),
					 -1);
		}
	}
	checkpoint_at(f, 11, root_total);
	fx_expect_error(fx_get(f, &f->admin, "ledger.get", NULL, "size", "12", NULL), 404,
			"not_found", NULL);
	fx_expect_error(fx_get(f, &f->admin, "ledger.get", NULL, "size", "x", NULL), 400,
			"invalid_query", NULL);
	fx_expect_error(fx_get(f, &f->admin, "ledger.consistency", NULL, "from", "0", "to", "3",
			       NULL),
			400, "invalid_query", NULL);
	fx_expect_error(fx_get(f, &f->admin, "ledger.consistency", NULL, "from", "5", "to", "3",
			       NULL),
			400, "invalid_query", NULL);
	fx_expect_error(fx_get(f, &f->admin, "ledger.consistency", NULL, "from", "3", "to", "99",
			       NULL),
			404, "not_found", NULL);
}

/* ---- verification against tampering ---- */

static void test_untampered_store_verifies(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 5; i++)
		create_incident(f, "fine");
	fx_expect(fx_call(f, &f->admin, "tenant.create", NULL, "{\"id\":\"other\",\"name\":\"Other\"}",
			  NULL),
		  201);
	uint64_t checked = 99;
	struct kx_error err;
	if (verify(f, &checked, &err))
		fail_msg("verify: %s", err.message);
	/* platform: tenant.create + actor.create at init; default: the same two and five
	 * incidents; other: its creation. */
	assert_int_equal(checked, 2 + 7 + 1);
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	assert_int_equal(fx_sql_int(db, "SELECT COUNT(*) FROM receipts"), 10);
	assert_int_equal(fx_sql_int(db, "SELECT COUNT(*) FROM receipts WHERE tenant_id='other'"), 1);
	sqlite3_close(db);
	fx_open(f);
	/* Reopening changes nothing. */
	assert_int_equal(verify(f, &checked, &err), 0);
	assert_int_equal(checked, 10);
}

static void test_edited_leaf_fails_verification(void **state)
{
	struct fx *f = *state;
	create_incident(f, "a");
	const char *rid = create_incident(f, "b");
	create_incident(f, "c");
	int64_t seq = receipt_seq(f, rid);
	assert_int_equal(seq, 4);
	char sql[400], needle[40];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER receipts_no_update;"
		 "UPDATE receipts SET leaf = replace(leaf, 'incident.create', 'incident.update')"
		 " WHERE tenant_id = 'default' AND seq = %lld",
		 (long long)seq);
	snprintf(needle, sizeof needle, "seq %lld", (long long)seq);
	tamper_and_expect_failure(f, sql, 1, needle);
}

static void test_edited_leaf_and_columns_fail_verification(void **state)
{
	struct fx *f = *state;
	create_incident(f, "a");
	const char *rid = create_incident(f, "b");
	create_incident(f, "c");
	int64_t seq = receipt_seq(f, rid);
	/* A consistent forgery of leaf and columns still breaks the tree. */
	char sql[500], needle[40];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER receipts_no_update;"
		 "UPDATE receipts SET leaf = replace(leaf, 'incident.create', 'incident.update'),"
		 " action = 'incident.update' WHERE tenant_id = 'default' AND seq = %lld",
		 (long long)seq);
	snprintf(needle, sizeof needle, "seq %lld", (long long)seq);
	tamper_and_expect_failure(f, sql, 1, needle);
}

static void test_edited_actor_column_fails_verification(void **state)
{
	struct fx *f = *state;
	const char *rid = create_incident(f, "a");
	create_incident(f, "b");
	int64_t seq = receipt_seq(f, rid);
	char sql[400], needle[40];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER receipts_no_update;"
		 "UPDATE receipts SET actor = 'act_someoneelse' WHERE tenant_id = 'default'"
		 " AND seq = %lld",
		 (long long)seq);
	snprintf(needle, sizeof needle, "seq %lld", (long long)seq);
	tamper_and_expect_failure(f, sql, 1, needle);
}

static void test_edited_tree_node_fails_verification(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 5; i++)
		create_incident(f, "n");
	/* A leaf node, then (another store) an inner one. */
	tamper_and_expect_failure(f,
				  "DROP TRIGGER ledger_nodes_no_update;"
				  "UPDATE ledger_nodes SET hash = randomblob(32)"
				  " WHERE tenant_id = 'default' AND level = 0 AND idx = 4",
				  1, "seq 5");
}

static void test_edited_inner_node_fails_verification(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 5; i++)
		create_incident(f, "n");
	/* The node over leaves 0..3 became complete with seq 4. */
	tamper_and_expect_failure(f,
				  "DROP TRIGGER ledger_nodes_no_update;"
				  "UPDATE ledger_nodes SET hash = randomblob(32)"
				  " WHERE tenant_id = 'default' AND level = 2 AND idx = 0",
				  1, "seq 4");
}

/* Deleting a tenant's whole ledger (receipts, nodes, checkpoints, decisions) leaves nothing
 * to check against: the tenant row still says a ledger began with its creation. */
static void test_a_tenant_without_its_ledger_fails_verification(void **state)
{
	struct fx *f = *state;
	create_incident(f, "a");
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	fx_sql_exec(db, "DROP TRIGGER receipts_no_delete; DROP TRIGGER ledger_nodes_no_delete;"
			"DROP TRIGGER checkpoints_no_delete; DROP TRIGGER decisions_no_delete;"
			"DELETE FROM ledger_nodes WHERE tenant_id = 'default';"
			"DELETE FROM checkpoints WHERE tenant_id = 'default';"
			"DELETE FROM decisions WHERE tenant_id = 'default';"
			"DELETE FROM receipts WHERE tenant_id = 'default'");
	sqlite3_close(db);
	fx_open(f);
	struct kx_error err;
	assert_int_equal(verify(f, NULL, &err), -1);
	if (!strstr(err.message, "tenant default has no receipts"))
		fail_msg("verification did not name the tenant: %s", err.message);
}

/* Migration 6 regroups a store's ledger nodes in bands of levels: a store written in the
 * layout before it (nodes keyed by position, then level) must come out with every node,
 * the same proofs, and a ledger that verifies. */
static void test_node_band_migration_keeps_the_tree(void **state)
{
	struct fx *f = *state;
	const char *ids[40];
	for (int i = 0; i < 40; i++)
		ids[i] = create_incident(f, "m");
	char *before[3];
	const int pick[3] = {0, 17, 39};
	for (int i = 0; i < 3; i++) {
		struct fx_resp *r =
			fx_get(f, &f->admin, "receipt.get", ids[pick[i]], "proof", "true", NULL);
		before[i] = cJSON_PrintUnformatted(fx_at(fx_expect(r, 200), "proof"));
	}
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	int64_t nodes = fx_sql_int(db, "SELECT count(*) FROM ledger_nodes");
	assert_true(fx_sql_int(db, "SELECT count(*) FROM ledger_nodes WHERE band > 0") > 0);
	fx_sql_exec(db, "CREATE TABLE old(tenant_id TEXT NOT NULL, pos INTEGER NOT NULL,"
			" level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
			" PRIMARY KEY(tenant_id, pos, level)) WITHOUT ROWID;"
			"INSERT INTO old SELECT tenant_id, pos, level, idx, hash FROM ledger_nodes;"
			"DROP TABLE ledger_nodes;"
			"ALTER TABLE old RENAME TO ledger_nodes;"
			"PRAGMA user_version = 5;");
	sqlite3_close(db);
	fx_open(f);
	uint64_t checked = 0;
	struct kx_error err;
	assert_int_equal(verify(f, &checked, &err), 0);
	assert_true(checked >= 40);
	for (int i = 0; i < 3; i++) {
		struct fx_resp *r =
			fx_get(f, &f->admin, "receipt.get", ids[pick[i]], "proof", "true", NULL);
		char *after = cJSON_PrintUnformatted(fx_at(fx_expect(r, 200), "proof"));
		assert_string_equal(after, before[i]);
		cJSON_free(after);
		cJSON_free(before[i]);
	}
	fx_close(f);
	db = fx_sqlite(f);
	assert_int_equal(fx_sql_int(db, "PRAGMA user_version"), 6);
	assert_int_equal(fx_sql_int(db, "SELECT count(*) FROM ledger_nodes"), nodes);
	assert_int_equal(fx_sql_int(db, "SELECT count(*) FROM ledger_nodes"
					" WHERE band != level / 5 OR pos != idx << level"),
			 0);
	sqlite3_close(db);
	fx_open(f);
}

static void test_edited_checkpoint_fails_verification(void **state)
{
	struct fx *f = *state;
	create_incident(f, "a");
	create_incident(f, "b");
	tamper_and_expect_failure(f,
				  "DROP TRIGGER checkpoints_no_update;"
				  "UPDATE checkpoints SET note = replace(note, 'klaxon/default',"
				  " 'klaxon/defaulx') WHERE tenant_id = 'default' AND size = 3",
				  1, "seq 3");
}

static void test_deleted_last_receipt_fails_verification(void **state)
{
	struct fx *f = *state;
	create_incident(f, "a");
	create_incident(f, "b");
	tamper_and_expect_failure(f,
				  "DROP TRIGGER receipts_no_delete;"
				  "DELETE FROM receipts WHERE tenant_id = 'default' AND seq = 4",
				  1, "default");
}

static void test_edited_decision_record_fails_verification(void **state)
{
	struct fx *f = *state;
	const char *rid = create_incident(f, "a");
	create_incident(f, "b");
	int64_t seq = receipt_seq(f, rid);
	/* The full record (with the input attributes) is kept beside the receipt, which carries
	 * its digest: rewriting why a decision was taken must not go unnoticed. */
	char sql[400], needle[40];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER decisions_no_update;"
		 "UPDATE decisions SET record = replace(record, '\"allow\"', '\"deny\"')"
		 " WHERE tenant_id = 'default' AND receipt_id = '%s'",
		 rid);
	snprintf(needle, sizeof needle, "seq %lld", (long long)seq);
	tamper_and_expect_failure(f, sql, 1, needle);
}

static void test_edited_decision_digest_fails_verification(void **state)
{
	struct fx *f = *state;
	const char *rid = create_incident(f, "a");
	int64_t seq = receipt_seq(f, rid);
	char sql[400], needle[40];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER decisions_no_update;"
		 "UPDATE decisions SET digest = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='"
		 " WHERE tenant_id = 'default' AND receipt_id = '%s'",
		 rid);
	snprintf(needle, sizeof needle, "seq %lld", (long long)seq);
	tamper_and_expect_failure(f, sql, 1, needle);
}

/* A runbook version whose document is edited in the store: launching it, executing a step of
 * an execution launched before the edit and showing it are refused (409 conflict naming the
 * version; nothing runs), and ledger verification names it against its publish receipt. */
static void test_edited_runbook_document_is_refused(void **state)
{
	struct fx *f = *state;
	struct minisign_pubkey pk;
	struct minisign_seckey sk;
	minisign_keygen(&pk, &sk);
	char *line = minisign_pubkey_base64(&pk), body[4096];
	snprintf(body, sizeof body, "{\"name\":\"ci\",\"public_key\":\"%s\"}", line);
	free(line);
	fx_expect(fx_call(f, &f->admin, "signing_key.add", "default", body, NULL), 201);
	const char doc[] = "{\"id\":\"rb\",\"name\":\"r\",\"risk\":\"low\",\"steps\":["
			   "{\"id\":\"m\",\"title\":\"m\",\"kind\":\"manual\"},"
			   "{\"id\":\"c\",\"title\":\"c\",\"kind\":\"command\",\"argv\":[\"true\"]}]}";
	char *pub = fx_signed_body(&sk, "document", doc);
	minisign_seckey_wipe(&sk);
	fx_expect(fx_call(f, &f->admin, "runbook.publish", NULL, pub, NULL), 201);
	free(pub);
	cJSON *e = fx_expect(fx_call(f, &f->admin, "runbook.launch", "rb", "{}", NULL), 201);
	char exe[64];
	snprintf(exe, sizeof exe, "%s", fx_str(e, "id"));
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	assert_int_equal(fx_sql_exec(db, "UPDATE runbooks SET document = replace(document,"
					 " '\"true\"', '\"false\"') WHERE id = 'rb'"),
			 1);
	sqlite3_close(db);
	fx_open(f);
	const char *needle = "runbook rb version 1 fails its digest check";
	const struct fx_resp *r = fx_call(f, &f->admin, "runbook.launch", "rb", "{}", NULL);
	fx_expect_error(r, 409, "conflict", NULL);
	cJSON *err = fx_expect(r, 409);
	assert_non_null(strstr(fx_str(err, "error.message"), needle));
	struct kx_request req = {.op = "step.execute", .id = exe, .sub_id = "m",
				 .who = &f->admin, .body = "{}", .body_len = 2};
	fx_expect_error(fx_request(f, &req), 409, "conflict", NULL);
	req = (struct kx_request){.op = "execution.get", .id = exe, .who = &f->admin};
	fx_expect_error(fx_request(f, &req), 409, "conflict", NULL);
	fx_expect_error(fx_call(f, &f->admin, "runbook.get", "rb", NULL, NULL), 409, "conflict", NULL);
	cJSON *list = fx_expect(fx_call(f, &f->admin, "execution.list", NULL, NULL, NULL), 200);
	assert_int_equal(cJSON_GetArraySize(fx_at(list, "items")), 1); /* none launched */
	struct kx_error verr;
	assert_int_equal(verify(f, NULL, &verr), -1);
	if (!strstr(verr.message, needle))
		fail_msg("verification did not name the runbook: %s", verr.message);
}

static void test_verify_without_error_or_count(void **state)
{
	struct fx *f = *state;
	create_incident(f, "a");
	assert_int_equal(kx_ledger_verify(f->core, NULL, NULL), 0);
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	fx_sql_exec(db, "DROP TRIGGER receipts_no_update;"
			"UPDATE receipts SET actor = 'x' WHERE tenant_id = 'default' AND seq = 3");
	sqlite3_close(db);
	fx_open(f);
	/* err and checked are optional: a failure must still be reported, not crash. */
	assert_int_equal(kx_ledger_verify(f->core, NULL, NULL), -1);
}

static void test_ledger_tables_are_append_only(void **state)
{
	struct fx *f = *state;
	create_incident(f, "a");
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	static const char *const refused[] = {
		"UPDATE receipts SET actor = 'x'",	  "DELETE FROM receipts",
		"UPDATE ledger_nodes SET hash = hash",	  "DELETE FROM ledger_nodes",
		"UPDATE checkpoints SET note = note",	  "DELETE FROM checkpoints",
		"UPDATE decisions SET record = record",	  "DELETE FROM decisions",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		assert_int_not_equal(sqlite3_exec(db, refused[i], NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	fx_open(f);
	struct kx_error err;
	assert_int_equal(verify(f, NULL, &err), 0);
}

/* ---- rejected requests ---- */

static void test_rejected_requests(void **state)
{
	struct fx *f = *state;
	int receipts = n_receipts(f);
	fx_expect_error(fx_call(f, NULL, "incident.create", NULL, CREATE_BODY, NULL), 401,
			"unauthenticated", NULL);
	fx_expect_error(fx_call(f, NULL, "incident.list", NULL, NULL, NULL), 401, "unauthenticated",
			NULL);
	struct kx_principal ghost = {.tenant_id = "default", .actor_id = "act_ghost"};
	fx_expect_error(fx_call(f, &ghost, "incident.list", NULL, NULL, NULL), 401,
			"unauthenticated", NULL);
	struct kx_principal elsewhere = f->admin;
	snprintf(elsewhere.tenant_id, sizeof elsewhere.tenant_id, "platform");
	fx_expect_error(fx_call(f, &elsewhere, "incident.list", NULL, NULL, NULL), 401,
			"unauthenticated", NULL);
	fx_expect_error(fx_call(f, &f->admin, "incident.explode", NULL, CREATE_BODY, NULL), 404,
			"not_found", NULL);
	fx_expect_error(fx_call(f, &f->admin, "", NULL, NULL, NULL), 404, "not_found", NULL);
	assert_false(kx_op_known("incident.explode"));
	assert_true(kx_op_known("incident.create"));

	static const char *const bad_json[] = {
		"{",
		"{\"title\":\"db\",\"severity\":\"sev2\"",
		"{\"title\":\"db\" \"severity\":\"sev2\"}",
		"{\"title\":\"db\",\"severity\":\"sev2\"} trailing",
		"{\"title\":\"\xff\xfe\",\"severity\":\"sev2\"}",
		"{\"title\":\"\xc0\xaf\",\"severity\":\"sev2\"}",        /* overlong '/' */
		"{\"title\":\"\xed\xa0\x80\",\"severity\":\"sev2\"}",    /* a surrogate */
		"{\"title\":\"\xe2\x82\",\"severity\":\"sev2\"}",        /* truncated */
		"[{\"title\":\"db\",\"severity\":\"sev2\"}]",
		"[]",
		"\"a string\"",
		"42",
		"null",
		"   ",
	};
	for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
		struct fx_resp *r = fx_call(f, &f->admin, "incident.create", NULL, bad_json[i], NULL);
		if (r->status != 400 || strcmp(fx_str(r->json, "error.code"), "invalid_json") != 0)
			fail_msg("body #%zu: %d %s", i, r->status, r->raw);
	}
	/* A NUL inside the body. */
	static const char with_nul[] = "{\"title\":\"a\0b\",\"severity\":\"sev2\"}";
	struct kx_request req = {.op = "incident.create",
				 .who = &f->admin,
				 .body = with_nul,
				 .body_len = sizeof with_nul - 1};
	fx_expect_error(fx_request(f, &req), 400, "invalid_json", NULL);

	/* Nested 100 deep, inside an object and as the whole body. */
	char deep[400] = "{\"title\":\"db\",\"severity\":\"sev2\",\"labels\":";
	size_t n = strlen(deep);
	for (int i = 0; i < 99; i++)
		deep[n++] = '[';
	for (int i = 0; i < 99; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = 0;
	fx_expect_error(fx_call(f, &f->admin, "incident.create", NULL, deep, NULL), 400,
			"invalid_json", NULL);
	char deep_objects[800] = "";
	for (int i = 0; i < 100; i++)
		strcat(deep_objects, "{\"a\":");
	strcat(deep_objects, "1");
	for (int i = 0; i < 100; i++)
		strcat(deep_objects, "}");
	fx_expect_error(fx_call(f, &f->admin, "incident.create", NULL, deep_objects, NULL), 400,
			"invalid_json", NULL);

	fx_expect_error(fx_call(f, &f->admin, "incident.create", NULL,
				"{\"title\":\"db\",\"severity\":\"sev2\",\"bogus\":1}", NULL),
			400, "invalid_field", "bogus");
	fx_expect_error(fx_call(f, &f->admin, "incident.create", NULL,
				"{\"title\":\"db\",\"severity\":\"sev2\",\"Title\":\"x\"}", NULL),
			400, "invalid_field", "Title");
	/* None of these left a receipt or an incident. */
	assert_int_equal(n_receipts(f), receipts);
	assert_int_equal(n_incidents(f), 0);
	/* A well-formed body still works, with a request id chosen by the caller echoed. */
	struct kx_request good = {.op = "incident.create",
				  .who = &f->admin,
				  .body = CREATE_BODY,
				  .body_len = strlen(CREATE_BODY),
				  .request_id = "my-request-1"};
	struct fx_resp *r = fx_request(f, &good);
	fx_expect(r, 201);
	assert_string_equal(r->request_id, "my-request-1");
	assert_non_null(r->location);
	char loc[80];
	snprintf(loc, sizeof loc, "/incidents/%s", fx_str(r->json, "id"));
	assert_string_equal(r->location, loc);
	cJSON *rc = fx_expect(fx_call(f, &f->admin, "receipt.get", fx_str(r->json, "receipt_id"),
				      NULL, NULL),
			      200);
	assert_string_equal(fx_str(rc, "request_id"), "my-request-1");
}

/* ---- metering ---- */

static void test_metering(void **state)
{
	struct fx *f = *state;
	struct kx_principal viewer;
	fx_actor(f, "default", "v", "[\"viewer\"]", &viewer);
	/* Mutations with request ids we choose, so their events can be found. */
	struct {
		const struct kx_principal *who;
		const char *op, *id, *body, *rid, *event;
	} muts[] = {
		{&f->admin, "incident.create", NULL, CREATE_BODY, "m-1", "incident.create"},
		{&f->admin, "incident.create", NULL, CREATE_BODY, "m-2", "incident.create"},
		{&viewer, "incident.create", NULL, CREATE_BODY, "m-3", "policy.deny"},
		{&f->admin, "tenant.create", NULL, "{\"id\":\"other\",\"name\":\"Other\"}", "m-4",
		 "tenant.create"},
		{&f->admin, "actor.create", "other", "{\"name\":\"o\",\"roles\":[]}", "m-5",
		 "actor.create"},
	};
	size_t n_muts = sizeof muts / sizeof muts[0];
	for (size_t i = 0; i < n_muts; i++) {
		struct kx_request req = {.op = muts[i].op,
					 .who = muts[i].who,
					 .id = muts[i].id,
					 .body = muts[i].body,
					 .body_len = strlen(muts[i].body),
					 .request_id = muts[i].rid};
		struct fx_resp *r = fx_request(f, &req);
		assert_int_equal(r->status, strcmp(muts[i].event, "policy.deny") == 0 ? 403 : 201);
	}
	/* Not receipted: a validation failure and an unauthenticated call (counted in memory). */
	fx_expect(fx_call(f, &f->admin, "incident.create", NULL, "{\"title\":\"x\"}", NULL), 400);
	fx_expect(fx_call(f, NULL, "incident.list", NULL, NULL, NULL), 401);
	/* Reads: four by the admin, two by the viewer. */
	fx_expect(fx_call(f, &f->admin, "incident.list", NULL, NULL, NULL), 200);
	fx_expect(fx_call(f, &f->admin, "receipt.list", NULL, NULL, NULL), 200);
	fx_expect(fx_call(f, &f->admin, "ledger.get", NULL, NULL, NULL), 200);
	fx_expect(fx_call(f, &f->admin, "tenant.list", NULL, NULL, NULL), 200);
	fx_expect(fx_call(f, &viewer, "incident.list", NULL, NULL, NULL), 200);
	fx_expect(fx_call(f, &viewer, "receipt.list", NULL, NULL, NULL), 200);
	fx_close(f);

	sqlite3 *db = fx_sqlite(f);
	char sql[400];
	for (size_t i = 0; i < n_muts; i++) {
		/* The receipt (in whichever ledger) and its two events paid by "default". */
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM receipts WHERE request_id = '%s'",
			 muts[i].rid);
		assert_int_equal(fx_sql_int(db, sql), 1);
		snprintf(sql, sizeof sql,
			 "SELECT COUNT(*) FROM usage_events WHERE request_id = '%s'"
			 " AND tenant_id = 'default' AND units = 1 AND event_type = 'api.request'",
			 muts[i].rid);
		assert_int_equal(fx_sql_int(db, sql), 1);
		snprintf(sql, sizeof sql,
			 "SELECT COUNT(*) FROM usage_events WHERE request_id = '%s'"
			 " AND tenant_id = 'default' AND units = 1 AND event_type = '%s'",
			 muts[i].rid, muts[i].event);
		assert_int_equal(fx_sql_int(db, sql), 1);
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM usage_events WHERE request_id = '%s'",
			 muts[i].rid);
		assert_int_equal(fx_sql_int(db, sql), 2);
	}
	/* The viewer's actor.create was a mutation too: 6 receipted, 12 events with ids. */
	assert_int_equal(fx_sql_int(db, "SELECT COUNT(*) FROM usage_events"
					" WHERE request_id IS NOT NULL"),
			 12);
	/* Reads and the refused mutation were flushed at close: 6 reads + 1 refusal. */
	assert_int_equal(fx_sql_int(db, "SELECT SUM(units) FROM usage_events WHERE request_id"
					" IS NULL AND tenant_id = 'default'"
					" AND event_type = 'api.request'"),
			 7);
	assert_int_equal(fx_sql_int(db, "SELECT SUM(units) FROM usage_events WHERE tenant_id = ''"
					" AND event_type = 'api.request'"),
			 1);
	assert_int_equal(fx_sql_int(db, "SELECT COUNT(*) FROM usage_events WHERE"
					" tenant_id NOT IN ('default', '')"),
			 0);
	/* Rollups agree with the events. */
	static const struct {
		const char *type;
		int units;
	} totals[] = {{"api.request", 6 + 7}, {"incident.create", 2}, {"policy.deny", 1},
		      {"tenant.create", 1},   {"actor.create", 2}};
	for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++) {
		snprintf(sql, sizeof sql,
			 "SELECT SUM(units) FROM usage_rollups WHERE tenant_id = 'default'"
			 " AND event_type = '%s'",
			 totals[i].type);
		if (fx_sql_int(db, sql) != totals[i].units)
			fail_msg("rollup %s: %lld, want %d", totals[i].type,
				 (long long)fx_sql_int(db, sql), totals[i].units);
		snprintf(sql, sizeof sql,
			 "SELECT SUM(units) FROM usage_events WHERE tenant_id = 'default'"
			 " AND event_type = '%s'",
			 totals[i].type);
		assert_int_equal(fx_sql_int(db, sql), totals[i].units);
	}
	sqlite3_close(db);
	fx_open(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_denied_mutation_changes_nothing_and_is_receipted),
		T(test_idempotent_replay),
		T(test_idempotent_replay_of_a_denial),
		T(test_validation_failure_does_not_consume_the_key),
		T(test_receipt_fields_and_inclusion_proof),
		T(test_consistency_between_checkpoints),
		T(test_untampered_store_verifies),
		T(test_edited_leaf_fails_verification),
		T(test_edited_leaf_and_columns_fail_verification),
		T(test_edited_actor_column_fails_verification),
		T(test_edited_tree_node_fails_verification),
		T(test_edited_inner_node_fails_verification),
		T(test_a_tenant_without_its_ledger_fails_verification),
		T(test_node_band_migration_keeps_the_tree),
		T(test_edited_checkpoint_fails_verification),
		T(test_deleted_last_receipt_fails_verification),
		T(test_edited_decision_record_fails_verification),
		T(test_edited_decision_digest_fails_verification),
		T(test_edited_runbook_document_is_refused),
		T(test_verify_without_error_or_count),
		T(test_ledger_tables_are_append_only),
		T(test_rejected_requests),
		T(test_metering),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
