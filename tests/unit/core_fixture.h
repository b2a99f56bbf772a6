/* Test helper: a fresh embedded klaxon store in a temporary directory, reached only through
 * the public face (klaxon.h), with calls whose answers are parsed and freed at teardown so a
 * failing assertion leaks nothing. Linked into every unit test; used by the core's tests. */
#ifndef KX_TEST_CORE_FIXTURE_H
#define KX_TEST_CORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "klaxon.h"

/* One answer of kx_call, kept by the fixture until teardown. */
struct fx_resp {
	int status;
	char *raw;        /* the body as the core wrote it */
	size_t raw_len;   /* its bytes (a binary body, such as an evidence bundle, too) */
	cJSON *json;      /* parsed (application/json), else NULL */
	bool replayed;
	char *location;
	char request_id[KX_ID_MAX];
	const char *content_type;
};

struct fx {
	char dir[512];
	char db[600];
	char pub_path[640];
	struct kx_core *core;
	struct kx_principal admin; /* "default"/"admin": tenant-admin and platform admin */
	struct fx_resp **resps;
	size_t n_resps, cap_resps;
};

/* cmocka setup/teardown: *state becomes a struct fx with an open core. */
int fx_setup(void **state);
int fx_teardown(void **state);

void fx_close(struct fx *f);
void fx_open(struct fx *f);
/* A raw connection to the store file for tampering (the core should be closed). */
sqlite3 *fx_sqlite(struct fx *f);
/* The first column of the first row of sql, as an integer (-1 when no row). */
int64_t fx_sql_int(sqlite3 *db, const char *sql);
/* Runs sql and asserts success; returns sqlite3_changes(). */
int fx_sql_exec(sqlite3 *db, const char *sql);

/* Runs one request; the answer belongs to the fixture. */
struct fx_resp *fx_request(struct fx *f, const struct kx_request *req);
/* A mutation or query with a JSON body (NULL: none) and an Idempotency-Key (NULL: none). */
struct fx_resp *fx_call(struct fx *f, const struct kx_principal *who, const char *op,
			const char *id, const char *body, const char *idem_key);
/* A query with parameters given as name, value pairs ending in NULL. */
struct fx_resp *fx_get(struct fx *f, const struct kx_principal *who, const char *op,
		       const char *id, ...);

/* Asserts the status (printing the body when it differs) and returns the parsed body. */
cJSON *fx_expect(const struct fx_resp *r, int status);
/* Asserts an error answer: status, error.code and, when field is not NULL, error.field. */
void fx_expect_error(const struct fx_resp *r, int status, const char *code, const char *field);

/* Members by dotted path ("error.decision.effect"); NULL / NAN-free defaults when absent. */
const cJSON *fx_at(const cJSON *o, const char *path);
const char *fx_str(const cJSON *o, const char *path);
double fx_num(const cJSON *o, const char *path);

/* Makes an actor in tenant with the given roles (JSON array text) and authenticates it. */
void fx_actor(struct fx *f, const char *tenant, const char *name, const char *roles_json,
	      struct kx_principal *who);
/* An incident with this title and severity made by who; returns its JSON (fixture-owned). */
cJSON *fx_incident(struct fx *f, const struct kx_principal *who, const char *title,
		   const char *severity);
/* Every receipt of who's tenant, oldest first, paging through receipt.list (caller frees). */
cJSON *fx_receipts(struct fx *f, const struct kx_principal *who);
/* Every incident of who's tenant through incident.list, newest first (caller frees). */
cJSON *fx_incidents(struct fx *f, const struct kx_principal *who);

struct minisign_seckey;
/* A body carrying text signed with sk, {field: text, "signature": minisign}: runbook.publish's
 * with field "document", step.approve's with "statement" (caller frees). */
char *fx_signed_body(const struct minisign_seckey *sk, const char *field, const char *text);

#endif
