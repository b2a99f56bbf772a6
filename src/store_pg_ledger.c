/* TODO(pg port): stubs until this file is ported from its SQLite twin. */
#include "store_pg.h"

int64_t pg_ledger_size(struct store *s, const char *tenant_id)
{
	(void)s; (void)tenant_id;
	return -1;
}

int pg_receipt_insert(struct store *s, const struct store_receipt_row *r, struct kx_error *err)
{
	(void)s; (void)r; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_decision_insert(struct store *s, const char *tenant_id, const char *receipt_id, const char *digest_b64, const char *record, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)receipt_id; (void)digest_b64; (void)record; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_decision_get(struct store *s, const char *tenant_id, const char *receipt_id, char **digest_b64, char **record)
{
	(void)s; (void)tenant_id; (void)receipt_id; (void)digest_b64; (void)record;
	return -1;
}

int pg_node_put(struct store *s, const char *tenant_id, unsigned level, uint64_t index, const merkle_hash hash, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)level; (void)index; (void)hash; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_node_get(struct store *s, const char *tenant_id, unsigned level, uint64_t index, merkle_hash out)
{
	(void)s; (void)tenant_id; (void)level; (void)index; (void)out;
	return -1;
}

int pg_checkpoint_insert(struct store *s, const char *tenant_id, uint64_t size, const merkle_hash root, const char *note, const char *at, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)size; (void)root; (void)note; (void)at; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

char * pg_checkpoint_get(struct store *s, const char *tenant_id, uint64_t size, uint64_t *size_out)
{
	(void)s; (void)tenant_id; (void)size; (void)size_out;
	return NULL;
}

cJSON * pg_receipt_get(struct store *s, const char *tenant_id, const char *id, char **leaf_out)
{
	(void)s; (void)tenant_id; (void)id; (void)leaf_out;
	return NULL;
}

cJSON * pg_receipt_list(struct store *s, const char *tenant_id, const struct store_receipt_filter *f)
{
	(void)s; (void)tenant_id; (void)f;
	return NULL;
}

int pg_checkpoint_walk(struct store *s, const char *tenant_id, store_checkpoint_fn fn, void *ctx)
{
	(void)s; (void)tenant_id; (void)fn; (void)ctx;
	return -1;
}

cJSON * pg_ledger_tenants(struct store *s)
{
	(void)s;
	return NULL;
}

int pg_receipt_walk_seq(struct store *s, const char *tenant_id, int64_t first, int64_t last, store_receipt_fn fn, void *ctx)
{
	(void)s; (void)tenant_id; (void)first; (void)last; (void)fn; (void)ctx;
	return -1;
}
