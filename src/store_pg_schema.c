/* klaxon's PostgreSQL schema: the SQLite schema's numbered migrations (store_schema.c) in
 * PostgreSQL's dialect, one for one, so a store of either kind is at the same version after
 * the same migrations. Beyond SQLite: every tenant table has row-level security, forced on
 * the owner too, that shows a connection only the tenant it is scoped to (the klaxon.tenant
 * setting, pg_scope); ledger tables refuse UPDATE, DELETE and TRUNCATE by trigger. */
#include "store_pg_schema.h"

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
	"CREATE FUNCTION klaxon_append_only() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END$$;"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE tenants(id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	" status TEXT NOT NULL, region TEXT, partner_id TEXT, created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE INDEX tenants_name ON tenants(name);"
	"CREATE TABLE actors(tenant_id TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL,"
	" name TEXT NOT NULL, roles TEXT NOT NULL, platform_admin INTEGER NOT NULL DEFAULT 0,"
	" disabled INTEGER NOT NULL DEFAULT 0, token_hash BYTEA, public_key TEXT, key_id TEXT,"
	" created_at TEXT NOT NULL, PRIMARY KEY(tenant_id, id), UNIQUE(tenant_id, name));"
	"CREATE UNIQUE INDEX actors_token ON actors(token_hash);"
	"CREATE TABLE documents(tenant_id TEXT NOT NULL, kind TEXT NOT NULL,"
	" version INTEGER NOT NULL, doc TEXT NOT NULL, digest TEXT NOT NULL,"
	" created_at TEXT NOT NULL, PRIMARY KEY(tenant_id, kind, version));"
	"CREATE TABLE incidents(tenant_id TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '', severity TEXT NOT NULL, status TEXT NOT NULL,"
	" commander TEXT, region TEXT, labels TEXT NOT NULL DEFAULT '[]',"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL, resolved_at TEXT,"
	" version BIGINT NOT NULL, receipt_id TEXT, PRIMARY KEY(tenant_id, id));"
	"CREATE INDEX incidents_status ON incidents(tenant_id, status, id);"
	"CREATE TABLE timeline(tenant_id TEXT NOT NULL, id TEXT NOT NULL,"
	" incident_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT,"
	" data TEXT NOT NULL DEFAULT '{}', receipt_id TEXT, PRIMARY KEY(tenant_id, id));"
	"CREATE INDEX timeline_incident ON timeline(tenant_id, incident_id, id);"
	"CREATE TABLE receipts(tenant_id TEXT NOT NULL, seq BIGINT NOT NULL, id TEXT NOT NULL,"
	" at TEXT NOT NULL, actor TEXT, action TEXT NOT NULL, resource TEXT,"
	" request_id TEXT, effect TEXT NOT NULL, leaf TEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, seq), UNIQUE(tenant_id, id));"
	"CREATE INDEX receipts_action ON receipts(tenant_id, action, seq);"
	"CREATE INDEX receipts_resource ON receipts(tenant_id, resource, seq);"
	"CREATE TABLE decisions(tenant_id TEXT NOT NULL, receipt_id TEXT NOT NULL,"
	" digest TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY(tenant_id, receipt_id));"
	"CREATE TABLE ledger_nodes(tenant_id TEXT NOT NULL, level INTEGER NOT NULL,"
	" idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY(tenant_id, level, idx));"
	"CREATE TABLE checkpoints(tenant_id TEXT NOT NULL, size BIGINT NOT NULL,"
	" root BYTEA NOT NULL, note TEXT NOT NULL, at TEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, size));"
	"CREATE TABLE idempotency(tenant_id TEXT NOT NULL, actor_id TEXT NOT NULL,"
	" key TEXT NOT NULL, request_digest TEXT NOT NULL, status INTEGER NOT NULL,"
	" response TEXT NOT NULL, location TEXT, created_at TEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, actor_id, key));"
	"CREATE TABLE usage_events(id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" tenant_id TEXT NOT NULL, event_type TEXT NOT NULL, units BIGINT NOT NULL,"
	" at TEXT NOT NULL, request_id TEXT);"
	"CREATE INDEX usage_events_tenant ON usage_events(tenant_id, at);"
	"CREATE TABLE usage_rollups(tenant_id TEXT NOT NULL, hour TEXT NOT NULL,"
	" event_type TEXT NOT NULL, units BIGINT NOT NULL,"
	" PRIMARY KEY(tenant_id, hour, event_type));"
	APPEND_ONLY("receipts") APPEND_ONLY("decisions") APPEND_ONLY("ledger_nodes")
	APPEND_ONLY("checkpoints")
	TENANT_WALL("tenants", "id") WALL("actors") WALL("documents") WALL("incidents")
	WALL("timeline") WALL("receipts") WALL("decisions") WALL("ledger_nodes")
	WALL("checkpoints") WALL("idempotency") WALL("usage_events") WALL("usage_rollups");

static const char m_runbooks[] =
	"CREATE TABLE signing_keys(tenant_id TEXT NOT NULL, key_id TEXT NOT NULL,"
	" name TEXT NOT NULL, public_key TEXT NOT NULL, created_at TEXT NOT NULL,"
	" revoked_at TEXT, PRIMARY KEY(tenant_id, key_id));"
	"CREATE TABLE runbooks(tenant_id TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
	" name TEXT NOT NULL, risk TEXT NOT NULL, digest TEXT NOT NULL, key_id TEXT NOT NULL,"
	" document TEXT NOT NULL, signature TEXT NOT NULL, created_at TEXT NOT NULL,"
	" receipt_id TEXT, PRIMARY KEY(tenant_id, id, version));"
	"CREATE TABLE executions(tenant_id TEXT NOT NULL, id TEXT NOT NULL,"
	" runbook_id TEXT NOT NULL, runbook_version INTEGER NOT NULL,"
	" runbook_digest TEXT NOT NULL, incident_id TEXT, status TEXT NOT NULL,"
	" launched_by TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL, receipt_id TEXT, PRIMARY KEY(tenant_id, id));"
	"CREATE INDEX executions_status ON executions(tenant_id, status, id);"
	"CREATE TABLE execution_steps(tenant_id TEXT NOT NULL, execution_id TEXT NOT NULL,"
	" idx INTEGER NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, exit_code INTEGER, output TEXT,"
	" output_digest TEXT, approvals INTEGER NOT NULL DEFAULT 0, started_at TEXT,"
	" finished_at TEXT, receipt_id TEXT, PRIMARY KEY(tenant_id, execution_id, idx));"
	"CREATE TABLE approvals(tenant_id TEXT NOT NULL, execution_id TEXT NOT NULL,"
	" step_id TEXT NOT NULL, approver TEXT NOT NULL, decision TEXT NOT NULL,"
	" statement TEXT NOT NULL, signature TEXT NOT NULL, nonce TEXT NOT NULL,"
	" at TEXT NOT NULL, receipt_id TEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, execution_id, step_id, approver), UNIQUE(tenant_id, nonce));"
	WALL("signing_keys") WALL("runbooks") WALL("executions") WALL("execution_steps")
	WALL("approvals");

static const char m_evidence[] =
	"CREATE TABLE evidence_exports(tenant_id TEXT NOT NULL, id TEXT NOT NULL,"
	" from_at TEXT NOT NULL, to_at TEXT NOT NULL, created_at TEXT NOT NULL,"
	" actor TEXT NOT NULL, receipt_id TEXT NOT NULL, checkpoint_size BIGINT NOT NULL,"
	" previous_checkpoint_size BIGINT, manifest_digest TEXT NOT NULL,"
	" counts TEXT NOT NULL, bytes BIGINT NOT NULL, PRIMARY KEY(tenant_id, id));"
	"CREATE TABLE evidence_bundles(tenant_id TEXT NOT NULL, export_id TEXT NOT NULL,"
	" bundle BYTEA NOT NULL, UNIQUE(tenant_id, export_id));"
	"CREATE INDEX receipts_at ON receipts(tenant_id, at);"
	"CREATE INDEX timeline_at ON timeline(tenant_id, at);"
	APPEND_ONLY("evidence_exports") APPEND_ONLY("evidence_bundles")
	WALL("evidence_exports") WALL("evidence_bundles");

static const char m_exceptions[] =
	"CREATE TABLE exceptions(tenant_id TEXT NOT NULL, receipt_id TEXT NOT NULL,"
	" action TEXT NOT NULL, actor TEXT NOT NULL, resource TEXT, rules TEXT NOT NULL,"
	" justification_digest TEXT NOT NULL, at TEXT NOT NULL, acknowledged_by TEXT,"
	" acknowledged_at TEXT, PRIMARY KEY(tenant_id, receipt_id));"
	WALL("exceptions");

const char *const store_pg_schema[] = {m1, m_runbooks, m_evidence, m_exceptions};
const int store_pg_schema_count = (int)(sizeof store_pg_schema / sizeof store_pg_schema[0]);
