/* TODO(pg port): stubs until this file is ported from its SQLite twin. */
#include "store_pg.h"

int pg_incident_insert(struct store *s, const cJSON *incident, struct kx_error *err)
{
	(void)s; (void)incident; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_incident_update(struct store *s, const cJSON *incident, struct kx_error *err)
{
	(void)s; (void)incident; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_incident_get(struct store *s, const char *tenant_id, const char *id)
{
	(void)s; (void)tenant_id; (void)id;
	return NULL;
}

cJSON * pg_incident_list(struct store *s, const char *tenant_id, const struct store_incident_filter *f)
{
	(void)s; (void)tenant_id; (void)f;
	return NULL;
}

int pg_timeline_insert(struct store *s, const char *tenant_id, const cJSON *event, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)event; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_timeline_list(struct store *s, const char *tenant_id, const char *incident_id, const char *after_id, int limit)
{
	(void)s; (void)tenant_id; (void)incident_id; (void)after_id; (void)limit;
	return NULL;
}
