/* Opening, creating and closing a klaxon core: the store, the server key beside it, and the
 * identities that init makes. */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "digest.h"
#include "ledger.h"
#include "policy_cache.h"
#include "tenant.h"
#include "worker.h"

static void key_path_of(const struct kx_core_options *opt, char *out, size_t len)
{
	if (opt->key_path) {
		snprintf(out, len, "%s", opt->key_path);
		return;
	}
	snprintf(out, len, "%s.key", opt->db_path);
	/* A klaxond data directory keeps its key as DIR/server.key beside DIR/klaxon.db, so the
	 * CLI can open (and verify) a server's store too. */
	const char *slash = strrchr(opt->db_path, '/');
	if (access(out, F_OK) != 0 && slash && !strcmp(slash, "/klaxon.db")) {
		int n = snprintf(out, len, "%.*s/server.key", (int)(slash - opt->db_path), opt->db_path);
		if (n < 0 || (size_t)n >= len || access(out, F_OK) != 0)
			snprintf(out, len, "%s.key", opt->db_path);
	}
}

/* "x.key" → "x.pub"; any other name gets ".pub" added. */
static void pub_path_of(const char *key_path, char *out, size_t len)
{
	size_t n = strlen(key_path);
	if (n > 4 && strcmp(key_path + n - 4, ".key") == 0)
		snprintf(out, len, "%.*s.pub", (int)(n - 4), key_path);
	else
		snprintf(out, len, "%s.pub", key_path);
}

static int write_new_file(const char *path, const char *text, mode_t mode, struct kx_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return kx_error_set(err, 409, "conflict", NULL, "%s: %s", path, strerror(errno));
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int ok = off == len && fsync(fd) == 0;
	close(fd);
	if (!ok)
		return kx_error_set(err, 503, "unavailable", NULL, "%s: write failed", path);
	return 0;
}

int core_key_write(const char *key_path, const char *pub_path, const struct minisign_seckey *sec,
		   const struct minisign_pubkey *pub, struct kx_error *err)
{
	char *sk_text = minisign_seckey_format(sec);
	char *pk_text = minisign_pubkey_format(pub);
	int rc = sk_text && pk_text ? 0 : kx_error_set(err, 503, "unavailable", NULL, "out of memory");
	if (rc == 0)
		rc = write_new_file(key_path, sk_text, 0600, err);
	if (rc == 0)
		rc = write_new_file(pub_path, pk_text, 0644, err);
	if (sk_text) {
		sodium_memzero(sk_text, strlen(sk_text));
		free(sk_text);
	}
	free(pk_text);
	return rc;
}

int core_key_load(const char *path, struct minisign_seckey *sec, struct kx_error *err)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return kx_error_set(err, 503, "unavailable", NULL, "server key %s: %s", path,
				    strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		fclose(f);
		return kx_error_set(err, 503, "unavailable", NULL,
				    "server key %s is readable by others (chmod 600 it)", path);
	}
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	int rc = minisign_seckey_parse(buf, sec, err);
	sodium_memzero(buf, sizeof buf);
	return rc;
}

static void os_user_of(char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res)
		snprintf(out, len, "%s", res->pw_name);
	else
		snprintf(out, len, "uid:%u", (unsigned)getuid());
}

static struct kx_core *core_new(const struct kx_core_options *opt, bool create,
				struct kx_error *err)
{
	if (sodium_init() < 0) {
		kx_error_set(err, 503, "unavailable", NULL, "libsodium failed to initialise");
		return NULL;
	}
	struct kx_core *core = calloc(1, sizeof *core);
	if (!core) {
		kx_error_set(err, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&core->lock, NULL);
	pthread_cond_init(&core->work, NULL);
	pthread_cond_init(&core->sync_work, NULL);
	pthread_cond_init(&core->durable_cond, NULL);
	core->wal_fd = -1;
	core_pools_init(core, store_is_url(opt->db_path));
	pthread_mutex_init(&core->stats_lock, NULL);
	pthread_mutex_init(&core->workers_lock, NULL);
	snprintf(core->db_path, sizeof core->db_path, "%s", opt->db_path);
	core->vfs_name = opt->vfs;
	core->embedded = opt->embedded;
	core->sandbox = opt->sandbox;
	core->command_steps_on = opt->command_steps_on;
	core->command_steps_cls = opt->command_steps_cls;
	os_user_of(core->os_user, sizeof core->os_user);
	core->meter = metering_new();
	core->policies = policy_cache_new();
	core->ledger_nodes = ledger_cache_new();
	if (core->meter && opt->usage_retention_days)
		metering_set_retention(core->meter, (int64_t)opt->usage_retention_days * 86400000);
	core->statement_timeout_ms = (int)opt->statement_timeout_s * 1000;
	core->sync_behind = opt->sync_behind && !store_is_url(opt->db_path);
	struct store_options so = {.create = create,
				   .synchronous_full = !opt->synchronous_normal && !core->sync_behind,
				   .vfs = opt->vfs,
				   .statement_timeout_ms = core->statement_timeout_ms};
	core->store = store_open(opt->db_path, &so, err);
	if (!core->store || !core->meter || !core->policies || !core->ledger_nodes ||
	    (core->sync_behind && core_writer_start(core, err))) {
		kx_core_close(core);
		return NULL;
	}
	return core;
}

static void core_set_key(struct kx_core *core, const struct minisign_seckey *sec)
{
	char hex[17];
	core->key = *sec;
	memcpy(core->pub.key_id, sec->key_id, MINISIGN_KEYID_LEN);
	memcpy(core->pub.pk, sec->sk + 32, 32); /* libsodium's sk is seed || pk */
	minisign_key_id_hex(sec->key_id, hex);
	snprintf(core->key_name, sizeof core->key_name, "klaxon-%s", hex);
}

bool kx_store_is_url(const char *db_path)
{
	return store_is_url(db_path);
}

struct kx_core *kx_core_open(const struct kx_core_options *opt, struct kx_error *err)
{
	char key_path[4096];
	key_path_of(opt, key_path, sizeof key_path);
	struct kx_core *core = core_new(opt, false, err);
	if (!core)
		return NULL;
	struct minisign_seckey sec;
	if (core_key_load(key_path, &sec, err)) {
		kx_core_close(core);
		return NULL;
	}
	core_set_key(core, &sec);
	minisign_seckey_wipe(&sec);
	return core;
}

void kx_core_close(struct kx_core *core)
{
	if (!core)
		return;
	core_workers_reap(core, true); /* running commands are killed, their ends recorded */
	if (core->store && core->meter)
		kx_core_flush_usage(core);
	core_writer_stop(core);
	core_pools_close(core);
	store_close(core->store);
	metering_free(core->meter);
	policy_cache_free(core->policies);
	ledger_cache_free(core->ledger_nodes);
	minisign_seckey_wipe(&core->key);
	pthread_mutex_destroy(&core->lock);
	pthread_cond_destroy(&core->work);
	pthread_cond_destroy(&core->sync_work);
	pthread_cond_destroy(&core->durable_cond);
	if (core->wal_fd >= 0)
		close(core->wal_fd);
	pthread_mutex_destroy(&core->stats_lock);
	pthread_mutex_destroy(&core->workers_lock);
	free(core);
}

static int flush_usage(void *core_, struct kx_error *err)
{
	struct kx_core *core = core_;
	return metering_flush(core->meter, core_writer(core), kx_clock_now_ms(), err);
}

void kx_core_flush_usage(struct kx_core *core)
{
	struct kx_error err = {0};
	core_write(core, flush_usage, core, &err);
}

int kx_core_ready(struct kx_core *core, struct kx_error *err)
{
	struct store *r = core_reader_acquire(core, err);
	int rc = r ? store_begin_read(r, err) : -1;
	if (rc == 0) {
		if (store_ledger_size(r, KX_PLATFORM_TENANT) < 0)
			rc = kx_error_set(err, 503, "unavailable", NULL, "the store does not answer");
		store_rollback(r);
	}
	core_reader_release(core, r);
	if (rc == 0 && core->integrity_failed)
		rc = kx_error_set(err, 503, "unavailable", NULL,
				  "ledger verification failed: the store's integrity is broken");
	return rc;
}

void kx_core_count_unattributed(struct kx_core *core)
{
	metering_count(core->meter, METERING_UNATTRIBUTED, "api.request", kx_clock_now_ms());
}

void kx_init_result_wipe(struct kx_init_result *r)
{
	if (r->admin_token) {
		sodium_memzero(r->admin_token, strlen(r->admin_token));
		free(r->admin_token);
	}
	memset(r, 0, sizeof *r);
}

int kx_core_init(const struct kx_core_options *opt, struct kx_init_result *out,
		 struct kx_error *err)
{
	char key_path[4096], pub_path[4200];
	key_path_of(opt, key_path, sizeof key_path);
	pub_path_of(key_path, pub_path, sizeof pub_path);
	memset(out, 0, sizeof *out);
	if (access(key_path, F_OK) == 0)
		return kx_error_set(err, 409, "conflict", NULL, "%s exists: refusing to replace a key",
				    key_path);
	struct kx_core *core = core_new(opt, true, err);
	if (!core)
		return -1;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	minisign_keygen(&pub, &sec);
	core_set_key(core, &sec);
	int rc = core_key_write(key_path, pub_path, &sec, &pub, err);
	minisign_seckey_wipe(&sec);
	if (rc == 0)
		rc = tenant_bootstrap(core, opt->embedded, out, err);
	kx_core_close(core);
	if (rc) {
		/* A half-made store must not look like a store: remove what init wrote (a
		 * PostgreSQL database is the operator's to drop). */
		if (!store_is_url(opt->db_path)) {
			unlink(opt->db_path);
			char side[4200];
			snprintf(side, sizeof side, "%s-wal", opt->db_path);
			unlink(side);
			snprintf(side, sizeof side, "%s-shm", opt->db_path);
			unlink(side);
		}
		kx_init_result_wipe(out);
	}
	return rc;
}

int kx_auth_token(struct kx_core *core, const char *token, struct kx_principal *who,
		  struct kx_error *err)
{
	if (!token || !*token || strlen(token) > 256)
		return kx_error_set(err, 401, "unauthenticated", NULL, "a bearer token is required");
	uint8_t h[32], stored[32];
	digest_sha256(token, strlen(token), h);
	struct store *r = core_reader_acquire(core, err);
	cJSON *a = r ? store_actor_by_token(r, h, stored) : NULL;
	/* No actor, or no answer? A store that is down is a 503, not a bad token. */
	bool down = !r || (!a && store_ledger_size(r, KX_PLATFORM_TENANT) < 0);
	core_reader_release(core, r);
	if (down) {
		sodium_memzero(h, sizeof h);
		return kx_error_set(err, 503, "unavailable", NULL, "the store does not answer");
	}
	int rc = -1;
	/* The index found the row by hash; the constant-time compare is what decides. */
	if (a && sodium_memcmp(h, stored, 32) == 0) {
		snprintf(who->tenant_id, sizeof who->tenant_id, "%s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(a, "tenant_id")));
		snprintf(who->actor_id, sizeof who->actor_id, "%s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(a, "id")));
		rc = 0;
	}
	cJSON_Delete(a);
	sodium_memzero(h, sizeof h);
	if (rc)
		kx_error_set(err, 401, "unauthenticated", NULL, "unknown or revoked token");
	return rc;
}

int kx_auth_local(struct kx_core *core, const char *tenant, const char *actor,
		  struct kx_principal *who, struct kx_error *err)
{
	struct store *r = core_reader_acquire(core, err);
	if (!r)
		return -1;
	cJSON *t = store_tenant_find(r, tenant);
	const char *tid = t ? cJSON_GetStringValue(cJSON_GetObjectItem(t, "id")) : NULL;
	cJSON *a = tid ? store_actor_get(r, tid, actor) : NULL;
	core_reader_release(core, r);
	int rc = 0;
	if (!t)
		rc = kx_error_set(err, 404, "not_found", NULL, "no tenant %s", tenant);
	else if (!a)
		rc = kx_error_set(err, 404, "not_found", NULL, "no actor %s in tenant %s", actor, tid);
	if (rc == 0) {
		snprintf(who->tenant_id, sizeof who->tenant_id, "%s", tid);
		snprintf(who->actor_id, sizeof who->actor_id, "%s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(a, "id")));
	}
	cJSON_Delete(t);
	cJSON_Delete(a);
	return rc;
}

int kx_core_backup(struct kx_core *core, const char *dest, struct kx_error *err)
{
	struct store *r = core_reader_acquire(core, err);
	int rc = r ? store_backup(r, dest, err) : -1;
	core_reader_release(core, r);
	return rc;
}

int kx_ledger_verify(struct kx_core *core, uint64_t *checked, struct kx_error *err)
{
	if (checked)
		*checked = 0;
	/* One snapshot on a reader: writers go on meanwhile, and what is checked is a committed
	 * state. */
	struct store *r = core_reader_acquire(core, err);
	int rc = r ? store_begin_read(r, err) : -1;
	cJSON *tenants = rc == 0 ? store_ledger_tenants(r) : NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, tenants)
	{
		if ((rc = ledger_verify_tenant(core, r, t->valuestring, checked, err)))
			break;
	}
	if (r)
		store_rollback(r);
	core_reader_release(core, r);
	core->integrity_failed = rc != 0;
	core_stats_verification(core, rc != 0);
	cJSON_Delete(tenants);
	return rc;
}
