/* SQL for the ledger: receipts as their exact leaf bytes, decision records, the perfect-subtree
 * nodes that make appends and proofs O(log n), and signed checkpoints. */
#include <stdlib.h>
#include <string.h>

#include "store_lite.h"
#include "store_schema.h"

int64_t lite_ledger_size(struct store *base, const char *tenant_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT COALESCE(MAX(seq), 0) FROM receipts WHERE tenant_id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

int lite_receipt_insert(struct store *base, const struct store_receipt_row *r, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO receipts(tenant_id, seq, id, at, actor, action,"
				  " resource, request_id, effect, leaf) VALUES (?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, r->tenant_id);
	sqlite3_bind_int64(st, 2, r->seq);
	store_bind_text(st, 3, r->id);
	store_bind_text(st, 4, r->at);
	store_bind_text(st, 5, r->actor);
	store_bind_text(st, 6, r->action);
	store_bind_text(st, 7, r->resource);
	store_bind_text(st, 8, r->request_id);
	store_bind_text(st, 9, r->effect);
	store_bind_text(st, 10, r->leaf);
	return store_step_done(s, st, err);
}

int lite_decision_insert(struct store *base, const char *tenant_id, const char *receipt_id,
			  const char *digest_b64, const char *record, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO decisions(tenant_id, receipt_id, digest, record)"
				  " VALUES (?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, receipt_id);
	store_bind_text(st, 3, digest_b64);
	store_bind_text(st, 4, record);
	return store_step_done(s, st, err);
}

int lite_node_put(struct store *base, const char *tenant_id, unsigned level, uint64_t index,
		   const merkle_hash hash, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO ledger_nodes(tenant_id, level, idx, hash, pos, band)"
				  " VALUES (?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	sqlite3_bind_int(st, 2, (int)level);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)index);
	sqlite3_bind_blob(st, 4, hash, MERKLE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(index << level));
	sqlite3_bind_int(st, 6, (int)(level / STORE_NODE_BAND));
	return store_step_done(s, st, err);
}

int lite_node_get(struct store *base, const char *tenant_id, unsigned level, uint64_t index,
		   merkle_hash out)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT hash FROM ledger_nodes WHERE tenant_id = ?"
				  " AND band = ? AND pos = ? AND level = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	/* A proof reads ~20 nodes: tenant_id outlives the step, so it is bound without a copy. */
	sqlite3_bind_text(st, 1, tenant_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)(level / STORE_NODE_BAND));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(index << level));
	sqlite3_bind_int(st, 4, (int)level);
	int rc = -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == MERKLE_HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), MERKLE_HASH_LEN);
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

int lite_checkpoint_insert(struct store *base, const char *tenant_id, uint64_t size,
			    const merkle_hash root, const char *note, const char *at,
			    struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO checkpoints(tenant_id, size, root, note, at)"
				  " VALUES (?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 3, root, MERKLE_HASH_LEN, SQLITE_STATIC);
	store_bind_text(st, 4, note);
	store_bind_text(st, 5, at);
	return store_step_done(s, st, err);
}

char *lite_checkpoint_get(struct store *base, const char *tenant_id, uint64_t size,
			   uint64_t *size_out)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT note, size FROM checkpoints WHERE tenant_id = ?1"
				  " AND (?2 = 0 OR size = ?2) ORDER BY size DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	char *note = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		note = strdup((const char *)sqlite3_column_text(st, 0));
		if (size_out)
			*size_out = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return note;
}

cJSON *lite_receipt_get(struct store *base, const char *tenant_id, const char *id, char **leaf_out)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT leaf FROM receipts WHERE tenant_id = ? AND id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	cJSON *r = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *leaf = (const char *)sqlite3_column_text(st, 0);
		r = cJSON_Parse(leaf);
		if (r && leaf_out)
			*leaf_out = strdup(leaf);
	}
	sqlite3_reset(st);
	return r;
}

cJSON *lite_receipt_list(struct store *base, const char *tenant_id,
			  const struct store_receipt_filter *f)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT leaf FROM receipts WHERE tenant_id = ?1"
				  " AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR resource = ?3)"
				  " AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5)"
				  " AND seq > ?6 ORDER BY seq LIMIT ?7";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, f->action);
	store_bind_text(st, 3, f->resource);
	store_bind_text(st, 4, f->from);
	store_bind_text(st, 5, f->to);
	sqlite3_bind_int64(st, 6, f->after_seq);
	sqlite3_bind_int(st, 7, f->limit + 1);
	cJSON *a = cJSON_CreateArray();
	while (a && sqlite3_step(st) == SQLITE_ROW) {
		cJSON *r = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
		cJSON_AddItemToArray(a, r ? r : cJSON_CreateNull());
	}
	sqlite3_reset(st);
	return a;
}

int lite_receipt_walk_seq(struct store *base, const char *tenant_id, int64_t first, int64_t last,
			   store_receipt_fn fn, void *ctx)
{
	struct store_lite *s = lite(base);
	/* Its own statement (not the cache): the callback runs cached queries. Each receipt
	 * comes with its decision record, which every walker (verification, export) reads. */
	static const char sql[] =
		"SELECT r.tenant_id, r.id, r.at, r.actor, r.action, r.resource, r.request_id,"
		" r.effect, r.seq, r.leaf, d.digest, d.record FROM receipts r"
		" LEFT JOIN decisions d ON d.tenant_id = r.tenant_id AND d.receipt_id = r.id"
		" WHERE r.tenant_id = ? AND r.seq >= ? AND r.seq <= ? ORDER BY r.seq";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, last);
	int rc = 0, step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c[8];
		for (int i = 0; i < 8; i++)
			c[i] = (const char *)sqlite3_column_text(st, i);
		struct store_receipt_row r = {c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
					      sqlite3_column_int64(st, 8),
					      (const char *)sqlite3_column_text(st, 9),
					      (const char *)sqlite3_column_text(st, 10),
					      (const char *)sqlite3_column_text(st, 11)};
		rc = fn(ctx, &r);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(st);
	return rc;
}

int lite_checkpoint_walk(struct store *base, const char *tenant_id, store_checkpoint_fn fn,
			  void *ctx)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT size, root, note FROM checkpoints WHERE tenant_id = ?"
				  " ORDER BY size";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(st, 1, tenant_id);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		merkle_hash root = {0};
		if (sqlite3_column_bytes(st, 1) == MERKLE_HASH_LEN)
			memcpy(root, sqlite3_column_blob(st, 1), MERKLE_HASH_LEN);
		rc = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), root,
			(const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	return rc;
}

cJSON *lite_ledger_tenants(struct store *base)
{
	struct store_lite *s = lite(base);
	/* Every tenant has a ledger (its creation is its first leaf): one whose ledger rows
	 * are all gone is listed from tenants, and fails verification. */
	static const char sql[] = "SELECT DISTINCT tenant_id FROM checkpoints"
				  " UNION SELECT DISTINCT tenant_id FROM receipts"
				  " UNION SELECT id FROM tenants ORDER BY 1";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	while (a && sqlite3_step(st) == SQLITE_ROW)
		cJSON_AddItemToArray(a, cJSON_CreateString((const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	return a;
}
