/* Evidence bundles (DESIGN.md "Evidence export", API.md "Evidence, receipts, ledger"): a tar
 * of a tenant's window — receipts as exact leaf bytes with inclusion proofs, the signed
 * checkpoint, a consistency proof from the previous export's checkpoint, decisions, incidents
 * and timeline events (redacted), policy documents and the redaction log — with a manifest of
 * every member's SHA-256 signed by the server key. Built by streaming: each member goes to a
 * temporary file as the store is walked, so memory does not grow with the window. */
#ifndef KX_EVIDENCE_H
#define KX_EVIDENCE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "core.h"
#include "digest.h"

#define EVIDENCE_FORMAT "klaxon-evidence/1"
/* The first line of manifest.json.minisig, exactly: the verifier insists on it, because
 * minisign does not sign that line. */
#define EVIDENCE_UNTRUSTED_COMMENT "untrusted comment: signature from minisign secret key"

/* The member names of API.md, in the order the tar holds them after the manifest and its
 * signature. */
enum evidence_member {
	EVIDENCE_CHECKPOINT,
	EVIDENCE_PREVIOUS,
	EVIDENCE_RECEIPTS,
	EVIDENCE_PROOFS,
	EVIDENCE_CONSISTENCY,
	EVIDENCE_DECISIONS,
	EVIDENCE_INCIDENTS,
	EVIDENCE_TIMELINE,
	EVIDENCE_REDACTIONS,
	EVIDENCE_PROFILES,
	EVIDENCE_MEMBERS
};
extern const char *const evidence_member_names[EVIDENCE_MEMBERS];

struct evidence_request {
	const char *tenant_id, *from, *to;          /* the window [from, to) */
	const char *export_id, *actor, *receipt_id; /* the export being made */
	const char *created_at;
};

struct evidence_result {
	char manifest_digest[DIGEST_B64_LEN];
	cJSON *counts; /* {receipts, decisions, incidents, timeline, redactions, profiles} (owned) */
	uint64_t checkpoint_size, previous_size; /* previous_size 0: the tenant's first export */
	int64_t bytes;
};

/* Builds the bundle inside the caller's transaction and stores it with its export record.
 * 0, or -1 with err. */
int evidence_export(struct kx_core *core, const struct evidence_request *rq,
		    struct evidence_result *out, struct kx_error *err);
void evidence_result_free(struct evidence_result *r);

/* Whether a bundle the store gave back is the one its export made: the first member is the
 * manifest whose digest the export recorded, and every member has the size and SHA-256 the
 * manifest lists (evidence_check.c). 0, or -1 with err (503, naming what differs). */
int evidence_bundle_check(const char *data, size_t len, const char *export_id,
			  const char *manifest_digest, struct kx_error *err);

#endif
