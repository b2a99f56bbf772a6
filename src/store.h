/* The store: every SQL statement klaxon runs lives behind these functions (store*.c), and every
 * one that touches tenant data is scoped by a tenant id the caller took from the authenticated
 * actor. Two implementations answer alike (store_api.h): SQLite in WAL mode (store_lite.c and
 * store_*.c; synchronous=FULL by default, defensive), and PostgreSQL for several klaxond
 * instances (store_pg*.c; row-level security behind the tenant scoping). Both migrate by
 * number at open and cache prepared statements per connection. Entities cross this boundary
 * as cJSON objects in API.md's shapes; the caller owns what a function returns. */
#ifndef KX_STORE_H
#define KX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "merkle.h"

struct store;

struct store_options {
	bool create;           /* make a new file (refused when one exists) */
	bool synchronous_full; /* FULL (default) or NORMAL */
	int busy_timeout_ms;
	const char *vfs; /* SQLite VFS name; NULL: the default */
	/* PostgreSQL: the longest a statement may run or wait on a lock before it fails (503);
	 * 0: 60 s. */
	int statement_timeout_ms;
};

/* location: a SQLite file path, or a postgres:// (postgresql://) URL for the PostgreSQL store
 * that several klaxond instances share (store_pg.c). */
struct store *store_open(const char *location, const struct store_options *opt,
			 struct kx_error *err);
bool store_is_url(const char *location);
void store_close(struct store *s);
int store_schema_version(struct store *s);

/* A consistent copy of the live store at dest (created exclusively, 0600), through SQLite's
 * online backup API: writers on other connections go on meanwhile. 0, or -1 with err. */
int store_backup(struct store *s, const char *dest, struct kx_error *err);

/* Transactions: begin is IMMEDIATE so writers queue on the busy timeout instead of failing
 * at commit. Savepoints let one request's changes be undone inside a shared transaction. */
int store_begin(struct store *s, struct kx_error *err);
int store_commit(struct store *s, struct kx_error *err);
/* A deferred transaction: one consistent snapshot for a query; end it with store_rollback. */
int store_begin_read(struct store *s, struct kx_error *err);
void store_rollback(struct store *s);
int store_savepoint(struct store *s, struct kx_error *err);
int store_savepoint_release(struct store *s, struct kx_error *err);
void store_savepoint_rollback(struct store *s);
/* Did a statement of the current transaction fail for the store's own reasons (it timed out,
 * was cancelled, the database went away) rather than the caller's input? Getters answer such
 * a failure as "no row", which must not reach a client as a 404: -1 with err (503) when one
 * did, else 0. Both stores record the first such failure since the transaction or its latest
 * savepoint began (a group's members share one SQLite transaction). */
int store_txn_failure(struct store *s, struct kx_error *err);

/* SQLite: copies what the WAL holds into the database file as far as readers allow, without
 * waiting for the writer (a passive checkpoint), so that the writer's own checkpoint, when the
 * WAL reaches its limit, finds little left to copy. PostgreSQL: nothing. */
void store_wal_checkpoint(struct store *s);

/* Serialises writers of one scope (e.g. a tenant's ledger, an idempotency key) across every
 * process sharing the store, until the transaction ends. SQLite has a single writer already;
 * PostgreSQL takes a transaction-scoped advisory lock. scope names what is locked. */
int store_lock(struct store *s, const char *scope, struct kx_error *err);

/* meta: key/value facts about the store (the server key's id, the store's kind). */
int store_meta_set(struct store *s, const char *key, const char *value, struct kx_error *err);
char *store_meta_get(struct store *s, const char *key); /* NULL when absent; caller frees */

/* Tenants (the tenant row is scoped by its own id). */
int store_tenant_insert(struct store *s, const cJSON *tenant, struct kx_error *err);
cJSON *store_tenant_get(struct store *s, const char *tenant_id);
cJSON *store_tenant_find(struct store *s, const char *id_or_name); /* by id, then unique name */
int store_tenant_update(struct store *s, const cJSON *tenant, struct kx_error *err);
cJSON *store_tenant_list(struct store *s); /* array */

/* Actors. token_hash is SHA-256 of the token; lookups by it are the one query that crosses
 * tenants, since the token is what names the tenant. */
int store_actor_insert(struct store *s, const char *tenant_id, const cJSON *actor,
		       const uint8_t token_hash[32], struct kx_error *err);
cJSON *store_actor_get(struct store *s, const char *tenant_id, const char *id_or_name);
/* Finds the actor by token hash, fills tenant_id/actor id; the caller compares the stored
 * hash in constant time. Returns {"id", "tenant_id"} or NULL. */
cJSON *store_actor_by_token(struct store *s, const uint8_t token_hash[32], uint8_t stored[32]);
cJSON *store_actor_list(struct store *s, const char *tenant_id);
int store_actor_update(struct store *s, const char *tenant_id, const cJSON *actor,
		       struct kx_error *err);
/* Offboarding: every token of the tenant stops working. */
int store_tenant_revoke_tokens(struct store *s, const char *tenant_id, struct kx_error *err);
int store_actor_set_token(struct store *s, const char *tenant_id, const char *actor_id,
			  const uint8_t token_hash[32], struct kx_error *err);

/* Versioned documents per tenant: role catalogs and policy profiles. */
enum store_doc_kind { STORE_DOC_ROLES, STORE_DOC_PROFILE, STORE_DOC_REDACTION };
/* Appends a new version of doc (exact bytes) and returns the version number, or -1. */
int store_doc_append(struct store *s, enum store_doc_kind kind, const char *tenant_id,
		     const char *doc, const char *digest_b64, const char *at, struct kx_error *err);
/* The current version's number and digest, without its text: 0, 1 when there is none, -1. */
#define STORE_DIGEST_MAX 48
int store_doc_head(struct store *s, enum store_doc_kind kind, const char *tenant_id,
		   int *version, char digest[STORE_DIGEST_MAX]);
/* version 0 = current. Returns {"version", "digest", "doc": <string>, "created_at"} or NULL. */
cJSON *store_doc_get(struct store *s, enum store_doc_kind kind, const char *tenant_id,
		     int version);

/* Incidents and their timelines. */
int store_incident_insert(struct store *s, const cJSON *incident, struct kx_error *err);
int store_incident_update(struct store *s, const cJSON *incident, struct kx_error *err);
cJSON *store_incident_get(struct store *s, const char *tenant_id, const char *id);
struct store_incident_filter {
	const char *statuses[8];
	int n_statuses;
	const char *severity; /* NULL: any */
	const char *q;        /* substring of the title, NULL: any */
	const char *after_id; /* keyset cursor: items older than this id */
	int limit;
};
/* Newest first; returns an array of at most limit+1 items (one more tells there is a next
 * page). */
cJSON *store_incident_list(struct store *s, const char *tenant_id,
			   const struct store_incident_filter *f);
int store_timeline_insert(struct store *s, const char *tenant_id, const cJSON *event,
			  struct kx_error *err);
/* Oldest first, after after_id (NULL: from the start), at most limit+1. */
cJSON *store_timeline_list(struct store *s, const char *tenant_id, const char *incident_id,
			   const char *after_id, int limit);

/* The ledger: receipts (leaf bytes), decisions, perfect-subtree nodes and checkpoints. */
struct store_receipt_row {
	const char *tenant_id, *id, *at, *actor, *action, *resource, *request_id, *effect;
	int64_t seq;
	const char *leaf; /* exact leaf bytes, one line of JSON */
	/* Walks only: the decision record kept beside the receipt and its stored digest (both
	 * NULL when there is none). Ignored by store_receipt_insert. */
	const char *decision_digest, *decision_record;
};
int64_t store_ledger_size(struct store *s, const char *tenant_id); /* -1 on error */
int store_receipt_insert(struct store *s, const struct store_receipt_row *r, struct kx_error *err);
int store_decision_insert(struct store *s, const char *tenant_id, const char *receipt_id,
			  const char *digest_b64, const char *record, struct kx_error *err);
int store_node_put(struct store *s, const char *tenant_id, unsigned level, uint64_t index,
		   const merkle_hash hash, struct kx_error *err);
int store_node_get(struct store *s, const char *tenant_id, unsigned level, uint64_t index,
		   merkle_hash out);
int store_checkpoint_insert(struct store *s, const char *tenant_id, uint64_t size,
			    const merkle_hash root, const char *note, const char *at,
			    struct kx_error *err);
/* The signed note at `size` (0: the latest); NULL when none. *size_out gets its size. */
char *store_checkpoint_get(struct store *s, const char *tenant_id, uint64_t size,
			   uint64_t *size_out);
/* A receipt as API.md shapes it (its leaf's fields) by id; NULL when none. leaf_out, when not
 * NULL, receives the exact leaf bytes (caller frees). */
cJSON *store_receipt_get(struct store *s, const char *tenant_id, const char *id, char **leaf_out);
struct store_receipt_filter {
	const char *action, *resource, *from, *to;
	int64_t after_seq; /* keyset cursor: newer than this seq, 0 from the start */
	int limit;
};
/* Oldest first; at most limit+1 receipts parsed from their leaves. */
cJSON *store_receipt_list(struct store *s, const char *tenant_id,
			  const struct store_receipt_filter *f);
/* Walks every receipt of a tenant in seq order, for ledger verification. The callback gets
 * the stored columns and leaf; a non-zero return stops the walk and is returned. */
typedef int (*store_receipt_fn)(void *ctx, const struct store_receipt_row *r);
int store_receipt_walk(struct store *s, const char *tenant_id, store_receipt_fn fn, void *ctx);
/* Every checkpoint size of a tenant, ascending, through fn(ctx, size, root, note). */
typedef int (*store_checkpoint_fn)(void *ctx, uint64_t size, const merkle_hash root,
				   const char *note);
int store_checkpoint_walk(struct store *s, const char *tenant_id, store_checkpoint_fn fn,
			  void *ctx);
/* Every tenant that has a ledger (including "platform"), as an array of ids. */
cJSON *store_ledger_tenants(struct store *s);

/* Runbooks (store_runbook.c): signing keys, versions, executions, steps, approvals. Rows
 * travel as objects with the table's column names. */
int store_signing_key_insert(struct store *s, const char *tenant_id, const cJSON *key,
			     struct kx_error *err);
cJSON *store_signing_key_get(struct store *s, const char *tenant_id, const char *key_id);
cJSON *store_signing_key_list(struct store *s, const char *tenant_id);
int store_signing_key_revoke(struct store *s, const char *tenant_id, const char *key_id,
			     const char *at, struct kx_error *err);
int store_runbook_insert(struct store *s, const char *tenant_id, const cJSON *rb,
			 struct kx_error *err);
int store_runbook_latest(struct store *s, const char *tenant_id, const char *id); /* 0: none */
/* version 0: the latest; with document and signature. */
cJSON *store_runbook_get(struct store *s, const char *tenant_id, const char *id, int version);
cJSON *store_runbook_by_digest(struct store *s, const char *tenant_id, const char *id,
			       const char *digest);
cJSON *store_runbook_list(struct store *s, const char *tenant_id);
int store_execution_insert(struct store *s, const char *tenant_id, const cJSON *ex,
			   struct kx_error *err);
int store_execution_set_status(struct store *s, const char *tenant_id, const char *id,
			       const char *status, const char *at, const char *receipt_id,
			       struct kx_error *err);
cJSON *store_execution_get(struct store *s, const char *tenant_id, const char *id);
cJSON *store_execution_list(struct store *s, const char *tenant_id, const char *status,
			    const char *incident_id, const char *after_id, int limit);
int store_step_insert(struct store *s, const char *tenant_id, const char *execution_id,
		      const cJSON *step, struct kx_error *err);
int store_step_update(struct store *s, const char *tenant_id, const char *execution_id,
		      const cJSON *step, struct kx_error *err);
cJSON *store_step_list(struct store *s, const char *tenant_id, const char *execution_id);
int store_approval_insert(struct store *s, const char *tenant_id, const cJSON *approval,
			  struct kx_error *err);
int store_approval_seen(struct store *s, const char *tenant_id, const char *execution_id,
			const char *step_id, const char *approver, const char *nonce);
/* A pending approval's place in its list: (requested_at, execution_id, step_index). */
struct store_approval_key {
	const char *requested_at;
	const char *execution_id;
	int step_index;
};
/* Open gates of running executions in key order, after the key *after (NULL: from the
 * start); at most limit+1 rows (one more tells there is a next page). */
cJSON *store_approvals_pending_after(struct store *s, const char *tenant_id,
				     const struct store_approval_key *after, int limit);
static inline cJSON *store_approvals_pending(struct store *s, const char *tenant_id, int limit)
{
	return store_approvals_pending_after(s, tenant_id, NULL, limit);
}
/* Open gates across every tenant: an operational gauge for the platform, never shown to a
 * tenant. */
int64_t store_pending_approvals_all(struct store *s);

/* Governed exceptions (store_exception.c). acknowledge: 0 done, 1 none open, -1 error. */
int store_exception_insert(struct store *s, const char *tenant_id, const cJSON *exception,
			   struct kx_error *err);
cJSON *store_exception_list(struct store *s, const char *tenant_id, bool open_only);
int store_exception_acknowledge(struct store *s, const char *tenant_id, const char *receipt_id,
				const char *actor, const char *at, struct kx_error *err);

/* Idempotency records. */
struct store_idem {
	char *request_digest; /* base64 */
	int status;
	char *response;
	char *location;
};
/* 1 when a record exists (fills rec, caller frees with store_idem_free), 0 when none, -1. */
int store_idem_get(struct store *s, const char *tenant_id, const char *actor_id, const char *key,
		   struct store_idem *rec);
int store_idem_put(struct store *s, const char *tenant_id, const char *actor_id, const char *key,
		   const struct store_idem *rec, const char *at, struct kx_error *err);
void store_idem_free(struct store_idem *rec);

/* Metering: raw events plus hourly rollups, both written by one call. */
int store_usage_add(struct store *s, const char *tenant_id, const char *event_type,
		    int64_t units, const char *at, const char *request_id, struct kx_error *err);
/* Rollups in [from, to) by hour (or by day), through fn(ctx, tenant, bucket_start, type,
 * units) in bucket order; one bucket's units of one type may come in several calls, which
 * fn adds up. tenant_id NULL walks every tenant: the platform report, reached only
 * through an operation that platform admins alone are allowed. */
typedef int (*store_usage_fn)(void *ctx, const char *tenant_id, const char *bucket,
			      const char *event_type, int64_t units);
int store_usage_walk(struct store *s, const char *tenant_id, const char *from, const char *to,
		     bool by_day, store_usage_fn fn, void *ctx);
/* Retention: deletes the tenant's raw events before `before`; the rollups stay. */
int store_usage_prune(struct store *s, const char *tenant_id, const char *before,
		      struct kx_error *err);
/* Tenants that have raw events (the unattributed "" among them), as an array of ids. */
cJSON *store_usage_tenants(struct store *s);

/* Evidence exports (store_evidence.c). */
struct store_export_row {
	const char *tenant_id, *id, *from, *to, *created_at, *actor, *receipt_id;
	const char *manifest_digest, *counts_json;
	int64_t checkpoint_size, previous_size; /* previous_size 0: no earlier export */
	int64_t bytes;
};
/* A new, empty file for the bundle of export_id, open for writing; the caller writes the
 * bundle into it, then hands it to store_evidence_insert (or, on failure, calls
 * store_evidence_discard), and closes it either way. SQLite: the bundle's own file beside
 * the store (store_bundle.c); PostgreSQL: a temporary file. NULL with err. */
FILE *store_evidence_spool(struct store *s, const char *tenant_id, const char *export_id,
			   struct kx_error *err);
void store_evidence_discard(struct store *s, const char *tenant_id, const char *export_id);
/* The record and its bundle: `bundle` is the spooled file, r->bytes long. SQLite makes the
 * file durable under its final name before the record is written (a failed insert removes
 * it again); PostgreSQL streams it into the database. */
int store_evidence_insert(struct store *s, const struct store_export_row *r, FILE *bundle,
			  struct kx_error *err);
/* The checkpoint size the tenant's latest export was proven against; 0 when none, -1. */
int64_t store_evidence_last_size(struct store *s, const char *tenant_id);
/* Newest first, keyset-paged by id; at most limit+1 rows. */
cJSON *store_evidence_list(struct store *s, const char *tenant_id, const char *after_id,
			   int limit);
cJSON *store_evidence_get(struct store *s, const char *tenant_id, const char *id);
/* The bundle's bytes (caller frees): 0, 1 when there is no such export, -1 with err (a
 * bundle file missing or of the wrong size says so). */
int store_evidence_bundle(struct store *s, const char *tenant_id, const char *id, char **data,
			  size_t *len, struct kx_error *err);
/* The seq range of the receipts whose time is in [from, to), and of those the window's
 * timeline events point at: both 0 when none. An export takes the whole contiguous run
 * between them, so that an omission is a visible gap. */
int store_receipt_seq_range(struct store *s, const char *tenant_id, const char *from,
			    const char *to, int64_t *first, int64_t *last);
int store_receipt_walk_seq(struct store *s, const char *tenant_id, int64_t first, int64_t last,
			   store_receipt_fn fn, void *ctx);
/* Row walks: fn borrows each row (it may change it: the walk frees it after fn returns); a
 * non-zero return stops the walk and is returned. */
typedef int (*store_row_fn)(void *ctx, cJSON *row);
/* Incidents with a timeline event in [from, to), as they stand now, by id. */
int store_incident_walk_window(struct store *s, const char *tenant_id, const char *from,
			       const char *to, store_row_fn fn, void *ctx);
int store_timeline_walk_window(struct store *s, const char *tenant_id, const char *from,
			       const char *to, store_row_fn fn, void *ctx);
/* The version of a document in force at `at` (0: none yet), and versions first..last. */
int store_doc_version_at(struct store *s, enum store_doc_kind kind, const char *tenant_id,
			 const char *at);
int store_doc_walk(struct store *s, enum store_doc_kind kind, const char *tenant_id, int first,
		   int last, store_row_fn fn, void *ctx);

#endif
