/* klaxon's main: global and subcommand options (GNU permutation: options may stand anywhere),
 * environment defaults, and dispatch to a subcommand. */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../screens/console.h"
#include "cli.h"
#include "print.h"
#include "config.h"
#include "help.h"

#define KLAXON_VERSION_TEXT "klaxon 0.1.0"

enum {
	OPT_DB = 256, OPT_SERVER, OPT_TOKEN, OPT_CACERT, OPT_TENANT, OPT_AS, OPT_JSON,
	OPT_DEBUG_LOG, OPT_VERSION, OPT_TITLE, OPT_SEVERITY, OPT_DESCRIPTION, OPT_REGION,
	OPT_LABEL, OPT_STATUS, OPT_NOTE, OPT_COMMANDER, OPT_LIMIT, OPT_CURSOR, OPT_QUERY,
	OPT_IF_MATCH, OPT_IDEMPOTENCY_KEY, OPT_OVERRIDE, OPT_ACTION, OPT_RESOURCE, OPT_FROM,
	OPT_TO, OPT_ALL, OPT_CONFIG, OPT_INSECURE, OPT_KEY, OPT_INCIDENT, OPT_REASON,
	OPT_REJECT, OPT_NAME, OPT_WAIT, OPT_PASSPHRASE_FILE, OPT_PROTECT, OPT_IN, OPT_ROLE, OPT_KIND, OPT_PARTNER, OPT_PUBLIC_KEY,
	OPT_DISABLE, OPT_ENABLE, OPT_SUBJECT_ACTOR, OPT_CONTEXT, OPT_ACK,
	OPT_PUBKEY, OPT_REPLAY, OPT_BUCKET, OPT_PLATFORM,
};

/* The console's own options (klaxon with no command), numbered apart from the others. */
enum { OPT_THEME = 512, OPT_MOUSE, OPT_READ_ONLY, OPT_SCRIPT, OPT_REFRESH };
static struct {
	const char *theme, *script, *refresh;
	bool mouse, read_only;
} console_opt;

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
	{"theme", required_argument, NULL, OPT_THEME},
	{"mouse", no_argument, NULL, OPT_MOUSE},
	{"read-only", no_argument, NULL, OPT_READ_ONLY},
	{"script", required_argument, NULL, OPT_SCRIPT},
	{"refresh", required_argument, NULL, OPT_REFRESH},
	{"key", required_argument, NULL, OPT_KEY},
	{"incident", required_argument, NULL, OPT_INCIDENT},
	{"reason", required_argument, NULL, OPT_REASON},
	{"reject", no_argument, NULL, OPT_REJECT},
	{"name", required_argument, NULL, OPT_NAME},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	{"protect", no_argument, NULL, OPT_PROTECT},
	{"output", required_argument, NULL, 'o'},
	{"in", required_argument, NULL, OPT_IN},
	{"role", required_argument, NULL, OPT_ROLE},
	{"kind", required_argument, NULL, OPT_KIND},
	{"partner", required_argument, NULL, OPT_PARTNER},
	{"public-key", required_argument, NULL, OPT_PUBLIC_KEY},
	{"disable", no_argument, NULL, OPT_DISABLE},
	{"enable", no_argument, NULL, OPT_ENABLE},
	{"subject-actor", required_argument, NULL, OPT_SUBJECT_ACTOR},
	{"context", required_argument, NULL, OPT_CONTEXT},
	{"ack", required_argument, NULL, OPT_ACK},
	{"pubkey", required_argument, NULL, OPT_PUBKEY},
	{"replay", no_argument, NULL, OPT_REPLAY},
	{"bucket", required_argument, NULL, OPT_BUCKET},
	{"platform", no_argument, NULL, OPT_PLATFORM},
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
	case OPT_PASSPHRASE_FILE: slot = &c->passphrase_file; break;
	case OPT_PROTECT: c->protect = true; return 0;
	case 'o': slot = &c->output; break;
	case OPT_IN: slot = &c->in; break;
	case OPT_KIND: slot = &c->kind; break;
	case OPT_PARTNER: slot = &c->partner; break;
	case OPT_PUBLIC_KEY: slot = &c->public_key; break;
	case OPT_SUBJECT_ACTOR: slot = &c->subject_actor; break;
	case OPT_CONTEXT: slot = &c->context; break;
	case OPT_ACK: slot = &c->ack; break;
	case OPT_PUBKEY: slot = &c->pubkey; break;
	case OPT_BUCKET: slot = &c->bucket; break;
	case OPT_REPLAY: c->replay = true; return 0;
	case OPT_PLATFORM: c->platform = true; return 0;
	case OPT_DISABLE: c->disable = true; return 0;
	case OPT_ENABLE: c->enable = true; return 0;
	case OPT_ROLE:
		if (c->n_roles == CLI_MAX_ROLES)
			return cli_usage_error("at most %d roles", CLI_MAX_ROLES);
		c->roles[c->n_roles++] = arg;
		return 0;
	case OPT_REJECT: c->reject = true; return 0;
	case OPT_INSECURE: c->insecure = true; return 0;
	case OPT_JSON: c->json = true; return 0;
	case OPT_ALL: c->all = true; return 0;
	case OPT_THEME: console_opt.theme = arg; return 0;
	case OPT_SCRIPT: console_opt.script = arg; return 0;
	case OPT_REFRESH: console_opt.refresh = arg; return 0;
	case OPT_MOUSE: console_opt.mouse = true; return 0;
	case OPT_READ_ONLY: console_opt.read_only = true; return 0;
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
	c->pubkey = first(c->pubkey, uc->pubkey);
	if (!c->db && !c->server) {
		user_config_default_db(c->default_db, sizeof c->default_db);
		c->db = c->default_db;
	}
	return 0;
}

/* The default store is made on first use, so `klaxon` works on a fresh machine; a store
 * named with --db, KLAXON_DB or the config must exist. */
static int ensure_default_store(const struct cli *c)
{
	struct stat st;
	if (c->server || c->db != c->default_db || stat(c->db, &st) == 0)
		return 0;
	char dir[1024], err[512];
	snprintf(dir, sizeof dir, "%s", c->db);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0700) && errno != EEXIST) {
			fprintf(stderr, "klaxon: cannot make %s: %s\n", dir, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (backend_init_store(c->db, err, sizeof err)) {
		fprintf(stderr, "klaxon: %s\n", err);
		return -1;
	}
	fprintf(stderr, "klaxon: made a new store at %s\n", c->db);
	return 0;
}

/* `klaxon` with no command: the console on the configured backend. */
static int run_console(struct cli *c, const struct user_config *uc)
{
	struct console_options o = {0};
	char *end = NULL;
	if (console_opt.refresh) {
		long n = strtol(console_opt.refresh, &end, 10);
		if (!*console_opt.refresh || *end || n < 1 || n > 3600)
			return cli_usage_error("--refresh takes seconds, 1 to 3600");
		o.refresh_s = (int)n;
	} else {
		o.refresh_s = uc->refresh_s;
	}
	if (!console_opt.script && (!isatty(0) || !isatty(1)))
		return cli_usage_error("the console needs a terminal; commands are listed by --help");
	if (ensure_default_store(c))
		return CLI_REFUSED;
	o.mode = c->server ? "remote" : "embedded";
	o.location = c->server ? c->server : c->db;
	o.tenant = c->tenant ? c->tenant : c->server ? NULL : "default";
	o.actor = c->server ? NULL : c->as ? c->as : "admin";
	size_t tl = c->token ? strlen(c->token) : 0;
	o.token_hint = c->server && tl > 8 ? c->token + tl - 4 : NULL;
	o.theme = console_opt.theme ? console_opt.theme : uc->theme[0] ? uc->theme : NULL;
	o.theme_explicit = o.theme != NULL;
	o.mouse = console_opt.mouse || uc->mouse;
	o.read_only = console_opt.read_only || uc->read_only;
	for (int i = 0; i < uc->n_read_only_tenants && i < CONSOLE_MAX_RO_TENANTS; i++)
		o.read_only_tenants[o.n_read_only_tenants++] = uc->read_only_tenants[i];
	o.script = console_opt.script;
	static char approval_key[1024];
	const char *home = getenv("HOME");
	if (!strncmp(uc->approval_key, "~/", 2) && home) /* the config file is not a shell */
		snprintf(approval_key, sizeof approval_key, "%s%s", home, uc->approval_key + 1);
	else if (uc->approval_key[0])
		snprintf(approval_key, sizeof approval_key, "%s", uc->approval_key);
	else
		user_config_default_approval_key(approval_key, sizeof approval_key);
	o.approval_key = approval_key;
	o.pubkey = c->pubkey; /* --pubkey or the config's: the console witnesses the ledger too */
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	int rc = console_run(b, &o);
	backend_close(b);
	return rc;
}

struct command {
	const char *noun;
	int (*run)(struct cli *c);
};

static const struct command commands[] = {
	{"init", cmd_init},	    {"incident", cmd_incident}, {"timeline", cmd_timeline},
	{"receipts", cmd_receipts}, {"ledger", cmd_ledger},
	{"backup", cmd_backup},
	{"keygen", cmd_keygen},	    {"signing-key", cmd_signing_key},
	{"runbook", cmd_runbook},   {"run", cmd_run},
	{"approve", cmd_approve},   {"approvals", cmd_approvals},
	{"tenant", cmd_tenant},	    {"actor", cmd_actor},
	{"roles", cmd_roles},	    {"policy", cmd_policy},
	{"exceptions", cmd_exceptions},
	{"evidence", cmd_evidence},	    {"redaction", cmd_redaction},
	{"usage", cmd_usage},
};

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	struct cli c = {0};
	int opt;
	bool version = false;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "ho:", long_options, NULL)) != -1) {
		if (opt == OPT_VERSION)
			version = true;
		else if (take_option(&c, opt, optarg))
			return CLI_USAGE;
	}
	c.args = argv + optind;
	c.n_args = argc - optind;
	/* `policy get --version N` names a profile version (N is left among the positional
	 * words); anywhere else --version prints klaxon's. */
	if (version && !(c.n_args > 0 && !strcmp(c.args[0], "policy"))) {
		puts(KLAXON_VERSION_TEXT);
		return CLI_OK;
	}
	static struct user_config uc; /* c points into it for the life of the process */
	if (apply_defaults(&c, &uc))
		return CLI_USAGE;
	if (c.n_args == 0) {
		if (c.help) {
			help_print(NULL, NULL);
			return CLI_OK;
		}
		return run_console(&c, &uc);
	}
	print_guard_terminal();
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
