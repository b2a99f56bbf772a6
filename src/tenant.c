/* tenant.* and actor.* operations, and the tenancy rules that decide them. */
#include "tenant.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "digest.h"
#include "minisign.h"
#include "policy.h"

static const char DEFAULT_PROFILE[] = "{\"name\":\"default\",\"rules\":[]}";

bool tenant_actor_is_platform_admin(const cJSON *actor)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(actor, "platform_admin")) == 1;
}

static bool tenant_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '_' || id[i] == '-'))
			return false;
	return true;
}

/* Stores a versioned document with its digest (the digest is of the exact bytes). */
static int put_doc(struct store *s, enum store_doc_kind kind, const char *tenant_id,
		   const char *doc, const char *now, struct kx_error *err)
{
	char digest[DIGEST_B64_LEN];
	digest_sha256_b64(doc, strlen(doc), digest);
	return store_doc_append(s, kind, tenant_id, doc, digest, now, err) < 0 ? -1 : 0;
}

/* The tenant row with the catalog and profile it starts with. */
static int tenant_insert(struct store *s, const cJSON *t, const char *now, struct kx_error *err)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(t, "id"));
	cJSON *catalog = role_catalog_default_json();
	char *catalog_text = cJSON_PrintUnformatted(catalog);
	cJSON_Delete(catalog);
	int rc = store_tenant_insert(s, t, err);
	if (rc == 0)
		rc = put_doc(s, STORE_DOC_ROLES, id, catalog_text, now, err);
	if (rc == 0)
		rc = put_doc(s, STORE_DOC_PROFILE, id, DEFAULT_PROFILE, now, err);
	cJSON_free(catalog_text);
	return rc;
}

static cJSON *tenant_object(const char *id, const char *name, const char *kind,
			    const char *region, const char *partner_id, const char *now)
{
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "id", id);
	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddStringToObject(t, "kind", kind);
	cJSON_AddStringToObject(t, "status", "active");
	if (region)
		cJSON_AddStringToObject(t, "region", region);
	else
		cJSON_AddNullToObject(t, "region");
	if (partner_id)
		cJSON_AddStringToObject(t, "partner_id", partner_id);
	else
		cJSON_AddNullToObject(t, "partner_id");
	cJSON_AddStringToObject(t, "created_at", now);
	cJSON_AddStringToObject(t, "updated_at", now);
	return t;
}

/* A new bearer token: 32 random bytes, url-safe base64, with a prefix that redaction and
 * secret scanners recognise. Only its hash is stored. */
static char *token_new(uint8_t hash[32])
{
	uint8_t raw[32];
	char b64[64];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	size_t n = strlen(TENANT_TOKEN_PREFIX) + strlen(b64) + 1;
	char *token = malloc(n);
	if (token) {
		snprintf(token, n, "%s%s", TENANT_TOKEN_PREFIX, b64);
		digest_sha256(token, strlen(token), hash);
	}
	sodium_memzero(b64, sizeof b64);
	return token;
}

/* Inserts an actor; returns its token (caller zeroes and frees) or NULL with err. The actor
 * object gets its id. */
static char *actor_insert(struct store *s, const char *tenant_id, cJSON *actor, const char *now,
			  struct kx_error *err)
{
	char id[KX_ID_MAX];
	kx_id_new("act_", id);
	cJSON_AddStringToObject(actor, "id", id);
	cJSON_AddStringToObject(actor, "created_at", now);
	uint8_t hash[32];
	char *token = token_new(hash);
	if (!token) {
		kx_error_set(err, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	if (store_actor_insert(s, tenant_id, actor, hash, err)) {
		sodium_memzero(token, strlen(token));
		free(token);
		return NULL;
	}
	return token;
}

/* ---- init ---- */

static int bootstrap_tenant(struct kx_core *core, const char *id, const char *kind,
			    const char *admin_name, const char *role, bool platform_admin,
			    struct kx_init_result *out, const char *now, struct kx_error *err)
{
	cJSON *t = tenant_object(id, id, kind, NULL, NULL, now);
	cJSON *actor = cJSON_CreateObject();
	cJSON_AddStringToObject(actor, "name", admin_name);
	const char *roles[] = {role};
	cJSON_AddItemToObject(actor, "roles", cJSON_CreateStringArray(roles, 1));
	cJSON_AddNumberToObject(actor, "platform_admin", platform_admin);
	cJSON_AddNumberToObject(actor, "disabled", 0);
	int rc = tenant_insert(core->store, t, now, err);
	char *token = rc == 0 ? actor_insert(core->store, id, actor, now, err) : NULL;
	const char *actor_id = cJSON_GetStringValue(cJSON_GetObjectItem(actor, "id"));
	if (!token)
		rc = -1;
	if (rc == 0)
		rc = ops_system_receipt(core, id, actor_id, "tenant.create", id, "bootstrap:init",
					NULL, NULL, NULL, err);
	if (rc == 0)
		rc = ops_system_receipt(core, id, actor_id, "actor.create", actor_id,
					"bootstrap:init", NULL, NULL, NULL, err);
	if (rc == 0 && platform_admin) {
		out->admin_token = token;
		snprintf(out->admin_id, sizeof out->admin_id, "%s", actor_id);
		token = NULL;
	}
	if (token) {
		sodium_memzero(token, strlen(token));
		free(token);
	}
	cJSON_Delete(t);
	cJSON_Delete(actor);
	return rc;
}

int tenant_bootstrap(struct kx_core *core, bool embedded, struct kx_init_result *out,
		     struct kx_error *err)
{
	char now[KX_TIME_LEN];
	kx_time_format(kx_clock_now_ms(), now);
	if (store_begin(core->store, err))
		return -1;
	int rc = bootstrap_tenant(core, KX_PLATFORM_TENANT, "platform", "platform-admin",
				  "platform-admin", !embedded, out, now, err);
	if (rc == 0 && embedded)
		rc = bootstrap_tenant(core, "default", "customer", "admin", "tenant-admin", true,
				      out, now, err);
	if (rc == 0)
		rc = store_meta_set(core->store, "created_at", now, err);
	if (rc == 0)
		return store_commit(core->store, err);
	store_rollback(core->store);
	return -1;
}

/* ---- tenancy rules ---- */

/* Is the caller a tenant-admin of the partner that parents `tenant`? */
static bool is_partner_admin_of(struct op_ctx *ctx, const cJSON *tenant)
{
	const char *parent = cJSON_GetStringValue(cJSON_GetObjectItem(tenant, "partner_id"));
	if (!parent || strcmp(parent, ctx->caller_tenant) != 0)
		return false;
	const cJSON *roles = cJSON_GetObjectItem(ctx->subject, "roles");
	const cJSON *r;
	cJSON_ArrayForEach(r, roles)
	{
		if (cJSON_IsString(r) && strcmp(r->valuestring, "tenant-admin") == 0)
			return true;
	}
	return false;
}

/* May the caller see tenant `id` at all? Another's tenant answers 404 like a missing one. */
int tenant_load_visible(struct op_ctx *ctx, const char *id)
{
	cJSON *t = id ? store_tenant_get(ctx->store, id) : NULL;
	bool visible = t && (strcmp(id, ctx->caller_tenant) == 0 ||
			     tenant_actor_is_platform_admin(ctx->subject) ||
			     is_partner_admin_of(ctx, t));
	if (!visible) {
		cJSON_Delete(t);
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no tenant %s",
				    id ? id : "(none)");
	}
	cJSON_Delete(ctx->loaded);
	ctx->loaded = t;
	snprintf(ctx->tenant, sizeof ctx->tenant, "%s", id);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", id);
	cJSON_Delete(ctx->resource);
	ctx->resource = cJSON_Duplicate(t, 1);
	return 0;
}

/* Acting on one's own tenant is the tenant's policy's to decide; on another visible tenant,
 * the tenancy rules allow platform admins and partner admins. */
int tenant_authorize_cross(struct op_ctx *ctx, bool *allow, const char **rule)
{
	if (strcmp(ctx->tenant, ctx->caller_tenant) == 0)
		return 1;
	*allow = true;
	*rule = tenant_actor_is_platform_admin(ctx->subject) ? "tenancy:platform-admin"
							       : "tenancy:partner-admin";
	return 0;
}

/* ---- tenant.create ---- */

static int create_tenant_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"id", "name", "region", "kind", "partner_id", NULL};
	const char *id, *name, *region, *kind, *partner;
	if (op_body_only(ctx, allowed) || op_body_string(ctx, "id", false, 63, &id) ||
	    op_body_string(ctx, "name", true, 200, &name) ||
	    op_body_string(ctx, "region", false, 64, &region) ||
	    op_body_string(ctx, "kind", false, 16, &kind) ||
	    op_body_string(ctx, "partner_id", false, 63, &partner))
		return -1;
	if (id && (!tenant_id_valid(id) || strcmp(id, KX_PLATFORM_TENANT) == 0))
		return kx_error_set(ctx->err, 400, "invalid_field", "id",
				    "a tenant id is 1 to 63 of a-z, 0-9, _ and -");
	if (!kind)
		kind = "customer";
	if (strcmp(kind, "customer") != 0 && strcmp(kind, "partner") != 0)
		return kx_error_set(ctx->err, 400, "invalid_field", "kind",
				    "kind is customer or partner");
	if (partner && strcmp(kind, "customer") != 0)
		return kx_error_set(ctx->err, 400, "invalid_field", "partner_id",
				    "partner_id must name a partner tenant, for a customer");
	char new_id[64];
	if (!id)
		kx_id_new("t_", new_id);
	else
		snprintf(new_id, sizeof new_id, "%s", id);
	/* Whether the id is taken and whether partner_id names a partner are asked in apply, once
	 * the caller may create tenants: answered here, they told anyone who asked which tenants
	 * exist and which are partners (a denial came only after them). */
	ctx->loaded = tenant_object(new_id, name, kind, region, partner, ctx->now);
	ctx->resource = cJSON_Duplicate(ctx->loaded, 1);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", new_id);
	/* A refused creation concerns no tenant that exists: its receipt goes to the platform
	 * ledger. An allowed one is the first leaf of the new tenant's ledger (see apply). */
	snprintf(ctx->tenant, sizeof ctx->tenant, "%s", KX_PLATFORM_TENANT);
	return 0;
}

/* Is tenant `id` a partner? */
static bool tenant_is_partner(struct store *s, const char *id)
{
	cJSON *t = store_tenant_get(s, id);
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(t, "kind"));
	bool partner = kind && strcmp(kind, "partner") == 0;
	cJSON_Delete(t);
	return partner;
}

/* Decided on the body and the caller alone (the caller's own tenant is the only one read), so
 * that a refusal answers the same whatever tenants the body names. */
static int create_tenant_authorize(struct op_ctx *ctx, bool *allow, const char **rule)
{
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(ctx->loaded, "kind"));
	if (tenant_actor_is_platform_admin(ctx->subject)) {
		*allow = true;
		*rule = "tenancy:platform-admin";
	} else if (strcmp(kind, "customer") == 0 && is_partner_admin_of(ctx, ctx->loaded) &&
		   tenant_is_partner(ctx->store, ctx->caller_tenant)) {
		*allow = true;
		*rule = "tenancy:partner-admin";
	} else {
		*allow = false;
		*rule = "tenancy:only-platform-or-partner-admins-create-tenants";
	}
	return 0;
}

/* What the new tenant's id and partner_id name, asked only of a caller allowed to create it. */
static int create_tenant_check_names(struct op_ctx *ctx)
{
	cJSON *existing = store_tenant_get(ctx->store, ctx->resource_id);
	cJSON_Delete(existing);
	if (existing)
		return kx_error_set(ctx->err, 409, "conflict", "id", "tenant %s exists",
				    ctx->resource_id);
	const char *partner = cJSON_GetStringValue(cJSON_GetObjectItem(ctx->loaded, "partner_id"));
	if (partner && !tenant_is_partner(ctx->store, partner))
		return kx_error_set(ctx->err, 400, "invalid_field", "partner_id",
				    "partner_id must name a partner tenant, for a customer");
	return 0;
}

static int create_tenant_apply(struct op_ctx *ctx)
{
	if (create_tenant_check_names(ctx) ||
	    tenant_insert(ctx->store, ctx->loaded, ctx->now, ctx->err))
		return -1;
	snprintf(ctx->tenant, sizeof ctx->tenant, "%.63s", ctx->resource_id);
	ctx->status = 201;
	ctx->result = cJSON_Duplicate(ctx->loaded, 1);
	size_t n = strlen(ctx->resource_id) + 16;
	ctx->location = malloc(n);
	if (ctx->location)
		snprintf(ctx->location, n, "/tenants/%s", ctx->resource_id);
	return 0;
}

/* ---- tenant.get, tenant.list ---- */

static int get_tenant_prepare(struct op_ctx *ctx)
{
	return tenant_load_visible(ctx, ctx->req->id);
}

static int get_tenant_apply(struct op_ctx *ctx)
{
	ctx->result = ctx->loaded;
	ctx->loaded = NULL;
	return 0;
}

static int list_tenants_authorize(struct op_ctx *ctx, bool *allow, const char **rule)
{
	(void)ctx;
	*allow = true; /* the list is filtered to what the caller may see */
	*rule = "tenancy:visible-tenants";
	return 0;
}

static int list_tenants_apply(struct op_ctx *ctx)
{
	cJSON *all = store_tenant_list(ctx->store);
	cJSON *items = cJSON_CreateArray();
	bool admin = tenant_actor_is_platform_admin(ctx->subject);
	cJSON *t;
	while (all && (t = cJSON_DetachItemFromArray(all, 0))) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(t, "id"));
		bool visible = (admin && strcmp(id, KX_PLATFORM_TENANT) != 0) ||
			       strcmp(id, ctx->caller_tenant) == 0 || is_partner_admin_of(ctx, t);
		if (visible)
			cJSON_AddItemToArray(items, t);
		else
			cJSON_Delete(t);
	}
	cJSON_Delete(all);
	return op_items(ctx, items);
}

/* ---- actor.create, actor.list ---- */

static cJSON *actor_public(const cJSON *row)
{
	cJSON *a = cJSON_CreateObject();
	const char *keys[] = {"id", "name", "roles", "key_id", "created_at"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const cJSON *v = cJSON_GetObjectItem(row, keys[i]);
		cJSON_AddItemToObject(a, keys[i], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
	}
	cJSON_AddBoolToObject(a, "disabled",
			      cJSON_GetNumberValue(cJSON_GetObjectItem(row, "disabled")) == 1);
	return a;
}

static int create_actor_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"name", "roles", "public_key", NULL};
	const char *name, *public_key;
	const cJSON *roles;
	if (tenant_load_visible(ctx, ctx->req->id) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "name", true, 100, &name) ||
	    op_body_strings(ctx, "roles", 32, 64, &roles) ||
	    op_body_string(ctx, "public_key", false, 200, &public_key))
		return -1;
	cJSON *actor = cJSON_CreateObject();
	cJSON_AddStringToObject(actor, "name", name);
	cJSON_AddItemToObject(actor, "roles", roles ? cJSON_Duplicate(roles, 1) : cJSON_CreateArray());
	cJSON_AddNumberToObject(actor, "platform_admin", 0);
	cJSON_AddNumberToObject(actor, "disabled", 0);
	if (public_key) {
		struct minisign_pubkey pk;
		char hex[17];
		if (minisign_pubkey_parse(public_key, &pk, ctx->err)) {
			cJSON_Delete(actor);
			snprintf(ctx->err->field, sizeof ctx->err->field, "public_key");
			return -1;
		}
		minisign_key_id_hex(pk.key_id, hex);
		cJSON_AddStringToObject(actor, "public_key", public_key);
		cJSON_AddStringToObject(actor, "key_id", hex);
	}
	cJSON *existing = store_actor_get(ctx->store, ctx->tenant, name);
	cJSON_Delete(existing);
	if (existing) {
		cJSON_Delete(actor);
		return kx_error_set(ctx->err, 409, "conflict", "name",
				    "an actor named %s exists in %s", name, ctx->tenant);
	}
	cJSON_Delete(ctx->loaded);
	ctx->loaded = actor;
	cJSON_Delete(ctx->resource);
	ctx->resource = cJSON_Duplicate(actor, 1);
	return 0;
}

static int create_actor_apply(struct op_ctx *ctx)
{
	char *token = actor_insert(ctx->store, ctx->tenant, ctx->loaded, ctx->now, ctx->err);
	if (!token)
		return -1;
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(ctx->loaded, "id")));
	ctx->status = 201;
	ctx->result = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx->result, "actor", actor_public(ctx->loaded));
	cJSON_AddStringToObject(ctx->result, "token", token);
	sodium_memzero(token, strlen(token));
	free(token);
	return 0;
}

static int list_actors_prepare(struct op_ctx *ctx)
{
	return tenant_load_visible(ctx, ctx->req->id);
}

static int list_actors_apply(struct op_ctx *ctx)
{
	cJSON *rows = store_actor_list(ctx->store, ctx->tenant);
	cJSON *items = cJSON_CreateArray();
	const cJSON *r;
	cJSON_ArrayForEach(r, rows) cJSON_AddItemToArray(items, actor_public(r));
	cJSON_Delete(rows);
	return op_items(ctx, items);
}

/* ---- tenant.update ---- */

/* Statuses: active <-> suspended; either -> offboarded, which is final (authz_decide refuses
 * every other change to an offboarded tenant too). */
static bool tenant_transition_ok(const char *from, const char *to)
{
	if (!strcmp(from, "offboarded"))
		return false;
	return !strcmp(to, "active") || !strcmp(to, "suspended") || !strcmp(to, "offboarded");
}

static int update_tenant_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"name", "status", "region", NULL};
	const char *name, *status, *region;
	if (tenant_load_visible(ctx, ctx->req->id) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "name", false, 200, &name) ||
	    op_body_string(ctx, "status", false, 16, &status) ||
	    op_body_string(ctx, "region", false, 64, &region))
		return -1;
	if (name && !*name)
		return kx_error_set(ctx->err, 400, "invalid_field", "name", "name must not be empty");
	const char *from = cJSON_GetStringValue(cJSON_GetObjectItem(ctx->loaded, "status"));
	if (status && strcmp(status, "active") && strcmp(status, "suspended") &&
	    strcmp(status, "offboarded"))
		return kx_error_set(ctx->err, 400, "invalid_field", "status",
				    "status is active, suspended or offboarded");
	if (status && !tenant_transition_ok(from, status))
		return kx_error_set(ctx->err, 409, "invalid_transition", "status",
				    "an offboarded tenant is final");
	if (!strcmp(ctx->tenant, KX_PLATFORM_TENANT))
		return kx_error_set(ctx->err, 409, "conflict", NULL,
				    "the platform tenant cannot be changed");
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

/* Only platform admins and a child's partner admins change tenants; a tenant's own catalog
 * never grants tenant.* (API.md). */
static int update_tenant_authorize(struct op_ctx *ctx, bool *allow, const char **rule)
{
	if (tenant_actor_is_platform_admin(ctx->subject)) {
		*allow = true;
		*rule = "tenancy:platform-admin";
	} else if (is_partner_admin_of(ctx, ctx->loaded)) {
		*allow = true;
		*rule = "tenancy:partner-admin";
	} else {
		*allow = false;
		*rule = "tenancy:only-platform-or-partner-admins-change-tenants";
	}
	return 0;
}

static int update_tenant_apply(struct op_ctx *ctx)
{
	const char *keys[] = {"name", "status", "region"};
	for (int i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx->body, keys[i]);
		if (cJSON_IsString(v))
			cJSON_ReplaceItemInObject(ctx->loaded, keys[i], cJSON_CreateString(v->valuestring));
	}
	cJSON_ReplaceItemInObject(ctx->loaded, "updated_at", cJSON_CreateString(ctx->now));
	if (store_tenant_update(ctx->store, ctx->loaded, ctx->err))
		return -1;
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(ctx->loaded, "status"));
	/* Offboarding revokes every token at once; the data stays, read-only, for export. */
	if (!strcmp(status, "offboarded") && store_tenant_revoke_tokens(ctx->store, ctx->tenant, ctx->err))
		return -1;
	ctx->result = ctx->loaded;
	ctx->loaded = NULL;
	return 0;
}

/* ---- actor.update, actor.rotate_token ---- */

static int load_actor(struct op_ctx *ctx)
{
	if (tenant_load_visible(ctx, ctx->req->id))
		return -1;
	cJSON *a = ctx->req->sub_id ? store_actor_get(ctx->store, ctx->tenant, ctx->req->sub_id) : NULL;
	if (!a || strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(a, "id")), ctx->req->sub_id)) {
		cJSON_Delete(a);
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no actor %s",
				    ctx->req->sub_id ? ctx->req->sub_id : "(none)");
	}
	cJSON_Delete(ctx->loaded);
	ctx->loaded = a;
	cJSON_Delete(ctx->resource);
	ctx->resource = cJSON_Duplicate(a, 1);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", ctx->req->sub_id);
	return 0;
}

static int update_actor_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"roles", "disabled", "public_key", NULL};
	const cJSON *roles;
	const char *public_key;
	if (load_actor(ctx) || op_body_only(ctx, allowed) ||
	    op_body_strings(ctx, "roles", 32, 64, &roles) ||
	    op_body_string(ctx, "public_key", false, 200, &public_key))
		return -1;
	const cJSON *disabled = cJSON_GetObjectItemCaseSensitive(ctx->body, "disabled");
	if (disabled && !cJSON_IsBool(disabled))
		return kx_error_set(ctx->err, 400, "invalid_field", "disabled",
				    "disabled must be true or false");
	if (public_key) {
		struct minisign_pubkey pk;
		char hex[17];
		if (minisign_pubkey_parse(public_key, &pk, ctx->err)) {
			snprintf(ctx->err->field, sizeof ctx->err->field, "public_key");
			return -1;
		}
		minisign_key_id_hex(pk.key_id, hex);
		cJSON_ReplaceItemInObject(ctx->loaded, "public_key", cJSON_CreateString(public_key));
		cJSON_ReplaceItemInObject(ctx->loaded, "key_id", cJSON_CreateString(hex));
	}
	if (roles)
		cJSON_ReplaceItemInObject(ctx->loaded, "roles", cJSON_Duplicate(roles, 1));
	if (disabled)
		cJSON_ReplaceItemInObject(ctx->loaded, "disabled", cJSON_CreateNumber(cJSON_IsTrue(disabled)));
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

static int update_actor_apply(struct op_ctx *ctx)
{
	if (store_actor_update(ctx->store, ctx->tenant, ctx->loaded, ctx->err))
		return -1;
	ctx->result = actor_public(ctx->loaded);
	return 0;
}

static int rotate_token_apply(struct op_ctx *ctx)
{
	uint8_t hash[32];
	char *token = token_new(hash);
	if (!token)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	int rc = store_actor_set_token(ctx->store, ctx->tenant, ctx->resource_id, hash, ctx->err);
	if (rc == 0) {
		ctx->status = 201;
		ctx->result = cJSON_CreateObject();
		cJSON_AddStringToObject(ctx->result, "token", token);
	}
	sodium_memzero(token, strlen(token));
	free(token);
	return rc;
}

/* ---- session.get: who am I (not in API.md's actions: everyone may ask it) ---- */

static int session_authorize(struct op_ctx *ctx, bool *allow, const char **rule)
{
	(void)ctx;
	*allow = true;
	*rule = "tenancy:self";
	return 0;
}

static int session_apply(struct op_ctx *ctx)
{
	ctx->result = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx->result, "tenant_id", ctx->caller_tenant);
	cJSON_AddItemToObject(ctx->result, "actor", actor_public(ctx->subject));
	cJSON_AddBoolToObject(ctx->result, "platform_admin",
			      tenant_actor_is_platform_admin(ctx->subject));
	return 0;
}

const struct op_def tenant_ops[] = {
	{"session.get", OP_QUERY, NULL, session_apply, session_authorize, NULL},
	{"tenant.create", OP_MUTATION, create_tenant_prepare, create_tenant_apply,
	 create_tenant_authorize},
	{"tenant.get", OP_QUERY, get_tenant_prepare, get_tenant_apply, tenant_authorize_cross},
	{"tenant.list", OP_QUERY, NULL, list_tenants_apply, list_tenants_authorize},
	{"actor.create", OP_MUTATION, create_actor_prepare, create_actor_apply,
	 tenant_authorize_cross},
	{"actor.list", OP_QUERY, list_actors_prepare, list_actors_apply, tenant_authorize_cross},
	{"tenant.update", OP_MUTATION, update_tenant_prepare, update_tenant_apply,
	 update_tenant_authorize},
	{"actor.update", OP_MUTATION, update_actor_prepare, update_actor_apply,
	 tenant_authorize_cross},
	{"actor.rotate_token", OP_MUTATION, load_actor, rotate_token_apply, tenant_authorize_cross},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
