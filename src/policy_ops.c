/* roles.* and policy_profile.*: a tenant's role catalog and policy profile, validated on
 * upload, kept in every version, each change receipted like any other mutation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "policy.h"
#include "tenant.h"

static int tenant_prepare(struct op_ctx *ctx)
{
	return tenant_load_visible(ctx, ctx->req->id);
}

/* A stored document as API.md shows it: its JSON with version and digest beside it. */
static cJSON *doc_view(const cJSON *row)
{
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(row, "doc"));
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	if (!doc)
		return NULL;
	cJSON_AddItemToObject(doc, "version", cJSON_Duplicate(cJSON_GetObjectItem(row, "version"), 1));
	cJSON_AddItemToObject(doc, "digest", cJSON_Duplicate(cJSON_GetObjectItem(row, "digest"), 1));
	cJSON_AddItemToObject(doc, "created_at",
			      cJSON_Duplicate(cJSON_GetObjectItem(row, "created_at"), 1));
	return doc;
}

static int get_doc(struct op_ctx *ctx, enum store_doc_kind kind, int version)
{
	cJSON *row = store_doc_get(ctx->store, kind, ctx->tenant, version);
	cJSON *view = row ? doc_view(row) : NULL;
	cJSON_Delete(row);
	if (!view)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no such version");
	ctx->result = view;
	return 0;
}

/* Stores the canonical text of doc as the next version; returns it with its digest. */
static int put_doc(struct op_ctx *ctx, enum store_doc_kind kind, const cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);
	char digest[DIGEST_B64_LEN];
	if (!text)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	digest_sha256_b64(text, strlen(text), digest);
	int version = store_doc_append(ctx->store, kind, ctx->tenant, text, digest, ctx->now, ctx->err);
	cJSON_free(text);
	if (version < 0)
		return -1;
	ctx->result = cJSON_CreateObject();
	cJSON_AddNumberToObject(ctx->result, "version", version);
	cJSON_AddStringToObject(ctx->result, "digest", digest);
	return 0;
}

/* ---- roles ---- */

static int roles_get_apply(struct op_ctx *ctx)
{
	return get_doc(ctx, STORE_DOC_ROLES, 0);
}

static int roles_set_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"roles", NULL};
	if (tenant_prepare(ctx) || op_body_only(ctx, allowed))
		return -1;
	struct role_catalog *c = role_catalog_parse(ctx->body, ctx->err);
	if (!c)
		return -1;
	role_catalog_free(c);
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

static int roles_set_apply(struct op_ctx *ctx)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "roles", cJSON_Duplicate(cJSON_GetObjectItem(ctx->body, "roles"), 1));
	int rc = put_doc(ctx, STORE_DOC_ROLES, doc);
	cJSON_Delete(doc);
	if (rc == 0) {
		cJSON_AddItemToObject(ctx->result, "roles",
				      cJSON_Duplicate(cJSON_GetObjectItem(ctx->body, "roles"), 1));
	}
	return rc;
}

/* ---- policy profiles ---- */

static int profile_get_apply(struct op_ctx *ctx)
{
	return get_doc(ctx, STORE_DOC_PROFILE, 0);
}

static int profile_version_apply(struct op_ctx *ctx)
{
	const char *v = ctx->req->sub_id;
	char *end = NULL;
	long n = v ? strtol(v, &end, 10) : 0;
	if (!v || *end || n < 1 || n > 1000000000)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no such version");
	return get_doc(ctx, STORE_DOC_PROFILE, (int)n);
}

static int profile_set_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"name", "rules", NULL};
	if (tenant_prepare(ctx) || op_body_only(ctx, allowed))
		return -1;
	struct policy_profile *p = policy_profile_parse(ctx->body, ctx->err);
	if (!p)
		return -1;
	policy_profile_free(p);
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

static int profile_set_apply(struct op_ctx *ctx)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "name", cJSON_Duplicate(cJSON_GetObjectItem(ctx->body, "name"), 1));
	cJSON_AddItemToObject(doc, "rules", cJSON_Duplicate(cJSON_GetObjectItem(ctx->body, "rules"), 1));
	int rc = put_doc(ctx, STORE_DOC_PROFILE, doc);
	cJSON_Delete(doc);
	if (rc == 0)
		ctx->status = 201;
	return rc;
}

const struct op_def policy_ops[] = {
	{"roles.get", OP_QUERY, tenant_prepare, roles_get_apply, tenant_authorize_cross, NULL},
	{"roles.set", OP_MUTATION, roles_set_prepare, roles_set_apply, tenant_authorize_cross, NULL},
	{"policy_profile.get", OP_QUERY, tenant_prepare, profile_get_apply, tenant_authorize_cross,
	 NULL},
	{"policy_profile.set", OP_MUTATION, profile_set_prepare, profile_set_apply,
	 tenant_authorize_cross, NULL},
	{"policy_profile.version", OP_QUERY, tenant_prepare, profile_version_apply,
	 tenant_authorize_cross, "policy_profile.get"},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
