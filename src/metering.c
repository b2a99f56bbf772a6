/* Usage events and the in-memory read counter that batches them. */
#include "metering.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define METERING_SLOTS 256

struct meter_slot {
	char tenant_id[64];
	char event_type[40];
	int64_t hour_ms; /* start of the hour the events fell in */
	int64_t units;
};

struct metering {
	pthread_mutex_t lock;
	struct meter_slot slots[METERING_SLOTS];
	int used;
	int64_t last_flush_ms;
	int64_t retention_ms;
	int64_t last_prune_ms; /* 0: never, so the first flush prunes */
};

struct metering *metering_new(void)
{
	struct metering *m = calloc(1, sizeof *m);
	if (m) {
		pthread_mutex_init(&m->lock, NULL);
		m->last_flush_ms = kx_clock_now_ms();
		m->retention_ms = METERING_RETENTION_DEFAULT_MS;
	}
	return m;
}

void metering_free(struct metering *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int metering_record(struct store *s, const char *tenant_id, const char *event_type,
		    int64_t units, int64_t at_ms, const char *request_id, struct kx_error *err)
{
	char at[KX_TIME_LEN];
	kx_time_format(at_ms, at);
	return store_usage_add(s, tenant_id, event_type, units, at, request_id, err);
}

static void add_units(struct metering *m, const char *tenant_id, const char *event_type,
		      int64_t at_ms, int64_t units)
{
	int64_t hour = at_ms - at_ms % 3600000;
	pthread_mutex_lock(&m->lock);
	int i;
	for (i = 0; i < m->used; i++) {
		struct meter_slot *sl = &m->slots[i];
		if (sl->hour_ms == hour && strcmp(sl->tenant_id, tenant_id) == 0 &&
		    strcmp(sl->event_type, event_type) == 0)
			break;
	}
	if (i == m->used && m->used < METERING_SLOTS) {
		struct meter_slot *sl = &m->slots[m->used++];
		snprintf(sl->tenant_id, sizeof sl->tenant_id, "%s", tenant_id);
		snprintf(sl->event_type, sizeof sl->event_type, "%s", event_type);
		sl->hour_ms = hour;
		sl->units = 0;
	}
	/* metering_due asks for a flush at half full; a count past a full buffer is lost rather
	 * than blocking a read. */
	if (i < METERING_SLOTS)
		m->slots[i].units += units;
	pthread_mutex_unlock(&m->lock);
}

void metering_count(struct metering *m, const char *tenant_id, const char *event_type,
		    int64_t at_ms)
{
	add_units(m, tenant_id, event_type, at_ms, 1);
}

int metering_due(struct metering *m, int64_t now_ms)
{
	pthread_mutex_lock(&m->lock);
	int due = m->used > 0 && (now_ms - m->last_flush_ms >= 1000 || m->used >= METERING_SLOTS / 2);
	pthread_mutex_unlock(&m->lock);
	return due;
}

int metering_flush(struct metering *m, struct store *s, int64_t now_ms, struct kx_error *err)
{
	struct meter_slot batch[METERING_SLOTS];
	if (now_ms - m->last_prune_ms >= 3600 * 1000)
		metering_prune(m, s, now_ms, NULL); /* a failure is retried at the next flush */
	pthread_mutex_lock(&m->lock);
	int n = m->used;
	memcpy(batch, m->slots, (size_t)n * sizeof batch[0]);
	m->used = 0;
	m->last_flush_ms = now_ms;
	pthread_mutex_unlock(&m->lock);
	if (n == 0)
		return 0;
	int rc = 0;
	for (int i = 0; rc == 0 && i < n; i++)
		rc = metering_record(s, batch[i].tenant_id, batch[i].event_type, batch[i].units,
				     batch[i].hour_ms, NULL, err);
	if (rc != 0) { /* keep the counts for the next try */
		for (int i = 0; i < n; i++)
			add_units(m, batch[i].tenant_id, batch[i].event_type, batch[i].hour_ms,
				  batch[i].units);
	}
	return rc;
}

void metering_set_retention(struct metering *m, int64_t retention_ms)
{
	if (retention_ms > 0)
		m->retention_ms = retention_ms;
}

int metering_prune(struct metering *m, struct store *s, int64_t now_ms, struct kx_error *err)
{
	char before[KX_TIME_LEN];
	kx_time_format(now_ms - m->retention_ms, before);
	cJSON *tenants = store_usage_tenants(s);
	int rc = tenants ? 0 : -1;
	const cJSON *t;
	cJSON_ArrayForEach(t, tenants)
	{
		if (rc == 0)
			rc = store_usage_prune(s, t->valuestring, before, err);
	}
	cJSON_Delete(tenants);
	if (rc == 0)
		m->last_prune_ms = now_ms;
	return rc;
}

void metering_pending(struct metering *m, metering_pending_fn fn, void *ctx)
{
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->used; i++)
		fn(ctx, m->slots[i].tenant_id, m->slots[i].hour_ms, m->slots[i].event_type,
		   m->slots[i].units);
	pthread_mutex_unlock(&m->lock);
}
