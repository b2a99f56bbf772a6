/* evidence.export, evidence.list, evidence.download and redaction.get / redaction.set: a
 * tenant's evidence bundles and the rules that redact them. Platform admins may export any
 * tenant, offboarded ones included (API.md); partner admins their children. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "evidence.h"
#include "redact.h"
#include "tenant.h"

struct export_state {
	char id[KX_ID_MAX];
	char from[KX_TIME_LEN], to[KX_TIME_LEN];
};

static int tenant_prepare(struct op_ctx *ctx)
{
	return tenant_load_visible(ctx, ctx->req->id);
}

/* An RFC 3339 time from the body, in the one form the store compares as text. */
static int body_time(struct op_ctx *ctx, const char *name, char out[KX_TIME_LEN])
{
	const char *v;
	int64_t ms;
	if (op_body_string(ctx, name, true, 64, &v))
		return -1;
	if (kx_time_parse(v, &ms))
		return kx_error_set(ctx->err, 400, "invalid_field", name,
				    "%s is an RFC 3339 time", name);
	kx_time_format(ms, out);
	return 0;
}

/* ---- evidence.export ---- */

static int export_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"from", "to", NULL};
	struct export_state *st = calloc(1, sizeof *st);
	if (!st)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	ctx->state = st;
	ctx->state_free = free;
	if (tenant_prepare(ctx) || op_body_only(ctx, allowed) || body_time(ctx, "from", st->from) ||
	    body_time(ctx, "to", st->to))
		return -1;
	if (strcmp(st->from, st->to) >= 0)
		return kx_error_set(ctx->err, 400, "invalid_field", "to", "to must be after from");
	kx_id_new("evx_", st->id);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", st->id);
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

static int export_apply(struct op_ctx *ctx)
{
	struct export_state *st = ctx->state;
	struct evidence_request rq = {.tenant_id = ctx->tenant,
				      .from = st->from,
				      .to = st->to,
				      .export_id = st->id,
				      .actor = ctx->req->who->actor_id,
				      .receipt_id = ctx->receipt_id,
				      .created_at = ctx->now};
	struct evidence_result res;
	if (evidence_export(ctx->core, &rq, &res, ctx->err))
		return -1;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", st->id);
	cJSON_AddStringToObject(r, "tenant_id", ctx->tenant);
	cJSON_AddStringToObject(r, "from", st->from);
	cJSON_AddStringToObject(r, "to", st->to);
	cJSON_AddStringToObject(r, "created_at", ctx->now);
	cJSON_AddStringToObject(r, "manifest_digest", res.manifest_digest);
	cJSON_AddItemToObject(r, "counts", res.counts);
	res.counts = NULL;
	cJSON_AddNumberToObject(r, "checkpoint_size", (double)res.checkpoint_size);
	if (res.previous_size)
		cJSON_AddNumberToObject(r, "previous_checkpoint_size", (double)res.previous_size);
	else
		cJSON_AddNullToObject(r, "previous_checkpoint_size");
	cJSON_AddNumberToObject(r, "bytes", (double)res.bytes);
	cJSON_AddStringToObject(r, "receipt_id", ctx->receipt_id);
	ctx->result = r;
	ctx->status = 201;
	size_t n = strlen(ctx->tenant) + strlen(st->id) + 40;
	ctx->location = malloc(n);
	if (ctx->location)
		snprintf(ctx->location, n, "/tenants/%s/evidence-exports/%s", ctx->tenant, st->id);
	return 0;
}

/* ---- evidence.list, evidence.download ---- */

static int list_apply(struct op_ctx *ctx)
{
	int limit;
	const char *cursor = op_query(ctx, "cursor");
	if (cursor && !kx_id_valid(cursor, "evx_"))
		return kx_error_set(ctx->err, 400, "invalid_query", "cursor", "not a cursor");
	if (op_query_limit(ctx, &limit))
		return -1;
	cJSON *items = store_evidence_list(ctx->store, ctx->tenant, cursor, limit);
	if (!items)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	ctx->result = op_page(items, limit, "id");
	return 0;
}

/* The bundle, checked against its export's record before it is handed out: a bundle kept as
 * a file beside the store may have been altered outside klaxon. */
static int download_apply(struct op_ctx *ctx)
{
	const char *id = ctx->req->sub_id;
	cJSON *rec = id ? store_evidence_get(ctx->store, ctx->tenant, id) : NULL;
	if (!rec)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no evidence export %s",
				    id ? id : "(none)");
	const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "manifest_digest"));
	char *data = NULL;
	size_t len = 0;
	int found = store_evidence_bundle(ctx->store, ctx->tenant, id, &data, &len, ctx->err);
	int rc = 0;
	if (found < 0)
		rc = ctx->err->status ? -1
				      : kx_error_set(ctx->err, 503, "unavailable", NULL,
						     "the bundle is unreadable");
	else if (found > 0)
		rc = kx_error_set(ctx->err, 404, "not_found", NULL, "no evidence export %s", id);
	else if (!digest || evidence_bundle_check(data, len, id, digest, ctx->err))
		rc = ctx->err->status ? -1
				      : kx_error_set(ctx->err, 503, "unavailable", NULL,
						     "the export %s has no manifest digest", id);
	cJSON_Delete(rec);
	if (rc) {
		free(data);
		return -1;
	}
	ctx->text = data;
	ctx->text_len = len;
	ctx->text_type = "application/x-tar";
	return 0;
}

/* ---- redaction.get, redaction.set ---- */

/* {rules, version, digest, defaults}: the tenant's own rules (none until it sets some) and
 * the built-in ones that always apply. */
static cJSON *rules_view(const cJSON *row)
{
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(row, "doc"));
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	cJSON *v = cJSON_CreateObject();
	cJSON *rules = cJSON_DetachItemFromObject(doc, "rules");
	cJSON_AddItemToObject(v, "rules", rules ? rules : cJSON_CreateArray());
	cJSON_AddNumberToObject(v, "version",
				row ? cJSON_GetNumberValue(cJSON_GetObjectItem(row, "version")) : 0);
	const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(row, "digest"));
	if (digest)
		cJSON_AddStringToObject(v, "digest", digest);
	else
		cJSON_AddNullToObject(v, "digest");
	cJSON_AddItemToObject(v, "defaults", redact_defaults_json());
	cJSON_Delete(doc);
	return v;
}

static int redaction_get_apply(struct op_ctx *ctx)
{
	cJSON *row = store_doc_get(ctx->store, STORE_DOC_REDACTION, ctx->tenant, 0);
	ctx->result = rules_view(row);
	cJSON_Delete(row);
	return 0;
}

static int redaction_set_prepare(struct op_ctx *ctx)
{
	if (tenant_prepare(ctx) || redact_rules_validate(ctx->body, ctx->err))
		return -1;
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

static int redaction_set_apply(struct op_ctx *ctx)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "rules",
			      cJSON_Duplicate(cJSON_GetObjectItem(ctx->body, "rules"), 1));
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!text)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	char digest[DIGEST_B64_LEN];
	digest_sha256_b64(text, strlen(text), digest);
	int version = store_doc_append(ctx->store, STORE_DOC_REDACTION, ctx->tenant, text, digest,
				       ctx->now, ctx->err);
	cJSON_free(text);
	if (version < 0)
		return -1;
	cJSON *row = store_doc_get(ctx->store, STORE_DOC_REDACTION, ctx->tenant, version);
	ctx->result = rules_view(row);
	cJSON_Delete(row);
	return 0;
}

const struct op_def evidence_ops[] = {
	{"evidence.export", OP_MUTATION, export_prepare, export_apply, tenant_authorize_cross, NULL},
	{"evidence.list", OP_QUERY, tenant_prepare, list_apply, tenant_authorize_cross, NULL},
	{"evidence.download", OP_QUERY, tenant_prepare, download_apply, tenant_authorize_cross,
	 NULL},
	{"redaction.get", OP_QUERY, tenant_prepare, redaction_get_apply, tenant_authorize_cross,
	 NULL},
	{"redaction.set", OP_MUTATION, redaction_set_prepare, redaction_set_apply,
	 tenant_authorize_cross, NULL},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
