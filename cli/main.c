/* klaxon's main: global and subcommand options (GNU permutation: options may stand anywhere),
 * environment defaults, and dispatch to a subcommand. */
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "config.h"
#include "help.h"

#define KLAXON_VERSION_TEXT "klaxon 0.1.0"

enum {
	OPT_DB = 256, OPT_SERVER, OPT_TOKEN, OPT_CACERT, OPT_TENANT, OPT_AS, OPT_JSON,
	OPT_DEBUG_LOG, OPT_VERSION, OPT_TITLE, OPT_SEVERITY, OPT_DESCRIPTION, OPT_REGION,
	OPT_LABEL, OPT_STATUS, OPT_NOTE, OPT_COMMANDER, OPT_LIMIT, OPT_CURSOR, OPT_QUERY,
	OPT_IF_MATCH, OPT_IDEMPOTENCY_KEY, OPT_OVERRIDE, OPT_ACTION, OPT_RESOURCE, OPT_FROM,
	OPT_TO, OPT_ALL, OPT_CONFIG, OPT_INSECURE, OPT_KEY, OPT_INCIDENT, OPT_REASON,
	OPT_REJECT, OPT_NAME, OPT_WAIT,
};

static const struct option long_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"server", required_argument, NULL, OPT_SERVER},
	{"token", required_argument, NULL, OPT_TOKEN},
	{"cacert", required_argument, NULL, OPT_CACERT},
	{"tenant", required_argument, NULL, OPT_TENANT},
	{"as", required_argument, NULL, OPT_AS},
	{"json", no_argument, NULL, OPT_JSON},
	{"debug-log", required_argument, NULL, OPT_DEBUG_LOG},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"title", required_argument, NULL, OPT_TITLE},
	{"severity", required_argument, NULL, OPT_SEVERITY},
	{"description", required_argument, NULL, OPT_DESCRIPTION},
	{"region", required_argument, NULL, OPT_REGION},
	{"label", required_argument, NULL, OPT_LABEL},
	{"status", required_argument, NULL, OPT_STATUS},
	{"note", required_argument, NULL, OPT_NOTE},
	{"commander", required_argument, NULL, OPT_COMMANDER},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"cursor", required_argument, NULL, OPT_CURSOR},
	{"query", required_argument, NULL, OPT_QUERY},
	{"if-match", required_argument, NULL, OPT_IF_MATCH},
	{"idempotency-key", required_argument, NULL, OPT_IDEMPOTENCY_KEY},
	{"override", required_argument, NULL, OPT_OVERRIDE},
	{"action", required_argument, NULL, OPT_ACTION},
	{"resource", required_argument, NULL, OPT_RESOURCE},
	{"from", required_argument, NULL, OPT_FROM},
	{"to", required_argument, NULL, OPT_TO},
	{"all", no_argument, NULL, OPT_ALL},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"key", required_argument, NULL, OPT_KEY},
	{"incident", required_argument, NULL, OPT_INCIDENT},
	{"reason", required_argument, NULL, OPT_REASON},
	{"reject", no_argument, NULL, OPT_REJECT},
	{"name", required_argument, NULL, OPT_NAME},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"output", required_argument, NULL, 'o'},
	{NULL, 0, NULL, 0},
};

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("klaxon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see klaxon --help)\n", stderr);
	return CLI_USAGE;
}

/* Stores the option in its field; 0, or CLI_USAGE. */
static int take_option(struct cli *c, int opt, const char *arg)
{
	const char **slot = NULL;
	switch (opt) {
	case OPT_DB: slot = &c->db; break;
	case OPT_SERVER: slot = &c->server; break;
	case OPT_TOKEN: slot = &c->token; break;
	case OPT_CACERT: slot = &c->cacert; break;
	case OPT_TENANT: slot = &c->tenant; break;
	case OPT_AS: slot = &c->as; break;
	case OPT_DEBUG_LOG: slot = &c->debug_log; break;
	case OPT_TITLE: slot = &c->title; break;
	case OPT_SEVERITY: slot = &c->severity; break;
	case OPT_DESCRIPTION: slot = &c->description; break;
	case OPT_REGION: slot = &c->region; break;
	case OPT_STATUS: slot = &c->status; break;
	case OPT_NOTE: slot = &c->note; break;
	case OPT_COMMANDER: slot = &c->commander; break;
	case OPT_LIMIT: slot = &c->limit; break;
	case OPT_CURSOR: slot = &c->cursor; break;
	case OPT_QUERY: slot = &c->query; break;
	case OPT_IF_MATCH: slot = &c->if_match; break;
	case OPT_IDEMPOTENCY_KEY: slot = &c->idempotency_key; break;
	case OPT_OVERRIDE: slot = &c->override; break;
	case OPT_ACTION: slot = &c->action; break;
	case OPT_RESOURCE: slot = &c->resource; break;
	case OPT_FROM: slot = &c->from; break;
	case OPT_TO: slot = &c->to; break;
	case OPT_CONFIG: slot = &c->config; break;
	case OPT_KEY: slot = &c->key; break;
	case OPT_INCIDENT: slot = &c->incident; break;
	case OPT_REASON: slot = &c->reason; break;
	case OPT_NAME: slot = &c->name; break;
	case OPT_WAIT: slot = &c->wait; break;
	case 'o': slot = &c->output; break;
	case OPT_REJECT: c->reject = true; return 0;
	case OPT_INSECURE: c->insecure = true; return 0;
	case OPT_JSON: c->json = true; return 0;
	case OPT_ALL: c->all = true; return 0;
	case 'h': c->help = true; return 0;
	case OPT_LABEL:
		if (c->n_labels == CLI_MAX_LABELS)
			return cli_usage_error("at most %d labels", CLI_MAX_LABELS);
		c->labels[c->n_labels++] = arg;
		return 0;
	default: return CLI_USAGE; /* getopt has said what was wrong */
	}
	*slot = arg;
	return 0;
}

static const char *first(const char *a, const char *b)
{
	return a ? a : (b && *b ? b : NULL);
}

/* The command line, then the environment, then the user's config file, then the default
 * embedded store. */
static int apply_defaults(struct cli *c, struct user_config *uc)
{
	char path[1024], err[1200];
	if (c->config)
		snprintf(path, sizeof path, "%s", c->config);
	else
		user_config_path(path, sizeof path);
	if (user_config_load(path, c->config != NULL, uc, err, sizeof err)) {
		fprintf(stderr, "klaxon: %s\n", err);
		return CLI_USAGE;
	}
	c->db = first(c->db, getenv("KLAXON_DB"));
	c->server = first(c->server, getenv("KLAXON_SERVER"));
	c->token = first(c->token, getenv("KLAXON_TOKEN"));
	if (!c->db && !c->server) {
		c->server = first(NULL, uc->server);
		c->db = first(NULL, uc->db);
	}
	c->token = first(c->token, uc->token);
	c->cacert = first(c->cacert, uc->cacert);
	c->tenant = first(c->tenant, uc->tenant);
	c->as = first(c->as, uc->as);
	c->insecure = c->insecure || uc->insecure;
	if (!c->db && !c->server) {
		user_config_default_db(c->default_db, sizeof c->default_db);
		c->db = c->default_db;
	}
	return 0;
}

struct command {
	const char *noun;
	int (*run)(struct cli *c);
};

static const struct command commands[] = {
	{"init", cmd_init},	    {"incident", cmd_incident}, {"timeline", cmd_timeline},
	{"receipts", cmd_receipts}, {"ledger", cmd_ledger},
	{"keygen", cmd_keygen},	    {"signing-key", cmd_signing_key},
	{"runbook", cmd_runbook},   {"run", cmd_run},
	{"approve", cmd_approve},   {"approvals", cmd_approvals},
};

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	struct cli c = {0};
	int opt;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "ho:", long_options, NULL)) != -1) {
		if (opt == OPT_VERSION) {
			puts(KLAXON_VERSION_TEXT);
			return CLI_OK;
		}
		if (take_option(&c, opt, optarg))
			return CLI_USAGE;
	}
	c.args = argv + optind;
	c.n_args = argc - optind;
	static struct user_config uc; /* c points into it for the life of the process */
	if (apply_defaults(&c, &uc))
		return CLI_USAGE;
	if (c.n_args == 0) {
		if (c.help) {
			help_print(NULL, NULL);
			return CLI_OK;
		}
		fputs("klaxon: the console comes with a later release; try `klaxon --help`\n",
		      stderr);
		return CLI_USAGE;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(c.args[0], commands[i].noun) == 0) {
			if (c.help) {
				help_print(c.args[0], c.n_args > 1 ? c.args[1] : NULL);
				return CLI_OK;
			}
			return commands[i].run(&c);
		}
	}
	return cli_usage_error("unknown command '%s'", c.args[0]);
}
