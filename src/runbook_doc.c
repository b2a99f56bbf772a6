/* Runbook document validation. Every rule names the path of what broke it, so an author can
 * fix the document without guessing. */
#include "runbook_doc.h"

#include <stdio.h>
#include <string.h>

static const char *const RISKS[] = {"low", "medium", "high", "critical"};

static int bad(struct kx_error *err, const char *path, const char *why)
{
	char field[120];
	snprintf(field, sizeof field, "document%s%.100s", *path == '[' ? "" : ".", path);
	return kx_error_set(err, 400, "invalid_field", field, "%s: %s", field, why);
}

static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return false;
	return true;
}

static bool env_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static bool only_keys(const cJSON *o, const char *const *keys, const char **bad_key)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, o)
	{
		bool ok = false;
		for (const char *const *k = keys; *k && !ok; k++)
			ok = !strcmp(m->string, *k);
		if (!ok) {
			*bad_key = m->string;
			return false;
		}
	}
	return true;
}

static bool string_len(const cJSON *v, size_t lo, size_t hi)
{
	return cJSON_IsString(v) && strlen(v->valuestring) >= lo && strlen(v->valuestring) <= hi;
}

static int check_strings(const cJSON *a, int lo, int hi, size_t maxlen, const char *path,
			 struct kx_error *err)
{
	char p[100];
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < lo || cJSON_GetArraySize(a) > hi) {
		snprintf(p, sizeof p, "array of %d to %d strings", lo, hi);
		return bad(err, path, p);
	}
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, a)
	{
		if (!string_len(e, 1, maxlen)) {
			snprintf(p, sizeof p, "%s[%d]", path, i);
			return bad(err, p, "a non-empty string, not too long");
		}
		i++;
	}
	return 0;
}

static int check_argv(const cJSON *step, const char *path, struct kx_error *err)
{
	char p[100];
	snprintf(p, sizeof p, "%.80s.argv", path);
	return check_strings(cJSON_GetObjectItemCaseSensitive(step, "argv"), 1, 64, 4096, p, err);
}

static int check_env(const cJSON *env, const char *path, struct kx_error *err)
{
	char p[120];
	if (!env)
		return 0;
	snprintf(p, sizeof p, "%s.env", path);
	if (!cJSON_IsObject(env) || cJSON_GetArraySize(env) > 64)
		return bad(err, p, "an object of at most 64 variables");
	const cJSON *v;
	cJSON_ArrayForEach(v, env)
	{
		snprintf(p, sizeof p, "%s.env.%.40s", path, v->string);
		if (!env_name_ok(v->string) || !string_len(v, 0, 4096))
			return bad(err, p, "variables are NAMES_LIKE_THIS with string values");
	}
	return 0;
}

static int check_approvals(const cJSON *a, const char *path, struct kx_error *err)
{
	static const char *const keys[] = {"count", "roles", NULL};
	char p[100];
	const char *k;
	snprintf(p, sizeof p, "%s.approvals", path);
	if (!cJSON_IsObject(a) || !only_keys(a, keys, &k))
		return bad(err, p, "an object {count, roles}");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(a, "count");
	snprintf(p, sizeof p, "%s.approvals.count", path);
	if (!cJSON_IsNumber(count) || count->valuedouble < 1 || count->valuedouble > 10 ||
	    count->valuedouble != (int)count->valuedouble)
		return bad(err, p, "a whole number from 1 to 10");
	snprintf(p, sizeof p, "%s.approvals.roles", path);
	return check_strings(cJSON_GetObjectItemCaseSensitive(a, "roles"), 1, 16, 64, p, err);
}

static int check_rollback(const cJSON *rb, const char *path, struct kx_error *err)
{
	static const char *const keys[] = {"kind", "argv", "env", "timeout_s", NULL};
	char p[100];
	const char *k;
	if (!rb)
		return 0;
	snprintf(p, sizeof p, "%s.rollback", path);
	if (!cJSON_IsObject(rb) || !only_keys(rb, keys, &k))
		return bad(err, p, "an object {kind, argv?}");
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rb, "kind"));
	snprintf(p, sizeof p, "%s.rollback.kind", path);
	if (!kind || (strcmp(kind, "manual") && strcmp(kind, "command")))
		return bad(err, p, "manual or command");
	snprintf(p, sizeof p, "%s.rollback", path);
	if (!strcmp(kind, "command"))
		return check_argv(rb, p, err);
	return 0;
}

static int check_step(const cJSON *step, int i, const cJSON *steps, struct kx_error *err)
{
	static const char *const keys[] = {"id", "title", "kind", "argv", "env", "timeout_s",
					   "approvals", "rollback", NULL};
	char path[48], p[100];
	const char *k;
	snprintf(path, sizeof path, "steps[%d]", i);
	if (!cJSON_IsObject(step))
		return bad(err, path, "a step is an object");
	if (!only_keys(step, keys, &k)) {
		snprintf(p, sizeof p, "%s.%.40s", path, k);
		return bad(err, p, "unknown field");
	}
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(step, "id"));
	snprintf(p, sizeof p, "%s.id", path);
	if (!id_ok(id))
		return bad(err, p, "1 to 64 of letters, digits, '.', '_' and '-'");
	for (int j = 0; j < i; j++) {
		const char *other = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(steps, j), "id"));
		if (other && !strcmp(other, id))
			return bad(err, p, "step ids must be unique");
	}
	snprintf(p, sizeof p, "%s.title", path);
	if (!string_len(cJSON_GetObjectItemCaseSensitive(step, "title"), 1, 200))
		return bad(err, p, "1 to 200 characters");
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(step, "kind"));
	snprintf(p, sizeof p, "%s.kind", path);
	if (!kind || (strcmp(kind, "manual") && strcmp(kind, "command") && strcmp(kind, "approval")))
		return bad(err, p, "manual, command or approval");
	const cJSON *timeout = cJSON_GetObjectItemCaseSensitive(step, "timeout_s");
	snprintf(p, sizeof p, "%s.timeout_s", path);
	if (timeout && (!cJSON_IsNumber(timeout) || timeout->valuedouble < 1 ||
			timeout->valuedouble > 86400))
		return bad(err, p, "seconds from 1 to 86400");
	if (!strcmp(kind, "command") && (check_argv(step, path, err) ||
					 check_env(cJSON_GetObjectItemCaseSensitive(step, "env"), path, err)))
		return -1;
	if (strcmp(kind, "command") && (cJSON_GetObjectItemCaseSensitive(step, "argv") ||
					cJSON_GetObjectItemCaseSensitive(step, "env"))) {
		snprintf(p, sizeof p, "%s.argv", path);
		return bad(err, p, "only command steps have argv and env");
	}
	if (!strcmp(kind, "approval") &&
	    check_approvals(cJSON_GetObjectItemCaseSensitive(step, "approvals"), path, err))
		return -1;
	return check_rollback(cJSON_GetObjectItemCaseSensitive(step, "rollback"), path, err);
}

/* High-risk runbooks gate their first command behind an approval. */
static int check_gate(const cJSON *doc, const cJSON *steps, struct kx_error *err)
{
	const char *risk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "risk"));
	if (strcmp(risk, "high") && strcmp(risk, "critical"))
		return 0;
	int i = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, steps)
	{
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "kind"));
		if (!strcmp(kind, "approval"))
			return 0;
		if (!strcmp(kind, "command")) {
			char p[48];
			snprintf(p, sizeof p, "steps[%d]", i);
			return bad(err, p, "a high or critical runbook needs an approval step before "
					   "its first command step");
		}
		i++;
	}
	return 0;
}

int runbook_doc_validate(const cJSON *doc, bool allow_unapproved, struct kx_error *err)
{
	static const char *const keys[] = {"id", "name", "risk", "tags", "steps", "description",
					   NULL};
	const char *k;
	if (!cJSON_IsObject(doc))
		return bad(err, "", "the document is a JSON object");
	if (!only_keys(doc, keys, &k))
		return bad(err, k, "unknown field");
	if (!id_ok(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "id"))))
		return bad(err, "id", "1 to 64 of letters, digits, '.', '_' and '-'");
	if (!string_len(cJSON_GetObjectItemCaseSensitive(doc, "name"), 1, 200))
		return bad(err, "name", "1 to 200 characters");
	const char *risk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "risk"));
	bool risk_ok = false;
	for (size_t i = 0; risk && i < sizeof RISKS / sizeof RISKS[0]; i++)
		risk_ok = risk_ok || !strcmp(risk, RISKS[i]);
	if (!risk_ok)
		return bad(err, "risk", "low, medium, high or critical");
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(doc, "tags");
	if (tags && check_strings(tags, 0, 32, 64, "tags", err))
		return -1;
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(doc, "description");
	if (desc && !string_len(desc, 0, 20000))
		return bad(err, "description", "a string of at most 20000 characters");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(doc, "steps");
	if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) < 1 ||
	    cJSON_GetArraySize(steps) > RUNBOOK_MAX_STEPS)
		return bad(err, "steps", "an array of 1 to 100 steps");
	for (int i = 0; i < cJSON_GetArraySize(steps); i++)
		if (check_step(cJSON_GetArrayItem(steps, i), i, steps, err))
			return -1;
	return allow_unapproved ? 0 : check_gate(doc, steps, err);
}

const cJSON *runbook_doc_step(const cJSON *doc, int index)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "steps"), index);
}

int runbook_doc_step_count(const cJSON *doc)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "steps"));
}

int runbook_doc_step_index(const cJSON *doc, const char *step_id)
{
	int n = runbook_doc_step_count(doc);
	for (int i = 0; step_id && i < n; i++) {
		const char *id =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(runbook_doc_step(doc, i), "id"));
		if (id && !strcmp(id, step_id))
			return i;
	}
	return -1;
}
