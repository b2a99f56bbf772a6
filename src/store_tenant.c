/* SQL for tenants, actors and their versioned documents (role catalogs, policy profiles). */
#include <stdlib.h>
#include <string.h>

#include "store_lite.h"

#define TENANT_COLS "id, name, kind, status, region, partner_id, created_at, updated_at"
#define ACTOR_COLS                                                                            \
	"id, tenant_id, name, roles AS roles_json, platform_admin, disabled, public_key,"     \
	" key_id, created_at"

int lite_tenant_insert(struct store *base, const cJSON *t, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO tenants(" TENANT_COLS ") VALUES (?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	const char *cols[] = {"id",	    "name",	  "kind",	"status",
			      "region",	    "partner_id", "created_at", "updated_at"};
	for (int i = 0; i < 8; i++)
		store_bind_member(st, i + 1, t, cols[i]);
	return store_step_done(s, st, err);
}

int lite_tenant_update(struct store *base, const cJSON *t, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE tenants SET name = ?, status = ?, region = ?,"
				  " updated_at = ? WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_member(st, 1, t, "name");
	store_bind_member(st, 2, t, "status");
	store_bind_member(st, 3, t, "region");
	store_bind_member(st, 4, t, "updated_at");
	store_bind_member(st, 5, t, "id");
	return store_step_done(s, st, err);
}

cJSON *lite_tenant_get(struct store *base, const char *tenant_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " TENANT_COLS " FROM tenants WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	return store_one_row(s, st);
}

cJSON *lite_tenant_find(struct store *base, const char *id_or_name)
{
	struct store_lite *s = lite(base);
	cJSON *t = lite_tenant_get(base, id_or_name);
	if (t)
		return t;
	static const char sql[] = "SELECT " TENANT_COLS " FROM tenants WHERE name = ? LIMIT 2";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, id_or_name);
	cJSON *rows = store_all_rows(s, st);
	cJSON *found = NULL;
	if (cJSON_GetArraySize(rows) == 1) /* a name must be unique to name a tenant */
		found = cJSON_DetachItemFromArray(rows, 0);
	cJSON_Delete(rows);
	return found;
}

cJSON *lite_tenant_list(struct store *base)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " TENANT_COLS " FROM tenants ORDER BY created_at, id";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	return st ? store_all_rows(s, st) : NULL;
}

int lite_actor_insert(struct store *base, const char *tenant_id, const cJSON *a,
		       const uint8_t token_hash[32], struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO actors(tenant_id, id, name, roles, platform_admin,"
				  " disabled, token_hash, public_key, key_id, created_at)"
				  " VALUES (?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_member(st, 2, a, "id");
	store_bind_member(st, 3, a, "name");
	store_bind_member(st, 4, a, "roles");
	store_bind_member(st, 5, a, "platform_admin");
	store_bind_member(st, 6, a, "disabled");
	if (token_hash)
		sqlite3_bind_blob(st, 7, token_hash, 32, SQLITE_STATIC);
	store_bind_member(st, 8, a, "public_key");
	store_bind_member(st, 9, a, "key_id");
	store_bind_member(st, 10, a, "created_at");
	return store_step_done(s, st, err);
}

cJSON *lite_actor_get(struct store *base, const char *tenant_id, const char *id_or_name)
{
	struct store_lite *s = lite(base);
	/* By id, then by (unique) name: two key lookups. One statement with "id = ? OR name = ?"
	 * made SQLite build a temporary b-tree on every request's subject load. */
	static const char by_id[] = "SELECT " ACTOR_COLS " FROM actors WHERE tenant_id = ?"
				    " AND id = ?";
	static const char by_name[] = "SELECT " ACTOR_COLS " FROM actors WHERE tenant_id = ?"
				      " AND name = ?";
	cJSON *a = NULL;
	for (int i = 0; i < 2 && !a; i++) {
		sqlite3_stmt *st = store_stmt(s, i == 0 ? by_id : by_name, NULL);
		if (!st)
			return NULL;
		store_bind_text(st, 1, tenant_id);
		store_bind_text(st, 2, id_or_name);
		a = store_one_row(s, st);
	}
	return a;
}

cJSON *lite_actor_by_token(struct store *base, const uint8_t token_hash[32], uint8_t stored[32])
{
	struct store_lite *s = lite(base);
	/* Every request authenticates: only what a principal needs, not the whole row. */
	static const char sql[] = "SELECT id, tenant_id, token_hash FROM actors"
				  " WHERE token_hash = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_STATIC);
	cJSON *a = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 2) == 32) {
		memcpy(stored, sqlite3_column_blob(st, 2), 32);
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "id", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(a, "tenant_id", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	return a;
}

cJSON *lite_actor_list(struct store *base, const char *tenant_id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " ACTOR_COLS " FROM actors WHERE tenant_id = ?"
				  " ORDER BY id";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	return store_all_rows(s, st);
}

int lite_actor_update(struct store *base, const char *tenant_id, const cJSON *a,
		       struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE actors SET roles = ?, disabled = ?, public_key = ?,"
				  " key_id = ? WHERE tenant_id = ? AND id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_member(st, 1, a, "roles");
	store_bind_member(st, 2, a, "disabled");
	store_bind_member(st, 3, a, "public_key");
	store_bind_member(st, 4, a, "key_id");
	store_bind_text(st, 5, tenant_id);
	store_bind_member(st, 6, a, "id");
	return store_step_done(s, st, err);
}

int lite_tenant_revoke_tokens(struct store *base, const char *tenant_id, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE actors SET token_hash = NULL WHERE tenant_id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	return store_step_done(s, st, err);
}

int lite_actor_set_token(struct store *base, const char *tenant_id, const char *actor_id,
			  const uint8_t token_hash[32], struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "UPDATE actors SET token_hash = ? WHERE tenant_id = ? AND id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	if (token_hash)
		sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_STATIC);
	store_bind_text(st, 2, tenant_id);
	store_bind_text(st, 3, actor_id);
	return store_step_done(s, st, err);
}

static const char *doc_kind_name(enum store_doc_kind kind)
{
	return kind == STORE_DOC_ROLES ? "roles" : kind == STORE_DOC_PROFILE ? "profile" : "redaction";
}

int lite_doc_append(struct store *base, enum store_doc_kind kind, const char *tenant_id,
		     const char *doc, const char *digest_b64, const char *at, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] =
		"INSERT INTO documents(tenant_id, kind, version, doc, digest, created_at)"
		" SELECT ?1, ?2, COALESCE(MAX(version), 0) + 1, ?3, ?4, ?5 FROM documents"
		" WHERE tenant_id = ?1 AND kind = ?2 RETURNING version";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, doc_kind_name(kind));
	store_bind_text(st, 3, doc);
	store_bind_text(st, 4, digest_b64);
	store_bind_text(st, 5, at);
	int version = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	else
		store_fail(s, err);
	sqlite3_reset(st);
	return version;
}

int lite_doc_head(struct store *base, enum store_doc_kind kind, const char *tenant_id,
		   int *version, char digest[STORE_DIGEST_MAX])
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT version, digest FROM documents WHERE tenant_id = ?1"
				  " AND kind = ?2 ORDER BY version DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, doc_kind_name(kind));
	int rc = sqlite3_step(st), found = rc == SQLITE_DONE ? 1 : -1;
	const char *d = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
	if (d && strlen(d) < STORE_DIGEST_MAX) {
		*version = sqlite3_column_int(st, 0);
		memcpy(digest, d, strlen(d) + 1);
		found = 0;
	}
	sqlite3_reset(st);
	return found;
}

cJSON *lite_doc_get(struct store *base, enum store_doc_kind kind, const char *tenant_id,
		     int version)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT version, digest, doc, created_at FROM documents"
				  " WHERE tenant_id = ?1 AND kind = ?2 AND (?3 = 0 OR version = ?3)"
				  " ORDER BY version DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, doc_kind_name(kind));
	sqlite3_bind_int(st, 3, version);
	return store_one_row(s, st);
}
