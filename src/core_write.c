/* Concurrency in the core. Writes on SQLite: every mutation runs in its own SAVEPOINT inside
 * one shared transaction, and the last member of a burst commits the group — one fsync for
 * all of them, and no member answers before its group is durable (FACTS.md: durability costs
 * one fsync per commit). Writes on PostgreSQL: a pool of connections, one transaction per
 * mutation, several at once. Reads: a small pool of connections that never wait for the
 * writer and see committed data only. */
#include <stdio.h>
#include <string.h>

#include "core.h"

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

/* PostgreSQL: the mutation alone in a transaction of its own on a pooled connection; other
 * threads' mutations run beside it on theirs, ordered per tenant by the ledger lock. */
static int pooled_write(struct kx_core *core, core_write_fn fn, void *cls, struct kx_error *err)
{
	struct store *s = pool_acquire(core, &core->writers, err);
	if (!s || store_begin(s, err)) {
		pool_release(&core->writers, s);
		return -1;
	}
	current_writer = s;
	int rc = fn(cls, err);
	current_writer = NULL;
	struct kx_error commit_err = {0};
	if (rc != 0)
		store_rollback(s);
	else if (store_commit(s, &commit_err) != 0)
		rc = kx_error_set(err, 503, "unavailable", NULL,
				  "the store could not commit: nothing was changed (%s)",
				  commit_err.message);
	pool_release(&core->writers, s);
	return rc;
}

static void group_commit(struct kx_core *core, uint64_t gen)
{
	struct kx_error err = {0};
	int rc = store_commit(core->store, &err);
	core->group_open = false;
	core->committed_gen = gen;
	core->group_rc[gen % CORE_GROUP_RING] = rc;
	pthread_cond_broadcast(&core->group_done);
}

int core_write(struct kx_core *core, core_write_fn fn, void *cls, struct kx_error *err)
{
	if (core->writers.max > 0)
		return pooled_write(core, fn, cls, err);
	atomic_fetch_add(&core->writers_waiting, 1);
	pthread_mutex_lock(&core->lock);
	atomic_fetch_sub(&core->writers_waiting, 1);
	if (!core->group_open) {
		if (store_begin(core->store, err)) {
			pthread_mutex_unlock(&core->lock);
			return -1;
		}
		core->group_open = true;
		core->group_gen++;
		core->group_members = 0;
	}
	uint64_t gen = core->group_gen;
	int rc = store_savepoint(core->store, err);
	if (rc == 0) {
		current_writer = core->store;
		rc = fn(cls, err);
		current_writer = NULL;
		if (rc == 0)
			rc = store_savepoint_release(core->store, err);
		else
			store_savepoint_rollback(core->store);
	}
	core->group_members++;
	/* Commit when nobody else is queued for the writer (a burst has ended) or the group is
	 * full; otherwise leave it to a later member and wait for it. */
	if (atomic_load(&core->writers_waiting) == 0 || core->group_members >= CORE_GROUP_MAX)
		group_commit(core, gen);
	else
		while (core->committed_gen < gen)
			pthread_cond_wait(&core->group_done, &core->lock);
	int committed = core->group_rc[gen % CORE_GROUP_RING];
	pthread_mutex_unlock(&core->lock);
	if (committed != 0 && rc == 0)
		rc = kx_error_set(err, 503, "unavailable", NULL,
				  "the store could not commit (disk full or I/O error): nothing was changed");
	return rc;
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
