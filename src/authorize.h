/* The decision step of the pipeline: builds the input attributes, applies tenancy (tenant
 * status, actions across tenants) and evaluates the tenant's role catalog and policy profile.
 * The result is what the receipt summarises and the decision record keeps for replay. */
#ifndef KX_AUTHORIZE_H
#define KX_AUTHORIZE_H

#include "ops.h"

struct authz {
	bool allow;
	bool overridable;
	cJSON *rules;       /* ids that decided (owned) */
	cJSON *explanation; /* strings for a person (owned) */
	cJSON *input;       /* {subject, resource, context} evaluated on (owned) */
	char profile[80];   /* "" when the tenant has none (tenancy decided alone) */
	int profile_version;
	char profile_digest[48];
	/* The role catalog version the policy decided with (0: tenancy decided alone), kept in
	 * the decision record so that a replay uses the same catalog. */
	int roles_version;
};

/* Decides `action` for ctx. 0, or -1 with ctx->err when the tenant's documents cannot be
 * loaded (the request then fails with 503, never a silent allow) or when the action is a
 * mutation of an offboarded tenant other than an evidence export (409 conflict, no receipt). */
int authz_decide(struct op_ctx *ctx, const char *action, struct authz *out);
void authz_free(struct authz *a);

/* The summary a receipt carries (effect, rules, profile, profile_version, profile_digest);
 * the caller adds record_digest and override. */
cJSON *authz_summary(const struct authz *a);

#endif
