/* runbook.launch, execution.get|list, step.execute, execution.abort and execution.rollback.
 * A command step is two transactions: its start here (decision, receipt, `running`), its end
 * in the worker (result, receipt); :execute waits for the end up to wait_s outside the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execution.h"
#include "ops.h"
#include "runbook_check.h"
#include "runbook_doc.h"
#include "worker.h"

#define EXEC_WAIT_DEFAULT_S 30
#define EXEC_WAIT_MAX_S 86400

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* What an operation carries from prepare through apply to after_commit. */
struct exec_op {
	struct exec_state st;
	cJSON *runbook; /* launch: the version launched */
	int step_idx;
	double wait_s;
	struct worker_cmd *cmds;
	int n_cmds;
	bool rollback;
};

static void exec_op_free(void *p)
{
	struct exec_op *x = p;
	if (!x)
		return;
	exec_state_free(&x->st);
	cJSON_Delete(x->runbook);
	for (int i = 0; i < x->n_cmds; i++) {
		worker_strv_free(x->cmds[i].argv);
		worker_strv_free(x->cmds[i].env);
	}
	free(x->cmds);
	free(x);
}

static struct exec_op *exec_op_new(struct op_ctx *ctx)
{
	struct exec_op *x = calloc(1, sizeof *x);
	if (x) {
		ctx->state = x;
		ctx->state_free = exec_op_free;
	} else {
		kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	}
	return x;
}

/* rows_only: an abort needs nothing of the runbook's document, so it goes ahead even when
 * the pinned version fails its check (exec_load_rows); everything else is refused then. */
static int load_execution(struct op_ctx *ctx, struct exec_op *x, bool rows_only)
{
	int rc = rows_only ? exec_load_rows(ctx->store, ctx->tenant, ctx->req->id, &x->st)
			   : exec_load(ctx->store, ctx->tenant, ctx->req->id, &x->st, ctx->err);
	if (rc == 2)
		return -1; /* ctx->err names the runbook version and its failed check */
	if (rc > 0)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no execution %s",
				    ctx->req->id ? ctx->req->id : "(none)");
	if (rc < 0)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the execution cannot be read");
	ctx->resource = cJSON_Duplicate(x->st.execution, 1);
	if (!x->st.doc_failed) /* without it, a rule on resource.risk fails closed */
		cJSON_AddStringToObject(ctx->resource, "risk", x->st.risk);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", ctx->req->id);
	return 0;
}

static int body_wait(struct op_ctx *ctx, double *wait_s)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(ctx->body, "wait_s");
	*wait_s = EXEC_WAIT_DEFAULT_S;
	if (!w)
		return 0;
	if (!cJSON_IsNumber(w) || w->valuedouble < 0 || w->valuedouble > EXEC_WAIT_MAX_S)
		return kx_error_set(ctx->err, 400, "invalid_field", "wait_s",
				    "wait_s is 0 to %d seconds", EXEC_WAIT_MAX_S);
	*wait_s = w->valuedouble;
	return 0;
}

/* ---- the command's argv and environment ---- */

static char **strv_dup_json(const cJSON *a, const char *prefix_words)
{
	int n = cJSON_GetArraySize(a), extra = 0;
	char words[512] = "";
	if (prefix_words && *prefix_words) {
		snprintf(words, sizeof words, "%s", prefix_words);
		for (char *p = strtok(words, " "); p; p = strtok(NULL, " "))
			extra++;
		snprintf(words, sizeof words, "%s", prefix_words);
	}
	char **v = calloc((size_t)(n + extra + 1), sizeof *v);
	int i = 0;
	if (!v)
		return NULL;
	/* A configured runner (ssh host --, systemd-run ...) takes the step's argv after it. */
	for (char *p = extra ? strtok(words, " ") : NULL; p; p = strtok(NULL, " "))
		v[i++] = strdup(p);
	const cJSON *e;
	cJSON_ArrayForEach(e, a) v[i++] = strdup(e->valuestring);
	return v;
}

static void env_put(char **env, int *n, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *kv = malloc(len);
	if (!kv)
		return;
	snprintf(kv, len, "%s=%s", name, value);
	for (int i = 0; i < *n; i++) { /* later sources override earlier ones */
		if (!strncmp(env[i], name, strlen(name)) && env[i][strlen(name)] == '=') {
			free(env[i]);
			env[i] = kv;
			return;
		}
	}
	env[(*n)++] = kv;
}

/* A scrubbed environment: a PATH, the locale, the execution's ids, the launch parameters and
 * the step's own env (which wins). */
static char **step_env(struct op_ctx *ctx, const struct exec_op *x, const cJSON *step)
{
	const cJSON *params = cJSON_GetObjectItem(x->st.execution, "params");
	const cJSON *senv = cJSON_GetObjectItem(step, "env");
	int cap = 8 + cJSON_GetArraySize(params) + cJSON_GetArraySize(senv), n = 0;
	char **env = calloc((size_t)cap + 1, sizeof *env);
	if (!env)
		return NULL;
	const struct kx_sandbox *sb = ctx->core->sandbox;
	const char *path = sb && sb->path[0] ? sb->path : getenv("PATH");
	env_put(env, &n, "PATH", path ? path : "/usr/bin:/bin");
	env_put(env, &n, "LANG", "C.UTF-8");
	if (!sb && getenv("HOME"))
		env_put(env, &n, "HOME", getenv("HOME"));
	env_put(env, &n, "KLAXON_EXECUTION_ID", str(x->st.execution, "id"));
	env_put(env, &n, "KLAXON_STEP_ID", str(step, "id"));
	env_put(env, &n, "KLAXON_TENANT", ctx->tenant);
	const cJSON *p;
	cJSON_ArrayForEach(p, params) env_put(env, &n, p->string, p->valuestring);
	cJSON_ArrayForEach(p, senv) env_put(env, &n, p->string, p->valuestring);
	return env;
}

static int add_cmd(struct op_ctx *ctx, struct exec_op *x, int idx, const cJSON *spec, bool manual)
{
	struct worker_cmd *c = realloc(x->cmds, (size_t)(x->n_cmds + 1) * sizeof *c);
	if (!c)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	x->cmds = c;
	c = &x->cmds[x->n_cmds++];
	memset(c, 0, sizeof *c);
	c->step_idx = idx;
	c->manual = manual;
	if (manual)
		return 0;
	const struct kx_sandbox *sb = ctx->core->sandbox;
	c->argv = strv_dup_json(cJSON_GetObjectItem(spec, "argv"), sb ? sb->runner : NULL);
	c->env = step_env(ctx, x, runbook_doc_step(x->st.doc, idx));
	const cJSON *t = cJSON_GetObjectItem(spec, "timeout_s");
	c->timeout_s = cJSON_IsNumber(t) ? (unsigned)t->valuedouble : RUNBOOK_DEFAULT_TIMEOUT_S;
	if (!c->argv || !c->env)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "out of memory");
	return 0;
}

/* Runs the chain the apply step prepared and waits up to wait_s, then answers with what is
 * true now: 200 when it ended, 202 while it runs. */
static void run_after_commit(struct op_ctx *ctx, struct kx_response *resp)
{
	struct exec_op *x = ctx->state;
	struct worker *w = NULL;
	struct kx_error err = {0};
	const char *exec_id = str(x->st.execution, "id");
	bool ended = false;
	if (worker_start(ctx->core, ctx->tenant, exec_id, ctx->req->who->actor_id, ctx->receipt_id,
			 x->rollback, x->cmds, x->n_cmds, &w, &err) == 0) {
		x->cmds = NULL; /* the worker owns them now */
		x->n_cmds = 0;
		ended = worker_wait(w, x->wait_s);
	}
	core_workers_reap(ctx->core, false);
	struct exec_state now;
	struct store *r = core_reader_acquire(ctx->core, &err);
	int rc = r ? store_begin_read(r, &err) : -1;
	rc = rc == 0 ? exec_load(r, ctx->tenant, exec_id, &now, NULL) : -1;
	if (r)
		store_rollback(r);
	core_reader_release(ctx->core, r);
	if (rc != 0)
		return; /* keep the provisional answer */
	cJSON *view = x->rollback ? exec_view(&now) : exec_step_view(&now, x->step_idx);
	char *body = cJSON_PrintUnformatted(view);
	cJSON_Delete(view);
	exec_state_free(&now);
	if (body) {
		free(resp->body);
		resp->body = body;
		resp->status = ended ? 200 : 202;
	}
}

/* ---- launch ---- */

static bool param_name_ok(const char *n)
{
	static const char *const reserved[] = {"PATH", "HOME", "LANG", "IFS", "SHELL", "ENV",
					       "BASH_ENV", NULL};
	if (!strncmp(n, "LD_", 3) || !strncmp(n, "KLAXON_", 7))
		return false;
	for (const char *const *r = reserved; *r; r++)
		if (!strcmp(n, *r))
			return false;
	size_t len = strlen(n);
	if (len == 0 || len > 64 || (n[0] >= '0' && n[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'A' && n[i] <= 'Z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return false;
	return true;
}

static int check_params(struct op_ctx *ctx, const cJSON *params)
{
	if (!params)
		return 0;
	if (!cJSON_IsObject(params) || cJSON_GetArraySize(params) > 32)
		return kx_error_set(ctx->err, 400, "invalid_field", "params",
				    "params is an object of at most 32 strings");
	const cJSON *p;
	cJSON_ArrayForEach(p, params)
	{
		char field[96];
		snprintf(field, sizeof field, "params.%.64s", p->string);
		if (!param_name_ok(p->string) || !cJSON_IsString(p) || strlen(p->valuestring) > 4096)
			return kx_error_set(ctx->err, 400, "invalid_field", field,
					    "parameters are NAMES_LIKE_THIS (not PATH, LD_*, KLAXON_*)"
					    " with string values");
	}
	return 0;
}

static int launch_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"incident_id", "version", "params", NULL};
	const char *incident;
	struct exec_op *x = exec_op_new(ctx);
	if (!x || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "incident_id", false, KX_ID_MAX, &incident) ||
	    check_params(ctx, cJSON_GetObjectItem(ctx->body, "params")))
		return -1;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx->body, "version");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9))
		return kx_error_set(ctx->err, 400, "invalid_field", "version", "a version number");
	x->runbook = ctx->req->id ? store_runbook_get(ctx->store, ctx->tenant, ctx->req->id,
						      v ? (int)v->valuedouble : 0)
				  : NULL;
	if (!x->runbook)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no runbook %s%s",
				    ctx->req->id ? ctx->req->id : "(none)", v ? " at that version" : "");
	if (runbook_check_version(ctx->store, ctx->tenant, x->runbook, NULL, ctx->err))
		return -1;
	if (incident) {
		cJSON *inc = store_incident_get(ctx->store, ctx->tenant, incident);
		cJSON_Delete(inc);
		if (!inc)
			return kx_error_set(ctx->err, 404, "not_found", "incident_id",
					    "no incident %s", incident);
	}
	ctx->resource = cJSON_CreateObject();
	const char *fields[] = {"id", "version", "risk", "digest", "key_id"};
	for (int i = 0; i < 5; i++)
		cJSON_AddItemToObject(ctx->resource, fields[i],
				      cJSON_Duplicate(cJSON_GetObjectItem(x->runbook, fields[i]), 1));
	cJSON_AddItemToObject(ctx->resource, "incident_id",
			      incident ? cJSON_CreateString(incident) : cJSON_CreateNull());
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", ctx->req->id);
	return 0;
}

static int insert_execution(struct op_ctx *ctx, struct exec_op *x, const char *id)
{
	const cJSON *params = cJSON_GetObjectItem(ctx->body, "params");
	const char *incident = str(ctx->body, "incident_id");
	cJSON *ex = cJSON_CreateObject();
	cJSON_AddStringToObject(ex, "id", id);
	cJSON_AddStringToObject(ex, "runbook_id", str(x->runbook, "id"));
	cJSON_AddItemToObject(ex, "runbook_version", cJSON_Duplicate(cJSON_GetObjectItem(x->runbook, "version"), 1));
	cJSON_AddStringToObject(ex, "runbook_digest", str(x->runbook, "digest"));
	cJSON_AddItemToObject(ex, "incident_id", incident ? cJSON_CreateString(incident) : cJSON_CreateNull());
	cJSON_AddStringToObject(ex, "status", "running");
	cJSON_AddStringToObject(ex, "launched_by", ctx->req->who->actor_id);
	cJSON_AddItemToObject(ex, "params", params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject());
	cJSON_AddStringToObject(ex, "created_at", ctx->now);
	cJSON_AddStringToObject(ex, "updated_at", ctx->now);
	cJSON_AddStringToObject(ex, "receipt_id", ctx->receipt_id);
	int rc = store_execution_insert(ctx->store, ctx->tenant, ex, ctx->err);
	cJSON_Delete(ex);
	cJSON *doc = cJSON_Parse(str(x->runbook, "document"));
	for (int i = 0; rc == 0 && i < runbook_doc_step_count(doc); i++) {
		const cJSON *s = runbook_doc_step(doc, i);
		cJSON *row = cJSON_CreateObject();
		cJSON_AddNumberToObject(row, "idx", i);
		cJSON_AddStringToObject(row, "id", str(s, "id"));
		cJSON_AddStringToObject(row, "kind", str(s, "kind"));
		cJSON_AddStringToObject(row, "status", "pending");
		rc = store_step_insert(ctx->store, ctx->tenant, id, row, ctx->err);
		cJSON_Delete(row);
	}
	cJSON_Delete(doc);
	return rc;
}

static int launch_apply(struct op_ctx *ctx)
{
	struct exec_op *x = ctx->state;
	char id[KX_ID_MAX];
	kx_id_new("exe_", id);
	if (insert_execution(ctx, x, id))
		return -1;
	int rc = exec_load(ctx->store, ctx->tenant, id, &x->st, ctx->err);
	if (rc == 2)
		return -1;
	if (rc != 0)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the execution cannot be read");
	cJSON *data = cJSON_CreateObject();
	cJSON_AddItemToObject(data, "version", cJSON_Duplicate(cJSON_GetObjectItem(x->runbook, "version"), 1));
	if (exec_settle(ctx->store, ctx->tenant, &x->st, ctx->now, NULL, ctx->err) ||
	    exec_timeline(ctx->store, ctx->tenant, &x->st, "runbook_launched",
			  ctx->req->who->actor_id, data, ctx->receipt_id, ctx->now, ctx->err))
		return -1;
	ctx->status = 201;
	ctx->result = exec_view(&x->st);
	size_t n = strlen(id) + 20;
	if ((ctx->location = malloc(n)))
		snprintf(ctx->location, n, "/run-executions/%s", id);
	return 0;
}

/* ---- get, list ---- */

static int get_prepare(struct op_ctx *ctx)
{
	struct exec_op *x = exec_op_new(ctx);
	return x ? load_execution(ctx, x, false) : -1;
}

static int get_apply(struct op_ctx *ctx)
{
	ctx->result = exec_view(&((struct exec_op *)ctx->state)->st);
	return 0;
}

static int list_apply(struct op_ctx *ctx)
{
	int limit;
	const char *cursor = op_query(ctx, "cursor");
	if (cursor && !kx_id_valid(cursor, "exe_"))
		return kx_error_set(ctx->err, 400, "invalid_query", "cursor", "not a cursor");
	static const char *const statuses[] = {"running", "awaiting_approval", "succeeded", "failed",
					       "aborted", "rolling_back", "rolled_back"};
	const char *status = op_query(ctx, "status");
	bool known = !status;
	for (size_t i = 0; status && i < sizeof statuses / sizeof statuses[0]; i++)
		known = known || !strcmp(status, statuses[i]);
	if (!known)
		return kx_error_set(ctx->err, 400, "invalid_query", "status",
				    "status is one of running, awaiting_approval, succeeded, failed, "
				    "aborted, rolling_back, rolled_back");
	if (op_query_limit(ctx, &limit))
		return -1;
	cJSON *items = store_execution_list(ctx->store, ctx->tenant, op_query(ctx, "status"),
					    op_query(ctx, "incident_id"), cursor, limit);
	if (!items)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	cJSON *it;
	cJSON_ArrayForEach(it, items) cJSON_DeleteItemFromObject(it, "params");
	ctx->result = op_page(items, limit, "id");
	return 0;
}

/* ---- step.execute ---- */

/* The API.md answers for a step that may not run now. */
static int check_runnable(struct op_ctx *ctx, const struct exec_op *x)
{
	const struct exec_state *st = &x->st;
	const char *status = exec_step_status(st, x->step_idx);
	const char *kind = str(exec_step(st, x->step_idx), "kind");
	if (!strcmp(status, "succeeded") || !strcmp(status, "rolled_back"))
		return kx_error_set(ctx->err, 409, "step_already_done", NULL, "the step is done");
	if (exec_is_finished(exec_status(st)))
		return kx_error_set(ctx->err, 409, "execution_finished", NULL,
				    "the execution is %s", exec_status(st));
	if (!strcmp(kind, "approval"))
		return kx_error_set(ctx->err, 409, "approval_required", NULL,
				    "an approval step opens by signed approvals, not by execution");
	if (!strcmp(status, "running"))
		return kx_error_set(ctx->err, 409, "conflict", NULL, "the step is running");
	for (int i = 0; i < x->step_idx; i++) {
		const char *before = exec_step_status(st, i);
		if (strcmp(before, "succeeded") && strcmp(before, "skipped"))
			return kx_error_set(ctx->err, 409, "step_out_of_order", NULL,
					    "step %s comes first", str(exec_step(st, i), "id"));
	}
	return 0;
}

static int execute_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"note", "wait_s", NULL};
	const char *note;
	struct exec_op *x = exec_op_new(ctx);
	if (!x || load_execution(ctx, x, false) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "note", false, 2000, &note) || body_wait(ctx, &x->wait_s))
		return -1;
	x->step_idx = -1;
	for (int i = 0; ctx->req->sub_id && i < exec_step_count(&x->st); i++)
		if (!strcmp(str(exec_step(&x->st, i), "id"), ctx->req->sub_id))
			x->step_idx = i;
	if (x->step_idx < 0)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no step %s",
				    ctx->req->sub_id ? ctx->req->sub_id : "(none)");
	const char *kind = str(exec_step(&x->st, x->step_idx), "kind");
	struct kx_core *core = ctx->core;
	if (!strcmp(kind, "command") && core->command_steps_on &&
	    !core->command_steps_on(core->command_steps_cls, ctx->tenant))
		return kx_error_set(ctx->err, 404, "feature_disabled", NULL,
				    "command steps are switched off for this tenant");
	if (check_runnable(ctx, x))
		return -1;
	cJSON_AddStringToObject(ctx->resource, "step_id", ctx->req->sub_id);
	cJSON_AddStringToObject(ctx->resource, "step_kind", kind);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%.48s/%.40s", ctx->req->id,
		 ctx->req->sub_id);
	return 0;
}

static int execute_apply(struct op_ctx *ctx)
{
	struct exec_op *x = ctx->state;
	cJSON *row = exec_step(&x->st, x->step_idx);
	const char *kind = str(row, "kind");
	double attempts = cJSON_GetNumberValue(cJSON_GetObjectItem(row, "attempts"));
	exec_set(row, "attempts", cJSON_CreateNumber(attempts + 1));
	exec_set(row, "started_at", cJSON_CreateString(ctx->now));
	exec_set(row, "receipt_id", cJSON_CreateString(ctx->receipt_id));
	if (!strcmp(kind, "manual")) {
		exec_set(row, "status", cJSON_CreateString("succeeded"));
		exec_set(row, "finished_at", cJSON_CreateString(ctx->now));
		cJSON *data = cJSON_CreateObject();
		cJSON_AddStringToObject(data, "step_id", str(row, "id"));
		const char *note = str(ctx->body, "note");
		if (note)
			cJSON_AddStringToObject(data, "note", note);
		if (exec_save_step(ctx->store, ctx->tenant, &x->st, x->step_idx, ctx->err) ||
		    exec_settle(ctx->store, ctx->tenant, &x->st, ctx->now, ctx->receipt_id, ctx->err) ||
		    exec_timeline(ctx->store, ctx->tenant, &x->st, "step_executed",
				  ctx->req->who->actor_id, data, ctx->receipt_id, ctx->now, ctx->err))
			return -1;
		ctx->result = exec_step_view(&x->st, x->step_idx);
		return 0;
	}
	exec_set(row, "status", cJSON_CreateString("running"));
	if (exec_save_step(ctx->store, ctx->tenant, &x->st, x->step_idx, ctx->err) ||
	    add_cmd(ctx, x, x->step_idx, runbook_doc_step(x->st.doc, x->step_idx), false))
		return -1;
	ctx->status = 202;
	ctx->result = exec_step_view(&x->st, x->step_idx);
	ctx->after_commit = run_after_commit;
	return 0;
}

/* ---- abort, rollback ---- */

static int abort_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"reason", NULL};
	const char *reason;
	struct exec_op *x = exec_op_new(ctx);
	if (!x || load_execution(ctx, x, true) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "reason", true, 1000, &reason))
		return -1;
	if (exec_is_finished(exec_status(&x->st)))
		return kx_error_set(ctx->err, 409, "execution_finished", NULL,
				    "the execution is %s", exec_status(&x->st));
	return 0;
}

static void kill_after_commit(struct op_ctx *ctx, struct kx_response *resp)
{
	(void)resp;
	core_workers_kill(ctx->core, ctx->tenant, ctx->resource_id);
}

static int abort_apply(struct op_ctx *ctx)
{
	struct exec_op *x = ctx->state;
	cJSON *data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "reason", str(ctx->body, "reason"));
	if (exec_set_status(ctx->store, ctx->tenant, &x->st, "aborted", ctx->now, ctx->receipt_id,
			    ctx->err) ||
	    exec_timeline(ctx->store, ctx->tenant, &x->st, "execution_aborted",
			  ctx->req->who->actor_id, data, ctx->receipt_id, ctx->now, ctx->err))
		return -1;
	ctx->result = exec_view(&x->st);
	ctx->after_commit = kill_after_commit; /* a running command's group dies now */
	return 0;
}

static int rollback_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"reason", "wait_s", NULL};
	const char *reason;
	struct exec_op *x = exec_op_new(ctx);
	if (!x || load_execution(ctx, x, false) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "reason", true, 1000, &reason) || body_wait(ctx, &x->wait_s))
		return -1;
	const char *status = exec_status(&x->st);
	if (!strcmp(status, "rolling_back") || !strcmp(status, "rolled_back"))
		return kx_error_set(ctx->err, 409, "execution_finished", NULL,
				    "the execution is %s", status);
	for (int i = 0; i < exec_step_count(&x->st); i++)
		if (!strcmp(exec_step_status(&x->st, i), "running"))
			return kx_error_set(ctx->err, 409, "conflict", NULL,
					    "a step is running: abort the execution first");
	return 0;
}

static int rollback_apply(struct op_ctx *ctx)
{
	struct exec_op *x = ctx->state;
	x->rollback = true;
	/* Succeeded steps that declare a rollback, last first. */
	for (int i = exec_step_count(&x->st) - 1; i >= 0; i--) {
		const cJSON *rb = cJSON_GetObjectItem(runbook_doc_step(x->st.doc, i), "rollback");
		if (!rb || strcmp(exec_step_status(&x->st, i), "succeeded"))
			continue;
		if (add_cmd(ctx, x, i, rb, !strcmp(str(rb, "kind"), "manual")))
			return -1;
	}
	if (exec_set_status(ctx->store, ctx->tenant, &x->st, "rolling_back", ctx->now,
			    ctx->receipt_id, ctx->err))
		return -1;
	ctx->status = 202;
	ctx->result = exec_view(&x->st);
	ctx->after_commit = run_after_commit;
	return 0;
}

const struct op_def execution_ops[] = {
	{"runbook.launch", OP_MUTATION, launch_prepare, launch_apply, NULL, NULL},
	{"execution.get", OP_QUERY, get_prepare, get_apply, NULL, NULL},
	{"execution.list", OP_QUERY, NULL, list_apply, NULL, NULL},
	{"step.execute", OP_MUTATION, execute_prepare, execute_apply, NULL, NULL},
	{"execution.abort", OP_MUTATION, abort_prepare, abort_apply, NULL, NULL},
	{"execution.rollback", OP_MUTATION, rollback_prepare, rollback_apply, NULL, NULL},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
