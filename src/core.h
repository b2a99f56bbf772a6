/* Inside the core: the open core's state, shared by the ops pipeline and its modules. */
#ifndef KX_CORE_H
#define KX_CORE_H

#include <pthread.h>
#include <stdatomic.h>

#include "klaxon.h"
#include "metering.h"
#include "minisign.h"
#include "store.h"

#define KX_PLATFORM_TENANT "platform"

#define CORE_READERS_MAX 8
#define CORE_WRITERS_MAX 4 /* PostgreSQL: write transactions of one instance at once */
#define CORE_POOL_MAX 8
#define CORE_GROUP_MAX 64 /* members of one group commit at most */
#define CORE_SEAL_MAX 16  /* ledgers a group seals at its end; more are sealed at once */
#define CORE_CHECKPOINT_EVERY 8 /* syncs between the sync thread's passive checkpoints */

struct ledger_cache;
struct policy_cache;
struct core_write_req;

/* Connections taken one at a time (core_write.c), opened on demand, up to max. */
struct core_pool {
	pthread_mutex_t lock;
	pthread_cond_t free;
	struct store *conn[CORE_POOL_MAX];
	bool busy[CORE_POOL_MAX];
	int n, max;
};

struct kx_core {
	struct store *store;  /* the writer connection (SQLite; bootstrap on PostgreSQL) */
	/* Group commit (core_write.c): writes queue up, and one thread at a time (the caller
	 * leading, or klaxond's writer thread) runs the queued ones in one transaction, one
	 * SAVEPOINT each, with one fsync. */
	pthread_mutex_t lock; /* guards the queue, `leading` and the sync state below */
	struct core_write_req *queue, *queue_tail;
	bool leading;
	/* kx_core_options.sync_behind: a writer thread runs the queued groups one after another
	 * and commits each without an fsync; a sync thread syncs the WAL (wal_fd) behind it, one
	 * fdatasync for every group committed meanwhile, and only then wakes their members.
	 * Groups are numbered: `visible` before a group's commit, `durable` once it is synced.
	 * A failed sync stops all writes (`sync_failed`) until a restart. */
	bool sync_behind, stopping, threads_started;
	pthread_t writer_thread, sync_thread;
	pthread_cond_t work, sync_work, durable_cond;
	struct core_write_req *unsynced, *unsynced_tail; /* committed, waiting for the sync */
	bool unsynced_commit;                             /* some of them need the fdatasync */
	uint64_t unsynced_gen;
	int wal_fd;
	struct store *checkpointer; /* the sync thread's connection for passive checkpoints */
	_Atomic uint64_t visible, durable;
	bool sync_failed;
	/* Readers: queries run on their own connections and see committed data only. */
	struct core_pool readers;
	/* PostgreSQL: each mutation in its own transaction on a pooled connection, several at
	 * once (the server batches their WAL flushes); max 0 on SQLite, whose one writer
	 * groups them instead. */
	struct core_pool writers;
	char db_path[4096];
	const char *vfs_name;
	int statement_timeout_ms; /* PostgreSQL sessions' (store_options); 0: the store's */
	pthread_mutex_t stats_lock;
	struct minisign_seckey key;
	struct minisign_pubkey pub;
	char key_name[40]; /* the checkpoint signer's name: "klaxon-<KEY ID>" */
	bool embedded;
	char os_user[64]; /* embedded mode: who ran the program */
	struct metering *meter;
	struct policy_cache *policies; /* parsed role catalogs and profiles (policy_cache.c) */
	struct ledger_cache *ledger_nodes; /* committed ledger nodes, for proofs (ledger_cache.c) */
	struct kx_stats stats; /* under stats_lock */
	/* Command steps: where they run, and whether a tenant may run them. */
	const struct kx_sandbox *sandbox;
	bool (*command_steps_on)(void *cls, const char *tenant_id);
	void *command_steps_cls;
	/* Recent invalid incident transitions, for GET /alerts (a ring, newest overwrites). */
	struct {
		char tenant[64];
		int64_t at_ms;
	} transition_failures[128];
	unsigned n_transition_failures; /* under stats_lock */
	atomic_bool integrity_failed; /* the last ledger verification failed */
	/* Step workers alive now (worker.c); their own lock, never held with `lock` waiting. */
	pthread_mutex_t workers_lock;
	struct worker *workers;
};

/* Counters for metrics and alerts (thread-safe). */
void core_stats_policy_eval(struct kx_core *core, double seconds);
void core_stats_approval_cycle(struct kx_core *core, double seconds);
void core_stats_step(struct kx_core *core, const char *runbook, double seconds, bool failed);
void core_stats_verification(struct kx_core *core, bool failed);
void core_stats_transition_failure(struct kx_core *core, const char *tenant_id, int64_t at_ms);
/* Invalid transitions of the tenant since since_ms (from the recent ring). */
int core_stats_transition_failures(struct kx_core *core, const char *tenant_id, int64_t since_ms);

/* The writer (core_write.c). fn runs inside a write transaction — on SQLite the shared one,
 * in its own SAVEPOINT (rolled back when fn fails); on PostgreSQL its own — and the call
 * returns once that has committed. Returns fn's result, or -1 with a 503 in err when the
 * commit failed. Inside fn, core_writer gives the transaction's connection. */
typedef int (*core_write_fn)(void *cls, struct kx_error *err);
int core_write(struct kx_core *core, core_write_fn fn, void *cls, struct kx_error *err);
/* The connection of the write transaction the calling thread is in (core->store outside). */
struct store *core_writer(struct kx_core *core);
/* Notes that the calling thread's write group appended to tenant's ledger, which the group
 * then seals before it commits (ledger_seal). -1 outside a group, or when the group has no
 * room left for another tenant: the caller seals at once. */
int core_write_appended(const char *tenant_id);
/* How many writes are queued for the next group (the tests' view of grouping). */
int core_write_queued(struct kx_core *core);
/* Waits until every group the caller's reads may have seen is durable (sync_behind; at once
 * otherwise): a query answers nothing that a power loss could still take back. */
void core_wait_durable(struct kx_core *core);
/* sync_behind: starts the writer and sync threads (0, or -1 with err); stops them once every
 * queued write is done. */
int core_writer_start(struct kx_core *core, struct kx_error *err);
void core_writer_stop(struct kx_core *core);
void core_pools_init(struct kx_core *core, bool pooled_writes);
void core_pools_close(struct kx_core *core);
/* A reader connection for one query (waits while all are busy); give it back after. */
struct store *core_reader_acquire(struct kx_core *core, struct kx_error *err);
void core_reader_release(struct kx_core *core, struct store *reader);

/* Reads the server key file (minisign unencrypted secret key); 0 or -1 with err. */
int core_key_load(const char *path, struct minisign_seckey *sec, struct kx_error *err);
/* Writes key (0600) and public key files; refuses to overwrite. */
int core_key_write(const char *key_path, const char *pub_path, const struct minisign_seckey *sec,
		   const struct minisign_pubkey *pub, struct kx_error *err);

#endif
