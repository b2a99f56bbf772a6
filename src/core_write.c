/* Concurrency in the core. Writes on SQLite go in groups: writes queue, and one group at a
 * time runs every queued write in its own SAVEPOINT of one transaction, signs each ledger's
 * checkpoint once, and commits — one fsync for all of them; no member answers before its
 * group is durable (FACTS.md: durability costs one fsync per commit). Embedded, the caller
 * that finds no group running runs the next (leader mode). klaxond (sync_behind) has a writer
 * thread run the groups back to back and a sync thread make them durable behind it, so that
 * one group's fsync overlaps the next group's statements. Writes on PostgreSQL: a pool of
 * connections, one transaction per mutation, several at once. Reads: a small pool of
 * connections that never wait for the writer and see committed data only. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "core.h"
#include "ledger.h"

/* ---- pools ---- */

/* Opens the connection of slot i, taken (busy) by the caller. */
static struct store *pool_open(struct kx_core *core, struct core_pool *p, int i,
			       struct kx_error *err)
{
	struct store_options so = {.synchronous_full = true, .vfs = core->vfs_name,
				   .statement_timeout_ms = core->statement_timeout_ms};
	struct store *r = store_open(core->db_path, &so, err);
	pthread_mutex_lock(&p->lock);
	p->conn[i] = r;
	if (!r) { /* the slot stays empty for a later try */
		p->busy[i] = false;
		pthread_cond_signal(&p->free);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

static struct store *pool_acquire(struct kx_core *core, struct core_pool *p,
				  struct kx_error *err)
{
	pthread_mutex_lock(&p->lock);
	for (;;) {
		int i;
		for (i = 0; i < p->n && p->busy[i]; i++)
			;
		if (i == p->n && p->n < p->max)
			p->conn[p->n++] = NULL; /* opened on demand */
		if (i < p->n) {
			p->busy[i] = true;
			struct store *r = p->conn[i];
			pthread_mutex_unlock(&p->lock);
			return r ? r : pool_open(core, p, i, err);
		}
		pthread_cond_wait(&p->free, &p->lock);
	}
}

static void pool_release(struct core_pool *p, struct store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->n; i++)
		if (p->conn[i] == s)
			p->busy[i] = false;
	pthread_cond_signal(&p->free);
	pthread_mutex_unlock(&p->lock);
}

static void pool_init(struct core_pool *p, int max)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->free, NULL);
	p->n = 0;
	p->max = max;
}

static void pool_close(struct core_pool *p)
{
	for (int i = 0; i < p->n; i++)
		store_close(p->conn[i]);
	p->n = 0;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->free);
}

/* ---- writes ---- */

/* The connection of the write transaction this thread is running fn in. */
static _Thread_local struct store *current_writer;

struct store *core_writer(struct kx_core *core)
{
	return current_writer ? current_writer : core->store;
}

/* The ledgers a write group appended to, each sealed once before the group commits. */
struct core_seal {
	int n;
	char tenant[CORE_SEAL_MAX][64];
};

static _Thread_local struct core_seal *current_seal;

int core_write_appended(const char *tenant_id)
{
	struct core_seal *g = current_seal;
	if (!g || strlen(tenant_id) >= sizeof g->tenant[0])
		return -1;
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->tenant[i], tenant_id) == 0)
			return 0;
	if (g->n == CORE_SEAL_MAX)
		return -1;
	memcpy(g->tenant[g->n++], tenant_id, strlen(tenant_id) + 1);
	return 0;
}

/* A ledger a member appended to and then rolled back is sealed at the size it is back to,
 * which has its checkpoint already: ledger_seal then signs nothing. */
static int seal_ledgers(struct kx_core *core, struct store *s, const struct core_seal *g,
			struct kx_error *err)
{
	char now[KX_TIME_LEN];
	kx_time_format(kx_clock_now_ms(), now);
	for (int i = 0; i < g->n; i++)
		if (ledger_seal(core, s, g->tenant[i], now, err))
			return -1;
	return 0;
}

/* Runs fn with s as the thread's writer, its appends noted in g. */
static int run_in(struct store *s, struct core_seal *g, core_write_fn fn, void *cls,
		  struct kx_error *err)
{
	current_writer = s;
	current_seal = g;
	int rc = fn(cls, err);
	current_writer = NULL;
	current_seal = NULL;
	return rc;
}

/* PostgreSQL: the mutation alone in a transaction of its own on a pooled connection; other
 * threads' mutations run beside it on theirs, ordered per tenant by the ledger lock. */
static int pooled_write(struct kx_core *core, core_write_fn fn, void *cls, struct kx_error *err)
{
	struct store *s = pool_acquire(core, &core->writers, err);
	if (!s || store_begin(s, err)) {
		pool_release(&core->writers, s);
		return -1;
	}
	struct core_seal seal = {0};
	int rc = run_in(s, &seal, fn, cls, err);
	struct kx_error commit_err = {0};
	if (rc == 0 && seal_ledgers(core, s, &seal, err) != 0)
		rc = -1;
	if (rc != 0)
		store_rollback(s);
	else if (store_commit(s, &commit_err) != 0)
		rc = kx_error_set(err, 503, "unavailable", NULL,
				  "the store could not commit: nothing was changed (%s)",
				  commit_err.message);
	pool_release(&core->writers, s);
	return rc;
}

/* One caller's write, queued until a group runs it. */
struct core_write_req {
	core_write_fn fn;
	void *cls;
	struct kx_error *err;
	int rc;
	bool done;
	pthread_cond_t wake; /* done, or (leader mode) the caller is to lead */
	struct core_write_req *next;
};

static struct core_write_req *queue_pop(struct kx_core *core)
{
	struct core_write_req *r = core->queue;
	if (r && !(core->queue = r->next))
		core->queue_tail = NULL;
	return r;
}

/* One member in its SAVEPOINT of the group's transaction. */
static int member_run(struct kx_core *core, struct core_seal *seal, struct core_write_req *r)
{
	int rc = store_savepoint(core->store, r->err);
	if (rc != 0)
		return rc;
	rc = run_in(core->store, seal, r->fn, r->cls, r->err);
	if (rc == 0)
		rc = store_savepoint_release(core->store, r->err);
	else
		store_savepoint_rollback(core->store);
	return rc;
}

/* sync_behind: the WAL's own descriptor, opened by the writer once the first group has made
 * the file. SQLite does not sync a WAL in this mode, so the file's directory entry is made
 * durable here, once. */
static int wal_open(struct kx_core *core)
{
	if (core->wal_fd >= 0)
		return 0;
	char path[sizeof core->db_path + 8];
	snprintf(path, sizeof path, "%s-wal", core->db_path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char *slash = strrchr(path, '/');
	if (slash)
		*(slash == path ? slash + 1 : slash) = 0;
	int dir = open(slash ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fsync(dir) != 0) {
		if (dir >= 0)
			close(dir);
		close(fd);
		return -1;
	}
	close(dir);
	core->wal_fd = fd;
	return 0;
}

/* Members whose own run stood answer for their group: it did not commit (nothing changed),
 * or it committed and could not be synced. */
static void fail_members(struct core_write_req *members, bool committed)
{
	for (struct core_write_req *r = members; r; r = r->next)
		if (r->rc == 0)
			r->rc = committed ? kx_error_set(r->err, 503, "unavailable", NULL,
							 "the store failed to sync this change: it "
							 "may not survive a power loss; klaxond takes "
							 "no changes until restarted")
					  : kx_error_set(r->err, 503, "unavailable", NULL,
							 "the store could not commit (disk full or "
							 "I/O error): nothing was changed");
}

/* Runs what is queued as one group (taking callers that queue while it runs, up to
 * CORE_GROUP_MAX), seals its ledgers and commits it once. Entered and left with core->lock
 * held, which is let go while statements run so that callers can queue. Returns the group's
 * members; *gen is its number once its commit was tried (sync_behind), else 0. */
static struct core_write_req *group_run(struct kx_core *core, uint64_t *gen)
{
	struct core_write_req *members = NULL, **tail = &members;
	struct core_seal seal = {0};
	struct kx_error err = {0};
	int begun = -1;
	*gen = 0;
	if (core->sync_failed) {
		kx_error_set(&err, 503, "unavailable", NULL,
			     "the store failed to sync; klaxond takes no changes until restarted");
	} else {
		pthread_mutex_unlock(&core->lock);
		begun = store_begin(core->store, &err);
		pthread_mutex_lock(&core->lock);
	}
	struct core_write_req *r;
	for (int n = 0; n < CORE_GROUP_MAX && (r = queue_pop(core)); n++) {
		*tail = r;
		tail = &r->next;
		pthread_mutex_unlock(&core->lock);
		if (begun == 0) {
			r->rc = member_run(core, &seal, r);
		} else {
			*r->err = err;
			r->rc = -1;
		}
		pthread_mutex_lock(&core->lock);
	}
	*tail = NULL;
	if (begun != 0)
		return members;
	pthread_mutex_unlock(&core->lock);
	int committed = -1;
	/* A group whose checkpoints cannot be signed commits nothing. */
	if (seal_ledgers(core, core->store, &seal, &err) != 0) {
		store_rollback(core->store);
	} else {
		if (core->sync_behind) /* before its rows can be seen (core_wait_durable) */
			*gen = atomic_fetch_add(&core->visible, 1) + 1;
		committed = store_commit(core->store, &err);
	}
	pthread_mutex_lock(&core->lock);
	if (committed != 0)
		fail_members(members, false);
	else if (core->sync_behind && wal_open(core) != 0)
		core->sync_failed = true; /* committed, and cannot be synced */
	else if (core->sync_behind)
		core->unsynced_commit = true;
	return members;
}

static void wake_members(struct core_write_req *members)
{
	struct core_write_req *r;
	while ((r = members)) {
		members = r->next;
		r->done = true;
		pthread_cond_signal(&r->wake);
	}
}

/* ---- leader mode (embedded): the caller that finds no group running runs the next ---- */

static void leader_write(struct kx_core *core, struct core_write_req *me)
{
	/* One leader at a time runs every member of a group back to back: no hand-over of a
	 * lock (and a thread wake-up) between two members. */
	while (!me->done) {
		if (core->leading) {
			pthread_cond_wait(&me->wake, &core->lock);
			continue;
		}
		core->leading = true;
		uint64_t gen;
		struct core_write_req *members = group_run(core, &gen);
		core->leading = false;
		/* Whoever queued meanwhile leads the next group, before this one's members wake. */
		if (core->queue)
			pthread_cond_signal(&core->queue->wake);
		wake_members(members);
	}
}

/* ---- sync_behind (klaxond on SQLite): a writer thread and a sync thread ---- */

static void *writer_main(void *arg)
{
	struct kx_core *core = arg;
	pthread_mutex_lock(&core->lock);
	for (;;) {
		while (!core->queue && !core->stopping)
			pthread_cond_wait(&core->work, &core->lock);
		if (!core->queue)
			break;
		uint64_t gen;
		struct core_write_req *members = group_run(core, &gen);
		if (core->unsynced_tail)
			core->unsynced_tail->next = members;
		else
			core->unsynced = members;
		for (; members; members = members->next)
			core->unsynced_tail = members;
		if (gen)
			core->unsynced_gen = gen;
		pthread_cond_signal(&core->sync_work);
	}
	pthread_mutex_unlock(&core->lock);
	return NULL;
}

/* The writer's own checkpoints (SQLite's, each time the WAL reaches 1,000 pages) wait for the
 * disk; copying most of the WAL here beforehand leaves them little to do. Outside core->lock. */
static void sync_checkpoint(struct kx_core *core)
{
	if (!core->checkpointer) {
		struct store_options so = {.synchronous_full = true, .vfs = core->vfs_name};
		struct kx_error err = {0};
		core->checkpointer = store_open(core->db_path, &so, &err);
	}
	if (core->checkpointer)
		store_wal_checkpoint(core->checkpointer);
}

/* One fdatasync covers every group committed before it; groups become durable in order. */
static void *sync_main(void *arg)
{
	struct kx_core *core = arg;
	unsigned syncs = 0;
	pthread_mutex_lock(&core->lock);
	for (;;) {
		while (!core->unsynced && !core->stopping)
			pthread_cond_wait(&core->sync_work, &core->lock);
		if (!core->unsynced)
			break;
		struct core_write_req *members = core->unsynced;
		bool commit = core->unsynced_commit;
		uint64_t gen = core->unsynced_gen;
		core->unsynced = core->unsynced_tail = NULL;
		core->unsynced_commit = false;
		pthread_mutex_unlock(&core->lock);
		int rc = commit ? fdatasync(core->wal_fd) : 0;
		pthread_mutex_lock(&core->lock);
		if (rc != 0)
			core->sync_failed = true;
		if (core->sync_failed)
			fail_members(members, true);
		if (gen > atomic_load(&core->durable))
			atomic_store(&core->durable, gen);
		pthread_cond_broadcast(&core->durable_cond);
		wake_members(members);
		if (commit && ++syncs % CORE_CHECKPOINT_EVERY == 0) {
			pthread_mutex_unlock(&core->lock);
			sync_checkpoint(core);
			pthread_mutex_lock(&core->lock);
		}
	}
	pthread_mutex_unlock(&core->lock);
	return NULL;
}

/* The core's threads take no signals: the program's own threads decide who does (klaxond
 * waits for SIGTERM in one; a fatal signal delivered to these would end it at once). */
static int thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int core_writer_start(struct kx_core *core, struct kx_error *err)
{
	if (thread_start(&core->writer_thread, writer_main, core) != 0)
		return kx_error_set(err, 503, "unavailable", NULL, "cannot start the writer thread");
	if (thread_start(&core->sync_thread, sync_main, core) != 0) {
		pthread_mutex_lock(&core->lock);
		core->stopping = true;
		pthread_cond_signal(&core->work);
		pthread_mutex_unlock(&core->lock);
		pthread_join(core->writer_thread, NULL);
		return kx_error_set(err, 503, "unavailable", NULL, "cannot start the sync thread");
	}
	core->threads_started = true;
	return 0;
}

void core_writer_stop(struct kx_core *core)
{
	if (!core->threads_started)
		return;
	pthread_mutex_lock(&core->lock);
	core->stopping = true;
	pthread_cond_signal(&core->work);
	pthread_mutex_unlock(&core->lock);
	pthread_join(core->writer_thread, NULL); /* it runs what is queued first */
	pthread_mutex_lock(&core->lock);
	pthread_cond_signal(&core->sync_work);
	pthread_mutex_unlock(&core->lock);
	pthread_join(core->sync_thread, NULL);
	core->threads_started = false;
	store_close(core->checkpointer);
	core->checkpointer = NULL;
}

int core_write(struct kx_core *core, core_write_fn fn, void *cls, struct kx_error *err)
{
	if (core->writers.max > 0)
		return pooled_write(core, fn, cls, err);
	struct core_write_req me = {.fn = fn, .cls = cls, .err = err};
	pthread_cond_init(&me.wake, NULL);
	pthread_mutex_lock(&core->lock);
	if (core->queue_tail)
		core->queue_tail->next = &me;
	else
		core->queue = &me;
	core->queue_tail = &me;
	if (core->threads_started) {
		pthread_cond_signal(&core->work);
		while (!me.done)
			pthread_cond_wait(&me.wake, &core->lock);
	} else {
		leader_write(core, &me);
	}
	pthread_mutex_unlock(&core->lock);
	pthread_cond_destroy(&me.wake);
	return me.rc;
}

void core_wait_durable(struct kx_core *core)
{
	if (!core->sync_behind)
		return;
	uint64_t seen = atomic_load(&core->visible);
	if (atomic_load(&core->durable) >= seen)
		return;
	pthread_mutex_lock(&core->lock);
	while (atomic_load(&core->durable) < seen)
		pthread_cond_wait(&core->durable_cond, &core->lock);
	pthread_mutex_unlock(&core->lock);
}

int core_write_queued(struct kx_core *core)
{
	int n = 0;
	pthread_mutex_lock(&core->lock);
	for (const struct core_write_req *r = core->queue; r; r = r->next)
		n++;
	pthread_mutex_unlock(&core->lock);
	return n;
}

void core_pools_init(struct kx_core *core, bool pooled_writes)
{
	pool_init(&core->readers, CORE_READERS_MAX);
	pool_init(&core->writers, pooled_writes ? CORE_WRITERS_MAX : 0);
}

void core_pools_close(struct kx_core *core)
{
	pool_close(&core->readers);
	pool_close(&core->writers);
}

struct store *core_reader_acquire(struct kx_core *core, struct kx_error *err)
{
	return pool_acquire(core, &core->readers, err);
}

void core_reader_release(struct kx_core *core, struct store *reader)
{
	pool_release(&core->readers, reader);
}
