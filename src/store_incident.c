/* SQL for incidents and their timelines. Lists use keyset pagination on the time-sortable id
 * so that page 10,000 costs what page 1 does, and concurrent inserts never shift a page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_lite.h"

#define INCIDENT_COLS                                                                         \
	"id, tenant_id, title, description, severity, status, commander, region,"             \
	" labels AS labels_json, created_at, updated_at, resolved_at, version, receipt_id"

static const char *const incident_fields[] = {
	"tenant_id", "id",	   "title",	  "description", "severity",
	"status",    "commander",  "region",	  "labels",	 "created_at",
	"updated_at", "resolved_at", "version", "receipt_id"};

int lite_incident_insert(struct store *base, const cJSON *inc, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] =
		"INSERT INTO incidents(tenant_id, id, title, description, severity, status,"
		" commander, region, labels, created_at, updated_at, resolved_at, version,"
		" receipt_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	for (int i = 0; i < 14; i++)
		store_bind_member(st, i + 1, inc, incident_fields[i]);
	return store_step_done(s, st, err);
}

int lite_incident_update(struct store *base, const cJSON *inc, struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] =
		"UPDATE incidents SET title = ?3, description = ?4, severity = ?5, status = ?6,"
		" commander = ?7, region = ?8, labels = ?9, updated_at = ?11, resolved_at = ?12,"
		" version = ?13, receipt_id = ?14 WHERE tenant_id = ?1 AND id = ?2";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	for (int i = 0; i < 14; i++)
		store_bind_member(st, i + 1, inc, incident_fields[i]);
	return store_step_done(s, st, err);
}

cJSON *lite_incident_get(struct store *base, const char *tenant_id, const char *id)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT " INCIDENT_COLS " FROM incidents"
				  " WHERE tenant_id = ? AND id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	return store_one_row(s, st);
}

/* Keyset pages must seek to the cursor, not scan up to it: "?5 IS NULL OR id < ?5" hides the
 * range from SQLite's planner (page 10,000 of a million incidents then read half a million
 * rows), so a missing cursor is bound as a key above every id and the bound stays a plain
 * range. One status walks the (tenant, status, id) index from the cursor; any other filter
 * walks the primary key from it, in id order, with the status test kept off the index
 * ("+status") so that the planner cannot trade the order for a sort of every match. */
#define INCIDENT_LIST_FILTERS                                                                 \
	" AND (?3 IS NULL OR severity = ?3)"                                                  \
	" AND (?4 IS NULL OR instr(lower(title), lower(?4)) > 0)"                            \
	" AND id < ?5 ORDER BY id DESC LIMIT ?6"

cJSON *lite_incident_list(struct store *base, const char *tenant_id,
			   const struct store_incident_filter *f)
{
	struct store_lite *s = lite(base);
	/* Statuses are matched through json_each of a bound array, so one prepared statement
	 * serves any number of them; instr() keeps the title filter free of LIKE escapes. */
	static const char one_status[] = "SELECT " INCIDENT_COLS " FROM incidents"
					 " WHERE tenant_id = ?1 AND status = ?2"
					 INCIDENT_LIST_FILTERS;
	static const char any_status[] =
		"SELECT " INCIDENT_COLS " FROM incidents WHERE tenant_id = ?1"
		" AND (?2 IS NULL OR +status IN (SELECT value FROM json_each(?2)))"
		INCIDENT_LIST_FILTERS;
	bool one = f->n_statuses == 1;
	sqlite3_stmt *st = store_stmt(s, one ? one_status : any_status, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	if (one) {
		store_bind_text(st, 2, f->statuses[0]);
	} else if (f->n_statuses > 0) {
		cJSON *a = cJSON_CreateStringArray(f->statuses, f->n_statuses);
		char *text = cJSON_PrintUnformatted(a);
		cJSON_Delete(a);
		if (!text)
			return NULL;
		/* SQLite owns the text now: binds elsewhere are static, this one is built here. */
		sqlite3_bind_text(st, 2, text, -1, free);
	}
	store_bind_text(st, 3, f->severity);
	store_bind_text(st, 4, f->q);
	store_bind_text(st, 5, f->after_id ? f->after_id : "~"); /* '~' sorts after every id */
	sqlite3_bind_int(st, 6, f->limit + 1);
	return store_all_rows(s, st);
}

int lite_timeline_insert(struct store *base, const char *tenant_id, const cJSON *ev,
			  struct kx_error *err)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "INSERT INTO timeline(tenant_id, id, incident_id, at, kind,"
				  " actor, data, receipt_id) VALUES (?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, tenant_id);
	const char *cols[] = {"id", "incident_id", "at", "kind", "actor", "data", "receipt_id"};
	for (int i = 0; i < 7; i++)
		store_bind_member(st, i + 2, ev, cols[i]);
	return store_step_done(s, st, err);
}

cJSON *lite_timeline_list(struct store *base, const char *tenant_id, const char *incident_id,
			   const char *after_id, int limit)
{
	struct store_lite *s = lite(base);
	static const char sql[] = "SELECT id, incident_id, at, kind, actor, data AS data_json,"
				  " receipt_id FROM timeline WHERE tenant_id = ?1"
				  " AND incident_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, incident_id);
	store_bind_text(st, 3, after_id ? after_id : ""); /* a seek, as in store_incident_list */
	sqlite3_bind_int(st, 4, limit + 1);
	return store_all_rows(s, st);
}
