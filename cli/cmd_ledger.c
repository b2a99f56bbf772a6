/* klaxon receipts, klaxon ledger verify. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "print.h"

static void receipt_row(const cJSON *r)
{
	char seq[24];
	snprintf(seq, sizeof seq, "%.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(r, "seq")));
	print_cell(seq, 7);
	print_cell(print_str(r, "at"), 25);
	print_cell(print_str(r, "action"), 18);
	print_cell(print_str(cJSON_GetObjectItem(r, "decision"), "effect"), 6);
	print_cell(print_str(r, "actor"), 31);
	print_cell(print_str(r, "resource"), 31);
	putchar('\n');
}

int cmd_receipts(struct cli *c)
{
	if (c->n_args != 1)
		return cli_usage_error("receipts takes no positional arguments");
	struct backend_param q[8];
	int n = 0;
	const char *names[] = {"action", "resource", "from", "to", "limit"};
	const char *values[] = {c->action, c->resource, c->from, c->to, c->limit};
	for (int i = 0; i < 5; i++)
		if (values[i])
			q[n++] = (struct backend_param){names[i], values[i]};
	int rc = cli_list_pages(c, "receipt.list", q, n, receipt_row);
	char key[1100];
	if (rc == CLI_OK && cli_pubkey_path(c, key, sizeof key)) {
		/* The receipts shown belong to a log this client witnesses. */
		struct backend *b = cli_backend(c);
		rc = b ? cli_witness_current(c, b, false) : CLI_REFUSED;
		backend_close(b);
	}
	return rc;
}

/* klaxon ledger checkpoint: the caller's signed checkpoint, witnessed. */
static int ledger_checkpoint(struct cli *c)
{
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	struct backend_request req = {.op = "ledger.get"};
	struct backend_response resp;
	int rc = CLI_OK;
	if (backend_call(b, &req, &resp) == 0) {
		rc = cli_witness(c, b, true, resp.body, NULL, true);
		if (rc == CLI_OK)
			fputs(resp.body, stdout);
	} else {
		char msg[512];
		fprintf(stderr, "klaxon: %s\n", backend_error_text(&resp, msg, sizeof msg));
		rc = CLI_REFUSED;
	}
	backend_response_free(&resp);
	backend_close(b);
	return rc;
}

int cmd_ledger(struct cli *c)
{
	if (c->n_args == 2 && strcmp(c->args[1], "checkpoint") == 0)
		return ledger_checkpoint(c);
	if (c->n_args != 2 || strcmp(c->args[1], "verify") != 0)
		return cli_usage_error("ledger takes one verb: verify or checkpoint");
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	char msg[512];
	int rc = backend_ledger_verify(b, msg, sizeof msg);
	backend_close(b);
	if (rc) {
		fprintf(stderr, "klaxon: ledger verification FAILED: %s\n", msg);
		return CLI_REFUSED;
	}
	puts(msg);
	return CLI_OK;
}

int cmd_init(struct cli *c)
{
	if (c->n_args != 1)
		return cli_usage_error("init takes no positional arguments");
	if (c->server)
		return cli_usage_error("init makes an embedded store; for a server use `klaxond init`");
	if (!c->db)
		return cli_usage_error("init needs --db PATH (or KLAXON_DB)");
	char err[512];
	if (backend_init_store(c->db, err, sizeof err)) {
		fprintf(stderr, "klaxon: %s\n", err);
		return CLI_REFUSED;
	}
	printf("store %s made: tenant default, actor admin\n", c->db);
	return CLI_OK;
}

int cmd_backup(struct cli *c)
{
	if (c->n_args != 1 || !c->output)
		return cli_usage_error("backup -o FILE");
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	char msg[1200];
	int rc = backend_backup(b, c->output, msg, sizeof msg);
	backend_close(b);
	if (rc) {
		fprintf(stderr, "klaxon: backup: %s\n", msg);
		return CLI_REFUSED;
	}
	puts(msg);
	return CLI_OK;
}
