/* Tenants and actors: creation with their starting documents, tokens, and the tenancy rules
 * that decide tenant.* actions and actions across tenants (API.md "Auth, tenancy"). */
#ifndef KX_TENANT_H
#define KX_TENANT_H

#include "ops.h"

#define TENANT_TOKEN_PREFIX "kxt_"

/* init's identities, each receipted: the platform tenant with its platform admin (klaxond)
 * or, embedded, also the tenant `default` and its actor `admin` (tenant-admin and the local
 * platform admin). */
int tenant_bootstrap(struct kx_core *core, bool embedded, struct kx_init_result *out,
		     struct kx_error *err);

/* Is the actor row a platform admin? */
bool tenant_actor_is_platform_admin(const cJSON *actor);

#endif
