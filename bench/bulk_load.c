/* Bench-only bulk loader: fills a copy of a store made by `klaxon init` with far more rows
 * than the benchmarks could make through the API in reasonable time. It writes rows directly
 * with SQL (or, for the ledger and metering, with the core's own store functions) and leaves
 * out what the measured reads do not touch: the incidents and timeline events it writes have
 * no receipts, and its ledger leaves are receipts of no operation, without decision records.
 * A store it has touched is for benchmarks only. The measured reads go through kx_call.
 *
 *   bulk_load incidents DB N EVENTS   N incidents of tenant default (60% declared, 15%
 *                                     triaged, 15% mitigating, 10% resolved) and EVENTS
 *                                     timeline events on one of them
 *   bulk_load ledger DB TENANT N      N leaves appended to TENANT's ledger (ledger_append:
 *                                     nodes and a signed checkpoint at every size)
 *   bulk_load usage DB N DAYS         N usage events of tenant default over the last DAYS
 *                                     days, with their hourly rollups (store_usage_add) */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clock.h"
#include "core.h"
#include "ledger.h"
#include "store.h"

#define BATCH 10000

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bulk_load: %s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

static const char *status_of(long i)
{
	int p = (int)(i % 20);
	return p < 12 ? "declared" : p < 15 ? "triaged" : p < 18 ? "mitigating" : "resolved";
}

static int load_incidents(const char *path, long n, long events)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		bench_die("cannot open the store");
	exec(db, "PRAGMA synchronous=OFF");
	sqlite3_stmt *inc, *evt;
	sqlite3_prepare_v2(db, "INSERT INTO incidents(tenant_id, id, title, description, severity,"
			   " status, commander, region, labels, created_at, updated_at, version)"
			   " VALUES ('default', ?1, ?2, 'Bulk-loaded for the pagination benchmark.',"
			   " ?3, ?4, NULL, 'eu', '[\"bench\"]', ?5, ?5, 1)", -1, &inc, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO timeline(tenant_id, id, incident_id, at, kind, actor,"
			   " data) VALUES ('default', ?1, ?2, ?3, 'note', 'admin',"
			   " '{\"text\":\"bulk-loaded note\"}')", -1, &evt, NULL);
	char id[KX_ID_MAX], first[KX_ID_MAX] = "", title[64], at[KX_TIME_LEN];
	static const char *const sev[] = {"sev1", "sev2", "sev3", "sev4"};
	int64_t now = kx_clock_now_ms();
	kx_time_format(now, at);
	for (long i = 0; i < n; i++) {
		if (i % BATCH == 0)
			exec(db, "BEGIN");
		kx_id_new("inc_", id);
		if (!first[0])
			memcpy(first, id, sizeof id);
		snprintf(title, sizeof title, "Bulk incident %ld", i);
		sqlite3_bind_text(inc, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(inc, 2, title, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(inc, 3, sev[i % 4], -1, SQLITE_STATIC);
		sqlite3_bind_text(inc, 4, status_of(i), -1, SQLITE_STATIC);
		sqlite3_bind_text(inc, 5, at, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(inc) != SQLITE_DONE)
			bench_die(sqlite3_errmsg(db));
		sqlite3_reset(inc);
		if (i % BATCH == BATCH - 1 || i == n - 1)
			exec(db, "COMMIT");
	}
	for (long i = 0; i < events; i++) {
		if (i % BATCH == 0)
			exec(db, "BEGIN");
		kx_id_new("evt_", id);
		sqlite3_bind_text(evt, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(evt, 2, first, -1, SQLITE_STATIC);
		sqlite3_bind_text(evt, 3, at, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(evt) != SQLITE_DONE)
			bench_die(sqlite3_errmsg(db));
		sqlite3_reset(evt);
		if (i % BATCH == BATCH - 1 || i == events - 1)
			exec(db, "COMMIT");
	}
	sqlite3_finalize(inc);
	sqlite3_finalize(evt);
	exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	return 0;
}

static struct kx_core *open_core(const char *path)
{
	struct kx_core_options opt = {.db_path = path, .embedded = true, .synchronous_normal = true};
	struct kx_error err = {0};
	struct kx_core *core = kx_core_open(&opt, &err);
	if (!core)
		bench_die(err.message);
	return core;
}

static int load_ledger(const char *path, const char *tenant, long n)
{
	struct kx_core *core = open_core(path);
	struct kx_error err = {0};
	char at[KX_TIME_LEN], rid[KX_ID_MAX];
	for (long i = 0; i < n; i++) {
		if (i % BATCH == 0 && store_begin(core->store, &err))
			bench_die(err.message);
		kx_time_format(kx_clock_now_ms(), at);
		kx_id_new("rcp_", rid);
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "id", rid);
		cJSON_AddStringToObject(r, "tenant_id", tenant);
		cJSON_AddStringToObject(r, "at", at);
		cJSON_AddStringToObject(r, "actor", "bulk_load");
		cJSON_AddStringToObject(r, "action", "bench.leaf");
		cJSON_AddStringToObject(r, "resource", "bench");
		cJSON_AddStringToObject(r, "request_id", "req_bulk_load");
		cJSON_AddItemToObject(r, "decision", cJSON_CreateObject());
		cJSON_AddStringToObject(cJSON_GetObjectItem(r, "decision"), "effect", "allow");
		if (ledger_append(core, tenant, r, at, &err))
			bench_die(err.message);
		cJSON_Delete(r);
		if ((i % BATCH == BATCH - 1 || i == n - 1) && store_commit(core->store, &err))
			bench_die(err.message);
	}
	kx_core_close(core);
	return 0;
}

static int load_usage(const char *path, long n, int days)
{
	struct kx_core *core = open_core(path);
	struct kx_error err = {0};
	static const char *const types[] = {"api.request", "api.request", "incident.create",
					    "incident.update", "policy.deny", "runbook.launch",
					    "step.execute", "evidence.export"};
	int64_t end = kx_clock_now_ms(), span = (int64_t)days * 86400 * 1000;
	char at[KX_TIME_LEN];
	double t0 = bench_now();
	for (long i = 0; i < n; i++) {
		if (i % BATCH == 0 && store_begin(core->store, &err))
			bench_die(err.message);
		kx_time_format(end - span + (int64_t)((double)span * (double)i / (double)n), at);
		if (store_usage_add(core->store, "default", types[i % 8], 1, at, NULL, &err))
			bench_die(err.message);
		if ((i % BATCH == BATCH - 1 || i == n - 1) && store_commit(core->store, &err))
			bench_die(err.message);
	}
	bench_result("usage_bulk_load", (double)n / (bench_now() - t0), "events/s");
	kx_core_close(core);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (argc == 5 && !strcmp(cmd, "incidents"))
		return load_incidents(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 5 && !strcmp(cmd, "ledger"))
		return load_ledger(argv[2], argv[3], atol(argv[4]));
	if (argc == 5 && !strcmp(cmd, "usage"))
		return load_usage(argv[2], atol(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: see the comment at the top of bench/bulk_load.c\n");
	return 2;
}
