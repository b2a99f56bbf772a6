/* Evidence bundles of a SQLite store, kept as files in a directory beside it (STORE-bundles/,
 * 0700; each bundle 0600): a bundle is written once, straight into its file, instead of being
 * copied through the WAL into a blob and checkpointed into the database again. A file is made
 * durable under its final name before the record that points at it commits; its name is
 * derived (hex of SHA-256 over tenant and export id), never taken from user text. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "store_lite.h"

#define BUNDLE_SUFFIX ".tar"
#define BUNDLE_TMP_SUFFIX ".tmp"
#define BUNDLE_NAME_LEN 65 /* 64 hex digits + NUL */

/* The directory of the store at db_path: "<db_path>-bundles". 0, or -1 when it is too long. */
static int dir_of(const char *db_path, char out[PATH_MAX])
{
	int n = snprintf(out, PATH_MAX, "%s-bundles", db_path);
	return n > 0 && n < PATH_MAX ? 0 : -1;
}

static int store_dir(struct store_lite *s, char out[PATH_MAX])
{
	const char *db = sqlite3_db_filename(s->db, "main");
	return db && db[0] ? dir_of(db, out) : -1;
}

static void name_of(const char *tenant_id, const char *export_id, char out[BUNDLE_NAME_LEN])
{
	struct digest_state d;
	uint8_t h[32];
	digest_init(&d);
	digest_update(&d, tenant_id, strlen(tenant_id) + 1); /* the NUL separates the two */
	digest_update(&d, export_id, strlen(export_id));
	digest_final(&d, h);
	sodium_bin2hex(out, BUNDLE_NAME_LEN, h, sizeof h);
}

/* dir/name+suffix; 0, or -1 when it does not fit. */
static int path_in(const char *dir, const char *name, const char *suffix, char out[PATH_MAX])
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s", dir, name, suffix);
	return n > 0 && n < PATH_MAX ? 0 : -1;
}

static int bundle_paths(struct store_lite *s, const char *tenant_id, const char *export_id,
			char dir[PATH_MAX], char tmp[PATH_MAX], char final[PATH_MAX])
{
	char name[BUNDLE_NAME_LEN];
	name_of(tenant_id, export_id, name);
	return store_dir(s, dir) || path_in(dir, name, BUNDLE_TMP_SUFFIX, tmp) ||
			       path_in(dir, name, BUNDLE_SUFFIX, final)
		       ? -1
		       : 0;
}

/* fsync of a directory: a rename or a new entry in it is durable once this returns 0. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* The directory, made (0700) and its entry made durable if it was missing. */
static int dir_ensure(const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -1;
	if (errno != ENOENT || (mkdir(dir, 0700) != 0 && errno != EEXIST))
		return -1;
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(parent, sizeof parent, ".");
	return sync_dir(parent);
}

/* What failed and why, without the store's paths: the message reaches API clients. */
static int io_fail(struct kx_error *err, const char *what)
{
	return kx_error_set(err, 503, "unavailable", NULL, "%s: %s", what, strerror(errno));
}

/* The same for the operator's backup command, naming the path. */
static int backup_fail(struct kx_error *err, const char *what, const char *path)
{
	return kx_error_set(err, 503, "unavailable", NULL, "%s %s: %s", what, path,
			    strerror(errno));
}

FILE *lite_evidence_spool(struct store *base, const char *tenant_id, const char *export_id,
			  struct kx_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	if (bundle_paths(lite(base), tenant_id, export_id, dir, tmp, final)) {
		kx_error_set(err, 503, "unavailable", NULL, "the store's bundle path is too long");
		return NULL;
	}
	if (dir_ensure(dir)) {
		io_fail(err, "cannot make the bundle directory");
		return NULL;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f) {
		io_fail(err, "cannot write the bundle");
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
	}
	return f;
}

void lite_evidence_discard(struct store *base, const char *tenant_id, const char *export_id)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	if (bundle_paths(lite(base), tenant_id, export_id, dir, tmp, final) == 0)
		unlink(tmp);
}

int lite_bundle_keep(struct store_lite *s, const char *tenant_id, const char *export_id,
		     FILE *bundle, int64_t bytes, struct kx_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	if (bundle_paths(s, tenant_id, export_id, dir, tmp, final))
		return kx_error_set(err, 503, "unavailable", NULL,
				    "the store's bundle path is too long");
	struct stat st;
	if (fflush(bundle) != 0 || fstat(fileno(bundle), &st) != 0)
		return io_fail(err, "cannot write the bundle");
	if (st.st_size != bytes)
		return kx_error_set(err, 503, "unavailable", NULL,
				    "the bundle file holds %lld bytes, not %lld",
				    (long long)st.st_size, (long long)bytes);
	if (fsync(fileno(bundle)) != 0)
		return io_fail(err, "cannot make the bundle durable");
	if (rename(tmp, final) != 0)
		return io_fail(err, "cannot name the bundle");
	if (sync_dir(dir) != 0) {
		io_fail(err, "cannot make the bundle durable");
		unlink(final);
		return -1;
	}
	return 0;
}

void lite_bundle_unkeep(struct store_lite *s, const char *tenant_id, const char *export_id)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	if (bundle_paths(s, tenant_id, export_id, dir, tmp, final) == 0)
		unlink(final);
}

int lite_bundle_read(struct store_lite *s, const char *tenant_id, const char *export_id,
		     int64_t bytes, char **data, size_t *len, struct kx_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	if (bundle_paths(s, tenant_id, export_id, dir, tmp, final))
		return kx_error_set(err, 503, "unavailable", NULL,
				    "the store's bundle path is too long");
	int fd = open(final, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st = {0};
	if (fd < 0)
		return kx_error_set(err, 503, "unavailable", NULL,
				    "the bundle of export %s is missing from the store (%s)",
				    export_id, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != bytes) {
		close(fd);
		return kx_error_set(err, 503, "unavailable", NULL,
				    "the bundle of export %s was altered: its file holds %lld bytes,"
				    " the export recorded %lld",
				    export_id, (long long)st.st_size, (long long)bytes);
	}
	char *buf = malloc(bytes > 0 ? (size_t)bytes : 1);
	if (!buf) {
		close(fd);
		return kx_error_set(err, 503, "unavailable", NULL, "out of memory");
	}
	size_t got = 0;
	while (got < (size_t)bytes) {
		ssize_t n = read(fd, buf + got, (size_t)bytes - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)bytes) {
		free(buf);
		return kx_error_set(err, 503, "unavailable", NULL,
				    "the bundle of export %s could not be read", export_id);
	}
	*data = buf;
	*len = got;
	return 0;
}

/* ---- backup ---- */

/* Copies src to a new file dst (0600) and makes it durable. */
static int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	int rc = 0;
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -1 : 0;
			break;
		}
		for (ssize_t off = 0; rc == 0 && off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				rc = -1;
			else if (w > 0)
				off += w;
		}
		if (rc)
			break;
	}
	if (rc == 0 && fsync(out) != 0)
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	if (rc)
		unlink(dst);
	return rc;
}

static bool is_bundle_name(const char *name)
{
	size_t n = strlen(name);
	if (n != BUNDLE_NAME_LEN - 1 + strlen(BUNDLE_SUFFIX) ||
	    strcmp(name + BUNDLE_NAME_LEN - 1, BUNDLE_SUFFIX) != 0)
		return false;
	for (size_t i = 0; i < BUNDLE_NAME_LEN - 1; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	return true;
}

/* ---- files that no record names ---- */

#define BUNDLE_SPOOL_STALE_S (24 * 3600) /* a spool file untouched this long has no export */

static int name_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BUNDLE_NAME_LEN);
}

static bool is_spool_name(const char *name)
{
	size_t n = strlen(name);
	if (n != BUNDLE_NAME_LEN - 1 + strlen(BUNDLE_TMP_SUFFIX) ||
	    strcmp(name + BUNDLE_NAME_LEN - 1, BUNDLE_TMP_SUFFIX) != 0)
		return false;
	return strspn(name, "0123456789abcdef") == BUNDLE_NAME_LEN - 1;
}

/* The file names of the bundles the store's records point at, sorted, BUNDLE_NAME_LEN bytes
 * each; every tenant's, as the directory is the store's. NULL when they cannot be read. */
static char *recorded_names(struct store_lite *s, size_t *n)
{
	static const char sql[] = "SELECT tenant_id, id FROM evidence_exports";
	sqlite3_stmt *st = store_stmt(s, sql, NULL);
	size_t cap = 16;
	char *names = st ? malloc(cap * BUNDLE_NAME_LEN) : NULL;
	*n = 0;
	int rc = SQLITE_NOMEM;
	while (names && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			char *grown = realloc(names, 2 * cap * BUNDLE_NAME_LEN);
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			names = grown;
			cap *= 2;
		}
		name_of((const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1), names + *n * BUNDLE_NAME_LEN);
		(*n)++;
	}
	if (st)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(names);
		return NULL;
	}
	qsort(names, *n, BUNDLE_NAME_LEN, name_cmp);
	return names;
}

/* Runs in the write transaction of an export, before its own file: no other export is then
 * between its file and its commit, so a bundle no record names is one whose transaction
 * rolled back (a later member of its group failed, the commit failed) or whose process died
 * first. Those go, as do spool files left by a process that died while writing one. Best
 * effort: what cannot be read or removed stays. */
void lite_bundle_sweep(struct store_lite *s)
{
	char dir[PATH_MAX], path[PATH_MAX], name[BUNDLE_NAME_LEN];
	DIR *d = store_dir(s, dir) ? NULL : opendir(dir);
	if (!d)
		return;
	size_t n;
	char *names = recorded_names(s, &n);
	time_t now = time(NULL);
	struct dirent *e;
	while (names && (e = readdir(d))) {
		bool bundle = is_bundle_name(e->d_name);
		if ((!bundle && !is_spool_name(e->d_name)) || path_in(dir, e->d_name, "", path))
			continue;
		struct stat st;
		if (bundle) {
			memcpy(name, e->d_name, BUNDLE_NAME_LEN - 1);
			name[BUNDLE_NAME_LEN - 1] = 0;
			if (!bsearch(name, names, n, BUNDLE_NAME_LEN, name_cmp))
				unlink(path);
		} else if (lstat(path, &st) == 0 && now - st.st_mtime > BUNDLE_SPOOL_STALE_S) {
			unlink(path);
		}
	}
	closedir(d);
	free(names);
}

/* Called after the database's snapshot is copied: every bundle a record in that snapshot
 * names was durable before the record committed, so it is in the directory now (bundles of
 * later exports may come along; nothing in the copy points at them). */
int lite_bundle_backup(struct store_lite *s, const char *dest, struct kx_error *err)
{
	char from[PATH_MAX], to[PATH_MAX];
	if (store_dir(s, from) || dir_of(dest, to))
		return kx_error_set(err, 503, "unavailable", NULL, "the bundle path is too long");
	DIR *d = opendir(from);
	if (!d)
		return errno == ENOENT ? 0 : backup_fail(err, "cannot read the bundles in", from);
	if (mkdir(to, 0700) != 0) {
		closedir(d);
		return backup_fail(err, "cannot make the backup's bundle directory", to);
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		char src[PATH_MAX], dst[PATH_MAX];
		if (!is_bundle_name(e->d_name))
			continue;
		if (path_in(from, e->d_name, "", src) || path_in(to, e->d_name, "", dst) ||
		    copy_file(src, dst))
			rc = backup_fail(err, "cannot copy the bundle", e->d_name);
	}
	closedir(d);
	if (rc == 0 && sync_dir(to) != 0)
		rc = backup_fail(err, "cannot make the backup's bundles durable", to);
	return rc;
}

/* Removes what lite_bundle_backup made of dest's directory after a failed backup. */
void lite_bundle_backup_undo(const char *dest)
{
	char to[PATH_MAX];
	if (dir_of(dest, to))
		return;
	DIR *d = opendir(to);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[PATH_MAX];
		if (is_bundle_name(e->d_name) && path_in(to, e->d_name, "", p) == 0)
			unlink(p);
	}
	closedir(d);
	rmdir(to);
}
