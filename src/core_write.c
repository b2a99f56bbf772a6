/* Concurrency in the core. Writes: every mutation runs in its own SAVEPOINT inside one shared
 * transaction, and the last member of a burst commits the group — one fsync for all of them,
 * and no member answers before its group is durable (FACTS.md: durability costs one fsync
 * per commit). Reads: a small pool of connections in WAL mode that never wait for the
 * writer and see committed data only. */
#include <stdio.h>
#include <string.h>

#include "core.h"

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
		rc = fn(cls, err);
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

/* Opens the connection of slot i, taken (busy) by the caller. */
static struct store *reader_open(struct kx_core *core, int i, struct kx_error *err)
{
	struct store_options so = {.synchronous_full = true, .vfs = core->vfs_name};
	struct store *r = store_open(core->db_path, &so, err);
	pthread_mutex_lock(&core->readers_lock);
	core->readers[i] = r;
	if (!r) { /* the slot stays empty for a later try */
		core->reader_busy[i] = false;
		pthread_cond_signal(&core->reader_free);
	}
	pthread_mutex_unlock(&core->readers_lock);
	return r;
}

struct store *core_reader_acquire(struct kx_core *core, struct kx_error *err)
{
	pthread_mutex_lock(&core->readers_lock);
	for (;;) {
		int i;
		for (i = 0; i < core->n_readers && core->reader_busy[i]; i++)
			;
		if (i == core->n_readers && core->n_readers < CORE_READERS_MAX)
			core->readers[core->n_readers++] = NULL; /* opened on demand */
		if (i < core->n_readers) {
			core->reader_busy[i] = true;
			struct store *r = core->readers[i];
			pthread_mutex_unlock(&core->readers_lock);
			return r ? r : reader_open(core, i, err);
		}
		pthread_cond_wait(&core->reader_free, &core->readers_lock);
	}
}

void core_reader_release(struct kx_core *core, struct store *reader)
{
	if (!reader)
		return;
	pthread_mutex_lock(&core->readers_lock);
	for (int i = 0; i < core->n_readers; i++)
		if (core->readers[i] == reader)
			core->reader_busy[i] = false;
	pthread_cond_signal(&core->reader_free);
	pthread_mutex_unlock(&core->readers_lock);
}

void core_readers_close(struct kx_core *core)
{
	for (int i = 0; i < core->n_readers; i++)
		store_close(core->readers[i]);
	core->n_readers = 0;
}
