/* PostgreSQL SQL for governed exceptions, as store_exception.c gives them. */
#include <string.h>

#include "json_input.h"
#include "store_pg.h"

int pg_exception_insert(struct store *base, const char *tenant_id, const cJSON *e,
			struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO exceptions(tenant_id, receipt_id, action, actor,"
				  " resource, rules, justification_digest, at)"
				  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	const char *cols[] = {"receipt_id", "action", "actor", "resource", "rules",
			      "justification_digest", "at"};
	for (int i = 0; i < 7; i++)
		pg_member(&p, e, cols[i]);
	return pg_command(s, sql, &p, err);
}

cJSON *pg_exception_list(struct store *base, const char *tenant_id, bool open_only)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT receipt_id, action, actor, resource, rules AS rules_json,"
				  " justification_digest, at, acknowledged_by, acknowledged_at"
				  " FROM exceptions WHERE tenant_id = $1"
				  " AND ($2::integer = 0 OR acknowledged_at IS NULL)"
				  " ORDER BY at, receipt_id";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_int(&p, open_only);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

int pg_exception_acknowledge(struct store *base, const char *tenant_id, const char *receipt_id,
			     const char *actor, const char *at, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "UPDATE exceptions SET acknowledged_by = $3, acknowledged_at = $4"
				  " WHERE tenant_id = $1 AND receipt_id = $2"
				  " AND acknowledged_at IS NULL";
	/* The database holds UTF-8 only: an id that is not names no exception, where sending it
	 * would fail the statement (and the transaction) instead. */
	if (receipt_id && !json_utf8_valid(receipt_id, strlen(receipt_id)))
		return 1;
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, receipt_id);
	pg_text(&p, actor);
	pg_text(&p, at);
	PGresult *r = pg_query(s, sql, &p, err);
	if (!r)
		return -1;
	int rc = strcmp(PQcmdTuples(r), "1") == 0 ? 0 : 1;
	PQclear(r);
	return rc;
}
