/* klaxond's configuration: the INI file (default DIR/klaxond.conf) with listen address,
 * limits, log destination and feature flags, globally and per tenant. */
#ifndef KXD_CONFIG_H
#define KXD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_OVERRIDES 256

enum feature { FEATURE_INCIDENTS, FEATURE_RUNBOOKS, FEATURE_TENANTS, FEATURE_METERING,
	       FEATURE_COMMAND_STEPS, FEATURE_COUNT };

struct server_config {
	char listen[128];          /* HOST:PORT */
	unsigned connection_limit; /* total (4096) */
	unsigned per_ip_limit;     /* per client address (1024) */
	unsigned timeout_s;        /* idle connection timeout (30) */
	size_t memory_limit;       /* MHD's per-connection buffer (131072) */
	size_t body_limit;         /* request bodies (1 MiB); larger answer 413 */
	unsigned threads;          /* 0: one per connection; N: a pool of N */
	unsigned verify_interval_s; /* ledger verification period (3600); 0: only at start */
	char log_path[512];        /* JSON lines; "" = stderr, "off" = none */
	bool features[FEATURE_COUNT];
	struct {
		char tenant[64];
		enum feature feature;
		bool on;
	} overrides[CONFIG_MAX_OVERRIDES];
	int n_overrides;
	char sandbox_user[64];
	char sandbox_path[256];
	char sandbox_runner[512];
	unsigned usage_retention_days; /* [metering] retention_days; 0: the core's default (90) */
	unsigned statement_timeout_s;  /* [store] statement_timeout_s; 0: the core's default (60) */
	unsigned sandbox_cpu_s, sandbox_memory_mb, sandbox_processes, sandbox_open_files;
};

void config_defaults(struct server_config *c);
/* Reads the INI file; a missing file is fine unless must_exist. 0, or -1 with a message naming
 * the line in err. */
int config_load(const char *path, bool must_exist, struct server_config *c, char *err,
		size_t errlen);
/* The feature's switch for a tenant (tenant sections override the global one). */
bool config_feature_on(const struct server_config *c, const char *tenant, enum feature f);
/* "incidents" → FEATURE_INCIDENTS; -1 when unknown. */
int config_feature_by_name(const char *name);

#endif
