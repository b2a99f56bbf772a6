/* Runbooks from the command line: keys, publishing, launching, running steps, approving,
 * abort and rollback (issue 5's CLI forms). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "approval.h"
#include "cli.h"
#include "keys.h"
#include "print.h"

#define RUNBOOK_DOC_MAX (256 * 1024)

/* Runs one request on a freshly opened backend; prints the JSON or calls show(). */
static int run_and_show(struct cli *c, const struct backend_request *req, void (*show)(const cJSON *))
{
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	int status;
	cJSON *res = cli_call(b, req, &status);
	backend_close(b);
	if (res && (c->json || !show))
		print_json(res);
	else if (res)
		show(res);
	cJSON_Delete(res);
	return status;
}

static char *json_text(cJSON *o)
{
	char *t = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return t;
}

/* ---- keygen, signing-key ---- */

int cmd_keygen(struct cli *c)
{
	if (c->n_args != 1)
		return cli_usage_error("keygen takes no positional arguments");
	const char *sec = c->output ? c->output : "klaxon.key";
	char pub[4096], err[512];
	keys_pub_path(sec, pub, sizeof pub);
	char *pass = NULL;
	if (c->passphrase_file || c->protect) {
		pass = keys_read_passphrase(c->passphrase_file, "passphrase for the new key: ", err,
					    sizeof err);
		if (pass && !c->passphrase_file) { /* typed: make sure it was what was meant */
			char *second = keys_read_passphrase(NULL, "again: ", err, sizeof err);
			if (!second || strcmp(second, pass)) {
				snprintf(err, sizeof err, "the passphrases differ");
				free(pass);
				pass = NULL;
			}
			free(second);
		}
		if (!pass) {
			fprintf(stderr, "klaxon: %s\n", err);
			return CLI_REFUSED;
		}
	}
	int generated = keys_generate_with(sec, pub, pass, err, sizeof err);
	if (pass) {
		sodium_memzero(pass, strlen(pass));
		free(pass);
	}
	if (generated) {
		fprintf(stderr, "klaxon: %s\n", err);
		return CLI_REFUSED;
	}
	char id[17];
	keys_id(pub, id, err, sizeof err);
	printf("secret key %s (0600), public key %s, key id %s\n", sec, pub, id);
	return CLI_OK;
}

static void key_row(const cJSON *k)
{
	print_cell(print_str(k, "key_id"), 18);
	print_cell(print_str(k, "name"), 24);
	print_cell(cJSON_IsString(cJSON_GetObjectItem(k, "revoked_at")) ? "revoked" : "trusted", 9);
	print_cell(print_str(k, "created_at"), 25);
	putchar('\n');
}

static void key_list_show(const cJSON *res)
{
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(res, "items")) key_row(k);
}

int cmd_signing_key(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	char tenant[128];
	bool own;
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	int st = cli_target_tenant(c, b, tenant, sizeof tenant, &own);
	backend_close(b);
	if (st != CLI_OK)
		return st;
	if (!strcmp(verb, "list") && c->n_args == 2) {
		struct backend_request req = {.op = "signing_key.list", .id = tenant};
		return run_and_show(c, &req, key_list_show);
	}
	if (!strcmp(verb, "revoke") && c->n_args == 3) {
		struct backend_request req = {.op = "signing_key.revoke", .id = tenant, .sub_id = c->args[2],
					      .override = c->override};
		return run_and_show(c, &req, key_row);
	}
	if (!strcmp(verb, "add") && c->n_args == 3) {
		char err[512];
		char *line = keys_public_line(c->args[2], err, sizeof err);
		if (!line) {
			fprintf(stderr, "klaxon: %s\n", err);
			return CLI_REFUSED;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", c->name ? c->name : c->args[2]);
		cJSON_AddStringToObject(o, "public_key", line);
		free(line);
		char *body = json_text(o);
		struct backend_request req = {.op = "signing_key.add", .id = tenant, .body = body,
					      .override = c->override};
		int rc = run_and_show(c, &req, key_row);
		free(body);
		return rc;
	}
	return cli_usage_error("signing-key add PUBKEY_FILE [--name N] | list | revoke KEY_ID");
}

/* ---- runbook ---- */

static void version_show(const cJSON *v)
{
	printf("%s version %.0f  risk %s  key %s\ndigest %s\n", print_str(v, "id"),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(v, "version")), print_str(v, "risk"),
	       print_str(v, "key_id"), print_str(v, "digest"));
	const cJSON *s;
	int i = 1;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(v, "steps"))
	{
		printf("  %2d. %-9s %-20s %s\n", i++, print_str(s, "kind"), print_str(s, "id"),
		       print_str(s, "title"));
	}
}

static void runbook_list_show(const cJSON *res)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(res, "items"))
	{
		char v[16];
		snprintf(v, sizeof v, "v%.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(r, "version")));
		print_cell(print_str(r, "id"), 28);
		print_cell(v, 6);
		print_cell(print_str(r, "risk"), 9);
		print_cell(print_str(r, "key_id"), 18);
		print_cell(print_str(r, "name"), 40);
		putchar('\n');
	}
}

static void execution_show(const cJSON *e)
{
	printf("%s  %s  runbook %s v%.0f%s%s\n", print_str(e, "id"), print_str(e, "status"),
	       print_str(e, "runbook_id"), cJSON_GetNumberValue(cJSON_GetObjectItem(e, "runbook_version")),
	       cJSON_IsString(cJSON_GetObjectItem(e, "incident_id")) ? "  incident " : "",
	       cJSON_IsString(cJSON_GetObjectItem(e, "incident_id")) ? print_str(e, "incident_id") : "");
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(e, "steps"))
	{
		const cJSON *code = cJSON_GetObjectItem(s, "exit_code");
		char exit_text[24] = "";
		if (cJSON_IsNumber(code))
			snprintf(exit_text, sizeof exit_text, "exit %.0f", code->valuedouble);
		printf("  %-20s %-9s %-18s %s\n", print_str(s, "id"), print_str(s, "kind"),
		       print_str(s, "status"), exit_text);
	}
}

static int runbook_publish(struct cli *c)
{
	if (c->n_args != 3 || !c->key)
		return cli_usage_error("runbook publish FILE --key SECRET_KEY");
	char err[512];
	size_t len;
	char *doc = keys_read_file(c->args[2], RUNBOOK_DOC_MAX, &len, err, sizeof err);
	char *sig = doc ? keys_sign_asking(c->key, c->passphrase_file, doc, len, err, sizeof err)
			: NULL;
	int rc = CLI_REFUSED;
	if (!sig || strlen(doc) != len) {
		fprintf(stderr, "klaxon: %s\n", sig ? "the document holds a NUL byte" : err);
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "document", doc);
		cJSON_AddStringToObject(o, "signature", sig);
		char *body = json_text(o);
		struct backend_request req = {.op = "runbook.publish", .body = body,
					      .override = c->override};
		rc = run_and_show(c, &req, version_show);
		free(body);
	}
	free(doc);
	free(sig);
	return rc;
}

int cmd_runbook(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	if (!strcmp(verb, "publish"))
		return runbook_publish(c);
	if (!strcmp(verb, "list") && c->n_args == 2) {
		struct backend_request req = {.op = "runbook.list"};
		return run_and_show(c, &req, runbook_list_show);
	}
	if (!strcmp(verb, "show") && c->n_args == 3) {
		struct backend_request req = {.op = "runbook.get", .id = c->args[2]};
		return run_and_show(c, &req, version_show);
	}
	if (!strcmp(verb, "launch") && c->n_args == 3) {
		cJSON *o = cJSON_CreateObject();
		if (c->incident)
			cJSON_AddStringToObject(o, "incident_id", c->incident);
		char *body = json_text(o);
		struct backend_request req = {.op = "runbook.launch", .id = c->args[2], .body = body,
					      .idempotency_key = c->idempotency_key,
					      .override = c->override};
		int rc = run_and_show(c, &req, execution_show);
		free(body);
		return rc;
	}
	return cli_usage_error("runbook publish FILE --key K | list | show ID | launch ID [--incident INC]");
}

/* ---- run ---- */

static void step_show(const cJSON *s)
{
	const cJSON *code = cJSON_GetObjectItem(s, "exit_code");
	printf("%s  %s", print_str(s, "id"), print_str(s, "status"));
	if (cJSON_IsNumber(code))
		printf("  exit %.0f", code->valuedouble);
	putchar('\n');
	const char *out = cJSON_GetStringValue(cJSON_GetObjectItem(s, "output"));
	if (out && *out)
		fputs(out, stdout);
}

static int run_reasoned(struct cli *c, const char *op)
{
	if (c->n_args != 3 || !c->reason)
		return cli_usage_error("run %s RUN --reason R", c->args[1]);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "reason", c->reason);
	if (!strcmp(op, "execution.rollback"))
		cJSON_AddNumberToObject(o, "wait_s", c->wait ? atof(c->wait) : 300);
	char *body = json_text(o);
	struct backend_request req = {.op = op, .id = c->args[2], .body = body,
				      .idempotency_key = c->idempotency_key, .override = c->override};
	int rc = run_and_show(c, &req, execution_show);
	free(body);
	return rc;
}

int cmd_run(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	if (!strcmp(verb, "show") && c->n_args == 3) {
		struct backend_request req = {.op = "execution.get", .id = c->args[2]};
		return run_and_show(c, &req, execution_show);
	}
	if (!strcmp(verb, "step") && c->n_args == 4) {
		cJSON *o = cJSON_CreateObject();
		if (c->note)
			cJSON_AddStringToObject(o, "note", c->note);
		/* The command line waits for the command (up to --wait, 300 s by default). */
		cJSON_AddNumberToObject(o, "wait_s", c->wait ? atof(c->wait) : 300);
		char *body = json_text(o);
		struct backend_request req = {.op = "step.execute", .id = c->args[2],
					      .sub_id = c->args[3], .body = body,
					      .idempotency_key = c->idempotency_key,
					      .override = c->override};
		int rc = run_and_show(c, &req, step_show);
		free(body);
		return rc;
	}
	if (!strcmp(verb, "abort"))
		return run_reasoned(c, "execution.abort");
	if (!strcmp(verb, "rollback"))
		return run_reasoned(c, "execution.rollback");
	return cli_usage_error("run show RUN | step RUN STEP [--note N] | abort RUN --reason R | "
			       "rollback RUN --reason R");
}

/* ---- approve, approvals ---- */

/* The statement of API.md for this approver and execution (client/approval.c builds it). */
static char *approval_statement(struct backend *b, struct cli *c, int *status)
{
	struct backend_request who = {.op = "session.get"};
	struct backend_request get = {.op = "execution.get", .id = c->args[1]};
	cJSON *s = cli_call(b, &who, status);
	cJSON *e = s ? cli_call(b, &get, status) : NULL;
	char *text = NULL;
	if (s && e) {
		struct approval_input in = {
			.execution_id = c->args[1],
			.step_id = c->args[2],
			.runbook_digest = print_str(e, "runbook_digest"),
			.approver = print_str(cJSON_GetObjectItem(s, "actor"), "id"),
			.reject = c->reject,
			.reason = c->reason,
		};
		text = approval_statement_new(&in);
	}
	cJSON_Delete(s);
	cJSON_Delete(e);
	return text;
}

static void approval_show(const cJSON *a)
{
	printf("%s %s on %s/%s: %.0f of %.0f, step %s\n", print_str(a, "approver"),
	       print_str(a, "decision"), print_str(a, "execution_id"), print_str(a, "step_id"),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(a, "granted")),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(a, "required")), print_str(a, "step_status"));
}

/* The signed step.approve body, asking for the key's passphrase when it has one (from
 * --passphrase-file, else the terminal); NULL with a message. */
static char *approval_signed_body(struct cli *c, const char *statement, char *err, size_t errlen)
{
	char *pass = NULL;
	if (keys_encrypted(c->key)) {
		char prompt[600];
		snprintf(prompt, sizeof prompt, "passphrase for %s: ", c->key);
		if (!(pass = keys_read_passphrase(c->passphrase_file, prompt, err, errlen)))
			return NULL;
	}
	char *body = approval_request_body(statement, c->key, pass, err, errlen);
	if (pass) {
		sodium_memzero(pass, strlen(pass));
		free(pass);
	}
	return body;
}

int cmd_approve(struct cli *c)
{
	if (c->n_args != 3 || !c->key)
		return cli_usage_error("approve RUN STEP --key SECRET_KEY [--reject --reason R]");
	if (c->reject && !c->reason)
		return cli_usage_error("a rejection needs --reason");
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	int status = CLI_REFUSED;
	char err[512];
	char *statement = approval_statement(b, c, &status);
	char *body = statement ? approval_signed_body(c, statement, err, sizeof err) : NULL;
	if (statement && !body)
		fprintf(stderr, "klaxon: %s\n", err);
	if (body) {
		struct backend_request req = {.op = "step.approve", .id = c->args[1],
					      .sub_id = c->args[2], .body = body,
					      .override = c->override};
		cJSON *res = cli_call(b, &req, &status);
		if (res && c->json)
			print_json(res);
		else if (res)
			approval_show(res);
		cJSON_Delete(res);
	} else if (statement) {
		status = CLI_REFUSED;
	}
	free(statement);
	free(body);
	backend_close(b);
	return status;
}

static void pending_row(const cJSON *a)
{
	char q[24];
	snprintf(q, sizeof q, "%.0f/%.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(a, "granted")),
		 cJSON_GetNumberValue(cJSON_GetObjectItem(a, "required")));
	print_cell(print_str(a, "execution_id"), 31);
	print_cell(print_str(a, "step_id"), 16);
	print_cell(print_str(a, "runbook_id"), 24);
	print_cell(print_str(a, "risk"), 9);
	print_cell(q, 6);
	print_cell(print_str(a, "requested_at"), 25);
	putchar('\n');
}

int cmd_approvals(struct cli *c)
{
	if (c->n_args != 1)
		return cli_usage_error("approvals takes no positional arguments");
	struct backend_param q[4] = {{"status", "pending"}};
	return cli_list_pages(c, "approval.list", q, 1, pending_row);
}
