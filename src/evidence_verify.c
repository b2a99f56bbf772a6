/* Offline verification of an evidence bundle with nothing but the server's public key:
 * manifest signature (minisign), every member's SHA-256 against the manifest, the signed
 * checkpoints, the consistency proof from the previous export, every receipt's inclusion
 * proof (RFC 9162), decisions against their receipts' record digests, timeline events against
 * the receipts, document digests, the redaction log's shape and the counts. The first failure
 * is named and ends the verification. */
#include <archive.h>
#include <archive_entry.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "digest.h"
#include "evidence.h"
#include "evidence_replay.h"
#include "evidence_verify.h"
#include "merkle.h"
#include "minisign.h"

int verify_fail(struct verify *v, const char *fmt, ...)
{
	char msg[sizeof v->err->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return kx_error_set(v->err, 409, "evidence_invalid", NULL, "%s", msg);
}

void verify_passed(struct verify *v, const char *fmt, ...)
{
	if (!v->rep->on_check)
		return;
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->rep->on_check(v->rep->ctx, msg);
}

const char *verify_name(int i)
{
	return i == V_MANIFEST ? "manifest.json" : i == V_SIG ? "manifest.json.minisig"
							       : evidence_member_names[i];
}

/* ---- reading the tar ---- */

static int member_index(const char *name)
{
	for (int i = 0; name && i < V_COUNT; i++)
		if (strcmp(verify_name(i), name) == 0)
			return i;
	return -1;
}

/* Read line by line (proofs.json one proof at a time), with their lengths: these need no
 * copy of their own. */
static bool read_in_place(int member)
{
	return member == EVIDENCE_RECEIPTS || member == EVIDENCE_PROOFS ||
	       member == EVIDENCE_DECISIONS ||
	       member == EVIDENCE_INCIDENTS || member == EVIDENCE_TIMELINE ||
	       member == EVIDENCE_REDACTIONS || member == EVIDENCE_PROFILES;
}

/* The member's bytes as libarchive hands them out, block by block (holes as zeros, as
 * archive_read_data gives them). A member that comes as one block lying inside the tar, as
 * an uncompressed tar read from memory gives it, is used where it lies when it may be. */
static int read_entry(struct verify *v, struct archive *a, struct archive_entry *e, size_t total,
		      const char *tar)
{
	const char *name = archive_entry_pathname(e);
	int i = member_index(name);
	if (i < 0)
		return verify_fail(v, "the bundle holds an unexpected member %.80s", name ? name : "?");
	if (archive_entry_filetype(e) != AE_IFREG)
		return verify_fail(v, "%s is not a regular file", name);
	if (v->m[i].present)
		return verify_fail(v, "%s appears twice", name);
	la_int64_t size = archive_entry_size(e);
	if (size < 0 || (uint64_t)size > total)
		return verify_fail(v, "%s has an impossible size", name);
	const void *block;
	size_t n = 0;
	la_int64_t off = 0;
	int r = size > 0 ? archive_read_data_block(a, &block, &n, &off) : ARCHIVE_EOF;
	uintptr_t at = (uintptr_t)block, start = (uintptr_t)tar;
	if (r == ARCHIVE_OK && off == 0 && n == (size_t)size && read_in_place(i) && at >= start &&
	    at - start <= total - n) {
		v->m[i] = (struct vmember){(const char *)block, n, true, NULL};
		return 0;
	}
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		return kx_error_set(v->err, 503, "unavailable", NULL, "out of memory");
	size_t got = 0;
	while ((r == ARCHIVE_OK || r == ARCHIVE_WARN) && off >= 0 && (uint64_t)off <= (uint64_t)size) {
		size_t room = (size_t)size - (size_t)off, take = n < room ? n : room;
		if ((size_t)off > got)
			memset(buf + got, 0, (size_t)off - got); /* a hole */
		memcpy(buf + off, block, take);
		if ((size_t)off + take > got)
			got = (size_t)off + take;
		if (got == (size_t)size)
			break;
		r = archive_read_data_block(a, &block, &n, &off);
	}
	buf[got] = 0;
	v->m[i] = (struct vmember){buf, got, true, buf};
	if (got != (size_t)size)
		return verify_fail(v, "%s is cut short", name);
	return 0;
}

static int read_tar(struct verify *v, const void *tar, size_t len)
{
	struct archive *a = archive_read_new();
	if (!a)
		return kx_error_set(v->err, 503, "unavailable", NULL, "out of memory");
	archive_read_support_format_tar(a);
	int rc = 0, r = ARCHIVE_FATAL;
	struct archive_entry *e;
	if (archive_read_open_memory(a, tar, len) != ARCHIVE_OK)
		rc = verify_fail(v, "not a tar archive");
	while (rc == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK)
		rc = read_entry(v, a, e, len, tar);
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = verify_fail(v, "not a readable tar archive: %s", archive_error_string(a));
	archive_read_free(a);
	for (int i = 0; rc == 0 && i < V_COUNT; i++)
		if (!v->m[i].present && i != EVIDENCE_PREVIOUS)
			rc = verify_fail(v, "%s is missing", verify_name(i));
	return rc;
}

/* ---- the manifest and its signature ---- */

/* A base64 line that decodes to exactly `want` bytes and is the canonical encoding of them. */
static bool b64_canonical(const char *s, size_t len, size_t want)
{
	uint8_t raw[128];
	char again[200];
	size_t n = 0;
	if (want > sizeof raw ||
	    sodium_base642bin(raw, sizeof raw, s, len, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    n != want)
		return false;
	sodium_bin2base64(again, sizeof again, raw, n, sodium_base64_VARIANT_ORIGINAL);
	return strlen(again) == len && memcmp(again, s, len) == 0;
}

/* minisign signs neither the first line nor the encodings: klaxon's form is checked exactly,
 * so that no byte of the signature file can change unnoticed. */
static int sig_canonical(struct verify *v, const char *sig)
{
	const char *line[5];
	size_t len[4];
	line[0] = sig;
	for (int i = 0; i < 4; i++) {
		const char *nl = strchr(line[i], '\n');
		if (!nl)
			return verify_fail(v, "manifest.json.minisig is not four lines");
		len[i] = (size_t)(nl - line[i]);
		line[i + 1] = nl + 1;
	}
	if (*line[4] || len[0] != strlen(EVIDENCE_UNTRUSTED_COMMENT) ||
	    memcmp(line[0], EVIDENCE_UNTRUSTED_COMMENT, len[0]) != 0 ||
	    !b64_canonical(line[1], len[1], 74) || strncmp(line[2], "trusted comment: ", 17) != 0 ||
	    !b64_canonical(line[3], len[3], 64))
		return verify_fail(v, "manifest.json.minisig is not in minisign's exact form");
	return 0;
}

static int check_signature(struct verify *v)
{
	struct minisign_pubkey pub;
	char hex[17];
	struct kx_error e = {0};
	if (minisign_pubkey_parse(v->pubkey_text, &pub, &e))
		return verify_fail(v, "the public key is unreadable: %s", e.message);
	minisign_key_id_hex(pub.key_id, hex);
	if (sig_canonical(v, v->m[V_SIG].data))
		return -1;
	if (minisign_verify(&pub, v->m[V_MANIFEST].data, v->m[V_MANIFEST].len, v->m[V_SIG].data,
			    NULL, &e))
		return verify_fail(v, "manifest.json: its signature does not verify with key %s (%s)",
				   hex, e.message);
	verify_passed(v, "manifest.json is signed by the server key %s (minisign)", hex);
	return 0;
}

static const cJSON *mf(const struct verify *v, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(v->manifest, name);
}

static int parse_manifest(struct verify *v)
{
	struct kx_bundle_report *rep = v->rep;
	v->manifest = cJSON_Parse(v->m[V_MANIFEST].data);
	const char *format = cJSON_GetStringValue(mf(v, "format"));
	const char *tenant = cJSON_GetStringValue(mf(v, "tenant_id"));
	const char *from = cJSON_GetStringValue(mf(v, "from")), *to = cJSON_GetStringValue(mf(v, "to"));
	const char *id = cJSON_GetStringValue(mf(v, "export_id"));
	const cJSON *size = mf(v, "checkpoint_size"), *prev = mf(v, "previous_checkpoint_size");
	if (!cJSON_IsObject(v->manifest) || !format || strcmp(format, EVIDENCE_FORMAT) != 0)
		return verify_fail(v, "manifest.json is not a %s manifest", EVIDENCE_FORMAT);
	if (!tenant || !*tenant || strlen(tenant) >= sizeof rep->tenant_id || !id ||
	    strlen(id) >= sizeof rep->export_id || !from || !to ||
	    kx_time_parse(from, &v->from_ms) || kx_time_parse(to, &v->to_ms) ||
	    !cJSON_IsNumber(size) || size->valuedouble < 1 ||
	    !(cJSON_IsNull(prev) || (cJSON_IsNumber(prev) && prev->valuedouble >= 1)) ||
	    !cJSON_IsObject(mf(v, "counts")) || !cJSON_IsArray(mf(v, "files")))
		return verify_fail(v, "manifest.json lacks a member of API.md's layout");
	snprintf(rep->tenant_id, sizeof rep->tenant_id, "%s", tenant);
	snprintf(rep->export_id, sizeof rep->export_id, "%s", id);
	snprintf(rep->from, sizeof rep->from, "%s", from);
	snprintf(rep->to, sizeof rep->to, "%s", to);
	rep->checkpoint_size = (uint64_t)size->valuedouble;
	rep->previous_size = cJSON_IsNumber(prev) ? (uint64_t)prev->valuedouble : 0;
	return 0;
}

/* Every member but the manifest and its signature is listed once, with its digest and size. */
static int check_files(struct verify *v)
{
	bool listed[V_COUNT] = {0};
	int n = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, mf(v, "files"))
	{
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "name"));
		const char *hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "sha256"));
		const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(f, "bytes");
		int i = member_index(name);
		if (i < 0 || i >= EVIDENCE_MEMBERS || listed[i] || !hex || !cJSON_IsNumber(bytes))
			return verify_fail(v, "manifest.json: files[%d] is not a member of the bundle", n);
		listed[i] = true;
		n++;
		if (!v->m[i].present)
			return verify_fail(v, "%s is listed in the manifest but missing", name);
		uint8_t h[32];
		char have[65];
		digest_sha256(v->m[i].data, v->m[i].len, h);
		sodium_bin2hex(have, sizeof have, h, sizeof h);
		if (strcmp(have, hex) != 0 || (double)v->m[i].len != bytes->valuedouble)
			return verify_fail(v, "%s: its SHA-256 differs from the manifest's", name);
	}
	for (int i = 0; i < EVIDENCE_MEMBERS; i++) {
		if (v->m[i].present && !listed[i])
			return verify_fail(v, "%s is not listed in the manifest", verify_name(i));
		if (v->m[i].present && memchr(v->m[i].data, 0, v->m[i].len))
			return verify_fail(v, "%s holds a NUL byte", verify_name(i));
	}
	verify_passed(v, "all %d members match the manifest's SHA-256 digests", n);
	return 0;
}

/* ---- checkpoints and consistency ---- */

static int check_checkpoints(struct verify *v)
{
	struct kx_bundle_report *rep = v->rep;
	struct kx_error e = {0};
	if (kx_checkpoint_verify(v->m[EVIDENCE_CHECKPOINT].data, v->pubkey_text, &v->cp, &e))
		return verify_fail(v, "checkpoint: %s", e.message);
	if (strcmp(v->cp.tenant_id, rep->tenant_id) != 0 || v->cp.size != rep->checkpoint_size)
		return verify_fail(v, "checkpoint: it is of %s at size %" PRIu64 ", not what the "
				      "manifest says", v->cp.origin, v->cp.size);
	verify_passed(v, "checkpoint: signed by the server key, %" PRIu64 " receipts in %s",
		      v->cp.size, v->cp.origin);
	rep->checkpoint = strdup(v->m[EVIDENCE_CHECKPOINT].data);
	cJSON *c = cJSON_Parse(v->m[EVIDENCE_CONSISTENCY].data);
	const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(c, "hashes");
	double from = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "from_size"));
	double to = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "to_size"));
	int rc = 0, n = cJSON_GetArraySize(hashes);
	if (!cJSON_IsArray(hashes) || from != (double)rep->previous_size || to != (double)v->cp.size)
		rc = verify_fail(v, "consistency.json does not go from the previous export's size "
				    "to the checkpoint's");
	else if (rep->previous_size == 0 && (n != 0 || v->m[EVIDENCE_PREVIOUS].present))
		rc = verify_fail(v, "consistency.json: a proof without a previous export");
	rep->consistency = rc == 0 && n > 0 ? calloc((size_t)n, sizeof(char *)) : NULL;
	for (int i = 0; rc == 0 && i < n; i++) {
		const char *h = cJSON_GetStringValue(cJSON_GetArrayItem(hashes, i));
		if (!h || !rep->consistency || !(rep->consistency[i] = strdup(h)))
			rc = verify_fail(v, "consistency.json: hash %d is not a string", i);
		rep->n_consistency = (size_t)i + 1;
	}
	cJSON_Delete(c);
	if (rc || rep->previous_size == 0) {
		if (rc == 0)
			verify_passed(v, "consistency: this is the tenant's first export");
		return rc;
	}
	if (!v->m[EVIDENCE_PREVIOUS].present)
		return verify_fail(v, "previous_checkpoint is missing");
	if (kx_checkpoint_verify(v->m[EVIDENCE_PREVIOUS].data, v->pubkey_text, &v->prev, &e))
		return verify_fail(v, "previous_checkpoint: %s", e.message);
	if (v->prev.size != rep->previous_size)
		return verify_fail(v, "previous_checkpoint: its size is not the manifest's");
	if (kx_checkpoint_consistent(&v->prev, &v->cp, (const char *const *)rep->consistency,
				     rep->n_consistency, &e))
		return verify_fail(v, "consistency.json: %s", e.message);
	rep->previous_checkpoint = strdup(v->m[EVIDENCE_PREVIOUS].data);
	verify_passed(v, "consistency: size %" PRIu64 " extends the previous export's %" PRIu64,
		      v->cp.size, v->prev.size);
	return 0;
}

/* ---- the whole ---- */

static int check_counts(struct verify *v)
{
	const struct kx_bundle_report *r = v->rep;
	const char *names[] = {"receipts", "decisions", "incidents", "timeline", "redactions",
			       "profiles"};
	const uint64_t have[] = {r->receipts, r->decisions, r->incidents, r->timeline,
				 r->redactions, r->profiles};
	for (int i = 0; i < 6; i++) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(mf(v, "counts"), names[i]);
		if (!cJSON_IsNumber(c) || c->valuedouble != (double)have[i])
			return verify_fail(v, "manifest.json: counts.%s is not the %" PRIu64
					      " the bundle holds", names[i], have[i]);
	}
	verify_passed(v, "counts match the manifest");
	return 0;
}

int kx_bundle_verify(const void *tar, size_t len, const char *pubkey_text, bool replay,
		     struct kx_bundle_report *rep, struct kx_error *err)
{
	struct verify v = {.pubkey_text = pubkey_text, .rep = rep, .err = err, .replay = replay};
	if (sodium_init() < 0)
		return kx_error_set(err, 503, "unavailable", NULL, "libsodium failed to initialise");
	v.docs = replay_new();
	int rc = v.docs ? 0 : kx_error_set(err, 503, "unavailable", NULL, "out of memory");
	if (rc == 0)
		rc = read_tar(&v, tar, len);
	if (rc == 0)
		rc = check_signature(&v);
	if (rc == 0)
		rc = parse_manifest(&v);
	if (rc == 0)
		rc = check_files(&v);
	if (rc == 0)
		rc = check_checkpoints(&v);
	if (rc == 0)
		rc = verify_records(&v);
	if (rc == 0)
		rc = check_counts(&v);
	for (int i = 0; i < V_COUNT; i++)
		free(v.m[i].owned);
	cJSON_Delete(v.manifest);
	replay_free(v.docs);
	free(v.receipts);
	return rc;
}

void kx_bundle_report_free(struct kx_bundle_report *rep)
{
	if (!rep)
		return;
	free(rep->checkpoint);
	free(rep->previous_checkpoint);
	for (size_t i = 0; i < rep->n_consistency; i++)
		free(rep->consistency[i]);
	free(rep->consistency);
	rep->checkpoint = rep->previous_checkpoint = NULL;
	rep->consistency = NULL;
	rep->n_consistency = 0;
}
