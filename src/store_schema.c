/* klaxon's SQLite schema as numbered migrations. Ledger tables (receipts, decisions, nodes,
 * checkpoints) refuse UPDATE and DELETE by trigger: they are append-only by construction. */
#include "store_schema.h"

#define APPEND_ONLY(t)                                                                        \
	"CREATE TRIGGER " t "_no_update BEFORE UPDATE ON " t                                  \
	" BEGIN SELECT RAISE(ABORT, '" t " is append-only'); END;"                            \
	"CREATE TRIGGER " t "_no_delete BEFORE DELETE ON " t                                  \
	" BEGIN SELECT RAISE(ABORT, '" t " is append-only'); END;"

static const char m1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE tenants(id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	" status TEXT NOT NULL, region TEXT, partner_id TEXT, created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE INDEX tenants_name ON tenants(name);"
	"CREATE TABLE actors(tenant_id TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL,"
	" name TEXT NOT NULL, roles TEXT NOT NULL, platform_admin INTEGER NOT NULL DEFAULT 0,"
	" disabled INTEGER NOT NULL DEFAULT 0, token_hash BLOB, public_key TEXT, key_id TEXT,"
	" created_at TEXT NOT NULL, PRIMARY KEY(tenant_id, id), UNIQUE(tenant_id, name));"
	"CREATE UNIQUE INDEX actors_token ON actors(token_hash);"
	"CREATE TABLE documents(tenant_id TEXT NOT NULL, kind TEXT NOT NULL,"
	" version INTEGER NOT NULL, doc TEXT NOT NULL, digest TEXT NOT NULL,"
	" created_at TEXT NOT NULL, PRIMARY KEY(tenant_id, kind, version));"
	"CREATE TABLE incidents(tenant_id TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '', severity TEXT NOT NULL, status TEXT NOT NULL,"
	" commander TEXT, region TEXT, labels TEXT NOT NULL DEFAULT '[]',"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL, resolved_at TEXT,"
	" version INTEGER NOT NULL, receipt_id TEXT, PRIMARY KEY(tenant_id, id)) WITHOUT ROWID;"
	"CREATE INDEX incidents_status ON incidents(tenant_id, status, id);"
	"CREATE TABLE timeline(tenant_id TEXT NOT NULL, id TEXT NOT NULL,"
	" incident_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT,"
	" data TEXT NOT NULL DEFAULT '{}', receipt_id TEXT, PRIMARY KEY(tenant_id, id))"
	" WITHOUT ROWID;"
	"CREATE INDEX timeline_incident ON timeline(tenant_id, incident_id, id);"
	"CREATE TABLE receipts(tenant_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,"
	" at TEXT NOT NULL, actor TEXT, action TEXT NOT NULL, resource TEXT,"
	" request_id TEXT, effect TEXT NOT NULL, leaf TEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, seq), UNIQUE(tenant_id, id));"
	"CREATE INDEX receipts_action ON receipts(tenant_id, action, seq);"
	"CREATE INDEX receipts_resource ON receipts(tenant_id, resource, seq);"
	"CREATE TABLE decisions(tenant_id TEXT NOT NULL, receipt_id TEXT NOT NULL,"
	" digest TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY(tenant_id, receipt_id));"
	"CREATE TABLE ledger_nodes(tenant_id TEXT NOT NULL, level INTEGER NOT NULL,"
	" idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY(tenant_id, level, idx))"
	" WITHOUT ROWID;"
	"CREATE TABLE checkpoints(tenant_id TEXT NOT NULL, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, note TEXT NOT NULL, at TEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, size));"
	"CREATE TABLE idempotency(tenant_id TEXT NOT NULL, actor_id TEXT NOT NULL,"
	" key TEXT NOT NULL, request_digest TEXT NOT NULL, status INTEGER NOT NULL,"
	" response TEXT NOT NULL, location TEXT, created_at TEXT NOT NULL,"
	" PRIMARY KEY(tenant_id, actor_id, key));"
	"CREATE TABLE usage_events(id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" event_type TEXT NOT NULL, units INTEGER NOT NULL, at TEXT NOT NULL, request_id TEXT);"
	"CREATE INDEX usage_events_tenant ON usage_events(tenant_id, at);"
	"CREATE TABLE usage_rollups(tenant_id TEXT NOT NULL, hour TEXT NOT NULL,"
	" event_type TEXT NOT NULL, units INTEGER NOT NULL,"
	" PRIMARY KEY(tenant_id, hour, event_type)) WITHOUT ROWID;"
	APPEND_ONLY("receipts") APPEND_ONLY("decisions") APPEND_ONLY("ledger_nodes")
	APPEND_ONLY("checkpoints");

/* Runbooks: trusted signing keys, immutable signed versions, executions with their steps, and
 * signed approvals (a nonce is used once per tenant). */
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
	" updated_at TEXT NOT NULL, receipt_id TEXT, PRIMARY KEY(tenant_id, id)) WITHOUT ROWID;"
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
	" PRIMARY KEY(tenant_id, execution_id, step_id, approver), UNIQUE(tenant_id, nonce));";

/* Evidence exports (each one's record and its bundle, append-only: the next export proves
 * consistency from the last one's checkpoint) and the time indexes an export's window needs. */
static const char m_evidence[] =
	"CREATE TABLE evidence_exports(tenant_id TEXT NOT NULL, id TEXT NOT NULL,"
	" from_at TEXT NOT NULL, to_at TEXT NOT NULL, created_at TEXT NOT NULL,"
	" actor TEXT NOT NULL, receipt_id TEXT NOT NULL, checkpoint_size INTEGER NOT NULL,"
	" previous_checkpoint_size INTEGER, manifest_digest TEXT NOT NULL,"
	" counts TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(tenant_id, id));"
	"CREATE TABLE evidence_bundles(tenant_id TEXT NOT NULL, export_id TEXT NOT NULL,"
	" bundle BLOB NOT NULL, UNIQUE(tenant_id, export_id));"
	"CREATE INDEX receipts_at ON receipts(tenant_id, at);"
	"CREATE INDEX timeline_at ON timeline(tenant_id, at);"
	APPEND_ONLY("evidence_exports") APPEND_ONLY("evidence_bundles");

/* Governed exceptions: a denial passed with a justification, listed until acknowledged. The
 * receipt is the proof; this row only carries the acknowledgement. */
static const char m_exceptions[] =
	"CREATE TABLE exceptions(tenant_id TEXT NOT NULL, receipt_id TEXT NOT NULL,"
	" action TEXT NOT NULL, actor TEXT NOT NULL, resource TEXT, rules TEXT NOT NULL,"
	" justification_digest TEXT NOT NULL, at TEXT NOT NULL, acknowledged_by TEXT,"
	" acknowledged_at TEXT, PRIMARY KEY(tenant_id, receipt_id));";

/* Ledger nodes ordered by the first leaf they cover (pos = idx << level), then level: a proof's
 * low siblings and an append's completed nodes lie beside their leaf on one or two pages,
 * instead of one page per level. idx stays for readers of the table. */
static const char m_node_pos[] =
	"CREATE TABLE ledger_nodes_by_pos(tenant_id TEXT NOT NULL, pos INTEGER NOT NULL,"
	" level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
	" PRIMARY KEY(tenant_id, pos, level)) WITHOUT ROWID;"
	"INSERT INTO ledger_nodes_by_pos SELECT tenant_id, idx << level, level, idx, hash"
	" FROM ledger_nodes ORDER BY tenant_id, idx << level, level;"
	"DROP TABLE ledger_nodes;"
	"ALTER TABLE ledger_nodes_by_pos RENAME TO ledger_nodes;"
	APPEND_ONLY("ledger_nodes");

/* Ledger nodes in bands of five levels (band = level / 5), each band in leaf order: a random
 * proof at a million leaves then reads its five lowest siblings from one page and the next
 * five from one page of a band 1/32 the size, instead of one scattered page per level above
 * the first six. Upper bands are small enough to stay in SQLite's page cache. */
static const char m_node_band[] =
	"CREATE TABLE ledger_nodes_by_band(tenant_id TEXT NOT NULL, band INTEGER NOT NULL,"
	" pos INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
	" PRIMARY KEY(tenant_id, band, pos, level)) WITHOUT ROWID;"
	"INSERT INTO ledger_nodes_by_band SELECT tenant_id, level / " STORE_NODE_BAND_SQL ", pos,"
	" level, idx, hash FROM ledger_nodes"
	" ORDER BY tenant_id, level / " STORE_NODE_BAND_SQL ", pos, level;"
	"DROP TABLE ledger_nodes;"
	"ALTER TABLE ledger_nodes_by_band RENAME TO ledger_nodes;"
	APPEND_ONLY("ledger_nodes");

const char *const store_schema[] = {m1,		  m_runbooks, m_evidence,
				    m_exceptions, m_node_pos, m_node_band};
const int store_schema_count = (int)(sizeof store_schema / sizeof store_schema[0]);
