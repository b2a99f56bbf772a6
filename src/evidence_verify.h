/* Between the two halves of bundle verification: evidence_verify.c (the tar, the manifest,
 * signatures, checkpoints) and evidence_records.c (receipts and proofs, decisions and replay,
 * incidents, timeline, documents, the redaction log). */
#ifndef KX_EVIDENCE_VERIFY_H
#define KX_EVIDENCE_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "evidence.h"
#include "klaxon.h"
#include "merkle.h"

enum { V_MANIFEST = EVIDENCE_MEMBERS, V_SIG, V_COUNT };

struct vmember {
	/* The member's bytes: a NUL-terminated copy (`owned`), or, for the members read line by
	 * line (the bulk of a bundle), the bytes where they lie in the tar, which outlives the
	 * verification. */
	const char *data;
	size_t len;
	bool present;
	char *owned;
};

struct verify_receipt {
	char id[KX_ID_MAX];
	char record_digest[DIGEST_B64_LEN];
};

struct verify {
	const char *pubkey_text;
	struct kx_bundle_report *rep;
	struct kx_error *err;
	bool replay;
	struct vmember m[V_COUNT];
	cJSON *manifest;
	struct kx_checkpoint cp, prev;
	int64_t from_ms, to_ms;
	struct verify_receipt *receipts; /* in leaf order */
	size_t n_receipts;
	/* The last proof's hashes, as text and decoded, and the inclusion fold it took: the next
	 * receipt's proof mostly repeats them (evidence_records.c). */
	char prev_text[MERKLE_MAX_PROOF][DIGEST_B64_LEN];
	merkle_hash prev_hash[MERKLE_MAX_PROOF];
	int prev_n;
	struct merkle_inclusion_memo incl;
	struct replay *docs; /* profiles.jsonl, for pinned versions and replay */
};

/* Sets err (409 "evidence_invalid") to the message and returns -1. */
int verify_fail(struct verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Tells the caller a check passed. */
void verify_passed(struct verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *verify_name(int member);

/* Everything after the checkpoints: 0, or -1 naming the first failure. */
int verify_records(struct verify *v);

#endif
