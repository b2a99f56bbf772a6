/* Role catalogs: a tenant's named roles, each granting the actions its patterns match, and
 * the default catalog a new tenant starts with. Validated once on upload, so granting is
 * only pattern matching. */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"
#include "policy_pattern.h"

/* Bounds that keep what a hostile upload can cost small and fixed. */
enum {
	ROLE_MAX_ROLES = 256,
	ROLE_MAX_NAME = 64,
	ROLE_MAX_PATTERNS = 256,
};

struct role {
	char *name;
	struct policy_pattern *patterns;
	size_t npatterns;
};

struct role_catalog {
	struct role *roles;
	size_t nroles;
};

void role_catalog_free(struct role_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nroles; i++) {
		free(c->roles[i].name);
		policy_pattern_list_free(c->roles[i].patterns, c->roles[i].npatterns);
	}
	free(c->roles);
	free(c);
}

static bool role_name_ok(const char *name)
{
	size_t n = strnlen(name, ROLE_MAX_NAME + 1);
	if (n == 0 || n > ROLE_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!policy_name_char(name[i]))
			return false;
	return true;
}

static int role_parse(struct role *r, const cJSON *item, const struct role *prior, size_t nprior,
		      struct kx_error *err)
{
	char at[sizeof err->field];
	policy_path_format(at, sizeof at, "roles.%s", item->string);
	if (!role_name_ok(item->string))
		return policy_invalid(err, at, "",
				      "a role name is 1-64 characters of a-z 0-9 _ -");
	for (size_t i = 0; i < nprior; i++)
		if (strcmp(prior[i].name, item->string) == 0)
			return policy_invalid(err, at, "", "role %s appears twice", item->string);
	if (!cJSON_IsArray(item))
		return policy_invalid(err, at, "", "a role takes an array of action patterns");
	if (!(r->name = strdup(item->string)))
		return policy_out_of_memory(err);
	return policy_pattern_list_parse(&r->patterns, &r->npatterns, item, ROLE_MAX_PATTERNS, at,
					 err);
}

struct role_catalog *role_catalog_parse(const cJSON *doc, struct kx_error *err)
{
	if (!cJSON_IsObject(doc)) {
		policy_invalid(err, "", "",
			       "a role catalog is a JSON object {\"roles\": {ROLE: [PATTERN]}}");
		return NULL;
	}
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(doc, "roles");
	if (!cJSON_IsObject(roles) || policy_has_duplicate(doc, "roles")) {
		policy_invalid(err, "roles", "",
			       "roles must appear once, as an object of ROLE: [PATTERN, ...]");
		return NULL;
	}
	size_t n = policy_count_upto(roles, ROLE_MAX_ROLES);
	if (n > ROLE_MAX_ROLES) {
		policy_invalid(err, "roles", "", "at most %d roles", ROLE_MAX_ROLES);
		return NULL;
	}
	struct role_catalog *c = calloc(1, sizeof *c);
	if (!c || !(c->roles = calloc(n ? n : 1, sizeof *c->roles))) {
		free(c);
		policy_out_of_memory(err);
		return NULL;
	}
	for (const cJSON *item = roles->child; item; item = item->next) {
		c->nroles++; /* counted first so role_catalog_free sees a half-built role */
		if (role_parse(&c->roles[c->nroles - 1], item, c->roles, c->nroles - 1, err)) {
			role_catalog_free(c);
			return NULL;
		}
	}
	return c;
}

static const struct role *role_find(const struct role_catalog *c, const char *name)
{
	for (size_t i = 0; i < c->nroles; i++)
		if (strcmp(c->roles[i].name, name) == 0)
			return &c->roles[i];
	return NULL;
}

bool role_catalog_grants(const struct role_catalog *c, const cJSON *roles, const char *action,
			 const char **granting_role)
{
	if (granting_role)
		*granting_role = NULL;
	if (!c || !cJSON_IsArray(roles) || !action)
		return false;
	for (const cJSON *e = roles->child; e; e = e->next) {
		const struct role *r = cJSON_IsString(e) ? role_find(c, e->valuestring) : NULL;
		if (r && policy_pattern_list_matches(r->patterns, r->npatterns, action)) {
			if (granting_role)
				*granting_role = r->name;
			return true;
		}
	}
	return false;
}

/* API.md's table with "viewer's" and "responder's" written out. */
static const char *const default_roles[][9] = {
	{"viewer", "*.get", "*.list", NULL},
	{"responder", "*.get", "*.list", "incident.*", "runbook.launch", "step.execute",
	 "execution.abort", NULL},
	{"commander", "*.get", "*.list", "incident.*", "runbook.launch", "step.execute",
	 "execution.abort", "execution.rollback", NULL},
	{"approver", "*.get", "*.list", "step.approve", NULL},
	{"runbook-author", "*.get", "*.list", "runbook.publish", NULL},
	{"auditor", "*.get", "*.list", "evidence.*", "receipt.*", "usage.report",
	 "policy.simulate", NULL},
	{"tenant-admin", "*", NULL},
};

cJSON *role_catalog_default_json(void)
{
	cJSON *doc = cJSON_CreateObject(), *roles = cJSON_AddObjectToObject(doc, "roles");
	if (!roles) {
		cJSON_Delete(doc);
		return NULL;
	}
	for (size_t i = 0; i < sizeof default_roles / sizeof default_roles[0]; i++) {
		int n = 0;
		while (default_roles[i][n + 1])
			n++;
		cJSON *arr = cJSON_CreateStringArray(&default_roles[i][1], n);
		if (!arr || !cJSON_AddItemToObject(roles, default_roles[i][0], arr)) {
			cJSON_Delete(arr);
			cJSON_Delete(doc);
			return NULL;
		}
	}
	return doc;
}
