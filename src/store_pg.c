/* The PostgreSQL connection: opening and migrating, reconnecting after the server went away,
 * prepared statements, transactions, tenant scope, advisory locks, and the helpers the other
 * store_pg_*.c files share. */
#include "store_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_pg_schema.h"

/* Type oids (catalog/pg_type_d.h, stable across versions). */
enum { PG_BOOL = 16, PG_INT8 = 20, PG_INT2 = 21, PG_INT4 = 23 };

/* ---- parameters ---- */

static int param_slot(struct pg_params *p)
{
	/* A statement with more parameters than the limit is a programming error, caught in
	 * tests: the extra value is dropped and the server reports the missing parameter. */
	return p->n < PG_MAX_PARAMS ? p->n++ : PG_MAX_PARAMS - 1;
}

void pg_text(struct pg_params *p, const char *v)
{
	int i = param_slot(p);
	p->value[i] = v;
	p->length[i] = 0;
	p->format[i] = 0;
}

void pg_int(struct pg_params *p, int64_t v)
{
	int i = param_slot(p);
	snprintf(p->num[i], sizeof p->num[i], "%" PRId64, v);
	p->value[i] = p->num[i];
	p->format[i] = 0;
}

void pg_bytes(struct pg_params *p, const void *v, size_t len)
{
	int i = param_slot(p);
	p->value[i] = v;
	p->length[i] = (int)len;
	p->format[i] = 1;
}

void pg_member(struct pg_params *p, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (cJSON_IsString(v)) {
		pg_text(p, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		pg_int(p, (int64_t)v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		pg_int(p, cJSON_IsTrue(v));
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		char *text = cJSON_PrintUnformatted(v);
		int i = param_slot(p);
		free(p->owned[i]); /* only an overflowing statement reuses a slot */
		p->owned[i] = text;
		p->value[i] = text;
		p->length[i] = 0;
		p->format[i] = 0;
	} else {
		pg_text(p, NULL);
	}
}

void pg_params_free(struct pg_params *p)
{
	for (int i = 0; i < PG_MAX_PARAMS; i++) {
		free(p->owned[i]);
		p->owned[i] = NULL;
	}
}

/* ---- errors and the connection ---- */

/* libpq's connection message on one line: it ends lines with "\n" and adds hints after them. */
static const char *conn_message(PGconn *conn, char *buf, size_t len)
{
	snprintf(buf, len, "%s", conn ? PQerrorMessage(conn) : "out of memory");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int fail_from(struct store_pg *s, const PGresult *r, struct kx_error *err)
{
	char line[200];
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = conn_message(s->conn, line, sizeof line);
	if (state && strncmp(state, "23", 2) == 0)
		return kx_error_set(err, 409, "conflict", NULL, "store constraint: %s", msg);
	/* Class 22, a data exception: a value the caller gave (bytes that are not UTF-8 in a
	 * query parameter) that SQLite would have taken as it is. */
	if (state && strncmp(state, "22", 2) == 0)
		return kx_error_set(err, 400, "invalid_query", NULL, "invalid value: %s", msg);
	struct kx_error mine;
	kx_error_set(&mine, 503, "unavailable", NULL, "store: %s", msg);
	mine.retry = state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
	if (s->in_txn && !s->failed.status)
		s->failed = mine;
	if (err)
		*err = mine;
	return -1;
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg, (void)message; /* NOTICEs ("... does not exist, skipping") are not errors */
}

static int run(struct store_pg *s, const char *sql, struct kx_error *err);

/* What every session starts with, the first and each one after a reconnect: durable commits
 * (unless a benchmark asked otherwise), and no statement that may hold a request's thread
 * for ever — a database that stops answering is a 503, not a hung klaxond. */
static int session_setup(struct store_pg *s, struct kx_error *err)
{
	PQsetNoticeProcessor(s->conn, quiet_notice, NULL);
	char timeout[64];
	snprintf(timeout, sizeof timeout, "SET statement_timeout = %d", s->statement_timeout_ms);
	return run(s, s->synchronous ? "SET synchronous_commit = on" : "SET synchronous_commit = off",
		   err) ||
	       run(s, timeout, err);
}

/* After the server restarted or the network dropped, the next transaction reconnects; the
 * prepared statements, the scope and the settings went with the old session. */
static int ensure_connected(struct store_pg *s, struct kx_error *err)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	PQreset(s->conn);
	s->n_cached = 0;
	s->scope[0] = '\0';
	s->in_txn = false;
	char line[200];
	if (PQstatus(s->conn) != CONNECTION_OK || session_setup(s, NULL))
		return kx_error_set(err, 503, "unavailable", NULL, "store unreachable: %s",
				    conn_message(s->conn, line, sizeof line));
	return 0;
}

static int prepared_name(struct store_pg *s, const char *sql, int nparams, char name[16],
			 struct kx_error *err)
{
	for (int i = 0; i < s->n_cached; i++) {
		if (s->cache[i] == sql) {
			snprintf(name, 16, "k%d", i);
			return 0;
		}
	}
	if (s->n_cached == PG_STMT_CACHE) {
		name[0] = '\0'; /* unnamed: prepared again on each use */
	} else {
		snprintf(name, 16, "k%d", s->n_cached);
	}
	PGresult *r = PQprepare(s->conn, name, sql, nparams, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fail_from(s, r, err);
	PQclear(r);
	if (!ok)
		return -1;
	if (name[0])
		s->cache[s->n_cached++] = sql;
	return 0;
}

PGresult *pg_query(struct store_pg *s, const char *sql, struct pg_params *p,
		   struct kx_error *err)
{
	struct pg_params none = {0};
	if (!p)
		p = &none;
	char name[16];
	PGresult *r = NULL;
	/* Outside a transaction (a health check, a token lookup) a lost connection may be
	 * replaced at once; inside one, its work is gone and the transaction must fail. */
	if ((s->in_txn || ensure_connected(s, err) == 0) &&
	    prepared_name(s, sql, p->n, name, err) == 0) {
		r = PQexecPrepared(s->conn, name, p->n, p->value, p->length, p->format, 0);
		ExecStatusType st = PQresultStatus(r);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			fail_from(s, r, err);
			PQclear(r);
			r = NULL;
		}
	}
	pg_params_free(p);
	return r;
}

int pg_command(struct store_pg *s, const char *sql, struct pg_params *p, struct kx_error *err)
{
	PGresult *r = pg_query(s, sql, p, err);
	PQclear(r);
	return r ? 0 : -1;
}

int pg_scope(struct store_pg *s, const char *tenant_id, struct kx_error *err)
{
	if (!tenant_id)
		tenant_id = "";
	if (s->scope[0] && strcmp(s->scope + 1, tenant_id) == 0)
		return 0;
	static const char sql[] = "SELECT set_config('klaxon.tenant', $1, false)";
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	if (pg_command(s, sql, &p, err))
		return -1;
	/* A leading byte marks the cache valid, so that a scope of "" can be cached too. */
	snprintf(s->scope, sizeof s->scope, "=%s", tenant_id);
	if (strlen(tenant_id) + 1 >= sizeof s->scope)
		s->scope[0] = '\0'; /* too long to cache: set again next time */
	return 0;
}

/* ---- rows ---- */

cJSON *pg_row_object(const PGresult *r, int row)
{
	cJSON *o = cJSON_CreateObject();
	int n = PQnfields(r);
	for (int i = 0; o && i < n; i++) {
		const char *name = PQfname(r, i);
		size_t len = strlen(name);
		const char *text = PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
		Oid type = PQftype(r, i);
		cJSON *v;
		if (len > 5 && strcmp(name + len - 5, "_json") == 0) {
			char key[64];
			snprintf(key, sizeof key, "%.*s", (int)(len - 5), name);
			v = text ? cJSON_Parse(text) : cJSON_CreateNull();
			cJSON_AddItemToObject(o, key, v ? v : cJSON_CreateNull());
			continue;
		}
		if (!text)
			v = cJSON_CreateNull();
		else if (type == PG_INT8 || type == PG_INT4 || type == PG_INT2)
			v = cJSON_CreateNumber((double)strtoll(text, NULL, 10));
		else if (type == PG_BOOL)
			v = cJSON_CreateNumber(text[0] == 't');
		else
			v = cJSON_CreateString(text);
		cJSON_AddItemToObject(o, name, v);
	}
	return o;
}

cJSON *pg_one_row(PGresult *r)
{
	cJSON *o = r && PQntuples(r) > 0 ? pg_row_object(r, 0) : NULL;
	PQclear(r);
	return o;
}

cJSON *pg_all_rows(PGresult *r)
{
	if (!r)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < PQntuples(r); i++)
		cJSON_AddItemToArray(a, pg_row_object(r, i));
	PQclear(r);
	return a;
}

cJSON *pg_strings(PGresult *r)
{
	if (!r)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < PQntuples(r); i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(pg_text_at(r, i, 0)));
	PQclear(r);
	return a;
}

int64_t pg_int_at(const PGresult *r, int row, int col)
{
	if (row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *pg_text_at(const PGresult *r, int row, int col)
{
	if (row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
		return NULL;
	return PQgetvalue(r, row, col);
}

int pg_bytes_at(const PGresult *r, int row, int col, uint8_t *out, size_t len)
{
	const char *text = pg_text_at(r, row, col);
	size_t got = 0;
	/* bytea in text form is "\x" and hex (bytea_output = hex, the default since 9.0). */
	if (!text || strncmp(text, "\\x", 2) != 0 ||
	    sodium_hex2bin(out, len, text + 2, strlen(text + 2), NULL, &got, NULL) != 0 ||
	    got != len)
		return -1;
	return 0;
}

/* ---- transactions ---- */

static int run(struct store_pg *s, const char *sql, struct kx_error *err)
{
	PGresult *r = PQexec(s->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fail_from(s, r, err);
	PQclear(r);
	return ok ? 0 : -1;
}

static int begin(struct store_pg *s, const char *sql, struct kx_error *err)
{
	if (ensure_connected(s, err))
		return -1;
	if (run(s, sql, err)) {
		/* The connection may have died since its last use: one fresh try. */
		if (PQstatus(s->conn) == CONNECTION_OK || ensure_connected(s, err) ||
		    run(s, sql, err))
			return -1;
	}
	s->in_txn = true;
	s->last_lock[0] = '\0';
	kx_error_clear(&s->failed);
	return 0;
}

int pg_begin(struct store *base, struct kx_error *err)
{
	/* READ COMMITTED: each statement sees what other instances committed before it, and
	 * writers that must not interleave take store_lock first. */
	return begin(pg(base), "BEGIN ISOLATION LEVEL READ COMMITTED", err);
}

int pg_begin_read(struct store *base, struct kx_error *err)
{
	return begin(pg(base), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
}

int pg_commit(struct store *base, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	/* PostgreSQL ends a transaction that a failed statement aborted with ROLLBACK, however it
	 * was asked to end: that must not pass for a commit. */
	int rc = pg_txn_failure(base, err);
	if (rc == 0) {
		PGresult *r = PQexec(s->conn, "COMMIT");
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = fail_from(s, r, err);
		else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
			rc = kx_error_set(err, 503, "unavailable", NULL,
					  "store: the transaction was rolled back");
		PQclear(r);
	}
	s->in_txn = false;
	if (rc) {
		run(s, "ROLLBACK", NULL);
		s->scope[0] = '\0';
	}
	return rc;
}

void pg_rollback(struct store *base)
{
	struct store_pg *s = pg(base);
	if (s->in_txn && PQstatus(s->conn) == CONNECTION_OK)
		run(s, "ROLLBACK", NULL);
	s->in_txn = false;
	s->scope[0] = '\0'; /* a setting made in the transaction is undone with it */
}

void pg_wal_checkpoint(struct store *base)
{
	(void)base; /* the server checkpoints its own WAL */
}

int pg_txn_failure(struct store *base, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	if (!s->in_txn || !s->failed.status)
		return 0;
	if (err)
		*err = s->failed;
	return -1;
}

int pg_savepoint(struct store *base, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	if (run(s, "SAVEPOINT kx_op", err))
		return -1;
	kx_error_clear(&s->failed); /* it took: nothing before it had failed */
	return 0;
}

int pg_savepoint_release(struct store *base, struct kx_error *err)
{
	return run(pg(base), "RELEASE kx_op", err);
}

void pg_savepoint_rollback(struct store *base)
{
	struct store_pg *s = pg(base);
	if (run(s, "ROLLBACK TO kx_op", NULL) == 0)
		kx_error_clear(&s->failed); /* what failed since the savepoint is undone with it */
	run(s, "RELEASE kx_op", NULL);
	s->scope[0] = '\0';
	s->last_lock[0] = '\0'; /* PostgreSQL released the locks taken since the savepoint */
}

/* Transaction-scoped: released at the commit or rollback, or with the savepoint it was taken
 * in. Each mutation runs in a transaction of its own (core_write.c's pool), so a wait here
 * holds up no other mutation; a cycle between transactions (a platform admin's change to a
 * tenant against that tenant's own) is broken by PostgreSQL's deadlock detector and the
 * losing mutation runs again (err->retry). */
int pg_lock(struct store *base, const char *scope, struct kx_error *err)
{
	static const char sql[] = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
	struct store_pg *s = pg(base);
	/* A mutation locks its tenant's ledger first and its append locks it again. */
	if (s->last_lock[0] && strcmp(s->last_lock, scope) == 0)
		return 0;
	struct pg_params p = {0};
	pg_text(&p, scope);
	if (pg_command(s, sql, &p, err))
		return -1;
	snprintf(s->last_lock, sizeof s->last_lock, "%s", scope);
	return 0;
}

/* ---- meta, schema, open ---- */

int pg_meta_set(struct store *base, const char *key, const char *value, struct kx_error *err)
{
	static const char sql[] = "INSERT INTO meta(key, value) VALUES ($1, $2)"
				  " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	struct pg_params p = {0};
	pg_text(&p, key);
	pg_text(&p, value);
	return pg_command(pg(base), sql, &p, err);
}

char *pg_meta_get(struct store *base, const char *key)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = $1";
	struct pg_params p = {0};
	pg_text(&p, key);
	PGresult *r = pg_query(pg(base), sql, &p, NULL);
	const char *v = r ? pg_text_at(r, 0, 0) : NULL;
	char *out = v ? strdup(v) : NULL;
	PQclear(r);
	return out;
}

int pg_schema_version(struct store *base)
{
	struct store_pg *s = pg(base);
	PGresult *r = PQexec(s->conn, "SELECT to_regclass('klaxon_schema') IS NOT NULL");
	int v = PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : -1;
	bool made = v == 0 && strcmp(pg_text_at(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!made)
		return v;
	r = PQexec(s->conn, "SELECT max(version) FROM klaxon_schema");
	v = PQresultStatus(r) == PGRES_TUPLES_OK ? (int)pg_int_at(r, 0, 0) : -1;
	PQclear(r);
	return v;
}

int pg_backup(struct store *base, const char *dest, struct kx_error *err)
{
	(void)base;
	return kx_error_set(err, 400, "unsupported", NULL,
			    "%s: a PostgreSQL store is backed up by PostgreSQL (pg_dump or a base"
			    " backup; see docs/DEPLOYMENT.md), not by klaxon",
			    dest);
}

/* Instances that start together migrate one at a time, under a session advisory lock. */
static const char MIGRATION_LOCK[] = "SELECT pg_advisory_lock(7021847765)";
static const char MIGRATION_UNLOCK[] = "SELECT pg_advisory_unlock(7021847765)";

static int migrate(struct store_pg *s, bool create, struct kx_error *err)
{
	if (run(s, MIGRATION_LOCK, err))
		return -1;
	int have = pg_schema_version(&s->base), rc = -1;
	if (have < 0)
		fail_from(s, NULL, err);
	else if (create && have > 0)
		kx_error_set(err, 409, "conflict", NULL, "a store already exists in that database");
	else if (have > store_pg_schema_count)
		kx_error_set(err, 503, "unavailable", NULL,
			     "store schema %d is newer than this klaxon (%d)", have,
			     store_pg_schema_count);
	else
		rc = 0;
	for (int v = have; rc == 0 && v < store_pg_schema_count; v++) {
		char mark[96];
		snprintf(mark, sizeof mark, "INSERT INTO klaxon_schema(version) VALUES (%d)", v + 1);
		/* A migration may copy a large table: no statement timeout for it. */
		if (run(s, "BEGIN", err) || run(s, "SET LOCAL statement_timeout = 0", err) ||
		    (v == 0 && run(s, "CREATE TABLE klaxon_schema(version INTEGER PRIMARY KEY)",
				   err)) ||
		    run(s, store_pg_schema[v], err) || run(s, mark, err) || run(s, "COMMIT", err)) {
			run(s, "ROLLBACK", NULL);
			rc = -1;
		}
	}
	run(s, MIGRATION_UNLOCK, NULL);
	return rc;
}

static const struct store_ops pg_ops = {
#define PG_OP(ret, name, params, args) .name = pg_##name,
	STORE_API(PG_OP, PG_OP)
#undef PG_OP
};

struct store *store_pg_open(const char *url, const struct store_options *opt,
			    struct kx_error *err)
{
	struct store_pg *s = calloc(1, sizeof *s);
	if (!s) {
		kx_error_set(err, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	s->base.ops = &pg_ops;
	s->conn = PQconnectdb(url);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password. */
		char line[200];
		kx_error_set(err, 503, "unavailable", NULL, "store unreachable: %s",
			     conn_message(s->conn, line, sizeof line));
		pg_close(&s->base);
		return NULL;
	}
	s->synchronous = !opt || opt->synchronous_full;
	s->statement_timeout_ms =
		opt && opt->statement_timeout_ms > 0 ? opt->statement_timeout_ms : 60000;
	if (session_setup(s, err) || migrate(s, opt && opt->create, err)) {
		pg_close(&s->base);
		return NULL;
	}
	return &s->base;
}

void pg_close(struct store *base)
{
	struct store_pg *s = pg(base);
	if (!s)
		return;
	PQfinish(s->conn);
	free(s);
}
