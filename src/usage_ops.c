/* usage.report: a tenant's usage over a window from the hourly rollups, in hour or day buckets
 * (GET /tenants/{id}/usage), and the platform-wide report with the attribution ratio
 * (GET /usage, platform admins only). Counts still buffered in memory are included, so a
 * report never lags the requests it follows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenant.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

struct usage_point {
	char bucket[KX_TIME_LEN];
	char type[48];
	char tenant[64];
	int64_t units;
};

struct usage_report {
	bool by_day;
	bool platform;
	int64_t from_ms, to_ms;
	char from[KX_TIME_LEN], to[KX_TIME_LEN];
	struct usage_point *p;
	size_t n, cap;
	bool oom;
	/* The latest bucket so far and its first point: the store hands rows over in bucket
	 * order, so a row's point is among the latest bucket's few, or new. */
	char newest[KX_TIME_LEN];
	size_t newest_from;
};

static void report_free(void *state)
{
	struct usage_report *r = state;
	if (r)
		free(r->p);
	free(r);
}

/* ---- the window ---- */

static int query_time(struct op_ctx *ctx, const char *name, int64_t *ms, bool *given)
{
	const char *v = op_query(ctx, name);
	*given = v && *v;
	if (*given && kx_time_parse(v, ms))
		return kx_error_set(ctx->err, 400, "invalid_query", name, "%s is an RFC 3339 time",
				    name);
	return 0;
}

/* from/to default to the last day (hour buckets) or the last 30 days (day buckets); a
 * rollup hour counts whole when it overlaps the window. */
static int window_prepare(struct op_ctx *ctx, bool platform)
{
	struct usage_report *r = calloc(1, sizeof *r);
	if (!r)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	ctx->state = r;
	ctx->state_free = report_free;
	r->platform = platform;
	const char *bucket = op_query(ctx, "bucket");
	if (bucket && strcmp(bucket, "hour") != 0 && strcmp(bucket, "day") != 0)
		return kx_error_set(ctx->err, 400, "invalid_query", "bucket", "bucket is hour or day");
	r->by_day = bucket && strcmp(bucket, "day") == 0;
	bool has_from, has_to;
	if (query_time(ctx, "from", &r->from_ms, &has_from) ||
	    query_time(ctx, "to", &r->to_ms, &has_to))
		return -1;
	if (!has_to)
		r->to_ms = ctx->now_ms;
	if (!has_from)
		r->from_ms = r->to_ms - (r->by_day ? 30 * DAY_MS : DAY_MS);
	if (r->from_ms >= r->to_ms)
		return kx_error_set(ctx->err, 400, "invalid_query", "to", "to must be after from");
	kx_time_format(r->from_ms, r->from);
	kx_time_format(r->to_ms, r->to);
	return 0;
}

static int tenant_usage_prepare(struct op_ctx *ctx)
{
	return tenant_load_visible(ctx, ctx->req->id) || window_prepare(ctx, false) ? -1 : 0;
}

static int platform_usage_prepare(struct op_ctx *ctx)
{
	return window_prepare(ctx, true);
}

static int platform_usage_authorize(struct op_ctx *ctx, bool *allow, const char **rule)
{
	*allow = tenant_actor_is_platform_admin(ctx->subject);
	*rule = *allow ? "tenancy:platform-admin" : "tenancy:platform-usage-is-for-platform-admins";
	return 0;
}

/* ---- gathering ---- */

static void point_add(struct usage_report *r, const char *tenant, const char *bucket,
		      const char *type, int64_t units)
{
	/* A bucket after every one so far has no point yet; the latest one's points are all from
	 * newest_from on; any other (counts still in memory) may be anywhere. */
	int order = r->n ? strcmp(bucket, r->newest) : 1;
	size_t from = order > 0 ? r->n : order == 0 ? r->newest_from : 0;
	for (size_t i = r->n; i-- > from;) {
		struct usage_point *p = &r->p[i];
		if (!strcmp(p->bucket, bucket) && !strcmp(p->type, type) && !strcmp(p->tenant, tenant)) {
			p->units += units;
			return;
		}
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct usage_point *p = realloc(r->p, cap * sizeof *p);
		if (!p) {
			r->oom = true;
			return;
		}
		r->p = p;
		r->cap = cap;
	}
	if (order > 0) {
		snprintf(r->newest, sizeof r->newest, "%s", bucket);
		r->newest_from = r->n;
	}
	struct usage_point *p = &r->p[r->n++];
	snprintf(p->bucket, sizeof p->bucket, "%s", bucket);
	snprintf(p->type, sizeof p->type, "%s", type);
	snprintf(p->tenant, sizeof p->tenant, "%s", tenant);
	p->units = units;
}

static int from_store(void *ctx, const char *tenant, const char *bucket, const char *type,
		      int64_t units)
{
	point_add(ctx, tenant ? tenant : "", bucket, type, units);
	return 0;
}

struct pending_ctx {
	struct usage_report *r;
	const char *tenant; /* NULL: every tenant */
};

static void from_memory(void *ctx, const char *tenant, int64_t hour_ms, const char *type,
			int64_t units)
{
	struct pending_ctx *pc = ctx;
	struct usage_report *r = pc->r;
	if ((pc->tenant && strcmp(pc->tenant, tenant) != 0) || hour_ms + HOUR_MS <= r->from_ms ||
	    hour_ms >= r->to_ms)
		return;
	char bucket[KX_TIME_LEN];
	kx_time_format(r->by_day ? hour_ms - hour_ms % DAY_MS : hour_ms, bucket);
	point_add(r, tenant, bucket, type, units);
}

static int by_bucket(const void *a, const void *b)
{
	const struct usage_point *x = a, *y = b;
	int c = strcmp(x->bucket, y->bucket);
	return c ? c : strcmp(x->type, y->type);
}

static void add_units(cJSON *obj, const char *key, int64_t units)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (v)
		cJSON_SetNumberValue(v, v->valuedouble + (double)units);
	else
		cJSON_AddNumberToObject(obj, key, (double)units);
}

/* {tenant_id, from, to, totals, series}; the platform report adds tenants and attribution.
 * Series merge every tenant's units per bucket and type. */
static cJSON *report_json(struct usage_report *r, const char *tenant)
{
	if (r->n > 1) /* an empty report has no array at all */
		qsort(r->p, r->n, sizeof r->p[0], by_bucket);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "tenant_id", tenant ? cJSON_CreateString(tenant) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "from", r->from);
	cJSON_AddStringToObject(o, "to", r->to);
	cJSON_AddStringToObject(o, "bucket", r->by_day ? "day" : "hour");
	cJSON *totals = cJSON_AddObjectToObject(o, "totals");
	cJSON *series = cJSON_AddArrayToObject(o, "series");
	cJSON *tenants = r->platform ? cJSON_CreateObject() : NULL;
	int64_t attributed = 0, total = 0;
	cJSON *last = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct usage_point *p = &r->p[i];
		add_units(totals, p->type, p->units);
		if (last && !strcmp(p[-1].bucket, p->bucket) && !strcmp(p[-1].type, p->type)) {
			add_units(last, "units", p->units);
		} else {
			last = cJSON_CreateObject();
			cJSON_AddStringToObject(last, "bucket_start", p->bucket);
			cJSON_AddStringToObject(last, "event_type", p->type);
			cJSON_AddNumberToObject(last, "units", (double)p->units);
			cJSON_AddItemToArray(series, last);
		}
		if (tenants && p->tenant[0]) {
			cJSON *t = cJSON_GetObjectItemCaseSensitive(tenants, p->tenant);
			add_units(t ? t : cJSON_AddObjectToObject(tenants, p->tenant), p->type, p->units);
		}
		if (!strcmp(p->type, "api.request")) {
			total += p->units;
			attributed += p->tenant[0] ? p->units : 0;
		}
	}
	if (tenants) {
		cJSON_AddItemToObject(o, "tenants", tenants);
		cJSON *a = cJSON_AddObjectToObject(o, "attribution");
		cJSON_AddNumberToObject(a, "attributed", (double)attributed);
		cJSON_AddNumberToObject(a, "total", (double)total);
		cJSON_AddNumberToObject(a, "ratio", total ? (double)attributed / (double)total : 1.0);
	}
	return o;
}

static int usage_apply(struct op_ctx *ctx)
{
	struct usage_report *r = ctx->state;
	const char *tenant = r->platform ? NULL : ctx->tenant;
	char from_hour[KX_TIME_LEN];
	kx_time_format(r->from_ms - r->from_ms % HOUR_MS, from_hour);
	if (store_usage_walk(ctx->store, tenant, from_hour, r->to, r->by_day, from_store, r))
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	struct pending_ctx pc = {r, tenant};
	metering_pending(ctx->core->meter, from_memory, &pc);
	if (r->oom)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	ctx->result = report_json(r, tenant);
	return 0;
}

const struct op_def usage_ops[] = {
	{"usage.report", OP_QUERY, tenant_usage_prepare, usage_apply, tenant_authorize_cross, NULL},
	{"usage.platform", OP_QUERY, platform_usage_prepare, usage_apply, platform_usage_authorize,
	 "usage.report"},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
