/* Runbooks: the signing keys a tenant trusts, publishing signed versions, reading them. A
 * version is the document's exact signed bytes; it is numbered here and never changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "digest.h"
#include "json_input.h"
#include "minisign.h"
#include "policy.h"
#include "runbook_check.h"
#include "runbook_doc.h"
#include "tenant.h"

/* ---- signing keys ---- */

static int key_tenant_prepare(struct op_ctx *ctx)
{
	return tenant_load_visible(ctx, ctx->req->id);
}

static int key_add_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"name", "public_key", NULL};
	const char *name, *pk_text;
	if (tenant_load_visible(ctx, ctx->req->id) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "name", true, 100, &name) ||
	    op_body_string(ctx, "public_key", true, 400, &pk_text))
		return -1;
	struct minisign_pubkey pk;
	if (minisign_pubkey_parse(pk_text, &pk, ctx->err)) {
		snprintf(ctx->err->field, sizeof ctx->err->field, "public_key");
		return -1;
	}
	char hex[17];
	minisign_key_id_hex(pk.key_id, hex);
	cJSON *existing = store_signing_key_get(ctx->store, ctx->tenant, hex);
	cJSON_Delete(existing);
	if (existing)
		return kx_error_set(ctx->err, 409, "conflict", "public_key",
				    "key %s is already registered", hex);
	char *line = minisign_pubkey_base64(&pk);
	cJSON *key = cJSON_CreateObject();
	cJSON_AddStringToObject(key, "key_id", hex);
	cJSON_AddStringToObject(key, "name", name);
	cJSON_AddStringToObject(key, "public_key", line ? line : "");
	cJSON_AddStringToObject(key, "created_at", ctx->now);
	free(line);
	cJSON_Delete(ctx->loaded); /* the tenant tenant_load_visible kept there */
	ctx->loaded = key;
	cJSON_Delete(ctx->resource);
	ctx->resource = cJSON_Duplicate(key, 1);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", hex);
	return 0;
}

static int key_add_apply(struct op_ctx *ctx)
{
	if (store_signing_key_insert(ctx->store, ctx->tenant, ctx->loaded, ctx->err))
		return -1;
	ctx->status = 201;
	ctx->result = cJSON_Duplicate(ctx->loaded, 1);
	return 0;
}

static int key_list_apply(struct op_ctx *ctx)
{
	cJSON *items = store_signing_key_list(ctx->store, ctx->tenant);
	return op_items(ctx, items);
}

static int key_revoke_prepare(struct op_ctx *ctx)
{
	if (tenant_load_visible(ctx, ctx->req->id))
		return -1;
	cJSON *key = ctx->req->sub_id ? store_signing_key_get(ctx->store, ctx->tenant, ctx->req->sub_id)
				      : NULL;
	if (!key)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no signing key %s",
				    ctx->req->sub_id ? ctx->req->sub_id : "(none)");
	cJSON_Delete(ctx->loaded);
	ctx->loaded = key;
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", ctx->req->sub_id);
	return 0;
}

static int key_revoke_apply(struct op_ctx *ctx)
{
	if (store_signing_key_revoke(ctx->store, ctx->tenant, ctx->resource_id, ctx->now, ctx->err))
		return -1;
	cJSON *key = store_signing_key_get(ctx->store, ctx->tenant, ctx->resource_id);
	if (!key)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	ctx->result = key;
	return 0;
}

/* ---- publish ---- */

/* Does the tenant's profile let high-risk runbooks skip the approval gate? A permit rule for
 * the pseudo-action runbook.skip_approval says so. */
static bool profile_allows_unapproved(struct op_ctx *ctx)
{
	struct authz a;
	bool allow = authz_decide(ctx, "runbook.skip_approval", &a) == 0 && a.allow;
	const cJSON *r;
	bool by_rule = false;
	cJSON_ArrayForEach(r, a.rules)
	{
		/* a role granting "*" is not the profile permitting it */
		by_rule = by_rule || (cJSON_IsString(r) && strncmp(r->valuestring, "role:", 5) != 0);
	}
	authz_free(&a);
	return allow && by_rule;
}

/* Verifies the signature against a key the tenant trusts; returns the key id. */
static int verify_signed(struct op_ctx *ctx, const char *doc, const char *sig, char key_id[17])
{
	/* The key id sits in the signature line; it picks the trusted key to verify with. */
	struct kx_error perr = {0};
	cJSON *keys = store_signing_key_list(ctx->store, ctx->tenant);
	const cJSON *k;
	int rc = -1;
	cJSON_ArrayForEach(k, keys)
	{
		const cJSON *revoked = cJSON_GetObjectItem(k, "revoked_at");
		struct minisign_pubkey pk;
		if (!cJSON_IsNull(revoked) ||
		    minisign_pubkey_parse(cJSON_GetStringValue(cJSON_GetObjectItem(k, "public_key")),
					  &pk, &perr))
			continue;
		if (minisign_verify(&pk, doc, strlen(doc), sig, NULL, &perr) == 0) {
			snprintf(key_id, 17, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(k, "key_id")));
			rc = 0;
			break;
		}
	}
	cJSON_Delete(keys);
	if (rc)
		kx_error_set(ctx->err, 403, "signature_invalid", "signature",
			     "the signature does not verify against a key this tenant trusts");
	return rc;
}

static int publish_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"document", "signature", NULL};
	const char *doc_text, *sig;
	if (op_body_only(ctx, allowed) || op_body_string(ctx, "document", true, 256 * 1024, &doc_text) ||
	    op_body_string(ctx, "signature", true, 4096, &sig))
		return -1;
	char key_id[17];
	if (verify_signed(ctx, doc_text, sig, key_id))
		return -1;
	struct kx_error jerr = {0};
	cJSON *doc = json_input_object(doc_text, strlen(doc_text), &jerr);
	if (!doc)
		return kx_error_set(ctx->err, 400, "invalid_field", "document", "%s", jerr.message);
	if (runbook_doc_validate(doc, profile_allows_unapproved(ctx), ctx->err)) {
		cJSON_Delete(doc);
		return -1;
	}
	char digest[DIGEST_B64_LEN];
	digest_sha256_b64(doc_text, strlen(doc_text), digest);
	cJSON *rb = cJSON_CreateObject();
	const char *fields[] = {"id", "name", "risk"};
	for (int i = 0; i < 3; i++)
		cJSON_AddItemToObject(rb, fields[i], cJSON_Duplicate(cJSON_GetObjectItem(doc, fields[i]), 1));
	cJSON_AddStringToObject(rb, "digest", digest);
	cJSON_AddStringToObject(rb, "key_id", key_id);
	cJSON_AddStringToObject(rb, "document", doc_text);
	cJSON_AddStringToObject(rb, "signature", sig);
	cJSON_AddStringToObject(rb, "created_at", ctx->now);
	cJSON_AddStringToObject(rb, "receipt_id", ctx->receipt_id);
	cJSON_Delete(doc);
	ctx->loaded = rb;
	ctx->resource = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx->resource, "id", cJSON_Duplicate(cJSON_GetObjectItem(rb, "id"), 1));
	cJSON_AddItemToObject(ctx->resource, "risk", cJSON_Duplicate(cJSON_GetObjectItem(rb, "risk"), 1));
	cJSON_AddStringToObject(ctx->resource, "digest", digest);
	cJSON_AddStringToObject(ctx->resource, "key_id", key_id);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(rb, "id")));
	return 0;
}

/* The version as API.md answers it, without the document. */
static cJSON *version_view(const cJSON *row)
{
	cJSON *v = cJSON_CreateObject();
	const char *fields[] = {"id", "version", "name", "risk", "digest", "key_id", "created_at",
				"receipt_id"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		cJSON_AddItemToObject(v, fields[i], cJSON_Duplicate(cJSON_GetObjectItem(row, fields[i]), 1));
	return v;
}

static int publish_apply(struct op_ctx *ctx)
{
	const char *id = ctx->resource_id;
	const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(ctx->loaded, "digest"));
	cJSON *same = store_runbook_by_digest(ctx->store, ctx->tenant, id, digest);
	if (same) { /* identical bytes: the version that already holds them */
		ctx->result = same;
		return 0;
	}
	int latest = store_runbook_latest(ctx->store, ctx->tenant, id);
	if (latest < 0)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	cJSON_AddNumberToObject(ctx->loaded, "version", latest + 1);
	if (store_runbook_insert(ctx->store, ctx->tenant, ctx->loaded, ctx->err))
		return -1;
	ctx->status = 201;
	ctx->result = version_view(ctx->loaded);
	return 0;
}

/* ---- reading ---- */

/* A version with its document parsed for readers and its exact bytes for verifiers. */
static cJSON *full_view(const cJSON *row)
{
	cJSON *v = version_view(row);
	const char *doc = cJSON_GetStringValue(cJSON_GetObjectItem(row, "document"));
	cJSON *parsed = doc ? cJSON_Parse(doc) : NULL;
	cJSON_AddItemToObject(v, "tags", cJSON_Duplicate(cJSON_GetObjectItem(parsed, "tags"), 1));
	cJSON_AddItemToObject(v, "steps", cJSON_Duplicate(cJSON_GetObjectItem(parsed, "steps"), 1));
	cJSON_AddStringToObject(v, "document", doc ? doc : "");
	cJSON_AddItemToObject(v, "signature", cJSON_Duplicate(cJSON_GetObjectItem(row, "signature"), 1));
	cJSON_Delete(parsed);
	return v;
}

static int get_apply(struct op_ctx *ctx)
{
	int version = 0;
	if (ctx->req->sub_id) {
		char *end = NULL;
		long n = strtol(ctx->req->sub_id, &end, 10);
		if (*end || n < 1 || n > 1000000000)
			return kx_error_set(ctx->err, 404, "not_found", NULL, "no such version");
		version = (int)n;
	}
	cJSON *row = ctx->req->id ? store_runbook_get(ctx->store, ctx->tenant, ctx->req->id, version) : NULL;
	if (!row)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no runbook %s",
				    ctx->req->id ? ctx->req->id : "(none)");
	if (runbook_check_version(ctx->store, ctx->tenant, row, NULL, ctx->err)) {
		cJSON_Delete(row); /* its steps are not shown as this version's */
		return -1;
	}
	ctx->result = full_view(row);
	cJSON_Delete(row);
	return 0;
}

static int list_apply(struct op_ctx *ctx)
{
	cJSON *items = store_runbook_list(ctx->store, ctx->tenant);
	return op_items(ctx, items);
}

const struct op_def runbook_ops[] = {
	{"signing_key.add", OP_MUTATION, key_add_prepare, key_add_apply, tenant_authorize_cross, NULL},
	{"signing_key.list", OP_QUERY, key_tenant_prepare, key_list_apply, tenant_authorize_cross, NULL},
	{"signing_key.revoke", OP_MUTATION, key_revoke_prepare, key_revoke_apply,
	 tenant_authorize_cross, NULL},
	{"runbook.publish", OP_MUTATION, publish_prepare, publish_apply, NULL, NULL},
	{"runbook.get", OP_QUERY, NULL, get_apply, NULL, NULL},
	{"runbook.version", OP_QUERY, NULL, get_apply, NULL, "runbook.get"},
	{"runbook.list", OP_QUERY, NULL, list_apply, NULL, NULL},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
