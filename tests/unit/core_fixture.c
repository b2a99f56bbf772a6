/* Test helper: a temporary embedded store driven through klaxon.h (see core_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core_fixture.h"
#include "minisign.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct kx_core_options fx_options(const struct fx *f)
{
	struct kx_core_options o = {.db_path = f->db, .embedded = true};
	return o;
}

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/klaxon-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/klaxon.db", f->dir);
	snprintf(f->pub_path, sizeof f->pub_path, "%s/klaxon.db.pub", f->dir);
	struct kx_core_options o = fx_options(f);
	struct kx_init_result init;
	struct kx_error err = {0};
	if (kx_core_init(&o, &init, &err))
		fail_msg("kx_core_init: %s", err.message);
	kx_init_result_wipe(&init);
	*state = f;
	fx_open(f);
	if (kx_auth_local(f->core, "default", "admin", &f->admin, &err))
		fail_msg("kx_auth_local admin: %s", err.message);
	return 0;
}

static void resp_free(struct fx_resp *r)
{
	free(r->raw);
	free(r->location);
	cJSON_Delete(r->json);
	free(r);
}

static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	char p[1200];
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(path);
}

int fx_teardown(void **state)
{
	struct fx *f = *state;
	if (!f)
		return 0;
	fx_close(f);
	for (size_t i = 0; i < f->n_resps; i++)
		resp_free(f->resps[i]);
	free(f->resps);
	remove_dir(f->dir);
	free(f);
	*state = NULL;
	return 0;
}

void fx_close(struct fx *f)
{
	kx_core_close(f->core);
	f->core = NULL;
}

void fx_open(struct fx *f)
{
	assert_null(f->core);
	struct kx_core_options o = fx_options(f);
	struct kx_error err = {0};
	f->core = kx_core_open(&o, &err);
	if (!f->core)
		fail_msg("kx_core_open: %s", err.message);
}

sqlite3 *fx_sqlite(struct fx *f)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		fail_msg("cannot open %s", f->db);
	}
	return db;
}

int64_t fx_sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

int fx_sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char copy[300];
		snprintf(copy, sizeof copy, "%s", msg ? msg : "?");
		sqlite3_free(msg);
		fail_msg("%s: %s", sql, copy);
	}
	return sqlite3_changes(db);
}

struct fx_resp *fx_request(struct fx *f, const struct kx_request *req)
{
	struct kx_response resp;
	kx_call(f->core, req, &resp);
	struct fx_resp *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->status = resp.status;
	r->raw = resp.body;
	r->raw_len = resp.body_len ? resp.body_len : resp.body ? strlen(resp.body) : 0;
	r->location = resp.location;
	r->replayed = resp.replayed;
	r->content_type = resp.content_type;
	snprintf(r->request_id, sizeof r->request_id, "%s", resp.request_id);
	if (r->raw && resp.content_type && strncmp(resp.content_type, "application/json", 16) == 0)
		r->json = cJSON_Parse(r->raw);
	if (f->n_resps == f->cap_resps) {
		f->cap_resps = f->cap_resps ? f->cap_resps * 2 : 64;
		f->resps = realloc(f->resps, f->cap_resps * sizeof *f->resps);
		assert_non_null(f->resps);
	}
	f->resps[f->n_resps++] = r;
	assert_non_null(r->raw);
	return r;
}

struct fx_resp *fx_call(struct fx *f, const struct kx_principal *who, const char *op,
			const char *id, const char *body, const char *idem_key)
{
	struct kx_request req = {.op = op,
				 .who = who,
				 .id = id,
				 .body = body,
				 .body_len = body ? strlen(body) : 0,
				 .idempotency_key = idem_key};
	return fx_request(f, &req);
}

struct fx_resp *fx_get(struct fx *f, const struct kx_principal *who, const char *op,
		       const char *id, ...)
{
	struct kx_param params[17];
	int n = 0;
	va_list ap;
	va_start(ap, id);
	const char *name;
	while ((name = va_arg(ap, const char *)) && n < 16) {
		params[n].name = name;
		params[n].value = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	params[n].name = params[n].value = NULL;
	struct kx_request req = {.op = op, .who = who, .id = id, .query = params};
	return fx_request(f, &req);
}

cJSON *fx_expect(const struct fx_resp *r, int status)
{
	if (r->status != status)
		fail_msg("expected %d, got %d: %s", status, r->status, r->raw);
	return r->json;
}

void fx_expect_error(const struct fx_resp *r, int status, const char *code, const char *field)
{
	fx_expect(r, status);
	assert_non_null(r->json);
	assert_string_equal(fx_str(r->json, "error.code"), code);
	assert_non_null(fx_str(r->json, "error.message"));
	assert_string_equal(fx_str(r->json, "error.request_id"), r->request_id);
	if (field)
		assert_string_equal(fx_str(r->json, "error.field"), field);
}

const cJSON *fx_at(const cJSON *o, const char *path)
{
	char buf[200];
	snprintf(buf, sizeof buf, "%s", path);
	char *save = NULL;
	for (char *p = strtok_r(buf, ".", &save); o && p; p = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, p);
	return o;
}

const char *fx_str(const cJSON *o, const char *path)
{
	const char *s = cJSON_GetStringValue(fx_at(o, path));
	return s ? s : "(absent)";
}

double fx_num(const cJSON *o, const char *path)
{
	const cJSON *v = fx_at(o, path);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

void fx_actor(struct fx *f, const char *tenant, const char *name, const char *roles_json,
	      struct kx_principal *who)
{
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"roles\":%s}", name, roles_json);
	fx_expect(fx_call(f, &f->admin, "actor.create", tenant, body, NULL), 201);
	struct kx_error err = {0};
	if (kx_auth_local(f->core, tenant, name, who, &err))
		fail_msg("kx_auth_local %s/%s: %s", tenant, name, err.message);
}

cJSON *fx_incident(struct fx *f, const struct kx_principal *who, const char *title,
		   const char *severity)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "title", title);
	cJSON_AddStringToObject(b, "severity", severity);
	char *text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	struct fx_resp *r = fx_call(f, who, "incident.create", NULL, text, NULL);
	free(text);
	return fx_expect(r, 201);
}

/* Follows next_cursor through a list op, appending every item to one array. */
static cJSON *collect(struct fx *f, const struct kx_principal *who, const char *op)
{
	cJSON *all = cJSON_CreateArray();
	char cursor[64] = "";
	for (int pages = 0; pages < 1000; pages++) {
		struct fx_resp *r = cursor[0] ? fx_get(f, who, op, NULL, "limit", "500", "cursor",
						       cursor, NULL)
					      : fx_get(f, who, op, NULL, "limit", "500", NULL);
		cJSON *page = fx_expect(r, 200);
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(page, "items"))
			cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
		const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(page, "next_cursor"));
		if (!next)
			return all;
		snprintf(cursor, sizeof cursor, "%s", next);
	}
	cJSON_Delete(all);
	fail_msg("%s never ended", op);
	return NULL;
}

cJSON *fx_receipts(struct fx *f, const struct kx_principal *who)
{
	return collect(f, who, "receipt.list");
}

cJSON *fx_incidents(struct fx *f, const struct kx_principal *who)
{
	return collect(f, who, "incident.list");
}

char *fx_signed_body(const struct minisign_seckey *sk, const char *field, const char *text)
{
	char *sig = minisign_sign(sk, text, strlen(text), NULL);
	assert_non_null(sig);
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, field, text);
	cJSON_AddStringToObject(b, "signature", sig);
	char *body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	free(sig);
	return body;
}
