/* Opening the backend from the options and running a call with the CLI's error handling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "print.h"

struct backend *cli_backend(const struct cli *c)
{
	struct backend_config cfg = {
		.db_path = c->db,
		/* A PostgreSQL store has no file beside which its key could lie: klaxond's
		 * DIR/server.key is named by KLAXON_KEY. */
		.key_path = getenv("KLAXON_KEY"),
		.server_url = c->server,
		.token = c->token,
		.cacert = c->cacert,
		.tenant = c->tenant,
		.actor = c->as,
		.debug_log = c->debug_log,
		.insecure = c->insecure,
	};
	char err[512];
	struct backend *b = backend_open(&cfg, err, sizeof err);
	if (!b)
		fprintf(stderr, "klaxon: %s\n", err);
	return b;
}

/* A policy denial says which rules decided and why (from error.decision), and whether a
 * governed exception could pass it, so that the person does not have to dig for it. */
static void cli_print_denial(const struct backend_request *req, const struct backend_response *resp)
{
	cJSON *root = resp->body ? cJSON_Parse(resp->body) : NULL;
	const cJSON *e = cJSON_GetObjectItem(root, "error");
	const cJSON *d = cJSON_GetObjectItem(e, "decision"), *v;
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(e, "code"));
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	if (!cJSON_IsObject(d) || !code || strcmp(code, "policy_denied") != 0) {
		cJSON_Delete(root);
		return;
	}
	fputs("  deciding rules:", stderr);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "rules"))
	{
		if (cJSON_IsString(v))
			fprintf(stderr, " %s", v->valuestring);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(d, "rules")) == 0)
		fputs(" none (no role or permit rule grants it)", stderr);
	fputc('\n', stderr);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "explanation"))
	{
		if (cJSON_IsString(v))
			fprintf(stderr, "  why: %s\n", v->valuestring);
	}
	/* Only a denied change leaves a receipt (record_digest) and can be overridden; the core
	 * says "(not overridable)" when a rule forbids the exception. */
	const cJSON *ov = cJSON_GetObjectItem(d, "overridable");
	bool overridable = ov ? cJSON_IsTrue(ov)
			      : cJSON_GetObjectItem(d, "record_digest") &&
					!(msg && strstr(msg, "not overridable"));
	if (overridable && req->override)
		fputs("  the override was refused: it needs the policy.override permission\n", stderr);
	else if (overridable)
		fputs("  a governed exception may pass it: repeat with --override \"justification\"\n",
		      stderr);
	cJSON_Delete(root);
}

cJSON *cli_call(struct backend *b, const struct backend_request *req, int *status)
{
	struct backend_response resp;
	cJSON *body = NULL;
	if (backend_call(b, req, &resp) == 0) {
		body = resp.body ? cJSON_Parse(resp.body) : NULL;
		if (!body && resp.body) /* text answers (a checkpoint) travel as a JSON string */
			body = cJSON_CreateString(resp.body);
		*status = CLI_OK;
	} else {
		char msg[512];
		fprintf(stderr, "klaxon: %s\n", backend_error_text(&resp, msg, sizeof msg));
		cli_print_denial(req, &resp);
		*status = CLI_REFUSED;
	}
	backend_response_free(&resp);
	return body;
}

int cli_target_tenant(const struct cli *c, struct backend *b, char *out, size_t len, bool *own)
{
	int status;
	struct backend_request who = {.op = "session.get"};
	cJSON *s = cli_call(b, &who, &status);
	if (!s)
		return status;
	const char *mine = print_str(s, "tenant_id");
	snprintf(out, len, "%s", c->in ? c->in : mine);
	*own = strcmp(out, mine) == 0;
	cJSON_Delete(s);
	return CLI_OK;
}

/* Fetches pages (all of them with --all) and hands each item to print_row. With --json and
 * without --all, the page is printed as the API shapes it. */
int cli_list_pages(struct cli *c, const char *op, struct backend_param *query, int n_query,
		      void (*print_row)(const cJSON *item))
{
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	char cursor[128] = "";
	int status = CLI_OK;
	cJSON *all = cJSON_CreateArray();
	if (c->cursor)
		snprintf(cursor, sizeof cursor, "%s", c->cursor);
	for (;;) {
		int n = n_query;
		if (*cursor)
			query[n++] = (struct backend_param){"cursor", cursor};
		query[n] = (struct backend_param){NULL, NULL};
		struct backend_request req = {.op = op, .query = query};
		cJSON *page = cli_call(b, &req, &status);
		if (!page)
			break;
		if (c->json && !c->all) {
			print_json(page);
			cJSON_Delete(page);
			break;
		}
		cJSON *item;
		cJSON_ArrayForEach(item, cJSON_GetObjectItem(page, "items"))
		{
			if (c->json)
				cJSON_AddItemToArray(all, cJSON_Duplicate(item, 1));
			else
				print_row(item);
		}
		const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(page, "next_cursor"));
		snprintf(cursor, sizeof cursor, "%s", next ? next : "");
		cJSON_Delete(page); /* next went with it: cursor holds the copy */
		if (!*cursor || !c->all) {
			if (*cursor && !c->json)
				printf("(more: --cursor %s, or --all)\n", cursor);
			break;
		}
	}
	if (c->json && c->all && status == CLI_OK) {
		cJSON *out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "items", all);
		cJSON_AddNullToObject(out, "next_cursor");
		print_json(out);
		cJSON_Delete(out);
	} else {
		cJSON_Delete(all);
	}
	backend_close(b);
	return status;
}
