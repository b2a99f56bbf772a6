/* klaxond's main: `init` makes a data directory, `serve` runs the HTTP API on it until
 * SIGTERM or SIGINT, then stops accepting, finishes in-flight requests and closes the store. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "klaxon.h"

static const char USAGE[] =
	"usage: klaxond init   --data DIR [--store URL]\n"
	"       klaxond backup --data DIR -o FILE   (a consistent copy while klaxond runs)\n"
	"       klaxond serve --data DIR [--listen HOST:PORT] [--store URL] [--config FILE]\n"
	"                     [--tls-cert FILE --tls-key FILE]\n"
	"\n"
	"init makes DIR (0700) with the store, server.key (0600) and server.pub (minisign), and\n"
	"prints the platform admin's token as its last line. serve answers the API of API.md;\n"
	"the config file (default DIR/klaxond.conf) is documented in klaxond(8).\n";

struct args {
	const char *data, *store, *listen, *config, *tls_cert, *tls_key, *output;
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "klaxond: %s\n%s", msg, USAGE);
	return 2;
}

static void path_in(const char *dir, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* DIR/store records the PostgreSQL URL init was given (0600: a URL may carry a password). */
static int store_file_read(const char *data, char *out, size_t len)
{
	char path[4096];
	path_in(data, "store", path, sizeof path);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 1 : -1;
	struct stat st;
	int rc = fstat(fileno(f), &st) == 0 && !(st.st_mode & 077) && fgets(out, (int)len, f) ? 0 : -1;
	fclose(f);
	if (rc) {
		fprintf(stderr, "klaxond: %s: unreadable, or readable by others (chmod 600 it)\n", path);
		return -1;
	}
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int store_file_write(const char *data, const char *url)
{
	char path[4096];
	path_in(data, "store", path, sizeof path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int rc = f && fprintf(f, "%s\n", url) > 0 ? 0 : -1;
	if (f ? fclose(f) != 0 : (fd >= 0 && close(fd) != 0))
		rc = -1;
	if (rc)
		fprintf(stderr, "klaxond: %s: %s\n", path, strerror(errno));
	return rc;
}

/* Where the store is: --store (a postgres:// URL, or sqlite:PATH), else what init recorded in
 * DIR/store, else the SQLite file DIR/klaxon.db. */
static int store_location(const struct args *a, char *out, size_t len)
{
	if (a->store && strncmp(a->store, "sqlite:", 7) == 0) {
		snprintf(out, len, "%s", a->store + 7);
		return 0;
	}
	if (a->store && kx_store_is_url(a->store)) {
		snprintf(out, len, "%s", a->store);
		return 0;
	}
	if (a->store) {
		fprintf(stderr, "klaxond: --store %s: give a postgres:// URL or sqlite:PATH\n",
			a->store);
		return -1;
	}
	int rc = store_file_read(a->data, out, len);
	if (rc == 1)
		path_in(a->data, "klaxon.db", out, len);
	return rc < 0 ? -1 : 0;
}

static int cmd_init(const struct args *a)
{
	char db[4096], key[4096];
	if (mkdir(a->data, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "klaxond: %s: %s\n", a->data, strerror(errno));
		return 1;
	}
	if (store_location(a, db, sizeof db))
		return 1;
	path_in(a->data, "server.key", key, sizeof key);
	struct kx_core_options opt = {.db_path = db, .key_path = key};
	struct kx_init_result res;
	struct kx_error err = {0};
	if (kx_core_init(&opt, &res, &err)) {
		fprintf(stderr, "klaxond: init %s: %s\n", a->data, err.message);
		return 1;
	}
	if (kx_store_is_url(db)) {
		if (store_file_write(a->data, db))
			return 1;
		printf("klaxond: store made in PostgreSQL (recorded in %s/store); public key "
		       "%s/server.pub\n",
		       a->data, a->data);
	} else {
		printf("klaxond: store made in %s (SQLite %s); public key %s/server.pub\n", a->data,
		       db, a->data);
	}
	printf("platform admin %s; its token (shown once) is the next line\n", res.admin_id);
	printf("%s\n", res.admin_token);
	kx_init_result_wipe(&res);
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (out && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, out);
	if (out)
		fclose(out);
	fclose(f);
	return buf;
}

static atomic_int stopping;

struct housekeeping {
	struct kx_core *core;
	unsigned verify_interval_s;
};

/* Verifies every ledger (on a reader: writers go on); /readyz fails while it fails. */
static void verify_ledgers(struct kx_core *core)
{
	struct kx_error err = {0};
	uint64_t checked = 0;
	if (kx_ledger_verify(core, &checked, &err))
		fprintf(stderr, "klaxond: LEDGER VERIFICATION FAILED: %s\n", err.message);
	else
		fprintf(stderr, "klaxond: ledger verified (%llu receipts)\n",
			(unsigned long long)checked);
}

/* Flushes buffered read metering at least once a second (DESIGN.md "Metering") and verifies
 * the ledgers at start and on a schedule. */
static void *housekeeper(void *arg)
{
	struct housekeeping *hk = arg;
	verify_ledgers(hk->core);
	unsigned since_verify = 0;
	while (!atomic_load(&stopping)) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		for (int i = 0; i < 5 && !atomic_load(&stopping); i++)
			nanosleep(&ts, NULL);
		kx_core_flush_usage(hk->core);
		if (hk->verify_interval_s && ++since_verify >= hk->verify_interval_s) {
			verify_ledgers(hk->core);
			since_verify = 0;
		}
	}
	return NULL;
}

static FILE *open_log(const struct server_config *cfg)
{
	if (!strcmp(cfg->log_path, "off"))
		return NULL;
	if (!cfg->log_path[0])
		return stderr;
	FILE *f = fopen(cfg->log_path, "ae");
	if (!f)
		fprintf(stderr, "klaxond: log %s: %s (logging to stderr)\n", cfg->log_path,
			strerror(errno));
	return f ? f : stderr;
}

static int load_config(const struct args *a, struct server_config *cfg)
{
	char path[4096], err[512];
	config_defaults(cfg);
	if (a->config)
		snprintf(path, sizeof path, "%s", a->config);
	else
		path_in(a->data, "klaxond.conf", path, sizeof path);
	if (config_load(path, a->config != NULL, cfg, err, sizeof err)) {
		fprintf(stderr, "klaxond: %s\n", err);
		return -1;
	}
	if (a->listen)
		snprintf(cfg->listen, sizeof cfg->listen, "%s", a->listen);
	return 0;
}

static int serve_until_signal(struct kx_core *core, const struct server_config *cfg,
			      struct http_tls *tls, FILE *log)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	/* Blocked before the server's threads start (the core's own take no signals), so only
	 * sigwait below sees them. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	char err[512];
	struct http_server *http = http_start(core, cfg, tls, log, err, sizeof err);
	if (!http) {
		fprintf(stderr, "klaxond: %s\n", err);
		return 1;
	}
	pthread_t flush_thread;
	struct housekeeping hk = {core, cfg->verify_interval_s};
	pthread_create(&flush_thread, NULL, housekeeper, &hk);
	fprintf(stderr, "klaxond: serving on %s%s\n", cfg->listen, tls->cert_pem ? " (TLS)" : "");
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "klaxond: %s: finishing in-flight requests\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_stop(http);
	atomic_store(&stopping, 1);
	pthread_join(flush_thread, NULL);
	return 0;
}

/* Command steps run only where the config switches them on for the tenant. */
static bool command_steps_on(void *cls, const char *tenant_id)
{
	return config_feature_on(cls, tenant_id, FEATURE_COMMAND_STEPS);
}

static void sandbox_of(const struct server_config *cfg, struct kx_sandbox *sb)
{
	memset(sb, 0, sizeof *sb);
	snprintf(sb->user, sizeof sb->user, "%s", cfg->sandbox_user);
	snprintf(sb->path, sizeof sb->path, "%s", cfg->sandbox_path);
	snprintf(sb->runner, sizeof sb->runner, "%s", cfg->sandbox_runner);
	sb->cpu_s = cfg->sandbox_cpu_s;
	sb->memory_mb = cfg->sandbox_memory_mb;
	sb->processes = cfg->sandbox_processes;
	sb->open_files = cfg->sandbox_open_files;
}

static int cmd_serve(const struct args *a)
{
	/* Secrets live in this process (the server key, tokens in flight): no core dumps. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	char db[4096], key[4096];
	struct server_config cfg;
	if (store_location(a, db, sizeof db) || load_config(a, &cfg))
		return 1;
	path_in(a->data, "server.key", key, sizeof key);
	if (access(key, F_OK) != 0 || (!kx_store_is_url(db) && access(db, F_OK) != 0)) {
		fprintf(stderr, "klaxond: no store in %s: make one with `klaxond init --data %s`\n",
			a->data, a->data);
		return 1;
	}
	if (!a->tls_cert != !a->tls_key)
		return usage_error("--tls-cert and --tls-key go together");
	struct http_tls tls = {0};
	if (a->tls_cert && (!(tls.cert_pem = read_file(a->tls_cert)) ||
			    !(tls.key_pem = read_file(a->tls_key)))) {
		fprintf(stderr, "klaxond: cannot read the TLS certificate or key\n");
		free(tls.cert_pem);
		return 1;
	}
	struct kx_sandbox sandbox;
	sandbox_of(&cfg, &sandbox);
	struct kx_core_options opt = {.db_path = db, .key_path = key, .sandbox = &sandbox,
				      .command_steps_on = command_steps_on,
				      .command_steps_cls = &cfg,
				      .usage_retention_days = cfg.usage_retention_days,
				      .statement_timeout_s = cfg.statement_timeout_s,
				      .sync_behind = true};
	struct kx_error err = {0};
	struct kx_core *core = kx_core_open(&opt, &err);
	int rc = 1;
	if (!core) {
		fprintf(stderr, "klaxond: %s\n", err.message);
	} else {
		FILE *log = open_log(&cfg);
		rc = serve_until_signal(core, &cfg, &tls, log);
		if (log && log != stderr)
			fclose(log);
		kx_core_close(core);
	}
	free(tls.cert_pem);
	free(tls.key_pem);
	return rc;
}

/* A consistent copy of the live store: SQLite's online backup from a reader, so a running
 * klaxond goes on serving (and writing) meanwhile. The key is not copied (docs/OPERATIONS.md). */
static int cmd_backup(const struct args *a)
{
	char db[4096], key[4096];
	if (!a->output)
		return usage_error("backup needs -o FILE");
	if (store_location(a, db, sizeof db))
		return 1;
	path_in(a->data, "server.key", key, sizeof key);
	struct kx_core_options opt = {.db_path = db, .key_path = key};
	struct kx_error err = {0};
	struct kx_core *core = kx_core_open(&opt, &err);
	int rc = core ? kx_core_backup(core, a->output, &err) : -1;
	kx_core_close(core);
	if (rc) {
		fprintf(stderr, "klaxond: backup: %s\n", err.message);
		return 1;
	}
	printf("klaxond: %s backed up to %s\n", db, a->output);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"data", required_argument, NULL, 'd'},	  {"store", required_argument, NULL, 's'},
		{"listen", required_argument, NULL, 'l'},  {"config", required_argument, NULL, 'c'},
		{"tls-cert", required_argument, NULL, 'C'}, {"tls-key", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},	  {"version", no_argument, NULL, 'V'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	struct args a = {0};
	int opt;
	while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
		switch (opt) {
		case 'd': a.data = optarg; break;
		case 's': a.store = optarg; break;
		case 'l': a.listen = optarg; break;
		case 'c': a.config = optarg; break;
		case 'C': a.tls_cert = optarg; break;
		case 'K': a.tls_key = optarg; break;
		case 'o': a.output = optarg; break;
		case 'h': fputs(USAGE, stdout); return 0;
		case 'V': puts("klaxond " KLAXON_VERSION); return 0;
		default: return 2;
		}
	}
	if (optind != argc - 1)
		return usage_error("expected one command: init or serve");
	if (!a.data)
		return usage_error("--data DIR is required");
	if (!strcmp(argv[optind], "init"))
		return cmd_init(&a);
	if (!strcmp(argv[optind], "serve"))
		return cmd_serve(&a);
	if (!strcmp(argv[optind], "backup"))
		return cmd_backup(&a);
	return usage_error("unknown command");
}
