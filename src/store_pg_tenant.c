/* TODO(pg port): stubs until this file is ported from its SQLite twin. */
#include "store_pg.h"

int pg_tenant_insert(struct store *s, const cJSON *tenant, struct kx_error *err)
{
	(void)s; (void)tenant; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_tenant_get(struct store *s, const char *tenant_id)
{
	(void)s; (void)tenant_id;
	return NULL;
}

cJSON * pg_tenant_find(struct store *s, const char *id_or_name)
{
	(void)s; (void)id_or_name;
	return NULL;
}

int pg_tenant_update(struct store *s, const cJSON *tenant, struct kx_error *err)
{
	(void)s; (void)tenant; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_tenant_list(struct store *s)
{
	(void)s;
	return NULL;
}

int pg_actor_insert(struct store *s, const char *tenant_id, const cJSON *actor, const uint8_t token_hash[32], struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)actor; (void)token_hash; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_actor_get(struct store *s, const char *tenant_id, const char *id_or_name)
{
	(void)s; (void)tenant_id; (void)id_or_name;
	return NULL;
}

cJSON * pg_actor_by_token(struct store *s, const uint8_t token_hash[32], uint8_t stored[32])
{
	(void)s; (void)token_hash; (void)stored;
	return NULL;
}

cJSON * pg_actor_list(struct store *s, const char *tenant_id)
{
	(void)s; (void)tenant_id;
	return NULL;
}

int pg_actor_update(struct store *s, const char *tenant_id, const cJSON *actor, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)actor; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_tenant_revoke_tokens(struct store *s, const char *tenant_id, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_actor_set_token(struct store *s, const char *tenant_id, const char *actor_id, const uint8_t token_hash[32], struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)actor_id; (void)token_hash; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_doc_append(struct store *s, enum store_doc_kind kind, const char *tenant_id, const char *doc, const char *digest_b64, const char *at, struct kx_error *err)
{
	(void)s; (void)kind; (void)tenant_id; (void)doc; (void)digest_b64; (void)at; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_doc_head(struct store *s, enum store_doc_kind kind, const char *tenant_id, int *version, char digest[STORE_DIGEST_MAX])
{
	(void)s; (void)kind; (void)tenant_id; (void)version; (void)digest;
	return -1;
}

cJSON * pg_doc_get(struct store *s, enum store_doc_kind kind, const char *tenant_id, int version)
{
	(void)s; (void)kind; (void)tenant_id; (void)version;
	return NULL;
}
