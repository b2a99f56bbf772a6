/* Incidents' timeline, for the modules whose acts show on it (runbook executions). */
#ifndef KX_INCIDENT_H
#define KX_INCIDENT_H

#include <cjson/cJSON.h>

#include "store.h"

/* Adds a timeline event (takes ownership of data); *event_out, when not NULL, receives it. */
int incident_timeline_add(struct store *s, const char *tenant_id, const char *incident_id,
			  const char *kind, const char *actor, cJSON *data, const char *receipt_id,
			  const char *at, cJSON **event_out, struct kx_error *err);

#endif
