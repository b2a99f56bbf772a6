/* The witness's state and its checks. The state is one file per tenant holding the last
 * signed checkpoint verified; it is re-verified when read, so a damaged file is an alarm too. */
#include "witness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "klaxon.h"

#define WITNESS_NOTE_MAX 4096

static char *read_small(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = calloc(1, WITNESS_NOTE_MAX + 1);
	size_t n = buf ? fread(buf, 1, WITNESS_NOTE_MAX, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

/* mkdir -p, 0700: what a client witnessed is its own business. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

int witness_open(struct witness *w, const char *source, const char *pubkey_path,
		 const char *state_dir, char *err, size_t len)
{
	memset(w, 0, sizeof *w);
	if (!pubkey_path)
		return 0;
	if (!(w->pubkey = read_small(pubkey_path))) {
		snprintf(err, len, "%s: %s (the server's public key)", pubkey_path, strerror(errno));
		return -1;
	}
	char base[1024];
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (state_dir)
		snprintf(base, sizeof base, "%s", state_dir);
	else if (xdg && *xdg)
		snprintf(base, sizeof base, "%s/klaxon/witness", xdg);
	else
		snprintf(base, sizeof base, "%s/.local/state/klaxon/witness", home ? home : ".");
	/* The source as one safe directory name, readable ("_home_me_k.db") and told apart by a
	 * hash of the whole source: the readable part alone maps "/a/x.db" and "/a_x.db" to one
	 * name, and two stores sharing a state raise false alarms (or hide a rollback). */
	char name[101];
	size_t n = 0;
	for (const char *p = source; *p && n < sizeof name - 1; p++)
		name[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
				    ? *p
				    : '_';
	name[n] = 0;
	unsigned char h[8];
	crypto_generichash(h, sizeof h, (const unsigned char *)source, strlen(source), NULL, 0);
	char hex[2 * sizeof h + 1];
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(w->dir, sizeof w->dir, "%s/%s-%s", base, name, hex);
	/* A state kept under the name used before the hash is taken over once. */
	char old[1200];
	struct stat st;
	if (snprintf(old, sizeof old, "%s/%s", base, name) < (int)sizeof old && strlen(source) < sizeof name &&
	    stat(w->dir, &st) != 0 && stat(old, &st) == 0)
		rename(old, w->dir);
	return 0;
}

void witness_close(struct witness *w)
{
	free(w->pubkey);
	w->pubkey = NULL;
}

/* Write to a temporary file, fsync, rename over: a crash leaves the old state or the new. */
static int save(struct witness *w, const char *tenant, const char *note)
{
	char path[1400], tmp[1420];
	if (make_dirs(w->dir))
		return -1;
	snprintf(path, sizeof path, "%s/%s.checkpoint", w->dir, tenant);
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	size_t len = strlen(note);
	bool ok = write(fd, note, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	int dfd = open(w->dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* A proof from size m to size n through the backend, as base64 strings (caller frees). */
static char **fetch_proof(struct backend *b, uint64_t m, uint64_t n, size_t *count, char *msg,
			  size_t len)
{
	char from[24], to[24];
	snprintf(from, sizeof from, "%" PRIu64, m);
	snprintf(to, sizeof to, "%" PRIu64, n);
	struct backend_param q[] = {{"from", from}, {"to", to}, {NULL, NULL}};
	struct backend_request req = {.op = "ledger.consistency", .query = q};
	struct backend_response resp;
	char **out = NULL;
	*count = 0;
	if (backend_call(b, &req, &resp) == 0) {
		cJSON *root = cJSON_Parse(resp.body);
		const cJSON *hashes = cJSON_GetObjectItem(root, "hashes"), *h;
		out = calloc((size_t)cJSON_GetArraySize(hashes) + 1, sizeof *out);
		cJSON_ArrayForEach(h, hashes)
		{
			if (out && cJSON_IsString(h))
				out[(*count)++] = strdup(h->valuestring);
		}
		cJSON_Delete(root);
	} else {
		char e[400];
		snprintf(msg, len, "the server gives no proof that size %" PRIu64 " extends %" PRIu64
				   ": %s", n, m, backend_error_text(&resp, e, sizeof e));
	}
	backend_response_free(&resp);
	return out;
}

static void free_proof(char **p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

/* Proves `newer` extends `older`: with the link when it starts at `older`, else fetched when
 * the log is the caller's own. 1 when no proof could be had. */
static int prove(struct witness *w, struct backend *b, bool own, const struct kx_checkpoint *older,
		 const struct kx_checkpoint *newer, const struct witness_link *link, char *msg,
		 size_t len)
{
	struct kx_error err = {0};
	struct kx_checkpoint from;
	if (link && link->older_note &&
	    kx_checkpoint_verify(link->older_note, w->pubkey, &from, &err) == 0 &&
	    from.size == older->size && memcmp(from.root, older->root, 32) == 0) {
		if (kx_checkpoint_consistent(older, newer, link->hashes, link->n, &err) == 0)
			return 0;
		snprintf(msg, len, "%s", err.message);
		return -1;
	}
	if (!own || !b)
		return 1;
	size_t n = 0;
	char **hashes = fetch_proof(b, older->size, newer->size, &n, msg, len);
	if (!hashes)
		return -1;
	int rc = kx_checkpoint_consistent(older, newer, (const char *const *)hashes, n, &err);
	if (rc)
		snprintf(msg, len, "%s", err.message);
	free_proof(hashes, n);
	return rc;
}

enum witness_status witness_observe(struct witness *w, struct backend *b, bool own,
				    const char *note, const struct witness_link *link, char *msg,
				    size_t len)
{
	struct kx_error err = {0};
	struct kx_checkpoint now, seen;
	*msg = 0;
	if (!w->pubkey)
		return WITNESS_OFF;
	if (kx_checkpoint_verify(note, w->pubkey, &now, &err)) {
		snprintf(msg, len, "the checkpoint does not verify: %s", err.message);
		return WITNESS_ALARM;
	}
	char path[1400];
	snprintf(path, sizeof path, "%s/%s.checkpoint", w->dir, now.tenant_id);
	char *old = read_small(path);
	if (!old) {
		if (save(w, now.tenant_id, note)) {
			snprintf(msg, len, "cannot keep the witness state in %s", w->dir);
			return WITNESS_UNLINKED;
		}
		snprintf(msg, len, "first checkpoint of %s seen: size %" PRIu64, now.tenant_id,
			 now.size);
		return WITNESS_FIRST;
	}
	int rc = kx_checkpoint_verify(old, w->pubkey, &seen, &err);
	free(old);
	if (rc || strcmp(seen.origin, now.origin) != 0) {
		snprintf(msg, len, "the witness state %s does not verify: %s", path, err.message);
		return WITNESS_ALARM;
	}
	if (seen.size == now.size) {
		if (memcmp(seen.root, now.root, 32) == 0) {
			snprintf(msg, len, "checkpoint %" PRIu64 " of %s as witnessed", now.size,
				 now.tenant_id);
			return WITNESS_SAME;
		}
		snprintf(msg, len, "two different trees of size %" PRIu64 " of %s, both signed: "
				   "history was rewritten", now.size, now.tenant_id);
		return WITNESS_ALARM;
	}
	bool newer = now.size > seen.size;
	rc = newer ? prove(w, b, own, &seen, &now, link, msg, len)
		   : prove(w, b, own, &now, &seen, NULL, msg, len);
	if (rc < 0)
		return WITNESS_ALARM;
	if (rc > 0) {
		snprintf(msg, len, "no proof between sizes %" PRIu64 " and %" PRIu64 " of %s could be "
				   "had; kept %" PRIu64, seen.size, now.size, now.tenant_id, seen.size);
		return WITNESS_UNLINKED;
	}
	if (!newer) {
		snprintf(msg, len, "checkpoint %" PRIu64 " of %s is extended by the witnessed %" PRIu64,
			 now.size, now.tenant_id, seen.size);
		return WITNESS_OLDER;
	}
	if (save(w, now.tenant_id, note))
		snprintf(msg, len, "size %" PRIu64 " extends %" PRIu64 " but the state could not be "
				   "saved in %s", now.size, seen.size, w->dir);
	else
		snprintf(msg, len, "checkpoint %" PRIu64 " of %s extends the witnessed %" PRIu64,
			 now.size, now.tenant_id, seen.size);
	return WITNESS_EXTENDED;
}
