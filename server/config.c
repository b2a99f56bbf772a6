/* The INI reader for klaxond.conf: sections [server], [limits], [log], [features],
 * [tenant.ID], [sandbox], [metering] and [store]; `key = value` lines; # and ; comments.
 * Unknown sections and keys are errors, so a typo never silently leaves a feature on. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const feature_names[FEATURE_COUNT] = {"incidents", "runbooks", "tenants",
							  "metering", "command_steps"};

void config_defaults(struct server_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:8420");
	c->connection_limit = 4096;
	c->per_ip_limit = 1024;
	c->timeout_s = 30;
	c->verify_interval_s = 3600;
	c->memory_limit = 128 * 1024;
	c->body_limit = 1024 * 1024;
	for (int i = 0; i < FEATURE_COUNT; i++)
		c->features[i] = true;
	c->features[FEATURE_COMMAND_STEPS] = false; /* shared servers run no commands unless asked */
	snprintf(c->sandbox_user, sizeof c->sandbox_user, "nobody");
	snprintf(c->sandbox_path, sizeof c->sandbox_path, "/usr/bin:/bin");
	c->sandbox_cpu_s = 300;
	c->sandbox_memory_mb = 1024;
	c->sandbox_processes = 256;
	c->sandbox_open_files = 256;
}

int config_feature_by_name(const char *name)
{
	for (int i = 0; i < FEATURE_COUNT; i++)
		if (strcmp(name, feature_names[i]) == 0)
			return i;
	return -1;
}

bool config_feature_on(const struct server_config *c, const char *tenant, enum feature f)
{
	for (int i = 0; tenant && i < c->n_overrides; i++)
		if (c->overrides[i].feature == f && strcmp(c->overrides[i].tenant, tenant) == 0)
			return c->overrides[i].on;
	return c->features[f];
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_size(const char *v, size_t lo, size_t hi, size_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (!*v || *v == '-' || errno || *end || n < lo || n > hi)
		return -1;
	*out = (size_t)n;
	return 0;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	size_t n;
	if (parse_size(v, lo, hi, &n))
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int set_string(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* One key in one section; 0, -1 bad value, -2 unknown key. */
static int apply(struct server_config *c, const char *section, const char *key, const char *v)
{
	if (!strcmp(section, "server")) {
		if (!strcmp(key, "listen"))
			return set_string(c->listen, sizeof c->listen, v);
		if (!strcmp(key, "threads"))
			return parse_uint(v, 0, 256, &c->threads);
		if (!strcmp(key, "verify_interval_s"))
			return parse_uint(v, 0, 7 * 86400, &c->verify_interval_s);
	} else if (!strcmp(section, "limits")) {
		if (!strcmp(key, "connections"))
			return parse_uint(v, 1, 1u << 20, &c->connection_limit);
		if (!strcmp(key, "connections_per_ip"))
			return parse_uint(v, 1, 1u << 20, &c->per_ip_limit);
		if (!strcmp(key, "timeout_s"))
			return parse_uint(v, 1, 3600, &c->timeout_s);
		if (!strcmp(key, "connection_memory"))
			return parse_size(v, 16384, 64u << 20, &c->memory_limit);
		if (!strcmp(key, "body_bytes"))
			return parse_size(v, 1024, 256u << 20, &c->body_limit);
	} else if (!strcmp(section, "log")) {
		if (!strcmp(key, "path"))
			return set_string(c->log_path, sizeof c->log_path, v);
	} else if (!strcmp(section, "features")) {
		int f = config_feature_by_name(key);
		return f < 0 ? -2 : parse_bool(v, &c->features[f]);
	} else if (!strncmp(section, "tenant.", 7)) {
		int f = config_feature_by_name(key);
		if (f < 0)
			return -2;
		if (c->n_overrides == CONFIG_MAX_OVERRIDES || strlen(section + 7) >= 64)
			return -1;
		int i = c->n_overrides++;
		snprintf(c->overrides[i].tenant, sizeof c->overrides[i].tenant, "%.63s", section + 7);
		c->overrides[i].feature = (enum feature)f;
		return parse_bool(v, &c->overrides[i].on);
	} else if (!strcmp(section, "sandbox")) {
		if (!strcmp(key, "user"))
			return set_string(c->sandbox_user, sizeof c->sandbox_user, v);
		if (!strcmp(key, "path"))
			return set_string(c->sandbox_path, sizeof c->sandbox_path, v);
		if (!strcmp(key, "runner"))
			return set_string(c->sandbox_runner, sizeof c->sandbox_runner, v);
		if (!strcmp(key, "cpu_s"))
			return parse_uint(v, 1, 86400, &c->sandbox_cpu_s);
		if (!strcmp(key, "memory_mb"))
			return parse_uint(v, 16, 1u << 20, &c->sandbox_memory_mb);
		if (!strcmp(key, "processes"))
			return parse_uint(v, 1, 1u << 16, &c->sandbox_processes);
		if (!strcmp(key, "open_files"))
			return parse_uint(v, 16, 1u << 20, &c->sandbox_open_files);
	} else if (!strcmp(section, "metering")) {
		if (!strcmp(key, "retention_days")) /* raw usage events; hourly rollups stay */
			return parse_uint(v, 1, 36500, &c->usage_retention_days);
	} else if (!strcmp(section, "store")) {
		if (!strcmp(key, "statement_timeout_s")) /* PostgreSQL stores */
			return parse_uint(v, 1, 86400, &c->statement_timeout_s);
	}
	return -2;
}

static bool section_known(const char *s)
{
	static const char *const known[] = {"server", "limits", "log",	   "features",
					    "sandbox", "metering", "store"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(s, known[i]))
			return true;
	return !strncmp(s, "tenant.", 7) && s[7];
}

int config_load(const char *path, bool must_exist, struct server_config *c, char *err,
		size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024], section[96] = "";
	int n = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		n++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || e[1] || (size_t)(e - s - 1) >= sizeof section) {
				snprintf(err, errlen, "%s:%d: bad section header", path, n);
				rc = -1;
				break;
			}
			*e = 0;
			snprintf(section, sizeof section, "%s", trim(s + 1));
			if (!section_known(section)) {
				snprintf(err, errlen, "%s:%d: unknown section [%s]", path, n, section);
				rc = -1;
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq || !*section) {
			snprintf(err, errlen, "%s:%d: expected `key = value` inside a [section]", path, n);
			rc = -1;
			break;
		}
		*eq = 0;
		char *key = trim(s), *value = trim(eq + 1);
		int r = apply(c, section, key, value);
		if (r == -2)
			snprintf(err, errlen, "%s:%d: unknown key %s in [%s]", path, n, key, section);
		else if (r == -1)
			snprintf(err, errlen, "%s:%d: bad value for %s", path, n, key);
		rc = r ? -1 : 0;
	}
	fclose(f);
	return rc;
}
