/* TODO(pg port): stubs until this file is ported from its SQLite twin. */
#include "store_pg.h"

int pg_idem_get(struct store *s, const char *tenant_id, const char *actor_id, const char *key, struct store_idem *rec)
{
	(void)s; (void)tenant_id; (void)actor_id; (void)key; (void)rec;
	return -1;
}

int pg_idem_put(struct store *s, const char *tenant_id, const char *actor_id, const char *key, const struct store_idem *rec, const char *at, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)actor_id; (void)key; (void)rec; (void)at; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_usage_add(struct store *s, const char *tenant_id, const char *event_type, int64_t units, const char *at, const char *request_id, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)event_type; (void)units; (void)at; (void)request_id; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_usage_walk(struct store *s, const char *tenant_id, const char *from, const char *to, bool by_day, store_usage_fn fn, void *ctx)
{
	(void)s; (void)tenant_id; (void)from; (void)to; (void)by_day; (void)fn; (void)ctx;
	return -1;
}

int pg_usage_prune(struct store *s, const char *tenant_id, const char *before, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)before; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_usage_tenants(struct store *s)
{
	(void)s;
	return NULL;
}
