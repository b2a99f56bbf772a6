/* libFuzzer harness: the policy engine. The input is four parts separated by NUL bytes: a
 * policy profile (JSON), a role catalog (JSON), an action name and the evaluation input
 * ({"subject", "resource", "context"}). Profiles and catalogs go through the same untrusted-
 * JSON gate as a request body (json_input_object), then policy_profile_parse and
 * role_catalog_parse; whatever parsed (else no profile / the default catalog) is evaluated.
 * Checked: a parse failure is a 400 naming a field; a decision always has its rules and
 * explanation arrays; and an allow always names what allowed it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_store.h"
#include "json_input.h"
#include "policy.h"

static cJSON *part(const uint8_t **data, size_t *size, size_t *len_out, const char **text,
		   bool json)
{
	const uint8_t *nul = memchr(*data, 0, *size);
	size_t n = nul ? (size_t)(nul - *data) : *size;
	*text = (const char *)*data;
	*len_out = n;
	struct kx_error err = {0};
	cJSON *doc = n && json ? json_input_object((const char *)*data, n, &err) : NULL;
	if (n && json && !doc && err.status != 400)
		abort();
	*data += n + (nul ? 1 : 0);
	*size -= n + (nul ? 1 : 0);
	return doc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cJSON *default_catalog_doc;
	static struct role_catalog *default_catalog;
	if (!default_catalog) {
		default_catalog_doc = role_catalog_default_json();
		struct kx_error e = {0};
		default_catalog = role_catalog_parse(default_catalog_doc, &e);
		if (!default_catalog)
			abort();
	}
	size_t n;
	const char *text;
	cJSON *pdoc = part(&data, &size, &n, &text, true);
	cJSON *cdoc = part(&data, &size, &n, &text, true);
	part(&data, &size, &n, &text, false); /* the action: text */
	char *action = fz_strndup((const uint8_t *)text, n);
	cJSON *input = size ? cJSON_ParseWithLength((const char *)data, size) : NULL;

	struct kx_error err = {0};
	struct policy_profile *profile = pdoc ? policy_profile_parse(pdoc, &err) : NULL;
	if (pdoc && !profile && (err.status != 400 || !err.code[0]))
		abort();
	struct kx_error cerr = {0};
	struct role_catalog *catalog = cdoc ? role_catalog_parse(cdoc, &cerr) : NULL;
	if (cdoc && !catalog && (cerr.status != 400 || !cerr.code[0]))
		abort();
	/* The profile and catalog own copies: their source documents may go now. */
	cJSON_Delete(pdoc);
	cJSON_Delete(cdoc);

	policy_pattern_valid(action);
	policy_pattern_matches(action, "incident.update");
	policy_pattern_matches("*.get", action);

	struct policy_decision d;
	policy_evaluate(profile, catalog ? catalog : default_catalog, action, input, &d);
	if (!cJSON_IsArray(d.rules) || !cJSON_IsArray(d.explanation))
		abort();
	if (d.allow && cJSON_GetArraySize(d.rules) == 0)
		abort(); /* an allow must say which role or permit rule granted it */
	policy_decision_free(&d);

	policy_profile_free(profile);
	role_catalog_free(catalog);
	cJSON_Delete(input);
	free(action);
	return 0;
}
