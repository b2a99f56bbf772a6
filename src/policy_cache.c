/* Parsing a tenant's role catalog and policy profile from JSON on every request was the
 * largest piece of a read's CPU in klaxond's profile; the stored documents change rarely, so
 * each parse is kept, keyed by what makes it current (both versions and digests), which two
 * index lookups check per request. */
#include "policy_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_CACHE_SLOTS 64

struct policy_cache {
	pthread_mutex_t lock;
	struct policy_docs *slot[POLICY_CACHE_SLOTS];
	uint64_t clock;
};

struct policy_cache *policy_cache_new(void)
{
	struct policy_cache *c = calloc(1, sizeof *c);
	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void docs_free(struct policy_docs *d)
{
	if (!d)
		return;
	role_catalog_free(d->catalog);
	policy_profile_free(d->profile);
	free(d);
}

void policy_cache_free(struct policy_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < POLICY_CACHE_SLOTS; i++)
		docs_free(c->slot[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The stored text of the current version of `kind`, parsed as JSON (caller frees). */
static cJSON *doc_parse(struct store *s, enum store_doc_kind kind, const char *tenant_id)
{
	cJSON *row = store_doc_get(s, kind, tenant_id, 0);
	cJSON *doc = row ? cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItem(row, "doc"))) : NULL;
	cJSON_Delete(row);
	return doc;
}

static struct policy_docs *docs_load(struct store *s, const char *tenant_id,
				     const struct policy_docs *head, struct kx_error *err)
{
	struct policy_docs *d = calloc(1, sizeof *d);
	cJSON *roles = doc_parse(s, STORE_DOC_ROLES, tenant_id);
	cJSON *prof = doc_parse(s, STORE_DOC_PROFILE, tenant_id);
	if (d) {
		*d = *head;
		d->catalog = roles ? role_catalog_parse(roles, err) : NULL;
		d->profile = prof ? policy_profile_parse(prof, err) : NULL;
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(prof, "name"));
		snprintf(d->profile_name, sizeof d->profile_name, "%s", name ? name : "");
	}
	cJSON_Delete(roles);
	cJSON_Delete(prof);
	if (!d || !d->catalog || !d->profile) {
		docs_free(d);
		return NULL;
	}
	return d;
}

static bool same_head(const struct policy_docs *a, const struct policy_docs *b)
{
	return a->roles_version == b->roles_version && a->profile_version == b->profile_version &&
	       !strcmp(a->tenant, b->tenant) && !strcmp(a->roles_digest, b->roles_digest) &&
	       !strcmp(a->profile_digest, b->profile_digest);
}

/* Under the lock: the cached entry for head, held, or NULL. */
static struct policy_docs *lookup(struct policy_cache *c, const struct policy_docs *head)
{
	for (int i = 0; i < POLICY_CACHE_SLOTS; i++) {
		struct policy_docs *d = c->slot[i];
		if (d && same_head(d, head)) {
			d->holders++;
			d->last_use = ++c->clock;
			return d;
		}
	}
	return NULL;
}

/* Under the lock: puts d (held by the caller) in the slot of an older parse of its tenant,
 * an empty one, or the least recently used. */
static void insert(struct policy_cache *c, struct policy_docs *d)
{
	int victim = 0;
	for (int i = 0; i < POLICY_CACHE_SLOTS; i++) {
		struct policy_docs *o = c->slot[i];
		if (!o || !strcmp(o->tenant, d->tenant)) {
			victim = i;
			break;
		}
		if (o->last_use < c->slot[victim]->last_use)
			victim = i;
	}
	struct policy_docs *old = c->slot[victim];
	if (old && old->holders > 0)
		old->evicted = true; /* its holders still read it */
	else
		docs_free(old);
	d->last_use = ++c->clock;
	c->slot[victim] = d;
}

const struct policy_docs *policy_cache_get(struct policy_cache *c, struct store *s,
					   const char *tenant_id, struct kx_error *err)
{
	struct policy_docs head = {0};
	snprintf(head.tenant, sizeof head.tenant, "%s", tenant_id);
	if (store_doc_head(s, STORE_DOC_ROLES, tenant_id, &head.roles_version, head.roles_digest) ||
	    store_doc_head(s, STORE_DOC_PROFILE, tenant_id, &head.profile_version,
			   head.profile_digest))
		goto damaged;
	pthread_mutex_lock(&c->lock);
	struct policy_docs *d = lookup(c, &head);
	pthread_mutex_unlock(&c->lock);
	if (d)
		return d;
	/* Parsed outside the lock: two requests may both parse a new version; one parse wins
	 * the slot and the other is freed by its holder. */
	if (!(d = docs_load(s, tenant_id, &head, err)))
		goto damaged;
	d->holders = 1;
	pthread_mutex_lock(&c->lock);
	struct policy_docs *have = lookup(c, &head);
	if (have) {
		d->holders = 0;
		docs_free(d);
		d = have;
	} else {
		insert(c, d);
	}
	pthread_mutex_unlock(&c->lock);
	return d;
damaged:
	/* Stored documents were validated on upload: failing here means damage. */
	kx_error_set(err, 503, "unavailable", NULL,
		     "tenant %s: its role catalog or policy profile cannot be read", tenant_id);
	return NULL;
}

void policy_cache_release(struct policy_cache *c, const struct policy_docs *held)
{
	if (!held)
		return;
	struct policy_docs *d = (struct policy_docs *)held;
	pthread_mutex_lock(&c->lock);
	bool gone = --d->holders == 0 && d->evicted;
	pthread_mutex_unlock(&c->lock);
	if (gone)
		docs_free(d);
}
