/* Inside the core: the open core's state, shared by the ops pipeline and its modules. */
#ifndef KX_CORE_H
#define KX_CORE_H

#include <pthread.h>

#include "klaxon.h"
#include "metering.h"
#include "minisign.h"
#include "store.h"

#define KX_PLATFORM_TENANT "platform"

struct kx_core {
	struct store *store;
	pthread_mutex_t lock; /* one writer connection: calls are serialised */
	struct minisign_seckey key;
	struct minisign_pubkey pub;
	char key_name[40]; /* the checkpoint signer's name: "klaxon-<KEY ID>" */
	bool embedded;
	char os_user[64]; /* embedded mode: who ran the program */
	struct metering *meter;
	struct kx_stats stats; /* updated under lock */
	/* Command steps: where they run, and whether a tenant may run them. */
	const struct kx_sandbox *sandbox;
	bool (*command_steps_on)(void *cls, const char *tenant_id);
	void *command_steps_cls;
	/* Recent invalid incident transitions, for GET /alerts (a ring, newest overwrites). */
	struct {
		char tenant[64];
		int64_t at_ms;
	} transition_failures[128];
	unsigned n_transition_failures;
	bool integrity_failed; /* the last ledger verification failed */
	/* Step workers alive now (worker.c); their own lock, never held with `lock` waiting. */
	pthread_mutex_t workers_lock;
	struct worker *workers;
};

/* Records one policy evaluation's duration in core->stats (caller holds the lock). */
void core_stats_policy_eval(struct kx_core *core, double seconds);
/* An approval gate closed after `seconds` open (caller holds the lock). */
void core_stats_approval_cycle(struct kx_core *core, double seconds);
/* A command step of `runbook` ended (caller holds the lock). */
void core_stats_step(struct kx_core *core, const char *runbook, double seconds, bool failed);

/* Reads the server key file (minisign unencrypted secret key); 0 or -1 with err. */
int core_key_load(const char *path, struct minisign_seckey *sec, struct kx_error *err);
/* Writes key (0600) and public key files; refuses to overwrite. */
int core_key_write(const char *key_path, const char *pub_path, const struct minisign_seckey *sec,
		   const struct minisign_pubkey *pub, struct kx_error *err);

#endif
