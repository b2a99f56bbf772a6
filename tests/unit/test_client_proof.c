/* The console's receipt verification (client/receipt_proof.c) against a real core: a receipt's
 * inclusion proof holds with the server's public key; a changed leaf byte, a changed proof
 * hash, a proof for another leaf, a checkpoint signed by another key, a receipt shown
 * otherwise than its leaf, and an answer without its proof are each refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "minisign.h"
#include "receipt_proof.h"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 4096);
	size_t n = fread(buf, 1, 4095, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static int checks;
static void count_check(void *ctx, const char *check)
{
	(void)ctx;
	assert_non_null(check);
	checks++;
}

/* A few receipts, and receipt.get?proof=true of the first incident's, as the console gets it. */
static char *proof_answer(struct fx *f, const char **receipt_id)
{
	fx_incident(f, &f->admin, "Disk full", "sev3");
	fx_incident(f, &f->admin, "Queue backlog", "sev2");
	cJSON *all = fx_receipts(f, &f->admin), *it;
	static char id[KX_ID_MAX];
	id[0] = 0;
	cJSON_ArrayForEach(it, all)
	{
		if (!id[0] && !strcmp(fx_str(it, "action"), "incident.create"))
			snprintf(id, sizeof id, "%s", fx_str(it, "id"));
	}
	cJSON_Delete(all);
	assert_true(id[0] != 0);
	*receipt_id = id;
	struct fx_resp *r = fx_get(f, &f->admin, "receipt.get", id, "proof", "true", NULL);
	fx_expect(r, 200);
	return strdup(r->raw);
}

/* answer with one member replaced by text (NULL: removed). */
static char *with_member(const char *answer, const char *path, cJSON *value)
{
	cJSON *o = cJSON_Parse(answer);
	cJSON *parent = o;
	char name[64];
	const char *dot = strchr(path, '.');
	if (dot) {
		snprintf(name, sizeof name, "%.*s", (int)(dot - path), path);
		parent = cJSON_GetObjectItem(o, name);
		path = dot + 1;
	}
	if (value)
		cJSON_ReplaceItemInObject(parent, path, value);
	else
		cJSON_DeleteItemFromObject(parent, path);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static void expect_refused(const char *answer, const char *shown, const char *pub,
			   const char *why)
{
	struct receipt_proof p;
	char msg[600];
	int rc = receipt_proof_verify(answer, shown, pub, NULL, NULL, &p, msg, sizeof msg);
	receipt_proof_free(&p);
	assert_int_equal(rc, -1);
	if (!strstr(msg, why))
		fail_msg("expected \"%s\" in \"%s\"", why, msg);
}

static void a_receipt_verifies(void **state)
{
	struct fx *f = *state;
	const char *id;
	char *answer = proof_answer(f, &id), *pub = read_text(f->pub_path), msg[600];
	struct receipt_proof p;
	checks = 0;
	assert_int_equal(receipt_proof_verify(answer, NULL, pub, count_check, NULL, &p, msg,
					      sizeof msg),
			 0);
	assert_int_equal(checks, 3);
	assert_true(p.leaf_index >= 1);
	assert_true(p.tree_size >= 3);
	assert_string_equal(p.tenant_id, "default");
	assert_non_null(p.checkpoint);
	receipt_proof_free(&p);
	/* The row a list showed is the leaf too. */
	cJSON *o = cJSON_Parse(answer), *row = cJSON_Parse(fx_str(o, "leaf"));
	char *shown = cJSON_PrintUnformatted(row);
	assert_int_equal(receipt_proof_verify(answer, shown, pub, NULL, NULL, &p, msg, sizeof msg), 0);
	receipt_proof_free(&p);
	cJSON_Delete(row);
	cJSON_Delete(o);
	cJSON_free(shown);
	free(pub);
	free(answer);
}

static void tampering_is_refused(void **state)
{
	struct fx *f = *state;
	const char *id;
	char *answer = proof_answer(f, &id), *pub = read_text(f->pub_path);
	cJSON *o = cJSON_Parse(answer);
	/* One byte of the leaf (and the receipt shown with it, so only the proof can tell). */
	char *leaf = strdup(fx_str(o, "leaf")), *at = strstr(leaf, "incident.create");
	assert_non_null(at);
	at[9] = 'k';
	cJSON *both = cJSON_Parse(answer);
	cJSON_ReplaceItemInObject(both, "leaf", cJSON_CreateString(leaf));
	cJSON_ReplaceItemInObject(both, "action", cJSON_CreateString("incident.kreate"));
	char *text = cJSON_PrintUnformatted(both);
	expect_refused(text, NULL, pub, "is NOT in the tree");
	cJSON_free(text);
	cJSON_Delete(both);
	/* The leaf alone: the receipt shown no longer matches it. */
	text = with_member(answer, "leaf", cJSON_CreateString(leaf));
	expect_refused(text, NULL, pub, "differs from the ledger's leaf bytes");
	cJSON_free(text);
	/* A row shown from a list that is not the leaf. */
	expect_refused(answer, "{\"id\":\"rcp_x\",\"action\":\"incident.create\"}", pub,
		       "differs from the ledger's leaf bytes");
	/* A proof hash, a proof for another leaf, no proof at all. */
	cJSON *hashes = cJSON_Duplicate(fx_at(o, "proof.hashes"), 1);
	assert_true(cJSON_GetArraySize(hashes) > 0);
	cJSON_ReplaceItemInArray(hashes, 0,
				 cJSON_CreateString("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	text = with_member(answer, "proof.hashes", hashes);
	expect_refused(text, NULL, pub, "is NOT in the tree");
	cJSON_free(text);
	text = with_member(answer, "proof.leaf_index", cJSON_CreateNumber(0));
	expect_refused(text, NULL, pub, "another leaf");
	cJSON_free(text);
	text = with_member(answer, "proof", NULL);
	expect_refused(text, NULL, pub, "no well-formed inclusion proof");
	cJSON_free(text);
	text = with_member(answer, "checkpoint", NULL);
	expect_refused(text, NULL, pub, "no checkpoint");
	cJSON_free(text);
	free(leaf);
	cJSON_Delete(o);
	free(pub);
	free(answer);
}

static void another_key_is_refused(void **state)
{
	struct fx *f = *state;
	const char *id;
	char *answer = proof_answer(f, &id);
	/* A well-formed minisign key that is not the server's. */
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	minisign_keygen(&pub, &sec);
	minisign_seckey_wipe(&sec);
	char *other = minisign_pubkey_format(&pub);
	expect_refused(answer, NULL, other, "the checkpoint does not verify: the checkpoint is not "
					    "signed by key");
	free(other);
	free(answer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_receipt_verifies, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(tampering_is_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(another_key_is_refused, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
