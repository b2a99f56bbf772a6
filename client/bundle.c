/* Exporting a bundle to a file through the backend, and verifying a bundle file offline
 * through the core's verifier (which needs no store and no server). */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "klaxon.h"

#define EVIDENCE_MAX_BUNDLE (1u << 30)

struct download {
	evidence_progress_fn progress;
	void *ctx;
};

static void on_download(void *ctx, uint64_t done, uint64_t total)
{
	struct download *d = ctx;
	d->progress(d->ctx, EVIDENCE_DOWNLOADING, done, total);
}

/* A bundle file is written to a fresh temporary file beside its path (mkstemp: O_EXCL, so
 * never through a link planted under a guessable name) and takes the path's name only if
 * nothing has it yet (link(2) refuses an existing name): an export never writes through, or
 * over, a file that is not its own. The file is 0600, as the tenant's data in it asks. */
struct bundle_file {
	char tmp[4200];
	int fd;
};

static int bundle_file_open(struct bundle_file *f, const char *path, char *msg, size_t mlen)
{
	struct stat st;
	f->fd = -1;
	if (lstat(path, &st) == 0) {
		snprintf(msg, mlen, "%s exists: a bundle never replaces a file", path);
		return -1;
	}
	if ((size_t)snprintf(f->tmp, sizeof f->tmp, "%s.XXXXXX", path) >= sizeof f->tmp) {
		snprintf(msg, mlen, "the path is too long");
		return -1;
	}
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0 || fcntl(f->fd, F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(msg, mlen, "%s: %s", path, strerror(errno));
		if (f->fd >= 0)
			unlink(f->tmp);
		return -1;
	}
	return 0;
}

static void bundle_file_abandon(struct bundle_file *f)
{
	if (f->fd < 0)
		return;
	close(f->fd);
	unlink(f->tmp);
	f->fd = -1;
}

/* Takes path's name without replacing anything; where the file system has no hard links,
 * a rename after a last look. */
static int bundle_file_name(const char *tmp, const char *path)
{
	if (link(tmp, path) == 0)
		return 0;
	struct stat st;
	if ((errno == EPERM || errno == EOPNOTSUPP) && lstat(path, &st) != 0)
		return rename(tmp, path) == 0 ? 1 : -1;
	return -1;
}

static int bundle_file_commit(struct bundle_file *f, const char *path, const char *data,
			      size_t len, char *msg, size_t mlen)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(f->fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	bool ok = done == len && fsync(f->fd) == 0;
	int e = errno;
	ok = close(f->fd) == 0 && ok;
	f->fd = -1;
	int named = ok ? bundle_file_name(f->tmp, path) : -1;
	if (named < 0)
		e = ok ? errno : e;
	if (named <= 0) /* linked (or failed): the temporary name goes */
		unlink(f->tmp);
	if (named < 0) {
		if (e == EEXIST)
			snprintf(msg, mlen, "%s exists: a bundle never replaces a file", path);
		else
			snprintf(msg, mlen, "%s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

static uint64_t num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
}

static int read_answer(struct evidence_export *out, const char *body, char *msg, size_t len)
{
	cJSON *a = cJSON_Parse(body);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(a, "id"));
	const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(a, "manifest_digest"));
	int rc = 0;
	if (!id || !digest) {
		snprintf(msg, len, "the export's answer has no id");
		rc = -1;
	} else {
		snprintf(out->id, sizeof out->id, "%s", id);
		snprintf(out->manifest_digest, sizeof out->manifest_digest, "%s", digest);
		out->bytes = num(a, "bytes");
		out->receipts = num(cJSON_GetObjectItem(a, "counts"), "receipts");
		out->checkpoint_size = num(a, "checkpoint_size");
		out->previous_size = num(a, "previous_checkpoint_size");
		out->answer = strdup(body);
	}
	cJSON_Delete(a);
	return rc;
}

static int download_into(struct backend *b, const char *tenant, const char *export_id,
			 uint64_t *bytes, struct bundle_file *f, const char *path,
			 evidence_progress_fn progress, void *ctx, char *msg, size_t len)
{
	struct backend_response resp;
	struct download d = {progress, ctx};
	struct backend_request get = {.op = "evidence.download",
				      .id = tenant,
				      .sub_id = export_id,
				      .max_body = EVIDENCE_MAX_BUNDLE,
				      .progress = progress ? on_download : NULL,
				      .progress_ctx = &d};
	int rc;
	if (backend_call(b, &get, &resp)) {
		backend_error_text(&resp, msg, len);
		rc = -1;
	} else if (*bytes && resp.body_len != *bytes) {
		snprintf(msg, len, "the bundle is %zu bytes, not the %llu the export announced",
			 resp.body_len, (unsigned long long)*bytes);
		rc = -1;
	} else {
		if (progress)
			progress(ctx, EVIDENCE_WRITING, resp.body_len, resp.body_len);
		rc = bundle_file_commit(f, path, resp.body, resp.body_len, msg, len);
		*bytes = resp.body_len;
	}
	backend_response_free(&resp);
	bundle_file_abandon(f);
	return rc;
}

int evidence_export_file(struct backend *b, const char *tenant, const char *from,
			 const char *to, const char *override, const char *path,
			 evidence_progress_fn progress, void *ctx, struct evidence_export *out,
			 char *msg, size_t len)
{
	memset(out, 0, sizeof *out);
	/* The file first: an export the caller cannot keep is never made. */
	struct bundle_file f;
	if (bundle_file_open(&f, path, msg, len))
		return -1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "from", from);
	cJSON_AddStringToObject(o, "to", to);
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (progress)
		progress(ctx, EVIDENCE_EXPORTING, 0, 0);
	struct backend_request req = {.op = "evidence.export", .id = tenant, .body = body,
				      .override = override};
	struct backend_response resp;
	int rc = backend_call(b, &req, &resp);
	cJSON_free(body);
	if (rc)
		backend_error_text(&resp, msg, len);
	else
		rc = read_answer(out, resp.body, msg, len);
	backend_response_free(&resp);
	if (rc) {
		bundle_file_abandon(&f);
		return -1;
	}
	return download_into(b, tenant, out->id, &out->bytes, &f, path, progress, ctx, msg, len);
}

int evidence_download_file(struct backend *b, const char *tenant, const char *export_id,
			   uint64_t *bytes, const char *path, evidence_progress_fn progress,
			   void *ctx, char *msg, size_t len)
{
	struct bundle_file f;
	if (bundle_file_open(&f, path, msg, len))
		return -1;
	return download_into(b, tenant, export_id, bytes, &f, path, progress, ctx, msg, len);
}

void evidence_export_free(struct evidence_export *e)
{
	free(e->answer);
	e->answer = NULL;
}

/* ---- verification ---- */

/* A regular file in one read of its size: growing a memory stream copied a large bundle
 * several times over. NULL when it is not one (a pipe, say), or cannot be read so. */
static char *read_regular(FILE *f, size_t *len)
{
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size >= SIZE_MAX)
		return NULL;
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size + 1);
	size_t got = 0, n;
	while (buf && got < size && (n = fread(buf + got, 1, size - got, f)) > 0)
		got += n;
	if (!buf || got != size || fgetc(f) != EOF) { /* it changed under us: read it as a stream */
		free(buf);
		rewind(f);
		return NULL;
	}
	buf[size] = 0;
	*len = size;
	return buf;
}

static char *read_file(const char *path, size_t *len, char *msg, size_t mlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	*len = 0;
	if (f && (buf = read_regular(f, len))) {
		fclose(f);
		return buf;
	}
	FILE *mem = f ? open_memstream(&buf, len) : NULL;
	char chunk[65536];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, mem);
	bool failed = !f || ferror(f);
	if (mem)
		fclose(mem);
	if (f)
		fclose(f);
	if (failed || !buf) {
		snprintf(msg, mlen, "%s: %s", path, strerror(errno ? errno : EIO));
		free(buf);
		return NULL;
	}
	return buf;
}

static void copy_report(struct evidence_report *rep, struct kx_bundle_report *k)
{
	snprintf(rep->tenant_id, sizeof rep->tenant_id, "%s", k->tenant_id);
	snprintf(rep->export_id, sizeof rep->export_id, "%s", k->export_id);
	snprintf(rep->from, sizeof rep->from, "%s", k->from);
	snprintf(rep->to, sizeof rep->to, "%s", k->to);
	rep->checkpoint_size = k->checkpoint_size;
	rep->previous_size = k->previous_size;
	rep->receipts = k->receipts;
	rep->decisions = k->decisions;
	rep->redacted_decisions = k->redacted_decisions;
	rep->incidents = k->incidents;
	rep->timeline = k->timeline;
	rep->redactions = k->redactions;
	rep->replayed = k->replayed;
	rep->drift = k->drift;
	rep->not_replayable = k->not_replayable;
	rep->tenancy = k->tenancy;
	/* Ownership moves: the report frees them. */
	rep->checkpoint = k->checkpoint;
	rep->previous_checkpoint = k->previous_checkpoint;
	rep->consistency = k->consistency;
	rep->n_consistency = k->n_consistency;
	k->checkpoint = k->previous_checkpoint = NULL;
	k->consistency = NULL;
	k->n_consistency = 0;
}

int evidence_verify_file(const char *path, const char *pubkey_path, bool replay,
			 struct evidence_report *rep, char *msg, size_t len)
{
	size_t tar_len = 0, key_len = 0;
	char *key = read_file(pubkey_path, &key_len, msg, len);
	char *tar = key ? read_file(path, &tar_len, msg, len) : NULL;
	if (!tar) {
		free(key);
		return -1;
	}
	struct kx_bundle_report k = {.on_check = rep->on_check, .on_replay = rep->on_replay,
				     .ctx = rep->ctx};
	struct kx_error err = {0};
	int rc = kx_bundle_verify(tar, tar_len, key, replay, &k, &err);
	if (rc)
		snprintf(msg, len, "%s", err.message);
	copy_report(rep, &k);
	kx_bundle_report_free(&k);
	free(tar);
	free(key);
	return rc;
}

void evidence_report_free(struct evidence_report *rep)
{
	free(rep->checkpoint);
	free(rep->previous_checkpoint);
	for (size_t i = 0; i < rep->n_consistency; i++)
		free(rep->consistency[i]);
	free(rep->consistency);
	rep->checkpoint = rep->previous_checkpoint = NULL;
	rep->consistency = NULL;
	rep->n_consistency = 0;
}
