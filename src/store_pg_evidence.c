/* SQL for evidence exports in PostgreSQL: the record and the bundle of each export, and the
 * walks over a tenant's window (receipts, incidents, timeline events, document versions) that
 * an export streams a page at a time, so that its memory does not grow with the window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

/* Bytes of a bundle sent per statement. */
#define BUNDLE_CHUNK (1 << 20)

/* ---- the export record and its bundle ---- */

/* Gathers the bundle, chunk by chunk, in a large object of this transaction (its oid in
 * `lo`), so that the bundle is never in memory whole: COPY FROM is refused on a table with
 * row-level security, and evidence_bundles is append-only, so a row cannot grow by UPDATE. */
static int bundle_stage(struct store_pg *s, FILE *bundle, int64_t bytes, char lo[16],
			struct kx_error *err)
{
	static const char create[] = "SELECT lo_create(0)";
	static const char put[] = "SELECT lo_put($1::oid, $2::bigint, $3::bytea)";
	PGresult *r = pg_query(s, create, NULL, err);
	if (!r)
		return -1;
	snprintf(lo, 16, "%s", PQntuples(r) == 1 ? pg_text_at(r, 0, 0) : "");
	PQclear(r);
	char *buf = malloc(BUNDLE_CHUNK);
	if (!buf)
		return kx_error_set(err, 503, "unavailable", NULL, "out of memory");
	int rc = 0;
	rewind(bundle);
	for (int64_t off = 0; rc == 0 && off < bytes; off += BUNDLE_CHUNK) {
		size_t want = bytes - off < BUNDLE_CHUNK ? (size_t)(bytes - off) : BUNDLE_CHUNK;
		if (fread(buf, 1, want, bundle) != want) {
			rc = kx_error_set(err, 503, "unavailable", NULL,
					  "the bundle could not be read back");
			break;
		}
		struct pg_params p = {0};
		pg_text(&p, lo);
		pg_int(&p, off);
		pg_bytes(&p, buf, want);
		rc = pg_command(s, put, &p, err);
	}
	free(buf);
	return rc;
}

static int bundle_insert(struct store_pg *s, const struct store_export_row *r, FILE *bundle,
			 struct kx_error *err)
{
	static const char ins[] = "INSERT INTO evidence_bundles(tenant_id, export_id, bundle)"
				  " VALUES ($1, $2, lo_get($3::oid))";
	static const char drop[] = "SELECT lo_unlink($1::oid)";
	char lo[16] = "";
	int rc = bundle_stage(s, bundle, r->bytes, lo, err);
	if (rc == 0) {
		struct pg_params p = {0};
		pg_text(&p, r->tenant_id);
		pg_text(&p, r->id);
		pg_text(&p, lo);
		rc = pg_command(s, ins, &p, err);
	}
	/* The staging object goes now: a rollback would take it too, but a commit would keep it. */
	if (lo[0]) {
		struct pg_params p = {0};
		pg_text(&p, lo);
		if (pg_command(s, drop, &p, rc ? NULL : err))
			rc = -1;
	}
	return rc;
}

/* The bundle is spooled to a temporary file, then streamed into the database by
 * pg_evidence_insert: the database is the one place a PostgreSQL deployment keeps. */
FILE *pg_evidence_spool(struct store *base, const char *tenant_id, const char *export_id,
			struct kx_error *err)
{
	(void)base, (void)tenant_id, (void)export_id;
	FILE *f = tmpfile();
	if (!f)
		kx_error_set(err, 503, "unavailable", NULL,
			     "no temporary file for the bundle (TMPDIR)");
	return f;
}

/* The temporary file goes when the caller closes it. */
void pg_evidence_discard(struct store *base, const char *tenant_id, const char *export_id)
{
	(void)base, (void)tenant_id, (void)export_id;
}

int pg_evidence_insert(struct store *base, const struct store_export_row *r, FILE *bundle,
		       struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char rec[] =
		"INSERT INTO evidence_exports(tenant_id, id, from_at, to_at, created_at, actor,"
		" receipt_id, checkpoint_size, previous_checkpoint_size, manifest_digest, counts,"
		" bytes) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)";
	if (r->bytes <= 0 || r->bytes > 1000000000)
		return kx_error_set(err, 409, "conflict", NULL,
				    "the bundle is %lld bytes: narrow the window",
				    (long long)r->bytes);
	if (pg_scope(s, r->tenant_id, err))
		return -1;
	struct pg_params p = {0};
	const char *text[] = {r->tenant_id, r->id,    r->from,	     r->to,
			      r->created_at, r->actor, r->receipt_id};
	for (int i = 0; i < 7; i++)
		pg_text(&p, text[i]);
	pg_int(&p, r->checkpoint_size);
	if (r->previous_size > 0)
		pg_int(&p, r->previous_size);
	else
		pg_text(&p, NULL);
	pg_text(&p, r->manifest_digest);
	pg_text(&p, r->counts_json);
	pg_int(&p, r->bytes);
	if (pg_command(s, rec, &p, err))
		return -1;
	return bundle_insert(s, r, bundle, err);
}

int64_t pg_evidence_last_size(struct store *base, const char *tenant_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT checkpoint_size FROM evidence_exports"
				  " WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1";
	if (pg_scope(s, tenant_id, NULL))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	PGresult *r = pg_query(s, sql, &p, NULL);
	int64_t n = !r ? -1 : PQntuples(r) > 0 ? pg_int_at(r, 0, 0) : 0;
	PQclear(r);
	return n;
}

#define EXPORT_COLS                                                                           \
	"id, tenant_id, from_at AS \"from\", to_at AS \"to\", created_at, actor, receipt_id,"  \
	" checkpoint_size, previous_checkpoint_size, manifest_digest, counts AS counts_json,"  \
	" bytes"

cJSON *pg_evidence_list(struct store *base, const char *tenant_id, const char *after_id,
			int limit)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " EXPORT_COLS " FROM evidence_exports"
				  " WHERE tenant_id = $1 AND ($2::text IS NULL OR id < $2::text)"
				  " ORDER BY id DESC LIMIT $3";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, after_id);
	pg_int(&p, (int64_t)limit + 1);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

cJSON *pg_evidence_get(struct store *base, const char *tenant_id, const char *id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " EXPORT_COLS " FROM evidence_exports"
				  " WHERE tenant_id = $1 AND id = $2";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, id);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}

/* Reads [off, off + len) of a bundle into out: 0, or -1. */
static int bundle_slice(struct store_pg *s, const char *tenant_id, const char *id, int64_t off,
			size_t len, char *out)
{
	static const char sql[] = "SELECT substring(bundle FROM $3::integer FOR $4::integer)"
				  " FROM evidence_bundles WHERE tenant_id = $1 AND export_id = $2";
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, id);
	pg_int(&p, off + 1);
	pg_int(&p, (int64_t)len);
	PGresult *r = pg_query(s, sql, &p, NULL);
	int rc = r && pg_bytes_at(r, 0, 0, (uint8_t *)out, len) == 0 ? 0 : -1;
	PQclear(r);
	return rc;
}

/* The bundle comes in slices, straight into the buffer the caller gets: fetched whole, it
 * would be held three times over (libpq's input buffer, which the connection keeps for good,
 * the result, and the copy). A compressed value is decompressed from its start for each
 * slice, so slices are few (BUNDLE_SLICES at most) and the server's work a few times the
 * bundle's size. */
#define BUNDLE_SLICES 16
#define BUNDLE_SLICE_MIN (4 << 20)

int pg_evidence_bundle(struct store *base, const char *tenant_id, const char *id, char **data,
		       size_t *len, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT octet_length(bundle) FROM evidence_bundles"
				  " WHERE tenant_id = $1 AND export_id = $2";
	*data = NULL;
	*len = 0;
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, id);
	PGresult *r = pg_query(s, sql, &p, err);
	if (!r || PQntuples(r) == 0) {
		int none = r ? 1 : -1;
		PQclear(r);
		return none;
	}
	int64_t n = pg_int_at(r, 0, 0), slice = n / BUNDLE_SLICES + 1;
	PQclear(r);
	if (slice < BUNDLE_SLICE_MIN)
		slice = BUNDLE_SLICE_MIN;
	char *buf = malloc(n > 0 ? (size_t)n : 1);
	int rc = buf ? 0 : -1;
	for (int64_t off = 0; rc == 0 && off < n; off += slice)
		rc = bundle_slice(s, tenant_id, id, off, (size_t)(n - off < slice ? n - off : slice),
				  buf + off);
	if (rc) {
		free(buf);
		return kx_error_set(err, 503, "unavailable", NULL, "the bundle is unreadable");
	}
	*data = buf;
	*len = (size_t)n;
	return 0;
}

/* ---- the window ---- */

int pg_receipt_seq_range(struct store *base, const char *tenant_id, const char *from,
			 const char *to, int64_t *first, int64_t *last)
{
	struct store_pg *s = pg(base);
	/* The receipts of the window's timeline events too: an act the core records for itself
	 * (a command step's end) may stamp its event a millisecond apart from its receipt. */
	static const char sql[] =
		"SELECT MIN(seq), MAX(seq) FROM receipts WHERE tenant_id = $1"
		" AND ((at >= $2 AND at < $3) OR id IN (SELECT receipt_id FROM timeline"
		" WHERE tenant_id = $1 AND at >= $2 AND at < $3))";
	*first = *last = 0;
	if (pg_scope(s, tenant_id, NULL))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, from);
	pg_text(&p, to);
	PGresult *r = pg_query(s, sql, &p, NULL);
	int rc = r && PQntuples(r) == 1 ? 0 : -1;
	if (rc == 0 && !PQgetisnull(r, 0, 0)) {
		*first = pg_int_at(r, 0, 0);
		*last = pg_int_at(r, 0, 1);
	}
	PQclear(r);
	return rc;
}

/* A walk over a cursor: its query runs once, planned for the window it is given, and is read
 * a page at a time. A keyset walk would run it again for each page, and a window ordered by
 * id but chosen by time has no index that serves both. */
struct walk_cursor {
	const char *declare, *fetch, *close; /* one cursor name, so one walk of a kind at a time */
};

/* Hands each row of a page to fn (which borrows it) and clears the page. 0, fn's non-zero
 * return, or -1; *more is cleared when the cursor is spent. */
static int walk_page(PGresult *r, store_row_fn fn, void *ctx, bool *more)
{
	if (!r)
		return -1;
	int n = PQntuples(r), rc = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		cJSON *row = pg_row_object(r, i);
		rc = row ? fn(ctx, row) : -1;
		cJSON_Delete(row);
	}
	*more = n > 0;
	PQclear(r);
	return rc;
}

static int walk_cursor(struct store_pg *s, const struct walk_cursor *c, const char *tenant_id,
		       struct pg_params *p, store_row_fn fn, void *ctx)
{
	if (pg_scope(s, tenant_id, NULL) || pg_command(s, c->declare, p, NULL))
		return -1;
	int rc = 0;
	bool more = true;
	while (rc == 0 && more) {
		/* Row-level security is checked as rows are fetched, and fn may have scoped the
		 * connection to another tenant meanwhile. */
		PGresult *r = pg_scope(s, tenant_id, NULL) ? NULL : pg_query(s, c->fetch, NULL, NULL);
		rc = walk_page(r, fn, ctx, &more);
	}
	if (pg_command(s, c->close, NULL, NULL) && rc == 0)
		rc = -1;
	return rc;
}

int pg_incident_walk_window(struct store *base, const char *tenant_id, const char *from,
			    const char *to, store_row_fn fn, void *ctx)
{
	/* The incidents that had an event in the window, as they stand now. */
	static const struct walk_cursor c = {
		"DECLARE kx_incident_walk NO SCROLL CURSOR FOR SELECT id, tenant_id, title,"
		" description, severity, status, commander, region, labels AS labels_json,"
		" created_at, updated_at, resolved_at, version, receipt_id FROM incidents"
		" WHERE tenant_id = $1 AND id IN (SELECT incident_id FROM timeline"
		" WHERE tenant_id = $1 AND at >= $2 AND at < $3) ORDER BY id",
		"FETCH 1000 FROM kx_incident_walk", "CLOSE kx_incident_walk"};
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, from);
	pg_text(&p, to);
	return walk_cursor(pg(base), &c, tenant_id, &p, fn, ctx);
}

int pg_timeline_walk_window(struct store *base, const char *tenant_id, const char *from,
			    const char *to, store_row_fn fn, void *ctx)
{
	static const struct walk_cursor c = {
		"DECLARE kx_timeline_walk NO SCROLL CURSOR FOR SELECT id, incident_id, at, kind,"
		" actor, data AS data_json, receipt_id FROM timeline WHERE tenant_id = $1"
		" AND at >= $2 AND at < $3 ORDER BY id",
		"FETCH 1000 FROM kx_timeline_walk", "CLOSE kx_timeline_walk"};
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, from);
	pg_text(&p, to);
	return walk_cursor(pg(base), &c, tenant_id, &p, fn, ctx);
}

static const char *doc_kind_name(enum store_doc_kind kind)
{
	switch (kind) {
	case STORE_DOC_ROLES: return "roles";
	case STORE_DOC_PROFILE: return "profile";
	default: return "redaction";
	}
}

int pg_doc_version_at(struct store *base, enum store_doc_kind kind, const char *tenant_id,
		      const char *at)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT COALESCE(MAX(version), 0) FROM documents"
				  " WHERE tenant_id = $1 AND kind = $2 AND created_at <= $3";
	if (pg_scope(s, tenant_id, NULL))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, doc_kind_name(kind));
	pg_text(&p, at);
	PGresult *r = pg_query(s, sql, &p, NULL);
	int v = r && PQntuples(r) == 1 ? (int)pg_int_at(r, 0, 0) : -1;
	PQclear(r);
	return v;
}

int pg_doc_walk(struct store *base, enum store_doc_kind kind, const char *tenant_id, int first,
		int last, store_row_fn fn, void *ctx)
{
	static const struct walk_cursor c = {
		"DECLARE kx_doc_walk NO SCROLL CURSOR FOR SELECT version, digest, doc, created_at"
		" FROM documents WHERE tenant_id = $1 AND kind = $2 AND version >= $3"
		" AND version <= $4 ORDER BY version",
		"FETCH 1000 FROM kx_doc_walk", "CLOSE kx_doc_walk"};
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, doc_kind_name(kind));
	pg_int(&p, first);
	pg_int(&p, last);
	return walk_cursor(pg(base), &c, tenant_id, &p, fn, ctx);
}
