/* Metering: usage events attributed to tenants. A mutation's events go into its own
 * transaction (metering_record); reads are counted in memory (metering_count) and flushed in
 * one batch at least once a second, so that metering never turns a read into a sync write. */
#ifndef KX_METERING_H
#define KX_METERING_H

#include <stdint.h>

#include "error.h"
#include "store.h"

#define METERING_UNATTRIBUTED "" /* tenant of a request whose tenant cannot be known */

struct metering;

struct metering *metering_new(void);
void metering_free(struct metering *m);

/* Writes one event (and its rollup) in the caller's transaction. */
int metering_record(struct store *s, const char *tenant_id, const char *event_type,
		    int64_t units, int64_t at_ms, const char *request_id, struct kx_error *err);
/* Counts in memory; thread-safe. */
void metering_count(struct metering *m, const char *tenant_id, const char *event_type,
		    int64_t at_ms);
/* Is a flush due (a second since the last one, or the buffer is full)? */
int metering_due(struct metering *m, int64_t now_ms);
/* Writes the buffered counts inside the caller's transaction (core_write); keeps them when
 * the write fails. At most once an hour it also prunes raw events older than the retention
 * (rollups stay). */
int metering_flush(struct metering *m, struct store *s, int64_t now_ms, struct kx_error *err);

/* How long raw events are kept (default METERING_RETENTION_DEFAULT_MS). */
#define METERING_RETENTION_DEFAULT_MS (90LL * 24 * 3600 * 1000)
void metering_set_retention(struct metering *m, int64_t retention_ms);
/* Deletes raw events older than now - retention, every tenant's, in one transaction. */
int metering_prune(struct metering *m, struct store *s, int64_t now_ms, struct kx_error *err);

/* Counts not yet flushed, for reports that must include them: fn(ctx, tenant, hour start,
 * event type, units) for each buffered slot. */
typedef void (*metering_pending_fn)(void *ctx, const char *tenant_id, int64_t hour_ms,
				    const char *event_type, int64_t units);
void metering_pending(struct metering *m, metering_pending_fn fn, void *ctx);

#endif
