/* The core's public face: what klaxond (server/) and the embedded backend (client/) include.
 * Every operation of API.md is one call, kx_call(), named by its action ("incident.create");
 * the answer is an HTTP-like status and a JSON body in API.md's shapes, so a remote client
 * and the embedded one see byte-for-byte the same thing. */
#ifndef KLAXON_H
#define KLAXON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ids.h"

#define KLAXON_VERSION "0.1.0"

struct kx_core;

/* Where klaxond runs command steps (DESIGN.md "Runbooks and execution"). */
struct kx_sandbox {
	char user[64];    /* an unprivileged user to run as (klaxond must be root to switch) */
	char path[256];   /* PATH inside the sandbox */
	char runner[512]; /* a command that receives the step's argv after it, or "" */
	unsigned cpu_s, memory_mb, processes, open_files;
};

struct kx_core_options {
	const char *db_path;   /* the SQLite file, or a postgres:// URL (kx_store_is_url) */
	const char *key_path;  /* the server key; NULL: db_path + ".key" */
	bool embedded;         /* receipts record the OS user (identity is not proven) */
	bool synchronous_normal; /* trade durability for speed: only for benchmarks of the cost */
	/* SQLite, many concurrent callers (klaxond): a write group's fsync runs while the next
	 * group's statements do; each caller still answers only once its group is durable, and
	 * a query once what it may have read is (core_write.c). */
	bool sync_behind;
	/* Command steps: NULL sandbox runs them as the calling user (embedded, the operator). */
	const struct kx_sandbox *sandbox;
	/* Are command steps on for this tenant? NULL: on everywhere. */
	bool (*command_steps_on)(void *cls, const char *tenant_id);
	void *command_steps_cls;
	/* Raw usage events older than this are pruned (hourly rollups stay); 0: 90 days. */
	unsigned usage_retention_days;
	/* The SQLite VFS to open the store through (tests inject faults with one); NULL: the
	 * default. */
	const char *vfs;
	/* PostgreSQL: the longest a statement may run or wait on a lock before its request
	 * answers 503; 0: 60 s. */
	unsigned statement_timeout_s;
};

/* What `init` made: the platform admin's token (shown once; caller zeroes and frees). */
struct kx_init_result {
	char *admin_token;
	char admin_id[KX_ID_MAX];
};

/* Makes a new store at opt->db_path (refusing an existing one), the server key pair (0600)
 * beside it with its minisign public key (`.pub`), the `platform` tenant, and: for klaxond a
 * platform admin in it; for an embedded store (opt->embedded) the tenant `default` with the
 * actor `admin` holding tenant-admin, who is also the store's platform admin. */
int kx_core_init(const struct kx_core_options *opt, struct kx_init_result *out,
		 struct kx_error *err);
void kx_init_result_wipe(struct kx_init_result *r);

struct kx_core *kx_core_open(const struct kx_core_options *opt, struct kx_error *err);
/* Does db_path name a PostgreSQL database (postgres:// or postgresql://) rather than a file? */
bool kx_store_is_url(const char *db_path);
/* Flushes buffered metering and closes the store. */
void kx_core_close(struct kx_core *core);

/* Who is asking: resolved from a bearer token (klaxond) or named at the terminal (embedded). */
struct kx_principal {
	char tenant_id[64];
	char actor_id[KX_ID_MAX];
};

/* 0 with who filled, or -1 with err (401 "unauthenticated"). Compared in constant time. */
int kx_auth_token(struct kx_core *core, const char *token, struct kx_principal *who,
		  struct kx_error *err);
/* Embedded identity: tenant and actor by id or unique name (404 when unknown). */
int kx_auth_local(struct kx_core *core, const char *tenant, const char *actor,
		  struct kx_principal *who, struct kx_error *err);

struct kx_param {
	const char *name, *value;
};

struct kx_request {
	const char *op;               /* action name, e.g. "incident.update" */
	const struct kx_principal *who; /* NULL: unauthenticated (401 except for public ops) */
	const char *id;               /* the path's resource id ({id}) */
	const char *sub_id;           /* a second path id ({step}, {actor}, {key_id}, ...) */
	const struct kx_param *query; /* query parameters, NULL-terminated by name, or NULL */
	const char *body;             /* request body (JSON text) or NULL */
	size_t body_len;
	const char *idempotency_key, *if_match, *request_id, *override;
};

struct kx_response {
	int status;
	char *body;         /* JSON text (or text/plain for a checkpoint) */
	size_t body_len;    /* bytes in body when it is binary (an evidence bundle); 0: text */
	const char *content_type;
	char *location;     /* for 201 */
	bool replayed;      /* an idempotent replay */
	char request_id[KX_ID_MAX];
};

/* Runs one operation through the ops pipeline. Always fills resp (free with
 * kx_response_free); thread-safe. */
void kx_call(struct kx_core *core, const struct kx_request *req, struct kx_response *resp);
void kx_response_free(struct kx_response *resp);

/* Does the action name an operation this core knows? */
bool kx_op_known(const char *op);
/* The i-th operation (0 ..), or NULL past the last; *mutation tells its kind. For tests that
 * must cover every operation. */
const char *kx_op_at(int i, bool *mutation);

/* Is the store answering? 0, or -1 with err (503 "unavailable"). */
int kx_core_ready(struct kx_core *core, struct kx_error *err);

/* Meters a request whose tenant cannot be known (no or bad token): unattributed. */
void kx_core_count_unattributed(struct kx_core *core);

/* Counters for the server's metrics. Bucket i counts evaluations that took at most
 * kx_stats_bounds[i] seconds (cumulative, as Prometheus histograms are). */
#define KX_STATS_BUCKETS 8
extern const double kx_stats_bounds[KX_STATS_BUCKETS];
#define KX_STATS_CYCLE_BUCKETS 7
extern const double kx_stats_cycle_bounds[KX_STATS_CYCLE_BUCKETS];
#define KX_STATS_RUNBOOKS 64
struct kx_stats {
	uint64_t policy_evals;
	double policy_eval_seconds;
	uint64_t policy_eval_buckets[KX_STATS_BUCKETS];
	uint64_t transition_failures; /* incident updates refused as invalid_transition */
	/* approval gates: time from opening to quorum (or rejection) */
	uint64_t approval_cycles;
	double approval_cycle_seconds;
	uint64_t approval_cycle_buckets[KX_STATS_CYCLE_BUCKETS];
	uint64_t pending_approvals; /* gates open now, all tenants (read when asked) */
	uint64_t ledger_verifications, ledger_verification_failures;
	struct {
		char runbook[72];
		uint64_t steps, failures;
		double seconds;
	} runbooks[KX_STATS_RUNBOOKS]; /* command steps by runbook */
	int n_runbooks;
};
void kx_core_stats(struct kx_core *core, struct kx_stats *out);

/* Flush buffered read metering now (the server calls this at least once a second). */
void kx_core_flush_usage(struct kx_core *core);

/* A consistent copy of the live store at dest (0600, never overwriting), while writes go on.
 * The server key is not in it: back it up apart (docs/OPERATIONS.md). */
int kx_core_backup(struct kx_core *core, const char *dest, struct kx_error *err);

/* Recomputes every tenant's log from its stored leaves and checks it against the signed
 * checkpoints and the columns kept beside each leaf. 0, or -1 with err naming the first bad
 * receipt or checkpoint. `checked` (if not NULL) receives the number of receipts checked. */
int kx_ledger_verify(struct kx_core *core, uint64_t *checked, struct kx_error *err);

/* ---- Offline checks: no store and no server, only the server's public key ---- */

/* A checkpoint whose signature by the server key held (witness.c). */
struct kx_checkpoint {
	char origin[128];   /* "klaxon/<tenant>" */
	char tenant_id[64];
	uint64_t size;
	uint8_t root[32];
};
/* Verifies a C2SP signed checkpoint by the server key (pubkey_text: server.pub's text or its
 * base64 line) in the exact form klaxon writes it. 0, or -1 with err naming what failed. */
int kx_checkpoint_verify(const char *note, const char *pubkey_text, struct kx_checkpoint *out,
			 struct kx_error *err);
/* Does `newer` extend `older`? hashes: the RFC 9162 consistency proof, base64. 0, or -1 with
 * err (409 "ledger_inconsistent": history was rewritten). */
int kx_checkpoint_consistent(const struct kx_checkpoint *older, const struct kx_checkpoint *newer,
			     const char *const *hashes, size_t n, struct kx_error *err);

/* Verifying an evidence bundle (evidence_verify.c): the manifest's signature, every member's
 * digest, the checkpoints, every inclusion proof, the consistency proof and the counts; with
 * replay, every decision re-evaluated under its pinned policy versions. */
struct kx_bundle_report {
	/* Set by the caller: told each check that passed, and each decision replayed that did
	 * not come out as recorded (outcome "drift" or "not replayable"). Either may be NULL. */
	void (*on_check)(void *ctx, const char *check);
	void (*on_replay)(void *ctx, const char *receipt_id, const char *outcome, const char *why);
	void *ctx;
	/* Filled by the verifier. */
	char tenant_id[64], export_id[KX_ID_MAX], from[32], to[32];
	uint64_t checkpoint_size, previous_size; /* previous_size 0: no earlier export */
	uint64_t receipts, decisions, redacted_decisions, incidents, timeline, redactions, profiles;
	uint64_t replayed, drift, not_replayable, tenancy; /* tenancy: decided without policy */
	char *checkpoint, *previous_checkpoint;           /* the signed notes (owned) */
	char **consistency;                               /* the proof's base64 hashes (owned) */
	size_t n_consistency;
};
/* 0 when every check holds (drift is reported, not a failure), or -1 with err naming the
 * first failure ("receipts.jsonl line 3: ..."). Free the report with kx_bundle_report_free. */
int kx_bundle_verify(const void *tar, size_t len, const char *pubkey_text, bool replay,
		     struct kx_bundle_report *rep, struct kx_error *err);
void kx_bundle_report_free(struct kx_bundle_report *rep);

#endif
