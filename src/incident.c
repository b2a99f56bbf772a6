/* Incident Hub: declare, update (status machine of API.md), get, list, notes and the timeline.
 * Every change adds timeline events that point at the change's receipt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "ops.h"

static const char *const STATUSES[] = {"declared", "triaged", "mitigating", "resolved", "closed"};
static const char *const SEVERITIES[] = {"sev1", "sev2", "sev3", "sev4"};

#define INCIDENT_DESCRIPTION_MAX 20000
#define INCIDENT_NOTE_MAX 20000

static bool one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}
#define ONE_OF(v, set) one_of((v), (set), sizeof(set) / sizeof((set)[0]))

/* API.md's status machine; closed is final. */
static bool transition_allowed(const char *from, const char *to)
{
	static const char *const edges[][2] = {
		{"declared", "triaged"},   {"declared", "resolved"}, {"triaged", "mitigating"},
		{"triaged", "resolved"},   {"mitigating", "resolved"}, {"resolved", "closed"},
		{"resolved", "mitigating"},
	};
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		if (strcmp(edges[i][0], from) == 0 && strcmp(edges[i][1], to) == 0)
			return true;
	return false;
}

static const char *member_str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* A commander must be an actor of the same tenant (or null to clear it). */
/* The commander may be named by actor id or by (unique) name; the incident keeps the id, so
 * that it still names the same actor after a rename. id gets "" when commander is NULL. */
static int check_commander(struct op_ctx *ctx, const char *commander, char id[KX_ID_MAX])
{
	id[0] = 0;
	if (!commander)
		return 0;
	cJSON *a = store_actor_get(ctx->store, ctx->tenant, commander);
	const char *aid = member_str(a, "id");
	if (aid)
		snprintf(id, KX_ID_MAX, "%s", aid);
	cJSON_Delete(a);
	if (!id[0])
		return kx_error_set(ctx->err, 400, "invalid_field", "commander",
				    "commander must name an actor of this tenant");
	return 0;
}

int incident_timeline_add(struct store *s, const char *tenant_id, const char *incident_id,
			  const char *kind, const char *actor, cJSON *data, const char *receipt_id,
			  const char *at, cJSON **event_out, struct kx_error *err)
{
	char id[KX_ID_MAX];
	kx_id_new("evt_", id);
	cJSON *ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "id", id);
	cJSON_AddStringToObject(ev, "incident_id", incident_id);
	cJSON_AddStringToObject(ev, "at", at);
	cJSON_AddStringToObject(ev, "kind", kind);
	cJSON_AddStringToObject(ev, "actor", actor);
	cJSON_AddItemToObject(ev, "data", data ? data : cJSON_CreateObject());
	cJSON_AddStringToObject(ev, "receipt_id", receipt_id);
	int rc = store_timeline_insert(s, tenant_id, ev, err);
	if (rc == 0 && event_out)
		*event_out = ev;
	else
		cJSON_Delete(ev);
	return rc;
}

static int add_event(struct op_ctx *ctx, const char *incident_id, const char *kind, cJSON *data,
		     cJSON **event_out)
{
	return incident_timeline_add(ctx->store, ctx->tenant, incident_id, kind,
				     ctx->req->who->actor_id, data, ctx->receipt_id, ctx->now,
				     event_out, ctx->err);
}

static cJSON *from_to(const char *from, const char *to)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "from", from);
	cJSON_AddStringToObject(d, "to", to);
	return d;
}

static char *location_of(const char *prefix, const char *id)
{
	size_t n = strlen(prefix) + strlen(id) + 1;
	char *loc = malloc(n);
	if (loc)
		snprintf(loc, n, "%s%s", prefix, id);
	return loc;
}

/* ---- incident.create ---- */

static int create_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"title",	 "severity", "description",
					      "region", "labels",   "commander", NULL};
	const char *title, *severity, *description, *region, *commander;
	const cJSON *labels;
	if (op_body_only(ctx, allowed) || op_body_string(ctx, "title", true, 200, &title) ||
	    op_body_string(ctx, "severity", true, 8, &severity) ||
	    op_body_string(ctx, "description", false, INCIDENT_DESCRIPTION_MAX, &description) ||
	    op_body_string(ctx, "region", false, 64, &region) ||
	    op_body_strings(ctx, "labels", 32, 64, &labels) ||
	    op_body_string(ctx, "commander", false, KX_ID_MAX, &commander))
		return -1;
	if (!ONE_OF(severity, SEVERITIES))
		return kx_error_set(ctx->err, 400, "invalid_field", "severity",
				    "severity is one of sev1, sev2, sev3, sev4");
	char commander_id[KX_ID_MAX];
	if (check_commander(ctx, commander, commander_id))
		return -1;
	char id[KX_ID_MAX];
	kx_id_new("inc_", id);
	cJSON *inc = cJSON_CreateObject();
	cJSON_AddStringToObject(inc, "id", id);
	cJSON_AddStringToObject(inc, "tenant_id", ctx->tenant);
	cJSON_AddStringToObject(inc, "title", title);
	cJSON_AddStringToObject(inc, "description", description ? description : "");
	cJSON_AddStringToObject(inc, "severity", severity);
	cJSON_AddStringToObject(inc, "status", "declared");
	cJSON_AddItemToObject(inc, "commander", commander ? cJSON_CreateString(commander_id) : cJSON_CreateNull());
	cJSON_AddItemToObject(inc, "region", region ? cJSON_CreateString(region) : cJSON_CreateNull());
	cJSON_AddItemToObject(inc, "labels", labels ? cJSON_Duplicate(labels, 1) : cJSON_CreateArray());
	cJSON_AddStringToObject(inc, "created_at", ctx->now);
	cJSON_AddStringToObject(inc, "updated_at", ctx->now);
	cJSON_AddNullToObject(inc, "resolved_at");
	cJSON_AddNumberToObject(inc, "version", 1);
	cJSON_AddStringToObject(inc, "receipt_id", ctx->receipt_id);
	ctx->loaded = inc;
	ctx->resource = cJSON_Duplicate(inc, 1);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", id);
	return 0;
}

static int create_apply(struct op_ctx *ctx)
{
	const char *id = member_str(ctx->loaded, "id");
	cJSON *data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "title", member_str(ctx->loaded, "title"));
	cJSON_AddStringToObject(data, "severity", member_str(ctx->loaded, "severity"));
	if (store_incident_insert(ctx->store, ctx->loaded, ctx->err)) {
		cJSON_Delete(data);
		return -1;
	}
	if (add_event(ctx, id, "declared", data, NULL)) /* add_event owns data */
		return -1;
	ctx->status = 201;
	ctx->location = location_of("/incidents/", id);
	ctx->result = ctx->loaded;
	ctx->loaded = NULL;
	return 0;
}

/* ---- shared: load the incident named by the path ---- */

static int load_incident(struct op_ctx *ctx)
{
	const char *id = ctx->req->id;
	cJSON *inc = id ? store_incident_get(ctx->store, ctx->tenant, id) : NULL;
	if (!inc)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no incident %s",
				    id ? id : "(none)");
	ctx->loaded = inc;
	ctx->resource = cJSON_Duplicate(inc, 1);
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", id);
	return 0;
}

/* ---- incident.update ---- */

static int check_if_match(struct op_ctx *ctx)
{
	const char *m = ctx->req->if_match;
	if (!m)
		return 0;
	char buf[32];
	size_t n = strlen(m);
	if (n >= 2 && m[0] == '"' && m[n - 1] == '"')
		snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), m + 1);
	else
		snprintf(buf, sizeof buf, "%s", m);
	char *end = NULL;
	long want = strtol(buf, &end, 10);
	double have = cJSON_GetNumberValue(cJSON_GetObjectItem(ctx->loaded, "version"));
	if (!*buf || *end || want != (long)have)
		return kx_error_set(ctx->err, 412, "version_mismatch", NULL,
				    "the incident is at version %.0f, not %s", have, buf);
	return 0;
}

static int update_validate(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"status",	   "severity", "title", "description",
					      "commander", "labels",   "note",	NULL};
	const char *status, *severity, *title, *description, *commander, *note;
	const cJSON *labels;
	if (op_body_only(ctx, allowed) || op_body_string(ctx, "status", false, 16, &status) ||
	    op_body_string(ctx, "severity", false, 8, &severity) ||
	    op_body_string(ctx, "title", false, 200, &title) ||
	    op_body_string(ctx, "description", false, INCIDENT_DESCRIPTION_MAX, &description) ||
	    op_body_string(ctx, "commander", false, KX_ID_MAX, &commander) ||
	    op_body_strings(ctx, "labels", 32, 64, &labels) ||
	    op_body_string(ctx, "note", false, INCIDENT_NOTE_MAX, &note))
		return -1;
	if (cJSON_GetArraySize(ctx->body) == 0)
		return kx_error_set(ctx->err, 400, "invalid_field", NULL, "nothing to update");
	/* Only the commander can be cleared; every other field an incident always has. */
	for (int i = 0; allowed[i]; i++)
		if (strcmp(allowed[i], "commander") &&
		    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ctx->body, allowed[i])))
			return kx_error_set(ctx->err, 400, "invalid_field", allowed[i],
					    "%s cannot be null", allowed[i]);
	if (title && !*title)
		return kx_error_set(ctx->err, 400, "invalid_field", "title",
				    "title must be 1 to 200 characters");
	if (note && !*note)
		return kx_error_set(ctx->err, 400, "invalid_field", "note", "note must not be empty");
	if (status && !ONE_OF(status, STATUSES))
		return kx_error_set(ctx->err, 400, "invalid_field", "status",
				    "status is one of declared, triaged, mitigating, resolved, closed");
	if (severity && !ONE_OF(severity, SEVERITIES))
		return kx_error_set(ctx->err, 400, "invalid_field", "severity",
				    "severity is one of sev1, sev2, sev3, sev4");
	char commander_id[KX_ID_MAX];
	if (check_commander(ctx, commander, commander_id))
		return -1;
	if (commander)
		cJSON_ReplaceItemInObjectCaseSensitive(ctx->body, "commander",
						       cJSON_CreateString(commander_id));
	return 0;
}

static int update_prepare(struct op_ctx *ctx)
{
	if (load_incident(ctx) || update_validate(ctx) || check_if_match(ctx))
		return -1;
	const char *from = member_str(ctx->loaded, "status");
	const char *to = member_str(ctx->body, "status");
	/* API.md lists the moves; "anything else" includes staying put (declared → declared),
	 * so a status that is already the incident's is refused like any other. */
	if (to && !transition_allowed(from, to)) {
		core_stats_transition_failure(ctx->core, ctx->tenant, ctx->now_ms);
		return kx_error_set(ctx->err, 409, "invalid_transition", "status",
				    "an incident cannot go from %s to %s", from, to);
	}
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

/* Applies one requested field; records what changed. */
static int apply_field(struct op_ctx *ctx, cJSON *inc, const char *name, cJSON *changed)
{
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(ctx->body, name);
	cJSON *have = cJSON_GetObjectItemCaseSensitive(inc, name);
	if (!want || cJSON_Compare(want, have, 1))
		return 0;
	const char *id = member_str(inc, "id");
	if (strcmp(name, "status") == 0 || strcmp(name, "severity") == 0) {
		const char *kind = name[1] == 't' ? "status_changed" : "severity_changed";
		if (add_event(ctx, id, kind, from_to(have->valuestring, want->valuestring), NULL))
			return -1;
	} else {
		cJSON_AddItemToArray(changed, cJSON_CreateString(name));
	}
	cJSON_ReplaceItemInObjectCaseSensitive(inc, name, cJSON_Duplicate(want, 1));
	return 1;
}

static int update_apply(struct op_ctx *ctx)
{
	static const char *const fields[] = {"status", "severity", "title", "description",
					     "commander", "labels"};
	cJSON *inc = ctx->loaded, *changed = cJSON_CreateArray();
	const char *id = member_str(inc, "id");
	int n_changed = 0, rc = 0;
	for (size_t i = 0; rc >= 0 && i < sizeof fields / sizeof fields[0]; i++)
		if ((rc = apply_field(ctx, inc, fields[i], changed)) > 0)
			n_changed++;
	if (rc >= 0 && cJSON_GetArraySize(changed) > 0) {
		cJSON *data = cJSON_CreateObject();
		cJSON_AddItemToObject(data, "fields", cJSON_Duplicate(changed, 1));
		rc = add_event(ctx, id, "updated", data, NULL);
	}
	cJSON_Delete(changed);
	const char *note = member_str(ctx->body, "note");
	if (rc >= 0 && note) {
		cJSON *data = cJSON_CreateObject();
		cJSON_AddStringToObject(data, "text", note);
		rc = add_event(ctx, id, "note", data, NULL);
	}
	if (rc < 0)
		return -1;
	if (n_changed > 0) {
		const char *status = member_str(inc, "status");
		cJSON_ReplaceItemInObject(inc, "version",
					  cJSON_CreateNumber(cJSON_GetNumberValue(cJSON_GetObjectItem(inc, "version")) + 1));
		cJSON_ReplaceItemInObject(inc, "updated_at", cJSON_CreateString(ctx->now));
		cJSON_ReplaceItemInObject(inc, "receipt_id", cJSON_CreateString(ctx->receipt_id));
		if (strcmp(status, "resolved") == 0 && cJSON_GetObjectItem(ctx->change, "status"))
			cJSON_ReplaceItemInObject(inc, "resolved_at", cJSON_CreateString(ctx->now));
		else if (strcmp(status, "mitigating") == 0)
			cJSON_ReplaceItemInObject(inc, "resolved_at", cJSON_CreateNull());
		if (store_incident_update(ctx->store, inc, ctx->err))
			return -1;
	}
	ctx->result = inc;
	ctx->loaded = NULL;
	return 0;
}

/* ---- incident.note ---- */

static int note_prepare(struct op_ctx *ctx)
{
	static const char *const allowed[] = {"text", NULL};
	const char *text;
	if (load_incident(ctx) || op_body_only(ctx, allowed) ||
	    op_body_string(ctx, "text", true, INCIDENT_NOTE_MAX, &text))
		return -1;
	ctx->change = cJSON_Duplicate(ctx->body, 1);
	return 0;
}

static int note_apply(struct op_ctx *ctx)
{
	cJSON *data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "text", member_str(ctx->body, "text"));
	if (add_event(ctx, ctx->req->id, "note", data, &ctx->result))
		return -1;
	ctx->status = 201;
	return 0;
}

/* ---- incident.get ---- */

static int get_apply(struct op_ctx *ctx)
{
	ctx->result = ctx->loaded;
	ctx->loaded = NULL;
	return 0;
}

/* ---- incident.list ---- */

static int list_apply(struct op_ctx *ctx)
{
	struct store_incident_filter f = {0};
	char statuses[128] = "";
	const char *status = op_query(ctx, "status");
	if (status) {
		snprintf(statuses, sizeof statuses, "%s", status);
		char *save = NULL;
		for (char *s = strtok_r(statuses, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			if (!ONE_OF(s, STATUSES) || f.n_statuses == 8)
				return kx_error_set(ctx->err, 400, "invalid_query", "status",
						    "status takes a comma list of incident statuses");
			f.statuses[f.n_statuses++] = s;
		}
	}
	f.severity = op_query(ctx, "severity");
	if (f.severity && !*f.severity)
		f.severity = NULL;
	if (f.severity && !ONE_OF(f.severity, SEVERITIES))
		return kx_error_set(ctx->err, 400, "invalid_query", "severity",
				    "severity is one of sev1, sev2, sev3, sev4");
	f.q = op_query(ctx, "q");
	if (f.q && !*f.q)
		f.q = NULL;
	/* Ignoring a q too long to match any title would list everything instead of nothing. */
	if (f.q && strlen(f.q) > 200)
		return kx_error_set(ctx->err, 400, "invalid_query", "q",
				    "q is at most 200 characters");
	f.after_id = op_query(ctx, "cursor");
	if (f.after_id && !kx_id_valid(f.after_id, "inc_"))
		return kx_error_set(ctx->err, 400, "invalid_query", "cursor", "not a cursor");
	if (op_query_limit(ctx, &f.limit))
		return -1;
	cJSON *items = store_incident_list(ctx->store, ctx->tenant, &f);
	if (!items)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	ctx->result = op_page(items, f.limit, "id");
	return 0;
}

/* ---- timeline.list ---- */

static int timeline_prepare(struct op_ctx *ctx)
{
	const char *id = op_query(ctx, "incident_id");
	if (!id || !*id)
		return kx_error_set(ctx->err, 400, "invalid_query", "incident_id",
				    "incident_id is required");
	cJSON *inc = store_incident_get(ctx->store, ctx->tenant, id);
	if (!inc)
		return kx_error_set(ctx->err, 404, "not_found", NULL, "no incident %s", id);
	ctx->resource = inc;
	snprintf(ctx->resource_id, sizeof ctx->resource_id, "%s", id);
	return 0;
}

static int timeline_apply(struct op_ctx *ctx)
{
	int limit;
	const char *cursor = op_query(ctx, "cursor");
	if (cursor && !kx_id_valid(cursor, "evt_"))
		return kx_error_set(ctx->err, 400, "invalid_query", "cursor", "not a cursor");
	if (op_query_limit(ctx, &limit))
		return -1;
	cJSON *items = store_timeline_list(ctx->store, ctx->tenant, ctx->resource_id, cursor, limit);
	if (!items)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	ctx->result = op_page(items, limit, "id");
	return 0;
}

const struct op_def incident_ops[] = {
	{"incident.create", OP_MUTATION, create_prepare, create_apply, NULL, NULL},
	{"incident.update", OP_MUTATION, update_prepare, update_apply, NULL, NULL},
	{"incident.note", OP_MUTATION, note_prepare, note_apply, NULL, NULL},
	{"incident.get", OP_QUERY, load_incident, get_apply, NULL, NULL},
	{"incident.list", OP_QUERY, NULL, list_apply, NULL},
	{"timeline.list", OP_QUERY, timeline_prepare, timeline_apply, NULL, NULL},
	{NULL, 0, NULL, NULL, NULL, NULL},
};
