/* SQL for the ledger in PostgreSQL: receipts as their exact leaf bytes, decision records, the
 * perfect-subtree nodes that make appends and proofs O(log n), and signed checkpoints. */
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "store_schema.h"

/* Rows per page of a walk: a tenant's receipts and checkpoints number in the millions, and a
 * walk holds one page at a time. */
#define WALK_PAGE 1000

int64_t pg_ledger_size(struct store *base, const char *tenant_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT COALESCE(MAX(seq), 0) FROM receipts WHERE tenant_id = $1";
	if (pg_scope(s, tenant_id, NULL))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	PGresult *r = pg_query(s, sql, &p, NULL);
	int64_t n = r && PQntuples(r) == 1 ? pg_int_at(r, 0, 0) : -1;
	PQclear(r);
	return n;
}

int pg_receipt_insert(struct store *base, const struct store_receipt_row *r, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO receipts(tenant_id, seq, id, at, actor, action,"
				  " resource, request_id, effect, leaf)"
				  " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
	if (pg_scope(s, r->tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, r->tenant_id);
	pg_int(&p, r->seq);
	const char *text[] = {r->id,	     r->at,	    r->actor, r->action,
			      r->resource, r->request_id, r->effect, r->leaf};
	for (int i = 0; i < 8; i++)
		pg_text(&p, text[i]);
	return pg_command(s, sql, &p, err);
}

int pg_decision_insert(struct store *base, const char *tenant_id, const char *receipt_id,
		       const char *digest_b64, const char *record, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO decisions(tenant_id, receipt_id, digest, record)"
				  " VALUES ($1,$2,$3,$4)";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, receipt_id);
	pg_text(&p, digest_b64);
	pg_text(&p, record);
	return pg_command(s, sql, &p, err);
}

int pg_node_put(struct store *base, const char *tenant_id, unsigned level, uint64_t index,
		const merkle_hash hash, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO ledger_nodes(tenant_id, level, idx, hash, pos, band)"
				  " VALUES ($1,$2,$3,$4,$5,$6)";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_int(&p, level);
	pg_int(&p, (int64_t)index);
	pg_bytes(&p, hash, MERKLE_HASH_LEN);
	pg_int(&p, (int64_t)(index << level));
	pg_int(&p, level / STORE_NODE_BAND);
	return pg_command(s, sql, &p, err);
}

int pg_node_get(struct store *base, const char *tenant_id, unsigned level, uint64_t index,
		merkle_hash out)
{
	struct store_pg *s = pg(base);
	/* A proof reads ~20 nodes: one prepared statement, one round trip each (the scope is
	 * cached, so setting it again costs nothing). */
	static const char sql[] = "SELECT hash FROM ledger_nodes WHERE tenant_id = $1"
				  " AND band = $2 AND pos = $3 AND level = $4";
	if (pg_scope(s, tenant_id, NULL))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_int(&p, level / STORE_NODE_BAND);
	pg_int(&p, (int64_t)(index << level));
	pg_int(&p, level);
	PGresult *r = pg_query(s, sql, &p, NULL);
	merkle_hash got;
	int rc = r && pg_bytes_at(r, 0, 0, got, MERKLE_HASH_LEN) == 0 ? 0 : -1;
	if (rc == 0)
		memcpy(out, got, MERKLE_HASH_LEN);
	PQclear(r);
	return rc;
}

int pg_checkpoint_insert(struct store *base, const char *tenant_id, uint64_t size,
			 const merkle_hash root, const char *note, const char *at,
			 struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO checkpoints(tenant_id, size, root, note, at)"
				  " VALUES ($1,$2,$3,$4,$5)";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_int(&p, (int64_t)size);
	pg_bytes(&p, root, MERKLE_HASH_LEN);
	pg_text(&p, note);
	pg_text(&p, at);
	return pg_command(s, sql, &p, err);
}

char *pg_checkpoint_get(struct store *base, const char *tenant_id, uint64_t size,
			uint64_t *size_out)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT note, size FROM checkpoints WHERE tenant_id = $1"
				  " AND ($2::bigint = 0 OR size = $2::bigint)"
				  " ORDER BY size DESC LIMIT 1";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_int(&p, (int64_t)size);
	PGresult *r = pg_query(s, sql, &p, NULL);
	char *note = NULL;
	if (r && PQntuples(r) > 0) {
		note = strdup(pg_text_at(r, 0, 0));
		if (size_out)
			*size_out = (uint64_t)pg_int_at(r, 0, 1);
	}
	PQclear(r);
	return note;
}

cJSON *pg_receipt_get(struct store *base, const char *tenant_id, const char *id, char **leaf_out)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT leaf FROM receipts WHERE tenant_id = $1 AND id = $2";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, id);
	PGresult *r = pg_query(s, sql, &p, NULL);
	cJSON *o = NULL;
	if (r && PQntuples(r) > 0) {
		const char *leaf = pg_text_at(r, 0, 0);
		o = cJSON_Parse(leaf);
		if (o && leaf_out)
			*leaf_out = strdup(leaf);
	}
	PQclear(r);
	return o;
}

cJSON *pg_receipt_list(struct store *base, const char *tenant_id,
		       const struct store_receipt_filter *f)
{
	struct store_pg *s = pg(base);
	static const char sql[] =
		"SELECT leaf FROM receipts WHERE tenant_id = $1"
		" AND ($2::text IS NULL OR action = $2::text)"
		" AND ($3::text IS NULL OR resource = $3::text)"
		" AND ($4::text IS NULL OR at >= $4::text) AND ($5::text IS NULL OR at < $5::text)"
		" AND seq > $6 ORDER BY seq LIMIT $7";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, f->action);
	pg_text(&p, f->resource);
	pg_text(&p, f->from);
	pg_text(&p, f->to);
	pg_int(&p, f->after_seq);
	pg_int(&p, (int64_t)f->limit + 1);
	PGresult *r = pg_query(s, sql, &p, NULL);
	if (!r)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < PQntuples(r); i++) {
		cJSON *o = cJSON_Parse(pg_text_at(r, i, 0));
		cJSON_AddItemToArray(a, o ? o : cJSON_CreateNull());
	}
	PQclear(r);
	return a;
}

/* A tenant's ledger rows in key order, a page at a time, each page its own statement (the
 * callbacks run queries of their own between pages). sql takes the tenant, the last key
 * handed so far, the last key wanted and the page size; page hands a page's rows on and
 * moves *after to the last one it handed. */
struct keyset_walk {
	const char *sql;
	int64_t after, last;
	int (*page)(struct keyset_walk *w, PGresult *r);
	union { /* the caller's callback, for page */
		store_receipt_fn receipt;
		store_checkpoint_fn checkpoint;
	} fn;
	void *ctx;
};

static int keyset_walk(struct store_pg *s, const char *tenant_id, struct keyset_walk *w)
{
	for (;;) {
		/* Again for each page: the callback may have scoped the connection elsewhere. */
		if (pg_scope(s, tenant_id, NULL))
			return -1;
		struct pg_params p = {0};
		pg_text(&p, tenant_id);
		pg_int(&p, w->after);
		pg_int(&p, w->last);
		pg_int(&p, WALK_PAGE);
		PGresult *r = pg_query(s, w->sql, &p, NULL);
		if (!r)
			return -1;
		int n = PQntuples(r), rc = w->page(w, r);
		PQclear(r);
		if (rc || n < WALK_PAGE)
			return rc;
	}
}

static int receipt_page(struct keyset_walk *w, PGresult *r)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		const char *c[8];
		for (int j = 0; j < 8; j++)
			c[j] = pg_text_at(r, i, j);
		struct store_receipt_row row = {c[0],		     c[1], c[2], c[3], c[4], c[5],
						c[6],		     c[7], pg_int_at(r, i, 8),
						pg_text_at(r, i, 9), pg_text_at(r, i, 10),
						pg_text_at(r, i, 11)};
		w->after = row.seq;
		rc = w->fn.receipt(w->ctx, &row);
	}
	return rc;
}

int pg_receipt_walk_seq(struct store *base, const char *tenant_id, int64_t first, int64_t last,
			store_receipt_fn fn, void *ctx)
{
	struct keyset_walk w = {
		"SELECT r.tenant_id, r.id, r.at, r.actor, r.action, r.resource, r.request_id,"
		" r.effect, r.seq, r.leaf, d.digest, d.record FROM receipts r"
		" LEFT JOIN decisions d ON d.tenant_id = r.tenant_id AND d.receipt_id = r.id"
		" WHERE r.tenant_id = $1 AND r.seq > $2 AND r.seq <= $3 ORDER BY r.seq LIMIT $4",
		first > INT64_MIN ? first - 1 : first, last, receipt_page, {.receipt = fn}, ctx};
	return keyset_walk(pg(base), tenant_id, &w);
}

static int checkpoint_page(struct keyset_walk *w, PGresult *r)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		merkle_hash root;
		if (pg_bytes_at(r, i, 1, root, MERKLE_HASH_LEN))
			memset(root, 0, MERKLE_HASH_LEN);
		w->after = pg_int_at(r, i, 0);
		rc = w->fn.checkpoint(w->ctx, (uint64_t)w->after, root, pg_text_at(r, i, 2));
	}
	return rc;
}

int pg_checkpoint_walk(struct store *base, const char *tenant_id, store_checkpoint_fn fn,
		       void *ctx)
{
	/* A checkpoint per transaction that appended: as many as receipts at worst, so paged
	 * like them. */
	struct keyset_walk w = {"SELECT size, root, note FROM checkpoints WHERE tenant_id = $1"
				" AND size > $2 AND size <= $3 ORDER BY size LIMIT $4",
				INT64_MIN, INT64_MAX, checkpoint_page, {.checkpoint = fn}, ctx};
	return keyset_walk(pg(base), tenant_id, &w);
}

cJSON *pg_ledger_tenants(struct store *base)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT DISTINCT tenant_id FROM checkpoints"
				  " UNION SELECT DISTINCT tenant_id FROM receipts"
				  " UNION SELECT id FROM tenants ORDER BY 1";
	/* Every tenant's ledger, by design. */
	if (pg_scope(s, PG_SCOPE_ALL, NULL))
		return NULL;
	return pg_strings(pg_query(s, sql, NULL, NULL));
}
