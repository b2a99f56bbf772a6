/* Opening the SQLite store: pragmas for durability and defence, migrations, the statement
 * cache, transactions and the helpers the other store*.c files share. */
#include "store_lite.h"
#include "store_vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_schema.h"

int store_fail(struct store_lite *s, struct kx_error *err)
{
	int rc = sqlite3_errcode(s->db);
	if (rc == SQLITE_CONSTRAINT)
		return kx_error_set(err, 409, "conflict", NULL, "store constraint: %s",
				    sqlite3_errmsg(s->db));
	struct kx_error mine;
	kx_error_set(&mine, 503, "unavailable", NULL, "store: %s", sqlite3_errmsg(s->db));
	if (!s->failed.status)
		s->failed = mine;
	if (err)
		*err = mine;
	return -1;
}

sqlite3_stmt *store_stmt(struct store_lite *s, const char *sql, struct kx_error *err)
{
	for (int i = 0; i < s->n_cached; i++) {
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_fail(s, err);
		return NULL;
	}
	if (s->n_cached < STORE_STMT_CACHE) {
		s->cache[s->n_cached].sql = sql;
		s->cache[s->n_cached].st = st;
		s->n_cached++;
	}
	/* A full cache is a programming error caught in tests: the statement leaks otherwise. */
	return st;
}

int store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, i);
	/* SQLITE_STATIC: no copy, so a bind cannot fail for memory and leave a NULL behind; the
	 * value outlives the statement's step in every caller (bind, step, reset in one call). */
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

int store_bind_member(sqlite3_stmt *st, int i, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (cJSON_IsString(v))
		return sqlite3_bind_text(st, i, v->valuestring, -1, SQLITE_STATIC);
	if (cJSON_IsNumber(v))
		return sqlite3_bind_int64(st, i, (sqlite3_int64)v->valuedouble);
	if (cJSON_IsBool(v))
		return sqlite3_bind_int(st, i, cJSON_IsTrue(v));
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		char *text = cJSON_PrintUnformatted(v);
		if (!text)
			return SQLITE_NOMEM;
		return sqlite3_bind_text(st, i, text, -1, free);
	}
	return sqlite3_bind_null(st, i);
}

cJSON *store_row_object(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	int n = sqlite3_column_count(st);
	for (int i = 0; o && i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		size_t len = strlen(name);
		int type = sqlite3_column_type(st, i);
		cJSON *v;
		if (len > 5 && strcmp(name + len - 5, "_json") == 0) {
			char key[64];
			snprintf(key, sizeof key, "%.*s", (int)(len - 5), name);
			const char *text = (const char *)sqlite3_column_text(st, i);
			v = text ? cJSON_Parse(text) : cJSON_CreateNull();
			cJSON_AddItemToObject(o, key, v ? v : cJSON_CreateNull());
			continue;
		}
		if (type == SQLITE_INTEGER)
			v = cJSON_CreateNumber((double)sqlite3_column_int64(st, i));
		else if (type == SQLITE_NULL)
			v = cJSON_CreateNull();
		else
			v = cJSON_CreateString((const char *)sqlite3_column_text(st, i));
		cJSON_AddItemToObject(o, name, v);
	}
	return o;
}

cJSON *store_one_row(struct store_lite *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	cJSON *o = rc == SQLITE_ROW ? store_row_object(st) : NULL;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(s, NULL);
	sqlite3_reset(st);
	return o;
}

cJSON *store_all_rows(struct store_lite *s, sqlite3_stmt *st)
{
	cJSON *a = cJSON_CreateArray();
	int rc;
	while (a && (rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(a, store_row_object(st));
	if (a && rc != SQLITE_DONE)
		store_fail(s, NULL);
	sqlite3_reset(st);
	return a;
}

int store_step_done(struct store_lite *s, sqlite3_stmt *st, struct kx_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, err);
	return 0;
}

static int exec(struct store_lite *s, const char *sql, struct kx_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err);
	return 0;
}

/* Transaction control runs on every call: from the statement cache, sqlite3_exec would parse
 * it each time (a tenth of a read's CPU in klaxond's profile). sql is a static string. */
static int run(struct store_lite *s, const char *sql, struct kx_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql, err);
	return st ? store_step_done(s, st, err) : -1;
}

static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE", SQL_BEGIN[] = "BEGIN",
		  SQL_COMMIT[] = "COMMIT", SQL_ROLLBACK[] = "ROLLBACK",
		  SQL_SAVEPOINT[] = "SAVEPOINT kx_op", SQL_RELEASE[] = "RELEASE kx_op",
		  SQL_ROLLBACK_TO[] = "ROLLBACK TO kx_op";

static int migrate(struct store_lite *s, struct kx_error *err)
{
	int have = lite_schema_version(&s->base);
	if (have < 0)
		return store_fail(s, err);
	if (have > store_schema_count)
		return kx_error_set(err, 503, "unavailable", NULL,
				    "store schema %d is newer than this klaxon (%d)", have,
				    store_schema_count);
	for (int v = have; v < store_schema_count; v++) {
		if (exec(s, "BEGIN IMMEDIATE", err))
			return -1;
		char pragma[40];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
		if (exec(s, store_schema[v], err) || exec(s, pragma, err)) {
			exec(s, "ROLLBACK", NULL);
			return -1;
		}
		if (exec(s, "COMMIT", err))
			return -1;
	}
	return 0;
}

static int configure(struct store_lite *s, const struct store_options *opt, struct kx_error *err)
{
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_busy_timeout(s->db, opt && opt->busy_timeout_ms ? opt->busy_timeout_ms : 5000);
	if (exec(s, "PRAGMA journal_mode=WAL", err) || exec(s, "PRAGMA foreign_keys=ON", err) ||
	    exec(s, "PRAGMA trusted_schema=OFF", err))
		return -1;
	bool full = !opt || opt->synchronous_full;
	return exec(s, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", err);
}

/* SQLite's allocation statistics take one process-wide mutex on every malloc and free: with
 * readers on several threads it was the most contended lock in klaxond, and nothing reads
 * them. A mutation's SAVEPOINT journals the ~20 pages it dirties, past the 64 KiB after which
 * SQLite spills that journal to a temporary file: an open, ~40 writes and an unlink per
 * mutation; kept in memory it costs a copy. sqlite3_config only works before SQLite
 * initialises; later it fails harmlessly. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
}

static const struct store_ops lite_ops = {
#define LITE_OP(ret, name, params, args) .name = lite_##name,
	STORE_API(LITE_OP, LITE_OP)
#undef LITE_OP
};

struct store *store_lite_open(const char *path, const struct store_options *opt,
			      struct kx_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	bool create = opt && opt->create;
	if (create) {
		/* O_EXCL: init must never touch an existing store. 0600: the store holds hashes
		 * of tokens and every tenant's data. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			kx_error_set(err, 409, "conflict", NULL, "%s: %s", path,
				     errno == EEXIST ? "a store already exists there"
						     : strerror(errno));
			return NULL;
		}
		close(fd);
	} else if (access(path, F_OK) != 0) {
		kx_error_set(err, 404, "not_found", NULL,
			     "%s: no store there (make one with `init`)", path);
		return NULL;
	}
	struct store_lite *s = calloc(1, sizeof *s);
	if (!s) {
		kx_error_set(err, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	s->base.ops = &lite_ops;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	const char *vfs = opt && opt->vfs ? opt->vfs : store_vfs_name();
	if (sqlite3_open_v2(path, &s->db, flags, vfs) != SQLITE_OK) {
		kx_error_set(err, 503, "unavailable", NULL, "%s: %s", path,
			     s->db ? sqlite3_errmsg(s->db) : "cannot open");
		lite_close(&s->base);
		return NULL;
	}
	sqlite3_extended_result_codes(s->db, 0);
	if (configure(s, opt, err) || migrate(s, err)) {
		lite_close(&s->base);
		return NULL;
	}
	return &s->base;
}

void lite_close(struct store *base)
{
	struct store_lite *s = lite(base);
	if (!s)
		return;
	for (int i = 0; i < s->n_cached; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s);
}

int lite_backup(struct store *base, const char *dest, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return kx_error_set(err, 409, "conflict", NULL, "%s: %s", dest, strerror(errno));
	close(fd);
	sqlite3 *out = NULL;
	int rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE, NULL);
	sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(out, "main", s->db, "main") : NULL;
	if (b) {
		/* One step copies everything under one read transaction: a single snapshot. */
		while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(10);
		sqlite3_backup_finish(b);
	}
	int ok = b && rc == SQLITE_DONE && sqlite3_errcode(out) == SQLITE_OK;
	if (!ok)
		kx_error_set(err, 503, "unavailable", NULL, "backup to %s failed: %s", dest,
			     out ? sqlite3_errmsg(out) : "cannot open");
	sqlite3_close(out);
	/* The bundle files after the snapshot: each one its records name is durable by now. */
	if (ok && lite_bundle_backup(s, dest, err)) {
		lite_bundle_backup_undo(dest);
		ok = 0;
	}
	if (!ok)
		unlink(dest);
	return ok ? 0 : -1;
}

int lite_schema_version(struct store *base)
{
	struct store_lite *s = lite(base);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

int lite_begin(struct store *base, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	kx_error_clear(&s->failed);
	return run(s, SQL_BEGIN_IMMEDIATE, err);
}

int lite_begin_read(struct store *base, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	kx_error_clear(&s->failed);
	return run(s, SQL_BEGIN, err);
}

int lite_commit(struct store *base, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	if (run(s, SQL_COMMIT, err)) {
		lite_rollback(base);
		return -1;
	}
	return 0;
}

void lite_rollback(struct store *base)
{
	struct store_lite *s = lite(base);
	if (!sqlite3_get_autocommit(s->db))
		run(s, SQL_ROLLBACK, NULL);
}

void lite_wal_checkpoint(struct store *base)
{
	sqlite3_wal_checkpoint_v2(lite(base)->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int lite_txn_failure(struct store *base, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	/* Not conditioned on an open transaction: SQLite rolls one back by itself on some
	 * failures (out of memory, a full disk), and those must still be reported. */
	if (!s->failed.status)
		return 0;
	if (err)
		*err = s->failed;
	return -1;
}

int lite_savepoint(struct store *base, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	if (run(s, SQL_SAVEPOINT, err))
		return -1;
	/* A group's members share its transaction: each answers for its own statements. */
	kx_error_clear(&s->failed);
	s->savepoint_depth++;
	return 0;
}

int lite_savepoint_release(struct store *base, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	s->savepoint_depth--;
	return run(s, SQL_RELEASE, err);
}

void lite_savepoint_rollback(struct store *base)
{
	struct store_lite *s = lite(base);
	s->savepoint_depth--;
	run(s, SQL_ROLLBACK_TO, NULL);
	run(s, SQL_RELEASE, NULL);
}

/* The one writer connection serialises writers already. */
int lite_lock(struct store *base, const char *scope, struct kx_error *err)
{
	(void)base, (void)scope, (void)err;
	return 0;
}

int lite_meta_set(struct store *base, const char *key, const char *value, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO meta(key, value) VALUES (?, ?) "
				  "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	return store_step_done(s, st, err);
}

char *lite_meta_get(struct store *base, const char *key)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT value FROM meta WHERE key = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, key);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return v;
}
