/* PostgreSQL SQL for incidents and their timelines (the twin of store_incident.c): keyset
 * pages on the time-sortable id, newest incidents first, and a race-free incident update. */
#include <string.h>

#include "store_pg.h"

#define INCIDENT_COLS                                                                         \
	"id, tenant_id, title, description, severity, status, commander, region,"             \
	" labels AS labels_json, created_at, updated_at, resolved_at, version, receipt_id"

static void bind_members(struct pg_params *p, const cJSON *obj, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		pg_member(p, obj, names[i]);
}

static const char *tenant_of(const cJSON *obj)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "tenant_id"));
}

int pg_incident_insert(struct store *base, const cJSON *inc, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const fields[] = {
		"tenant_id",  "id",	    "title",	"description", "severity",
		"status",     "commander",  "region",	"labels",      "created_at",
		"updated_at", "resolved_at", "version", "receipt_id"};
	static const char sql[] =
		"INSERT INTO incidents(tenant_id, id, title, description, severity, status,"
		" commander, region, labels, created_at, updated_at, resolved_at, version,"
		" receipt_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)";
	struct pg_params p = {0};
	if (pg_scope(s, tenant_of(inc), err))
		return -1;
	bind_members(&p, inc, fields, 14);
	return pg_command(s, sql, &p, err);
}

/* Unlike SQLite's single writer, several klaxond instances may update one incident at once:
 * each read it at version - 1, and only the first write may land. The row lock makes the
 * loser wait for the winner and then find the version moved on, which is reported like a
 * stale If-Match (incident.c) instead of overwriting the winner's change. */
int pg_incident_update(struct store *base, const cJSON *inc, struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const fields[] = {
		"tenant_id", "id",	"title",      "description", "severity",
		"status",    "commander", "region",   "labels",	     "updated_at",
		"resolved_at", "version", "receipt_id"};
	static const char sql[] =
		"UPDATE incidents SET title = $3, description = $4, severity = $5, status = $6,"
		" commander = $7, region = $8, labels = $9, updated_at = $10, resolved_at = $11,"
		" version = $12, receipt_id = $13"
		" WHERE tenant_id = $1 AND id = $2 AND version = $12::bigint - 1";
	struct pg_params p = {0};
	if (pg_scope(s, tenant_of(inc), err))
		return -1;
	bind_members(&p, inc, fields, 13);
	PGresult *r = pg_query(s, sql, &p, err);
	if (!r)
		return -1;
	bool updated = strcmp(PQcmdTuples(r), "0") != 0;
	PQclear(r);
	if (updated)
		return 0;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(inc, "id");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(inc, "version");
	kx_error_set(err, 412, "version_mismatch", NULL,
		     "incident %s is no longer at version %.0f: another update came first",
		     cJSON_GetStringValue(id) ? id->valuestring : "(none)", cJSON_GetNumberValue(v) - 1);
	/* Run again on the version that won: an If-Match the winner made stale is refused
	 * then, and an update without one applies on top of it, as on one instance. */
	if (err)
		err->retry = true;
	return -1;
}

cJSON *pg_incident_get(struct store *base, const char *tenant_id, const char *id)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT " INCIDENT_COLS " FROM incidents"
				  " WHERE tenant_id = $1 AND id = $2";
	struct pg_params p = {0};
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	pg_text(&p, tenant_id);
	pg_text(&p, id);
	return pg_one_row(pg_query(s, sql, &p, NULL));
}

/* The title filter is the twin's instr(lower(title), lower(q)): SQLite's lower() folds ASCII
 * only, so translate() does the same here, where lower() would follow the locale. The first
 * page has a statement of its own rather than the twin's '~' cursor, which sorts after every
 * id in byte order but not in every collation a database may have (en_US ignores it); the
 * next pages keep a plain range on the id, so they seek instead of scanning. */
#define INCIDENT_LIST_FILTERS                                                                 \
	" AND ($3::text IS NULL OR severity = $3)"                                            \
	" AND ($4::text IS NULL OR strpos(translate(title, " ASCII_UPPER ", " ASCII_LOWER     \
	"), translate($4, " ASCII_UPPER ", " ASCII_LOWER ")) > 0)"
#define ASCII_UPPER "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"
#define ASCII_LOWER "'abcdefghijklmnopqrstuvwxyz'"
#define ONE_STATUS                                                                            \
	"SELECT " INCIDENT_COLS " FROM incidents WHERE tenant_id = $1 AND status = $2"        \
	INCIDENT_LIST_FILTERS
/* Statuses come as a JSON array, so one prepared statement serves any number of them. */
#define ANY_STATUS                                                                            \
	"SELECT " INCIDENT_COLS " FROM incidents WHERE tenant_id = $1 AND ($2::text IS NULL"  \
	" OR status IN (SELECT json_array_elements_text($2::json)))" INCIDENT_LIST_FILTERS
#define FIRST_PAGE " ORDER BY id DESC LIMIT $5"
#define NEXT_PAGE " AND id < $6 ORDER BY id DESC LIMIT $5"

cJSON *pg_incident_list(struct store *base, const char *tenant_id,
			const struct store_incident_filter *f)
{
	struct store_pg *s = pg(base);
	static const char one_first[] = ONE_STATUS FIRST_PAGE, one_next[] = ONE_STATUS NEXT_PAGE,
			  any_first[] = ANY_STATUS FIRST_PAGE, any_next[] = ANY_STATUS NEXT_PAGE;
	bool one = f->n_statuses == 1, next = f->after_id != NULL;
	const char *sql = one ? (next ? one_next : one_first) : (next ? any_next : any_first);
	struct pg_params p = {0};
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	pg_text(&p, tenant_id);
	if (one) {
		pg_text(&p, f->statuses[0]);
	} else if (f->n_statuses > 0) {
		cJSON *a = cJSON_CreateStringArray(f->statuses, f->n_statuses);
		char *text = cJSON_PrintUnformatted(a);
		cJSON_Delete(a);
		if (!text)
			return NULL;
		pg_text(&p, text);
		p.owned[1] = text; /* freed by pg_query */
	} else {
		pg_text(&p, NULL);
	}
	pg_text(&p, f->severity);
	pg_text(&p, f->q);
	pg_int(&p, f->limit + 1);
	if (next)
		pg_text(&p, f->after_id);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}

int pg_timeline_insert(struct store *base, const char *tenant_id, const cJSON *ev,
		       struct kx_error *err)
{
	struct store_pg *s = pg(base);
	static const char *const cols[] = {"id",    "incident_id", "at",	"kind",
					   "actor", "data",	   "receipt_id"};
	static const char sql[] = "INSERT INTO timeline(tenant_id, id, incident_id, at, kind,"
				  " actor, data, receipt_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
	struct pg_params p = {0};
	if (pg_scope(s, tenant_id, err))
		return -1;
	pg_text(&p, tenant_id);
	bind_members(&p, ev, cols, 7);
	return pg_command(s, sql, &p, err);
}

cJSON *pg_timeline_list(struct store *base, const char *tenant_id, const char *incident_id,
			const char *after_id, int limit)
{
	struct store_pg *s = pg(base);
	static const char sql[] = "SELECT id, incident_id, at, kind, actor, data AS data_json,"
				  " receipt_id FROM timeline WHERE tenant_id = $1"
				  " AND incident_id = $2 AND id > $3 ORDER BY id LIMIT $4";
	struct pg_params p = {0};
	if (pg_scope(s, tenant_id, NULL))
		return NULL;
	pg_text(&p, tenant_id);
	pg_text(&p, incident_id);
	pg_text(&p, after_id ? after_id : ""); /* '' sorts first in every collation */
	pg_int(&p, limit + 1);
	return pg_all_rows(pg_query(s, sql, &p, NULL));
}
