/* SQL for evidence exports: the record of each export (its bundle is a file beside the store,
 * store_bundle.c, or, for exports made before that, a blob), and the walks over a tenant's
 * window (receipts, incidents, timeline events, document versions) that an export streams
 * one row at a time, so that its memory does not grow with the window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_lite.h"

/* ---- the export record and its bundle ---- */

int lite_evidence_insert(struct store *base, const struct store_export_row *r, FILE *bundle,
			  struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char rec[] =
		"INSERT INTO evidence_exports(tenant_id, id, from_at, to_at, created_at, actor,"
		" receipt_id, checkpoint_size, previous_checkpoint_size, manifest_digest, counts,"
		" bytes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
	if (r->bytes <= 0 || r->bytes > 1000000000)
		return kx_error_set(err, 409, "conflict", NULL,
				    "the bundle is %lld bytes: narrow the window",
				    (long long)r->bytes);
	lite_bundle_sweep(s);
	/* The file first, durable: a committed record always has its bundle. */
	if (lite_bundle_keep(s, r->tenant_id, r->id, bundle, r->bytes, err))
		return -1;
	sqlite3_stmt *st = store_stmt(s, rec, err);
	if (!st) {
		lite_bundle_unkeep(s, r->tenant_id, r->id);
		return -1;
	}
	const char *text[] = {r->tenant_id, r->id,	   r->from,	  r->to,
			      r->created_at, r->actor, r->receipt_id};
	for (int i = 0; i < 7; i++)
		store_bind_text(st, i + 1, text[i]);
	sqlite3_bind_int64(st, 8, r->checkpoint_size);
	if (r->previous_size > 0)
		sqlite3_bind_int64(st, 9, r->previous_size);
	else
		sqlite3_bind_null(st, 9);
	store_bind_text(st, 10, r->manifest_digest);
	store_bind_text(st, 11, r->counts_json);
	sqlite3_bind_int64(st, 12, r->bytes);
	if (store_step_done(s, st, err)) {
		lite_bundle_unkeep(s, r->tenant_id, r->id);
		return -1;
	}
	return 0;
}

int64_t lite_evidence_last_size(struct store *base, const char *tenant_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT checkpoint_size FROM evidence_exports"
				  " WHERE tenant_id = ? ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	int rc = sqlite3_step(st);
	int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return n;
}

#define EXPORT_COLS                                                                           \
	"id, tenant_id, from_at AS \"from\", to_at AS \"to\", created_at, actor, receipt_id,"  \
	" checkpoint_size, previous_checkpoint_size, manifest_digest, counts AS counts_json,"  \
	" bytes"

cJSON *lite_evidence_list(struct store *base, const char *tenant_id, const char *after_id,
			   int limit)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " EXPORT_COLS " FROM evidence_exports"
				  " WHERE tenant_id = ?1 AND (?2 IS NULL OR id < ?2)"
				  " ORDER BY id DESC LIMIT ?3";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, after_id);
	sqlite3_bind_int(st, 3, limit + 1);
	return store_all_rows(s, st);
}

cJSON *lite_evidence_get(struct store *base, const char *tenant_id, const char *id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " EXPORT_COLS " FROM evidence_exports"
				  " WHERE tenant_id = ? AND id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	return store_one_row(s, st);
}

/* A bundle made by klaxon before bundles were files is a blob in evidence_bundles. */
static int bundle_blob(struct store_lite *s, sqlite3_int64 rowid, char **data, size_t *len,
		       struct kx_error *err)
{
	sqlite3_blob *blob = NULL;
	if (sqlite3_blob_open(s->db, "main", "evidence_bundles", "bundle", rowid, 0, &blob) !=
	    SQLITE_OK)
		return store_fail(s, err);
	int n = sqlite3_blob_bytes(blob);
	char *buf = malloc(n > 0 ? (size_t)n : 1);
	int out = -1;
	if (buf && sqlite3_blob_read(blob, buf, n, 0) == SQLITE_OK) {
		*data = buf;
		*len = (size_t)n;
		buf = NULL;
		out = 0;
	} else {
		kx_error_set(err, 503, "unavailable", NULL, "the bundle of this export is unreadable");
	}
	free(buf);
	sqlite3_blob_close(blob);
	return out;
}

int lite_evidence_bundle(struct store *base, const char *tenant_id, const char *id, char **data,
			 size_t *len, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] =
		"SELECT e.bytes, b.rowid FROM evidence_exports e LEFT JOIN evidence_bundles b"
		" ON b.tenant_id = e.tenant_id AND b.export_id = e.id"
		" WHERE e.tenant_id = ? AND e.id = ?";
	*data = NULL;
	*len = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	int rc = sqlite3_step(st);
	int64_t bytes = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	bool in_blob = rc == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL;
	sqlite3_int64 rowid = in_blob ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 1 : store_fail(s, err);
	if (in_blob)
		return bundle_blob(s, rowid, data, len, err);
	return lite_bundle_read(s, tenant_id, id, bytes, data, len, err);
}

/* ---- the window ---- */

int lite_receipt_seq_range(struct store *base, const char *tenant_id, const char *from,
			    const char *to, int64_t *first, int64_t *last)
{
	struct store_lite *s = lite(base);
	/* The receipts of the window's timeline events too: an act the core records for itself
	 * (a command step's end) may stamp its event a millisecond apart from its receipt. */
	static const char sql[] =
		"SELECT MIN(seq), MAX(seq) FROM receipts WHERE tenant_id = ?1"
		" AND ((at >= ?2 AND at < ?3) OR id IN (SELECT receipt_id FROM timeline"
		" WHERE tenant_id = ?1 AND at >= ?2 AND at < ?3))";
	*first = *last = 0;
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, from);
	store_bind_text(st, 3, to);
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
	if (rc == 0 && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*first = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc;
}

/* Steps a private statement, handing each row as an object to fn (which borrows it). */
static int walk_rows(sqlite3_stmt *st, store_row_fn fn, void *ctx)
{
	int rc = 0, step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *row = store_row_object(st);
		rc = row ? fn(ctx, row) : -1;
		cJSON_Delete(row);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(st);
	return rc;
}

int lite_incident_walk_window(struct store *base, const char *tenant_id, const char *from,
			       const char *to, store_row_fn fn, void *ctx)
{
	struct store_lite *s = lite(base);
	/* The incidents that had an event in the window, as they stand now. */
	static const char sql[] =
		"SELECT id, tenant_id, title, description, severity, status, commander, region,"
		" labels AS labels_json, created_at, updated_at, resolved_at, version, receipt_id"
		" FROM incidents WHERE tenant_id = ?1 AND id IN (SELECT incident_id FROM timeline"
		" WHERE tenant_id = ?1 AND at >= ?2 AND at < ?3) ORDER BY id";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, from);
	store_bind_text(st, 3, to);
	return walk_rows(st, fn, ctx);
}

int lite_timeline_walk_window(struct store *base, const char *tenant_id, const char *from,
			       const char *to, store_row_fn fn, void *ctx)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT id, incident_id, at, kind, actor, data AS data_json,"
				  " receipt_id FROM timeline WHERE tenant_id = ?1 AND at >= ?2"
				  " AND at < ?3 ORDER BY id";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, from);
	store_bind_text(st, 3, to);
	return walk_rows(st, fn, ctx);
}

static const char *doc_kind_name(enum store_doc_kind kind)
{
	switch (kind) {
	case STORE_DOC_ROLES: return "roles";
	case STORE_DOC_PROFILE: return "profile";
	default: return "redaction";
	}
}

int lite_doc_version_at(struct store *base, enum store_doc_kind kind, const char *tenant_id,
			 const char *at)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT COALESCE(MAX(version), 0) FROM documents"
				  " WHERE tenant_id = ? AND kind = ? AND created_at <= ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, doc_kind_name(kind));
	store_bind_text(st, 3, at);
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return v;
}

int lite_doc_walk(struct store *base, enum store_doc_kind kind, const char *tenant_id, int first,
		   int last, store_row_fn fn, void *ctx)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT version, digest, doc, created_at FROM documents"
				  " WHERE tenant_id = ? AND kind = ? AND version >= ? AND version <= ?"
				  " ORDER BY version";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, doc_kind_name(kind));
	sqlite3_bind_int(st, 3, first);
	sqlite3_bind_int(st, 4, last);
	return walk_rows(st, fn, ctx);
}
