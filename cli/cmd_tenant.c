/* Running tenants from the terminal (issue 6): tenants and partners, actors and their tokens,
 * role catalogs, policy profiles with simulation, and governed exceptions. Every command
 * that concerns a tenant takes --in TENANT and otherwise asks the server whose tenant the
 * caller is, so that a tenant-admin never has to spell out its own tenant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "keys.h"
#include "print.h"

#define TENANCY_DOC_MAX (1024 * 1024) /* the server's default body limit */

/* One command's backend and the tenant it concerns. */
struct tenancy {
	struct cli *c;
	struct backend *b;
	char tenant[128];
	char caller[128]; /* the caller's actor id */
	bool own;         /* the tenant is the caller's own */
};

static char *tenancy_json_text(cJSON *o)
{
	char *t = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return t;
}

static void tenancy_add_opt(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
}

/* Opens the backend and finds the tenant: --in, else the caller's own (session.get). */
static int tenancy_open(struct cli *c, struct tenancy *t)
{
	memset(t, 0, sizeof *t);
	t->c = c;
	if (!(t->b = cli_backend(c)))
		return CLI_REFUSED;
	int status;
	struct backend_request who = {.op = "session.get"};
	cJSON *s = cli_call(t->b, &who, &status);
	if (!s) {
		backend_close(t->b);
		t->b = NULL;
		return status;
	}
	const char *own = print_str(s, "tenant_id");
	snprintf(t->caller, sizeof t->caller, "%s", print_str(cJSON_GetObjectItem(s, "actor"), "id"));
	snprintf(t->tenant, sizeof t->tenant, "%s", c->in ? c->in : own);
	t->own = strcmp(t->tenant, own) == 0;
	cJSON_Delete(s);
	return CLI_OK;
}

static void tenancy_close(struct tenancy *t)
{
	if (t->b)
		backend_close(t->b);
	t->b = NULL;
}

/* Runs one request; prints the answer as JSON with --json, else through show. */
static int tenancy_run(struct tenancy *t, const struct backend_request *req,
		       void (*show)(const cJSON *))
{
	int status;
	cJSON *res = cli_call(t->b, req, &status);
	if (res && (t->c->json || !show))
		print_json(res);
	else if (res)
		show(res);
	cJSON_Delete(res);
	return status;
}

/* Opens, runs one request on the tenant (req->id is filled in), closes. */
static int tenancy_once(struct cli *c, struct backend_request *req, void (*show)(const cJSON *))
{
	struct tenancy t;
	int rc = tenancy_open(c, &t);
	if (rc == CLI_OK) {
		req->id = t.tenant;
		rc = tenancy_run(&t, req, show);
	}
	tenancy_close(&t);
	return rc;
}

/* A JSON document from a file. Members that `get --json` adds beside the document (version,
 * digest, created_at) are dropped, so that what was fetched can be edited and set again. */
static char *tenancy_read_doc(const char *path)
{
	char err[512];
	char *text = keys_read_file(path, TENANCY_DOC_MAX, NULL, err, sizeof err);
	if (!text) {
		fprintf(stderr, "klaxon: %s\n", err);
		return NULL;
	}
	cJSON *doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(doc)) {
		fprintf(stderr, "klaxon: %s: not a JSON object\n", path);
		cJSON_Delete(doc);
		return NULL;
	}
	const char *added[] = {"version", "digest", "created_at"};
	for (size_t i = 0; i < sizeof added / sizeof added[0]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(doc, added[i]);
	return tenancy_json_text(doc);
}

/* ---- tenant ---- */

static void tenant_row(const cJSON *t)
{
	print_cell(print_str(t, "id"), 24);
	print_cell(print_str(t, "name"), 24);
	print_cell(print_str(t, "kind"), 9);
	print_cell(print_str(t, "status"), 11);
	print_cell(print_str(t, "region"), 10);
	print_cell(print_str(t, "partner_id"), 24);
	putchar('\n');
}

static void tenant_show(const cJSON *t)
{
	printf("%s  %s  %s\n", print_str(t, "id"), print_str(t, "kind"), print_str(t, "status"));
	printf("name:     %s\nregion:   %s\npartner:  %s\ncreated:  %s\nupdated:  %s\n",
	       print_str(t, "name"), print_str(t, "region"), print_str(t, "partner_id"),
	       print_str(t, "created_at"), print_str(t, "updated_at"));
}

static void tenant_line(const cJSON *t)
{
	printf("%s  %s  %s\n", print_str(t, "id"), print_str(t, "status"), print_str(t, "name"));
}

static int tenant_run(struct cli *c, const struct backend_request *req, void (*show)(const cJSON *))
{
	struct tenancy t = {.c = c, .b = cli_backend(c)};
	if (!t.b)
		return CLI_REFUSED;
	int rc = tenancy_run(&t, req, show);
	tenancy_close(&t);
	return rc;
}

static void tenant_created(const cJSON *t)
{
	puts(print_str(t, "id"));
}

static int tenant_create(struct cli *c)
{
	if (c->n_args != 3 || !c->name)
		return cli_usage_error("tenant create ID --name N [--region R] [--kind customer|partner] "
				       "[--partner P]");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", c->args[2]);
	cJSON_AddStringToObject(o, "name", c->name);
	tenancy_add_opt(o, "region", c->region);
	tenancy_add_opt(o, "kind", c->kind);
	tenancy_add_opt(o, "partner_id", c->partner);
	char *body = tenancy_json_text(o);
	struct backend_request req = {.op = "tenant.create", .body = body,
				      .idempotency_key = c->idempotency_key, .override = c->override};
	int rc = tenant_run(c, &req, tenant_created);
	free(body);
	return rc;
}

static int tenant_list(struct cli *c)
{
	if (c->n_args != 2)
		return cli_usage_error("tenant list takes no positional arguments");
	struct backend_param q[3];
	return cli_list_pages(c, "tenant.list", q, 0, tenant_row);
}

static int tenant_get(struct cli *c)
{
	if (c->n_args != 3)
		return cli_usage_error("tenant show takes one tenant id");
	struct backend_request req = {.op = "tenant.get", .id = c->args[2]};
	return tenant_run(c, &req, tenant_show);
}

/* PATCH /tenants/{id} with the options given, or with `status` for suspend/resume/offboard. */
static int tenant_patch(struct cli *c, const char *status)
{
	if (c->n_args != 3)
		return cli_usage_error("tenant %s takes one tenant id", c->args[1]);
	cJSON *o = cJSON_CreateObject();
	if (status) {
		cJSON_AddStringToObject(o, "status", status);
	} else {
		tenancy_add_opt(o, "name", c->name);
		tenancy_add_opt(o, "region", c->region);
		tenancy_add_opt(o, "status", c->status);
	}
	if (cJSON_GetArraySize(o) == 0) {
		cJSON_Delete(o);
		return cli_usage_error("tenant update needs --name, --region or --status");
	}
	char *body = tenancy_json_text(o);
	struct backend_request req = {.op = "tenant.update", .id = c->args[2], .body = body,
				      .idempotency_key = c->idempotency_key, .override = c->override};
	int rc = tenant_run(c, &req, tenant_line);
	free(body);
	return rc;
}

int cmd_tenant(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	static const struct {
		const char *verb, *status;
	} statuses[] = {{"suspend", "suspended"}, {"resume", "active"}, {"offboard", "offboarded"}};
	if (!strcmp(verb, "create"))
		return tenant_create(c);
	if (!strcmp(verb, "list"))
		return tenant_list(c);
	if (!strcmp(verb, "show") || !strcmp(verb, "get"))
		return tenant_get(c);
	if (!strcmp(verb, "update"))
		return tenant_patch(c, NULL);
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (!strcmp(verb, statuses[i].verb))
			return tenant_patch(c, statuses[i].status);
	return cli_usage_error("tenant needs a verb: create, list, show, update, suspend, resume or "
			       "offboard");
}

/* ---- actor ---- */

static void actor_roles_text(const cJSON *a, char *out, size_t len)
{
	const cJSON *r;
	size_t n = 0;
	out[0] = 0;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(a, "roles"))
	{
		if (cJSON_IsString(r) && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", r->valuestring);
	}
	if (!out[0])
		snprintf(out, len, "-");
}

static void actor_row(const cJSON *a)
{
	char roles[256];
	actor_roles_text(a, roles, sizeof roles);
	print_cell(print_str(a, "id"), 31);
	print_cell(print_str(a, "name"), 20);
	print_cell(roles, 32);
	print_cell(print_str(a, "key_id"), 17);
	print_cell(cJSON_IsTrue(cJSON_GetObjectItem(a, "disabled")) ? "disabled" : "active", 8);
	putchar('\n');
}

static void actor_list_show(const cJSON *res)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(res, "items")) actor_row(a);
}

/* The token is a secret shown this once: it goes on a line of its own, last, so that a
 * script can take it with `tail -n 1` and a person cannot miss it. */
static void actor_token_show(const char *what, const cJSON *res)
{
	printf("%s\n", what);
	printf("token (shown once; the server keeps only its hash):\n%s\n", print_str(res, "token"));
}

static void actor_created(const cJSON *res)
{
	const cJSON *a = cJSON_GetObjectItem(res, "actor");
	char roles[256], what[512];
	actor_roles_text(a, roles, sizeof roles);
	snprintf(what, sizeof what, "actor %s (%s) created, roles %s", print_str(a, "id"),
		 print_str(a, "name"), roles);
	actor_token_show(what, res);
}

static void actor_rotated(const cJSON *res)
{
	actor_token_show("new token issued; the old one no longer works", res);
}

/* The ACTOR argument may be an id or, for a person's convenience, a name in the tenant. The
 * lookup is quiet: when it fails, the request that follows says why. */
static void actor_resolve(struct tenancy *t, const char *arg, char *out, size_t len)
{
	snprintf(out, len, "%s", arg);
	if (!strncmp(arg, "act_", 4))
		return;
	struct backend_request req = {.op = "actor.list", .id = t->tenant};
	struct backend_response resp;
	cJSON *res = backend_call(t->b, &req, &resp) == 0 ? cJSON_Parse(resp.body) : NULL, *a;
	backend_response_free(&resp);
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(res, "items"))
	{
		if (!strcmp(print_str(a, "name"), arg))
			snprintf(out, len, "%s", print_str(a, "id"));
	}
	cJSON_Delete(res);
}

/* --public-key FILE as the base64 line the API wants; 0, or CLI_REFUSED. */
static int actor_public_key(const struct cli *c, cJSON *o)
{
	if (!c->public_key)
		return 0;
	char err[512];
	char *line = keys_public_line(c->public_key, err, sizeof err);
	if (!line) {
		fprintf(stderr, "klaxon: %s\n", err);
		return CLI_REFUSED;
	}
	cJSON_AddStringToObject(o, "public_key", line);
	free(line);
	return 0;
}

static void actor_add_roles(const struct cli *c, cJSON *o)
{
	if (c->n_roles > 0)
		cJSON_AddItemToObject(o, "roles", cJSON_CreateStringArray(c->roles, c->n_roles));
}

static int actor_create(struct cli *c)
{
	if (c->n_args != 3 || c->n_roles == 0)
		return cli_usage_error("actor create NAME --role R [--role R]... [--public-key FILE] "
				       "[--in TENANT]");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", c->args[2]);
	actor_add_roles(c, o);
	if (actor_public_key(c, o)) {
		cJSON_Delete(o);
		return CLI_REFUSED;
	}
	char *body = tenancy_json_text(o);
	struct backend_request req = {.op = "actor.create", .body = body,
				      .idempotency_key = c->idempotency_key, .override = c->override};
	int rc = tenancy_once(c, &req, actor_created);
	free(body);
	return rc;
}

static int actor_list(struct cli *c)
{
	if (c->n_args != 2)
		return cli_usage_error("actor list takes no positional arguments");
	struct backend_request req = {.op = "actor.list"};
	return tenancy_once(c, &req, actor_list_show);
}

/* actor update and rotate-token: both name an actor of the tenant. */
static int actor_change(struct cli *c, const char *op, const char *body,
			void (*show)(const cJSON *))
{
	struct tenancy t;
	int rc = tenancy_open(c, &t);
	if (rc == CLI_OK) {
		char actor[128];
		actor_resolve(&t, c->args[2], actor, sizeof actor);
		struct backend_request req = {.op = op, .id = t.tenant, .sub_id = actor,
					      .body = body,
					      .idempotency_key = c->idempotency_key,
					      .override = c->override};
		rc = tenancy_run(&t, &req, show);
	}
	tenancy_close(&t);
	return rc;
}

static int actor_update(struct cli *c)
{
	if (c->n_args != 3)
		return cli_usage_error("actor update ACTOR [--role R]... [--disable|--enable] "
				       "[--public-key FILE] [--in TENANT]");
	if (c->disable && c->enable)
		return cli_usage_error("--disable and --enable contradict each other");
	cJSON *o = cJSON_CreateObject();
	actor_add_roles(c, o);
	if (c->disable || c->enable)
		cJSON_AddBoolToObject(o, "disabled", c->disable);
	if (actor_public_key(c, o)) {
		cJSON_Delete(o);
		return CLI_REFUSED;
	}
	if (cJSON_GetArraySize(o) == 0) {
		cJSON_Delete(o);
		return cli_usage_error("actor update needs --role, --disable, --enable or --public-key");
	}
	char *body = tenancy_json_text(o);
	int rc = actor_change(c, "actor.update", body, actor_row);
	free(body);
	return rc;
}

static int actor_rotate(struct cli *c)
{
	if (c->n_args != 3)
		return cli_usage_error("actor rotate-token ACTOR [--in TENANT]");
	return actor_change(c, "actor.rotate_token", NULL, actor_rotated);
}

int cmd_actor(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	if (!strcmp(verb, "create"))
		return actor_create(c);
	if (!strcmp(verb, "list"))
		return actor_list(c);
	if (!strcmp(verb, "update"))
		return actor_update(c);
	if (!strcmp(verb, "rotate-token"))
		return actor_rotate(c);
	return cli_usage_error("actor needs a verb: create, list, update or rotate-token");
}

/* ---- roles ---- */

static void roles_show(const cJSON *doc)
{
	printf("role catalog version %.0f  digest %s\n",
	       cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "version")), print_str(doc, "digest"));
	const cJSON *role, *p;
	cJSON_ArrayForEach(role, cJSON_GetObjectItem(doc, "roles"))
	{
		printf("  %-16s", role->string);
		int i = 0;
		cJSON_ArrayForEach(p, role) printf("%s%s", i++ ? ", " : " ", cJSON_GetStringValue(p));
		putchar('\n');
	}
}

static void doc_version_show(const cJSON *res)
{
	printf("version %.0f  digest %s\n", cJSON_GetNumberValue(cJSON_GetObjectItem(res, "version")),
	       print_str(res, "digest"));
}

/* roles set FILE and policy set FILE: the document goes as the body. */
static int tenancy_set_doc(struct cli *c, const char *op)
{
	char *body = tenancy_read_doc(c->args[2]);
	if (!body)
		return CLI_REFUSED;
	struct backend_request req = {.op = op, .body = body,
				      .idempotency_key = c->idempotency_key, .override = c->override};
	int rc = tenancy_once(c, &req, doc_version_show);
	free(body);
	return rc;
}

int cmd_roles(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	if ((!strcmp(verb, "get") || !strcmp(verb, "show")) && c->n_args == 2) {
		struct backend_request req = {.op = "roles.get"};
		return tenancy_once(c, &req, roles_show);
	}
	if (!strcmp(verb, "set") && c->n_args == 3)
		return tenancy_set_doc(c, "roles.set");
	return cli_usage_error("roles get [--in T] | roles set FILE [--in T]");
}

/* ---- policy ---- */

static void policy_rule_show(const cJSON *r)
{
	char *actions = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "actions"));
	const cJSON *when = cJSON_GetObjectItem(r, "when");
	char *cond = when ? cJSON_PrintUnformatted(when) : NULL;
	bool fixed = cJSON_IsFalse(cJSON_GetObjectItem(r, "overridable"));
	printf("  %-7s %-24s %s%s%s%s\n", print_str(r, "effect"), print_str(r, "id"),
	       actions ? actions : "[]", cond ? " when " : "", cond ? cond : "",
	       fixed ? "  (not overridable)" : "");
	cJSON_free(actions);
	cJSON_free(cond);
}

static void policy_show(const cJSON *doc)
{
	printf("profile %s  version %.0f  digest %s\n", print_str(doc, "name"),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "version")), print_str(doc, "digest"));
	const cJSON *rules = cJSON_GetObjectItem(doc, "rules"), *r;
	if (cJSON_GetArraySize(rules) == 0)
		puts("  (no rules: the role catalog alone decides)");
	cJSON_ArrayForEach(r, rules) policy_rule_show(r);
}

static int policy_get(struct cli *c)
{
	if (c->n_args > 3)
		return cli_usage_error("policy get [--version N] [--in T]");
	struct backend_request req = {.op = "policy_profile.get"};
	if (c->n_args == 3) {
		req.op = "policy_profile.version";
		req.sub_id = c->args[2];
	}
	return tenancy_once(c, &req, policy_show);
}

static void simulate_show(const cJSON *d)
{
	bool allow = !strcmp(print_str(d, "effect"), "allow");
	const cJSON *v;
	printf("effect:      %s\nrules:      ", print_str(d, "effect"));
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "rules")) printf(" %s", cJSON_GetStringValue(v));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(d, "rules")) == 0)
		printf(" - (nothing grants it)");
	printf("\nexplanation:");
	int i = 0;
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "explanation"))
	{
		printf("%s%s\n", i++ ? "             " : " ", cJSON_GetStringValue(v));
	}
	if (i == 0)
		putchar('\n');
	if (!allow)
		printf("overridable: %s\n",
		       cJSON_IsTrue(cJSON_GetObjectItem(d, "overridable")) ? "yes" : "no");
	printf("profile:     version %.0f\n",
	       cJSON_GetNumberValue(cJSON_GetObjectItem(d, "profile_version")));
}

/* --resource and --context are JSON objects of attributes. */
static int simulate_attrs(cJSON *o, const char *name, const char *text)
{
	if (!text)
		return 0;
	cJSON *v = cJSON_Parse(text);
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		return cli_usage_error("--%s takes a JSON object, e.g. '{\"severity\":\"sev1\"}'", name);
	}
	cJSON_AddItemToObject(o, name, v);
	return 0;
}

static int policy_simulate(struct cli *c)
{
	if (c->n_args != 2 || !c->action)
		return cli_usage_error("policy simulate --action A [--subject-actor ID | --role R...] "
				       "[--resource JSON] [--context JSON] [--in T]");
	if (c->subject_actor && c->n_roles > 0)
		return cli_usage_error("--subject-actor and --role are two ways to name the subject; "
				       "give one");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "action", c->action);
	if (simulate_attrs(o, "resource", c->resource) || simulate_attrs(o, "context", c->context)) {
		cJSON_Delete(o);
		return CLI_USAGE;
	}
	struct tenancy t;
	int rc = tenancy_open(c, &t);
	if (rc == CLI_OK) {
		cJSON *subject = cJSON_AddObjectToObject(o, "subject");
		if (c->n_roles > 0)
			cJSON_AddItemToObject(subject, "roles",
					      cJSON_CreateStringArray(c->roles, c->n_roles));
		else if (c->subject_actor || t.own) /* by default: "can I?" */
			cJSON_AddStringToObject(subject, "actor",
						c->subject_actor ? c->subject_actor : t.caller);
		char *body = cJSON_PrintUnformatted(o);
		struct backend_request req = {.op = "policy.simulate", .id = t.tenant, .body = body};
		rc = tenancy_run(&t, &req, simulate_show);
		cJSON_free(body);
	}
	tenancy_close(&t);
	cJSON_Delete(o);
	return rc;
}

int cmd_policy(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	if (!strcmp(verb, "get") || !strcmp(verb, "show"))
		return policy_get(c);
	if (!strcmp(verb, "set") && c->n_args == 3)
		return tenancy_set_doc(c, "policy_profile.set");
	if (!strcmp(verb, "simulate"))
		return policy_simulate(c);
	return cli_usage_error("policy get [--version N] | set FILE | simulate --action A ...");
}

/* ---- exceptions ---- */

static void exception_row(const cJSON *e)
{
	char rules[256] = "";
	size_t n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(e, "rules"))
	{
		if (cJSON_IsString(r) && n < sizeof rules)
			n += (size_t)snprintf(rules + n, sizeof rules - n, "%s%s", n ? "," : "",
					      r->valuestring);
	}
	print_cell(print_str(e, "receipt_id"), 31);
	print_cell(print_str(e, "at"), 25);
	print_cell(print_str(e, "actor"), 31);
	print_cell(print_str(e, "action"), 22);
	print_cell(rules[0] ? rules : "-", 24);
	print_cell(cJSON_IsString(cJSON_GetObjectItem(e, "acknowledged_at")) ? "acknowledged" : "open",
		   12);
	putchar('\n');
}

static void exception_rows(const cJSON *res, const char *none)
{
	const cJSON *e, *items = cJSON_GetObjectItem(res, "items");
	if (cJSON_GetArraySize(items) == 0)
		puts(none);
	cJSON_ArrayForEach(e, items) exception_row(e);
}

static void exception_open_show(const cJSON *res)
{
	exception_rows(res, "no open governed exceptions");
}

/* With --all the list includes acknowledged ones, so "none open" would mislead. */
static void exception_all_show(const cJSON *res)
{
	exception_rows(res, "no governed exceptions");
}

static void exception_acked(const cJSON *res)
{
	printf("%s acknowledged by %s at %s\n", print_str(res, "receipt_id"),
	       print_str(res, "acknowledged_by"), print_str(res, "acknowledged_at"));
}

int cmd_exceptions(struct cli *c)
{
	const char *ack = c->ack;
	if (c->n_args == 3 && !strcmp(c->args[1], "ack") && !ack)
		ack = c->args[2];
	else if (c->n_args != 1)
		return cli_usage_error("exceptions [--all] [--in T] | exceptions ack RECEIPT_ID [--in T]");
	if (ack) {
		struct backend_request req = {.op = "exception.acknowledge", .sub_id = ack,
					      .idempotency_key = c->idempotency_key};
		return tenancy_once(c, &req, exception_acked);
	}
	struct backend_param q[] = {{"all", "true"}, {NULL, NULL}};
	struct backend_request req = {.op = "exception.list", .query = c->all ? q : NULL};
	return tenancy_once(c, &req, c->all ? exception_all_show : exception_open_show);
}
