/* PostgreSQL SQL for tenants, actors and their versioned documents (role catalogs, policy
 * profiles), as store_tenant.c gives them. */
#include <stdio.h>
#include <string.h>

#include "json_input.h"
#include "store_pg.h"

#define TENANT_COLS "id, name, kind, status, region, partner_id, created_at, updated_at"
#define ACTOR_COLS                                                                            \
	"id, tenant_id, name, roles AS roles_json, platform_admin, disabled, public_key,"     \
	" key_id, created_at"

/* The database holds UTF-8 only: a key that is not names no row, and sending it would fail
 * the statement and with it the transaction, where SQLite simply finds nothing. */
static bool utf8(const char *v)
{
	return !v || json_utf8_valid(v, strlen(v));
}

static const char *member_text(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

int pg_tenant_insert(struct store *base, const cJSON *t, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO tenants(" TENANT_COLS ")"
				  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	if (pg_scope(s, member_text(t, "id"), err))
		return -1;
	const char *cols[] = {"id",	    "name",	  "kind",	"status",
			      "region",	    "partner_id", "created_at", "updated_at"};
	struct pg_params p = {0};
	for (int i = 0; i < 8; i++)
		pg_member(&p, t, cols[i]);
	return pg_command(s, sql, &p, err);
}

int pg_tenant_update(struct store *base, const cJSON *t, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "UPDATE tenants SET name = $1, status = $2, region = $3,"
				  " updated_at = $4 WHERE id = $5";
	if (pg_scope(s, member_text(t, "id"), err))
		return -1;
	struct pg_params p = {0};
	pg_member(&p, t, "name");
	pg_member(&p, t, "status");
	pg_member(&p, t, "region");
	pg_member(&p, t, "updated_at");
	pg_member(&p, t, "id");
	return pg_command(s, sql, &p, err);
}

cJSON *pg_tenant_get(struct store *base, const char *tenant_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " TENANT_COLS " FROM tenants WHERE id = $1";
	if (!utf8(tenant_id) || pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}

cJSON *pg_tenant_find(struct store *base, const char *id_or_name)
{
	struct store_pg *s = pg(base);
	cJSON *t = pg_tenant_get(base, id_or_name);
	if (t)
		return t;
	/* A name says nothing of the tenant's id: the lookup crosses tenants by design. */
	static const char sql[] = "SELECT " TENANT_COLS " FROM tenants WHERE name = $1 LIMIT 2";
	if (!utf8(id_or_name) || pg_scope(s, PG_SCOPE_ALL, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, id_or_name);
	cJSON *rows = pg_all_rows(pg_query(s, sql, &p, NULL));
	cJSON *found = NULL;
	if (cJSON_GetArraySize(rows) == 1) /* a name must be unique to name a tenant */
		found = cJSON_DetachItemFromArray(rows, 0);
	cJSON_Delete(rows);
	return found;
}

cJSON *pg_tenant_list(struct store *base)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " TENANT_COLS " FROM tenants"
				  " ORDER BY created_at, id";
	if (pg_scope(s, PG_SCOPE_ALL, NULL))
		return NULL;
	return pg_all_rows(pg_query(s, sql, NULL, NULL));
}

int pg_actor_insert(struct store *base, const char *tenant_id, const cJSON *a,
		    const uint8_t token_hash[32], struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "INSERT INTO actors(tenant_id, id, name, roles, platform_admin,"
				  " disabled, token_hash, public_key, key_id, created_at)"
				  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_member(&p, a, "id");
	pg_member(&p, a, "name");
	pg_member(&p, a, "roles");
	pg_member(&p, a, "platform_admin");
	pg_member(&p, a, "disabled");
	if (token_hash)
		pg_bytes(&p, token_hash, 32);
	else
		pg_text(&p, NULL);
	pg_member(&p, a, "public_key");
	pg_member(&p, a, "key_id");
	pg_member(&p, a, "created_at");
	return pg_command(s, sql, &p, err);
}

cJSON *pg_actor_get(struct store *base, const char *tenant_id, const char *id_or_name)
{
	struct store_pg *s = pg(base);
	/* By id, then by (unique) name, as the SQLite store does: two key lookups. */
	static const char by_id[] = "SELECT " ACTOR_COLS " FROM actors WHERE tenant_id = $1"
				    " AND id = $2";
	static const char by_name[] = "SELECT " ACTOR_COLS " FROM actors WHERE tenant_id = $1"
				      " AND name = $2";
	if (!utf8(tenant_id) || !utf8(id_or_name) || pg_scope(s, tenant_id, NULL))
		return NULL;
	cJSON *a = NULL;
	for (int i = 0; i < 2 && !a; i++) {
		struct pg_params p = {0};
		pg_text(&p, tenant_id);
		pg_text(&p, id_or_name);
		PGresult *r = pg_query(s, i == 0 ? by_id : by_name, &p, NULL);
		if (!r)
			return NULL;
		a = pg_one_row(r);
	}
	return a;
}

cJSON *pg_actor_by_token(struct store *base, const uint8_t token_hash[32], uint8_t stored[32])
{
	struct store_pg *s = pg(base);
	/* Every request authenticates: only what a principal needs, not the whole row. The token
	 * is what names the tenant, so this one lookup crosses tenants. */
	static const char sql[] = "SELECT id, tenant_id, token_hash FROM actors"
				  " WHERE token_hash = $1";
	if (pg_scope(s, PG_SCOPE_ALL, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_bytes(&p, token_hash, 32);
	PGresult *r = pg_query(s, sql, &p, NULL);
	cJSON *a = NULL;
	if (r && PQntuples(r) > 0 && pg_bytes_at(r, 0, 2, stored, 32) == 0) {
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "id", pg_text_at(r, 0, 0));
		cJSON_AddStringToObject(a, "tenant_id", pg_text_at(r, 0, 1));
	}
	PQclear(r);
	return a;
}

cJSON *pg_actor_list(struct store *base, const char *tenant_id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " ACTOR_COLS " FROM actors WHERE tenant_id = $1"
				  " ORDER BY id";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

int pg_actor_update(struct store *base, const char *tenant_id, const cJSON *a,
		    struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "UPDATE actors SET roles = $1, disabled = $2, public_key = $3,"
				  " key_id = $4 WHERE tenant_id = $5 AND id = $6";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_member(&p, a, "roles");
	pg_member(&p, a, "disabled");
	pg_member(&p, a, "public_key");
	pg_member(&p, a, "key_id");
	pg_text(&p, tenant_id);
	pg_member(&p, a, "id");
	return pg_command(s, sql, &p, err);
}

int pg_tenant_revoke_tokens(struct store *base, const char *tenant_id, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "UPDATE actors SET token_hash = NULL WHERE tenant_id = $1";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	return pg_command(s, sql, &p, err);
}

int pg_actor_set_token(struct store *base, const char *tenant_id, const char *actor_id,
		       const uint8_t token_hash[32], struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "UPDATE actors SET token_hash = $1"
				  " WHERE tenant_id = $2 AND id = $3";
	if (pg_scope(s, tenant_id, err))
		return -1;
	struct pg_params p = {0};
	if (token_hash)
		pg_bytes(&p, token_hash, 32);
	else
		pg_text(&p, NULL);
	pg_text(&p, tenant_id);
	pg_text(&p, actor_id);
	return pg_command(s, sql, &p, err);
}

static const char *doc_kind_name(enum store_doc_kind kind)
{
	return kind == STORE_DOC_ROLES ? "roles" : kind == STORE_DOC_PROFILE ? "profile" : "redaction";
}

int pg_doc_append(struct store *base, enum store_doc_kind kind, const char *tenant_id,
		  const char *doc, const char *digest_b64, const char *at, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char sql[] =
		"INSERT INTO documents(tenant_id, kind, version, doc, digest, created_at)"
		" SELECT $1::text, $2::text, COALESCE(MAX(version), 0) + 1, $3::text, $4::text,"
		" $5::text FROM documents WHERE tenant_id = $1 AND kind = $2 RETURNING version";
	/* SQLite has one writer; here two appends at once would pick the same version and the
	 * second would fail on the primary key. The lock makes the second wait, then follow. */
	char lock[160];
	snprintf(lock, sizeof lock, "doc:%s:%s", doc_kind_name(kind), tenant_id ? tenant_id : "");
	if (pg_scope(s, tenant_id, err) || pg_lock(base, lock, err))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, doc_kind_name(kind));
	pg_text(&p, doc);
	pg_text(&p, digest_b64);
	pg_text(&p, at);
	PGresult *r = pg_query(s, sql, &p, err);
	if (!r)
		return -1;
	int version = PQntuples(r) == 1 ? (int)pg_int_at(r, 0, 0) : -1;
	PQclear(r);
	if (version < 0)
		kx_error_set(err, 503, "unavailable", NULL, "store: no version was appended");
	return version;
}

int pg_doc_head(struct store *base, enum store_doc_kind kind, const char *tenant_id,
		int *version, char digest[STORE_DIGEST_MAX])
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT version, digest FROM documents WHERE tenant_id = $1"
				  " AND kind = $2 ORDER BY version DESC LIMIT 1";
	if (pg_scope(s, tenant_id, NULL))
		return -1;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, doc_kind_name(kind));
	PGresult *r = pg_query(s, sql, &p, NULL);
	if (!r)
		return -1;
	int found = PQntuples(r) == 0 ? 1 : -1;
	const char *d = PQntuples(r) > 0 ? pg_text_at(r, 0, 1) : NULL;
	if (d && strlen(d) < STORE_DIGEST_MAX) {
		*version = (int)pg_int_at(r, 0, 0);
		memcpy(digest, d, strlen(d) + 1);
		found = 0;
	}
	PQclear(r);
	return found;
}

cJSON *pg_doc_get(struct store *base, enum store_doc_kind kind, const char *tenant_id,
		  int version)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT version, digest, doc, created_at FROM documents"
				  " WHERE tenant_id = $1 AND kind = $2"
				  " AND ($3::integer = 0 OR version = $3::integer)"
				  " ORDER BY version DESC LIMIT 1";
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	struct pg_params p = {0};
	pg_text(&p, tenant_id);
	pg_text(&p, doc_kind_name(kind));
	pg_int(&p, version);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}
