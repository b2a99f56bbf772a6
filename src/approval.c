/* step.approve and approval.list. An approval is a statement the approver signs with the key
 * registered on their actor; the receipt carries the signature, so the ledger holds the
 * approver's own proof of what they approved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "execution.h"
#include "ids.h"
#include "json_input.h"
#include "minisign.h"
#include "ops.h"

#define APPROVAL_MAX_AGE_MS (10 * 60 * 1000)
#define APPROVAL_MAX_SKEW_MS (60 * 1000)

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

struct approve_op {
	struct exec_state st;
	int step_idx;
	cJSON *statement;
	const cJSON *gate; /* the document's {count, roles} */
};

static void approve_op_free(void *p)
{
	struct approve_op *a = p;
	if (!a)
		return;
	exec_state_free(&a->st);
	cJSON_Delete(a->statement);
	free(a);
}

static int conflict(struct op_ctx *ctx, const char *why)
{
	return kx_error_set(ctx->err, 409, "conflict", NULL, "%s", why);
}

/* The signature must verify against the caller's registered key. */
static int verify_statement(struct op_ctx *ctx, const char *statement, const char *signature)
{
	const char *pk_text = str(ctx->subject, "public_key");
	struct minisign_pubkey pk;
	struct kx_error perr = {0};
	if (!pk_text || minisign_pubkey_parse(pk_text, &pk, &perr) ||
	    minisign_verify(&pk, statement, strlen(statement), signature, NULL, &perr))
		return kx_error_set(ctx->err, 403, "signature_invalid", "signature",
				    pk_text ? "the statement's signature does not verify against "
					      "your registered key"
					    : "no public key is registered on your actor");
	return 0;
}

/* The statement must be about this gate, by this approver, fresh and never seen. */
static int check_statement(struct op_ctx *ctx, struct approve_op *a)
{
	const cJSON *s = a->statement;
	const char *decision = str(s, "decision"), *nonce = str(s, "nonce"), *at = str(s, "at");
	if (!str(s, "execution_id") || strcmp(str(s, "execution_id"), ctx->req->id) ||
	    !str(s, "step_id") || strcmp(str(s, "step_id"), ctx->req->sub_id) ||
	    !str(s, "runbook_digest") ||
	    strcmp(str(s, "runbook_digest"), str(a->st.execution, "runbook_digest")))
		return conflict(ctx, "the statement is about another execution, step or version");
	if (!str(s, "approver") || strcmp(str(s, "approver"), ctx->req->who->actor_id))
		return kx_error_set(ctx->err, 403, "signature_invalid", "statement",
				    "the statement names another approver");
	if (!decision || (strcmp(decision, "approve") && strcmp(decision, "reject")))
		return kx_error_set(ctx->err, 400, "invalid_field", "statement.decision",
				    "decision is approve or reject");
	if (!nonce || strlen(nonce) < 8 || strlen(nonce) > 128)
		return kx_error_set(ctx->err, 400, "invalid_field", "statement.nonce",
				    "a nonce of 8 to 128 characters");
	int64_t when;
	if (!at || kx_time_parse(at, &when))
		return kx_error_set(ctx->err, 400, "invalid_field", "statement.at",
				    "at is an RFC 3339 time");
	if (when < ctx->now_ms - APPROVAL_MAX_AGE_MS || when > ctx->now_ms + APPROVAL_MAX_SKEW_MS)
		return conflict(ctx, "the statement is older than 10 minutes or from the future");
	int seen = store_approval_seen(ctx->store, ctx->tenant, ctx->req->id, ctx->req->sub_id,
				       ctx->req->who->actor_id, nonce);
	if (seen)
		return seen < 0 ? kx_error_set(ctx->err, 503, "unavailable", NULL, "store error")
				: conflict(ctx, "this approver already decided, or the nonce was used");
	if (strcmp(exec_step_status(&a->st, a->step_idx), "awaiting_approval") ||
	    exec_is_finished(exec_status(&a->st)))
		return conflict(ctx, "the gate is not open");
	return 0;
}

static int approve_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"statement", "signature", NULL};
	const char *statement, *signature;
	struct approve_op *a = calloc(1, sizeof *a);
	if (!a)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	ctx->state = a;
	ctx->state_free = approve_op_free;
	if (op_body_only(ctx, allowed) || op_body_string(ctx, "statement", true, 8192, &statement) ||
	    op_body_string(ctx, "signature", true, 4096, &signature))
		return -1;
	int rc = exec_load(ctx->store, ctx->tenant, ctx->req->id, &a->st, ctx->err);
	if (rc == 2)
		return -1; /* the gate's quorum is not read from a document that fails its check */
	if (rc)
		return kx_error_set(ctx->err, rc > 0 ? 404 : 503, rc > 0 ? "not_found" : "unavailable",
				    NULL, "no execution %s", ctx->req->id ? ctx->req->id : "(none)");
	a->step_idx = -1;
	for (int i = 0; ctx->req->sub_id && i < exec_step_count(&a->st); i++)
		if (!strcmp(str(exec_step(&a->st, i), "id"), ctx->req->sub_id))
			a->step_idx = i;
	if (a->step_idx < 0)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no such step");
	if (strcmp(str(exec_step(&a->st, a->step_idx), "kind"), "approval"))
		return conflict(ctx, "only approval steps are approved");
	a->gate = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(a->st.doc, "steps"),
							 a->step_idx), "approvals");
	if (verify_statement(ctx, statement, signature))
		return -1;
	struct kx_error jerr = {0};
	a->statement = json_input_object(statement, strlen(statement), &jerr);
	if (!a->statement)
		return kx_error_set(ctx->err, 400, "invalid_field", "statement", "%s", jerr.message);
	if (check_statement(ctx, a))
		return -1;
	ctx->resource = cJSON_Duplicate(a->st.execution, 1);
	cJSON_AddStringToObject(ctx->resource, "risk", a->st.risk);
	cJSON_AddStringToObject(ctx->resource, "step_id", ctx->req->sub_id);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%.48s/%.40s", ctx->req->id,
		 ctx->req->sub_id);
	ctx->change = cJSON_Duplicate(a->statement, 1);
	ctx->signature = signature;
	return 0;
}

/* The launcher never approves their own run, and the approver must hold a required role;
 * both are denials with a receipt. Otherwise the tenant's policy decides step.approve. */
static int approve_authorize(struct op_ctx *ctx, bool *allow, const char **rule)
{
	struct approve_op *a = ctx->state;
	if (!strcmp(str(a->st.execution, "launched_by"), ctx->req->who->actor_id)) {
		*allow = false;
		*rule = "approval:launcher-cannot-approve";
		return 0;
	}
	const cJSON *need = cJSON_GetObjectItem(a->gate, "roles"), *r, *have;
	cJSON_ArrayForEach(r, need)
	{
		cJSON_ArrayForEach(have, cJSON_GetObjectItem(ctx->subject, "roles"))
		{
			if (cJSON_IsString(have) && cJSON_IsString(r) &&
			    !strcmp(have->valuestring, r->valuestring))
				return 1;
		}
	}
	*allow = false;
	*rule = "approval:role-required";
	return 0;
}

static int approve_apply(struct op_ctx *ctx)
{
	struct approve_op *a = ctx->state;
	const char *decision = str(a->statement, "decision");
	bool approve = !strcmp(decision, "approve");
	cJSON *row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "execution_id", ctx->req->id);
	cJSON_AddStringToObject(row, "step_id", ctx->req->sub_id);
	cJSON_AddStringToObject(row, "approver", ctx->req->who->actor_id);
	cJSON_AddStringToObject(row, "decision", decision);
	cJSON_AddStringToObject(row, "statement", str(ctx->body, "statement"));
	cJSON_AddStringToObject(row, "signature", ctx->signature);
	cJSON_AddStringToObject(row, "nonce", str(a->statement, "nonce"));
	cJSON_AddStringToObject(row, "at", ctx->now);
	cJSON_AddStringToObject(row, "receipt_id", ctx->receipt_id);
	int rc = store_approval_insert(ctx->store, ctx->tenant, row, ctx->err);
	cJSON *step = exec_step(&a->st, a->step_idx);
	int granted = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(step, "approvals")) + approve;
	int required = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(a->gate, "count"));
	exec_set(step, "approvals", cJSON_CreateNumber(granted));
	exec_set(step, "receipt_id", cJSON_CreateString(ctx->receipt_id));
	if (!approve || granted >= required) {
		int64_t opened;
		if (!kx_time_parse(str(step, "started_at"), &opened))
			core_stats_approval_cycle(ctx->core, (double)(ctx->now_ms - opened) / 1e3);
		exec_set(step, "status", cJSON_CreateString(approve ? "succeeded" : "failed"));
		exec_set(step, "finished_at", cJSON_CreateString(ctx->now));
	}
	cJSON *data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "step_id", ctx->req->sub_id);
	cJSON_AddNumberToObject(data, "granted", granted);
	cJSON_AddNumberToObject(data, "required", required);
	if (rc == 0)
		rc = exec_save_step(ctx->store, ctx->tenant, &a->st, a->step_idx, ctx->err);
	if (rc == 0 && !approve) /* a reject fails the gate and the execution */
		rc = exec_set_status(ctx->store, ctx->tenant, &a->st, "failed", ctx->now,
				     ctx->receipt_id, ctx->err);
	if (rc == 0)
		rc = exec_settle(ctx->store, ctx->tenant, &a->st, ctx->now, ctx->receipt_id, ctx->err);
	if (rc == 0)
		rc = exec_timeline(ctx->store, ctx->tenant, &a->st,
				   approve ? "approval_granted" : "approval_rejected",
				   ctx->req->who->actor_id, data, ctx->receipt_id, ctx->now, ctx->err);
	else
		cJSON_Delete(data);
	cJSON_DeleteItemFromObject(row, "statement");
	cJSON_AddNumberToObject(row, "granted", granted);
	cJSON_AddNumberToObject(row, "required", required);
	cJSON_AddStringToObject(row, "step_status", exec_step_status(&a->st, a->step_idx));
	ctx->result = row;
	return rc;
}

/* The list's cursor is the last gate's key, "requested_at~execution_id~step_index": gates
 * requested in one millisecond would be skipped or repeated by a cursor of the time alone. */
struct approval_cursor {
	char at[KX_TIME_LEN];
	char execution_id[KX_ID_MAX];
	struct store_approval_key key;
};

static int approval_cursor_parse(const char *text, struct approval_cursor *c)
{
	const char *t1 = strchr(text, '~'), *t2 = t1 ? strchr(t1 + 1, '~') : NULL;
	if (!t2 || (size_t)(t1 - text) >= sizeof c->at ||
	    (size_t)(t2 - t1 - 1) >= sizeof c->execution_id)
		return -1;
	memcpy(c->at, text, (size_t)(t1 - text));
	c->at[t1 - text] = '\0';
	memcpy(c->execution_id, t1 + 1, (size_t)(t2 - t1 - 1));
	c->execution_id[t2 - t1 - 1] = '\0';
	int64_t ms;
	char *end = NULL;
	long idx = strtol(t2 + 1, &end, 10);
	if (kx_time_parse(c->at, &ms) || !kx_id_valid(c->execution_id, "exe_") ||
	    t2[1] < '0' || t2[1] > '9' || *end || idx > 9999)
		return -1;
	c->key = (struct store_approval_key){c->at, c->execution_id, (int)idx};
	return 0;
}

/* Replaces next_cursor (set by op_page when there is a next page) with the last gate's key. */
static void approval_cursor_set(cJSON *page, int limit)
{
	if (!cJSON_IsString(cJSON_GetObjectItem(page, "next_cursor")))
		return;
	const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItem(page, "items"), limit - 1);
	char buf[KX_TIME_LEN + KX_ID_MAX + 16];
	snprintf(buf, sizeof buf, "%s~%s~%d", str(last, "requested_at"), str(last, "execution_id"),
		 (int)cJSON_GetNumberValue(cJSON_GetObjectItem(last, "step_index")));
	cJSON_ReplaceItemInObject(page, "next_cursor", cJSON_CreateString(buf));
}

static int list_apply(struct op_ctx *ctx)
{
	const char *status = op_query(ctx, "status");
	const char *cursor = op_query(ctx, "cursor");
	struct approval_cursor after;
	int limit;
	if (status && strcmp(status, "pending"))
		return kx_error_set(ctx->err, 400, "invalid_query", "status",
				    "approvals are listed by status=pending");
	if (cursor && approval_cursor_parse(cursor, &after))
		return kx_error_set(ctx->err, 400, "invalid_query", "cursor", "not a cursor");
	if (op_query_limit(ctx, &limit))
		return -1;
	cJSON *items = store_approvals_pending_after(ctx->store, ctx->tenant,
						     cursor ? &after.key : NULL, limit);
	if (!items)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	ctx->result = op_page(items, limit, "execution_id");
	approval_cursor_set(ctx->result, limit);
	/* The quorum each gate needs is in its pinned document. */
	cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		struct exec_state st;
		if (exec_load(ctx->store, ctx->tenant, str(it, "execution_id"), &st, NULL) != 0)
			continue;
		int idx = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "step_index"));
		const cJSON *gate = cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(st.doc, "steps"), idx), "approvals");
		cJSON_AddItemToObject(it, "required", cJSON_Duplicate(cJSON_GetObjectItem(gate, "count"), 1));
		cJSON_AddItemToObject(it, "roles", cJSON_Duplicate(cJSON_GetObjectItem(gate, "roles"), 1));
		cJSON_AddStringToObject(it, "status", "pending");
		exec_state_free(&st);
	}
	return 0;
}

const struct op_def approval_ops[] = {
	{"step.approve", OP_MUTATION, approve_prepare, approve_apply, approve_authorize, NULL},
	{"approval.list", OP_QUERY, NULL, list_apply, NULL, NULL},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
