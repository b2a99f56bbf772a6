/* The route table and its matching. Paths are short, so matching is a linear scan of the
 * table segment by segment; no allocation. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

static const struct route routes[] = {
	{"POST", "/incidents", "incident.create", "incidents"},
	{"GET", "/incidents", "incident.list", "incidents"},
	{"GET", "/incidents/{id}", "incident.get", "incidents"},
	{"PATCH", "/incidents/{id}", "incident.update", "incidents"},
	{"POST", "/incidents/{id}/notes", "incident.note", "incidents"},
	{"GET", "/timeline", "timeline.list", "incidents"},
	{"POST", "/tenants", "tenant.create", "tenants"},
	{"GET", "/tenants", "tenant.list", "tenants"},
	{"GET", "/tenants/{id}", "tenant.get", "tenants"},
	{"PATCH", "/tenants/{id}", "tenant.update", "tenants"},
	{"POST", "/tenants/{id}/actors", "actor.create", "tenants"},
	{"GET", "/tenants/{id}/actors", "actor.list", "tenants"},
	{"PATCH", "/tenants/{id}/actors/{sub}", "actor.update", "tenants"},
	{"POST", "/tenants/{id}/actors/{sub}/token", "actor.rotate_token", "tenants"},
	{"GET", "/tenants/{id}/roles", "roles.get", "tenants"},
	{"PUT", "/tenants/{id}/roles", "roles.set", "tenants"},
	{"GET", "/tenants/{id}/policy-profile", "policy_profile.get", "tenants"},
	{"POST", "/tenants/{id}/policy-profile", "policy_profile.set", "tenants"},
	{"GET", "/tenants/{id}/policy-profile/versions/{sub}", "policy_profile.version", "tenants"},
	{"POST", "/tenants/{id}/signing-keys", "signing_key.add", "runbooks"},
	{"GET", "/tenants/{id}/signing-keys", "signing_key.list", "runbooks"},
	{"DELETE", "/tenants/{id}/signing-keys/{sub}", "signing_key.revoke", "runbooks"},
	{"POST", "/runbooks", "runbook.publish", "runbooks"},
	{"GET", "/runbooks", "runbook.list", "runbooks"},
	{"GET", "/runbooks/{id}", "runbook.get", "runbooks"},
	{"GET", "/runbooks/{id}/versions/{sub}", "runbook.version", "runbooks"},
	{"POST", "/runbooks/{id}:launch", "runbook.launch", "runbooks"},
	{"GET", "/run-executions", "execution.list", "runbooks"},
	{"GET", "/run-executions/{id}", "execution.get", "runbooks"},
	{"POST", "/run-executions/{id}/steps/{sub}:execute", "step.execute", "runbooks"},
	{"POST", "/run-executions/{id}/steps/{sub}:approve", "step.approve", "runbooks"},
	{"POST", "/run-executions/{id}:abort", "execution.abort", "runbooks"},
	{"POST", "/run-executions/{id}:rollback", "execution.rollback", "runbooks"},
	{"GET", "/approvals", "approval.list", "runbooks"},
	{"POST", "/tenants/{id}/policy:simulate", "policy.simulate", "tenants"},
	{"GET", "/tenants/{id}/exceptions", "exception.list", "tenants"},
	{"POST", "/tenants/{id}/exceptions/{sub}:acknowledge", "exception.acknowledge", "tenants"},
	{"GET", "/session", "session.get", NULL},
	{"GET", "/alerts", "alert.list", NULL},
	{"GET", "/receipts", "receipt.list", NULL},
	{"GET", "/receipts/{id}", "receipt.get", NULL},
	{"GET", "/ledger/checkpoint", "ledger.get", NULL},
	{"GET", "/ledger/consistency", "ledger.consistency", NULL},
	{"POST", "/tenants/{id}/evidence-exports", "evidence.export", NULL},
	{"GET", "/tenants/{id}/evidence-exports", "evidence.list", NULL},
	{"GET", "/tenants/{id}/evidence-exports/{sub}/bundle", "evidence.download", NULL},
	{"GET", "/tenants/{id}/redaction-rules", "redaction.get", "tenants"},
	{"PUT", "/tenants/{id}/redaction-rules", "redaction.set", "tenants"},
	{"GET", "/tenants/{id}/usage", "usage.report", "metering"},
	{"GET", "/usage", "usage.platform", "metering"},
};

/* Copies one path segment [s, e) into out; false when empty or too long. The server hands
 * over paths already percent-decoded, so nothing is decoded twice here. */
static bool copy_segment(const char *s, const char *e, char out[ROUTE_ID_MAX])
{
	size_t n = (size_t)(e - s);
	if (n == 0 || n >= ROUTE_ID_MAX)
		return false;
	memcpy(out, s, n);
	out[n] = 0;
	return true;
}

/* Matches one template against the path, filling the ids; a template segment may end in a
 * literal suffix after its placeholder ("{id}:launch"). */
static bool match_template(const char *tpl, const char *path, char id[ROUTE_ID_MAX],
			   char sub[ROUTE_ID_MAX])
{
	while (*tpl && *path) {
		if (*tpl != '/' || *path != '/')
			return false;
		tpl++, path++;
		const char *te = strchr(tpl, '/'), *pe = strchr(path, '/');
		if (!te)
			te = tpl + strlen(tpl);
		if (!pe)
			pe = path + strlen(path);
		if (*tpl == '{') {
			const char *close = strchr(tpl, '}');
			char *slot = tpl[1] == 'i' ? id : sub;
			size_t suffix = (size_t)(te - close - 1);
			if (pe - path <= (long)suffix || strncmp(pe - suffix, close + 1, suffix) != 0 ||
			    !copy_segment(path, pe - suffix, slot))
				return false;
		} else if (te - tpl != pe - path || strncmp(tpl, path, (size_t)(te - tpl)) != 0) {
			return false;
		}
		tpl = te, path = pe;
	}
	return *tpl == 0 && *path == 0;
}

const struct route *route_match(const char *method, const char *path, char id[ROUTE_ID_MAX],
				char sub[ROUTE_ID_MAX], bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		id[0] = sub[0] = 0;
		if (!match_template(routes[i].path, path, id, sub))
			continue;
		*path_known = true;
		if (strcmp(routes[i].method, method) == 0)
			return &routes[i];
	}
	id[0] = sub[0] = 0;
	return NULL;
}

const struct route *route_for_op(const char *op)
{
	for (size_t i = 0; op && i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(routes[i].op, op) == 0)
			return &routes[i];
	return NULL;
}

/* Percent-encodes everything but RFC 3986's unreserved characters. */
static bool encode(const char *v, char **out, const char *end)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || strchr("-._~", *p);
		if (*out + (plain ? 1 : 3) >= end)
			return false;
		if (plain) {
			*(*out)++ = (char)*p;
		} else {
			*(*out)++ = '%';
			*(*out)++ = hex[*p >> 4];
			*(*out)++ = hex[*p & 15];
		}
	}
	return true;
}

bool route_path(const struct route *r, const char *id, const char *sub, char *out, size_t len)
{
	char *o = out, *end = out + len;
	for (const char *t = r->path; *t; t++) {
		if (*t == '{') {
			const char *v = t[1] == 'i' ? id : sub;
			if (!v || !*v || !encode(v, &o, end))
				return false;
			t = strchr(t, '}');
		} else {
			if (o + 1 >= end)
				return false;
			*o++ = *t;
		}
	}
	*o = 0;
	return true;
}
