/* The backend facade: chooses the implementation, times calls for --debug-log, and reads
 * error bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend_impl.h"

struct backend *backend_open(const struct backend_config *cfg, char *err, size_t errlen)
{
	struct backend *b;
	if (!cfg->server_url && !cfg->db_path) {
		snprintf(err, errlen, "no store: give --db PATH (KLAXON_DB) or --server URL");
		return NULL;
	}
	b = cfg->server_url ? remote_open(cfg, err, errlen) : embedded_open(cfg, err, errlen);
	if (b && cfg->debug_log) {
		b->debug_log = fopen(cfg->debug_log, "ae");
		if (!b->debug_log) {
			snprintf(err, errlen, "%s: cannot open the debug log", cfg->debug_log);
			backend_close(b);
			return NULL;
		}
	}
	return b;
}

void backend_close(struct backend *b)
{
	if (!b)
		return;
	if (b->debug_log)
		fclose(b->debug_log);
	b->vt->close(b);
	free(b);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int backend_call(struct backend *b, const struct backend_request *req,
		 struct backend_response *resp)
{
	memset(resp, 0, sizeof *resp);
	double t0 = now_s();
	if (atomic_load(&b->cancelled))
		backend_fail(resp, 503, "unavailable", "cancelled: the console is closing");
	else
		b->vt->call(b, req, resp);
	if (b->debug_log) {
		fprintf(b->debug_log, "%s %s %s -> %d in %.3f ms\n", b->vt->kind, req->op,
			req->id ? req->id : "-", resp->status, (now_s() - t0) * 1e3);
		fflush(b->debug_log);
	}
	return resp->status >= 200 && resp->status < 300 ? 0 : -1;
}

void backend_cancel(struct backend *b)
{
	if (b)
		atomic_store(&b->cancelled, true);
}

void backend_response_free(struct backend_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}

void backend_fail(struct backend_response *resp, int status, const char *code, const char *msg)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	resp->status = status;
	resp->body = cJSON_PrintUnformatted(root);
	resp->body_len = resp->body ? strlen(resp->body) : 0;
	cJSON_Delete(root);
}

const char *backend_error_text(const struct backend_response *resp, char *buf, size_t len)
{
	cJSON *root = resp->body ? cJSON_Parse(resp->body) : NULL;
	const cJSON *e = cJSON_GetObjectItem(root, "error");
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(e, "code"));
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	const char *field = cJSON_GetStringValue(cJSON_GetObjectItem(e, "field"));
	if (code && msg && field)
		snprintf(buf, len, "%s: %s (%s)", code, msg, field);
	else if (code && msg)
		snprintf(buf, len, "%s: %s", code, msg);
	else
		snprintf(buf, len, "request failed with status %d", resp->status);
	cJSON_Delete(root);
	return buf;
}

int backend_init_store(const char *db_path, char *err, size_t errlen)
{
	return embedded_init_store(db_path, err, errlen);
}

int backend_backup(struct backend *b, const char *dest, char *msg, size_t len)
{
	if (!b->vt->backup) {
		snprintf(msg, len, "a server is backed up on its host: klaxond backup --data DIR -o FILE");
		return -1;
	}
	return b->vt->backup(b, dest, msg, len);
}

int backend_ledger_verify(struct backend *b, char *msg, size_t len)
{
	return b->vt->ledger_verify(b, msg, len);
}

const char *backend_kind(const struct backend *b)
{
	return b->vt->kind;
}
