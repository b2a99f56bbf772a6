/* Committed perfect-subtree nodes of the tenants' ledgers, kept in memory and shared by every
 * reader of one open core. Proofs at a million leaves read ~20 nodes through SQLite, and the
 * upper ones are the same for most proofs of a tenant. A committed node never changes (the
 * ledger's tables refuse UPDATE and DELETE, and an append only adds nodes), so entries need no
 * invalidation; but a node written inside a transaction that is then rolled back was never
 * committed, so the cache is filled only from connections that read committed data. */
#ifndef KX_LEDGER_CACHE_H
#define KX_LEDGER_CACHE_H

#include <stdint.h>

#include "merkle.h"

/* Below this level (subtrees of fewer than 64 leaves) proofs rarely share a node: caching
 * them would only push out the shared ones. */
#define LEDGER_CACHE_MIN_LEVEL 6

struct ledger_cache;

struct ledger_cache *ledger_cache_new(void); /* NULL when out of memory */
void ledger_cache_free(struct ledger_cache *c);

/* 0 with the node's hash in out when it is cached, -1 when not. Thread-safe. */
int ledger_cache_get(struct ledger_cache *c, const char *tenant_id, unsigned level,
		     uint64_t index, merkle_hash out);
/* Remembers a node read from committed data (nodes below LEDGER_CACHE_MIN_LEVEL are left
 * out). The table is bounded: a full set keeps its higher node. Thread-safe. */
void ledger_cache_put(struct ledger_cache *c, const char *tenant_id, unsigned level,
		      uint64_t index, const merkle_hash hash);

#endif
