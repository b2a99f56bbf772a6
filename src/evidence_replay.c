/* Decision replay for `klaxon evidence verify --replay`. The policy documents of a bundle are
 * few (the versions in force during its window), so they are kept in memory and parsed once,
 * when a decision first needs them. */
#include "evidence_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct replay_doc {
	bool roles; /* a role catalog, else a policy profile */
	int version;
	char digest[48];
	char created_at[32];
	char *text;
	void *parsed; /* struct policy_profile * or struct role_catalog *, once parsed */
	bool unparsable;
};

struct replay {
	struct replay_doc *docs;
	size_t n, cap;
};

struct replay *replay_new(void)
{
	return calloc(1, sizeof(struct replay));
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct replay_doc *d = &r->docs[i];
		if (d->roles)
			role_catalog_free(d->parsed);
		else
			policy_profile_free(d->parsed);
		free(d->text);
	}
	free(r->docs);
	free(r);
}

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

int replay_add_doc(struct replay *r, const cJSON *line)
{
	const char *kind = str(line, "kind"), *digest = str(line, "digest"), *doc = str(line, "doc");
	const char *at = str(line, "created_at");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(line, "version");
	if (!kind || !digest || !doc || !at || !cJSON_IsNumber(version) || version->valueint < 1 ||
	    (strcmp(kind, "profile") != 0 && strcmp(kind, "roles") != 0))
		return -1;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct replay_doc *d = realloc(r->docs, cap * sizeof *d);
		if (!d)
			return -1;
		r->docs = d;
		r->cap = cap;
	}
	struct replay_doc *d = &r->docs[r->n];
	memset(d, 0, sizeof *d);
	d->roles = strcmp(kind, "roles") == 0;
	d->version = version->valueint;
	snprintf(d->digest, sizeof d->digest, "%s", digest);
	snprintf(d->created_at, sizeof d->created_at, "%s", at);
	if (!(d->text = strdup(doc)))
		return -1;
	r->n++;
	return 0;
}

static struct replay_doc *find(const struct replay *r, bool roles, int version)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->docs[i].roles == roles && r->docs[i].version == version)
			return &r->docs[i];
	return NULL;
}

bool replay_has_profile(const struct replay *r, int version, const char *digest)
{
	const struct replay_doc *d = find(r, false, version);
	return d && digest && strcmp(d->digest, digest) == 0;
}

/* The catalog in force at `at`, for records made before decisions named their catalog. */
static struct replay_doc *roles_at(const struct replay *r, const char *at)
{
	struct replay_doc *best = NULL;
	for (size_t i = 0; at && i < r->n; i++) {
		struct replay_doc *d = &r->docs[i];
		if (d->roles && strcmp(d->created_at, at) <= 0 && (!best || d->version > best->version))
			best = d;
	}
	return best;
}

static void *parsed(struct replay_doc *d)
{
	if (!d->parsed && !d->unparsable) {
		cJSON *doc = cJSON_Parse(d->text);
		d->parsed = !doc	 ? NULL
			    : d->roles ? (void *)role_catalog_parse(doc, NULL)
				       : (void *)policy_profile_parse(doc, NULL);
		d->unparsable = d->parsed == NULL;
		cJSON_Delete(doc);
	}
	return d->parsed;
}

static char *rules_text(const cJSON *rules)
{
	char *t = cJSON_PrintUnformatted(rules);
	return t ? t : strdup("?");
}

enum replay_outcome replay_decision(struct replay *r, const cJSON *record, char *why, size_t len)
{
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(record, "profile_version");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(record, "roles_version");
	const char *action = str(record, "action");
	*why = 0;
	if (!cJSON_IsNumber(pv)) {
		snprintf(why, len, "decided by the tenancy rules, not a policy");
		return REPLAY_TENANCY;
	}
	struct replay_doc *prof = find(r, false, pv->valueint);
	struct replay_doc *roles = cJSON_IsNumber(rv) ? find(r, true, rv->valueint)
						       : roles_at(r, str(record, "evaluated_at"));
	if (!prof || !roles || !action) {
		snprintf(why, len, "its policy documents (profile version %d) are not in the bundle",
			 pv->valueint);
		return REPLAY_NOT_REPLAYABLE;
	}
	if (!parsed(prof) || !parsed(roles)) {
		snprintf(why, len, "its policy documents do not parse");
		return REPLAY_NOT_REPLAYABLE;
	}
	/* An overridden decision was a deny that the override turned into an allow. */
	const cJSON *override = cJSON_GetObjectItemCaseSensitive(record, "override");
	bool want_allow = !override && strcmp(str(record, "effect") ? str(record, "effect") : "", "allow") == 0;
	const cJSON *want_rules = cJSON_GetObjectItemCaseSensitive(override ? override : record, "rules");
	struct policy_decision d = {0};
	policy_evaluate(prof->parsed, roles->parsed, action,
			cJSON_GetObjectItemCaseSensitive(record, "input"), &d);
	enum replay_outcome out = REPLAY_SAME;
	if (d.allow != want_allow || !cJSON_Compare(d.rules, want_rules, true)) {
		char *have = rules_text(d.rules), *want = rules_text(want_rules);
		snprintf(why, len, "recorded %s %s, replayed %s %s", want_allow ? "allow" : "deny", want,
			 d.allow ? "allow" : "deny", have);
		free(have);
		free(want);
		out = REPLAY_DRIFT;
	}
	policy_decision_free(&d);
	return out;
}
