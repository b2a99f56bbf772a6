/* Group commit (src/core_write.c): concurrent mutations share one transaction, one SAVEPOINT
 * each, and the group signs one checkpoint per ledger before it commits. A write held open by
 * the test keeps a group running while the other callers queue, so that the next group's
 * members are known; free-running writers check that nothing is lost. Each test runs twice:
 * with the caller-led groups of embedded mode and with klaxond's writer and sync threads
 * (sync_behind), whose failed sync must fail its group and every later write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "core_fixture.h"
#include "ops.h"

#define CREATE_BODY "{\"title\":\"grouped\",\"severity\":\"sev3\"}"

struct caller {
	struct fx *f;
	struct kx_request req;
	int status;
	cJSON *answer; /* the parsed body */
	pthread_t thread;
};

static void *call_thread(void *arg)
{
	struct caller *c = arg;
	struct kx_response resp;
	kx_call(c->f->core, &c->req, &resp);
	c->status = resp.status;
	c->answer = cJSON_Parse(resp.body ? resp.body : "null");
	kx_response_free(&resp);
	return NULL;
}

static void start_call(struct caller *c, struct fx *f, const char *op, const char *id,
		       const char *body)
{
	*c = (struct caller){.f = f,
			     .req = {.op = op, .who = &f->admin, .id = id, .body = body,
				     .body_len = strlen(body)}};
	assert_int_equal(pthread_create(&c->thread, NULL, call_thread, c), 0);
}

static void wait_queued(struct kx_core *core, int n)
{
	for (int i = 0; core_write_queued(core) < n; i++) {
		if (i > 20000)
			fail_msg("%d writes never queued (%d did)", n, core_write_queued(core));
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
}

/* A group's only member: holds its group open until `release` is set. */
struct hold {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool entered;
	bool release;
};

static int hold_member(void *cls, struct kx_error *err)
{
	(void)err;
	struct hold *h = cls;
	atomic_store(&h->entered, true);
	pthread_mutex_lock(&h->lock);
	while (!h->release)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

struct holder {
	struct kx_core *core;
	struct hold hold;
	int rc;
	pthread_t thread;
};

static void *hold_thread(void *arg)
{
	struct holder *h = arg;
	struct kx_error err = {0};
	h->rc = core_write(h->core, hold_member, &h->hold, &err);
	return NULL;
}

/* A member that appends a receipt and then fails: its SAVEPOINT is rolled back. */
static int appends_then_fails(void *cls, struct kx_error *err)
{
	struct fx *f = cls;
	if (ops_system_receipt(f->core, f->admin.tenant_id, f->admin.actor_id, "test.rolled_back",
			       "none", "test", NULL, NULL, NULL, err))
		return -1;
	return kx_error_set(err, 409, "conflict", NULL, "the member fails after its append");
}

struct failer {
	struct fx *f;
	int rc;
	pthread_t thread;
};

static void *fail_thread(void *arg)
{
	struct failer *x = arg;
	struct kx_error err = {0};
	x->rc = core_write(x->f->core, appends_then_fails, x->f, &err);
	return NULL;
}

static int64_t count(struct fx *f, const char *sql)
{
	sqlite3 *db = fx_sqlite(f);
	int64_t n = fx_sql_int(db, sql);
	sqlite3_close(db);
	return n;
}

static void expect_verified(struct fx *f)
{
	struct kx_error err = {0};
	uint64_t checked = 0;
	if (kx_ledger_verify(f->core, &checked, &err) != 0)
		fail_msg("ledger verify: %s", err.message);
}

#define N_GROUPED 6

/* Six creates, an export and a member that appends and fails, queued behind a held leader:
 * one group. The export sees a checkpoint covering the creates before it; the group's end
 * signs one more, at the size without the failed member's receipt. */
static void test_one_group_signs_once(void **state)
{
	struct fx *f = *state;
	const char *t = f->admin.tenant_id;
	int64_t receipts0 = count(f, "SELECT COUNT(*) FROM receipts WHERE tenant_id = 'default'");
	int64_t checkpoints0 =
		count(f, "SELECT COUNT(*) FROM checkpoints WHERE tenant_id = 'default'");

	struct holder h = {.core = f->core};
	pthread_mutex_init(&h.hold.lock, NULL);
	pthread_cond_init(&h.hold.cond, NULL);
	assert_int_equal(pthread_create(&h.thread, NULL, hold_thread, &h), 0);
	while (!atomic_load(&h.hold.entered))
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);

	struct caller creates[N_GROUPED], exporter;
	for (int i = 0; i < N_GROUPED; i++)
		start_call(&creates[i], f, "incident.create", NULL, CREATE_BODY);
	wait_queued(f->core, N_GROUPED);
	start_call(&exporter, f, "evidence.export", t,
		   "{\"from\":\"2000-01-01T00:00:00Z\",\"to\":\"2100-01-01T00:00:00Z\"}");
	wait_queued(f->core, N_GROUPED + 1);
	struct failer x = {.f = f};
	assert_int_equal(pthread_create(&x.thread, NULL, fail_thread, &x), 0);
	wait_queued(f->core, N_GROUPED + 2);

	pthread_mutex_lock(&h.hold.lock);
	h.hold.release = true;
	pthread_cond_signal(&h.hold.cond);
	pthread_mutex_unlock(&h.hold.lock);
	pthread_join(h.thread, NULL);
	for (int i = 0; i < N_GROUPED; i++) {
		pthread_join(creates[i].thread, NULL);
		assert_int_equal(creates[i].status, 201);
		cJSON_Delete(creates[i].answer);
	}
	pthread_join(exporter.thread, NULL);
	pthread_join(x.thread, NULL);
	assert_int_equal(h.rc, 0);
	assert_int_equal(x.rc, -1);
	assert_int_equal(exporter.status, 201);
	int64_t exported = (int64_t)fx_num(exporter.answer, "checkpoint_size");
	cJSON_Delete(exporter.answer);
	pthread_mutex_destroy(&h.hold.lock);
	pthread_cond_destroy(&h.hold.cond);

	int64_t receipts = count(f, "SELECT COUNT(*) FROM receipts WHERE tenant_id = 'default'");
	assert_int_equal(receipts, receipts0 + N_GROUPED + 1); /* the creates and the export */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM receipts WHERE action = 'test.rolled_back'"),
			 0);
	assert_int_equal(exported, receipts0 + N_GROUPED);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM checkpoints WHERE tenant_id = 'default'"),
			 checkpoints0 + 2);
	assert_int_equal(count(f, "SELECT MAX(size) FROM checkpoints WHERE tenant_id = 'default'"),
			 receipts);
	expect_verified(f);
}

#define N_THREADS 8
#define N_EACH 40

static void *create_many(void *arg)
{
	struct caller *c = arg;
	for (int i = 0; i < N_EACH; i++) {
		struct kx_response resp;
		kx_call(c->f->core, &c->req, &resp);
		if (resp.status != 201)
			c->status = resp.status;
		kx_response_free(&resp);
	}
	return NULL;
}

/* Free-running writers: every create lands once, the ledger verifies and its latest
 * checkpoint covers every receipt. */
static void test_concurrent_creates_all_land(void **state)
{
	struct fx *f = *state;
	int64_t incidents0 = count(f, "SELECT COUNT(*) FROM incidents");
	struct caller c[N_THREADS];
	for (int i = 0; i < N_THREADS; i++) {
		c[i] = (struct caller){.f = f, .status = 201,
				       .req = {.op = "incident.create", .who = &f->admin,
					       .body = CREATE_BODY, .body_len = strlen(CREATE_BODY)}};
		assert_int_equal(pthread_create(&c[i].thread, NULL, create_many, &c[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(c[i].thread, NULL);
		assert_int_equal(c[i].status, 201);
	}
	assert_int_equal(count(f, "SELECT COUNT(*) FROM incidents"),
			 incidents0 + N_THREADS * N_EACH);
	assert_int_equal(count(f, "SELECT COUNT(DISTINCT id) FROM incidents"),
			 incidents0 + N_THREADS * N_EACH);
	assert_int_equal(count(f, "SELECT MAX(size) FROM checkpoints WHERE tenant_id = 'default'"),
			 count(f, "SELECT COUNT(*) FROM receipts WHERE tenant_id = 'default'"));
	expect_verified(f);
}

/* sync_behind: a sync that fails (the WAL's descriptor made a pipe's, where fdatasync fails
 * with EINVAL) fails the group it covers with a 503, and every write after it, until the core
 * is opened again; reads still answer. */
static void test_failed_sync_stops_writes(void **state)
{
	struct fx *f = *state;
	fx_incident(f, &f->admin, "before", "sev3"); /* opens the WAL's descriptor */
	assert_true(f->core->wal_fd >= 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_true(dup2(p[0], f->core->wal_fd) >= 0);
	close(p[0]);
	close(p[1]);
	fx_expect_error(fx_call(f, &f->admin, "incident.create", NULL, CREATE_BODY, NULL), 503,
			"unavailable", NULL);
	struct fx_resp *r = fx_call(f, &f->admin, "incident.create", NULL, CREATE_BODY, NULL);
	fx_expect_error(r, 503, "unavailable", NULL);
	assert_non_null(strstr(fx_str(r->json, "error.message"), "until restarted"));
	fx_expect(fx_call(f, &f->admin, "incident.list", NULL, NULL, NULL), 200);
	fx_close(f);
	fx_open(f);
	fx_incident(f, &f->admin, "after a restart", "sev3");
	expect_verified(f);
}

/* The fixture's store reopened as klaxond opens it. */
static int behind_setup(void **state)
{
	fx_setup(state);
	struct fx *f = *state;
	fx_close(f);
	struct kx_core_options o = {.db_path = f->db, .embedded = true, .sync_behind = true};
	struct kx_error err = {0};
	f->core = kx_core_open(&o, &err);
	if (!f->core)
		fail_msg("kx_core_open: %s", err.message);
	assert_true(f->core->sync_behind && f->core->threads_started);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_group_signs_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_creates_all_land, fx_setup,
						fx_teardown),
		{"test_one_group_signs_once (sync_behind)", test_one_group_signs_once, behind_setup,
		 fx_teardown, NULL},
		{"test_concurrent_creates_all_land (sync_behind)", test_concurrent_creates_all_land,
		 behind_setup, fx_teardown, NULL},
		cmocka_unit_test_setup_teardown(test_failed_sync_stops_writes, behind_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
