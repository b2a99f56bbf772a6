/* TODO(pg port): stubs until this file is ported from its SQLite twin. */
#include "store_pg.h"

int pg_evidence_insert(struct store *s, const struct store_export_row *r, FILE *bundle, struct kx_error *err)
{
	(void)s; (void)r; (void)bundle; (void)err;
	return kx_error_set(err, 503, "unavailable", NULL, "not ported");
}

int64_t pg_evidence_last_size(struct store *s, const char *tenant_id)
{
	(void)s; (void)tenant_id;
	return -1;
}

cJSON * pg_evidence_list(struct store *s, const char *tenant_id, const char *after_id, int limit)
{
	(void)s; (void)tenant_id; (void)after_id; (void)limit;
	return NULL;
}

cJSON * pg_evidence_get(struct store *s, const char *tenant_id, const char *id)
{
	(void)s; (void)tenant_id; (void)id;
	return NULL;
}

int pg_evidence_bundle(struct store *s, const char *tenant_id, const char *id, char **data, size_t *len)
{
	(void)s; (void)tenant_id; (void)id; (void)data; (void)len;
	return -1;
}

int pg_receipt_seq_range(struct store *s, const char *tenant_id, const char *from, const char *to, int64_t *first, int64_t *last)
{
	(void)s; (void)tenant_id; (void)from; (void)to; (void)first; (void)last;
	return -1;
}

int pg_incident_walk_window(struct store *s, const char *tenant_id, const char *from, const char *to, store_row_fn fn, void *ctx)
{
	(void)s; (void)tenant_id; (void)from; (void)to; (void)fn; (void)ctx;
	return -1;
}

int pg_timeline_walk_window(struct store *s, const char *tenant_id, const char *from, const char *to, store_row_fn fn, void *ctx)
{
	(void)s; (void)tenant_id; (void)from; (void)to; (void)fn; (void)ctx;
	return -1;
}

int pg_doc_version_at(struct store *s, enum store_doc_kind kind, const char *tenant_id, const char *at)
{
	(void)s; (void)kind; (void)tenant_id; (void)at;
	return -1;
}

int pg_doc_walk(struct store *s, enum store_doc_kind kind, const char *tenant_id, int first, int last, store_row_fn fn, void *ctx)
{
	(void)s; (void)kind; (void)tenant_id; (void)first; (void)last; (void)fn; (void)ctx;
	return -1;
}
