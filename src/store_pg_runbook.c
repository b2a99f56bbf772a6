/* TODO(pg port): stubs until this file is ported from its SQLite twin. */
#include "store_pg.h"

int pg_signing_key_insert(struct store *s, const char *tenant_id, const cJSON *key, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)key; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_signing_key_get(struct store *s, const char *tenant_id, const char *key_id)
{
	(void)s; (void)tenant_id; (void)key_id;
	return NULL;
}

cJSON * pg_signing_key_list(struct store *s, const char *tenant_id)
{
	(void)s; (void)tenant_id;
	return NULL;
}

int pg_signing_key_revoke(struct store *s, const char *tenant_id, const char *key_id, const char *at, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)key_id; (void)at; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_runbook_insert(struct store *s, const char *tenant_id, const cJSON *rb, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)rb; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_runbook_latest(struct store *s, const char *tenant_id, const char *id)
{
	(void)s; (void)tenant_id; (void)id;
	return -1;
}

cJSON * pg_runbook_get(struct store *s, const char *tenant_id, const char *id, int version)
{
	(void)s; (void)tenant_id; (void)id; (void)version;
	return NULL;
}

cJSON * pg_runbook_by_digest(struct store *s, const char *tenant_id, const char *id, const char *digest)
{
	(void)s; (void)tenant_id; (void)id; (void)digest;
	return NULL;
}

cJSON * pg_runbook_list(struct store *s, const char *tenant_id)
{
	(void)s; (void)tenant_id;
	return NULL;
}

int pg_execution_insert(struct store *s, const char *tenant_id, const cJSON *ex, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)ex; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_execution_set_status(struct store *s, const char *tenant_id, const char *id, const char *status, const char *at, const char *receipt_id, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)id; (void)status; (void)at; (void)receipt_id; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_execution_get(struct store *s, const char *tenant_id, const char *id)
{
	(void)s; (void)tenant_id; (void)id;
	return NULL;
}

cJSON * pg_execution_list(struct store *s, const char *tenant_id, const char *status, const char *incident_id, const char *after_id, int limit)
{
	(void)s; (void)tenant_id; (void)status; (void)incident_id; (void)after_id; (void)limit;
	return NULL;
}

int pg_step_insert(struct store *s, const char *tenant_id, const char *execution_id, const cJSON *step, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)execution_id; (void)step; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_step_update(struct store *s, const char *tenant_id, const char *execution_id, const cJSON *step, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)execution_id; (void)step; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

cJSON * pg_step_list(struct store *s, const char *tenant_id, const char *execution_id)
{
	(void)s; (void)tenant_id; (void)execution_id;
	return NULL;
}

int pg_approval_insert(struct store *s, const char *tenant_id, const cJSON *approval, struct kx_error *err)
{
	(void)s; (void)tenant_id; (void)approval; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int pg_approval_seen(struct store *s, const char *tenant_id, const char *execution_id, const char *step_id, const char *approver, const char *nonce)
{
	(void)s; (void)tenant_id; (void)execution_id; (void)step_id; (void)approver; (void)nonce;
	return -1;
}

cJSON * pg_approvals_pending(struct store *s, const char *tenant_id, int limit)
{
	(void)s; (void)tenant_id; (void)limit;
	return NULL;
}

int64_t pg_pending_approvals_all(struct store *s)
{
	(void)s;
	return -1;
}
