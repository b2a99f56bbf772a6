/* Decisions: tenancy first (status, cross-tenant actions), then the tenant's policy. */
#include "authorize.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "policy_cache.h"

static cJSON *subject_attrs(const struct op_ctx *ctx)
{
	cJSON *s = cJSON_CreateObject();
	const cJSON *a = ctx->subject;
	cJSON_AddStringToObject(s, "id", cJSON_GetStringValue(cJSON_GetObjectItem(a, "id")));
	cJSON_AddStringToObject(s, "name", cJSON_GetStringValue(cJSON_GetObjectItem(a, "name")));
	cJSON_AddItemToObject(s, "roles", cJSON_Duplicate(cJSON_GetObjectItem(a, "roles"), 1));
	cJSON_AddStringToObject(s, "tenant", ctx->caller_tenant);
	cJSON_AddBoolToObject(s, "platform_admin",
			      cJSON_GetNumberValue(cJSON_GetObjectItem(a, "platform_admin")) == 1);
	return s;
}

static cJSON *context_attrs(const struct op_ctx *ctx, const char *action)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "time", ctx->now);
	cJSON_AddStringToObject(c, "action", action);
	cJSON_AddStringToObject(c, "request_id", ctx->request_id);
	cJSON_AddStringToObject(c, "tenant", ctx->tenant);
	if (ctx->change)
		cJSON_AddItemToObject(c, "change", cJSON_Duplicate(ctx->change, 1));
	if (ctx->core->embedded)
		cJSON_AddStringToObject(c, "os_user", ctx->core->os_user);
	return c;
}

/* Tenancy decisions are structural, not policy: a governed exception passes a tenant's own
 * profile, never a suspension or another tenant's boundary (else a tenant-admin's `*`, which
 * holds policy.override, would lift its own suspension or rename its tenant). */
static void decide_by_rule(struct authz *out, bool allow, const char *rule, const char *why)
{
	out->allow = allow;
	out->overridable = false;
	cJSON_AddItemToArray(out->rules, cJSON_CreateString(rule));
	cJSON_AddItemToArray(out->explanation, cJSON_CreateString(why));
}

/* Decides by the tenant's current role catalog and policy profile, parsed once per version
 * (policy_cache.c). */
static int decide_by_policy(struct op_ctx *ctx, const char *action, struct authz *out)
{
	struct policy_cache *cache = ctx->core->policies;
	const struct policy_docs *docs = policy_cache_get(cache, ctx->store, ctx->tenant, ctx->err);
	if (!docs)
		return -1;
	snprintf(out->profile, sizeof out->profile, "%s", docs->profile_name);
	out->profile_version = docs->profile_version;
	snprintf(out->profile_digest, sizeof out->profile_digest, "%s", docs->profile_digest);
	out->roles_version = docs->roles_version;
	struct policy_decision d = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	policy_evaluate(docs->profile, docs->catalog, action, out->input, &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	policy_cache_release(cache, docs);
	core_stats_policy_eval(ctx->core, (double)(t1.tv_sec - t0.tv_sec) +
						  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	out->allow = d.allow;
	out->overridable = d.overridable;
	cJSON_Delete(out->rules);
	cJSON_Delete(out->explanation);
	out->rules = d.rules;
	out->explanation = d.explanation;
	d.rules = d.explanation = NULL;
	policy_decision_free(&d);
	return 0;
}

static const char *tenant_status(struct op_ctx *ctx, const char *tenant_id)
{
	static const char *const known[] = {"active", "suspended", "offboarded"};
	/* The caller's own tenant was read a moment ago in this transaction (load_subject). */
	bool caller = ctx->caller_status[0] && !strcmp(tenant_id, ctx->caller_tenant);
	cJSON *t = caller ? NULL : store_tenant_get(ctx->store, tenant_id);
	const char *st = caller ? ctx->caller_status
				: t ? cJSON_GetStringValue(cJSON_GetObjectItem(t, "status")) : NULL;
	const char *found = "missing";
	for (size_t i = 0; st && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(st, known[i]) == 0)
			found = known[i];
	cJSON_Delete(t);
	return found;
}

/* The mutations an offboarded tenant still allows: API.md keeps its data for export. */
static bool offboarded_allows(const char *action)
{
	return strcmp(action, "evidence.export") == 0;
}

int authz_decide(struct op_ctx *ctx, const char *action, struct authz *out)
{
	memset(out, 0, sizeof *out);
	out->rules = cJSON_CreateArray();
	out->explanation = cJSON_CreateArray();
	out->input = cJSON_CreateObject();
	cJSON_AddItemToObject(out->input, "subject", subject_attrs(ctx));
	cJSON_AddItemToObject(out->input, "resource",
			      ctx->resource ? cJSON_Duplicate(ctx->resource, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(out->input, "context", context_attrs(ctx, action));

	/* ctx->op is the operation asked for; `action` may differ (policy.override). */
	const struct op_def *op = strcmp(op_action(ctx->op), action) == 0 ? ctx->op : NULL;
	/* Suspension binds the tenant's own actors; a platform or partner admin acting on the
	 * tenant (to reinstate it, say) is decided by the tenancy rules below. */
	const char *status = tenant_status(ctx, ctx->caller_tenant);
	bool mutation = op && op->kind == OP_MUTATION;
	if (mutation && strcmp(status, "active") != 0) {
		decide_by_rule(out, false, "tenancy:tenant-not-active",
			       "the tenant is not active: every mutation is denied");
		return 0;
	}
	/* An offboarded tenant is final, its data kept read-only for export (API.md): no
	 * mutation reaches it but an export. Its own actors cannot sign in, so this binds the
	 * platform and partner admins who act on it from outside. A conflict, not a denial: a
	 * denial's receipt would be one more leaf in the read-only ledger. */
	if (mutation && !offboarded_allows(action) &&
	    strcmp(tenant_status(ctx, ctx->tenant), "offboarded") == 0)
		return kx_error_set(ctx->err, 409, "conflict", NULL,
				    "tenant %s is offboarded: its data is read-only", ctx->tenant);
	if (op && op->authorize) {
		bool allow = false;
		const char *rule = "tenancy:denied";
		int decided = op->authorize(ctx, &allow, &rule);
		if (decided < 0)
			return -1;
		if (decided == 0) {
			decide_by_rule(out, allow, rule,
				       allow ? "allowed by the tenancy rules"
					     : "denied by the tenancy rules");
			return 0;
		}
	}
	if (strcmp(ctx->tenant, ctx->caller_tenant) != 0) {
		decide_by_rule(out, false, "tenancy:other-tenant",
			       "an actor acts only within its own tenant");
		return 0;
	}
	return decide_by_policy(ctx, action, out);
}

void authz_free(struct authz *a)
{
	cJSON_Delete(a->rules);
	cJSON_Delete(a->explanation);
	cJSON_Delete(a->input);
	memset(a, 0, sizeof *a);
}

cJSON *authz_summary(const struct authz *a)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "effect", a->allow ? "allow" : "deny");
	cJSON_AddItemToObject(d, "rules", cJSON_Duplicate(a->rules, 1));
	if (a->profile[0]) {
		cJSON_AddStringToObject(d, "profile", a->profile);
		cJSON_AddNumberToObject(d, "profile_version", a->profile_version);
		cJSON_AddStringToObject(d, "profile_digest", a->profile_digest);
	} else {
		cJSON_AddNullToObject(d, "profile");
		cJSON_AddNullToObject(d, "profile_version");
		cJSON_AddNullToObject(d, "profile_digest");
	}
	return d;
}
