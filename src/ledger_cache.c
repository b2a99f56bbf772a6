/* The ledger's committed-node cache: a fixed two-way set-associative table under one mutex.
 * Entries carry the whole key (tenant id, level, index), so a tenant is only ever answered
 * with its own nodes, whatever the hash says. */
#include "ledger_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LEDGER_CACHE_SETS 8192 /* two ways each: 16k nodes, ~1.8 MB once all are used */

struct cache_entry {
	char tenant[64]; /* tenant ids are at most 63 characters (tenant.c) */
	uint64_t index;
	uint8_t level;
	bool used;
	merkle_hash hash;
};

struct ledger_cache {
	pthread_mutex_t lock;
	struct cache_entry (*sets)[2];
	uint8_t *recent; /* per set: the way last hit or filled */
};

struct ledger_cache *ledger_cache_new(void)
{
	struct ledger_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	/* calloc'd pages stay untouched (and out of the RSS) until a set is first used. */
	c->sets = calloc(LEDGER_CACHE_SETS, sizeof *c->sets);
	c->recent = calloc(LEDGER_CACHE_SETS, 1);
	if (!c->sets || !c->recent) {
		ledger_cache_free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void ledger_cache_free(struct ledger_cache *c)
{
	if (!c)
		return;
	if (c->sets && c->recent)
		pthread_mutex_destroy(&c->lock);
	free(c->sets);
	free(c->recent);
	free(c);
}

/* FNV-1a over the tenant id, then the position mixed in (splitmix64's finaliser). */
static size_t set_of(const char *tenant_id, unsigned level, uint64_t index)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)tenant_id; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h ^= index * 0x9e3779b97f4a7c15ull + level;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (size_t)(h % LEDGER_CACHE_SETS);
}

static bool entry_is(const struct cache_entry *e, const char *tenant_id, unsigned level,
		     uint64_t index)
{
	return e->used && e->level == level && e->index == index &&
	       strcmp(e->tenant, tenant_id) == 0;
}

int ledger_cache_get(struct ledger_cache *c, const char *tenant_id, unsigned level,
		     uint64_t index, merkle_hash out)
{
	if (!c || level < LEDGER_CACHE_MIN_LEVEL)
		return -1;
	size_t s = set_of(tenant_id, level, index);
	int rc = -1;
	pthread_mutex_lock(&c->lock);
	for (int way = 0; way < 2; way++) {
		const struct cache_entry *e = &c->sets[s][way];
		if (entry_is(e, tenant_id, level, index)) {
			memcpy(out, e->hash, MERKLE_HASH_LEN);
			c->recent[s] = (uint8_t)way;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void ledger_cache_put(struct ledger_cache *c, const char *tenant_id, unsigned level,
		      uint64_t index, const merkle_hash hash)
{
	if (!c || level < LEDGER_CACHE_MIN_LEVEL || strlen(tenant_id) >= sizeof c->sets[0][0].tenant)
		return;
	size_t s = set_of(tenant_id, level, index);
	pthread_mutex_lock(&c->lock);
	struct cache_entry *set = c->sets[s];
	int way;
	if (entry_is(&set[0], tenant_id, level, index) || entry_is(&set[1], tenant_id, level, index))
		way = -1; /* another reader put it first */
	else if (!set[0].used || !set[1].used)
		way = set[0].used ? 1 : 0;
	else if (set[0].level != set[1].level) /* a higher node is shared by more proofs */
		way = set[0].level < set[1].level ? 0 : 1;
	else
		way = 1 - c->recent[s];
	if (way >= 0 && set[way].used && set[way].level > level)
		way = -1;
	if (way >= 0) {
		struct cache_entry *e = &set[way];
		memcpy(e->tenant, tenant_id, strlen(tenant_id) + 1);
		e->index = index;
		e->level = (uint8_t)level;
		e->used = true;
		memcpy(e->hash, hash, MERKLE_HASH_LEN);
		c->recent[s] = (uint8_t)way;
	}
	pthread_mutex_unlock(&c->lock);
}
