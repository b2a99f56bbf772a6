/* PostgreSQL SQL for runbooks (the twin of store_runbook.c): trusted signing keys, signed
 * versions, executions, their steps and the signed approvals of approval steps. */
#include "store_pg.h"

#define RUNBOOK_COLS "id, version, name, risk, digest, key_id, created_at, receipt_id"
#define EXECUTION_COLS                                                                        \
	"id, runbook_id, runbook_version, runbook_digest, incident_id, status, launched_by,"   \
	" params AS params_json, created_at, updated_at, receipt_id"
#define STEP_COLS                                                                             \
	"idx, id, kind, status, attempts, exit_code, output, output_digest, approvals,"       \
	" started_at, finished_at, receipt_id"

/* Scopes the connection to the tenant and binds it as $1; -1 with err when scoping failed. */
static int scoped(struct store_pg *s, struct pg_params *p, const char *tenant_id,
		  struct kx_error *err)
{
	if (pg_scope(s, tenant_id, err))
		return -1;
	pg_text(p, tenant_id);
	return 0;
}

static void bind_members(struct pg_params *p, const cJSON *obj, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		pg_member(p, obj, names[i]);
}

int pg_signing_key_insert(struct store *base, const char *tenant_id, const cJSON *key,
			  struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const cols[] = {"key_id", "name", "public_key", "created_at"};
	static const char sql[] = "INSERT INTO signing_keys(tenant_id, key_id, name, public_key,"
				  " created_at) VALUES ($1,$2,$3,$4,$5)";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	bind_members(&p, key, cols, 4);
	return pg_command(s, sql, &p, err);
}

cJSON *pg_signing_key_get(struct store *base, const char *tenant_id, const char *key_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT key_id, name, public_key, created_at, revoked_at"
				  " FROM signing_keys WHERE tenant_id = $1 AND key_id = $2";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	pg_text(&p, key_id);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}

cJSON *pg_signing_key_list(struct store *base, const char *tenant_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT key_id, name, public_key, created_at, revoked_at"
				  " FROM signing_keys WHERE tenant_id = $1"
				  " ORDER BY created_at, key_id";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

int pg_signing_key_revoke(struct store *base, const char *tenant_id, const char *key_id,
			  const char *at, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "UPDATE signing_keys SET revoked_at = $3 WHERE tenant_id = $1"
				  " AND key_id = $2 AND revoked_at IS NULL";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	pg_text(&p, key_id);
	pg_text(&p, at);
	return pg_command(s, sql, &p, err);
}

int pg_runbook_insert(struct store *base, const char *tenant_id, const cJSON *rb,
		      struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const cols[] = {"id",	 "version",   "name",	    "risk",
					   "digest",	 "key_id",    "document",   "signature",
					   "created_at", "receipt_id"};
	static const char sql[] = "INSERT INTO runbooks(tenant_id, id, version, name, risk,"
				  " digest, key_id, document, signature, created_at, receipt_id)"
				  " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	bind_members(&p, rb, cols, 10);
	return pg_command(s, sql, &p, err);
}

int pg_runbook_latest(struct store *base, const char *tenant_id, const char *id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT COALESCE(MAX(version), 0) FROM runbooks"
				  " WHERE tenant_id = $1 AND id = $2";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return -1;
	pg_text(&p, id);
	PGresult *r = pg_query(s, sql, &p, NULL);
	int v = r && PQntuples(r) > 0 ? (int)pg_int_at(r, 0, 0) : -1;
	PQclear(r);
	return v;
}

cJSON *pg_runbook_get(struct store *base, const char *tenant_id, const char *id, int version)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " RUNBOOK_COLS ", document, signature FROM runbooks"
				  " WHERE tenant_id = $1 AND id = $2"
				  " AND ($3::integer = 0 OR version = $3)"
				  " ORDER BY version DESC LIMIT 1";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	pg_text(&p, id);
	pg_int(&p, version);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}

cJSON *pg_runbook_by_digest(struct store *base, const char *tenant_id, const char *id,
			    const char *digest)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " RUNBOOK_COLS " FROM runbooks WHERE tenant_id = $1"
				  " AND id = $2 AND digest = $3 ORDER BY version LIMIT 1";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	pg_text(&p, id);
	pg_text(&p, digest);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}

cJSON *pg_runbook_list(struct store *base, const char *tenant_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " RUNBOOK_COLS " FROM runbooks r WHERE tenant_id = $1"
				  " AND version = (SELECT MAX(version) FROM runbooks"
				  " WHERE tenant_id = $1 AND id = r.id) ORDER BY id";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

int pg_execution_insert(struct store *base, const char *tenant_id, const cJSON *ex,
			struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const cols[] = {
		"id",	       "runbook_id", "runbook_version", "runbook_digest",
		"incident_id", "status",     "launched_by",	"params",
		"created_at",  "updated_at", "receipt_id"};
	static const char sql[] = "INSERT INTO executions(tenant_id, id, runbook_id,"
				  " runbook_version, runbook_digest, incident_id, status,"
				  " launched_by, params, created_at, updated_at, receipt_id)"
				  " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	bind_members(&p, ex, cols, 11);
	return pg_command(s, sql, &p, err);
}

int pg_execution_set_status(struct store *base, const char *tenant_id, const char *id,
			    const char *status, const char *at, const char *receipt_id,
			    struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "UPDATE executions SET status = $3, updated_at = $4,"
				  " receipt_id = COALESCE($5::text, receipt_id)"
				  " WHERE tenant_id = $1 AND id = $2";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	pg_text(&p, id);
	pg_text(&p, status);
	pg_text(&p, at);
	pg_text(&p, receipt_id);
	return pg_command(s, sql, &p, err);
}

cJSON *pg_execution_get(struct store *base, const char *tenant_id, const char *id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " EXECUTION_COLS " FROM executions"
				  " WHERE tenant_id = $1 AND id = $2";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	pg_text(&p, id);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}

cJSON *pg_execution_list(struct store *base, const char *tenant_id, const char *status,
			 const char *incident_id, const char *after_id, int limit)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " EXECUTION_COLS " FROM executions WHERE tenant_id = $1"
				  " AND ($2::text IS NULL OR status = $2)"
				  " AND ($3::text IS NULL OR incident_id = $3)"
				  " AND ($4::text IS NULL OR id < $4) ORDER BY id DESC LIMIT $5";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	pg_text(&p, status);
	pg_text(&p, incident_id);
	pg_text(&p, after_id);
	pg_int(&p, limit + 1);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

int pg_step_insert(struct store *base, const char *tenant_id, const char *execution_id,
		   const cJSON *step, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const cols[] = {"idx", "id", "kind", "status"};
	static const char sql[] = "INSERT INTO execution_steps(tenant_id, execution_id, idx, id,"
				  " kind, status) VALUES ($1,$2,$3,$4,$5,$6)";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	pg_text(&p, execution_id);
	bind_members(&p, step, cols, 4);
	return pg_command(s, sql, &p, err);
}

int pg_step_update(struct store *base, const char *tenant_id, const char *execution_id,
		   const cJSON *step, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const cols[] = {"idx",	 "status",	"attempts",
					   "exit_code",	 "output",	"output_digest",
					   "approvals",	 "started_at", "finished_at",
					   "receipt_id"};
	static const char sql[] = "UPDATE execution_steps SET status = $4, attempts = $5,"
				  " exit_code = $6, output = $7, output_digest = $8,"
				  " approvals = $9, started_at = $10, finished_at = $11,"
				  " receipt_id = $12"
				  " WHERE tenant_id = $1 AND execution_id = $2 AND idx = $3";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	pg_text(&p, execution_id);
	bind_members(&p, step, cols, 10);
	return pg_command(s, sql, &p, err);
}

cJSON *pg_step_list(struct store *base, const char *tenant_id, const char *execution_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " STEP_COLS " FROM execution_steps WHERE tenant_id = $1"
				  " AND execution_id = $2 ORDER BY idx";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	pg_text(&p, execution_id);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

int pg_approval_insert(struct store *base, const char *tenant_id, const cJSON *a,
		       struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const cols[] = {"execution_id", "step_id",   "approver",
					   "decision",	   "statement", "signature",
					   "nonce",	   "at",	"receipt_id"};
	static const char sql[] = "INSERT INTO approvals(tenant_id, execution_id, step_id,"
				  " approver, decision, statement, signature, nonce, at,"
				  " receipt_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, err))
		return -1;
	bind_members(&p, a, cols, 9);
	return pg_command(s, sql, &p, err);
}

/* 1 when this approver already decided this step or the nonce was seen, 0 when neither. */
int pg_approval_seen(struct store *base, const char *tenant_id, const char *execution_id,
		     const char *step_id, const char *approver, const char *nonce)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT 1 FROM approvals WHERE tenant_id = $1 AND"
				  " ((execution_id = $2 AND step_id = $3 AND approver = $4)"
				  " OR nonce = $5) LIMIT 1";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return -1;
	pg_text(&p, execution_id);
	pg_text(&p, step_id);
	pg_text(&p, approver);
	pg_text(&p, nonce);
	PGresult *r = pg_query(s, sql, &p, NULL);
	int seen = r ? PQntuples(r) > 0 : -1;
	PQclear(r);
	return seen;
}

/* Ties in requested_at (steps that started in the same millisecond) are broken by execution
 * and step, as in SQLite, so a page resumes after the last one's key. A gate is pending only
 * while its execution is active, as in lite_approvals_pending_after. */
cJSON *pg_approvals_pending_after(struct store *base, const char *tenant_id,
				  const struct store_approval_key *after, int limit)
{
	struct store_pg *s = pg(base);
	static const char sql[] =
		"SELECT e.id AS execution_id, st.id AS step_id, st.idx AS step_index,"
		" e.runbook_id, e.runbook_version, r.risk, e.launched_by, e.incident_id,"
		" st.approvals AS granted, COALESCE(st.started_at, e.created_at) AS requested_at"
		" FROM execution_steps st JOIN executions e ON e.tenant_id = st.tenant_id"
		" AND e.id = st.execution_id JOIN runbooks r ON r.tenant_id = e.tenant_id"
		" AND r.id = e.runbook_id AND r.version = e.runbook_version"
		" WHERE st.tenant_id = $1 AND st.status = 'awaiting_approval'"
		" AND e.status IN ('running', 'awaiting_approval')"
		" AND (COALESCE(st.started_at, e.created_at), e.id, st.idx) > ($3, $4, $5)"
		" ORDER BY requested_at, execution_id, step_index LIMIT $2";
	struct pg_params p = {0};
	if (scoped(s, &p, tenant_id, NULL))
		return NULL;
	pg_int(&p, limit + 1);
	pg_text(&p, after ? after->requested_at : "");
	pg_text(&p, after ? after->execution_id : "");
	pg_int(&p, after ? after->step_index : -1);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

/* Crosses tenants by design (a platform gauge), so the scope is every tenant. */
int64_t pg_pending_approvals_all(struct store *base)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT count(*) FROM execution_steps st JOIN executions e"
				  " ON e.tenant_id = st.tenant_id AND e.id = st.execution_id"
				  " WHERE st.status = 'awaiting_approval'"
				  " AND e.status IN ('running', 'awaiting_approval')";
	if (pg_scope(s, PG_SCOPE_ALL, NULL))
		return -1;
	PGresult *r = pg_query(s, sql, NULL, NULL);
	int64_t n = r && PQntuples(r) > 0 ? pg_int_at(r, 0, 0) : -1;
	PQclear(r);
	return n;
}
