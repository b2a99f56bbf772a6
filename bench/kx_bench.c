/* klaxon's own side of the suite, in-process through kx_call (the embedded backend's path) and,
 * for the ledger and metering, through the store functions the pipeline uses:
 *
 *   kx_bench crypto SECONDS                Ed25519 signs and SHA-256 hashes per second
 *   kx_bench create DB SECONDS             incident.create in a loop, one client (embedded)
 *   kx_bench fill DB N                     N incidents through incident.create
 *   kx_bench pages DB REPEAT               incident.list and timeline.list: page 1 and page
 *                                          10,000 (50 rows a page) on a bulk-loaded store
 *   kx_bench ledger DB SMALL LARGE REPEAT  ledger appends at two tenants' sizes (rolled
 *                                          back), proofs at the larger
 *   kx_bench usage DB REPEAT               usage.report over 30 days vs a raw rollup scan
 *   kx_bench meter DB N                    N usage events with and without rollups
 *   kx_bench export DB FROM TO             evidence.export of a window (peak RSS: time -v)
 *   kx_bench download DB EXPORT_ID FILE    the bundle of an export, into FILE
 *
 * Every figure is printed as "RESULT name value unit" (bench.h). */
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clock.h"
#include "core.h"
#include "ledger.h"
#include "store.h"

static bool sync_normal; /* KX_BENCH_SYNC=normal: the CPU cost without the fsync */

static struct kx_core *open_core(const char *db)
{
	struct kx_core_options opt = {.db_path = db, .embedded = true,
				      .synchronous_normal = sync_normal};
	struct kx_error err = {0};
	struct kx_core *core = kx_core_open(&opt, &err);
	if (!core) {
		fprintf(stderr, "kx_bench: %s: %s\n", db, err.message);
		exit(1);
	}
	return core;
}

static void who_local(struct kx_core *core, struct kx_principal *who)
{
	struct kx_error err = {0};
	if (kx_auth_local(core, "default", "admin", who, &err))
		bench_die(err.message);
}

/* One call; dies unless its status is `want`. */
static void call(struct kx_core *core, const struct kx_request *req, int want,
		 struct kx_response *resp)
{
	kx_call(core, req, resp);
	if (resp->status != want) {
		fprintf(stderr, "kx_bench: %s answered %d: %.300s\n", req->op, resp->status,
			resp->body ? resp->body : "");
		exit(1);
	}
}

static const char INCIDENT_BODY[] =
	"{\"title\":\"Checkout error rate above 2% in eu-west\",\"severity\":\"sev3\","
	"\"description\":\"Synthetic incident from the benchmark: p99 latency of the checkout "
	"service is above its objective and the error budget burns at 14x.\","
	"\"region\":\"eu\",\"labels\":[\"bench\",\"checkout\"]}";

/* n incidents through incident.create (the evidence benchmark's store). */
static int cmd_fill(const char *db, long n)
{
	struct kx_core *core = open_core(db);
	struct kx_principal who;
	who_local(core, &who);
	struct kx_request req = {.op = "incident.create", .who = &who, .body = INCIDENT_BODY,
				 .body_len = strlen(INCIDENT_BODY)};
	for (long i = 0; i < n; i++) {
		struct kx_response resp;
		call(core, &req, 201, &resp);
		kx_response_free(&resp);
	}
	kx_core_close(core);
	return 0;
}

static int cmd_create(const char *db, double seconds)
{
	struct kx_core *core = open_core(db);
	struct kx_principal who;
	who_local(core, &who);
	struct kx_request req = {.op = "incident.create", .who = &who, .body = INCIDENT_BODY,
				 .body_len = strlen(INCIDENT_BODY)};
	long n = 0;
	double t0 = bench_now(), t;
	do {
		struct kx_response resp;
		call(core, &req, 201, &resp);
		kx_response_free(&resp);
		n++;
	} while ((t = bench_now() - t0) < seconds);
	kx_core_close(core);
	bench_result("embedded_create", (double)n / t, "ops/s");
	return 0;
}

/* Median wall time of `repeat` calls of req, in seconds. */
static double time_call(struct kx_core *core, const struct kx_request *req, int repeat)
{
	double *t = calloc((size_t)repeat, sizeof *t);
	for (int i = 0; i < repeat; i++) {
		struct kx_response resp;
		double t0 = bench_now();
		call(core, req, 200, &resp);
		t[i] = bench_now() - t0;
		kx_response_free(&resp);
	}
	double m = bench_median(t, repeat);
	free(t);
	return m;
}

/* A text value from one row of SQL on the store (setup only: cursors, ids). */
static char *sql_text(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char *out = NULL;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			out = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	if (!out)
		bench_die(sql);
	return out;
}

/* Page 1 and page 10,000 (50 rows a page) of an incident list filtered by status and of one
 * incident's timeline. The cursors are looked up with SQL; the pages are read by kx_call. */
static int cmd_pages(const char *db, int repeat)
{
	char *cur_inc = sql_text(db, "SELECT id FROM incidents WHERE tenant_id = 'default' AND"
				     " status = 'declared' ORDER BY id DESC LIMIT 1 OFFSET 499949");
	char *big = sql_text(db, "SELECT incident_id FROM timeline WHERE tenant_id = 'default'"
				 " GROUP BY incident_id ORDER BY count(*) DESC LIMIT 1");
	char sql[300];
	snprintf(sql, sizeof sql, "SELECT id FROM timeline WHERE tenant_id = 'default' AND"
		 " incident_id = '%s' ORDER BY id LIMIT 1 OFFSET 499949", big);
	char *cur_evt = sql_text(db, sql);
	struct kx_core *core = open_core(db);
	struct kx_principal who;
	who_local(core, &who);
	struct kx_param q1[] = {{"status", "declared"}, {NULL, NULL}};
	struct kx_param qn[] = {{"status", "declared"}, {"cursor", cur_inc}, {NULL, NULL}};
	struct kx_param t1[] = {{"incident_id", big}, {NULL, NULL}};
	struct kx_param tn[] = {{"incident_id", big}, {"cursor", cur_evt}, {NULL, NULL}};
	struct kx_request r = {.op = "incident.list", .who = &who};
	double a = 0, b = 0, c = 0, d = 0;
	for (int round = 0; round < 2; round++) { /* the first round warms the cache */
		r.op = "incident.list";
		r.query = q1;
		a = time_call(core, &r, repeat);
		r.query = qn;
		b = time_call(core, &r, repeat);
		r.op = "timeline.list";
		r.query = t1;
		c = time_call(core, &r, repeat);
		r.query = tn;
		d = time_call(core, &r, repeat);
	}
	bench_result("incidents_page1", a * 1e6, "us");
	bench_result("incidents_page10000", b * 1e6, "us");
	bench_result("timeline_page1", c * 1e6, "us");
	bench_result("timeline_page10000", d * 1e6, "us");
	kx_core_close(core);
	free(cur_inc);
	free(cur_evt);
	free(big);
	return 0;
}

static cJSON *bench_receipt(long i)
{
	char id[KX_ID_MAX];
	kx_id_new("rcp_", id);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "tenant_id", "default");
	cJSON_AddStringToObject(r, "at", "2026-11-28T12:00:00.000Z");
	cJSON_AddStringToObject(r, "actor", "act_bench");
	cJSON_AddStringToObject(r, "action", "incident.create");
	cJSON_AddNumberToObject(r, "n", (double)i);
	cJSON *d = cJSON_AddObjectToObject(r, "decision");
	cJSON_AddStringToObject(d, "effect", "allow");
	cJSON_AddStringToObject(r, "resource", "inc_bench");
	cJSON_AddStringToObject(r, "request_id", "req_bench");
	return r;
}

/* Appends `n` leaves in one transaction that is rolled back (the store is left as it was);
 * seconds per append. */
static double appends(struct kx_core *core, const char *tenant, int n)
{
	struct kx_error err = {0};
	if (store_begin(core->store, &err))
		bench_die(err.message);
	double t0 = bench_now();
	for (int i = 0; i < n; i++) {
		cJSON *r = bench_receipt(i);
		if (ledger_append(core, tenant, r, "2026-11-28T12:00:00.000Z", &err))
			bench_die(err.message);
		cJSON_Delete(r);
	}
	double t = (bench_now() - t0) / n;
	store_rollback(core->store);
	return t;
}

/* Append cost at the sizes of two tenants' ledgers; inclusion and consistency proofs at the
 * larger against hashing the nodes a proof holds. */
static int cmd_ledger(const char *db, const char *small, const char *large, int repeat)
{
	struct kx_core *core = open_core(db);
	struct kx_error err = {0};
	double as[9], al[9];
	for (int i = 0; i < 9; i++) {
		as[i] = appends(core, small, repeat);
		al[i] = appends(core, large, repeat);
	}
	bench_result("append_small", bench_median(as, 9) * 1e6, "us");
	bench_result("append_large", bench_median(al, 9) * 1e6, "us");
	struct store *r = core_reader_acquire(core, &err);
	int64_t size = r && !store_begin_read(r, &err) ? store_ledger_size(r, large) : -1;
	if (size < 2)
		bench_die("the large ledger is empty");
	bench_result("ledger_size_large", (double)size, "leaves");
	merkle_hash proof[MERKLE_MAX_PROOF], h = {1};
	double *ti = calloc((size_t)repeat, sizeof(double)), *tc = calloc((size_t)repeat, sizeof(double));
	double *th = calloc((size_t)repeat, sizeof(double));
	size_t n = 0, nodes = 0;
	/* As receipt.get and ledger.consistency read them: on a reader, through the core's cache
	 * of committed nodes (it fills as the proofs go; each proof gets its own per-level memo). */
	struct ledger_nodes src;
	unsigned x = 7;
	for (int i = 0; i < repeat; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t leaf = (uint64_t)x % (uint64_t)size, m = 1 + (uint64_t)x % (uint64_t)(size - 1);
		double t0 = bench_now();
		ledger_nodes_init(&src, r, core->ledger_nodes, large);
		if (ledger_prove_inclusion(&src, leaf, (uint64_t)size, proof, &n))
			bench_die("inclusion proof");
		ti[i] = bench_now() - t0;
		nodes += n;
		t0 = bench_now();
		ledger_nodes_init(&src, r, core->ledger_nodes, large);
		if (ledger_prove_consistency(&src, m, (uint64_t)size, proof, &n))
			bench_die("consistency proof");
		tc[i] = bench_now() - t0;
		t0 = bench_now();
		for (size_t k = 0; k < n; k++)
			merkle_node_hash(h, proof[k], h);
		th[i] = (bench_now() - t0) / (double)(n ? n : 1);
	}
	double node_hash = bench_median(th, repeat);
	double nodes_per_proof = (double)nodes / repeat;
	bench_result("proof_nodes", nodes_per_proof, "hashes");
	bench_result("node_hash", node_hash * 1e6, "us");
	bench_result("proof_hash_cost", node_hash * nodes_per_proof * 1e6, "us");
	bench_result("inclusion_proof", bench_median(ti, repeat) * 1e6, "us");
	bench_result("consistency_proof", bench_median(tc, repeat) * 1e6, "us");
	store_rollback(r);
	core_reader_release(core, r);
	free(ti);
	free(tc);
	free(th);
	kx_core_close(core);
	return 0;
}

/* usage.report over 30 days in day buckets, against reading the same rollup rows raw. */
static int cmd_usage(const char *db, int repeat)
{
	char *last = sql_text(db, "SELECT max(hour) FROM usage_rollups WHERE tenant_id = 'default'");
	int64_t to_ms;
	if (kx_time_parse(last, &to_ms))
		bench_die("no rollups");
	to_ms += 3600 * 1000;
	char from[KX_TIME_LEN], to[KX_TIME_LEN];
	kx_time_format(to_ms - 30LL * 86400 * 1000, from);
	kx_time_format(to_ms, to);
	struct kx_core *core = open_core(db);
	struct kx_principal who;
	who_local(core, &who);
	struct kx_param q[] = {{"bucket", "day"}, {"from", from}, {"to", to}, {NULL, NULL}};
	struct kx_request req = {.op = "usage.report", .who = &who, .id = "default", .query = q};
	sqlite3 *h;
	sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(h, "SELECT hour, event_type, units FROM usage_rollups WHERE tenant_id = ?"
			   " AND hour >= ? AND hour < ?", -1, &st, NULL);
	double *tr = calloc((size_t)repeat, sizeof(double)), tk = 0;
	long rows = 0;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < repeat; i++) {
			double t0 = bench_now();
			sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
			sqlite3_bind_text(st, 1, "default", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
			rows = 0;
			int64_t units = 0;
			while (sqlite3_step(st) == SQLITE_ROW) {
				units += sqlite3_column_int64(st, 2);
				rows += sqlite3_column_bytes(st, 0) > 0;
			}
			sqlite3_reset(st);
			sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
			tr[i] = bench_now() - t0;
		}
		tk = time_call(core, &req, repeat);
	}
	bench_result("usage_rollup_rows", (double)rows, "rows");
	bench_result("usage_raw_scan", bench_median(tr, repeat) * 1e6, "us");
	bench_result("usage_report", tk * 1e6, "us");
	sqlite3_finalize(st);
	sqlite3_close(h);
	kx_core_close(core);
	free(tr);
	free(last);
	return 0;
}

/* Usage events written as the pipeline writes them (event row and rollup upsert), against
 * the event rows alone, `batch` to a transaction, alternating rounds; events/s each. */
static int cmd_meter(const char *db, long n)
{
	struct kx_core *core = open_core(db);
	struct store *s = core->store;
	struct kx_error err = {0};
	const int batch = 1000, rounds = 5;
	double with[5], without[5];
	sqlite3 *h;
	sqlite3_open(db, &h);
	sqlite3_exec(h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(h, "INSERT INTO usage_events(tenant_id, event_type, units, at, request_id)"
			   " VALUES (?,?,?,?,?)", -1, &st, NULL);
	static const char *const types[] = {"api.request", "incident.create", "incident.update"};
	char at[KX_TIME_LEN];
	for (int r = 0; r < rounds; r++) {
		double t0 = bench_now();
		for (long i = 0; i < n; i += batch) {
			store_begin(s, &err);
			for (int k = 0; k < batch; k++) {
				kx_time_format(kx_clock_now_ms(), at);
				if (store_usage_add(s, "bench", types[k % 3], 1, at, "req_bench", &err))
					bench_die(err.message);
			}
			if (store_commit(s, &err))
				bench_die(err.message);
		}
		with[r] = (double)n / (bench_now() - t0);
		t0 = bench_now();
		for (long i = 0; i < n; i += batch) {
			sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
			for (int k = 0; k < batch; k++) {
				kx_time_format(kx_clock_now_ms(), at);
				sqlite3_bind_text(st, 1, "bench", -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, types[k % 3], -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, 1);
				sqlite3_bind_text(st, 4, at, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 5, "req_bench", -1, SQLITE_STATIC);
				if (sqlite3_step(st) != SQLITE_DONE)
					bench_die(sqlite3_errmsg(h));
				sqlite3_reset(st);
			}
			sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		}
		without[r] = (double)n / (bench_now() - t0);
	}
	bench_result("usage_insert_with_rollups", bench_median(with, rounds), "events/s");
	bench_result("usage_insert_events_only", bench_median(without, rounds), "events/s");
	sqlite3_finalize(st);
	sqlite3_close(h);
	kx_core_close(core);
	return 0;
}

/* evidence.export of [from, to) for tenant default; prints the export's id. */
static int cmd_export(const char *db, const char *from, const char *to)
{
	struct kx_core *core = open_core(db);
	struct kx_principal who;
	who_local(core, &who);
	char body[200];
	snprintf(body, sizeof body, "{\"from\":\"%s\",\"to\":\"%s\"}", from, to);
	struct kx_request req = {.op = "evidence.export", .who = &who, .id = "default",
				 .body = body, .body_len = strlen(body)};
	struct kx_response resp;
	double t0 = bench_now();
	call(core, &req, 201, &resp);
	double t = bench_now() - t0;
	cJSON *o = cJSON_Parse(resp.body);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "id"));
	printf("EXPORT %s\n", id ? id : "?");
	bench_result("export_seconds", t, "s");
	cJSON_Delete(o);
	kx_response_free(&resp);
	kx_core_close(core);
	return 0;
}

/* evidence.download of an export into a file. */
static int cmd_download(const char *db, const char *export_id, const char *out)
{
	struct kx_core *core = open_core(db);
	struct kx_principal who;
	who_local(core, &who);
	struct kx_request req = {.op = "evidence.download", .who = &who, .id = "default",
				 .sub_id = export_id};
	struct kx_response resp;
	call(core, &req, 200, &resp);
	FILE *f = fopen(out, "wb");
	size_t len = resp.body_len ? resp.body_len : strlen(resp.body);
	if (!f || fwrite(resp.body, 1, len, f) != len || fclose(f))
		bench_die("cannot write the bundle");
	kx_response_free(&resp);
	kx_core_close(core);
	return 0;
}

/* Ed25519 signatures of a checkpoint-sized note and SHA-256 of 200 bytes, per second. */
static int cmd_crypto(double seconds)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[64];
	unsigned char msg[200], h[32];
	if (sodium_init() < 0)
		bench_die("libsodium");
	crypto_sign_keypair(pk, sk);
	memset(msg, 'c', sizeof msg);
	long n = 0;
	double t0 = bench_now(), t;
	do {
		for (int i = 0; i < 100; i++, n++)
			crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	} while ((t = bench_now() - t0) < seconds);
	bench_result("ed25519_sign", (double)n / t, "sigs/s");
	n = 0;
	t0 = bench_now();
	do {
		for (int i = 0; i < 1000; i++, n++) {
			crypto_hash_sha256(h, msg, sizeof msg);
			msg[0] ^= h[0];
		}
	} while ((t = bench_now() - t0) < seconds);
	bench_result("sha256_200b", (double)n / t, "hashes/s");
	return 0;
}

int main(int argc, char **argv)
{
	const char *sync = getenv("KX_BENCH_SYNC");
	sync_normal = sync && !strcmp(sync, "normal");
	const char *cmd = argc > 1 ? argv[1] : "";
	if (argc == 4 && !strcmp(cmd, "create"))
		return cmd_create(argv[2], atof(argv[3]));
	if (argc == 3 && !strcmp(cmd, "crypto"))
		return cmd_crypto(atof(argv[2]));
	if (argc == 4 && !strcmp(cmd, "fill"))
		return cmd_fill(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(cmd, "pages"))
		return cmd_pages(argv[2], atoi(argv[3]));
	if (argc == 6 && !strcmp(cmd, "ledger"))
		return cmd_ledger(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 4 && !strcmp(cmd, "usage"))
		return cmd_usage(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(cmd, "meter"))
		return cmd_meter(argv[2], atol(argv[3]));
	if (argc == 5 && !strcmp(cmd, "export"))
		return cmd_export(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(cmd, "download"))
		return cmd_download(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: see the comment at the top of bench/kx_bench.c\n");
	return 2;
}
