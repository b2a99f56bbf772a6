/* SQL for governed exceptions. */
#include "store_lite.h"

int lite_exception_insert(struct store *base, const char *tenant_id, const cJSON *e,
			   struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO exceptions(tenant_id, receipt_id, action, actor,"
				  " resource, rules, justification_digest, at) VALUES (?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	const char *cols[] = {"receipt_id", "action", "actor", "resource", "rules",
			      "justification_digest", "at"};
	for (int i = 0; i < 7; i++)
		store_bind_member(st, i + 2, e, cols[i]);
	return store_step_done(s, st, err);
}

cJSON *lite_exception_list(struct store *base, const char *tenant_id, bool open_only)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT receipt_id, action, actor, resource, rules AS rules_json,"
				  " justification_digest, at, acknowledged_by, acknowledged_at"
				  " FROM exceptions WHERE tenant_id = ?1"
				  " AND (?2 = 0 OR acknowledged_at IS NULL) ORDER BY at, receipt_id";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	sqlite3_bind_int(st, 2, open_only);
	return store_all_rows(s, st);
}

int lite_exception_acknowledge(struct store *base, const char *tenant_id, const char *receipt_id,
				const char *actor, const char *at, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE exceptions SET acknowledged_by = ?3, acknowledged_at = ?4"
				  " WHERE tenant_id = ?1 AND receipt_id = ?2 AND acknowledged_at IS NULL";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, receipt_id);
	store_bind_text(st, 3, actor);
	store_bind_text(st, 4, at);
	if (store_step_done(s, st, err))
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}
