/* Runbook executions: their state (the execution, its steps, the pinned runbook document),
 * the rules that move steps along, and the records an act leaves (timeline on the linked
 * incident). Shared by the execution, step and approval operations and the command worker. */
#ifndef KX_EXECUTION_H
#define KX_EXECUTION_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "store.h"

struct exec_state {
	cJSON *execution; /* the row */
	cJSON *steps;     /* rows, in order */
	cJSON *doc;       /* the pinned version's document; NULL when it failed its check */
	char risk[16];    /* the version's; "" when it failed its check */
	bool doc_failed;  /* exec_load_rows: the pinned version failed runbook_check_version */
};

/* 0 loaded, 1 not found, -1 store error, 2 the pinned runbook version failed its check
 * (runbook_check_version: err says why; nothing is loaded). Whatever runs, approves or shows
 * an execution's steps loads it so. */
int exec_load(struct store *s, const char *tenant_id, const char *id, struct exec_state *out,
	      struct kx_error *err);
/* The same, but a pinned version that fails its check leaves doc NULL, risk "" and doc_failed
 * set instead of refusing: for what must still be possible then and uses nothing of the
 * document — recording the end of a command that was checked when it started, an abort. */
int exec_load_rows(struct store *s, const char *tenant_id, const char *id,
		   struct exec_state *out);
void exec_state_free(struct exec_state *st);
/* API.md's Execution, steps included (caller owns). */
cJSON *exec_view(const struct exec_state *st);
cJSON *exec_step_view(const struct exec_state *st, int idx);

const char *exec_status(const struct exec_state *st);
bool exec_is_finished(const char *status);
cJSON *exec_step(const struct exec_state *st, int idx);
const char *exec_step_status(const struct exec_state *st, int idx);
int exec_step_count(const struct exec_state *st);

/* Sets a member of a row object (replacing it). */
void exec_set(cJSON *row, const char *name, cJSON *value);

/* After a step changed: opens approval gates that are now first in line and recomputes the
 * execution's status (unless it is finished); writes the changed rows. */
int exec_settle(struct store *s, const char *tenant_id, struct exec_state *st, const char *now,
		const char *receipt_id, struct kx_error *err);
int exec_save_step(struct store *s, const char *tenant_id, const struct exec_state *st, int idx,
		   struct kx_error *err);
/* A finished status (exec_is_finished) also closes the execution's open gates: skipped. */
int exec_set_status(struct store *s, const char *tenant_id, struct exec_state *st,
		    const char *status, const char *now, const char *receipt_id,
		    struct kx_error *err);

/* A timeline event on the incident the execution is linked to (none: nothing to do). */
int exec_timeline(struct store *s, const char *tenant_id, const struct exec_state *st,
		  const char *kind, const char *actor, cJSON *data, const char *receipt_id,
		  const char *now, struct kx_error *err);

#endif
