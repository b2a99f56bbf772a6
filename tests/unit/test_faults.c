/* Fault injection in the store (faultvfs.h): a scripted run of mutations where, for every N,
 * the Nth SQLite write/sync/truncate fails with an I/O error or "disk full", or the Nth
 * SQLite allocation fails. Each failure must come back to the caller as an error (a 4xx or
 * 503 with API.md's error shape), never a crash; the store must keep working once the fault
 * is gone; and, reopened normally, it must be consistent: the ledger verifies, receipts have
 * no sequence gaps, every acknowledged mutation is there, and nothing is half-written (no
 * incident without its receipt and `declared` event, no receipt without its change).
 * KX_FAULT_STRIDE=K tests every Kth N only (for slow runs such as valgrind); KX_FAULT_FROM=N
 * starts at N and KX_FAULT_TEST=PATTERN runs the matching tests only (to debug one case). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "faultvfs.h"
#include "klaxon.h"

#define MAX_OPS 16

/* Under a sanitizer (four times slower) the allocation sweep takes every 10th call only; the
 * plain build of `make test` covers every one. The I/O sweep is short (the store writes each
 * commit's WAL frames in one write) and takes every call in both. */
#if defined(__SANITIZE_ADDRESS__)
#define IO_STRIDE 1
#define OOM_STRIDE 10
#else
#define IO_STRIDE 1
#define OOM_STRIDE 1
#endif

enum fault_mode { MODE_IO, MODE_FULL, MODE_OOM };

/* The first inconsistency a run found ("" when none): runs go on so that a whole sweep
 * reports every N that broke something. */
static char problem[700];
static char cur_what[120]; /* the run under way, for messages */
#define PROBLEM(...)                                                                       \
	do {                                                                               \
		if (!problem[0])                                                           \
			snprintf(problem, sizeof problem, __VA_ARGS__);                    \
	} while (0)

/* A template store made once; every run starts from a copy of it. */
static char tmpl_dir[512];

struct run {
	char dir[512], db[600];
	struct kx_core *core;
	struct kx_principal admin, resp;
	/* what the script was told */
	int status[MAX_OPS];
	char receipt[MAX_OPS][KX_ID_MAX]; /* receipt_id of an acknowledged change, or "" */
	char inc[3][KX_ID_MAX];           /* incidents the script made (acknowledged) */
	char note_inc[MAX_OPS][KX_ID_MAX]; /* the incident of an acknowledged note */
	bool tenant_made, actor_made;
	int n_ops;
};

/* ---- small helpers ---- */

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0 && out >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	char p[1200];
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof p, "%s/%s", path, e->d_name);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(path);
}

static void make_tmpdir(char *out, size_t len)
{
	/* tmpfs when there is one: the runs fsync hundreds of times, and durability against
	 * power loss is not what is tested here (test_crash.sh kills a real server). */
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(out, len, "%s/klaxon-faults-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(out));
}

static struct kx_core *open_core(const char *db, const char *vfs)
{
	struct kx_core_options o = {.db_path = db, .embedded = true, .vfs = vfs};
	struct kx_error err = {0};
	struct kx_core *core = kx_core_open(&o, &err);
	if (!core)
		fail_msg("kx_core_open %s: %s", db, err.message);
	return core;
}

/* One call; the parsed answer (caller frees; NULL for a non-JSON body) and its status. */
static cJSON *call(struct kx_core *core, const struct kx_principal *who, const char *op,
		   const char *id, const char *body, int *status)
{
	struct kx_request req = {.op = op, .who = who, .id = id, .body = body,
				 .body_len = body ? strlen(body) : 0};
	struct kx_response resp;
	kx_call(core, &req, &resp);
	*status = resp.status;
	assert_non_null(resp.body);
	cJSON *j = cJSON_Parse(resp.body);
	kx_response_free(&resp);
	return j;
}

/* A query that must answer 200; caller frees. */
static cJSON *get(struct kx_core *core, const struct kx_principal *who, const char *op,
		  const char *id, const struct kx_param *query)
{
	struct kx_request req = {.op = op, .who = who, .id = id, .query = query};
	struct kx_response resp;
	kx_call(core, &req, &resp);
	if (resp.status != 200)
		fail_msg("%s %s: %d %s", op, id ? id : "", resp.status, resp.body);
	cJSON *j = cJSON_Parse(resp.body);
	kx_response_free(&resp);
	assert_non_null(j);
	return j;
}

static int get_status(struct kx_core *core, const struct kx_principal *who, const char *op,
		      const char *id)
{
	int status;
	cJSON_Delete(call(core, who, op, id, NULL, &status));
	return status;
}

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* Every item of a paged list, oldest or newest first as the op orders them (caller frees). */
static cJSON *all_items(struct kx_core *core, const struct kx_principal *who, const char *op,
			const char *incident_id)
{
	cJSON *all = cJSON_CreateArray();
	char cursor[80] = "";
	for (int page = 0; page < 100; page++) {
		struct kx_param q[4] = {{"limit", "500"}};
		int n = 1;
		if (incident_id)
			q[n++] = (struct kx_param){"incident_id", incident_id};
		if (cursor[0])
			q[n++] = (struct kx_param){"cursor", cursor};
		q[n] = (struct kx_param){NULL, NULL};
		cJSON *r = get(core, who, op, NULL, q);
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "items"))
			cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
		const char *next = str(r, "next_cursor");
		snprintf(cursor, sizeof cursor, "%s", next ? next : "");
		cJSON_Delete(r);
		if (!cursor[0])
			return all;
	}
	fail_msg("%s never ended", op);
	return NULL;
}

/* ---- the template and the script ---- */

static void make_template(void)
{
	make_tmpdir(tmpl_dir, sizeof tmpl_dir);
	char db[600];
	snprintf(db, sizeof db, "%s/klaxon.db", tmpl_dir);
	struct kx_core_options o = {.db_path = db, .embedded = true};
	struct kx_init_result init;
	struct kx_error err = {0};
	if (kx_core_init(&o, &init, &err))
		fail_msg("kx_core_init: %s", err.message);
	kx_init_result_wipe(&init);
	struct kx_core *core = open_core(db, NULL);
	struct kx_principal admin;
	assert_int_equal(kx_auth_local(core, "default", "admin", &admin, &err), 0);
	int status;
	cJSON_Delete(call(core, &admin, "actor.create", admin.tenant_id,
			  "{\"name\":\"resp\",\"roles\":[\"responder\"]}", &status));
	assert_int_equal(status, 201);
	kx_core_close(core); /* checkpoints the WAL into the file */
}

static void run_open(struct run *r)
{
	memset(r, 0, sizeof *r);
	make_tmpdir(r->dir, sizeof r->dir);
	static const char *const files[] = {"klaxon.db", "klaxon.db.key", "klaxon.db.pub"};
	for (int i = 0; i < 3; i++) {
		char from[700], to[700];
		snprintf(from, sizeof from, "%s/%s", tmpl_dir, files[i]);
		snprintf(to, sizeof to, "%s/%s", r->dir, files[i]);
		copy_file(from, to);
	}
	snprintf(r->db, sizeof r->db, "%s/klaxon.db", r->dir);
	r->core = open_core(r->db, NULL); /* the store's VFS, over the shim */
	struct kx_error err = {0};
	assert_int_equal(kx_auth_local(r->core, "default", "admin", &r->admin, &err), 0);
	assert_int_equal(kx_auth_local(r->core, "default", "resp", &r->resp, &err), 0);
}

/* An answer is 2xx, or an error that the caller can act on: a 4xx or a 503, shaped as API.md
 * says. Never another 5xx. */
static void check_answer(const char *op, int status, const cJSON *j)
{
	if (status >= 200 && status < 300)
		return;
	if (!((status >= 400 && status < 500) || status == 503))
		PROBLEM("%s: %s: status %d under a fault", cur_what, op, status);
	const cJSON *e = cJSON_GetObjectItem(j, "error");
	if (!str(e, "code") || !str(e, "message") || !str(e, "request_id"))
		PROBLEM("%s: %s: error %d without API.md's error shape", cur_what, op, status);
}

/* One step of the script: records the answer, returns the body (caller frees). */
static cJSON *step(struct run *r, const struct kx_principal *who, const char *op, const char *id,
		   const char *body)
{
	int status;
	cJSON *j = call(r->core, who, op, id, body, &status);
	check_answer(op, status, j);
	int i = r->n_ops++;
	assert_true(i < MAX_OPS);
	r->status[i] = status;
	const char *rid = status < 300 ? str(j, "receipt_id") : NULL;
	snprintf(r->receipt[i], KX_ID_MAX, "%s", rid ? rid : "");
	return status < 300 ? j : (cJSON_Delete(j), NULL);
}

static void create(struct run *r, int slot, const struct kx_principal *who, const char *body)
{
	cJSON *j = step(r, who, "incident.create", NULL, body);
	if (j)
		snprintf(r->inc[slot], KX_ID_MAX, "%s", str(j, "id"));
	cJSON_Delete(j);
}

static void change(struct run *r, int slot, const char *op, const char *body)
{
	if (!r->inc[slot][0])
		return; /* its incident was not made */
	cJSON *j = step(r, &r->resp, op, r->inc[slot], body);
	/* The incident was acknowledged: a store that failed to read it must say so (503), not
	 * answer that there is no such incident. */
	if (r->status[r->n_ops - 1] == 404)
		PROBLEM("%s: %s of an incident that exists answered 404", cur_what, op);
	if (j && strcmp(op, "incident.note") == 0)
		memcpy(r->note_inc[r->n_ops - 1], r->inc[slot], KX_ID_MAX);
	cJSON_Delete(j);
}

static void script(struct run *r)
{
	create(r, 0, &r->resp, "{\"title\":\"fault one\",\"severity\":\"sev2\",\"labels\":[\"db\"]}");
	change(r, 0, "incident.update", "{\"status\":\"triaged\"}");
	change(r, 0, "incident.note", "{\"text\":\"looking at the primary\"}");
	create(r, 1, &r->resp, "{\"title\":\"fault two\",\"severity\":\"sev1\",\"region\":\"eu\"}");
	change(r, 1, "incident.update", "{\"status\":\"resolved\",\"note\":\"it came back\"}");
	change(r, 0, "incident.update", "{\"severity\":\"sev1\",\"title\":\"fault one, worse\"}");
	change(r, 1, "incident.note", "{\"text\":\"postmortem due\"}");
	cJSON *j = step(r, &r->admin, "tenant.create",
			NULL, "{\"id\":\"faulty\",\"name\":\"Faulty\",\"region\":\"eu\"}");
	r->tenant_made = j != NULL;
	cJSON_Delete(j);
	if (r->tenant_made) {
		j = step(r, &r->admin, "actor.create", "faulty", "{\"name\":\"ops\",\"roles\":[\"viewer\"]}");
		r->actor_made = j != NULL;
		cJSON_Delete(j);
	}
	create(r, 2, &r->admin, "{\"title\":\"fault three\",\"severity\":\"sev4\"}");
	kx_core_flush_usage(r->core);
}

/* ---- consistency of what is left ---- */

/* Receipts of who's tenant: seq 1..n without a gap; returns them (caller frees). */
static cJSON *receipts_without_gaps(struct kx_core *core, const struct kx_principal *who)
{
	cJSON *all = all_items(core, who, "receipt.list", NULL);
	int64_t want = 1;
	const cJSON *rc;
	cJSON_ArrayForEach(rc, all)
	{
		int64_t seq = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(rc, "seq"));
		if (seq != want)
			PROBLEM("%s: tenant %s: receipt seq %lld where %lld was due", cur_what, who->tenant_id,
				 (long long)seq, (long long)want);
		want++;
	}
	return all;
}

static bool has_event(const cJSON *events, const char *kind, const char *receipt_id)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, events)
	{
		if ((!kind || !strcmp(str(e, "kind") ? str(e, "kind") : "", kind)) &&
		    (!receipt_id || !strcmp(str(e, "receipt_id") ? str(e, "receipt_id") : "", receipt_id)))
			return true;
	}
	return false;
}

static void check_consistent(struct run *r, const char *what)
{
	struct kx_core *core = open_core(r->db, NULL);
	struct kx_error err = {0};
	uint64_t checked = 0;
	if (kx_ledger_verify(core, &checked, &err))
		PROBLEM("%s: ledger verify: %s", what, err.message);
	struct kx_principal admin;
	assert_int_equal(kx_auth_local(core, "default", "admin", &admin, &err), 0);
	cJSON *receipts = receipts_without_gaps(core, &admin);
	cJSON *incidents = all_items(core, &admin, "incident.list", NULL);

	/* Every visible incident is whole: its receipt, its declared event; every event's
	 * receipt exists. */
	int n_creates = 0, n_events = 0;
	const cJSON *inc;
	cJSON_ArrayForEach(inc, incidents)
	{
		const char *id = str(inc, "id"), *rid = str(inc, "receipt_id");
		if (!rid || get_status(core, &admin, "receipt.get", rid) != 200)
			PROBLEM("%s: incident %s without its receipt", what, id);
		cJSON *events = all_items(core, &admin, "timeline.list", id);
		if (!has_event(events, "declared", NULL))
			PROBLEM("%s: incident %s without its declared event", what, id);
		const cJSON *e;
		cJSON_ArrayForEach(e, events)
		{
			const char *erid = str(e, "receipt_id");
			if (!erid || get_status(core, &admin, "receipt.get", erid) != 200)
				PROBLEM("%s: %s event %s of %s without its receipt (receipt_id %s)",
					what, str(e, "kind"), str(e, "id"), id, erid ? erid : "null");
			n_events++;
		}
		cJSON_Delete(events);
	}
	/* ... and every receipt of an incident change has its change: one incident per
	 * incident.create receipt, one timeline event per incident receipt at least. */
	int n_incident_receipts = 0;
	const cJSON *rc;
	cJSON_ArrayForEach(rc, receipts)
	{
		const char *action = str(rc, "action") ? str(rc, "action") : "";
		const char *effect = str(cJSON_GetObjectItem(rc, "decision"), "effect");
		if (effect && strcmp(effect, "allow") != 0)
			continue;
		if (!strcmp(action, "incident.create"))
			n_creates++;
		if (!strncmp(action, "incident.", 9))
			n_incident_receipts++;
	}
	if (n_creates != cJSON_GetArraySize(incidents))
		PROBLEM("%s: %d incident.create receipts but %d incidents", what, n_creates,
			 cJSON_GetArraySize(incidents));
	if (n_events < n_incident_receipts)
		PROBLEM("%s: %d incident receipts but only %d timeline events", what,
			 n_incident_receipts, n_events);

	/* Every acknowledged change is there. */
	for (int i = 0; i < r->n_ops; i++) {
		if (r->status[i] >= 300 || !r->receipt[i][0])
			continue;
		if (get_status(core, &admin, "receipt.get", r->receipt[i]) != 200)
			PROBLEM("%s: acknowledged step %d lost its receipt %s", what, i, r->receipt[i]);
		if (r->note_inc[i][0]) {
			cJSON *events = all_items(core, &admin, "timeline.list", r->note_inc[i]);
			if (!has_event(events, "note", r->receipt[i]))
				PROBLEM("%s: acknowledged note (step %d) is missing", what, i);
			cJSON_Delete(events);
		}
	}
	for (int k = 0; k < 3; k++)
		if (r->inc[k][0] && get_status(core, &admin, "incident.get", r->inc[k]) != 200)
			PROBLEM("%s: acknowledged incident %s is missing", what, r->inc[k]);
	if (r->tenant_made) {
		if (get_status(core, &admin, "tenant.get", "faulty") != 200)
			PROBLEM("%s: acknowledged tenant is missing", what);
		struct kx_principal ops;
		if (r->actor_made && kx_auth_local(core, "faulty", "ops", &ops, &err))
			PROBLEM("%s: acknowledged actor is missing", what);
		if (r->actor_made)
			cJSON_Delete(receipts_without_gaps(core, &ops));
	}
	cJSON_Delete(receipts);
	cJSON_Delete(incidents);
	kx_core_close(core);
}

/* ---- the runs ---- */

static void arm(enum fault_mode m, unsigned long n, bool persistent)
{
	if (m == MODE_OOM)
		faultmem_arm(n, persistent);
	else
		faultvfs_arm(n, m == MODE_FULL ? FAULT_FULL : FAULT_IOERR, persistent);
}

static void disarm(void)
{
	faultvfs_disarm();
	faultmem_disarm();
}

static unsigned long calls(enum fault_mode m)
{
	return m == MODE_OOM ? faultmem_calls() : faultvfs_calls();
}

/* The script without a fault: how many calls a fault can land on. */
static unsigned long count_calls(enum fault_mode m)
{
	struct run r;
	snprintf(cur_what, sizeof cur_what, "no fault");
	run_open(&r);
	arm(m, 0, false);
	script(&r);
	unsigned long n = calls(m);
	disarm();
	for (int i = 0; i < r.n_ops; i++)
		if (r.status[i] >= 300)
			fail_msg("step %d failed without a fault: %d", i, r.status[i]);
	kx_core_close(r.core);
	check_consistent(&r, "no fault");
	remove_dir(r.dir);
	return n;
}

static void fault_run(enum fault_mode m, unsigned long n, bool persistent)
{
	static const char *const names[] = {"I/O error", "disk full", "out of memory"};
	char what[120];
	snprintf(what, sizeof what, "%s%s at call %lu", names[m], persistent ? " (persistent)" : "", n);
	snprintf(cur_what, sizeof cur_what, "%s", what);
	struct run r;
	run_open(&r);
	arm(m, n, persistent);
	script(&r);
	bool fired = m == MODE_OOM ? faultmem_fired() : faultvfs_fired();
	disarm();
	if (!fired)
		PROBLEM("%s: the fault never fired (the script changed?)", what);
	/* Once the fault is gone the store works again, in the same process. */
	int status;
	cJSON_Delete(call(r.core, &r.resp, "incident.create", NULL,
			  "{\"title\":\"after the fault\",\"severity\":\"sev3\"}", &status));
	if (status != 201)
		PROBLEM("%s: the store stayed broken after the fault: %d", what, status);
	kx_core_close(r.core);
	check_consistent(&r, what);
	remove_dir(r.dir);
}

static unsigned long env_number(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	long v = s ? strtol(s, NULL, 10) : 0;
	return v > 0 ? (unsigned long)v : dflt;
}

static void every_n(enum fault_mode m, bool persistent)
{
	problem[0] = 0;
	unsigned long total = count_calls(m), runs = 0;
	unsigned long k = env_number("KX_FAULT_STRIDE", m == MODE_OOM ? OOM_STRIDE : IO_STRIDE);
	unsigned long bad = 0;
	if (problem[0])
		fail_msg("without a fault: %s", problem);
	assert_true(total > 0);
	for (unsigned long n = env_number("KX_FAULT_FROM", 1); n <= total; n += k, runs++) {
		problem[0] = 0;
		fault_run(m, n, persistent);
		if (problem[0] && bad++ < 20)
			print_message("  %s\n", problem);
	}
	print_message("%s%s: %lu faulted runs over %lu calls, %lu inconsistent\n",
		      m == MODE_OOM ? "out of memory" : m == MODE_FULL ? "disk full" : "I/O error",
		      persistent ? " (persistent)" : "", runs, total, bad);
	if (bad)
		fail_msg("%lu runs left the store inconsistent or answered wrongly", bad);
}

static void test_io_error_at_every_write(void **state)
{
	(void)state;
	every_n(MODE_IO, false);
}

static void test_disk_full_at_every_write(void **state)
{
	(void)state;
	every_n(MODE_FULL, false);
}

static void test_persistent_io_error_from_every_write(void **state)
{
	(void)state;
	every_n(MODE_IO, true);
}

static void test_out_of_memory_at_every_allocation(void **state)
{
	(void)state;
	every_n(MODE_OOM, false);
}

static int group_setup(void **state)
{
	(void)state;
	make_template();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	remove_dir(tmpl_dir);
	return 0;
}

int main(void)
{
	/* The allocator must be wrapped before SQLite initialises; the shim must be the default
	 * before the first store opens, so that the store's VFS gathers over it. */
	if (faultmem_install() != SQLITE_OK || faultvfs_register(true) != SQLITE_OK) {
		fprintf(stderr, "test_faults: cannot install the fault shims\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_error_at_every_write),
		cmocka_unit_test(test_disk_full_at_every_write),
		cmocka_unit_test(test_persistent_io_error_from_every_write),
		cmocka_unit_test(test_out_of_memory_at_every_allocation),
	};
	if (getenv("KX_FAULT_TEST"))
		cmocka_set_test_filter(getenv("KX_FAULT_TEST"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
