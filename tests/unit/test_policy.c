/* Unit tests for the policy engine (src/policy.c): pattern matching, every condition operator
 * in its true/false/unknown states, forbid/permit/role precedence, decisions and their
 * explanations, the default role catalog, and validation of hostile or malformed uploads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

/* ---- helpers ---- */

static cJSON *json(const char *text)
{
	cJSON *doc = cJSON_Parse(text);
	assert_non_null(doc);
	return doc;
}

static struct policy_profile *profile(const char *text)
{
	cJSON *doc = json(text);
	struct kx_error err = {0};
	struct policy_profile *p = policy_profile_parse(doc, &err);
	if (!p)
		fail_msg("profile refused at %s: %s", err.field, err.message);
	cJSON_Delete(doc);
	return p;
}

static struct role_catalog *catalog(const char *text)
{
	cJSON *doc = json(text);
	struct kx_error err = {0};
	struct role_catalog *c = role_catalog_parse(doc, &err);
	if (!c)
		fail_msg("catalog refused at %s: %s", err.field, err.message);
	cJSON_Delete(doc);
	return c;
}

static struct role_catalog *default_catalog(void)
{
	cJSON *doc = role_catalog_default_json();
	assert_non_null(doc);
	struct kx_error err = {0};
	struct role_catalog *c = role_catalog_parse(doc, &err);
	assert_non_null(c);
	cJSON_Delete(doc);
	return c;
}

/* Evaluates and returns the decision; the caller frees it. */
static struct policy_decision decide(const struct policy_profile *p, const struct role_catalog *c,
				     const char *action, const char *input)
{
	struct policy_decision d;
	cJSON *in = input ? json(input) : NULL;
	policy_evaluate(p, c, action, in, &d);
	cJSON_Delete(in);
	assert_non_null(d.rules);
	assert_non_null(d.explanation);
	return d;
}

/* The decision's rules as one comma-separated string, for compact assertions. */
static void rules_text(const struct policy_decision *d, char *buf, size_t size)
{
	buf[0] = '\0';
	const cJSON *e;
	cJSON_ArrayForEach(e, d->rules)
	{
		assert_true(cJSON_IsString(e));
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, "%s%s", n ? "," : "", e->valuestring);
	}
}

static void assert_rules(const struct policy_decision *d, const char *expected)
{
	char buf[512];
	rules_text(d, buf, sizeof buf);
	assert_string_equal(buf, expected);
}

static bool explained(const struct policy_decision *d, const char *line)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, d->explanation)
	{
		if (cJSON_IsString(e) && strcmp(e->valuestring, line) == 0)
			return true;
	}
	return false;
}

static void assert_explained(const struct policy_decision *d, const char *line)
{
	if (!explained(d, line)) {
		char *all = cJSON_PrintUnformatted(d->explanation);
		fail_msg("explanation %s lacks \"%s\"", all, line);
		free(all);
	}
}

static void expect_profile_error(const char *text, const char *field)
{
	cJSON *doc = json(text);
	struct kx_error err = {0};
	struct policy_profile *p = policy_profile_parse(doc, &err);
	cJSON_Delete(doc);
	if (p) {
		policy_profile_free(p);
		fail_msg("profile accepted; expected an error at %s", field);
	}
	assert_int_equal(err.status, 400);
	assert_string_equal(err.code, "invalid_field");
	assert_string_equal(err.field, field);
	assert_true(strlen(err.message) > 0);
}

static void expect_catalog_error(const char *text, const char *field)
{
	cJSON *doc = json(text);
	struct kx_error err = {0};
	struct role_catalog *c = role_catalog_parse(doc, &err);
	cJSON_Delete(doc);
	if (c) {
		role_catalog_free(c);
		fail_msg("catalog accepted; expected an error at %s", field);
	}
	assert_int_equal(err.status, 400);
	assert_string_equal(err.code, "invalid_field");
	assert_string_equal(err.field, field);
}

static char *repeat_doc(const char *head, const char *item, size_t count, const char *tail)
{
	size_t n = strlen(head) + count * (strlen(item) + 1) + strlen(tail) + 1;
	char *s = malloc(n), *w = s;
	assert_non_null(s);
	w += sprintf(w, "%s", head);
	for (size_t i = 0; i < count; i++)
		w += sprintf(w, "%s%s", i ? "," : "", item);
	sprintf(w, "%s", tail);
	return s;
}

/* ---- precedence ---- */

static void test_default_deny(void **state)
{
	(void)state;
	struct role_catalog *c = catalog("{\"roles\": {\"viewer\": [\"*.get\"]}}");
	struct policy_decision d = decide(NULL, c, "incident.update",
					  "{\"subject\": {\"id\": \"a1\", \"roles\": [\"viewer\"]}}");
	assert_false(d.allow);
	assert_int_equal(cJSON_GetArraySize(d.rules), 0);
	assert_true(d.overridable);
	assert_explained(&d, "no role or permit rule grants incident.update");
	policy_decision_free(&d);

	d = decide(NULL, NULL, "incident.get", NULL); /* no catalog, no input */
	assert_false(d.allow);
	policy_decision_free(&d);
	role_catalog_free(c);
}

static void test_forbid_overrides_permit(void **state)
{
	(void)state;
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"rules\": ["
		"{\"id\": \"p1\", \"effect\": \"permit\", \"actions\": [\"incident.*\"]},"
		"{\"id\": \"f1\", \"effect\": \"forbid\", \"actions\": [\"incident.update\"]}]}");
	struct policy_decision d = decide(p, NULL, "incident.update", "{}");
	assert_false(d.allow);
	assert_rules(&d, "f1");
	assert_explained(&d, "forbid f1: applies to every incident.update");
	policy_decision_free(&d);

	d = decide(p, NULL, "incident.note", "{}");
	assert_true(d.allow);
	assert_rules(&d, "p1");
	assert_explained(&d, "permit p1 matched");
	policy_decision_free(&d);
	policy_profile_free(p);
}

static void test_forbid_overrides_role_grant(void **state)
{
	(void)state;
	struct role_catalog *c = default_catalog();
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"rules\": [{\"id\": \"no-close-sev1\", \"effect\": \"forbid\","
		" \"actions\": [\"incident.update\"],"
		" \"when\": {\"resource.severity\": {\"eq\": \"sev1\"}}}]}");
	const char *sev1 = "{\"subject\": {\"roles\": [\"responder\"]},"
			   " \"resource\": {\"severity\": \"sev1\"}}";
	const char *sev2 = "{\"subject\": {\"roles\": [\"responder\"]},"
			   " \"resource\": {\"severity\": \"sev2\"}}";
	struct policy_decision d = decide(p, c, "incident.update", sev1);
	assert_false(d.allow);
	assert_rules(&d, "no-close-sev1");
	assert_explained(&d, "forbid no-close-sev1: resource.severity eq \"sev1\" held");
	policy_decision_free(&d);

	d = decide(p, c, "incident.update", sev2);
	assert_true(d.allow);
	assert_rules(&d, "role:responder");
	assert_explained(&d, "role responder grants incident.update");
	policy_decision_free(&d);
	policy_profile_free(p);
	role_catalog_free(c);
}

static void test_permit_and_role_both_recorded(void **state)
{
	(void)state;
	struct role_catalog *c = default_catalog();
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"rules\": ["
		"{\"id\": \"own\", \"effect\": \"permit\", \"actions\": [\"incident.update\"],"
		" \"when\": {\"resource.commander\": {\"eq\": {\"ref\": \"subject.id\"}}}}]}");
	struct policy_decision d = decide(
		p, c, "incident.update",
		"{\"subject\": {\"id\": \"a1\", \"roles\": [\"viewer\", \"responder\"]},"
		" \"resource\": {\"commander\": \"a1\"}}");
	assert_true(d.allow);
	assert_rules(&d, "own,role:responder");
	policy_decision_free(&d);

	d = decide(p, c, "incident.update",
		   "{\"subject\": {\"id\": \"a1\", \"roles\": [\"viewer\"]},"
		   " \"resource\": {\"commander\": \"a1\"}}");
	assert_true(d.allow);
	assert_rules(&d, "own");
	policy_decision_free(&d);
	policy_profile_free(p);
	role_catalog_free(c);
}

/* ---- patterns ---- */

static void test_pattern_matching(void **state)
{
	(void)state;
	static const struct {
		const char *pattern, *action;
		bool match;
	} cases[] = {
		{"incident.*", "incident.create", true},
		{"incident.*", "incident", false},
		{"incident.*", "incident.a.b", true},
		{"incident.*", "incidents.create", false},
		{"*.get", "incident.get", true},
		{"*.get", "a.b.get", true},
		{"*.get", "get", false},
		{"*.get", "incident.getx", false},
		{"*.get", "incident.get.x", false},
		{"*", "incident.create", true},
		{"*", "a", true},
		{"*", "a.b.c.d", true},
		{"incident.*.x", "incident.a.x", true},
		{"incident.*.x", "incident.a.b.x", true},
		{"incident.*.x", "incident.x", false},
		{"incident.*.x", "incident.a.y", false},
		{"*.*", "a", false},
		{"*.*", "a.b", true},
		{"*.*", "a.b.c", true},
		{"*.b.*", "a.b.c", true},
		{"*.b.*", "b.b.b", true},
		{"*.b.*", "a.b", false},
		{"incident.update", "incident.update", true},
		{"incident.update", "incident.updat", false},
		{"incident.update", "incident.update.x", false},
		{"*", "", false},
		{"*", "incident..get", false},
		{"*", "incident.", false},
		{"*.get", ".get", false},
		{"inc*", "incident.get", false}, /* invalid pattern matches nothing */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (policy_pattern_matches(cases[i].pattern, cases[i].action) != cases[i].match)
			fail_msg("pattern %s vs %s: expected %s", cases[i].pattern,
				 cases[i].action, cases[i].match ? "match" : "no match");
}

static void test_pattern_validity(void **state)
{
	(void)state;
	const char *good[] = {"*", "incident.*", "*.get", "incident.*.x", "actor.rotate_token",
			      "runbook-author.x", "*.*"};
	const char *bad[] = {"", "inc*", "*inc", "incident.", ".get", "a..b", "Incident.get",
			     "incident.get ", "**", "a.*b", "incident/get"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!policy_pattern_valid(good[i]))
			fail_msg("%s should be valid", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (policy_pattern_valid(bad[i]))
			fail_msg("\"%s\" should be invalid", bad[i]);
	assert_false(policy_pattern_valid(NULL));
	char longp[200];
	memset(longp, 'a', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	assert_false(policy_pattern_valid(longp));
}

static void test_pattern_no_backtracking_blowup(void **state)
{
	(void)state;
	/* Many stars against a long action: a backtracking matcher would take ages here. */
	const char *pattern = "*.*.*.*.*.*.*.*.*.*.*.*.*.*.z";
	char action[4096] = "";
	for (int i = 0; i < 1000; i++)
		strcat(action, "a.");
	strcat(action, "y");
	assert_true(policy_pattern_valid(pattern));
	assert_false(policy_pattern_matches(pattern, action));
	action[strlen(action) - 1] = 'z';
	assert_true(policy_pattern_matches(pattern, action));
}

/* ---- operators ---- */

enum expect { F, T, U };

/* Each condition under each input: a forbid matches on T or U, a permit only on T. */
static void check_condition(const char *cond, const char *input, enum expect want)
{
	char forbid[1024], permit[1024];
	snprintf(forbid, sizeof forbid,
		 "{\"name\": \"t\", \"rules\": [{\"id\": \"f\", \"effect\": \"forbid\","
		 " \"actions\": [\"*\"], \"when\": %s}]}", cond);
	snprintf(permit, sizeof permit,
		 "{\"name\": \"t\", \"rules\": [{\"id\": \"p\", \"effect\": \"permit\","
		 " \"actions\": [\"*\"], \"when\": %s}]}", cond);
	struct policy_profile *pf = profile(forbid), *pp = profile(permit);
	struct policy_decision df = decide(pf, NULL, "incident.update", input);
	struct policy_decision dp = decide(pp, NULL, "incident.update", input);
	bool forbid_matched = !df.allow && cJSON_GetArraySize(df.rules) == 1;
	if (forbid_matched != (want != F) || dp.allow != (want == T))
		fail_msg("%s on %s: expected %s, forbid matched=%d permit matched=%d", cond, input,
			 want == T ? "true" : want == F ? "false" : "unknown", forbid_matched,
			 dp.allow);
	policy_decision_free(&df);
	policy_decision_free(&dp);
	policy_profile_free(pf);
	policy_profile_free(pp);
}

static void test_operators(void **state)
{
	(void)state;
	static const struct {
		const char *cond, *input;
		enum expect want;
	} cases[] = {
		/* eq / ne */
		{"{\"resource.s\": {\"eq\": \"sev1\"}}", "{\"resource\": {\"s\": \"sev1\"}}", T},
		{"{\"resource.s\": {\"eq\": \"sev1\"}}", "{\"resource\": {\"s\": \"sev2\"}}", F},
		{"{\"resource.s\": {\"eq\": \"sev1\"}}", "{\"resource\": {}}", U},
		{"{\"resource.s\": {\"eq\": \"sev1\"}}", "{\"resource\": {\"s\": null}}", U},
		{"{\"resource.s\": {\"eq\": \"1\"}}", "{\"resource\": {\"s\": 1}}", U},
		{"{\"resource.n\": {\"eq\": 3}}", "{\"resource\": {\"n\": 3.0}}", T},
		{"{\"resource.b\": {\"eq\": true}}", "{\"resource\": {\"b\": true}}", T},
		{"{\"resource.b\": {\"eq\": true}}", "{\"resource\": {\"b\": false}}", F},
		{"{\"resource.s\": {\"eq\": \"x\"}}", "{\"resource\": {\"s\": [\"x\"]}}", U},
		{"{\"resource.s\": {\"ne\": \"sev1\"}}", "{\"resource\": {\"s\": \"sev2\"}}", T},
		{"{\"resource.s\": {\"ne\": \"sev1\"}}", "{\"resource\": {\"s\": \"sev1\"}}", F},
		{"{\"resource.s\": {\"ne\": \"sev1\"}}", "{}", U},
		{"{\"resource.s\": {\"ne\": \"sev1\"}}", "{\"resource\": {\"s\": false}}", U},
		/* in */
		{"{\"resource.s\": {\"in\": [\"sev1\", \"sev2\"]}}", "{\"resource\": {\"s\": \"sev2\"}}", T},
		{"{\"resource.s\": {\"in\": [\"sev1\", \"sev2\"]}}", "{\"resource\": {\"s\": \"sev3\"}}", F},
		{"{\"resource.s\": {\"in\": [\"sev1\", \"sev2\"]}}", "{\"resource\": {}}", U},
		{"{\"resource.s\": {\"in\": [\"sev1\", \"sev2\"]}}", "{\"resource\": {\"s\": 1}}", U},
		{"{\"resource.s\": {\"in\": [\"sev1\", 2]}}", "{\"resource\": {\"s\": 1}}", F},
		{"{\"resource.s\": {\"in\": []}}", "{\"resource\": {\"s\": \"x\"}}", F},
		{"{\"resource.s\": {\"in\": [\"a\"]}}", "{\"resource\": {\"s\": {\"a\": 1}}}", U},
		/* in with an array attribute: any element */
		{"{\"subject.roles\": {\"in\": [\"commander\", \"tenant-admin\"]}}",
		 "{\"subject\": {\"roles\": [\"viewer\", \"commander\"]}}", T},
		{"{\"subject.roles\": {\"in\": [\"commander\", \"tenant-admin\"]}}",
		 "{\"subject\": {\"roles\": [\"viewer\", \"responder\"]}}", F},
		{"{\"subject.roles\": {\"in\": [\"commander\"]}}", "{\"subject\": {\"roles\": []}}", F},
		{"{\"subject.roles\": {\"in\": [\"commander\"]}}", "{\"subject\": {\"roles\": [1, 2]}}", U},
		/* contains */
		{"{\"subject.roles\": {\"contains\": \"auditor\"}}",
		 "{\"subject\": {\"roles\": [\"viewer\", \"auditor\"]}}", T},
		{"{\"subject.roles\": {\"contains\": \"auditor\"}}",
		 "{\"subject\": {\"roles\": [\"viewer\"]}}", F},
		{"{\"subject.roles\": {\"contains\": \"auditor\"}}", "{\"subject\": {}}", U},
		{"{\"subject.roles\": {\"contains\": \"auditor\"}}",
		 "{\"subject\": {\"roles\": \"auditor\"}}", U},
		{"{\"subject.roles\": {\"contains\": \"auditor\"}}", "{\"subject\": {\"roles\": [7]}}", U},
		/* ordering: numbers */
		{"{\"resource.n\": {\"gt\": 5}}", "{\"resource\": {\"n\": 6}}", T},
		{"{\"resource.n\": {\"gt\": 5}}", "{\"resource\": {\"n\": 5}}", F},
		{"{\"resource.n\": {\"gte\": 5}}", "{\"resource\": {\"n\": 5}}", T},
		{"{\"resource.n\": {\"gte\": 5}}", "{\"resource\": {\"n\": 4.5}}", F},
		{"{\"resource.n\": {\"lt\": 5}}", "{\"resource\": {\"n\": -1}}", T},
		{"{\"resource.n\": {\"lt\": 5}}", "{\"resource\": {\"n\": 5}}", F},
		{"{\"resource.n\": {\"lte\": 5}}", "{\"resource\": {\"n\": 5}}", T},
		{"{\"resource.n\": {\"lte\": 5}}", "{\"resource\": {\"n\": 6}}", F},
		{"{\"resource.n\": {\"gt\": 5}}", "{\"resource\": {\"n\": \"6\"}}", U},
		{"{\"resource.n\": {\"lt\": 5}}", "{\"resource\": {}}", U},
		{"{\"resource.n\": {\"gte\": 5}}", "{\"resource\": {\"n\": true}}", U},
		{"{\"resource.n\": {\"lte\": 5}}", "{\"resource\": {\"n\": [1]}}", U},
		/* ordering: strings, bytewise (RFC 3339 times) */
		{"{\"context.time\": {\"gte\": \"2026-11-28T22:00:00Z\"}}",
		 "{\"context\": {\"time\": \"2026-11-28T23:30:00Z\"}}", T},
		{"{\"context.time\": {\"gte\": \"2026-11-28T22:00:00Z\"}}",
		 "{\"context\": {\"time\": \"2026-11-28T09:30:00Z\"}}", F},
		{"{\"context.time\": {\"lt\": \"2026-11-28T22:00:00Z\"}}",
		 "{\"context\": {\"time\": \"2026-11-28T09:30:00Z\"}}", T},
		{"{\"context.time\": {\"lt\": \"2026-11-28T22:00:00Z\"}}",
		 "{\"context\": {\"time\": 1764370000}}", U},
		/* exists: never unknown */
		{"{\"resource.c\": {\"exists\": true}}", "{\"resource\": {\"c\": \"a1\"}}", T},
		{"{\"resource.c\": {\"exists\": true}}", "{\"resource\": {}}", F},
		{"{\"resource.c\": {\"exists\": true}}", "{\"resource\": {\"c\": null}}", F},
		{"{\"resource.c\": {\"exists\": false}}", "{\"resource\": {}}", T},
		{"{\"resource.c\": {\"exists\": false}}", "{}", T},
		{"{\"resource.c\": {\"exists\": false}}", "{\"resource\": {\"c\": 0}}", F},
		/* nested paths */
		{"{\"context.change.status\": {\"eq\": \"resolved\"}}",
		 "{\"context\": {\"change\": {\"status\": \"resolved\"}}}", T},
		{"{\"context.change.status\": {\"eq\": \"resolved\"}}",
		 "{\"context\": {\"change\": \"resolved\"}}", U},
		/* all conditions must hold; one false stops even a forbid */
		{"{\"resource.s\": {\"eq\": \"sev1\"}, \"resource.n\": {\"gt\": 1}}",
		 "{\"resource\": {\"s\": \"sev1\", \"n\": 2}}", T},
		{"{\"resource.s\": {\"eq\": \"sev1\"}, \"resource.n\": {\"gt\": 1}}",
		 "{\"resource\": {\"s\": \"sev2\"}}", F},
		{"{\"resource.s\": {\"eq\": \"sev1\"}, \"resource.n\": {\"gt\": 1}}",
		 "{\"resource\": {\"s\": \"sev1\"}}", U},
		{"{\"resource.n\": {\"gt\": 1, \"lt\": 5}}", "{\"resource\": {\"n\": 3}}", T},
		{"{\"resource.n\": {\"gt\": 1, \"lt\": 5}}", "{\"resource\": {\"n\": 7}}", F},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_condition(cases[i].cond, cases[i].input, cases[i].want);
}

static void test_references(void **state)
{
	(void)state;
	static const struct {
		const char *cond, *input;
		enum expect want;
	} cases[] = {
		{"{\"resource.commander\": {\"ne\": {\"ref\": \"subject.id\"}}}",
		 "{\"subject\": {\"id\": \"a2\"}, \"resource\": {\"commander\": \"a1\"}}", T},
		{"{\"resource.commander\": {\"ne\": {\"ref\": \"subject.id\"}}}",
		 "{\"subject\": {\"id\": \"a1\"}, \"resource\": {\"commander\": \"a1\"}}", F},
		{"{\"resource.commander\": {\"ne\": {\"ref\": \"subject.id\"}}}",
		 "{\"subject\": {\"id\": \"a1\"}, \"resource\": {}}", U},
		{"{\"resource.commander\": {\"ne\": {\"ref\": \"subject.id\"}}}",
		 "{\"subject\": {}, \"resource\": {\"commander\": \"a1\"}}", U},
		{"{\"resource.commander\": {\"ne\": {\"ref\": \"subject.id\"}}}",
		 "{\"subject\": {\"id\": 1}, \"resource\": {\"commander\": \"a1\"}}", U},
		{"{\"context.time\": {\"lt\": {\"ref\": \"resource.deadline\"}}}",
		 "{\"context\": {\"time\": \"2026-01-01T00:00:00Z\"},"
		 " \"resource\": {\"deadline\": \"2026-02-01T00:00:00Z\"}}", T},
		{"{\"subject.id\": {\"in\": {\"ref\": \"resource.approvers\"}}}",
		 "{\"subject\": {\"id\": \"a1\"}, \"resource\": {\"approvers\": [\"a0\", \"a1\"]}}", T},
		{"{\"subject.id\": {\"in\": {\"ref\": \"resource.approvers\"}}}",
		 "{\"subject\": {\"id\": \"a9\"}, \"resource\": {\"approvers\": [\"a0\", \"a1\"]}}", F},
		{"{\"subject.id\": {\"in\": {\"ref\": \"resource.approvers\"}}}",
		 "{\"subject\": {\"id\": \"a1\"}, \"resource\": {\"approvers\": \"a1\"}}", U},
		{"{\"resource.approvers\": {\"contains\": {\"ref\": \"subject.id\"}}}",
		 "{\"subject\": {\"id\": \"a1\"}, \"resource\": {\"approvers\": [\"a1\"]}}", T},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_condition(cases[i].cond, cases[i].input, cases[i].want);
}

/* ---- decisions ---- */

static void test_forbid_commander_only(void **state)
{
	(void)state;
	struct role_catalog *c = default_catalog();
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"rules\": [{\"id\": \"only-commander-closes\", \"effect\":"
		" \"forbid\", \"actions\": [\"incident.update\"], \"when\": {"
		" \"context.change.status\": {\"eq\": \"closed\"},"
		" \"resource.commander\": {\"ne\": {\"ref\": \"subject.id\"}}}}]}");
	struct policy_decision d = decide(
		p, c, "incident.update",
		"{\"subject\": {\"id\": \"a2\", \"roles\": [\"responder\"]},"
		" \"resource\": {\"commander\": \"a1\"},"
		   " \"context\": {\"change\": {\"status\": \"closed\"}}}");
	assert_false(d.allow);
	assert_rules(&d, "only-commander-closes");
	assert_explained(&d, "forbid only-commander-closes: context.change.status eq \"closed\" held");
	assert_explained(&d, "forbid only-commander-closes: resource.commander ne subject.id held");
	policy_decision_free(&d);

	d = decide(p, c, "incident.update",
		   "{\"subject\": {\"id\": \"a1\", \"roles\": [\"responder\"]},"
		   " \"resource\": {\"commander\": \"a1\"},"
		   " \"context\": {\"change\": {\"status\": \"closed\"}}}");
	assert_true(d.allow);
	policy_decision_free(&d);

	d = decide(p, c, "incident.update",
		   "{\"subject\": {\"roles\": [\"responder\"]},"
		   " \"resource\": {\"commander\": \"a1\"},"
		   " \"context\": {\"change\": {\"status\": \"closed\"}}}");
	assert_false(d.allow);
	assert_explained(&d, "forbid only-commander-closes: resource.commander ne subject.id could "
			     "not be evaluated (missing referenced attribute)");
	policy_decision_free(&d);
	policy_profile_free(p);
	role_catalog_free(c);
}

static void test_explanation_unknown(void **state)
{
	(void)state;
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"rules\": [{\"id\": \"no-close-sev1\", \"effect\": \"forbid\","
		" \"actions\": [\"incident.update\"],"
		" \"when\": {\"resource.severity\": {\"eq\": \"sev1\"}}}]}");
	struct policy_decision d = decide(p, NULL, "incident.update", "{\"resource\": {}}");
	assert_false(d.allow);
	assert_explained(&d, "forbid no-close-sev1: resource.severity eq \"sev1\" could not be "
			     "evaluated (missing attribute)");
	policy_decision_free(&d);

	d = decide(p, NULL, "incident.update", "{\"resource\": {\"severity\": 1}}");
	assert_explained(&d, "forbid no-close-sev1: resource.severity eq \"sev1\" could not be "
			     "evaluated (type mismatch)");
	policy_decision_free(&d);
	policy_profile_free(p);
}

/* Arrays from the input are compared only up to a bound, past which a condition is unknown:
 * a forbid then holds and a permit does not. */
static void test_huge_input_arrays(void **state)
{
	(void)state;
	char *input = repeat_doc("{\"subject\": {\"id\": \"a1\"}, \"resource\": {\"tags\": [",
				 "\"t\"", 5000, "]}}");
	static const char *conds[] = {
		"{\"resource.tags\": {\"contains\": \"x\"}}",
		"{\"resource.tags\": {\"in\": [\"x\"]}}",
		"{\"subject.id\": {\"in\": {\"ref\": \"resource.tags\"}}}",
	};
	for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++)
		check_condition(conds[i], input, U);
	free(input);
	input = repeat_doc("{\"resource\": {\"tags\": [", "\"t\"", 1024, "]}}");
	check_condition("{\"resource.tags\": {\"contains\": \"x\"}}", input, F);
	free(input);
}

static void test_overridable(void **state)
{
	(void)state;
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"rules\": ["
		"{\"id\": \"soft\", \"effect\": \"forbid\", \"actions\": [\"incident.*\"]},"
		"{\"id\": \"soft2\", \"effect\": \"forbid\", \"actions\": [\"*.update\"],"
		" \"overridable\": true},"
		"{\"id\": \"hard\", \"effect\": \"forbid\", \"actions\": [\"runbook.*\"],"
		" \"overridable\": false}]}");
	struct policy_decision d = decide(p, NULL, "incident.update", "{}");
	assert_false(d.allow);
	assert_true(d.overridable);
	assert_rules(&d, "soft,soft2");
	policy_decision_free(&d);

	d = decide(p, NULL, "runbook.update", "{}");
	assert_false(d.allow);
	assert_false(d.overridable);
	assert_rules(&d, "soft2,hard");
	policy_decision_free(&d);
	policy_profile_free(p);
}

/* ---- role catalogs ---- */

static void test_default_catalog(void **state)
{
	(void)state;
	struct role_catalog *c = default_catalog();
	static const struct {
		const char *role, *action;
		bool allow;
	} cases[] = {
		{"responder", "incident.update", true},
		{"viewer", "incident.update", false},
		{"viewer", "incident.get", true},
		{"viewer", "receipt.list", true},
		{"auditor", "receipt.list", true},
		{"auditor", "evidence.export", true},
		{"auditor", "incident.update", false},
		{"responder", "execution.rollback", false},
		{"commander", "execution.rollback", true},
		{"commander", "incident.create", true},
		{"approver", "step.approve", true},
		{"approver", "step.execute", false},
		{"runbook-author", "runbook.publish", true},
		{"tenant-admin", "signing_key.add", true},
		{"responder", "roles.set", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char input[128];
		snprintf(input, sizeof input, "{\"subject\": {\"roles\": [\"%s\"]}}", cases[i].role);
		struct policy_decision d = decide(NULL, c, cases[i].action, input);
		if (d.allow != cases[i].allow)
			fail_msg("%s %s: expected %s", cases[i].role, cases[i].action,
				 cases[i].allow ? "allow" : "deny");
		policy_decision_free(&d);
	}
	role_catalog_free(c);
}

static void test_default_catalog_json(void **state)
{
	(void)state;
	cJSON *doc = role_catalog_default_json();
	cJSON *want = json(
		"{\"roles\": {\"viewer\": [\"*.get\", \"*.list\"],"
		" \"responder\": [\"*.get\", \"*.list\", \"incident.*\", \"runbook.launch\","
		" \"step.execute\", \"execution.abort\"],"
		" \"commander\": [\"*.get\", \"*.list\", \"incident.*\", \"runbook.launch\","
		" \"step.execute\", \"execution.abort\", \"execution.rollback\"],"
		" \"approver\": [\"*.get\", \"*.list\", \"step.approve\"],"
		" \"runbook-author\": [\"*.get\", \"*.list\", \"runbook.publish\"],"
		" \"auditor\": [\"*.get\", \"*.list\", \"evidence.*\", \"receipt.*\","
		" \"usage.report\", \"policy.simulate\"],"
		" \"tenant-admin\": [\"*\"]}}");
	assert_true(cJSON_Compare(doc, want, true));
	cJSON_Delete(doc);
	cJSON_Delete(want);
}

static void test_unknown_role_grants_nothing(void **state)
{
	(void)state;
	struct role_catalog *c = default_catalog();
	const char *role = "x";
	cJSON *roles = json("[\"ghost\", 7, null]");
	assert_false(role_catalog_grants(c, roles, "incident.get", &role));
	assert_null(role);
	cJSON_Delete(roles);

	roles = json("[\"ghost\", \"auditor\"]");
	assert_true(role_catalog_grants(c, roles, "receipt.list", &role));
	assert_string_equal(role, "auditor");
	cJSON_Delete(roles);

	struct policy_decision d =
		decide(NULL, c, "incident.get", "{\"subject\": {\"roles\": \"viewer\"}}");
	assert_false(d.allow); /* roles must be an array */
	policy_decision_free(&d);
	role_catalog_free(c);
}

static void test_catalog_errors(void **state)
{
	(void)state;
	expect_catalog_error("[]", "");
	expect_catalog_error("{}", "roles");
	expect_catalog_error("{\"roles\": []}", "roles");
	expect_catalog_error("{\"roles\": {\"responder\": [\"*.get\", \"*.list\", \"incident.*\","
			     " \"inc*\"]}}", "roles.responder[3]");
	expect_catalog_error("{\"roles\": {\"responder\": [\"*.get\", 5]}}", "roles.responder[1]");
	expect_catalog_error("{\"roles\": {\"Responder\": []}}", "roles.Responder");
	expect_catalog_error("{\"roles\": {\"a b\": []}}", "roles.a b");
	expect_catalog_error("{\"roles\": {\"\": []}}", "roles.");
	expect_catalog_error("{\"roles\": {\"responder\": \"*\"}}", "roles.responder");
	expect_catalog_error("{\"roles\": {\"r\": [], \"r\": [\"*\"]}}", "roles.r");
	char name[80];
	memset(name, 'a', 65);
	name[65] = '\0';
	char doc[200];
	snprintf(doc, sizeof doc, "{\"roles\": {\"%s\": []}}", name);
	char field[100];
	snprintf(field, sizeof field, "roles.%s", name);
	expect_catalog_error(doc, field);

	struct role_catalog *c = catalog("{\"roles\": {\"empty\": [], \"runbook-author_2\": [\"*\"]}}");
	role_catalog_free(c);
}

/* ---- validation: one test per error kind ---- */

#define RULE_HEAD "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\"," \
		  " \"actions\": [\"*\"]}, "
#define FIELD_TEST(name, doc, field)                     \
	static void name(void **state)                   \
	{                                                \
		(void)state;                             \
		expect_profile_error(doc, field);        \
	}

FIELD_TEST(test_err_unknown_operator,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": {\"resource.severity\": {\"eq\": \"sev1\", \"foo\": 1}}}]}",
	   "rules[1].when.resource.severity.foo")
FIELD_TEST(test_err_attribute_root,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": {\"user.id\": {\"eq\": \"a1\"}}}]}",
	   "rules[1].when.user.id")
FIELD_TEST(test_err_attribute_malformed,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": {\"resource..id\": {\"eq\": \"a1\"}}}]}",
	   "rules[1].when.resource..id")
FIELD_TEST(test_err_attribute_bare_root,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": {\"subject\": {\"exists\": true}}}]}",
	   "rules[1].when.subject")
FIELD_TEST(test_err_attribute_not_object,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": {\"resource.id\": \"a1\"}}]}",
	   "rules[1].when.resource.id")
FIELD_TEST(test_err_when_not_object,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": [1]}]}",
	   "rules[1].when")
FIELD_TEST(test_err_effect,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"allow\","
	   " \"actions\": [\"*\"]}]}",
	   "rules[0].effect")
FIELD_TEST(test_err_effect_missing,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"actions\": [\"*\"]}]}",
	   "rules[0].effect")
FIELD_TEST(test_err_id_missing,
	   "{\"name\": \"t\", \"rules\": [{\"effect\": \"permit\", \"actions\": [\"*\"]}]}",
	   "rules[0].id")
FIELD_TEST(test_err_id_not_string,
	   "{\"name\": \"t\", \"rules\": [{\"id\": 5, \"effect\": \"permit\","
	   " \"actions\": [\"*\"]}]}",
	   "rules[0].id")
FIELD_TEST(test_err_id_duplicate,
	   RULE_HEAD "{\"id\": \"a\", \"effect\": \"forbid\", \"actions\": [\"*\"]}]}",
	   "rules[1].id")
FIELD_TEST(test_err_id_too_long,
	   "{\"name\": \"t\", \"rules\": [{\"id\": "
	   "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	   " \"effect\": \"permit\", \"actions\": [\"*\"]}]}",
	   "rules[0].id")
FIELD_TEST(test_err_id_bad_chars,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"role:x\", \"effect\": \"permit\","
	   " \"actions\": [\"*\"]}]}",
	   "rules[0].id")
FIELD_TEST(test_err_actions_missing,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\"}]}",
	   "rules[0].actions")
FIELD_TEST(test_err_actions_empty,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
	   " \"actions\": []}]}",
	   "rules[0].actions")
FIELD_TEST(test_err_actions_pattern,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
	   " \"actions\": [\"incident.get\", \"*.list\", \"inc*\"]}]}",
	   "rules[0].actions[2]")
FIELD_TEST(test_err_in_not_array,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": {\"resource.severity\": {\"in\": \"sev1\"}}}]}",
	   "rules[1].when.resource.severity.in")
FIELD_TEST(test_err_in_element,
	   RULE_HEAD "{\"id\": \"b\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		     " \"when\": {\"resource.severity\": {\"in\": [\"sev1\", [\"x\"]]}}}]}",
	   "rules[1].when.resource.severity.in[1]")
FIELD_TEST(test_err_ref_path,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"when\": {\"resource.commander\":"
	   " {\"ne\": {\"ref\": \"actor.id\"}}}}]}",
	   "rules[0].when.resource.commander.ne.ref")
FIELD_TEST(test_err_ref_shape,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"when\": {\"resource.commander\":"
	   " {\"ne\": {\"ref\": \"subject.id\", \"x\": 1}}}}]}",
	   "rules[0].when.resource.commander.ne")
FIELD_TEST(test_err_ref_not_string,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"when\": {\"resource.commander\":"
	   " {\"eq\": {\"ref\": 3}}}}]}",
	   "rules[0].when.resource.commander.eq.ref")
FIELD_TEST(test_err_exists_value,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"when\": {\"resource.c\": {\"exists\": \"yes\"}}}]}",
	   "rules[0].when.resource.c.exists")
FIELD_TEST(test_err_order_value,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"when\": {\"resource.n\": {\"gt\": [1]}}}]}",
	   "rules[0].when.resource.n.gt")
FIELD_TEST(test_err_eq_null,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"when\": {\"resource.n\": {\"eq\": null}}}]}",
	   "rules[0].when.resource.n.eq")
FIELD_TEST(test_err_overridable_not_bool,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"overridable\": \"no\"}]}",
	   "rules[0].overridable")
FIELD_TEST(test_err_overridable_on_permit,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
	   " \"actions\": [\"*\"], \"overridable\": false}]}",
	   "rules[0].overridable")
FIELD_TEST(test_err_name_missing, "{\"rules\": []}", "name")
FIELD_TEST(test_err_name_not_string, "{\"name\": 1, \"rules\": []}", "name")
FIELD_TEST(test_err_rules_not_array, "{\"name\": \"t\", \"rules\": {}}", "rules")
FIELD_TEST(test_err_rules_missing, "{\"name\": \"t\"}", "rules")
FIELD_TEST(test_err_rule_not_object, RULE_HEAD "\"forbid everything\"]}", "rules[1]")
FIELD_TEST(test_err_unknown_member,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
	   " \"actions\": [\"*\"], \"whne\": {\"resource.s\": {\"eq\": 1}}}]}",
	   "rules[0].whne")
FIELD_TEST(test_err_duplicate_member,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"forbid\","
	   " \"actions\": [\"*\"], \"effect\": \"permit\"}]}",
	   "rules[0].effect")
FIELD_TEST(test_err_not_object, "[]", "")

/* The first error wins when there are several. */
FIELD_TEST(test_err_first_wins,
	   "{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
	   " \"actions\": [\"*\"], \"when\": {\"resource.a\": {\"eq\": 1},"
	   " \"resource.b\": {\"bogus\": 1}, \"nope.c\": {\"eq\": 1}}},"
	   " {\"id\": 1}]}",
	   "rules[0].when.resource.b.bogus")

static void test_valid_profile_accepted(void **state)
{
	(void)state;
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"version\": 3, \"rules\": ["
		"{\"id\": \"a.b_c-1\", \"effect\": \"forbid\", \"actions\": [\"*\"],"
		" \"description\": \"why\", \"overridable\": false, \"when\": {}},"
		"{\"id\": \"x\", \"effect\": \"permit\", \"actions\": [\"incident.*.x\"],"
		" \"when\": {\"resource.Tag_x\": {\"in\": []}, \"context.t\": {\"gte\": 1.5}}}]}");
	policy_profile_free(p);
	p = profile("{\"name\": \"empty\", \"rules\": []}");
	struct policy_decision d = decide(p, NULL, "incident.get", "{}");
	assert_false(d.allow);
	policy_decision_free(&d);
	policy_profile_free(p);
}

/* ---- hostile input ---- */

static void expect_profile_error_owned(char *text, const char *field)
{
	expect_profile_error(text, field);
	free(text);
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	expect_profile_error_owned(
		repeat_doc("{\"name\": \"t\", \"rules\": [",
			   "{\"id\": \"a\", \"effect\": \"permit\", \"actions\": [\"*\"]}", 1001,
			   "]}"),
		"rules");
	expect_profile_error_owned(
		repeat_doc("{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
			   " \"actions\": [", "\"incident.get\"", 100000, "]}]}"),
		"rules[0].actions");
	expect_profile_error_owned(
		repeat_doc("{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
			   " \"actions\": [\"*\"], \"when\": {\"resource.s\": {\"in\": [",
			   "\"x\"", 100000, "]}}}]}"),
		"rules[0].when.resource.s.in");
	expect_profile_error_owned(
		repeat_doc("{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\": \"permit\","
			   " \"actions\": [\"*\"], \"when\": {",
			   "\"resource.s\": {\"eq\": 1}", 1000, "}}]}"),
		"rules[0].when");
	expect_profile_error_owned(
		repeat_doc("{\"name\": \"t\", \"rules\": [", "7", 50000, "]}"), "rules");
	expect_profile_error_owned(
		repeat_doc("{\"name\": \"t\", \"rules\": [", "7", 10, "]}"), "rules[0]");
	/* 1000 distinct rules are fine */
	char *ok = malloc(1000 * 80 + 64), *w = ok;
	assert_non_null(ok);
	w += sprintf(w, "{\"name\": \"t\", \"rules\": [");
	for (int i = 0; i < 1000; i++)
		w += sprintf(w, "%s{\"id\": \"r%d\", \"effect\": \"permit\", \"actions\": [\"x.y\"]}",
			     i ? "," : "", i);
	sprintf(w, "]}");
	struct policy_profile *p = profile(ok);
	free(ok);
	struct policy_decision d = decide(p, NULL, "incident.get", "{}");
	assert_false(d.allow);
	policy_decision_free(&d);
	policy_profile_free(p);
}

static void test_hostile_nesting(void **state)
{
	(void)state;
	/* deep nesting where a scalar belongs */
	char *deep = repeat_doc("{\"name\": \"t\", \"rules\": [{\"id\": \"a\", \"effect\":"
				" \"forbid\", \"actions\": [\"*\"], \"when\": {\"resource.s\": {\"eq\": ",
				"", 0, "");
	size_t depth = 900, n = strlen(deep);
	deep = realloc(deep, n + 2 * depth + 16);
	assert_non_null(deep);
	memset(deep + n, '[', depth);
	memset(deep + n + depth, ']', depth);
	strcpy(deep + n + 2 * depth, "}}}]}");
	expect_profile_error_owned(deep, "rules[0].when.resource.s.eq");

	/* deep nesting in the input: only the named path is walked */
	struct policy_profile *p = profile(
		"{\"name\": \"t\", \"rules\": [{\"id\": \"f\", \"effect\": \"forbid\","
		" \"actions\": [\"*\"], \"when\": {\"resource.a.a.a\": {\"eq\": 1}}}]}");
	char *in = malloc(depth * 6 + 64), *w = in;
	assert_non_null(in);
	w += sprintf(w, "{\"resource\": ");
	for (size_t i = 0; i < depth; i++)
		w += sprintf(w, "{\"a\":");
	w += sprintf(w, "1");
	for (size_t i = 0; i < depth; i++)
		*w++ = '}';
	sprintf(w, "}");
	struct policy_decision d = decide(p, NULL, "incident.get", in);
	free(in);
	assert_false(d.allow);
	assert_explained(&d, "forbid f: resource.a.a.a eq 1 could not be evaluated (type mismatch)");
	policy_decision_free(&d);

	/* non-object inputs */
	d = decide(p, NULL, "incident.get", "[1, 2]");
	assert_false(d.allow);
	assert_rules(&d, "f");
	policy_decision_free(&d);
	d = decide(p, NULL, NULL, "\"x\"");
	assert_false(d.allow);
	policy_decision_free(&d);
	policy_profile_free(p);

	struct kx_error err = {0};
	assert_null(policy_profile_parse(NULL, &err));
	assert_string_equal(err.field, "");
	assert_null(role_catalog_parse(NULL, &err));
	assert_null(policy_profile_parse(NULL, NULL)); /* err is optional */
}

static void test_hostile_catalog(void **state)
{
	(void)state;
	char *doc = malloc(300 * 24 + 64), *w = doc;
	assert_non_null(doc);
	w += sprintf(w, "{\"roles\": {");
	for (int i = 0; i < 300; i++)
		w += sprintf(w, "%s\"r%d\": []", i ? "," : "", i);
	sprintf(w, "}}");
	expect_catalog_error(doc, "roles");
	free(doc);
	doc = repeat_doc("{\"roles\": {\"r\": [", "\"*\"", 100000, "]}}");
	expect_catalog_error(doc, "roles.r");
	free(doc);
	doc = repeat_doc("{\"roles\": {\"r\": [", "{\"a\": [[[[[[1]]]]]]}", 3, "]}}");
	expect_catalog_error(doc, "roles.r[0]");
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_deny),
		cmocka_unit_test(test_forbid_overrides_permit),
		cmocka_unit_test(test_forbid_overrides_role_grant),
		cmocka_unit_test(test_permit_and_role_both_recorded),
		cmocka_unit_test(test_pattern_matching),
		cmocka_unit_test(test_pattern_validity),
		cmocka_unit_test(test_pattern_no_backtracking_blowup),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_forbid_commander_only),
		cmocka_unit_test(test_explanation_unknown),
		cmocka_unit_test(test_huge_input_arrays),
		cmocka_unit_test(test_overridable),
		cmocka_unit_test(test_default_catalog),
		cmocka_unit_test(test_default_catalog_json),
		cmocka_unit_test(test_unknown_role_grants_nothing),
		cmocka_unit_test(test_catalog_errors),
		cmocka_unit_test(test_err_unknown_operator),
		cmocka_unit_test(test_err_attribute_root),
		cmocka_unit_test(test_err_attribute_malformed),
		cmocka_unit_test(test_err_attribute_bare_root),
		cmocka_unit_test(test_err_attribute_not_object),
		cmocka_unit_test(test_err_when_not_object),
		cmocka_unit_test(test_err_effect),
		cmocka_unit_test(test_err_effect_missing),
		cmocka_unit_test(test_err_id_missing),
		cmocka_unit_test(test_err_id_not_string),
		cmocka_unit_test(test_err_id_duplicate),
		cmocka_unit_test(test_err_id_too_long),
		cmocka_unit_test(test_err_id_bad_chars),
		cmocka_unit_test(test_err_actions_missing),
		cmocka_unit_test(test_err_actions_empty),
		cmocka_unit_test(test_err_actions_pattern),
		cmocka_unit_test(test_err_in_not_array),
		cmocka_unit_test(test_err_in_element),
		cmocka_unit_test(test_err_ref_path),
		cmocka_unit_test(test_err_ref_shape),
		cmocka_unit_test(test_err_ref_not_string),
		cmocka_unit_test(test_err_exists_value),
		cmocka_unit_test(test_err_order_value),
		cmocka_unit_test(test_err_eq_null),
		cmocka_unit_test(test_err_overridable_not_bool),
		cmocka_unit_test(test_err_overridable_on_permit),
		cmocka_unit_test(test_err_name_missing),
		cmocka_unit_test(test_err_name_not_string),
		cmocka_unit_test(test_err_rules_not_array),
		cmocka_unit_test(test_err_rules_missing),
		cmocka_unit_test(test_err_rule_not_object),
		cmocka_unit_test(test_err_unknown_member),
		cmocka_unit_test(test_err_duplicate_member),
		cmocka_unit_test(test_err_not_object),
		cmocka_unit_test(test_err_first_wins),
		cmocka_unit_test(test_valid_profile_accepted),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_hostile_nesting),
		cmocka_unit_test(test_hostile_catalog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
