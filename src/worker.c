/* Command chains on their own threads, and the record each command leaves when it ends. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "execution.h"
#include "json_input.h"
#include "ops.h"
#include "runner.h"

struct worker {
	struct worker *next; /* in core->workers */
	struct kx_core *core;
	char tenant[64], execution_id[KX_ID_MAX], actor[KX_ID_MAX], start_receipt[KX_ID_MAX];
	bool rollback;
	struct worker_cmd *cmds;
	int n;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct runner_job *job; /* the command running now */
	bool killed, done;
};

void worker_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Output goes into JSON: invalid UTF-8 bytes become '?' so every answer stays valid. */
static char *printable_output(const char *out, size_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = 1;
		unsigned char c = (unsigned char)out[i];
		if (c >= 0x80)
			n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (n > len - i || !json_utf8_valid(out + i, n) || (c < 0x20 && c != '\n' && c != '\t')) {
			s[i] = c == '\r' ? '\r' : '?';
			i++;
			continue;
		}
		memcpy(s + i, out + i, n);
		i += n;
	}
	s[len] = 0;
	return s;
}

/* The end of one command, as one write: the step's result, a receipt carrying the output's
 * digest, a timeline event, and the execution's new status. */
struct end_write {
	struct worker *w;
	const struct worker_cmd *cmd;
	const struct runner_result *res;
	bool ok;
	const char *raw, *output, *digest;
	size_t raw_len;
};

static int write_end(void *cls, struct kx_error *err)
{
	struct end_write *e = cls;
	struct worker *w = e->w;
	struct kx_core *core = w->core;
	char now[KX_TIME_LEN], receipt[KX_ID_MAX], resource[160], rule[80];
	kx_time_format(kx_clock_now_ms(), now);
	struct exec_state st;
	if (exec_load_rows(core_writer(core), w->tenant, w->execution_id, &st) != 0)
		return kx_error_set(err, 503, "unavailable", NULL, "execution %s vanished",
				    w->execution_id);
	cJSON *row = exec_step(&st, e->cmd->step_idx);
	const char *step_id = cJSON_GetStringValue(cJSON_GetObjectItem(row, "id"));
	snprintf(resource, sizeof resource, "%s/%s", w->execution_id, step_id);
	snprintf(rule, sizeof rule, "%s:%s", w->rollback ? "rollback" : "step.finish",
		 w->start_receipt);
	int rc = ops_system_receipt(core, w->tenant, w->actor,
				    w->rollback ? "execution.rollback" : "step.execute", resource,
				    rule, e->raw, NULL, receipt, err);
	const char *status = w->rollback ? (e->ok || e->cmd->manual ? "rolled_back" : "failed")
					 : (e->ok ? "succeeded" : "failed");
	exec_set(row, "status", cJSON_CreateString(status));
	if (!e->cmd->manual) {
		exec_set(row, "exit_code", e->res ? cJSON_CreateNumber(e->res->exit_code) : cJSON_CreateNull());
		exec_set(row, "output", cJSON_CreateString(e->output ? e->output : ""));
		exec_set(row, "output_digest", cJSON_CreateString(e->digest));
	}
	int64_t started;
	if (!e->cmd->manual && !w->rollback &&
	    !kx_time_parse(cJSON_GetStringValue(cJSON_GetObjectItem(row, "started_at")), &started))
		core_stats_step(core, cJSON_GetStringValue(cJSON_GetObjectItem(st.execution, "runbook_id")),
				(double)(kx_clock_now_ms() - started) / 1e3, !e->ok);
	exec_set(row, "finished_at", cJSON_CreateString(now));
	exec_set(row, "receipt_id", cJSON_CreateString(receipt));
	if (rc == 0)
		rc = exec_save_step(core_writer(core), w->tenant, &st, e->cmd->step_idx, err);
	cJSON *data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "step_id", step_id);
	cJSON_AddNumberToObject(data, "exit_code", e->res ? e->res->exit_code : -1);
	if (w->rollback)
		cJSON_AddBoolToObject(data, "rollback", true);
	if (rc == 0)
		rc = exec_timeline(core_writer(core), w->tenant, &st, e->ok ? "step_executed" : "step_failed",
				   w->actor, data, receipt, now, err);
	else
		cJSON_Delete(data);
	if (rc == 0 && !w->rollback && !e->ok && !exec_is_finished(exec_status(&st)))
		rc = exec_set_status(core_writer(core), w->tenant, &st, "failed", now, receipt, err);
	else if (rc == 0 && !w->rollback)
		rc = exec_settle(core_writer(core), w->tenant, &st, now, receipt, err);
	exec_state_free(&st);
	return rc;
}

static int record_end(struct worker *w, const struct worker_cmd *cmd,
		      const struct runner_result *res, struct kx_error *err)
{
	char digest[DIGEST_B64_LEN];
	struct end_write e = {.w = w, .cmd = cmd, .res = res,
			      .raw = res && res->output ? res->output : "",
			      .raw_len = res ? res->output_len : 0, .digest = digest};
	e.ok = res && res->exit_code == 0 && !res->timed_out && !res->killed;
	digest_sha256_b64(e.raw, e.raw_len, digest);
	char *output = printable_output(e.raw, e.raw_len);
	e.output = output;
	int rc = core_write(w->core, write_end, &e, err);
	free(output);
	return e.ok || cmd->manual ? rc : -1;
}

/* After the last rollback command: the execution is rolled back. */
static int write_rolled_back(void *cls, struct kx_error *err)
{
	struct worker *w = cls;
	struct kx_core *core = w->core;
	char now[KX_TIME_LEN], receipt[KX_ID_MAX], rule[80];
	kx_time_format(kx_clock_now_ms(), now);
	snprintf(rule, sizeof rule, "rollback.complete:%s", w->start_receipt);
	struct exec_state st;
	if (exec_load_rows(core_writer(core), w->tenant, w->execution_id, &st) != 0)
		return kx_error_set(err, 503, "unavailable", NULL, "execution %s vanished",
				    w->execution_id);
	int rc = ops_system_receipt(core, w->tenant, w->actor, "execution.rollback",
				    w->execution_id, rule, NULL, NULL, receipt, err);
	if (rc == 0)
		rc = exec_set_status(core_writer(core), w->tenant, &st, "rolled_back", now, receipt, err);
	if (rc == 0)
		rc = exec_timeline(core_writer(core), w->tenant, &st, "execution_rolled_back", w->actor,
				   NULL, receipt, now, err);
	exec_state_free(&st);
	return rc;
}

static void finish_rollback(struct worker *w)
{
	struct kx_error err = {0};
	core_write(w->core, write_rolled_back, w, &err);
}

static int run_one(struct worker *w, struct worker_cmd *cmd)
{
	struct kx_error err = {0};
	if (cmd->manual)
		return record_end(w, cmd, NULL, &err);
	struct runner_job *job = NULL;
	pthread_mutex_lock(&w->lock);
	bool killed = w->killed;
	pthread_mutex_unlock(&w->lock);
	if (killed)
		return -1;
	if (runner_start(cmd->argv, cmd->env, cmd->timeout_s, w->core->sandbox, NULL, NULL, &job,
			 &err)) {
		struct runner_result failed = {.exit_code = -1, .output = err.message,
					       .output_len = strlen(err.message)};
		return record_end(w, cmd, &failed, &err);
	}
	pthread_mutex_lock(&w->lock);
	w->job = job;
	if (w->killed)
		runner_kill(job);
	pthread_mutex_unlock(&w->lock);
	while (!runner_wait(job, 3600))
		;
	pthread_mutex_lock(&w->lock);
	w->job = NULL;
	pthread_mutex_unlock(&w->lock);
	int rc = record_end(w, cmd, runner_result(job), &err);
	runner_release(job);
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < w->n; i++)
		if (run_one(w, &w->cmds[i]) && !w->rollback)
			break; /* a failed step ends the execution; a rollback tries every step */
	if (w->rollback)
		finish_rollback(w);
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void worker_free(struct worker *w)
{
	pthread_join(w->thread, NULL);
	for (int i = 0; i < w->n; i++) {
		worker_strv_free(w->cmds[i].argv);
		worker_strv_free(w->cmds[i].env);
	}
	free(w->cmds);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

int worker_start(struct kx_core *core, const char *tenant_id, const char *execution_id,
		 const char *actor_id, const char *start_receipt, bool rollback,
		 struct worker_cmd *cmds, int n, struct worker **out, struct kx_error *err)
{
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return kx_error_set(err, 503, "unavailable", NULL, "out of memory");
	w->core = core;
	snprintf(w->tenant, sizeof w->tenant, "%s", tenant_id);
	snprintf(w->execution_id, sizeof w->execution_id, "%s", execution_id);
	snprintf(w->actor, sizeof w->actor, "%s", actor_id);
	snprintf(w->start_receipt, sizeof w->start_receipt, "%s", start_receipt);
	w->rollback = rollback;
	w->cmds = cmds;
	w->n = n;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return kx_error_set(err, 503, "unavailable", NULL, "cannot start a thread");
	}
	pthread_mutex_lock(&core->workers_lock);
	w->next = core->workers;
	core->workers = w;
	pthread_mutex_unlock(&core->workers_lock);
	*out = w;
	return 0;
}

bool worker_wait(struct worker *w, double seconds)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	long long ns = (long long)(seconds * 1e9);
	until.tv_sec += (time_t)(ns / 1000000000LL);
	until.tv_nsec += (long)(ns % 1000000000LL);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &until) != 0)
			break;
	bool done = w->done;
	pthread_mutex_unlock(&w->lock);
	return done;
}

static void worker_kill(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->killed = true;
	if (w->job)
		runner_kill(w->job);
	pthread_mutex_unlock(&w->lock);
}

void core_workers_kill(struct kx_core *core, const char *tenant_id, const char *execution_id)
{
	pthread_mutex_lock(&core->workers_lock);
	for (struct worker *w = core->workers; w; w = w->next)
		if (!strcmp(w->tenant, tenant_id) && !strcmp(w->execution_id, execution_id))
			worker_kill(w);
	pthread_mutex_unlock(&core->workers_lock);
}

void core_workers_reap(struct kx_core *core, bool all)
{
	pthread_mutex_lock(&core->workers_lock);
	struct worker **pp = &core->workers, *gone = NULL;
	while (*pp) {
		struct worker *w = *pp;
		if (all)
			worker_kill(w);
		if (all || worker_wait(w, 0)) {
			*pp = w->next;
			w->next = gone;
			gone = w;
		} else {
			pp = &w->next;
		}
	}
	pthread_mutex_unlock(&core->workers_lock);
	/* Joined outside the registry's lock: a finishing worker takes the core's lock. */
	while (gone) {
		struct worker *next = gone->next;
		worker_free(gone);
		gone = next;
	}
}
