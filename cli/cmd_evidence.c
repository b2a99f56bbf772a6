/* klaxon evidence export|verify|list and klaxon redaction get|set. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "bundle.h"
#include "print.h"
#include "witness.h"

/* ---- the progress bar: stderr, and only on a terminal ---- */

static void progress(void *ctx, enum evidence_phase phase, uint64_t done, uint64_t total)
{
	(void)ctx;
	static const char *const names[] = {"exporting", "downloading", "writing"};
	const int width = 30;
	int filled = phase == EVIDENCE_EXPORTING ? 0
		     : total > 0		 ? (int)((double)done / (double)total * width)
						 : width / 2;
	if (filled > width)
		filled = width;
	fprintf(stderr, "\r%-12s [", names[phase]);
	for (int i = 0; i < width; i++)
		fputc(i < filled ? '#' : '.', stderr);
	fprintf(stderr, "] %10" PRIu64 " bytes", done);
	if (phase == EVIDENCE_WRITING)
		fputc('\n', stderr);
	fflush(stderr);
}

/* ---- evidence export ---- */

/* The bundle just written, verified offline and its checkpoint witnessed. */
static int check_export(const struct cli *c, struct backend *b, bool own, const char *pub)
{
	struct evidence_report rep = {0};
	char msg[600];
	if (evidence_verify_file(c->output, pub, false, &rep, msg, sizeof msg)) {
		fprintf(stderr, "klaxon: the exported bundle does not verify: %s\n", msg);
		evidence_report_free(&rep);
		return CLI_REFUSED;
	}
	struct witness_link link = {rep.previous_checkpoint, (const char *const *)rep.consistency,
				    rep.n_consistency};
	int rc = cli_witness(c, b, own, rep.checkpoint, &link, false);
	evidence_report_free(&rep);
	return rc;
}

static int export(struct cli *c)
{
	if (c->n_args != 2)
		return cli_usage_error("evidence export takes no positional arguments");
	if (!c->from || !c->to || !c->output)
		return cli_usage_error("evidence export needs --from T, --to T and -o FILE");
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	char tenant[128], key[1100], msg[600];
	bool own = false;
	int rc = cli_target_tenant(c, b, tenant, sizeof tenant, &own);
	struct evidence_export ex = {0};
	if (rc == CLI_OK &&
	    evidence_export_file(b, tenant, c->from, c->to, c->override, c->output,
				 isatty(STDERR_FILENO) ? progress : NULL, NULL, &ex, msg, sizeof msg)) {
		fprintf(stderr, "klaxon: evidence export: %s\n", msg);
		rc = CLI_REFUSED;
	}
	const char *pub = cli_pubkey_path(c, key, sizeof key);
	if (rc == CLI_OK && pub)
		rc = check_export(c, b, own, pub);
	if (rc == CLI_OK && c->json) {
		cJSON *a = cJSON_Parse(ex.answer);
		cJSON_AddStringToObject(a, "path", c->output);
		cJSON_AddBoolToObject(a, "verified", pub != NULL);
		print_json(a);
		cJSON_Delete(a);
	} else if (rc == CLI_OK) {
		printf("%s of tenant %s: %s (%" PRIu64 " bytes)\n", ex.id, tenant, c->output, ex.bytes);
		printf("  %" PRIu64 " receipts, checkpoint %" PRIu64 ", previous export's %" PRIu64 "\n",
		       ex.receipts, ex.checkpoint_size, ex.previous_size);
		printf("  manifest digest %s\n", ex.manifest_digest);
		printf("  %s\n", pub ? "verified with the server's public key; checkpoint witnessed"
				     : "not verified here: give --pubkey to check it");
	}
	evidence_export_free(&ex);
	backend_close(b);
	return rc;
}

/* ---- evidence verify ---- */

static void show_check(void *ctx, const char *check)
{
	if (ctx)
		cJSON_AddItemToArray(ctx, cJSON_CreateString(check));
	else
		printf("  ok  %s\n", check);
}

static void show_replay(void *ctx, const char *receipt_id, const char *outcome, const char *why)
{
	if (ctx)
		return; /* --json reports the counts */
	printf("  %-14s %s: %s\n", outcome, receipt_id, why);
}

static int verify(struct cli *c)
{
	if (c->n_args != 3)
		return cli_usage_error("evidence verify takes one bundle file");
	if (!c->pubkey)
		return cli_usage_error("evidence verify needs --pubkey server.pub");
	cJSON *checks = c->json ? cJSON_CreateArray() : NULL;
	struct evidence_report rep = {.on_check = show_check, .on_replay = show_replay,
				      .ctx = checks};
	char msg[600];
	int failed = evidence_verify_file(c->args[2], c->pubkey, c->replay, &rep, msg, sizeof msg);
	int rc = failed ? CLI_REFUSED : rep.drift > 0 ? CLI_REFUSED : CLI_OK;
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "verified", !failed);
		if (failed)
			cJSON_AddStringToObject(o, "failure", msg);
		cJSON_AddStringToObject(o, "tenant_id", rep.tenant_id);
		cJSON_AddStringToObject(o, "export_id", rep.export_id);
		cJSON_AddNumberToObject(o, "receipts", (double)rep.receipts);
		cJSON_AddNumberToObject(o, "checkpoint_size", (double)rep.checkpoint_size);
		if (c->replay) {
			cJSON *r = cJSON_AddObjectToObject(o, "replay");
			cJSON_AddNumberToObject(r, "same", (double)rep.replayed);
			cJSON_AddNumberToObject(r, "drift", (double)rep.drift);
			cJSON_AddNumberToObject(r, "not_replayable", (double)rep.not_replayable);
			cJSON_AddNumberToObject(r, "tenancy", (double)rep.tenancy);
		}
		cJSON_AddItemToObject(o, "checks", checks);
		print_json(o);
		cJSON_Delete(o);
	} else if (!failed) {
		printf("%s: verified, tenant %s, %s to %s, %" PRIu64 " receipts\n", c->args[2],
		       rep.tenant_id, rep.from, rep.to, rep.receipts);
	}
	if (failed)
		fprintf(stderr, "klaxon: evidence verification FAILED: %s\n", msg);
	else if (rep.drift > 0)
		fprintf(stderr, "klaxon: replay: %" PRIu64 " decisions drifted\n", rep.drift);
	evidence_report_free(&rep);
	return rc;
}

/* ---- evidence list ---- */

static void export_row(const cJSON *e)
{
	char receipts[24];
	snprintf(receipts, sizeof receipts, "%.0f",
		 cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "counts"), "receipts")));
	print_cell(print_str(e, "id"), 31);
	print_cell(print_str(e, "created_at"), 25);
	print_cell(print_str(e, "from"), 25);
	print_cell(print_str(e, "to"), 25);
	print_cell(receipts, 8);
	putchar('\n');
}

/* One request about the target tenant; the answer printed as JSON or by show. */
static int tenant_request(struct cli *c, const char *op, const char *body,
			  void (*show)(const cJSON *))
{
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	char tenant[128];
	bool own;
	int rc = cli_target_tenant(c, b, tenant, sizeof tenant, &own);
	struct backend_param q[3] = {{NULL, NULL}};
	int n = 0;
	if (c->limit)
		q[n++] = (struct backend_param){"limit", c->limit};
	if (c->cursor)
		q[n++] = (struct backend_param){"cursor", c->cursor};
	struct backend_request req = {.op = op, .id = tenant, .body = body, .query = q,
				      .idempotency_key = c->idempotency_key,
				      .override = body ? c->override : NULL};
	cJSON *res = rc == CLI_OK ? cli_call(b, &req, &rc) : NULL;
	if (res && c->json)
		print_json(res);
	else if (res)
		show(res);
	cJSON_Delete(res);
	backend_close(b);
	return rc;
}

static void show_exports(const cJSON *page)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(page, "items")) export_row(e);
	const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(page, "next_cursor"));
	if (next)
		printf("(more: --cursor %s)\n", next);
}

int cmd_evidence(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	if (!strcmp(verb, "export"))
		return export(c);
	if (!strcmp(verb, "verify"))
		return verify(c);
	if (!strcmp(verb, "list")) {
		if (c->n_args != 2)
			return cli_usage_error("evidence list takes no positional arguments");
		return tenant_request(c, "evidence.list", NULL, show_exports);
	}
	return cli_usage_error("evidence takes a verb: export, verify or list");
}

/* ---- redaction rules ---- */

static void show_rules(const cJSON *r)
{
	const cJSON *rule, *f;
	printf("tenant rules (version %.0f):\n", cJSON_GetNumberValue(cJSON_GetObjectItem(r, "version")));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(r, "rules")) == 0)
		printf("  (none)\n");
	cJSON_ArrayForEach(rule, cJSON_GetObjectItem(r, "rules"))
	{
		printf("  %-20s", print_str(rule, "id"));
		if (cJSON_GetObjectItem(rule, "pattern"))
			printf(" pattern %s", print_str(rule, "pattern"));
		if (cJSON_GetObjectItem(rule, "fields")) {
			printf(" fields");
			cJSON_ArrayForEach(f, cJSON_GetObjectItem(rule, "fields")) printf(" %s", f->valuestring);
		}
		putchar('\n');
	}
	printf("built in, always applied:\n");
	cJSON_ArrayForEach(rule, cJSON_GetObjectItem(r, "defaults"))
		printf("  %-20s %s\n", print_str(rule, "id"), print_str(rule, "description"));
}

static char *read_input(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, mem);
	if (mem)
		fclose(mem);
	if (f != stdin)
		fclose(f);
	return buf;
}

int cmd_redaction(struct cli *c)
{
	const char *verb = c->n_args > 1 ? c->args[1] : "";
	if (!strcmp(verb, "get") && c->n_args == 2)
		return tenant_request(c, "redaction.get", NULL, show_rules);
	if (strcmp(verb, "set") != 0 || c->n_args != 3)
		return cli_usage_error("redaction takes get, or set FILE ({\"rules\": [...]}, - for stdin)");
	char *body = read_input(c->args[2]);
	if (!body) {
		fprintf(stderr, "klaxon: %s: %s\n", c->args[2], strerror(errno));
		return CLI_REFUSED;
	}
	int rc = tenant_request(c, "redaction.set", body, show_rules);
	free(body);
	return rc;
}
