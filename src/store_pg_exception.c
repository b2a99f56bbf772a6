/* TODO(pg port): stubs until this file is ported from its SQLite twin. */
#include "store_pg.h"

int pg_exception_insert(struct store *s, const char *tenant_id, const cJSON *exception, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)exception; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_exception_list(struct store *s, const char *tenant_id, bool open_only)
{
	(void)s; (void)tenant_id; (void)open_only;
	return NULL;
}

int pg_exception_acknowledge(struct store *s, const char *tenant_id, const char *receipt_id, const char *actor, const char *at, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)receipt_id; (void)actor; (void)at; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}
