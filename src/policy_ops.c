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

/* ---- policy.simulate: the decision a request would get, changing nothing ---- */

static int simulate_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"subject", "action", "resource", "context", NULL};
	const char *action;
	if (tenant_prepare(ctx) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "action", true, 128, &action))
		return -1;
	if (!policy_pattern_valid(action) || strchr(action, '*'))
		return kx_error_set(ctx->err, 400, "invalid_field", "action", "an action name");
	const char *objects[] = {"subject", "resource", "context"};
	for (int i = 0; i < 3; i++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ctx->body, objects[i]);
		if (o && !cJSON_IsObject(o))
			return kx_error_set(ctx->err, 400, "invalid_field", objects[i],
					    "%s is an object of attributes", objects[i]);
	}
	return 0;
}

/* A subject naming an actor ({"actor": ID}) is filled in with the attributes a real request
 * of that actor would carry (authorize.c's subject), so that rules on them agree. */
static cJSON *simulated_subject(struct op_ctx *ctx)
{
	const cJSON *given = cJSON_GetObjectItemCaseSensitive(ctx->body, "subject");
	cJSON *subject = given ? cJSON_Duplicate(given, 1) : cJSON_CreateObject();
	const char *actor = cJSON_GetStringValue(cJSON_GetObjectItem(subject, "actor"));
	cJSON *row = actor ? store_actor_get(ctx->store, ctx->tenant, actor) : NULL;
	if (row) {
		if (!cJSON_GetObjectItem(subject, "id"))
			cJSON_AddItemToObject(subject, "id", cJSON_Duplicate(cJSON_GetObjectItem(row, "id"), 1));
		if (!cJSON_GetObjectItem(subject, "roles"))
			cJSON_AddItemToObject(subject, "roles", cJSON_Duplicate(cJSON_GetObjectItem(row, "roles"), 1));
		if (!cJSON_GetObjectItem(subject, "name"))
			cJSON_AddItemToObject(subject, "name", cJSON_Duplicate(cJSON_GetObjectItem(row, "name"), 1));
		if (!cJSON_GetObjectItem(subject, "platform_admin"))
			cJSON_AddBoolToObject(subject, "platform_admin", tenant_actor_is_platform_admin(row));
	}
	if (!cJSON_GetObjectItem(subject, "tenant"))
		cJSON_AddStringToObject(subject, "tenant", ctx->tenant);
	cJSON_Delete(row);
	return subject;
}

static int simulate_apply(struct op_ctx *ctx)
{
	cJSON *roles_row = store_doc_get(ctx->store, STORE_DOC_ROLES, ctx->tenant, 0);
	cJSON *prof_row = store_doc_get(ctx->store, STORE_DOC_PROFILE, ctx->tenant, 0);
	cJSON *roles_doc = roles_row ? cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItem(roles_row, "doc"))) : NULL;
	cJSON *prof_doc = prof_row ? cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItem(prof_row, "doc"))) : NULL;
	struct role_catalog *catalog = roles_doc ? role_catalog_parse(roles_doc, ctx->err) : NULL;
	struct policy_profile *profile = prof_doc ? policy_profile_parse(prof_doc, ctx->err) : NULL;
	int rc = 0;
	if (!catalog || !profile) {
		rc = kx_error_set(ctx->err, 503, "unavailable", NULL, "the tenant's policy cannot be read");
	} else {
		cJSON *input = cJSON_CreateObject();
		const cJSON *res = cJSON_GetObjectItem(ctx->body, "resource");
		const cJSON *con = cJSON_GetObjectItem(ctx->body, "context");
		cJSON_AddItemToObject(input, "subject", simulated_subject(ctx));
		cJSON_AddItemToObject(input, "resource", res ? cJSON_Duplicate(res, 1) : cJSON_CreateObject());
		cJSON *context = con ? cJSON_Duplicate(con, 1) : cJSON_CreateObject();
		const char *action = cJSON_GetStringValue(cJSON_GetObjectItem(ctx->body, "action"));
		/* What a real request's context always holds (authorize.c), unless given. */
		if (!cJSON_GetObjectItem(context, "time"))
			cJSON_AddStringToObject(context, "time", ctx->now);
		if (!cJSON_GetObjectItem(context, "action"))
			cJSON_AddStringToObject(context, "action", action);
		if (!cJSON_GetObjectItem(context, "tenant"))
			cJSON_AddStringToObject(context, "tenant", ctx->tenant);
		cJSON_AddItemToObject(input, "context", context);
		struct policy_decision d = {0};
		policy_evaluate(profile, catalog, action, input, &d);
		ctx->result = cJSON_CreateObject();
		cJSON_AddStringToObject(ctx->result, "effect", d.allow ? "allow" : "deny");
		cJSON_AddItemToObject(ctx->result, "rules", cJSON_Duplicate(d.rules, 1));
		cJSON_AddItemToObject(ctx->result, "explanation", cJSON_Duplicate(d.explanation, 1));
		cJSON_AddBoolToObject(ctx->result, "overridable", !d.allow && d.overridable);
		cJSON_AddItemToObject(ctx->result, "profile_version",
				      cJSON_Duplicate(cJSON_GetObjectItem(prof_row, "version"), 1));
		policy_decision_free(&d);
		cJSON_Delete(input);
	}
	role_catalog_free(catalog);
	policy_profile_free(profile);
	cJSON_Delete(roles_row);
	cJSON_Delete(prof_row);
	cJSON_Delete(roles_doc);
	cJSON_Delete(prof_doc);
	return rc;
}

const struct op_def policy_ops[] = {
	{"policy.simulate", OP_QUERY, simulate_prepare, simulate_apply, tenant_authorize_cross, NULL},
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
