/* SQL for runbooks: trusted signing keys, signed versions, executions, their steps and the
 * signed approvals of approval steps. */
#include <string.h>

#include "store_lite.h"

#define RUNBOOK_COLS "id, version, name, risk, digest, key_id, created_at, receipt_id"
#define EXECUTION_COLS                                                                        \
	"id, runbook_id, runbook_version, runbook_digest, incident_id, status, launched_by,"   \
	" params AS params_json, created_at, updated_at, receipt_id"
#define STEP_COLS                                                                             \
	"idx, id, kind, status, attempts, exit_code, output, output_digest, approvals,"       \
	" started_at, finished_at, receipt_id"

static sqlite3_stmt *bound(struct store_lite *s, const char *sql, struct kx_error *err,
			   const char *tenant_id)
{
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (st)
		store_bind_text(st, 1, tenant_id);
	return st;
}

int lite_signing_key_insert(struct store *base, const char *tenant_id, const cJSON *key,
			     struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO signing_keys(tenant_id, key_id, name, public_key,"
				  " created_at) VALUES (?,?,?,?,?)";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	const char *cols[] = {"key_id", "name", "public_key", "created_at"};
	for (int i = 0; i < 4; i++)
		store_bind_member(st, i + 2, key, cols[i]);
	return store_step_done(s, st, err);
}

cJSON *lite_signing_key_get(struct store *base, const char *tenant_id, const char *key_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT key_id, name, public_key, created_at, revoked_at"
				  " FROM signing_keys WHERE tenant_id = ? AND key_id = ?";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return NULL;
	store_bind_text(st, 2, key_id);
	return store_one_row(s, st);
}

cJSON *lite_signing_key_list(struct store *base, const char *tenant_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT key_id, name, public_key, created_at, revoked_at"
				  " FROM signing_keys WHERE tenant_id = ? ORDER BY created_at, key_id";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	return st ? store_all_rows(s, st) : NULL;
}

int lite_signing_key_revoke(struct store *base, const char *tenant_id, const char *key_id,
			     const char *at, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE signing_keys SET revoked_at = ?3 WHERE tenant_id = ?1"
				  " AND key_id = ?2 AND revoked_at IS NULL";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	store_bind_text(st, 2, key_id);
	store_bind_text(st, 3, at);
	return store_step_done(s, st, err);
}

int lite_runbook_insert(struct store *base, const char *tenant_id, const cJSON *rb,
			 struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO runbooks(tenant_id, id, version, name, risk, digest,"
				  " key_id, document, signature, created_at, receipt_id)"
				  " VALUES (?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	const char *cols[] = {"id",	"version",   "name",	   "risk",	 "digest",
			      "key_id", "document", "signature", "created_at", "receipt_id"};
	for (int i = 0; i < 10; i++)
		store_bind_member(st, i + 2, rb, cols[i]);
	return store_step_done(s, st, err);
}

int lite_runbook_latest(struct store *base, const char *tenant_id, const char *id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT COALESCE(MAX(version), 0) FROM runbooks"
				  " WHERE tenant_id = ? AND id = ?";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return -1;
	store_bind_text(st, 2, id);
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return v;
}

cJSON *lite_runbook_get(struct store *base, const char *tenant_id, const char *id, int version)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " RUNBOOK_COLS ", document, signature FROM runbooks"
				  " WHERE tenant_id = ?1 AND id = ?2 AND (?3 = 0 OR version = ?3)"
				  " ORDER BY version DESC LIMIT 1";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return NULL;
	store_bind_text(st, 2, id);
	sqlite3_bind_int(st, 3, version);
	return store_one_row(s, st);
}

cJSON *lite_runbook_by_digest(struct store *base, const char *tenant_id, const char *id,
			       const char *digest)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " RUNBOOK_COLS " FROM runbooks WHERE tenant_id = ?"
				  " AND id = ? AND digest = ? ORDER BY version LIMIT 1";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return NULL;
	store_bind_text(st, 2, id);
	store_bind_text(st, 3, digest);
	return store_one_row(s, st);
}

cJSON *lite_runbook_list(struct store *base, const char *tenant_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " RUNBOOK_COLS " FROM runbooks r WHERE tenant_id = ?1"
				  " AND version = (SELECT MAX(version) FROM runbooks"
				  " WHERE tenant_id = ?1 AND id = r.id) ORDER BY id";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	return st ? store_all_rows(s, st) : NULL;
}

int lite_execution_insert(struct store *base, const char *tenant_id, const cJSON *ex,
			   struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO executions(tenant_id, id, runbook_id,"
				  " runbook_version, runbook_digest, incident_id, status, launched_by,"
				  " params, created_at, updated_at, receipt_id)"
				  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	const char *cols[] = {"id",	     "runbook_id",  "runbook_version", "runbook_digest",
			      "incident_id", "status",	    "launched_by",     "params",
			      "created_at",  "updated_at", "receipt_id"};
	for (int i = 0; i < 11; i++)
		store_bind_member(st, i + 2, ex, cols[i]);
	return store_step_done(s, st, err);
}

int lite_execution_set_status(struct store *base, const char *tenant_id, const char *id,
			       const char *status, const char *at, const char *receipt_id,
			       struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE executions SET status = ?3, updated_at = ?4,"
				  " receipt_id = COALESCE(?5, receipt_id)"
				  " WHERE tenant_id = ?1 AND id = ?2";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	store_bind_text(st, 2, id);
	store_bind_text(st, 3, status);
	store_bind_text(st, 4, at);
	store_bind_text(st, 5, receipt_id);
	return store_step_done(s, st, err);
}

cJSON *lite_execution_get(struct store *base, const char *tenant_id, const char *id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " EXECUTION_COLS " FROM executions"
				  " WHERE tenant_id = ? AND id = ?";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return NULL;
	store_bind_text(st, 2, id);
	return store_one_row(s, st);
}

cJSON *lite_execution_list(struct store *base, const char *tenant_id, const char *status,
			    const char *incident_id, const char *after_id, int limit)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " EXECUTION_COLS " FROM executions WHERE tenant_id = ?1"
				  " AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR incident_id = ?3)"
				  " AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return NULL;
	store_bind_text(st, 2, status);
	store_bind_text(st, 3, incident_id);
	store_bind_text(st, 4, after_id);
	sqlite3_bind_int(st, 5, limit + 1);
	return store_all_rows(s, st);
}

int lite_step_insert(struct store *base, const char *tenant_id, const char *execution_id,
		      const cJSON *step, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO execution_steps(tenant_id, execution_id, idx, id,"
				  " kind, status) VALUES (?,?,?,?,?,?)";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	store_bind_text(st, 2, execution_id);
	store_bind_member(st, 3, step, "idx");
	store_bind_member(st, 4, step, "id");
	store_bind_member(st, 5, step, "kind");
	store_bind_member(st, 6, step, "status");
	return store_step_done(s, st, err);
}

int lite_step_update(struct store *base, const char *tenant_id, const char *execution_id,
		      const cJSON *step, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE execution_steps SET status = ?4, attempts = ?5,"
				  " exit_code = ?6, output = ?7, output_digest = ?8, approvals = ?9,"
				  " started_at = ?10, finished_at = ?11, receipt_id = ?12"
				  " WHERE tenant_id = ?1 AND execution_id = ?2 AND idx = ?3";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	store_bind_text(st, 2, execution_id);
	const char *cols[] = {"idx",	"status",    "attempts",   "exit_code",	  "output",
			      "output_digest", "approvals", "started_at", "finished_at", "receipt_id"};
	for (int i = 0; i < 10; i++)
		store_bind_member(st, i + 3, step, cols[i]);
	return store_step_done(s, st, err);
}

cJSON *lite_step_list(struct store *base, const char *tenant_id, const char *execution_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " STEP_COLS " FROM execution_steps WHERE tenant_id = ?"
				  " AND execution_id = ? ORDER BY idx";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return NULL;
	store_bind_text(st, 2, execution_id);
	return store_all_rows(s, st);
}

int lite_approval_insert(struct store *base, const char *tenant_id, const cJSON *a,
			  struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO approvals(tenant_id, execution_id, step_id,"
				  " approver, decision, statement, signature, nonce, at, receipt_id)"
				  " VALUES (?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = bound(s, sql, err, tenant_id);
	if (!st)
		return -1;
	const char *cols[] = {"execution_id", "step_id", "approver", "decision", "statement",
			      "signature",    "nonce",	 "at",	     "receipt_id"};
	for (int i = 0; i < 9; i++)
		store_bind_member(st, i + 2, a, cols[i]);
	return store_step_done(s, st, err);
}

/* 1 when this approver already decided this step or the nonce was seen, 0 when neither. */
int lite_approval_seen(struct store *base, const char *tenant_id, const char *execution_id,
			const char *step_id, const char *approver, const char *nonce)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT 1 FROM approvals WHERE tenant_id = ?1 AND"
				  " ((execution_id = ?2 AND step_id = ?3 AND approver = ?4)"
				  " OR nonce = ?5) LIMIT 1";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return -1;
	store_bind_text(st, 2, execution_id);
	store_bind_text(st, 3, step_id);
	store_bind_text(st, 4, approver);
	store_bind_text(st, 5, nonce);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* A gate is pending only while its execution is active: a store written before finished
 * executions closed their gates still holds open gates of aborted or rolled back runs.
 * (execution, step) is unique, so the three columns order every row and a page resumes
 * after the last one's key; no cursor is bound as a key below every row. */
cJSON *lite_approvals_pending_after(struct store *base, const char *tenant_id,
				    const struct store_approval_key *after, int limit)
{
	struct store_lite *s = lite(base);
	static const char sql[] =
		"SELECT e.id AS execution_id, st.id AS step_id, st.idx AS step_index,"
		" e.runbook_id, e.runbook_version, r.risk, e.launched_by, e.incident_id,"
		" st.approvals AS granted, COALESCE(st.started_at, e.created_at) AS requested_at"
		" FROM execution_steps st JOIN executions e ON e.tenant_id = st.tenant_id"
		" AND e.id = st.execution_id JOIN runbooks r ON r.tenant_id = e.tenant_id"
		" AND r.id = e.runbook_id AND r.version = e.runbook_version"
		" WHERE st.tenant_id = ?1 AND st.status = 'awaiting_approval'"
		" AND e.status IN ('running', 'awaiting_approval')"
		" AND (COALESCE(st.started_at, e.created_at), e.id, st.idx) > (?3, ?4, ?5)"
		" ORDER BY requested_at, execution_id, step_index LIMIT ?2";
	sqlite3_stmt *st = bound(s, sql, NULL, tenant_id);
	if (!st)
		return NULL;
	sqlite3_bind_int(st, 2, limit + 1);
	store_bind_text(st, 3, after ? after->requested_at : "");
	store_bind_text(st, 4, after ? after->execution_id : "");
	sqlite3_bind_int(st, 5, after ? after->step_index : -1);
	return store_all_rows(s, st);
}

/* Every tenant's (a platform gauge), with the same rule as lite_approvals_pending_after. */
int64_t lite_pending_approvals_all(struct store *base)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT count(*) FROM execution_steps st JOIN executions e"
				  " ON e.tenant_id = st.tenant_id AND e.id = st.execution_id"
				  " WHERE st.status = 'awaiting_approval'"
				  " AND e.status IN ('running', 'awaiting_approval')";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}
