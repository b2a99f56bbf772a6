/* Concurrency in the core. Writes on SQLite: every mutation runs in its own SAVEPOINT inside
 * one shared transaction, and the last member of a burst commits the group — one fsync for
 * all of them, and no member answers before its group is durable (FACTS.md: durability costs
 * one fsync per commit). Writes on PostgreSQL: a pool of connections, one transaction per
 * mutation, several at once. Reads: a small pool of connections that never wait for the
 * writer and see committed data only. */
#include <stdio.h>
#include <string.h>

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

/* One caller's write, queued until a leader runs it. */
struct core_write_req {
	core_write_fn fn;
	void *cls;
	struct kx_error *err;
	int rc;
	bool done;
	pthread_cond_t wake; /* done, or the caller is to lead */
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

/* The leader's work, entered and left with core->lock held: runs what is queued as one group
 * (taking callers that queue while it runs, up to CORE_GROUP_MAX), commits it once and wakes
 * its members. The lock is let go while statements run, so that callers can queue. */
static void group_run(struct kx_core *core)
{
	struct core_write_req *members = NULL, **tail = &members;
	struct core_seal seal = {0};
	struct kx_error begin_err = {0};
	pthread_mutex_unlock(&core->lock);
	int begun = store_begin(core->store, &begin_err);
	pthread_mutex_lock(&core->lock);
	struct core_write_req *r;
	for (int n = 0; n < CORE_GROUP_MAX && (r = queue_pop(core)); n++) {
		*tail = r;
		tail = &r->next;
		pthread_mutex_unlock(&core->lock);
		if (begun == 0)
			r->rc = member_run(core, &seal, r);
		else
			*r->err = begin_err, r->rc = -1;
		pthread_mutex_lock(&core->lock);
	}
	*tail = NULL;
	pthread_mutex_unlock(&core->lock);
	/* A group whose checkpoints cannot be signed commits nothing. */
	struct kx_error commit_err = {0};
	int committed = 0;
	if (begun == 0 && seal_ledgers(core, core->store, &seal, &commit_err) != 0) {
		store_rollback(core->store);
		committed = -1;
	} else if (begun == 0) {
		committed = store_commit(core->store, &commit_err);
	}
	pthread_mutex_lock(&core->lock);
	while ((r = members)) {
		members = r->next;
		if (committed != 0 && r->rc == 0)
			r->rc = kx_error_set(r->err, 503, "unavailable", NULL,
					     "the store could not commit (disk full or I/O error): "
					     "nothing was changed");
		r->done = true;
		pthread_cond_signal(&r->wake);
	}
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
	/* One leader at a time runs every member of a group back to back: no hand-over of a
	 * lock (and a thread wake-up) between two members. */
	while (!me.done) {
		if (core->leading) {
			pthread_cond_wait(&me.wake, &core->lock);
			continue;
		}
		core->leading = true;
		group_run(core);
		core->leading = false;
		/* Who queued meanwhile leads the next group. */
		if (core->queue)
			pthread_cond_signal(&core->queue->wake);
	}
	pthread_mutex_unlock(&core->lock);
	pthread_cond_destroy(&me.wake);
	return me.rc;
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
