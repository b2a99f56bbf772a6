/* The user config reader. Unknown keys are errors, with the line number. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void xdg_path(const char *var, const char *fallback, const char *leaf, char *out,
		     size_t len)
{
	const char *base = getenv(var);
	const char *home = getenv("HOME");
	if (base && *base)
		snprintf(out, len, "%s/klaxon/%s", base, leaf);
	else
		snprintf(out, len, "%s/%s/klaxon/%s", home ? home : ".", fallback, leaf);
}

void user_config_path(char *out, size_t len)
{
	xdg_path("XDG_CONFIG_HOME", ".config", "config", out, len);
}

void user_config_default_db(char *out, size_t len)
{
	xdg_path("XDG_DATA_HOME", ".local/share", "klaxon.db", out, len);
}

void user_config_default_approval_key(char *out, size_t len)
{
	xdg_path("XDG_CONFIG_HOME", ".config", "keys/approver.key", out, len);
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

static int set_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out = false;
	else
		return -1;
	return 0;
}

#define SET_STR(field) (strlen(v) < sizeof c->field ? (memcpy(c->field, v, strlen(v) + 1), 0) : -1)

static int apply(struct user_config *c, const char *k, const char *v)
{
	if (!strcmp(k, "db")) return SET_STR(db);
	if (!strcmp(k, "server")) return SET_STR(server);
	if (!strcmp(k, "token")) return SET_STR(token);
	if (!strcmp(k, "cacert")) return SET_STR(cacert);
	if (!strcmp(k, "tenant")) return SET_STR(tenant);
	if (!strcmp(k, "as")) return SET_STR(as);
	if (!strcmp(k, "theme")) return SET_STR(theme);
	if (!strcmp(k, "pubkey")) return SET_STR(pubkey);
	if (!strcmp(k, "approval_key")) return SET_STR(approval_key);
	if (!strcmp(k, "insecure")) return set_bool(v, &c->insecure);
	if (!strcmp(k, "mouse")) return set_bool(v, &c->mouse);
	if (!strcmp(k, "read_only")) return set_bool(v, &c->read_only);
	if (!strcmp(k, "refresh_s")) {
		char *end = NULL;
		long n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > 3600)
			return -1;
		c->refresh_s = (int)n;
		return 0;
	}
	if (!strcmp(k, "read_only_tenant")) {
		if (c->n_read_only_tenants == 16 || strlen(v) >= 64)
			return -1;
		snprintf(c->read_only_tenants[c->n_read_only_tenants++], 64, "%s", v);
		return 0;
	}
	return -2;
}

int user_config_load(const char *path, bool must_exist, struct user_config *c, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[2048];
	int n = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		n++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected `key = value`", path, n);
			rc = -1;
			break;
		}
		*eq = 0;
		char *k = trim(s), *v = trim(eq + 1);
		int r = apply(c, k, v);
		if (r == -2)
			snprintf(err, errlen, "%s:%d: unknown key %s", path, n, k);
		else if (r)
			snprintf(err, errlen, "%s:%d: bad value for %s", path, n, k);
		rc = r ? -1 : 0;
	}
	struct stat st;
	if (rc == 0 && c->token[0] && fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		snprintf(err, errlen, "%s holds a token but others can read it (chmod 600 it)", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}
