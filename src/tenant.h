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

/* Loads tenant `id` when the caller may see it (its own, any for platform admins, children
 * for partner admins) and makes it the tenant the action concerns; 404 otherwise. */
int tenant_load_visible(struct op_ctx *ctx, const char *id);
/* op_def.authorize for actions on a tenant's things: the tenant's policy decides within it,
 * the tenancy rules across tenants. */
int tenant_authorize_cross(struct op_ctx *ctx, bool *allow, const char **rule);

/* Is the actor row a platform admin? */
bool tenant_actor_is_platform_admin(const cJSON *actor);

#endif
