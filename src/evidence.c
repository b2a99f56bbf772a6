/* Building an evidence bundle: each member is streamed to a temporary file (hashed as it is
 * written) while the store is walked row by row; then the manifest is made and signed, and
 * the tar is written with libarchive straight into the file the store keeps. */
#include "evidence.h"

#include <archive.h>
#include <archive_entry.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ledger.h"
#include "redact.h"

const char *const evidence_member_names[EVIDENCE_MEMBERS] = {
	"checkpoint",	    "previous_checkpoint", "receipts.jsonl",  "proofs.json",
	"consistency.json", "decisions.jsonl",	   "incidents.jsonl", "timeline.jsonl",
	"redactions.jsonl", "profiles.jsonl",
};

/* Members are written (and hashed) 64 KiB at a time: a line is written in pieces of a few
 * bytes, each an fwrite and a SHA-256 update, and stdio's 4 KiB buffer made ~90k write
 * calls for a 100k-receipt export. */
#define MEMBER_BUFFER 65536
#define TAR_BUFFER (1 << 20)

struct member {
	FILE *f; /* unbuffered: buf is the buffer */
	char *buf;
	size_t used;
	struct digest_state h;
	uint64_t bytes, lines;
	bool present;
};

struct build {
	struct kx_core *core;
	struct store *s;
	const struct evidence_request *rq;
	struct member m[EVIDENCE_MEMBERS];
	char *tar_buf; /* the bundle file's stdio buffer */
	struct redactor *red;
	uint64_t size, prev;
	uint64_t proofs;
	/* The tree as the export's transaction sees it: on the writer, so no committed cache;
	 * consecutive receipts' proofs share all but ~2 nodes, which `nodes` remembers. */
	struct ledger_nodes nodes;
	/* The last proof's hashes and their base64, which the next proof mostly repeats. */
	merkle_hash proof_hash[MERKLE_MAX_PROOF];
	char proof_b64[MERKLE_MAX_PROOF][DIGEST_B64_LEN];
	size_t proof_n;
	/* Versions that decisions in the window pinned: those must be in profiles.jsonl. */
	int pinned_lo[2], pinned_hi[2];
	/* The record being redacted, for the log. */
	const char *file, *record_id;
	struct kx_error *err;
};

/* ---- members ---- */

static int member_open(struct build *b, enum evidence_member i)
{
	struct member *m = &b->m[i];
	m->f = tmpfile();
	if (!m->f)
		return kx_error_set(b->err, 503, "unavailable", NULL,
				    "no temporary file for the bundle (TMPDIR)");
	m->buf = malloc(MEMBER_BUFFER);
	if (!m->buf)
		return kx_error_set(b->err, 503, "unavailable", NULL, "out of memory");
	setvbuf(m->f, NULL, _IONBF, 0);
	digest_init(&m->h);
	m->present = true;
	return 0;
}

/* A failed write leaves the file in error, which write_members checks at the end. */
static void member_out(struct member *m, const void *data, size_t len)
{
	fwrite(data, 1, len, m->f);
	digest_update(&m->h, data, len);
}

static void member_flush(struct member *m)
{
	member_out(m, m->buf, m->used);
	m->used = 0;
}

static void member_write(struct member *m, const void *data, size_t len)
{
	m->bytes += len;
	if (len > MEMBER_BUFFER - m->used) {
		member_flush(m);
		if (len >= MEMBER_BUFFER) {
			member_out(m, data, len);
			return;
		}
	}
	memcpy(m->buf + m->used, data, len);
	m->used += len;
}

static void member_text(struct member *m, const char *text)
{
	member_write(m, text, strlen(text));
}

/* s as a JSON string, escaped exactly as cJSON 1.7 prints one (a quote, a backslash and the
 * control characters; every other byte as it is), so that a line written here is byte for
 * byte the one cJSON_PrintUnformatted made of the same object. */
static void member_json_string(struct member *m, const char *s)
{
	/* Escaped into a stack buffer and written a few KiB at a time: a decision record is
	 * JSON, and a write per quote in it was a tenth of an export. */
	static const char hex[] = "0123456789abcdef";
	char out[4096];
	size_t n = 0;
	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (n > sizeof out - 8) {
			member_write(m, out, n);
			n = 0;
		}
		unsigned char c = *p;
		if (c > 31 && c != '"' && c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '\\';
		switch (c) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '\b': out[n++] = 'b'; break;
		case '\f': out[n++] = 'f'; break;
		case '\n': out[n++] = 'n'; break;
		case '\r': out[n++] = 'r'; break;
		case '\t': out[n++] = 't'; break;
		default:
			memcpy(out + n, "u00", 3);
			out[n + 3] = hex[c >> 4];
			out[n + 4] = hex[c & 15];
			n += 5;
		}
	}
	out[n++] = '"';
	member_write(m, out, n);
}

/* One line of JSON Lines: the text and its newline. */
static void member_line(struct member *m, const char *text)
{
	member_text(m, text);
	member_write(m, "\n", 1);
	m->lines++;
}

/* Prints v unformatted as one line (cJSON escapes control characters) and frees it. */
static int member_json_line(struct build *b, struct member *m, cJSON *v)
{
	char *text = v ? cJSON_PrintUnformatted(v) : NULL;
	cJSON_Delete(v);
	if (!text)
		return kx_error_set(b->err, 503, "unavailable", NULL, "out of memory");
	member_line(m, text);
	cJSON_free(text);
	return 0;
}

static void members_close(struct build *b)
{
	for (int i = 0; i < EVIDENCE_MEMBERS; i++) {
		if (b->m[i].f)
			fclose(b->m[i].f);
		free(b->m[i].buf);
	}
}

/* ---- redaction ---- */

static void log_redaction(void *ctx, const char *rule, const char *field, int count)
{
	struct build *b = ctx;
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "file", b->file);
	cJSON_AddStringToObject(l, "record", b->record_id);
	cJSON_AddStringToObject(l, "field", field);
	cJSON_AddStringToObject(l, "rule", rule);
	cJSON_AddNumberToObject(l, "count", count);
	member_json_line(b, &b->m[EVIDENCE_REDACTIONS], l);
}

static int redact_record(struct build *b, cJSON *rec, enum evidence_member file,
			 const char *record_id)
{
	b->file = evidence_member_names[file];
	b->record_id = record_id;
	return redact_json(b->red, rec, "", log_redaction, b);
}

/* ---- checkpoint, previous checkpoint, consistency ---- */

static int write_checkpoints(struct build *b)
{
	const char *t = b->rq->tenant_id;
	/* Receipts of this write group's earlier members have no checkpoint yet. */
	if (ledger_seal(b->core, b->s, t, b->rq->created_at, b->err))
		return -1;
	char *note = store_checkpoint_get(b->s, t, 0, &b->size);
	if (!note)
		return kx_error_set(b->err, 503, "unavailable", NULL, "tenant %s has no checkpoint", t);
	member_text(&b->m[EVIDENCE_CHECKPOINT], note);
	free(note);
	int64_t prev = store_evidence_last_size(b->s, t);
	if (prev < 0)
		return kx_error_set(b->err, 503, "unavailable", NULL, "the exports are unreadable");
	b->prev = (uint64_t)prev;
	merkle_hash hashes[MERKLE_MAX_PROOF];
	size_t n = 0;
	if (b->prev > 0) {
		char *pnote = store_checkpoint_get(b->s, t, b->prev, NULL);
		if (!pnote || member_open(b, EVIDENCE_PREVIOUS) ||
		    ledger_prove_consistency(&b->nodes, b->prev, b->size, hashes, &n)) {
			free(pnote);
			return kx_error_set(b->err, 503, "unavailable", NULL,
					    "the ledger cannot prove consistency from size %" PRIu64,
					    b->prev);
		}
		member_text(&b->m[EVIDENCE_PREVIOUS], pnote);
		free(pnote);
	}
	cJSON *c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "from_size", (double)b->prev);
	cJSON_AddNumberToObject(c, "to_size", (double)b->size);
	cJSON_AddItemToObject(c, "hashes", ledger_hashes_json(hashes, n));
	int rc = member_json_line(b, &b->m[EVIDENCE_CONSISTENCY], c);
	b->m[EVIDENCE_CONSISTENCY].lines = 0;
	return rc;
}

/* ---- receipts, proofs, decisions ---- */

static void pin(struct build *b, int kind, const cJSON *rec, const char *member)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, member);
	if (!cJSON_IsNumber(v) || v->valueint < 1)
		return;
	if (!b->pinned_lo[kind] || v->valueint < b->pinned_lo[kind])
		b->pinned_lo[kind] = v->valueint;
	if (v->valueint > b->pinned_hi[kind])
		b->pinned_hi[kind] = v->valueint;
}

/* The line cJSON_PrintUnformatted made of {receipt_id, record_digest, redacted, record},
 * written without building the object: a receipt id and a base64 digest need no escaping. */
static void write_decision_line(struct member *m, const char *receipt_id, const char *digest,
				const char *record, bool redacted)
{
	member_text(m, "{\"receipt_id\":");
	member_json_string(m, receipt_id);
	member_text(m, ",\"record_digest\":");
	member_json_string(m, digest);
	member_text(m, redacted ? ",\"redacted\":true,\"record\":" : ",\"redacted\":false,\"record\":");
	member_json_string(m, record);
	member_write(m, "}\n", 2);
	m->lines++;
}

/* decisions.jsonl: {receipt_id, record_digest, redacted, record}. An untouched record is its
 * exact stored text, so its digest (the one the receipt carries) can be checked; a redacted
 * one cannot be, and says so. */
static int write_decision(struct build *b, const struct store_receipt_row *r)
{
	const char *receipt_id = r->id, *digest = r->decision_digest, *record = r->decision_record;
	if (!digest || !record)
		return kx_error_set(b->err, 503, "unavailable", NULL,
				    "receipt %s: its decision record is missing", receipt_id);
	cJSON *rec = cJSON_Parse(record);
	int rc = 0;
	if (!rec) {
		rc = kx_error_set(b->err, 503, "unavailable", NULL,
				  "receipt %s: its decision record is unreadable", receipt_id);
	} else {
		pin(b, 0, rec, "profile_version");
		pin(b, 1, rec, "roles_version");
		int hits = redact_record(b, rec, EVIDENCE_DECISIONS, receipt_id);
		char *redacted = hits > 0 ? cJSON_PrintUnformatted(rec) : NULL;
		if (hits > 0 && !redacted)
			rc = kx_error_set(b->err, 503, "unavailable", NULL, "out of memory");
		else
			write_decision_line(&b->m[EVIDENCE_DECISIONS], receipt_id, digest,
					    redacted ? redacted : record, hits > 0);
		cJSON_free(redacted);
	}
	cJSON_Delete(rec);
	return rc;
}

/* One element of proofs.json's array: {"leaf_index":N,"hashes":[...]}, as cJSON printed it
 * (an integer below 2^31 prints as %d; a larger index, never seen in practice, is printed by
 * cJSON itself). The hashes are base64: nothing to escape. */
static int write_proof(struct build *b, uint64_t index, const merkle_hash *hashes, size_t n)
{
	struct member *p = &b->m[EVIDENCE_PROOFS];
	char buf[80 + MERKLE_MAX_PROOF * (DIGEST_B64_LEN + 2)];
	size_t len = 0;
	if (b->proofs++ > 0)
		buf[len++] = ',';
	if (index <= INT32_MAX) {
		len += (size_t)snprintf(buf + len, 64, "{\"leaf_index\":%" PRIu64, index);
	} else {
		cJSON *num = cJSON_CreateNumber((double)index);
		char *text = num ? cJSON_PrintUnformatted(num) : NULL;
		cJSON_Delete(num);
		if (!text || strlen(text) > 40) {
			cJSON_free(text);
			return -1;
		}
		len += (size_t)snprintf(buf + len, 64, "{\"leaf_index\":%s", text);
		cJSON_free(text);
	}
	memcpy(buf + len, ",\"hashes\":[", 11);
	len += 11;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf[len++] = ',';
		buf[len++] = '"';
		if (i >= b->proof_n || memcmp(b->proof_hash[i], hashes[i], MERKLE_HASH_LEN) != 0) {
			memcpy(b->proof_hash[i], hashes[i], MERKLE_HASH_LEN);
			digest_b64(hashes[i], b->proof_b64[i]);
		}
		memcpy(buf + len, b->proof_b64[i], DIGEST_B64_LEN - 1);
		len += DIGEST_B64_LEN - 1;
		buf[len++] = '"';
	}
	b->proof_n = n;
	memcpy(buf + len, "]}", 2);
	member_write(p, buf, len + 2);
	return 0;
}

static int write_receipt(void *ctx, const struct store_receipt_row *r)
{
	struct build *b = ctx;
	merkle_hash hashes[MERKLE_MAX_PROOF];
	size_t n = 0;
	uint64_t index = (uint64_t)(r->seq - 1);
	if (ledger_prove_inclusion(&b->nodes, index, b->size, hashes, &n))
		return kx_error_set(b->err, 503, "unavailable", NULL,
				    "the ledger cannot prove receipt %s", r->id);
	member_line(&b->m[EVIDENCE_RECEIPTS], r->leaf);
	if (write_proof(b, index, hashes, n))
		return kx_error_set(b->err, 503, "unavailable", NULL, "out of memory");
	return write_decision(b, r);
}

/* proofs.json is one object; its array is written as the receipts stream by. */
static int write_receipts(struct build *b)
{
	char head[64];
	snprintf(head, sizeof head, "{\"tree_size\":%" PRIu64 ",\"proofs\":[", b->size);
	member_text(&b->m[EVIDENCE_PROOFS], head);
	int64_t first = 0, last = 0;
	if (store_receipt_seq_range(b->s, b->rq->tenant_id, b->rq->from, b->rq->to, &first, &last))
		return kx_error_set(b->err, 503, "unavailable", NULL, "the receipts are unreadable");
	int rc = first > 0 ? store_receipt_walk_seq(b->s, b->rq->tenant_id, first, last,
						    write_receipt, b)
			   : 0;
	if (rc) {
		if (!b->err->status)
			kx_error_set(b->err, 503, "unavailable", NULL, "the receipts are unreadable");
		return -1;
	}
	member_text(&b->m[EVIDENCE_PROOFS], "]}\n");
	return 0;
}

/* ---- incidents, timeline ---- */

/* The walk's row is redacted where it lies (the walk frees it) and written as one line; its
 * id, which the redaction log names, is copied first. */
static int write_row(struct build *b, cJSON *row, enum evidence_member file)
{
	const char *row_id = cJSON_GetStringValue(cJSON_GetObjectItem(row, "id"));
	char id[128];
	snprintf(id, sizeof id, "%s", row_id ? row_id : "");
	redact_record(b, row, file, id);
	char *text = cJSON_PrintUnformatted(row);
	if (!text)
		return kx_error_set(b->err, 503, "unavailable", NULL, "out of memory");
	member_line(&b->m[file], text);
	cJSON_free(text);
	return 0;
}

static int write_incident(void *ctx, cJSON *row)
{
	return write_row(ctx, row, EVIDENCE_INCIDENTS);
}

static int write_event(void *ctx, cJSON *row)
{
	return write_row(ctx, row, EVIDENCE_TIMELINE);
}

/* ---- policy documents ---- */

struct doc_walk {
	struct build *b;
	const char *kind;
};

static int write_doc(void *ctx, cJSON *row)
{
	struct doc_walk *w = ctx;
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "kind", w->kind);
	cJSON_AddItemToObject(l, "version", cJSON_Duplicate(cJSON_GetObjectItem(row, "version"), 1));
	cJSON_AddItemToObject(l, "digest", cJSON_Duplicate(cJSON_GetObjectItem(row, "digest"), 1));
	cJSON_AddItemToObject(l, "created_at",
			      cJSON_Duplicate(cJSON_GetObjectItem(row, "created_at"), 1));
	cJSON_AddItemToObject(l, "doc", cJSON_Duplicate(cJSON_GetObjectItem(row, "doc"), 1));
	return member_json_line(w->b, &w->b->m[EVIDENCE_PROFILES], l);
}

/* The versions in force during the window, and any a decision in it pinned: policy
 * documents are configuration, not free text, and are exported exact so that replay and
 * their digests work. */
static int write_docs(struct build *b, enum store_doc_kind kind, int pinned)
{
	const char *t = b->rq->tenant_id;
	int lo = store_doc_version_at(b->s, kind, t, b->rq->from);
	int hi = store_doc_version_at(b->s, kind, t, b->rq->to);
	if (lo < 0 || hi < 0)
		return kx_error_set(b->err, 503, "unavailable", NULL, "the policy is unreadable");
	if (lo < 1)
		lo = 1;
	if (b->pinned_lo[pinned] && b->pinned_lo[pinned] < lo)
		lo = b->pinned_lo[pinned];
	if (b->pinned_hi[pinned] > hi)
		hi = b->pinned_hi[pinned];
	struct doc_walk w = {b, kind == STORE_DOC_PROFILE ? "profile" : "roles"};
	if (hi >= lo && store_doc_walk(b->s, kind, t, lo, hi, write_doc, &w))
		return b->err->status ? -1
				      : kx_error_set(b->err, 503, "unavailable", NULL,
						     "the policy is unreadable");
	return 0;
}

/* ---- the manifest ---- */

static cJSON *counts_json(const struct build *b)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "receipts", (double)b->m[EVIDENCE_RECEIPTS].lines);
	cJSON_AddNumberToObject(c, "decisions", (double)b->m[EVIDENCE_DECISIONS].lines);
	cJSON_AddNumberToObject(c, "incidents", (double)b->m[EVIDENCE_INCIDENTS].lines);
	cJSON_AddNumberToObject(c, "timeline", (double)b->m[EVIDENCE_TIMELINE].lines);
	cJSON_AddNumberToObject(c, "redactions", (double)b->m[EVIDENCE_REDACTIONS].lines);
	cJSON_AddNumberToObject(c, "profiles", (double)b->m[EVIDENCE_PROFILES].lines);
	return c;
}

static cJSON *files_json(struct build *b)
{
	cJSON *files = cJSON_CreateArray();
	for (int i = 0; i < EVIDENCE_MEMBERS; i++) {
		struct member *m = &b->m[i];
		if (!m->present)
			continue;
		uint8_t h[32];
		char hex[65];
		digest_final(&m->h, h);
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "name", evidence_member_names[i]);
		cJSON_AddStringToObject(f, "sha256", hex);
		cJSON_AddNumberToObject(f, "bytes", (double)m->bytes);
		cJSON_AddItemToArray(files, f);
	}
	return files;
}

static char *manifest_text(struct build *b, cJSON *counts)
{
	const struct evidence_request *rq = b->rq;
	char origin[128], key_id[17];
	ledger_origin(rq->tenant_id, origin, sizeof origin);
	minisign_key_id_hex(b->core->key.key_id, key_id);
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "format", EVIDENCE_FORMAT);
	cJSON_AddStringToObject(m, "tenant_id", rq->tenant_id);
	cJSON_AddStringToObject(m, "export_id", rq->export_id);
	cJSON_AddStringToObject(m, "created_at", rq->created_at);
	cJSON_AddStringToObject(m, "from", rq->from);
	cJSON_AddStringToObject(m, "to", rq->to);
	cJSON_AddStringToObject(m, "origin", origin);
	cJSON_AddStringToObject(m, "key_id", key_id);
	cJSON_AddStringToObject(m, "identity",
				b->core->embedded
					? "embedded store: actors are named at the terminal and "
					  "receipts record the operating-system user; they prove "
					  "integrity and order, not identity"
					: "klaxond: every actor was authenticated by its bearer token");
	cJSON_AddItemToObject(m, "counts", cJSON_Duplicate(counts, 1));
	cJSON_AddNumberToObject(m, "checkpoint_size", (double)b->size);
	if (b->prev > 0)
		cJSON_AddNumberToObject(m, "previous_checkpoint_size", (double)b->prev);
	else
		cJSON_AddNullToObject(m, "previous_checkpoint_size");
	cJSON_AddItemToObject(m, "files", files_json(b));
	char *text = cJSON_Print(m); /* formatted: an auditor reads this one */
	cJSON_Delete(m);
	return text;
}

/* ---- the tar ---- */

static int tar_add(struct archive *a, const char *name, FILE *src, const char *mem, size_t len,
		   int64_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, (time_t)mtime, 0);
	int rc = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -1;
	archive_entry_free(e);
	if (rc == 0 && mem && len > 0 && archive_write_data(a, mem, len) != (la_ssize_t)len)
		rc = -1;
	if (rc == 0 && src) {
		char buf[65536];
		size_t n;
		rewind(src);
		while (rc == 0 && (n = fread(buf, 1, sizeof buf, src)) > 0)
			if (archive_write_data(a, buf, n) != (la_ssize_t)n)
				rc = -1;
	}
	return rc;
}

/* ustar: a 512-byte header before each member's bytes, which the verifier relies on only to
 * find members, never to trust them. Written by libarchive straight into out, the file the
 * store keeps (no temporary tar to copy). */
static int tar_build(struct build *b, FILE *out, const char *manifest, const char *sig,
		     int64_t mtime)
{
	/* libarchive hands its FILE a 10 KiB block at a time: 71k writes for a 364 MB bundle
	 * through stdio's 4 KiB buffer. out is fresh, so its buffer can still be set (glibc
	 * takes a size only with the buffer; it lives until the export ends, after out). */
	b->tar_buf = malloc(TAR_BUFFER);
	if (b->tar_buf)
		setvbuf(out, b->tar_buf, _IOFBF, TAR_BUFFER);
	struct archive *a = archive_write_new();
	int rc = a && archive_write_set_format_ustar(a) == ARCHIVE_OK &&
				 archive_write_open_FILE(a, out) == ARCHIVE_OK
			 ? 0
			 : -1;
	if (rc == 0)
		rc = tar_add(a, "manifest.json", NULL, manifest, strlen(manifest), mtime);
	if (rc == 0)
		rc = tar_add(a, "manifest.json.minisig", NULL, sig, strlen(sig), mtime);
	for (int i = 0; rc == 0 && i < EVIDENCE_MEMBERS; i++) {
		struct member *m = &b->m[i];
		if (m->present)
			rc = tar_add(a, evidence_member_names[i], m->f, NULL, m->bytes, mtime);
	}
	if (a) {
		if (archive_write_close(a) != ARCHIVE_OK)
			rc = -1;
		archive_write_free(a);
	}
	if (rc != 0 || fflush(out) != 0 || ferror(out))
		return kx_error_set(b->err, 503, "unavailable", NULL,
				    "the bundle could not be written");
	return 0;
}

/* ---- putting it together ---- */

static int write_members(struct build *b)
{
	const struct evidence_request *rq = b->rq;
	static const enum evidence_member always[] = {
		EVIDENCE_CHECKPOINT, EVIDENCE_RECEIPTS,	 EVIDENCE_PROOFS,     EVIDENCE_CONSISTENCY,
		EVIDENCE_DECISIONS,  EVIDENCE_INCIDENTS, EVIDENCE_TIMELINE,   EVIDENCE_REDACTIONS,
		EVIDENCE_PROFILES};
	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
		if (member_open(b, always[i]))
			return -1;
	if (write_checkpoints(b) || write_receipts(b))
		return -1;
	if (store_incident_walk_window(b->s, rq->tenant_id, rq->from, rq->to, write_incident, b) ||
	    store_timeline_walk_window(b->s, rq->tenant_id, rq->from, rq->to, write_event, b))
		return b->err->status ? -1
				      : kx_error_set(b->err, 503, "unavailable", NULL,
						     "the incidents are unreadable");
	if (write_docs(b, STORE_DOC_PROFILE, 0) || write_docs(b, STORE_DOC_ROLES, 1))
		return -1;
	/* Written out, the buffers go back before the tar and the store's copy of it are made. */
	for (int i = 0; i < EVIDENCE_MEMBERS; i++) {
		if (b->m[i].present)
			member_flush(&b->m[i]);
		free(b->m[i].buf);
		b->m[i].buf = NULL;
	}
	for (int i = 0; i < EVIDENCE_MEMBERS; i++)
		if (b->m[i].present && (fflush(b->m[i].f) != 0 || ferror(b->m[i].f)))
			return kx_error_set(b->err, 503, "unavailable", NULL,
					    "the bundle could not be written (disk full?)");
	return 0;
}

/* The tar into the store's spooled file, then the record: the store keeps both or neither. */
static int store_bundle(struct build *b, struct evidence_result *out, const char *manifest,
			const char *sig, int64_t mtime)
{
	const struct evidence_request *rq = b->rq;
	FILE *tar = store_evidence_spool(b->s, rq->tenant_id, rq->export_id, b->err);
	if (!tar)
		return -1;
	int rc = tar_build(b, tar, manifest, sig, mtime);
	char *counts = NULL;
	if (rc == 0) {
		digest_sha256_b64(manifest, strlen(manifest), out->manifest_digest);
		out->checkpoint_size = b->size;
		out->previous_size = b->prev;
		out->bytes = (int64_t)ftell(tar);
		counts = cJSON_PrintUnformatted(out->counts);
		if (!counts)
			rc = kx_error_set(b->err, 503, "unavailable", NULL, "out of memory");
	}
	if (rc == 0) {
		struct store_export_row row = {
			.tenant_id = rq->tenant_id, .id = rq->export_id, .from = rq->from,
			.to = rq->to, .created_at = rq->created_at, .actor = rq->actor,
			.receipt_id = rq->receipt_id, .manifest_digest = out->manifest_digest,
			.counts_json = counts, .checkpoint_size = (int64_t)b->size,
			.previous_size = (int64_t)b->prev, .bytes = out->bytes};
		rc = store_evidence_insert(b->s, &row, tar, b->err);
	} else {
		store_evidence_discard(b->s, rq->tenant_id, rq->export_id);
	}
	cJSON_free(counts);
	fclose(tar);
	return rc;
}

static int seal_and_store(struct build *b, struct evidence_result *out)
{
	out->counts = counts_json(b);
	char *manifest = manifest_text(b, out->counts);
	char comment[256];
	snprintf(comment, sizeof comment, "klaxon evidence %s of tenant %s, checkpoint %" PRIu64,
		 b->rq->export_id, b->rq->tenant_id, b->size);
	char *sig = manifest ? minisign_sign(&b->core->key, manifest, strlen(manifest), comment)
			     : NULL;
	int64_t mtime = 0;
	kx_time_parse(b->rq->created_at, &mtime);
	int rc = sig ? store_bundle(b, out, manifest, sig, mtime / 1000)
		     : kx_error_set(b->err, 503, "unavailable", NULL,
				    "the manifest could not be signed");
	cJSON_free(manifest);
	free(sig);
	return rc;
}

int evidence_export(struct kx_core *core, const struct evidence_request *rq,
		    struct evidence_result *out, struct kx_error *err)
{
	memset(out, 0, sizeof *out);
	struct build *b = calloc(1, sizeof *b);
	if (!b)
		return kx_error_set(err, 503, "unavailable", NULL, "out of memory");
	struct store *s = core_writer(core);
	*b = (struct build){.core = core, .s = s, .rq = rq, .err = err};
	ledger_nodes_init(&b->nodes, s, NULL, rq->tenant_id);
	cJSON *rules = store_doc_get(s, STORE_DOC_REDACTION, rq->tenant_id, 0);
	b->red = redact_new(cJSON_GetStringValue(cJSON_GetObjectItem(rules, "doc")), err);
	cJSON_Delete(rules);
	int rc = b->red ? write_members(b) : -1;
#ifdef __GLIBC__
	/* The incidents' walk leaves SQLite's list of the window's incidents (~2 MB a 100k
	 * window) freed below the heap's top, where glibc keeps it until a free at the top
	 * happens to trim it; the tar and the store's copy would then stack on it. */
	malloc_trim(0);
#endif
	if (rc == 0)
		rc = seal_and_store(b, out);
	members_close(b);
	free(b->tar_buf);
	redact_free(b->red);
	free(b);
	if (rc)
		evidence_result_free(out);
	return rc;
}

void evidence_result_free(struct evidence_result *r)
{
	cJSON_Delete(r->counts);
	r->counts = NULL;
}
