/* The PostgreSQL store, shared by its files (store_pg.c and the store_pg_*.c beside it): the
 * connection, its prepared statements and the helpers that bind parameters and read rows.
 * Each operation of store_api.h is a pg_NAME function here, written to give exactly what the
 * SQLite store gives (same objects, same errors), so that the API cannot tell them apart.
 *
 * Conventions for the statements: placeholders are $1..$n, each statement is a static string
 * (its address keys the per-connection prepared statement), parameters go as text (bytea as
 * binary), and a parameter whose type the server cannot infer gets a cast ($1::text).
 * Every tenant-scoped operation first calls pg_scope with its tenant: row-level security
 * (store_pg_schema.c) shows a connection only the rows of the tenant it is scoped to. */
#ifndef KX_STORE_PG_H
#define KX_STORE_PG_H

#include <libpq-fe.h>

#include "store_api.h"

#define PG_STMT_CACHE 128
#define PG_MAX_PARAMS 16
/* The scope of statements that cross tenants by design (token lookup, platform gauges). */
#define PG_SCOPE_ALL "*"

struct store_pg {
	struct store base; /* first: a struct store * of this kind points here */
	PGconn *conn;
	const char *cache[PG_STMT_CACHE]; /* prepared as "k<index>" */
	int n_cached;
	char scope[80]; /* klaxon.tenant as last set; "" when unknown */
	bool in_txn;
	bool synchronous; /* synchronous_commit, set again on every new session */
	int statement_timeout_ms; /* likewise statement_timeout */
	/* The first failure of the current transaction that was not the caller's input
	 * (store_txn_failure); failed.status 0: none. */
	struct kx_error failed;
	/* The scope last locked in this transaction ("" when none is known to be held): taken
	 * again for free. A savepoint's rollback may release it, so that forgets it. */
	char last_lock[96];
};

static inline struct store_pg *pg(struct store *s)
{
	return (struct store_pg *)s;
}

#define PG_DECLARE(ret, name, params, args) ret pg_##name params;
STORE_API(PG_DECLARE, PG_DECLARE)
#undef PG_DECLARE

struct store *store_pg_open(const char *url, const struct store_options *opt,
			    struct kx_error *err);

/* Parameters of one statement. Values are borrowed except those the helpers format or
 * serialise themselves, which pg_params_free (called by pg_query) releases. */
struct pg_params {
	int n;
	const char *value[PG_MAX_PARAMS];
	int length[PG_MAX_PARAMS];
	int format[PG_MAX_PARAMS]; /* 0 text, 1 binary */
	char *owned[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][24];
};
void pg_text(struct pg_params *p, const char *v); /* NULL: SQL NULL */
void pg_int(struct pg_params *p, int64_t v);
void pg_bytes(struct pg_params *p, const void *v, size_t len); /* bytea */
/* A JSON object member as store_bind_member binds it: strings as text, numbers as integers,
 * booleans as 0/1, arrays/objects as their JSON text, missing or null as NULL. */
void pg_member(struct pg_params *p, const cJSON *obj, const char *name);
void pg_params_free(struct pg_params *p);

/* Sets the tenant this connection's statements may see (row-level security); cached, so a
 * run of calls for one tenant costs one round trip. 0, or -1 with err. */
int pg_scope(struct store_pg *s, const char *tenant_id, struct kx_error *err);

/* Runs a prepared statement (prepared on first use): its result (caller PQclears) or NULL
 * with err — 409 conflict on a constraint, 503 unavailable otherwise. Frees p's owned values. */
PGresult *pg_query(struct store_pg *s, const char *sql, struct pg_params *p,
		   struct kx_error *err);
/* The same for a statement without rows: 0, or -1 with err. */
int pg_command(struct store_pg *s, const char *sql, struct pg_params *p, struct kx_error *err);
/* Rows of a result as objects keyed by column name, like store_row_object: int columns as
 * numbers, NULL as null, a column named *_json parsed and stored without the suffix. These
 * take the result and clear it. */
cJSON *pg_one_row(PGresult *r);  /* the first row, or NULL when none (or r is NULL) */
cJSON *pg_all_rows(PGresult *r); /* an array (empty when none), NULL only when r is NULL */
cJSON *pg_row_object(const PGresult *r, int row);
cJSON *pg_strings(PGresult *r); /* the first column's text, as an array of strings */
/* Cell readers; a NULL cell reads as 0 / NULL. */
int64_t pg_int_at(const PGresult *r, int row, int col);
const char *pg_text_at(const PGresult *r, int row, int col);
/* A bytea cell into out (exactly len bytes): 0, or -1 when it is not that long. */
int pg_bytes_at(const PGresult *r, int row, int col, uint8_t *out, size_t len);

#endif
