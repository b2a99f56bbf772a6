/* Governed exceptions (break-glass): listing the denials that were passed with a
 * justification, and their acknowledgement by an admin. */
#include <stdio.h>
#include <string.h>

#include "tenant.h"

static int tenant_prepare(struct op_ctx *ctx)
{
	return tenant_load_visible(ctx, ctx->req->id);
}

static int list_apply(struct op_ctx *ctx)
{
	const char *all = op_query(ctx, "all");
	cJSON *items = store_exception_list(ctx->store, ctx->tenant, !(all && !strcmp(all, "true")));
	return op_items(ctx, items);
}

static int ack_prepare(struct op_ctx *ctx)
{
	if (tenant_load_visible(ctx, ctx->req->id))
		return -1;
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s",
		 ctx->req->sub_id ? ctx->req->sub_id : "");
	return 0;
}

static int ack_apply(struct op_ctx *ctx)
{
	int rc = store_exception_acknowledge(ctx->store, ctx->tenant, ctx->resource_id,
					     ctx->req->who->actor_id, ctx->now, ctx->err);
	if (rc > 0)
		return kx_error_set(ctx->err, 404, "not_found", NULL,
				    "no open exception %s", ctx->resource_id);
	if (rc < 0)
		return -1;
	ctx->result = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx->result, "receipt_id", ctx->resource_id);
	cJSON_AddStringToObject(ctx->result, "acknowledged_by", ctx->req->who->actor_id);
	cJSON_AddStringToObject(ctx->result, "acknowledged_at", ctx->now);
	return 0;
}

const struct op_def exception_ops[] = {
	{"exception.list", OP_QUERY, tenant_prepare, list_apply, tenant_authorize_cross, NULL},
	{"exception.acknowledge", OP_MUTATION, ack_prepare, ack_apply, tenant_authorize_cross, NULL},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
