/* klaxon's PostgreSQL schema: the SQLite schema's numbered migrations (store_schema.c) in
 * PostgreSQL's dialect, one for one, so a store of either kind is at the same version after
 * the same migrations. Beyond SQLite: every tenant table has row-level security, forced on
 * the owner too, that shows a connection only the tenant it is scoped to (the klaxon.tenant
 * setting, pg_scope); ledger tables refuse UPDATE, DELETE and TRUNCATE by trigger. Text is
 * KTEXT, compared byte by byte (COLLATE "C") as in SQLite whatever the database's locale, so
 * ids, times and keyset cursors order the same on both stores. */
#include "store_pg_schema.h"
#include "store_schema.h"

#define TENANT_WALL(t, col)                                                                   \
	"ALTER TABLE " t " ENABLE ROW LEVEL SECURITY;"                                        \
	"ALTER TABLE " t " FORCE ROW LEVEL SECURITY;"                                         \
	"CREATE POLICY " t "_tenant_wall ON " t " USING (" col                                \
	" = current_setting('klaxon.tenant', true) OR"                                        \
	" current_setting('klaxon.tenant', true) = '*') WITH CHECK (" col                     \
	" = current_setting('klaxon.tenant', true) OR"                                        \
	" current_setting('klaxon.tenant', true) = '*');"
#define WALL(t) TENANT_WALL(t, "tenant_id")

#define APPEND_ONLY(t)                                                                        \
	"CREATE TRIGGER " t "_append_only BEFORE UPDATE OR DELETE ON " t                      \
	" FOR EACH ROW EXECUTE FUNCTION klaxon_append_only();"                                \
	"CREATE TRIGGER " t "_no_truncate BEFORE TRUNCATE ON " t                              \
	" FOR EACH STATEMENT EXECUTE FUNCTION klaxon_append_only();"

static const char m1[] =
	"CREATE DOMAIN KTEXT AS text COLLATE \"C\";"
	"CREATE FUNCTION klaxon_append_only() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END$$;"
	"CREATE TABLE meta(key KTEXT PRIMARY KEY, value KTEXT NOT NULL);"
	"CREATE TABLE tenants(id KTEXT PRIMARY KEY, name KTEXT NOT NULL, kind KTEXT NOT NULL,"
	" status KTEXT NOT NULL, region KTEXT, partner_id KTEXT, created_at KTEXT NOT NULL,"
	" updated_at KTEXT NOT NULL);"
	"CREATE INDEX tenants_name ON tenants(name);"
	"CREATE TABLE actors(tenant_id KTEXT NOT NULL REFERENCES tenants(id), id KTEXT NOT NULL,"
	" name KTEXT NOT NULL, roles KTEXT NOT NULL, platform_admin INTEGER NOT NULL DEFAULT 0,"
	" disabled INTEGER NOT NULL DEFAULT 0, token_hash BYTEA, public_key KTEXT, key_id KTEXT,"
	" created_at KTEXT NOT NULL, PRIMARY KEY(tenant_id, id), UNIQUE(tenant_id, name));"
	"CREATE UNIQUE INDEX actors_token ON actors(token_hash);"
	"CREATE TABLE documents(tenant_id KTEXT NOT NULL, kind KTEXT NOT NULL,"
	" version INTEGER NOT NULL, doc KTEXT NOT NULL, digest KTEXT NOT NULL,"
	" created_at KTEXT NOT NULL, PRIMARY KEY(tenant_id, kind, version));"
	"CREATE TABLE incidents(tenant_id KTEXT NOT NULL, id KTEXT NOT NULL, title KTEXT NOT NULL,"
	" description KTEXT NOT NULL DEFAULT '', severity KTEXT NOT NULL, status KTEXT NOT NULL,"
	" commander KTEXT, region KTEXT, labels KTEXT NOT NULL DEFAULT '[]',"
	" created_at KTEXT NOT NULL, updated_at KTEXT NOT NULL, resolved_at KTEXT,"
	" version BIGINT NOT NULL, receipt_id KTEXT, PRIMARY KEY(tenant_id, id));"
	"CREATE INDEX incidents_status ON incidents(tenant_id, status, id);"
	"CREATE TABLE timeline(tenant_id KTEXT NOT NULL, id KTEXT NOT NULL,"
	" incident_id KTEXT NOT NULL, at KTEXT NOT NULL, kind KTEXT NOT NULL, actor KTEXT,"
	" data KTEXT NOT NULL DEFAULT '{}', receipt_id KTEXT, PRIMARY KEY(tenant_id, id));"
	"CREATE INDEX timeline_incident ON timeline(tenant_id, incident_id, id);"
	"CREATE TABLE receipts(tenant_id KTEXT NOT NULL, seq BIGINT NOT NULL, id KTEXT NOT NULL,"
	" at KTEXT NOT NULL, actor KTEXT, action KTEXT NOT NULL, resource KTEXT,"
	" request_id KTEXT, effect KTEXT NOT NULL, leaf KTEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, seq), UNIQUE(tenant_id, id));"
	"CREATE INDEX receipts_action ON receipts(tenant_id, action, seq);"
	"CREATE INDEX receipts_resource ON receipts(tenant_id, resource, seq);"
	"CREATE TABLE decisions(tenant_id KTEXT NOT NULL, receipt_id KTEXT NOT NULL,"
	" digest KTEXT NOT NULL, record KTEXT NOT NULL, PRIMARY KEY(tenant_id, receipt_id));"
	"CREATE TABLE ledger_nodes(tenant_id KTEXT NOT NULL, level INTEGER NOT NULL,"
	" idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY(tenant_id, level, idx));"
	"CREATE TABLE checkpoints(tenant_id KTEXT NOT NULL, size BIGINT NOT NULL,"
	" root BYTEA NOT NULL, note KTEXT NOT NULL, at KTEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, size));"
	"CREATE TABLE idempotency(tenant_id KTEXT NOT NULL, actor_id KTEXT NOT NULL,"
	" key KTEXT NOT NULL, request_digest KTEXT NOT NULL, status INTEGER NOT NULL,"
	" response KTEXT NOT NULL, location KTEXT, created_at KTEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, actor_id, key));"
	"CREATE TABLE usage_events(id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" tenant_id KTEXT NOT NULL, event_type KTEXT NOT NULL, units BIGINT NOT NULL,"
	" at KTEXT NOT NULL, request_id KTEXT);"
	"CREATE INDEX usage_events_tenant ON usage_events(tenant_id, at);"
	"CREATE TABLE usage_rollups(tenant_id KTEXT NOT NULL, hour KTEXT NOT NULL,"
	" event_type KTEXT NOT NULL, units BIGINT NOT NULL,"
	" PRIMARY KEY(tenant_id, hour, event_type));"
	APPEND_ONLY("receipts") APPEND_ONLY("decisions") APPEND_ONLY("ledger_nodes")
	APPEND_ONLY("checkpoints")
	TENANT_WALL("tenants", "id") WALL("actors") WALL("documents") WALL("incidents")
	WALL("timeline") WALL("receipts") WALL("decisions") WALL("ledger_nodes")
	WALL("checkpoints") WALL("idempotency") WALL("usage_events") WALL("usage_rollups");

static const char m_runbooks[] =
	"CREATE TABLE signing_keys(tenant_id KTEXT NOT NULL, key_id KTEXT NOT NULL,"
	" name KTEXT NOT NULL, public_key KTEXT NOT NULL, created_at KTEXT NOT NULL,"
	" revoked_at KTEXT, PRIMARY KEY(tenant_id, key_id));"
	"CREATE TABLE runbooks(tenant_id KTEXT NOT NULL, id KTEXT NOT NULL, version INTEGER NOT NULL,"
	" name KTEXT NOT NULL, risk KTEXT NOT NULL, digest KTEXT NOT NULL, key_id KTEXT NOT NULL,"
	" document KTEXT NOT NULL, signature KTEXT NOT NULL, created_at KTEXT NOT NULL,"
	" receipt_id KTEXT, PRIMARY KEY(tenant_id, id, version));"
	"CREATE TABLE executions(tenant_id KTEXT NOT NULL, id KTEXT NOT NULL,"
	" runbook_id KTEXT NOT NULL, runbook_version INTEGER NOT NULL,"
	" runbook_digest KTEXT NOT NULL, incident_id KTEXT, status KTEXT NOT NULL,"
	" launched_by KTEXT NOT NULL, params KTEXT NOT NULL DEFAULT '{}', created_at KTEXT NOT NULL,"
	" updated_at KTEXT NOT NULL, receipt_id KTEXT, PRIMARY KEY(tenant_id, id));"
	"CREATE INDEX executions_status ON executions(tenant_id, status, id);"
	"CREATE TABLE execution_steps(tenant_id KTEXT NOT NULL, execution_id KTEXT NOT NULL,"
	" idx INTEGER NOT NULL, id KTEXT NOT NULL, kind KTEXT NOT NULL, status KTEXT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, exit_code INTEGER, output KTEXT,"
	" output_digest KTEXT, approvals INTEGER NOT NULL DEFAULT 0, started_at KTEXT,"
	" finished_at KTEXT, receipt_id KTEXT, PRIMARY KEY(tenant_id, execution_id, idx));"
	"CREATE TABLE approvals(tenant_id KTEXT NOT NULL, execution_id KTEXT NOT NULL,"
	" step_id KTEXT NOT NULL, approver KTEXT NOT NULL, decision KTEXT NOT NULL,"
	" statement KTEXT NOT NULL, signature KTEXT NOT NULL, nonce KTEXT NOT NULL,"
	" at KTEXT NOT NULL, receipt_id KTEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, execution_id, step_id, approver), UNIQUE(tenant_id, nonce));"
	WALL("signing_keys") WALL("runbooks") WALL("executions") WALL("execution_steps")
	WALL("approvals");

static const char m_evidence[] =
	"CREATE TABLE evidence_exports(tenant_id KTEXT NOT NULL, id KTEXT NOT NULL,"
	" from_at KTEXT NOT NULL, to_at KTEXT NOT NULL, created_at KTEXT NOT NULL,"
	" actor KTEXT NOT NULL, receipt_id KTEXT NOT NULL, checkpoint_size BIGINT NOT NULL,"
	" previous_checkpoint_size BIGINT, manifest_digest KTEXT NOT NULL,"
	" counts KTEXT NOT NULL, bytes BIGINT NOT NULL, PRIMARY KEY(tenant_id, id));"
	"CREATE TABLE evidence_bundles(tenant_id KTEXT NOT NULL, export_id KTEXT NOT NULL,"
	" bundle BYTEA NOT NULL, UNIQUE(tenant_id, export_id));"
	"CREATE INDEX receipts_at ON receipts(tenant_id, at);"
	"CREATE INDEX timeline_at ON timeline(tenant_id, at);"
	APPEND_ONLY("evidence_exports") APPEND_ONLY("evidence_bundles")
	WALL("evidence_exports") WALL("evidence_bundles");

static const char m_exceptions[] =
	"CREATE TABLE exceptions(tenant_id KTEXT NOT NULL, receipt_id KTEXT NOT NULL,"
	" action KTEXT NOT NULL, actor KTEXT NOT NULL, resource KTEXT, rules KTEXT NOT NULL,"
	" justification_digest KTEXT NOT NULL, at KTEXT NOT NULL, acknowledged_by KTEXT,"
	" acknowledged_at KTEXT, PRIMARY KEY(tenant_id, receipt_id));"
	WALL("exceptions");

/* Ledger nodes keyed by the first leaf they cover, as store_schema.c's m_node_pos. The copy
 * runs as the owner, whom row-level security binds too: scoped to every tenant for it. */
static const char m_node_pos[] =
	"SELECT set_config('klaxon.tenant', '*', true);"
	"CREATE TABLE ledger_nodes_by_pos(tenant_id KTEXT NOT NULL, pos BIGINT NOT NULL,"
	" level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL,"
	" PRIMARY KEY(tenant_id, pos, level));"
	"INSERT INTO ledger_nodes_by_pos SELECT tenant_id, idx << level, level, idx, hash"
	" FROM ledger_nodes;"
	"DROP TABLE ledger_nodes;"
	"ALTER TABLE ledger_nodes_by_pos RENAME TO ledger_nodes;"
	APPEND_ONLY("ledger_nodes") WALL("ledger_nodes");

/* Ledger nodes in bands of levels, then leaf order, as store_schema.c's m_node_band. */
static const char m_node_band[] =
	"SELECT set_config('klaxon.tenant', '*', true);"
	"CREATE TABLE ledger_nodes_by_band(tenant_id KTEXT NOT NULL, band INTEGER NOT NULL,"
	" pos BIGINT NOT NULL, level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL,"
	" PRIMARY KEY(tenant_id, band, pos, level));"
	"INSERT INTO ledger_nodes_by_band SELECT tenant_id, level / " STORE_NODE_BAND_SQL ", pos,"
	" level, idx, hash FROM ledger_nodes ORDER BY tenant_id, level / " STORE_NODE_BAND_SQL ","
	" pos, level;"
	"DROP TABLE ledger_nodes;"
	"ALTER TABLE ledger_nodes_by_band RENAME TO ledger_nodes;"
	APPEND_ONLY("ledger_nodes") WALL("ledger_nodes");

const char *const store_pg_schema[] = {m1,	     m_runbooks, m_evidence,
				       m_exceptions, m_node_pos, m_node_band};
const int store_pg_schema_count = (int)(sizeof store_pg_schema / sizeof store_pg_schema[0]);
