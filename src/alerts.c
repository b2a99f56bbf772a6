/* alert.list: the conditions an on-call engineer should see as banners (DESIGN.md
 * "Observability"): an approval backlog, failed incident transitions, integrity failures,
 * unacknowledged governed exceptions — for the caller's tenant. */
#include <stdio.h>
#include <string.h>

#include "ops.h"

#define ALERT_BACKLOG_COUNT 5
#define ALERT_BACKLOG_AGE_MS (30 * 60 * 1000)
#define ALERT_TRANSITION_WINDOW_MS (15 * 60 * 1000)
#define ALERT_TRANSITION_COUNT 3

static void add(cJSON *items, const char *kind, const char *severity, const char *message,
		double count)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "kind", kind);
	cJSON_AddStringToObject(a, "severity", severity);
	cJSON_AddStringToObject(a, "message", message);
	cJSON_AddNumberToObject(a, "count", count);
	cJSON_AddItemToArray(items, a);
}

static void approval_backlog(struct op_ctx *ctx, cJSON *items)
{
	cJSON *pending = store_approvals_pending(ctx->store, ctx->tenant, 500);
	int n = cJSON_GetArraySize(pending);
	int64_t oldest = 0;
	const char *at = n ? cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(pending, 0),
								      "requested_at"))
			   : NULL;
	if (at && !kx_time_parse(at, &oldest) &&
	    (n >= ALERT_BACKLOG_COUNT || ctx->now_ms - oldest > ALERT_BACKLOG_AGE_MS)) {
		char msg[160];
		snprintf(msg, sizeof msg, "%d approval%s waiting, the oldest for %lld min", n,
			 n == 1 ? "" : "s", (long long)((ctx->now_ms - oldest) / 60000));
		add(items, "approval_backlog", "warning", msg, n);
	}
	cJSON_Delete(pending);
}

static void transition_failures(struct op_ctx *ctx, cJSON *items)
{
	int n = core_stats_transition_failures(ctx->core, ctx->tenant,
					       ctx->now_ms - ALERT_TRANSITION_WINDOW_MS);
	if (n >= ALERT_TRANSITION_COUNT) {
		char msg[128];
		snprintf(msg, sizeof msg, "%d incident state changes refused in 15 min", n);
		add(items, "incident_transition_failures", "warning", msg, n);
	}
}

static int list_apply(struct op_ctx *ctx)
{
	cJSON *items = cJSON_CreateArray();
	approval_backlog(ctx, items);
	transition_failures(ctx, items);
	if (ctx->core->integrity_failed)
		add(items, "integrity_failure", "critical",
		    "ledger verification failed: run `klaxon ledger verify` on the store", 1);
	cJSON *open = store_exception_list(ctx->store, ctx->tenant, true);
	int n = cJSON_GetArraySize(open);
	if (n > 0) {
		char msg[96];
		snprintf(msg, sizeof msg, "%d governed exception%s not acknowledged", n, n == 1 ? "" : "s");
		add(items, "unacknowledged_exceptions", "warning", msg, n);
	}
	cJSON_Delete(open);
	ctx->result = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx->result, "items", items);
	return 0;
}

const struct op_def alert_ops[] = {
	{"alert.list", OP_QUERY, NULL, list_apply, NULL, NULL},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
