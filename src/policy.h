/* ABAC policy: role catalogs and policy profiles (policy-as-code), validated on upload and
 * evaluated Cedar-style — default deny, any matching forbid denies, otherwise allow when the
 * subject's roles grant the action or a permit rule matches. Evaluation is pure (no I/O, no
 * clock: time comes in the input's context), so a recorded decision can be replayed.
 *
 * Profile JSON:  {"name": "...", "rules": [{"id": "...", "effect": "permit"|"forbid",
 *                 "actions": ["incident.*", ...], "when"?: {ATTR: {OP: VALUE, ...}, ...},
 *                 "overridable"?: bool (forbid only, default true)}]}
 * ATTR is a dotted path whose root is subject, resource or context ("resource.severity",
 * "context.change.status"). OP is one of eq, ne, in, contains, gt, gte, lt, lte, exists.
 * VALUE is a JSON value, or {"ref": "subject.id"} naming another attribute. Every ATTR and
 * every OP in a rule must hold (AND). A condition that cannot be evaluated (missing attribute,
 * type mismatch) makes a forbid match and a permit not match: it fails closed.
 * Role catalog JSON: {"roles": {"ROLE": ["PATTERN", ...], ...}}; in a pattern `*` stands for
 * one or more whole dot-separated segments ("incident.*", "*.get", "*"). */
#ifndef KX_POLICY_H
#define KX_POLICY_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "error.h"

struct policy_profile;
struct role_catalog;

/* Parses and validates; NULL with err (400 "invalid_field", field = JSON path of the first
 * error such as "rules[2].when.resource.severity.eq" or "rules[0].effect"). The result owns
 * a copy of what it needs; the caller keeps `doc`. */
struct policy_profile *policy_profile_parse(const cJSON *doc, struct kx_error *err);
void policy_profile_free(struct policy_profile *p);

struct role_catalog *role_catalog_parse(const cJSON *doc, struct kx_error *err);
void role_catalog_free(struct role_catalog *c);
/* The catalog a new tenant starts with (API.md "Actions and default roles"); caller owns it. */
cJSON *role_catalog_default_json(void);

/* Does the action pattern match the action name? */
bool policy_pattern_matches(const char *pattern, const char *action);
/* Is the text a well-formed pattern (non-empty segments of [a-z0-9_-] or "*")? */
bool policy_pattern_valid(const char *pattern);
/* The names of the roles in `roles` (a JSON array of strings) that grant `action`. */
bool role_catalog_grants(const struct role_catalog *c, const cJSON *roles, const char *action,
			 const char **granting_role);

struct policy_decision {
	bool allow;
	/* Ids that decided, as a JSON array of strings owned by the decision: for a deny the
	 * matching forbid rules (empty for a default deny); for an allow the matching permit rules
	 * and "role:NAME" for the granting role. */
	cJSON *rules;
	/* False when a forbid rule with "overridable": false matched. */
	bool overridable;
	/* Array of strings for a person: why it was decided, naming for a deny the conditions
	 * that denied (e.g. "forbid no-close-sev1: resource.severity eq \"sev1\" held"). */
	cJSON *explanation;
};

/* Evaluates `action` for `input` = {"subject": {...}, "resource": {...}, "context": {...}}.
 * profile may be NULL (no rules). Always fills out (callers free it with
 * policy_decision_free). */
void policy_evaluate(const struct policy_profile *profile, const struct role_catalog *catalog,
		     const char *action, const cJSON *input, struct policy_decision *out);
void policy_decision_free(struct policy_decision *d);

#endif
