/* Evidence bundles on the client side, for the CLI and the console: export a tenant's window
 * into a file (with progress), and verify a bundle file offline with the server's public key
 * alone, reporting each check. */
#ifndef KX_CLIENT_BUNDLE_H
#define KX_CLIENT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* Phases of an export, for a progress bar. */
enum evidence_phase { EVIDENCE_EXPORTING, EVIDENCE_DOWNLOADING, EVIDENCE_WRITING };
typedef void (*evidence_progress_fn)(void *ctx, enum evidence_phase phase, uint64_t done,
				     uint64_t total);

struct evidence_export {
	char id[64];
	char manifest_digest[64];
	uint64_t bytes, receipts, checkpoint_size, previous_size;
	char *answer; /* evidence.export's JSON answer (owned) */
};

/* Exports [from, to) of tenant (override: a governed exception's justification, or NULL) and
 * writes the bundle to path, which must not exist yet. 0, or -1 with the reason in msg. */
int evidence_export_file(struct backend *b, const char *tenant, const char *from,
			 const char *to, const char *override, const char *path,
			 evidence_progress_fn progress, void *ctx, struct evidence_export *out,
			 char *msg, size_t len);
void evidence_export_free(struct evidence_export *e);
/* Downloads an export that evidence.export made into path (which must not exist yet), for
 * a caller that sent evidence.export itself. *bytes: the size announced (0: unknown), then
 * the size written. 0, or -1 with the reason in msg. */
int evidence_download_file(struct backend *b, const char *tenant, const char *export_id,
			   uint64_t *bytes, const char *path, evidence_progress_fn progress,
			   void *ctx, char *msg, size_t len);

struct evidence_report {
	/* Set by the caller (either may be NULL). */
	void (*on_check)(void *ctx, const char *check);
	void (*on_replay)(void *ctx, const char *receipt_id, const char *outcome, const char *why);
	void *ctx;
	/* Filled by evidence_verify_file. */
	char tenant_id[64], export_id[64], from[32], to[32];
	uint64_t checkpoint_size, previous_size;
	uint64_t receipts, decisions, redacted_decisions, incidents, timeline, redactions;
	uint64_t replayed, drift, not_replayable, tenancy;
	/* For the witness: the bundle's checkpoint, the previous one and the proof between. */
	char *checkpoint, *previous_checkpoint;
	char **consistency;
	size_t n_consistency;
};

/* Verifies the bundle at path with the public key at pubkey_path; with replay, re-evaluates
 * every decision. 0, or -1 with the first failure in msg. Free with evidence_report_free. */
int evidence_verify_file(const char *path, const char *pubkey_path, bool replay,
			 struct evidence_report *rep, char *msg, size_t len);
void evidence_report_free(struct evidence_report *rep);

#endif
