/* SQL for metering (raw usage events plus hourly rollups) and idempotency records. */
#include <stdlib.h>
#include <string.h>

#include "store_lite.h"

int lite_usage_add(struct store *base, const char *tenant_id, const char *event_type,
		    int64_t units, const char *at, const char *request_id, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char ev[] = "INSERT INTO usage_events(tenant_id, event_type, units, at,"
				 " request_id) VALUES (?,?,?,?,?)";
	/* The hour bucket is the first 13 characters of the RFC 3339 time: "2026-11-28T16". */
	static const char roll[] = "INSERT INTO usage_rollups(tenant_id, hour, event_type, units)"
				   " VALUES (?1, substr(?2, 1, 13) || ':00:00.000Z', ?3, ?4)"
				   " ON CONFLICT(tenant_id, hour, event_type)"
				   " DO UPDATE SET units = units + excluded.units";
	sqlite3_stmt *st = store_stmt(s, ev, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, event_type);
	sqlite3_bind_int64(st, 3, units);
	store_bind_text(st, 4, at);
	store_bind_text(st, 5, request_id);
	if (store_step_done(s, st, err))
		return -1;
	if (!(st = store_stmt(s, roll, err)))
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, at);
	store_bind_text(st, 3, event_type);
	sqlite3_bind_int64(st, 4, units);
	return store_step_done(s, st, err);
}

int lite_idem_get(struct store *base, const char *tenant_id, const char *actor_id, const char *key,
		   struct store_idem *rec)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT request_digest, status, response, location"
				  " FROM idempotency WHERE tenant_id = ? AND actor_id = ? AND key = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, actor_id);
	store_bind_text(st, 3, key);
	int rc = sqlite3_step(st);
	int found = 0;
	if (rc == SQLITE_ROW) {
		const char *loc = (const char *)sqlite3_column_text(st, 3);
		rec->request_digest = strdup((const char *)sqlite3_column_text(st, 0));
		rec->status = sqlite3_column_int(st, 1);
		rec->response = strdup((const char *)sqlite3_column_text(st, 2));
		rec->location = loc ? strdup(loc) : NULL;
		found = 1;
	} else if (rc != SQLITE_DONE) {
		found = -1;
	}
	sqlite3_reset(st);
	return found;
}

int lite_idem_put(struct store *base, const char *tenant_id, const char *actor_id, const char *key,
		   const struct store_idem *rec, const char *at, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO idempotency(tenant_id, actor_id, key, request_digest,"
				  " status, response, location, created_at) VALUES (?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, actor_id);
	store_bind_text(st, 3, key);
	store_bind_text(st, 4, rec->request_digest);
	sqlite3_bind_int(st, 5, rec->status);
	store_bind_text(st, 6, rec->response);
	store_bind_text(st, 7, rec->location);
	store_bind_text(st, 8, at);
	return store_step_done(s, st, err);
}

/* ---- usage reports and retention ---- */

int lite_usage_walk(struct store *base, const char *tenant_id, const char *from, const char *to,
		    bool by_day, store_usage_fn fn, void *ctx)
{
	struct store_lite *s = lite(base);
	/* One tenant: its rollup rows in primary-key order, each hour folded into its day here.
	 * Grouping in SQL sorted them through a temporary b-tree, four fifths of a report's
	 * time; so a day's event type may arrive in several rows, which fn adds up. Rollup hours
	 * are "YYYY-MM-DDTHH:00:00.000Z": their text orders as their time, a day is 10 chars. */
	static const char tenant_sql[] =
		"SELECT NULL, hour, event_type, units FROM usage_rollups"
		" WHERE tenant_id = ?1 AND hour >= ?2 AND hour < ?3 ORDER BY hour, event_type";
	/* The platform report: every tenant, deliberately (platform admins only). */
	static const char all_sql[] =
		"SELECT tenant_id, CASE WHEN ?4 THEN substr(hour, 1, 10) || 'T00:00:00.000Z'"
		" ELSE hour END AS bucket, event_type, SUM(units) FROM usage_rollups"
		" WHERE (?1 IS NULL) AND hour >= ?2 AND hour < ?3"
		" GROUP BY tenant_id, bucket, event_type ORDER BY bucket, event_type, tenant_id";
	sqlite3_stmt *st = store_stmt(s, tenant_id ? tenant_sql : all_sql, NULL);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, from);
	store_bind_text(st, 3, to);
	if (!tenant_id)
		sqlite3_bind_int(st, 4, by_day);
	int rc = 0, step;
	char day[] = "YYYY-MM-DDT00:00:00.000Z";
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *bucket = (const char *)sqlite3_column_text(st, 1);
		if (tenant_id && by_day && bucket && sqlite3_column_bytes(st, 1) >= 10) {
			memcpy(day, bucket, 10);
			bucket = day;
		}
		rc = fn(ctx, tenant_id ? tenant_id : (const char *)sqlite3_column_text(st, 0), bucket,
			(const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3));
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(st);
	return rc;
}

int lite_usage_prune(struct store *base, const char *tenant_id, const char *before,
		      struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "DELETE FROM usage_events WHERE tenant_id = ? AND at < ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, before);
	return store_step_done(s, st, err);
}

cJSON *lite_usage_tenants(struct store *base)
{
	struct store_lite *s = lite(base);
	/* Retention is the store's own housekeeping across tenants, never a tenant's request.
	 * Every tenant with events has rollups, and there are far fewer of those. */
	static const char sql[] = "SELECT DISTINCT tenant_id FROM usage_rollups";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	while (a && sqlite3_step(st) == SQLITE_ROW)
		cJSON_AddItemToArray(a, cJSON_CreateString((const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	return a;
}
