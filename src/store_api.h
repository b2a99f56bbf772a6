/* The store's operations as one list, expanded into the table every store implementation
 * fills (struct store_ops) and into the functions of store.h that dispatch through it. Each
 * row: return type, name (after store_), parameters, arguments; V rows return nothing.
 * store.h documents each one. */
#ifndef KX_STORE_API_H
#define KX_STORE_API_H

#include "store.h"

#define STORE_API(X, V) \
	V(void, close, (struct store *s), (s)) \
	X(int, schema_version, (struct store *s), (s)) \
	X(int, backup, (struct store *s, const char *dest, struct kx_error *err), (s, dest, err)) \
	X(int, begin, (struct store *s, struct kx_error *err), (s, err)) \
	X(int, commit, (struct store *s, struct kx_error *err), (s, err)) \
	X(int, begin_read, (struct store *s, struct kx_error *err), (s, err)) \
	V(void, rollback, (struct store *s), (s)) \
	X(int, savepoint, (struct store *s, struct kx_error *err), (s, err)) \
	X(int, savepoint_release, (struct store *s, struct kx_error *err), (s, err)) \
	V(void, savepoint_rollback, (struct store *s), (s)) \
	X(int, txn_failure, (struct store *s, struct kx_error *err), (s, err)) \
	V(void, wal_checkpoint, (struct store *s), (s)) \
	X(int, lock, (struct store *s, const char *scope, struct kx_error *err), (s, scope, err)) \
	X(int, meta_set, (struct store *s, const char *key, const char *value, \
		struct kx_error *err), \
		(s, key, value, err)) \
	X(char *, meta_get, (struct store *s, const char *key), (s, key)) \
	X(int, tenant_insert, (struct store *s, const cJSON *tenant, struct kx_error *err), \
		(s, tenant, err)) \
	X(cJSON *, tenant_get, (struct store *s, const char *tenant_id), (s, tenant_id)) \
	X(cJSON *, tenant_find, (struct store *s, const char *id_or_name), (s, id_or_name)) \
	X(int, tenant_update, (struct store *s, const cJSON *tenant, struct kx_error *err), \
		(s, tenant, err)) \
	X(cJSON *, tenant_list, (struct store *s), (s)) \
	X(int, actor_insert, (struct store *s, const char *tenant_id, const cJSON *actor, \
		const uint8_t token_hash[32], struct kx_error *err), \
		(s, tenant_id, actor, token_hash, err)) \
	X(cJSON *, actor_get, (struct store *s, const char *tenant_id, const char *id_or_name), \
		(s, tenant_id, id_or_name)) \
	X(cJSON *, actor_by_token, (struct store *s, const uint8_t token_hash[32], \
		uint8_t stored[32]), \
		(s, token_hash, stored)) \
	X(cJSON *, actor_list, (struct store *s, const char *tenant_id), (s, tenant_id)) \
	X(int, actor_update, (struct store *s, const char *tenant_id, const cJSON *actor, \
		struct kx_error *err), \
		(s, tenant_id, actor, err)) \
	X(int, tenant_revoke_tokens, (struct store *s, const char *tenant_id, \
		struct kx_error *err), \
		(s, tenant_id, err)) \
	X(int, actor_set_token, (struct store *s, const char *tenant_id, const char *actor_id, \
		const uint8_t token_hash[32], struct kx_error *err), \
		(s, tenant_id, actor_id, token_hash, err)) \
	X(int, doc_append, (struct store *s, enum store_doc_kind kind, const char *tenant_id, \
		const char *doc, const char *digest_b64, const char *at, struct kx_error *err), \
		(s, kind, tenant_id, doc, digest_b64, at, err)) \
	X(int, doc_head, (struct store *s, enum store_doc_kind kind, const char *tenant_id, \
		int *version, char digest[STORE_DIGEST_MAX]), \
		(s, kind, tenant_id, version, digest)) \
	X(cJSON *, doc_get, (struct store *s, enum store_doc_kind kind, const char *tenant_id, \
		int version), \
		(s, kind, tenant_id, version)) \
	X(int, incident_insert, (struct store *s, const cJSON *incident, struct kx_error *err), \
		(s, incident, err)) \
	X(int, incident_update, (struct store *s, const cJSON *incident, struct kx_error *err), \
		(s, incident, err)) \
	X(cJSON *, incident_get, (struct store *s, const char *tenant_id, const char *id), \
		(s, tenant_id, id)) \
	X(cJSON *, incident_list, (struct store *s, const char *tenant_id, \
		const struct store_incident_filter *f), \
		(s, tenant_id, f)) \
	X(int, timeline_insert, (struct store *s, const char *tenant_id, const cJSON *event, \
		struct kx_error *err), \
		(s, tenant_id, event, err)) \
	X(cJSON *, timeline_list, (struct store *s, const char *tenant_id, \
		const char *incident_id, const char *after_id, int limit), \
		(s, tenant_id, incident_id, after_id, limit)) \
	X(int64_t, ledger_size, (struct store *s, const char *tenant_id), (s, tenant_id)) \
	X(int, receipt_insert, (struct store *s, const struct store_receipt_row *r, \
		struct kx_error *err), \
		(s, r, err)) \
	X(int, decision_insert, (struct store *s, const char *tenant_id, const char *receipt_id, \
		const char *digest_b64, const char *record, struct kx_error *err), \
		(s, tenant_id, receipt_id, digest_b64, record, err)) \
	X(int, node_put, (struct store *s, const char *tenant_id, unsigned level, uint64_t index, \
		const merkle_hash hash, struct kx_error *err), \
		(s, tenant_id, level, index, hash, err)) \
	X(int, node_get, (struct store *s, const char *tenant_id, unsigned level, uint64_t index, \
		merkle_hash out), \
		(s, tenant_id, level, index, out)) \
	X(int, checkpoint_insert, (struct store *s, const char *tenant_id, uint64_t size, \
		const merkle_hash root, const char *note, const char *at, struct kx_error *err), \
		(s, tenant_id, size, root, note, at, err)) \
	X(char *, checkpoint_get, (struct store *s, const char *tenant_id, uint64_t size, \
		uint64_t *size_out), \
		(s, tenant_id, size, size_out)) \
	X(cJSON *, receipt_get, (struct store *s, const char *tenant_id, const char *id, \
		char **leaf_out), \
		(s, tenant_id, id, leaf_out)) \
	X(cJSON *, receipt_list, (struct store *s, const char *tenant_id, \
		const struct store_receipt_filter *f), \
		(s, tenant_id, f)) \
	X(int, checkpoint_walk, (struct store *s, const char *tenant_id, store_checkpoint_fn fn, \
		void *ctx), \
		(s, tenant_id, fn, ctx)) \
	X(cJSON *, ledger_tenants, (struct store *s), (s)) \
	X(int, signing_key_insert, (struct store *s, const char *tenant_id, const cJSON *key, \
		struct kx_error *err), \
		(s, tenant_id, key, err)) \
	X(cJSON *, signing_key_get, (struct store *s, const char *tenant_id, const char *key_id), \
		(s, tenant_id, key_id)) \
	X(cJSON *, signing_key_list, (struct store *s, const char *tenant_id), (s, tenant_id)) \
	X(int, signing_key_revoke, (struct store *s, const char *tenant_id, const char *key_id, \
		const char *at, struct kx_error *err), \
		(s, tenant_id, key_id, at, err)) \
	X(int, runbook_insert, (struct store *s, const char *tenant_id, const cJSON *rb, \
		struct kx_error *err), \
		(s, tenant_id, rb, err)) \
	X(int, runbook_latest, (struct store *s, const char *tenant_id, const char *id), \
		(s, tenant_id, id)) \
	X(cJSON *, runbook_get, (struct store *s, const char *tenant_id, const char *id, \
		int version), \
		(s, tenant_id, id, version)) \
	X(cJSON *, runbook_by_digest, (struct store *s, const char *tenant_id, const char *id, \
		const char *digest), \
		(s, tenant_id, id, digest)) \
	X(cJSON *, runbook_list, (struct store *s, const char *tenant_id), (s, tenant_id)) \
	X(int, execution_insert, (struct store *s, const char *tenant_id, const cJSON *ex, \
		struct kx_error *err), \
		(s, tenant_id, ex, err)) \
	X(int, execution_set_status, (struct store *s, const char *tenant_id, const char *id, \
		const char *status, const char *at, const char *receipt_id, struct kx_error *err), \
		(s, tenant_id, id, status, at, receipt_id, err)) \
	X(cJSON *, execution_get, (struct store *s, const char *tenant_id, const char *id), \
		(s, tenant_id, id)) \
	X(cJSON *, execution_list, (struct store *s, const char *tenant_id, const char *status, \
		const char *incident_id, const char *after_id, int limit), \
		(s, tenant_id, status, incident_id, after_id, limit)) \
	X(int, step_insert, (struct store *s, const char *tenant_id, const char *execution_id, \
		const cJSON *step, struct kx_error *err), \
		(s, tenant_id, execution_id, step, err)) \
	X(int, step_update, (struct store *s, const char *tenant_id, const char *execution_id, \
		const cJSON *step, struct kx_error *err), \
		(s, tenant_id, execution_id, step, err)) \
	X(cJSON *, step_list, (struct store *s, const char *tenant_id, const char *execution_id), \
		(s, tenant_id, execution_id)) \
	X(int, approval_insert, (struct store *s, const char *tenant_id, const cJSON *approval, \
		struct kx_error *err), \
		(s, tenant_id, approval, err)) \
	X(int, approval_seen, (struct store *s, const char *tenant_id, const char *execution_id, \
		const char *step_id, const char *approver, const char *nonce), \
		(s, tenant_id, execution_id, step_id, approver, nonce)) \
	X(cJSON *, approvals_pending_after, (struct store *s, const char *tenant_id, \
		const struct store_approval_key *after, int limit), \
		(s, tenant_id, after, limit)) \
	X(int64_t, pending_approvals_all, (struct store *s), (s)) \
	X(int, exception_insert, (struct store *s, const char *tenant_id, const cJSON *exception, \
		struct kx_error *err), \
		(s, tenant_id, exception, err)) \
	X(cJSON *, exception_list, (struct store *s, const char *tenant_id, bool open_only), \
		(s, tenant_id, open_only)) \
	X(int, exception_acknowledge, (struct store *s, const char *tenant_id, \
		const char *receipt_id, const char *actor, const char *at, struct kx_error *err), \
		(s, tenant_id, receipt_id, actor, at, err)) \
	X(int, idem_get, (struct store *s, const char *tenant_id, const char *actor_id, \
		const char *key, struct store_idem *rec), \
		(s, tenant_id, actor_id, key, rec)) \
	X(int, idem_put, (struct store *s, const char *tenant_id, const char *actor_id, \
		const char *key, const struct store_idem *rec, const char *at, \
		struct kx_error *err), \
		(s, tenant_id, actor_id, key, rec, at, err)) \
	X(int, usage_add, (struct store *s, const char *tenant_id, const char *event_type, \
		int64_t units, const char *at, const char *request_id, struct kx_error *err), \
		(s, tenant_id, event_type, units, at, request_id, err)) \
	X(int, usage_walk, (struct store *s, const char *tenant_id, const char *from, \
		const char *to, bool by_day, store_usage_fn fn, void *ctx), \
		(s, tenant_id, from, to, by_day, fn, ctx)) \
	X(int, usage_prune, (struct store *s, const char *tenant_id, const char *before, \
		struct kx_error *err), \
		(s, tenant_id, before, err)) \
	X(cJSON *, usage_tenants, (struct store *s), (s)) \
	X(FILE *, evidence_spool, (struct store *s, const char *tenant_id, const char *export_id, \
		struct kx_error *err), \
		(s, tenant_id, export_id, err)) \
	V(void, evidence_discard, (struct store *s, const char *tenant_id, const char *export_id), \
		(s, tenant_id, export_id)) \
	X(int, evidence_insert, (struct store *s, const struct store_export_row *r, FILE *bundle, \
		struct kx_error *err), \
		(s, r, bundle, err)) \
	X(int64_t, evidence_last_size, (struct store *s, const char *tenant_id), (s, tenant_id)) \
	X(cJSON *, evidence_list, (struct store *s, const char *tenant_id, const char *after_id, \
		int limit), \
		(s, tenant_id, after_id, limit)) \
	X(cJSON *, evidence_get, (struct store *s, const char *tenant_id, const char *id), \
		(s, tenant_id, id)) \
	X(int, evidence_bundle, (struct store *s, const char *tenant_id, const char *id, \
		char **data, size_t *len, struct kx_error *err), \
		(s, tenant_id, id, data, len, err)) \
	X(int, receipt_seq_range, (struct store *s, const char *tenant_id, const char *from, \
		const char *to, int64_t *first, int64_t *last), \
		(s, tenant_id, from, to, first, last)) \
	X(int, receipt_walk_seq, (struct store *s, const char *tenant_id, int64_t first, \
		int64_t last, store_receipt_fn fn, void *ctx), \
		(s, tenant_id, first, last, fn, ctx)) \
	X(int, incident_walk_window, (struct store *s, const char *tenant_id, const char *from, \
		const char *to, store_row_fn fn, void *ctx), \
		(s, tenant_id, from, to, fn, ctx)) \
	X(int, timeline_walk_window, (struct store *s, const char *tenant_id, const char *from, \
		const char *to, store_row_fn fn, void *ctx), \
		(s, tenant_id, from, to, fn, ctx)) \
	X(int, doc_version_at, (struct store *s, enum store_doc_kind kind, const char *tenant_id, \
		const char *at), \
		(s, kind, tenant_id, at)) \
	X(int, doc_walk, (struct store *s, enum store_doc_kind kind, const char *tenant_id, int first, int last, store_row_fn fn, void *ctx), (s, kind, tenant_id, first, last, fn, ctx))

struct store_ops {
#define STORE_OP_FIELD(ret, name, params, args) ret(*name) params;
	STORE_API(STORE_OP_FIELD, STORE_OP_FIELD)
#undef STORE_OP_FIELD
};

/* Every implementation's connection starts with this. */
struct store {
	const struct store_ops *ops;
};

#endif
