/* Execution state and its rules. Steps run in order; an approval step opens (awaiting
 * approval) once everything before it has succeeded, and is skipped if the execution finishes
 * first; an execution is running, awaiting approval or succeeded by what its steps say, until
 * it is failed, aborted or rolled back. */
#include "execution.h"

#include <stdio.h>
#include <string.h>

#include "incident.h"
#include "runbook_check.h"

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

void exec_set(cJSON *row, const char *name, cJSON *value)
{
	if (cJSON_GetObjectItemCaseSensitive(row, name))
		cJSON_ReplaceItemInObjectCaseSensitive(row, name, value);
	else
		cJSON_AddItemToObject(row, name, value);
}

/* The document is taken only from a version that passes its check against the digest the
 * execution pinned at launch: an edit in the store must not change what a step runs. */
static int load(struct store *s, const char *tenant_id, const char *id, struct exec_state *out,
		bool strict, struct kx_error *err)
{
	memset(out, 0, sizeof *out);
	out->execution = id ? store_execution_get(s, tenant_id, id) : NULL;
	if (!out->execution)
		return 1;
	cJSON *rb = store_runbook_get(s, tenant_id, str(out->execution, "runbook_id"),
				      (int)cJSON_GetNumberValue(cJSON_GetObjectItem(out->execution, "runbook_version")));
	out->steps = store_step_list(s, tenant_id, id);
	struct kx_error cerr = {0};
	int rc = rb && out->steps ? 0 : -1;
	if (rc == 0 && runbook_check_version(s, tenant_id, rb,
					     str(out->execution, "runbook_digest"), &cerr)) {
		rc = cerr.status == 409 ? 2 : -1;
		if (err)
			*err = cerr;
	}
	if (rc == 0) {
		out->doc = cJSON_Parse(str(rb, "document"));
		snprintf(out->risk, sizeof out->risk, "%s", str(rb, "risk") ? str(rb, "risk") : "");
		rc = out->doc ? 0 : -1;
	} else if (rc == 2 && !strict) {
		out->doc_failed = true;
		rc = 0;
	}
	cJSON_Delete(rb);
	if (rc != 0)
		exec_state_free(out);
	return rc;
}

int exec_load(struct store *s, const char *tenant_id, const char *id, struct exec_state *out,
	      struct kx_error *err)
{
	return load(s, tenant_id, id, out, true, err);
}

int exec_load_rows(struct store *s, const char *tenant_id, const char *id,
		   struct exec_state *out)
{
	return load(s, tenant_id, id, out, false, NULL);
}

void exec_state_free(struct exec_state *st)
{
	cJSON_Delete(st->execution);
	cJSON_Delete(st->steps);
	cJSON_Delete(st->doc);
	memset(st, 0, sizeof *st);
}

const char *exec_status(const struct exec_state *st)
{
	return str(st->execution, "status");
}

bool exec_is_finished(const char *status)
{
	static const char *const done[] = {"succeeded", "failed", "aborted", "rolling_back",
					   "rolled_back"};
	for (size_t i = 0; status && i < sizeof done / sizeof done[0]; i++)
		if (!strcmp(status, done[i]))
			return true;
	return false;
}

cJSON *exec_step(const struct exec_state *st, int idx)
{
	return cJSON_GetArrayItem(st->steps, idx);
}

const char *exec_step_status(const struct exec_state *st, int idx)
{
	return str(exec_step(st, idx), "status");
}

int exec_step_count(const struct exec_state *st)
{
	return cJSON_GetArraySize(st->steps);
}

cJSON *exec_step_view(const struct exec_state *st, int idx)
{
	const cJSON *row = exec_step(st, idx);
	cJSON *v = cJSON_CreateObject();
	const char *fields[] = {"id",	     "kind",	   "status",	 "attempts",   "exit_code",
				"output",    "approvals",  "started_at", "finished_at", "receipt_id",
				"output_digest"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const cJSON *f = cJSON_GetObjectItem(row, fields[i]);
		cJSON_AddItemToObject(v, fields[i], f ? cJSON_Duplicate(f, 1) : cJSON_CreateNull());
	}
	const cJSON *doc_step = cJSON_GetArrayItem(cJSON_GetObjectItem(st->doc, "steps"), idx);
	cJSON_AddItemToObject(v, "title", cJSON_Duplicate(cJSON_GetObjectItem(doc_step, "title"), 1));
	const cJSON *gate = cJSON_GetObjectItem(doc_step, "approvals");
	if (gate)
		cJSON_AddItemToObject(v, "required",
				      cJSON_Duplicate(cJSON_GetObjectItem(gate, "count"), 1));
	return v;
}

cJSON *exec_view(const struct exec_state *st)
{
	cJSON *v = cJSON_Duplicate(st->execution, 1);
	cJSON_DeleteItemFromObject(v, "params");
	cJSON_AddStringToObject(v, "risk", st->risk);
	cJSON *steps = cJSON_AddArrayToObject(v, "steps");
	for (int i = 0; i < exec_step_count(st); i++)
		cJSON_AddItemToArray(steps, exec_step_view(st, i));
	return v;
}

int exec_save_step(struct store *s, const char *tenant_id, const struct exec_state *st, int idx,
		   struct kx_error *err)
{
	return store_step_update(s, tenant_id, str(st->execution, "id"), exec_step(st, idx), err);
}

/* Nothing can approve a gate of a finished execution, so it is closed with it (skipped): a
 * gate left awaiting approval would stay in the queue and the backlog for good. */
static int close_open_gates(struct store *s, const char *tenant_id, struct exec_state *st,
			    const char *now, struct kx_error *err)
{
	for (int i = 0; i < exec_step_count(st); i++) {
		if (strcmp(exec_step_status(st, i), "awaiting_approval"))
			continue;
		cJSON *row = exec_step(st, i);
		exec_set(row, "status", cJSON_CreateString("skipped"));
		exec_set(row, "finished_at", cJSON_CreateString(now));
		if (exec_save_step(s, tenant_id, st, i, err))
			return -1;
	}
	return 0;
}

int exec_set_status(struct store *s, const char *tenant_id, struct exec_state *st,
		    const char *status, const char *now, const char *receipt_id,
		    struct kx_error *err)
{
	if (exec_is_finished(status) && close_open_gates(s, tenant_id, st, now, err))
		return -1;
	exec_set(st->execution, "status", cJSON_CreateString(status));
	exec_set(st->execution, "updated_at", cJSON_CreateString(now));
	if (receipt_id)
		exec_set(st->execution, "receipt_id", cJSON_CreateString(receipt_id));
	return store_execution_set_status(s, tenant_id, str(st->execution, "id"), status, now,
					  receipt_id, err);
}

int exec_settle(struct store *s, const char *tenant_id, struct exec_state *st, const char *now,
		const char *receipt_id, struct kx_error *err)
{
	if (exec_is_finished(exec_status(st)))
		return 0;
	int n = exec_step_count(st);
	const char *status = "succeeded";
	for (int i = 0; i < n; i++) {
		const char *ss = exec_step_status(st, i);
		if (!strcmp(ss, "succeeded") || !strcmp(ss, "skipped"))
			continue;
		if (!strcmp(ss, "failed")) {
			status = "failed";
		} else if (!strcmp(str(exec_step(st, i), "kind"), "approval")) {
			if (!strcmp(ss, "pending")) { /* its turn has come: open the gate */
				cJSON *row = exec_step(st, i);
				exec_set(row, "status", cJSON_CreateString("awaiting_approval"));
				exec_set(row, "started_at", cJSON_CreateString(now));
				if (exec_save_step(s, tenant_id, st, i, err))
					return -1;
			}
			status = "awaiting_approval";
		} else {
			status = "running";
		}
		break;
	}
	if (!strcmp(status, exec_status(st)))
		return 0;
	return exec_set_status(s, tenant_id, st, status, now, receipt_id, err);
}

int exec_timeline(struct store *s, const char *tenant_id, const struct exec_state *st,
		  const char *kind, const char *actor, cJSON *data, const char *receipt_id,
		  const char *now, struct kx_error *err)
{
	const char *incident = str(st->execution, "incident_id");
	if (!incident) {
		cJSON_Delete(data);
		return 0;
	}
	if (!data)
		data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "execution_id", str(st->execution, "id"));
	cJSON_AddStringToObject(data, "runbook_id", str(st->execution, "runbook_id"));
	return incident_timeline_add(s, tenant_id, incident, kind, actor, data, receipt_id, now,
				     NULL, err);
}
