/* The ops pipeline (DESIGN.md "The ops pipeline"): every operation enters through kx_call.
 * A mutation is one transaction: idempotency lookup, subject, decision, the change, receipt,
 * ledger leaf, usage events, idempotency record, commit. A query runs the decision and its
 * answer in a read transaction and is metered in memory. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "digest.h"
#include "json_input.h"
#include "ledger.h"
#include "ops.h"

static const struct op_def *const op_tables[] = {
	incident_ops, tenant_ops, ledger_ops, policy_ops, runbook_ops, execution_ops, approval_ops,
	exception_ops, alert_ops,
	evidence_ops, usage_ops,
};

static const struct op_def *op_find(const char *name)
{
	for (size_t t = 0; name && t < sizeof op_tables / sizeof op_tables[0]; t++)
		for (const struct op_def *d = op_tables[t]; d->name; d++)
			if (strcmp(d->name, name) == 0)
				return d;
	return NULL;
}

const char *op_action(const struct op_def *op)
{
	return op->action ? op->action : op->name;
}

const char *kx_op_at(int i, bool *mutation)
{
	for (size_t t = 0; t < sizeof op_tables / sizeof op_tables[0]; t++) {
		for (const struct op_def *d = op_tables[t]; d->name; d++) {
			if (i-- == 0) {
				*mutation = d->kind == OP_MUTATION;
				return d->name;
			}
		}
	}
	return NULL;
}

bool kx_op_known(const char *op)
{
	return op_find(op) != NULL;
}

/* ---- responses ---- */

static char *error_body(const struct kx_error *e, const char *request_id, cJSON *decision)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *o = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(o, "code", e->code[0] ? e->code : "unavailable");
	cJSON_AddStringToObject(o, "message", e->message[0] ? e->message : "request failed");
	cJSON_AddStringToObject(o, "request_id", request_id);
	if (e->field[0])
		cJSON_AddStringToObject(o, "field", e->field);
	if (decision)
		cJSON_AddItemToObject(o, "decision", decision);
	char *text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

/* A denial's body: the receipt's summary plus what a person needs to act on it (the
 * conditions that denied, whether an override could pass it) — never stored in the receipt. */
static cJSON *denial_decision(cJSON *summary, const struct authz *a)
{
	cJSON_AddItemToObject(summary, "explanation", cJSON_Duplicate(a->explanation, 1));
	cJSON_AddBoolToObject(summary, "overridable", a->overridable);
	return summary;
}

static void respond_error(struct kx_response *resp, const struct kx_error *e, cJSON *decision)
{
	resp->status = e->status ? e->status : 503;
	resp->body = error_body(e, resp->request_id, decision);
	resp->content_type = "application/json";
}

static void respond_ctx(struct kx_response *resp, struct op_ctx *ctx)
{
	resp->status = ctx->status ? ctx->status : 200;
	if (ctx->text) {
		resp->body = ctx->text;
		resp->body_len = ctx->text_len;
		ctx->text = NULL;
		resp->content_type = ctx->text_type ? ctx->text_type : "text/plain; charset=utf-8";
	} else {
		resp->body = cJSON_PrintUnformatted(ctx->result ? ctx->result : cJSON_CreateObject());
		resp->content_type = "application/json";
	}
	resp->location = ctx->location;
	ctx->location = NULL;
}

void kx_response_free(struct kx_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	free(resp->location);
	resp->body = resp->location = NULL;
}

/* Back to an empty answer to the same request. */
static void response_clear(struct kx_response *resp)
{
	char request_id[KX_ID_MAX];
	snprintf(request_id, sizeof request_id, "%s", resp->request_id);
	kx_response_free(resp);
	memset(resp, 0, sizeof *resp);
	snprintf(resp->request_id, sizeof resp->request_id, "%s", request_id);
}

/* ---- the context ---- */

/* The parsed trees a run leaves behind (its answer is printed by then). */
static void ctx_free_trees(struct op_ctx *ctx)
{
	cJSON_Delete(ctx->body);
	cJSON_Delete(ctx->subject);
	cJSON_Delete(ctx->resource);
	cJSON_Delete(ctx->change);
	cJSON_Delete(ctx->loaded);
	if (ctx->state_free)
		ctx->state_free(ctx->state);
	cJSON_Delete(ctx->result);
	ctx->body = ctx->subject = ctx->resource = ctx->change = ctx->loaded = ctx->result = NULL;
	ctx->state = NULL;
	ctx->state_free = NULL;
}

static void ctx_free(struct op_ctx *ctx)
{
	ctx_free_trees(ctx);
	free(ctx->text);
	free(ctx->location);
}

static bool request_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n >= KX_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == '"' || id[i] == '\\')
			return false;
	return true;
}

/* Loads the caller's actor; disabled actors and offboarded tenants are not authenticated. */
static int load_subject(struct op_ctx *ctx)
{
	const struct kx_principal *who = ctx->req->who;
	if (!who)
		return kx_error_set(ctx->err, 401, "unauthenticated", NULL, "no credentials");
	ctx->subject = store_actor_get(ctx->store, who->tenant_id, who->actor_id);
	cJSON *tenant = store_tenant_get(ctx->store, who->tenant_id);
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(tenant, "status"));
	bool ok = ctx->subject && tenant && status && strcmp(status, "offboarded") != 0 &&
		  cJSON_GetNumberValue(cJSON_GetObjectItem(ctx->subject, "disabled")) != 1;
	if (ok)
		snprintf(ctx->caller_status, sizeof ctx->caller_status, "%s", status);
	cJSON_Delete(tenant);
	if (!ok)
		return kx_error_set(ctx->err, 401, "unauthenticated", NULL,
				    "the actor is unknown, disabled or its tenant offboarded");
	ctx->caller_tenant = who->tenant_id;
	snprintf(ctx->tenant, sizeof ctx->tenant, "%s", who->tenant_id);
	return 0;
}

static int parse_body(struct op_ctx *ctx)
{
	const struct kx_request *req = ctx->req;
	if (!req->body || req->body_len == 0) {
		if (ctx->op->kind == OP_MUTATION)
			ctx->body = cJSON_CreateObject(); /* an empty body is an empty object */
		return 0;
	}
	ctx->body = json_input_object(req->body, req->body_len, ctx->err);
	return ctx->body ? 0 : -1;
}

/* ---- idempotency ---- */

static void request_digest(const struct kx_request *req, char out[DIGEST_B64_LEN])
{
	crypto_hash_sha256_state st;
	uint8_t h[32];
	crypto_hash_sha256_init(&st);
	const char *parts[] = {req->op, req->id, req->sub_id};
	for (int i = 0; i < 3; i++) {
		const char *p = parts[i] ? parts[i] : "";
		crypto_hash_sha256_update(&st, (const unsigned char *)p, strlen(p) + 1);
	}
	if (req->body)
		crypto_hash_sha256_update(&st, (const unsigned char *)req->body, req->body_len);
	crypto_hash_sha256_final(&st, h);
	digest_b64(h, out);
}

/* A response that hands out a bearer token (actor.create, actor.rotate_token) is replayed
 * with that token, so that a retry whose first answer was lost still learns it; but tokens
 * are kept only as hashes everywhere else, and a copy of the store must not hold working
 * credentials. So the stored copy carries the token sealed — "token": {"sealed": base64 of
 * nonce || crypto_secretbox} — under a key derived from the server's signing key (which
 * never enters the store) and the record's (tenant, actor, key): a sealed token moved to
 * another record does not open. A record whose seal no longer opens (the server key was
 * replaced) replays with "token": null: the caller rotates the token instead. */
#define IDEM_SEAL_CONTEXT "klaxon idempotency seal v1"

static void idem_seal_key(const struct op_ctx *ctx, uint8_t key[crypto_secretbox_KEYBYTES])
{
	crypto_generichash_state st;
	/* libsodium's Ed25519 secret key is seed || public key: the seed is the secret. */
	crypto_generichash_init(&st, ctx->core->key.sk, 32, crypto_secretbox_KEYBYTES);
	const char *parts[] = {IDEM_SEAL_CONTEXT, ctx->caller_tenant, ctx->req->who->actor_id,
			       ctx->req->idempotency_key};
	for (int i = 0; i < 4; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];
		crypto_generichash_update(&st, p, strlen(parts[i]) + 1);
	}
	crypto_generichash_final(&st, key, crypto_secretbox_KEYBYTES);
	sodium_memzero(&st, sizeof st);
}

/* The body's top-level string "token" (NULL when it has none); its text is the caller's to
 * wipe before cJSON_Delete. */
static cJSON *body_token(cJSON *root)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "token");
	return cJSON_IsString(t) ? t : NULL;
}

static void wipe_string(cJSON *item)
{
	if (cJSON_IsString(item) && item->valuestring)
		sodium_memzero(item->valuestring, strlen(item->valuestring));
}

/* The body to store: body itself when it carries no token (*sealed NULL), else a copy with
 * the token sealed in *sealed (caller frees). 0, or -1 (out of memory). */
static int idem_seal(const struct op_ctx *ctx, const char *body, char **sealed)
{
	*sealed = NULL;
	if (!body || !strstr(body, "\"token\""))
		return 0;
	cJSON *root = cJSON_Parse(body), *token = body_token(root);
	if (!token) {
		cJSON_Delete(root);
		return 0;
	}
	size_t n = strlen(token->valuestring);
	size_t blob_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	size_t b64_len = sodium_base64_ENCODED_LEN(blob_len, sodium_base64_VARIANT_ORIGINAL);
	uint8_t *blob = malloc(blob_len);
	char *b64 = malloc(b64_len);
	cJSON *box = cJSON_CreateObject();
	int rc = -1;
	if (blob && b64 && box) {
		uint8_t key[crypto_secretbox_KEYBYTES];
		idem_seal_key(ctx, key);
		randombytes_buf(blob, crypto_secretbox_NONCEBYTES);
		crypto_secretbox_easy(blob + crypto_secretbox_NONCEBYTES,
				      (const unsigned char *)token->valuestring, n, blob, key);
		sodium_memzero(key, sizeof key);
		sodium_bin2base64(b64, b64_len, blob, blob_len, sodium_base64_VARIANT_ORIGINAL);
		cJSON_AddStringToObject(box, "sealed", b64);
		wipe_string(token);
		if (cJSON_ReplaceItemInObjectCaseSensitive(root, "token", box)) {
			box = NULL;
			*sealed = cJSON_PrintUnformatted(root);
		}
		rc = *sealed ? 0 : -1;
	}
	wipe_string(body_token(root));
	cJSON_Delete(box);
	cJSON_Delete(root);
	free(blob);
	free(b64);
	return rc;
}

/* The token sealed in box, opened (caller wipes and frees), or NULL when it does not open. */
static char *idem_open_token(const struct op_ctx *ctx, const cJSON *box)
{
	const char *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(box, "sealed"));
	if (!b64)
		return NULL;
	size_t cap = strlen(b64), blob_len = 0;
	uint8_t *blob = malloc(cap + 1);
	char *token = NULL;
	if (blob &&
	    sodium_base642bin(blob, cap, b64, cap, NULL, &blob_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    blob_len >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
		size_t n = blob_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
		uint8_t key[crypto_secretbox_KEYBYTES];
		idem_seal_key(ctx, key);
		const uint8_t *box_bytes = blob + crypto_secretbox_NONCEBYTES;
		size_t box_len = blob_len - crypto_secretbox_NONCEBYTES;
		token = malloc(n + 1);
		if (token && crypto_secretbox_open_easy((unsigned char *)token, box_bytes, box_len,
							blob, key) == 0) {
			token[n] = '\0';
		} else {
			free(token);
			token = NULL;
		}
		sodium_memzero(key, sizeof key);
	}
	free(blob);
	return token;
}

/* A stored response as it is replayed: its sealed token opened. Takes stored; returns the
 * body to answer (NULL: out of memory). */
static char *idem_unseal(const struct op_ctx *ctx, char *stored)
{
	if (!strstr(stored, "\"sealed\""))
		return stored;
	cJSON *root = cJSON_Parse(stored);
	cJSON *box = cJSON_GetObjectItemCaseSensitive(root, "token");
	if (!cJSON_IsObject(box)) {
		cJSON_Delete(root);
		return stored;
	}
	free(stored);
	char *token = idem_open_token(ctx, box);
	cJSON *item = token ? cJSON_CreateString(token) : cJSON_CreateNull();
	if (token) {
		sodium_memzero(token, strlen(token));
		free(token);
	}
	char *body = NULL;
	if (item && cJSON_ReplaceItemInObjectCaseSensitive(root, "token", item))
		body = cJSON_PrintUnformatted(root);
	else
		cJSON_Delete(item);
	wipe_string(body_token(root));
	cJSON_Delete(root);
	return body;
}

/* 1: replayed into resp; 0: not seen; -1: error (422 on a reused key). */
static int idem_lookup(struct op_ctx *ctx, struct kx_response *resp, char digest[DIGEST_B64_LEN])
{
	const char *key = ctx->req->idempotency_key;
	size_t n = strlen(key);
	if (n == 0 || n > 255 || !json_utf8_valid(key, n))
		return kx_error_set(ctx->err, 400, "invalid_field", "Idempotency-Key",
				    "Idempotency-Key must be 1 to 255 characters");
	request_digest(ctx->req, digest);
	struct store_idem rec = {0};
	int found = store_idem_get(ctx->store, ctx->caller_tenant, ctx->req->who->actor_id, key, &rec);
	if (found < 0)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	if (found == 0)
		return 0;
	int rc = 1;
	if (strcmp(rec.request_digest, digest) != 0) {
		rc = kx_error_set(ctx->err, 422, "idempotency_key_reused", NULL,
				  "this Idempotency-Key was used for a different request");
	} else {
		resp->body = idem_unseal(ctx, rec.response);
		rec.response = NULL;
		if (!resp->body) {
			rc = kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
		} else {
			resp->status = rec.status;
			resp->location = rec.location;
			resp->content_type = "application/json";
			resp->replayed = true;
			rec.location = NULL;
		}
	}
	store_idem_free(&rec);
	return rc;
}

static int idem_record(struct op_ctx *ctx, const struct kx_response *resp, const char *digest)
{
	if (!ctx->req->idempotency_key)
		return 0;
	char *sealed;
	if (idem_seal(ctx, resp->body, &sealed))
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	struct store_idem rec = {.request_digest = (char *)digest,
				 .status = resp->status,
				 .response = sealed ? sealed : resp->body,
				 .location = resp->location};
	int rc = store_idem_put(ctx->store, ctx->caller_tenant, ctx->req->who->actor_id,
				ctx->req->idempotency_key, &rec, ctx->now, ctx->err);
	free(sealed);
	return rc;
}

/* ---- decision, receipt ---- */

/* A denial the caller may pass with X-Klaxon-Override: the profile must not forbid it
 * outright, and the caller must itself be allowed policy.override. */
static int try_override(struct op_ctx *ctx, struct authz *a, cJSON **override)
{
	const char *why = ctx->req->override;
	if (!why || a->allow || !a->overridable)
		return 0;
	if (!*why || strlen(why) > 1000 || !json_utf8_valid(why, strlen(why)))
		return kx_error_set(ctx->err, 400, "invalid_field", "X-Klaxon-Override",
				    "the override justification must be 1 to 1000 characters");
	struct authz may;
	if (authz_decide(ctx, "policy.override", &may))
		return -1;
	if (may.allow) {
		char digest[DIGEST_B64_LEN];
		digest_sha256_b64(why, strlen(why), digest);
		*override = cJSON_CreateObject();
		cJSON_AddItemToObject(*override, "rules", cJSON_Duplicate(a->rules, 1));
		cJSON_AddStringToObject(*override, "justification_digest", digest);
		a->allow = true;
	}
	authz_free(&may);
	return 0;
}

/* The full record kept beside the receipt; returns its text and digest. */
static char *decision_record(const struct op_ctx *ctx, const struct authz *a,
			     const cJSON *override, char digest[DIGEST_B64_LEN])
{
	cJSON *rec = authz_summary(a);
	cJSON_AddStringToObject(rec, "action", op_action(ctx->op));
	cJSON_AddStringToObject(rec, "evaluated_at", ctx->now);
	if (a->roles_version > 0)
		cJSON_AddNumberToObject(rec, "roles_version", a->roles_version);
	/* References, not copies: the record is printed and dropped while a holds them. */
	cJSON_AddItemReferenceToObject(rec, "input", a->input);
	cJSON_AddItemReferenceToObject(rec, "explanation", a->explanation);
	if (override) {
		cJSON *o = cJSON_Duplicate(override, 1);
		cJSON_AddStringToObject(o, "justification", ctx->req->override);
		cJSON_AddItemToObject(rec, "override", o);
	}
	char *text = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (text)
		digest_sha256_b64(text, strlen(text), digest);
	return text;
}

/* Steps 5 and 6: the receipt (for a denial too) and its leaf in the tenant's ledger. The
 * receipt's decision summary is returned for the response (caller owns it). */
cJSON *ops_write_receipt(struct op_ctx *ctx, const struct authz *a, const cJSON *override)
{
	char record_digest[DIGEST_B64_LEN], payload_digest[DIGEST_B64_LEN];
	char *record = decision_record(ctx, a, override, record_digest);
	if (!record) {
		kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	const struct kx_request *req = ctx->req;
	digest_sha256_b64(req->body ? req->body : "", req->body ? req->body_len : 0, payload_digest);
	cJSON *summary = authz_summary(a);
	cJSON_AddStringToObject(summary, "record_digest", record_digest);
	if (override)
		cJSON_AddItemToObject(summary, "override", cJSON_Duplicate(override, 1));

	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", ctx->receipt_id);
	cJSON_AddStringToObject(r, "tenant_id", ctx->tenant);
	cJSON_AddStringToObject(r, "at", ctx->now);
	cJSON_AddStringToObject(r, "actor", req->who->actor_id);
	cJSON_AddStringToObject(r, "action", op_action(ctx->op));
	cJSON_AddStringToObject(r, "resource", ctx->resource_id);
	cJSON_AddStringToObject(r, "request_id", ctx->request_id);
	cJSON_AddItemReferenceToObject(r, "decision", summary);
	cJSON_AddStringToObject(r, "payload_digest", payload_digest);
	if (ctx->signature)
		cJSON_AddStringToObject(r, "signature", ctx->signature);
	else
		cJSON_AddNullToObject(r, "signature");
	if (ctx->core->embedded)
		cJSON_AddStringToObject(r, "os_user", ctx->core->os_user);
	int rc = store_decision_insert(ctx->store, ctx->tenant, ctx->receipt_id, record_digest,
				       record, ctx->err);
	if (rc == 0)
		rc = ledger_append(ctx->core, ctx->tenant, r, ctx->now, ctx->err);
	cJSON_Delete(r);
	free(record);
	if (rc) {
		cJSON_Delete(summary);
		return NULL;
	}
	return summary;
}

int ops_system_receipt(struct kx_core *core, const char *tenant_id, const char *actor_id,
		       const char *action, const char *resource, const char *rule,
		       const char *payload, const char *signature, char receipt_id[KX_ID_MAX],
		       struct kx_error *err)
{
	struct kx_principal who;
	snprintf(who.tenant_id, sizeof who.tenant_id, "%s", tenant_id);
	snprintf(who.actor_id, sizeof who.actor_id, "%s", actor_id);
	struct kx_request req = {.op = action, .who = &who, .body = payload,
				 .body_len = payload ? strlen(payload) : 0};
	struct op_def op = {.name = action, .kind = OP_MUTATION};
	struct op_ctx ctx = {.op = &op, .core = core, .store = core_writer(core), .req = &req,
			     .err = err, .signature = signature};
	snprintf(ctx.tenant, sizeof ctx.tenant, "%s", tenant_id);
	kx_time_format(kx_clock_now_ms(), ctx.now);
	snprintf(ctx.resource_id, sizeof ctx.resource_id, "%s", resource);
	kx_id_new("req_", ctx.request_id);
	kx_id_new("rcp_", ctx.receipt_id);
	struct authz a = {.allow = true, .rules = cJSON_CreateArray(),
			  .explanation = cJSON_CreateArray(), .input = cJSON_CreateObject()};
	cJSON_AddItemToArray(a.rules, cJSON_CreateString(rule));
	cJSON *summary = ops_write_receipt(&ctx, &a, NULL);
	authz_free(&a);
	cJSON_Delete(summary);
	if (summary && receipt_id)
		memcpy(receipt_id, ctx.receipt_id, KX_ID_MAX);
	return summary ? 0 : -1;
}

/* A governed exception stays listed until an admin acknowledges it. */
static int record_exception(struct op_ctx *ctx, const cJSON *override)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "receipt_id", ctx->receipt_id);
	cJSON_AddStringToObject(e, "action", op_action(ctx->op));
	cJSON_AddStringToObject(e, "actor", ctx->req->who->actor_id);
	cJSON_AddStringToObject(e, "resource", ctx->resource_id);
	cJSON_AddItemToObject(e, "rules", cJSON_Duplicate(cJSON_GetObjectItem(override, "rules"), 1));
	cJSON_AddItemToObject(e, "justification_digest",
			      cJSON_Duplicate(cJSON_GetObjectItem(override, "justification_digest"), 1));
	cJSON_AddStringToObject(e, "at", ctx->now);
	int rc = store_exception_insert(ctx->store, ctx->tenant, e, ctx->err);
	cJSON_Delete(e);
	return rc;
}

/* Step 7: usage events in the mutation's transaction, paid by the caller's tenant. */
static int meter_mutation(struct op_ctx *ctx, bool allowed)
{
	const char *payer = ctx->caller_tenant;
	if (metering_record(ctx->store, payer, "api.request", 1, ctx->now_ms, ctx->request_id,
			    ctx->err))
		return -1;
	return metering_record(ctx->store, payer, allowed ? op_action(ctx->op) : "policy.deny", 1,
			       ctx->now_ms, ctx->request_id, ctx->err);
}

/* ---- the two paths ---- */

/* One mutation, as one member of a group commit (core_write): 0 when its changes stand (an
 * allow, a denial with its receipt, or a replay), -1 when they are to be rolled back — resp
 * holds the answer either way. */
static int run_mutation(struct op_ctx *ctx, struct kx_response *resp)
{
	char digest[DIGEST_B64_LEN] = "";
	struct authz a = {0};
	cJSON *override = NULL, *summary = NULL;
	int rc = 0;
	/* Instances sharing a store run a tenant's mutations one at a time: its ledger, its
	 * idempotency keys (a replay that reaches another instance while the first run is in
	 * flight waits for it, then replays) and the rows a change reads before writing. */
	if (ledger_lock(ctx->store, ctx->caller_tenant, ctx->err))
		goto fail;
	if (ctx->req->idempotency_key) {
		int seen = idem_lookup(ctx, resp, digest);
		if (seen < 0)
			goto fail;
		if (seen > 0)
			goto out;
	}
	if ((ctx->op->prepare && ctx->op->prepare(ctx)) || authz_decide(ctx, op_action(ctx->op), &a) ||
	    try_override(ctx, &a, &override))
		goto fail;
	if (a.allow && ctx->op->apply(ctx))
		goto fail;
	if (!(summary = ops_write_receipt(ctx, &a, override)) || meter_mutation(ctx, a.allow) ||
	    (override && record_exception(ctx, override)))
		goto fail;
	if (a.allow) {
		respond_ctx(resp, ctx);
	} else {
		struct kx_error denied;
		kx_error_set(&denied, 403, "policy_denied", NULL, "%s is denied by policy%s",
			     op_action(ctx->op), a.overridable ? "" : " (not overridable)");
		respond_error(resp, &denied, denial_decision(cJSON_Duplicate(summary, 1), &a));
	}
	if (idem_record(ctx, resp, digest)) {
		kx_response_free(resp);
		goto fail;
	}
	ctx->metered = true;
	goto out;
fail:
	rc = -1;
	respond_error(resp, ctx->err, NULL);
out:
	cJSON_Delete(override);
	cJSON_Delete(summary);
	authz_free(&a);
	return rc;
}

static void run_query(struct op_ctx *ctx, struct kx_response *resp)
{
	struct authz a = {0};
	if (ctx->op->prepare && ctx->op->prepare(ctx))
		goto fail;
	if (authz_decide(ctx, op_action(ctx->op), &a))
		goto fail;
	if (!a.allow) {
		struct kx_error denied;
		kx_error_set(&denied, 403, "policy_denied", NULL, "%s is denied by policy",
			     op_action(ctx->op));
		respond_error(resp, &denied, denial_decision(authz_summary(&a), &a));
		goto out;
	}
	if (ctx->op->apply(ctx))
		goto fail;
	respond_ctx(resp, ctx);
	goto out;
fail:
	respond_error(resp, ctx->err, NULL);
out:
	authz_free(&a);
}

static bool utf8_or_null(const char *s)
{
	return !s || json_utf8_valid(s, strlen(s));
}

/* API.md: UTF-8 everywhere. Bytes that are not would reach the store, which SQLite keeps and
 * PostgreSQL refuses; both stores answer the same instead: a path id that is not UTF-8 names
 * nothing (404), a query value that is not is a bad query (400). */
static int check_text(struct op_ctx *ctx)
{
	if (!utf8_or_null(ctx->req->id) || !utf8_or_null(ctx->req->sub_id))
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no such resource");
	for (const struct kx_param *p = ctx->req->query; p && p->name; p++)
		if (!utf8_or_null(p->value))
			return kx_error_set(ctx->err, 400, "invalid_query", p->name,
					    "query values must be UTF-8");
	return 0;
}

/* What every call needs before its operation: a time, ids, the caller and the body. */
static int ctx_begin(struct op_ctx *ctx, struct kx_response *resp)
{
	ctx->now_ms = kx_clock_now_ms();
	kx_time_format(ctx->now_ms, ctx->now);
	snprintf(ctx->request_id, sizeof ctx->request_id, "%s", resp->request_id);
	kx_id_new("rcp_", ctx->receipt_id);
	if (check_text(ctx) || load_subject(ctx) || parse_body(ctx)) {
		respond_error(resp, ctx->err, NULL);
		return -1;
	}
	return 0;
}

struct member {
	struct op_ctx *ctx;
	struct kx_response *resp;
	int rc;
};

/* A statement the store failed (a timeout, a lost database) reads as "no row" to the handler,
 * which may have answered 404: the answer becomes the store's 503, and the run a failure. */
static void store_failed_answer(struct op_ctx *ctx, struct kx_response *resp, int *rc)
{
	struct kx_error failed = {0};
	if (!ctx->store || store_txn_failure(ctx->store, &failed) == 0)
		return;
	response_clear(resp);
	*ctx->err = failed;
	respond_error(resp, ctx->err, NULL);
	*rc = -1;
}

static int mutation_member(void *cls, struct kx_error *err)
{
	(void)err; /* the member's own errors are in its response */
	struct member *m = cls;
	m->ctx->store = core_writer(m->ctx->core);
	m->rc = ctx_begin(m->ctx, m->resp) ? -1 : run_mutation(m->ctx, m->resp);
	store_failed_answer(m->ctx, m->resp, &m->rc);
	/* Freed on the thread that made them, the group's writer: freed by the caller's thread
	 * they contended for glibc's arena lock with the writer's next allocations. */
	if (!m->ctx->after_commit)
		ctx_free_trees(m->ctx);
	return m->rc;
}

/* How often a mutation is run again after it lost a deadlock, a serialisation conflict or an
 * incident version to another transaction (PostgreSQL store); nothing of a lost run stands. */
#define MUTATION_TRIES 20

/* Back to the state kx_call made, for another run of the same request. */
static void ctx_reset(struct op_ctx *ctx, struct kx_response *resp)
{
	ctx_free(ctx);
	*ctx = (struct op_ctx){.core = ctx->core, .store = ctx->store, .req = ctx->req,
			       .err = ctx->err, .op = ctx->op};
	kx_error_clear(ctx->err);
	response_clear(resp);
}

static void call_mutation(struct op_ctx *ctx, struct kx_response *resp)
{
	for (int attempt = 1;; attempt++) {
		struct member m = {ctx, resp, 0};
		struct kx_error commit_err = {0};
		if (core_write(ctx->core, mutation_member, &m, &commit_err) != 0 && m.rc == 0) {
			/* Its group could not commit: nothing it did stands, whatever it was to
			 * answer. */
			kx_response_free(resp);
			respond_error(resp, &commit_err, NULL);
			ctx->metered = false;
			ctx->after_commit = NULL;
		}
		if (m.rc == 0 || !ctx->err->retry || attempt == MUTATION_TRIES)
			return;
		ctx_reset(ctx, resp);
	}
}

static void call_query(struct op_ctx *ctx, struct kx_response *resp)
{
	struct store *r = core_reader_acquire(ctx->core, ctx->err);
	ctx->store = r;
	if (!r || store_begin_read(r, ctx->err)) {
		respond_error(resp, ctx->err, NULL);
	} else {
		if (ctx_begin(ctx, resp) == 0)
			run_query(ctx, resp);
		int rc = 0;
		store_failed_answer(ctx, resp, &rc);
		store_rollback(r);
	}
	core_reader_release(ctx->core, r);
	core_wait_durable(ctx->core);
}

void kx_call(struct kx_core *core, const struct kx_request *req, struct kx_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (request_id_ok(req->request_id))
		snprintf(resp->request_id, sizeof resp->request_id, "%s", req->request_id);
	else
		kx_id_new("req_", resp->request_id);
	struct kx_error err = {0};
	struct op_ctx ctx = {.core = core, .store = core->store, .req = req, .err = &err};
	ctx.op = op_find(req->op);
	if (!ctx.op) {
		kx_error_set(&err, 404, "not_found", NULL, "no such operation");
		respond_error(resp, &err, NULL);
		return;
	}
	if (ctx.op->kind == OP_MUTATION)
		call_mutation(&ctx, resp);
	else
		call_query(&ctx, resp);
	/* A mutation's api.request went into its transaction; everything else is counted here. */
	if (!ctx.metered)
		metering_count(core->meter, ctx.caller_tenant ? ctx.caller_tenant : METERING_UNATTRIBUTED,
			       "api.request", ctx.now_ms ? ctx.now_ms : kx_clock_now_ms());
	if (metering_due(core->meter, kx_clock_now_ms()))
		kx_core_flush_usage(core);
	if (ctx.after_commit && resp->status < 300 && !resp->replayed)
		ctx.after_commit(&ctx, resp);
	ctx_free(&ctx);
}
