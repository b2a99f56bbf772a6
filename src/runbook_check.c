/* Re-checking a stored runbook version (see runbook_check.h): the digest pins the exact bytes
 * that were signed, the signature pins who signed them, so an edit to the document, or to the
 * document and its digest together, is refused instead of run. */
#include "runbook_check.h"

#include <string.h>

#include "digest.h"
#include "minisign.h"

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* 409 conflict: the version's stored state conflicts with what was published, and the same
 * request cannot succeed until the store is repaired. Not a 5xx: the store answers. */
static int refuse(struct kx_error *err, const cJSON *row, const char *check, const char *why)
{
	const char *id = str(row, "id");
	int version = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "version"));
	return kx_error_set(err, 409, "conflict", NULL,
			    "runbook %.64s version %d fails its %s check: %s; refused",
			    id ? id : "(unnamed)", version, check, why);
}

/* The id and risk columns steer lookups and policy: they must be the document's. */
static int check_columns(const cJSON *row, const char *doc_text, struct kx_error *err)
{
	cJSON *doc = cJSON_Parse(doc_text);
	const char *id = str(doc, "id"), *risk = str(doc, "risk");
	int rc = 0;
	if (!id || !risk || !str(row, "id") || !str(row, "risk") || strcmp(id, str(row, "id")) ||
	    strcmp(risk, str(row, "risk")))
		rc = refuse(err, row, "digest", "its stored id or risk differs from its document");
	cJSON_Delete(doc);
	return rc;
}

static int check_signature(struct store *s, const char *tenant_id, const cJSON *row,
			   const char *doc_text, struct kx_error *err)
{
	const char *key_id = str(row, "key_id"), *sig = str(row, "signature");
	cJSON *key = key_id ? store_signing_key_get(s, tenant_id, key_id) : NULL;
	struct minisign_pubkey pk;
	struct kx_error verr = {0};
	int rc = 0;
	if (!key)
		rc = refuse(err, row, "signature",
			    "the signing key it was published under is not in the store");
	else if (!sig || minisign_pubkey_parse(str(key, "public_key"), &pk, &verr) ||
		 minisign_verify(&pk, doc_text, strlen(doc_text), sig, NULL, &verr))
		rc = refuse(err, row, "signature",
			    "its stored signature does not verify against its signing key");
	cJSON_Delete(key);
	return rc;
}

int runbook_check_version(struct store *s, const char *tenant_id, const cJSON *row,
			  const char *pinned, struct kx_error *err)
{
	const char *doc_text = str(row, "document"), *digest = str(row, "digest");
	if (!doc_text || !digest)
		return kx_error_set(err, 503, "unavailable", NULL, "the runbook cannot be read");
	char have[DIGEST_B64_LEN];
	digest_sha256_b64(doc_text, strlen(doc_text), have);
	if (strcmp(have, digest) != 0)
		return refuse(err, row, "digest", "its stored document differs from its digest");
	if (pinned && strcmp(pinned, digest) != 0)
		return refuse(err, row, "digest",
			      "its digest differs from the one the execution pinned");
	if (check_columns(row, doc_text, err))
		return -1;
	return check_signature(s, tenant_id, row, doc_text, err);
}
