/* Checking a stored runbook version before anything acts on it. Published versions are
 * immutable, but the store file is not: someone with write access to it can edit a version's
 * document, so every load that runs or shows a version's steps re-checks it here. */
#ifndef KX_RUNBOOK_CHECK_H
#define KX_RUNBOOK_CHECK_H

#include <cjson/cJSON.h>

#include "error.h"
#include "store.h"

/* Checks a version's row as store_runbook_get returns it: its document against its digest
 * (and against pinned, the digest an execution pinned at launch, when not NULL), its id and
 * risk columns against the document's, and its signature against the signing key it was
 * published under. A key revoked since still counts: revocation stops new publications, and
 * this version was verified while the key was trusted. 0, or -1 with a 409 conflict naming
 * the runbook and version (503 unavailable when the store does not answer). */
int runbook_check_version(struct store *s, const char *tenant_id, const cJSON *row,
			  const char *pinned, struct kx_error *err);

#endif
