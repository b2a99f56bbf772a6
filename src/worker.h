/* The step worker: runs an execution's commands (a step, or a rollback's chain) one after
 * another on its own thread, committing each end in its own transaction, so that nothing
 * holds the store while a command runs. The core keeps the live workers to abort or reap. */
#ifndef KX_WORKER_H
#define KX_WORKER_H

#include <stdbool.h>

#include "core.h"

struct worker_cmd {
	int step_idx;
	char **argv, **env; /* NULL-terminated, owned by the worker once started */
	unsigned timeout_s;
	bool manual;       /* a manual rollback: recorded, nothing run */
};

struct worker;

/* Starts the chain; takes ownership of cmds' arrays. rollback: each end marks the step
 * rolled_back, and the last one the execution. 0 with *out registered in the core, or -1. */
int worker_start(struct kx_core *core, const char *tenant_id, const char *execution_id,
		 const char *actor_id, const char *start_receipt, bool rollback,
		 struct worker_cmd *cmds, int n, struct worker **out, struct kx_error *err);
/* Waits up to `seconds`; true when the chain has ended. */
bool worker_wait(struct worker *w, double seconds);

/* Kills the running command of every worker of the execution; no further command starts. */
void core_workers_kill(struct kx_core *core, const char *tenant_id, const char *execution_id);
/* Frees finished workers; with all, kills the rest and waits for them (closing). */
void core_workers_reap(struct kx_core *core, bool all);

/* Frees a NULL-terminated string array. */
void worker_strv_free(char **v);

#endif
