/* The CLI's ledger witness: which public key and which state a backend's checkpoints are
 * checked with, and a loud refusal when a check fails (DESIGN.md: never silent). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "witness.h"

const char *cli_pubkey_path(const struct cli *c, char *buf, size_t len)
{
	if (c->pubkey)
		return c->pubkey;
	if (c->server || !c->db)
		return NULL; /* a server's key comes from --pubkey or the config's pubkey line */
	snprintf(buf, len, "%s.pub", c->db); /* the embedded store keeps it beside the file */
	return buf;
}

/* The state is kept per server URL, or per store file by its absolute path. */
static const char *source_of(const struct cli *c, char *buf, size_t len)
{
	if (c->server)
		return c->server;
	char real[PATH_MAX];
	snprintf(buf, len, "%s", realpath(c->db, real) ? real : c->db);
	return buf;
}

int cli_witness(const struct cli *c, struct backend *b, bool own, const char *note,
		const struct witness_link *link, bool verbose)
{
	char key[1100], src[PATH_MAX], err[1200], msg[600];
	const char *pub = cli_pubkey_path(c, key, sizeof key);
	struct witness w;
	if (!pub)
		return CLI_OK;
	if (witness_open(&w, source_of(c, src, sizeof src), pub, NULL, err, sizeof err)) {
		fprintf(stderr, "klaxon: witness: %s\n", err);
		return CLI_REFUSED;
	}
	enum witness_status st = witness_observe(&w, b, own, note, link, msg, sizeof msg);
	witness_close(&w);
	if (st == WITNESS_ALARM) {
		fprintf(stderr, "klaxon: LEDGER WITNESS ALARM: %s\n", msg);
		return CLI_REFUSED;
	}
	if (st == WITNESS_UNLINKED)
		fprintf(stderr, "klaxon: witness: %s\n", msg);
	else if (verbose && *msg)
		fprintf(stderr, "klaxon: witness: %s\n", msg);
	return CLI_OK;
}

int cli_witness_current(const struct cli *c, struct backend *b, bool verbose)
{
	char key[1100];
	if (!cli_pubkey_path(c, key, sizeof key))
		return CLI_OK;
	struct backend_request req = {.op = "ledger.get"};
	struct backend_response resp;
	int rc = CLI_OK;
	if (backend_call(b, &req, &resp) == 0) {
		rc = cli_witness(c, b, true, resp.body, NULL, verbose);
	} else {
		char msg[512];
		fprintf(stderr, "klaxon: witness: no checkpoint to check: %s\n",
			backend_error_text(&resp, msg, sizeof msg));
		rc = CLI_REFUSED;
	}
	backend_response_free(&resp);
	return rc;
}
