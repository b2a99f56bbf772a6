/* klaxon's command line: the parsed options every subcommand shares, and the subcommands. */
#ifndef KX_CLI_H
#define KX_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "backend.h"

#define CLI_MAX_LABELS 32
#define CLI_MAX_ROLES 32

/* Exit statuses (DESIGN.md "The CLI"). */
enum { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

struct cli {
	/* backend and identity */
	const char *db, *server, *token, *cacert, *tenant, *as, *debug_log, *config;
	bool json, help, insecure;
	char default_db[1024];
	/* subcommand options */
	const char *title, *severity, *description, *region, *status, *note, *commander;
	const char *labels[CLI_MAX_LABELS];
	int n_labels;
	const char *limit, *cursor, *query, *if_match, *idempotency_key, *override;
	const char *action, *resource, *from, *to;
	bool all, reject;
	const char *key, *incident, *reason, *name, *wait, *output, *passphrase_file;
	bool protect;
	/* evidence, usage and the ledger witness */
	const char *pubkey, *bucket;
	bool replay, platform;
	/* tenancy: --in TENANT, tenants, actors (--role repeats), policy simulation */
	const char *in, *kind, *partner, *public_key, *subject_actor, *context, *ack;
	const char *roles[CLI_MAX_ROLES];
	int n_roles;
	bool disable, enable;
	/* positional words after the options are taken out */
	char **args;
	int n_args;
};

/* Opens the backend the options name; prints the reason and returns NULL on failure. */
struct backend *cli_backend(const struct cli *c);

/* Runs an operation and, on a non-2xx answer, prints its one-line reason to stderr. Returns
 * the parsed JSON body (caller frees with cJSON_Delete) or NULL; *status gets the exit
 * status to use. */
struct cJSON *cli_call(struct backend *b, const struct backend_request *req, int *status);

/* Fetches list pages (all of them with --all, else one, starting at --cursor) and hands each
 * item to print_row; with --json prints API.md's {items, next_cursor}. query has room for
 * two more entries after n_query. */
int cli_list_pages(struct cli *c, const char *op, struct backend_param *query, int n_query,
		   void (*print_row)(const struct cJSON *item));

/* The tenant a command is about: --in, else the caller's own (session.get); *own says
 * whether it is the caller's. CLI_OK, or the exit status after printing the reason. */
int cli_target_tenant(const struct cli *c, struct backend *b, char *out, size_t len, bool *own);

int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Subcommands: each returns an exit status. args[0] is the noun. */
int cmd_init(struct cli *c);
int cmd_incident(struct cli *c);
int cmd_timeline(struct cli *c);
int cmd_receipts(struct cli *c);
int cmd_ledger(struct cli *c);
int cmd_backup(struct cli *c);
int cmd_keygen(struct cli *c);
int cmd_signing_key(struct cli *c);
int cmd_runbook(struct cli *c);
int cmd_run(struct cli *c);
int cmd_approve(struct cli *c);
int cmd_approvals(struct cli *c);
int cmd_tenant(struct cli *c);
int cmd_actor(struct cli *c);
int cmd_roles(struct cli *c);
int cmd_policy(struct cli *c);
int cmd_exceptions(struct cli *c);
int cmd_evidence(struct cli *c);
int cmd_redaction(struct cli *c);
int cmd_usage(struct cli *c);

/* The ledger witness (ledger_witness.c). The server's public key: --pubkey or the config's
 * `pubkey`, else an embedded store's PATH.pub; NULL when none is known (the witness is off). */
const char *cli_pubkey_path(const struct cli *c, char *buf, size_t len);
/* Checks a signed checkpoint the CLI saw (own: of the caller's tenant, so proofs may be
 * fetched); link: a proof already held. An alarm is printed and answers CLI_REFUSED. */
struct witness_link;
int cli_witness(const struct cli *c, struct backend *b, bool own, const char *note,
		const struct witness_link *link, bool verbose);
/* Fetches the caller's current checkpoint and checks it. */
int cli_witness_current(const struct cli *c, struct backend *b, bool verbose);

#endif
