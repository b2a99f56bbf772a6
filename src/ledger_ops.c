/* Reading receipts and the ledger: receipt.get (with an inclusion proof and the checkpoint it
 * is proven against), receipt.list, the signed checkpoint and consistency proofs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ops.h"

/* A non-negative decimal query parameter; -1 when absent, -2 when malformed. */
static int64_t query_u64(const struct op_ctx *ctx, const char *name)
{
	const char *v = op_query(ctx, name);
	if (!v)
		return -1;
	char *end = NULL;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < 0 || v[0] == '-' || v[0] == '+' || errno == ERANGE)
		return -2;
	return n;
}

static int receipt_get_apply(struct op_ctx *ctx)
{
	char *leaf = NULL;
	cJSON *r = ctx->req->id ? store_receipt_get(ctx->store, ctx->tenant, ctx->req->id, &leaf)
				: NULL;
	if (!r)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no receipt %s",
				    ctx->req->id ? ctx->req->id : "(none)");
	const char *proof = op_query(ctx, "proof");
	if (proof && strcmp(proof, "true") == 0) {
		uint64_t size = 0;
		char *note = store_checkpoint_get(ctx->store, ctx->tenant, 0, &size);
		merkle_hash hashes[MERKLE_MAX_PROOF];
		size_t n = 0;
		uint64_t index = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "leaf_index"));
		/* A query runs on a reader, which sees committed data only. */
		struct ledger_nodes nodes;
		ledger_nodes_init(&nodes, ctx->store, ctx->core->ledger_nodes, ctx->tenant);
		if (!note || ledger_prove_inclusion(&nodes, index, size, hashes, &n)) {
			free(note);
			free(leaf);
			cJSON_Delete(r);
			return kx_error_set(ctx->err, 503, "unavailable", NULL,
					    "the ledger cannot prove this receipt");
		}
		cJSON_AddStringToObject(r, "leaf", leaf);
		cJSON *p = cJSON_AddObjectToObject(r, "proof");
		cJSON_AddNumberToObject(p, "leaf_index", (double)index);
		cJSON_AddNumberToObject(p, "tree_size", (double)size);
		cJSON_AddItemToObject(p, "hashes", ledger_hashes_json(hashes, n));
		cJSON_AddStringToObject(r, "checkpoint", note);
		free(note);
	}
	free(leaf);
	ctx->result = r;
	return 0;
}

static int receipt_list_apply(struct op_ctx *ctx)
{
	struct store_receipt_filter f = {
		.action = op_query(ctx, "action"),
		.resource = op_query(ctx, "resource"),
		.from = op_query(ctx, "from"),
		.to = op_query(ctx, "to"),
	};
	int64_t ms;
	if ((f.from && kx_time_parse(f.from, &ms)) || (f.to && kx_time_parse(f.to, &ms)))
		return kx_error_set(ctx->err, 400, "invalid_query", f.from ? "from" : "to",
				    "from and to are RFC 3339 times");
	int64_t cursor = query_u64(ctx, "cursor");
	if (cursor == -2)
		return kx_error_set(ctx->err, 400, "invalid_query", "cursor", "not a cursor");
	f.after_seq = cursor < 0 ? 0 : cursor;
	if (op_query_limit(ctx, &f.limit))
		return -1;
	cJSON *items = store_receipt_list(ctx->store, ctx->tenant, &f);
	if (!items)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	ctx->result = op_page(items, f.limit, "seq");
	return 0;
}

static int checkpoint_apply(struct op_ctx *ctx)
{
	int64_t size = query_u64(ctx, "size");
	if (size == -2 || size == 0)
		return kx_error_set(ctx->err, 400, "invalid_query", "size",
				    "size is a positive tree size");
	char *note = store_checkpoint_get(ctx->store, ctx->tenant, size < 0 ? 0 : (uint64_t)size, NULL);
	if (!note)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no checkpoint at that size");
	ctx->text = note;
	return 0;
}

static int consistency_apply(struct op_ctx *ctx)
{
	int64_t from = query_u64(ctx, "from"), to = query_u64(ctx, "to");
	int64_t size = store_ledger_size(ctx->store, ctx->tenant);
	if (from < 1 || to < from)
		return kx_error_set(ctx->err, 400, "invalid_query", "from",
				    "consistency needs 0 < from <= to");
	if (to > size)
		return kx_error_set(ctx->err, 404, "not_found", "to",
				    "the ledger has %" PRId64 " receipts", size);
	merkle_hash hashes[MERKLE_MAX_PROOF];
	size_t n = 0;
	struct ledger_nodes nodes;
	ledger_nodes_init(&nodes, ctx->store, ctx->core->ledger_nodes, ctx->tenant);
	if (ledger_prove_consistency(&nodes, (uint64_t)from, (uint64_t)to, hashes, &n))
		return kx_error_set(ctx->err, 503, "unavailable", NULL,
				    "the ledger cannot prove consistency");
	ctx->result = cJSON_CreateObject();
	cJSON_AddNumberToObject(ctx->result, "from_size", (double)from);
	cJSON_AddNumberToObject(ctx->result, "to_size", (double)to);
	cJSON_AddItemToObject(ctx->result, "hashes", ledger_hashes_json(hashes, n));
	return 0;
}

const struct op_def ledger_ops[] = {
	{"receipt.get", OP_QUERY, NULL, receipt_get_apply, NULL, NULL},
	{"receipt.list", OP_QUERY, NULL, receipt_list_apply, NULL, NULL},
	{"ledger.get", OP_QUERY, NULL, checkpoint_apply, NULL, NULL},
	{"ledger.consistency", OP_QUERY, NULL, consistency_apply, NULL, "ledger.get"},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
