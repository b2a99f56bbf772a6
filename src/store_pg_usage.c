/* PostgreSQL SQL for metering (raw usage events plus hourly rollups) and idempotency records,
 * as store_usage.c gives them. */
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

int pg_usage_add(struct store *base, const char *tenant_id, const char *event_type,
		 int64_t units, const char *at, const char *request_id, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	/* The event and its rollup in one statement: every mutation meters twice, and each round
	 * trip to the server is a tenth of a mutation's time. The hour bucket is the first 13
	 * characters of the RFC 3339 time: "2026-11-28T16". */
	static const char sql[] =
		"WITH ev AS (INSERT INTO usage_events(tenant_id, event_type, units, at, request_id)"
		" VALUES ($1, $2, $3, $4, $5))"
		" INSERT INTO usage_rollups(tenant_id, hour, event_type, units)"
		" VALUES ($1, substr($4::text, 1, 13) || ':00:00.000Z', $2, $3)"
		" ON CONFLICT (tenant_id, hour, event_type)"
		" DO UPDATE SET units = usage_rollups.units + excluded.units";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, event_type);
	pg_int(&p, units);
	pg_text(&p, at);
	pg_text(&p, request_id);
	return pg_command(s, sql, &p, err);
}

int pg_idem_get(struct store *base, const char *tenant_id, const char *actor_id, const char *key,
		struct store_idem *rec)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT request_digest, status, response, location"
				  " FROM idempotency WHERE tenant_id = $1 AND actor_id = $2"
				  " AND key = $3";
	if (pg_scope(s, tenant_id, NULL))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, actor_id);
	pg_text(&p, key);
	PGresult *r = pg_query(s, sql, &p, NULL);
	if (!r)
		return -1;
	int found = 0;
	if (PQntuples(r) > 0) {
		const char *loc = pg_text_at(r, 0, 3);
		rec->request_digest = strdup(pg_text_at(r, 0, 0));
		rec->status = (int)pg_int_at(r, 0, 1);
		rec->response = strdup(pg_text_at(r, 0, 2));
		rec->location = loc ? strdup(loc) : NULL;
		found = 1;
	}
	PQclear(r);
	return found;
}

int pg_idem_put(struct store *base, const char *tenant_id, const char *actor_id, const char *key,
		const struct store_idem *rec, const char *at, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO idempotency(tenant_id, actor_id, key,"
				  " request_digest, status, response, location, created_at)"
				  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, actor_id);
	pg_text(&p, key);
	pg_text(&p, rec->request_digest);
	pg_int(&p, rec->status);
	pg_text(&p, rec->response);
	pg_text(&p, rec->location);
	pg_text(&p, at);
	return pg_command(s, sql, &p, err);
}

/* ---- usage reports and retention ---- */

#define USAGE_PAGE 1000
#define USAGE_TEXT(n) #n
#define USAGE_LIMIT(n) " LIMIT " USAGE_TEXT(n)

/* Rollup hours are "YYYY-MM-DDTHH:00:00.000Z", so their text orders as their time does and a
 * day is their first 10 characters. A walk reads pages of USAGE_PAGE buckets, each after the
 * last one seen ($5..$7): a bucket never starts after its first hour, so a page need only sum
 * hours from the last bucket on. */
#define USAGE_BUCKET                                                                          \
	"CASE WHEN $4::integer <> 0 THEN substr(hour, 1, 10) || 'T00:00:00.000Z'"             \
	" ELSE hour END"
static const char usage_tenant_sql[] =
	"SELECT tenant_id, bucket, event_type, units FROM (SELECT tenant_id, " USAGE_BUCKET
	" AS bucket, event_type, SUM(units)::bigint AS units FROM usage_rollups"
	" WHERE tenant_id = $1 AND hour >= GREATEST($2::text, $5::text) AND hour < $3"
	" GROUP BY tenant_id, bucket, event_type) g"
	" WHERE $5::text IS NULL OR (bucket, event_type) > ($5::text, $6::text)"
	" ORDER BY bucket, event_type" USAGE_LIMIT(USAGE_PAGE);
/* The platform report: every tenant, deliberately (platform admins only). */
static const char usage_all_sql[] =
	"SELECT tenant_id, bucket, event_type, units FROM (SELECT tenant_id, " USAGE_BUCKET
	" AS bucket, event_type, SUM(units)::bigint AS units FROM usage_rollups"
	" WHERE ($1::text IS NULL) AND hour >= GREATEST($2::text, $5::text) AND hour < $3"
	" GROUP BY tenant_id, bucket, event_type) g"
	" WHERE $5::text IS NULL"
	" OR (bucket, event_type, tenant_id) > ($5::text, $6::text, $7::text)"
	" ORDER BY bucket, event_type, tenant_id" USAGE_LIMIT(USAGE_PAGE);

/* The key of the last row a page gave, copied before its result is cleared. */
struct usage_key {
	char *bucket, *type, *tenant;
};

static void usage_key_free(struct usage_key *k)
{
	free(k->bucket), free(k->type), free(k->tenant);
	*k = (struct usage_key){0};
}

static int usage_key_set(struct usage_key *k, const PGresult *r, int row)
{
	usage_key_free(k);
	k->tenant = strdup(pg_text_at(r, row, 0));
	k->bucket = strdup(pg_text_at(r, row, 1));
	k->type = strdup(pg_text_at(r, row, 2));
	return k->tenant && k->bucket && k->type ? 0 : -1;
}

/* One page through fn (a non-zero return of fn lands in *stop): the number of rows, where
 * USAGE_PAGE means there may be more, or -1 when the store failed. */
static int usage_page(struct store_pg *s, const char *tenant_id, const char *from, const char *to,
		      bool by_day, struct usage_key *k, store_usage_fn fn, void *ctx, int *stop)
{
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, from);
	pg_text(&p, to);
	pg_int(&p, by_day);
	pg_text(&p, k->bucket);
	pg_text(&p, k->type);
	if (!tenant_id)
		pg_text(&p, k->tenant);
	PGresult *r = pg_query(s, tenant_id ? usage_tenant_sql : usage_all_sql, &p, NULL);
	if (!r)
		return -1;
	int n = PQntuples(r);
	for (int i = 0; i < n && *stop == 0; i++)
		*stop = fn(ctx, pg_text_at(r, i, 0), pg_text_at(r, i, 1), pg_text_at(r, i, 2),
			   pg_int_at(r, i, 3));
	if (n == USAGE_PAGE && *stop == 0 && usage_key_set(k, r, n - 1))
		n = -1;
	PQclear(r);
	return n;
}

int pg_usage_walk(struct store *base, const char *tenant_id, const char *from, const char *to,
		  bool by_day, store_usage_fn fn, void *ctx)
{
	struct store_pg *s = pg(base);
	if (pg_scope(s, tenant_id ? tenant_id : PG_SCOPE_ALL, NULL))
		return -1;
	struct usage_key k = {0};
	int stop = 0, n;
	do
		n = usage_page(s, tenant_id, from, to, by_day, &k, fn, ctx, &stop);
	while (n == USAGE_PAGE && stop == 0);
	usage_key_free(&k);
	return stop ? stop : n < 0 ? -1 : 0;
}

int pg_usage_prune(struct store *base, const char *tenant_id, const char *before,
		   struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "DELETE FROM usage_events WHERE tenant_id = $1 AND at < $2";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, before);
	return pg_command(s, sql, &p, err);
}

cJSON *pg_usage_tenants(struct store *base)
{
	struct store_pg *s = pg(base);
	/* Retention is the store's own housekeeping across tenants, never a tenant's request.
	 * Every tenant with events has rollups, and there are far fewer of those. */
	static const char sql[] = "SELECT tenant_id FROM usage_rollups GROUP BY tenant_id"
				  " ORDER BY tenant_id";
	if (pg_scope(s, PG_SCOPE_ALL, NULL))
		return NULL;
	return pg_strings(pg_query(s, sql, NULL, NULL));
}
