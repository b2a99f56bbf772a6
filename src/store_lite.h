/* The SQLite store, shared by its files (store_lite.c and the store_*.c beside it): the
 * connection, its statement cache and row helpers. Each operation of store_api.h is a
 * lite_NAME function here; store_lite_open builds the connection that dispatches to them. */
#ifndef KX_STORE_LITE_H
#define KX_STORE_LITE_H

#include <sqlite3.h>

#include "store_api.h"

#define STORE_STMT_CACHE 96

struct store_lite {
	struct store base; /* first: a struct store * of this kind points here */
	sqlite3 *db;
	struct {
		const char *sql; /* static strings: the pointer is the key */
		sqlite3_stmt *st;
	} cache[STORE_STMT_CACHE];
	int n_cached;
	int savepoint_depth;
	/* The first failure of SQLite's own (not a constraint) since the transaction or its
	 * latest savepoint began (store_txn_failure); failed.status 0: none. */
	struct kx_error failed;
};

static inline struct store_lite *lite(struct store *s)
{
	return (struct store_lite *)s;
}

#define LITE_DECLARE(ret, name, params, args) ret lite_##name params;
STORE_API(LITE_DECLARE, LITE_DECLARE)
#undef LITE_DECLARE

struct store *store_lite_open(const char *path, const struct store_options *opt,
			      struct kx_error *err);

/* A reset statement for a static SQL string, prepared once per connection; NULL with err. */
sqlite3_stmt *store_stmt(struct store_lite *s, const char *sql, struct kx_error *err);
/* Binds a C string or NULL (as SQL NULL). */
int store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Binds a JSON object member: strings as text, numbers as integers, arrays/objects as their
 * JSON text, missing or null as NULL. */
int store_bind_member(sqlite3_stmt *st, int i, const cJSON *obj, const char *name);
/* The current row as an object keyed by column name: text, integer and null columns as such;
 * a column whose name ends in "_json" is parsed and stored without that suffix. */
cJSON *store_row_object(sqlite3_stmt *st);
/* Steps a query expecting zero or one row: the row as an object, or NULL (no row, or a failure
 * that store_txn_failure then reports). */
cJSON *store_one_row(struct store_lite *s, sqlite3_stmt *st);
/* Steps a query to its end: every row as an object in an array (the rows read before a
 * failure, which store_txn_failure then reports). */
cJSON *store_all_rows(struct store_lite *s, sqlite3_stmt *st);
/* Runs a statement that returns no rows (steps to DONE); maps SQLite failures onto err. */
int store_step_done(struct store_lite *s, sqlite3_stmt *st, struct kx_error *err);
/* A 503 "unavailable" naming SQLite's own message (a constraint: 409), recorded for
 * store_txn_failure when it is not a constraint. */
int store_fail(struct store_lite *s, struct kx_error *err);

/* Evidence bundles as files beside the store (store_bundle.c). keep: the spooled bundle
 * (bytes long) fsync'd and renamed to its final name, the directory fsync'd; unkeep removes
 * it again when its record could not be written. read: the whole file (caller frees), which
 * must be `bytes` long; a missing or altered file is a 503 naming it. */
int lite_bundle_keep(struct store_lite *s, const char *tenant_id, const char *export_id,
		     FILE *bundle, int64_t bytes, struct kx_error *err);
void lite_bundle_unkeep(struct store_lite *s, const char *tenant_id, const char *export_id);
/* Removes bundle files no export record names, and stale spool files (store_bundle.c); call
 * inside the write transaction of an export. */
void lite_bundle_sweep(struct store_lite *s);
int lite_bundle_read(struct store_lite *s, const char *tenant_id, const char *export_id,
		     int64_t bytes, char **data, size_t *len, struct kx_error *err);
/* Copies the bundle files into dest's directory (a backup of the store to dest); undo removes
 * that directory after a failed backup. */
int lite_bundle_backup(struct store_lite *s, const char *dest, struct kx_error *err);
void lite_bundle_backup_undo(const char *dest);

#endif
