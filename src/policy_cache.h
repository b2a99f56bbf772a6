/* The tenants' role catalogs and policy profiles, parsed once and shared by every request that
 * decides under them. An entry is named by the versions and digests of both documents, so a
 * newly stored version (or one rolled back) can never be answered from an older parse. */
#ifndef KX_POLICY_CACHE_H
#define KX_POLICY_CACHE_H

#include "policy.h"
#include "store.h"

/* One tenant's current documents, parsed; immutable while anyone holds it. */
struct policy_docs {
	char tenant[64];
	int roles_version, profile_version;
	char roles_digest[STORE_DIGEST_MAX], profile_digest[STORE_DIGEST_MAX];
	char profile_name[80];
	struct role_catalog *catalog;
	struct policy_profile *profile;
	int holders;       /* requests using it now (under the cache's lock) */
	bool evicted;      /* no longer in the table: freed by its last holder */
	uint64_t last_use; /* for replacement */
};

struct policy_cache;
struct policy_cache *policy_cache_new(void);
void policy_cache_free(struct policy_cache *c);

/* The tenant's current documents as `s` sees them: the cached parse when both versions and
 * digests match, else read, parsed and cached. Thread-safe. NULL with err (503: a stored
 * document that cannot be read or parsed is damage). Give it back with policy_cache_release. */
const struct policy_docs *policy_cache_get(struct policy_cache *c, struct store *s,
					   const char *tenant_id, struct kx_error *err);
void policy_cache_release(struct policy_cache *c, const struct policy_docs *d);

#endif
