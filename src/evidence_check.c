/* The check a bundle passes before it is handed out: its manifest is the one its export
 * recorded (by digest), and every member is the size and SHA-256 the manifest lists. A bundle
 * kept as a file beside the store can be altered or truncated outside klaxon; this says so
 * instead of serving it. Signatures are the auditor's to check (`klaxon evidence verify`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "evidence.h"

#define TAR_BLOCK 512

static int altered(struct kx_error *err, const char *export_id, const char *what)
{
	return kx_error_set(err, 503, "unavailable", NULL,
			    "the bundle of export %s was altered in the store: %s", export_id,
			    what);
}

/* A ustar header's size field: octal digits, space- or NUL-terminated. -1 when malformed. */
static int64_t header_size(const unsigned char *h)
{
	int64_t n = 0;
	int i = 0;
	for (; i < 12 && h[124 + i] == ' '; i++)
		;
	for (; i < 12 && h[124 + i] >= '0' && h[124 + i] <= '7'; i++)
		n = n * 8 + (h[124 + i] - '0');
	return i < 12 && h[124 + i] != ' ' && h[124 + i] != '\0' ? -1 : n;
}

/* The manifest's entry for name, or NULL. */
static const cJSON *listed(const cJSON *files, const char *name)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, files)
	{
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(f, "name"));
		if (n && !strcmp(n, name))
			return f;
	}
	return NULL;
}

static int member_matches(const cJSON *entry, const char *data, int64_t size)
{
	const cJSON *bytes = cJSON_GetObjectItem(entry, "bytes");
	const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(entry, "sha256"));
	if (!cJSON_IsNumber(bytes) || (int64_t)bytes->valuedouble != size || !want)
		return 0;
	uint8_t h[32];
	char hex[65];
	digest_sha256(data, (size_t)size, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return !strcmp(hex, want);
}

int evidence_bundle_check(const char *data, size_t len, const char *export_id,
			  const char *manifest_digest, struct kx_error *err)
{
	cJSON *manifest = NULL;
	const cJSON *files = NULL;
	int seen = 0, rc = 0;
	size_t off = 0;
	while (rc == 0) {
		if (len - off < TAR_BLOCK) {
			rc = altered(err, export_id, "it ends inside a member");
			break;
		}
		const unsigned char *h = (const unsigned char *)data + off;
		if (h[0] == '\0')
			break; /* the end-of-archive blocks */
		char name[101];
		memcpy(name, h, 100);
		name[100] = '\0';
		int64_t size = header_size(h);
		off += TAR_BLOCK;
		if (size < 0 || (uint64_t)size > len - off) {
			rc = altered(err, export_id, "a member's size is out of bounds");
			break;
		}
		const char *body = data + off;
		off += ((size_t)size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (off > len)
			off = len;
		if (!manifest) {
			char digest[DIGEST_B64_LEN];
			digest_sha256_b64(body, (size_t)size, digest);
			if (strcmp(name, "manifest.json") || strcmp(digest, manifest_digest)) {
				rc = altered(err, export_id, "its manifest is not the one recorded");
				break;
			}
			manifest = cJSON_ParseWithLength(body, (size_t)size);
			files = cJSON_GetObjectItem(manifest, "files");
			if (!cJSON_IsArray(files))
				rc = altered(err, export_id, "its manifest lists no files");
			continue;
		}
		if (!strcmp(name, "manifest.json.minisig"))
			continue;
		const cJSON *entry = listed(files, name);
		if (!entry || !member_matches(entry, body, size)) {
			char what[160];
			snprintf(what, sizeof what, "%s does not match its manifest", name);
			rc = altered(err, export_id, what);
		}
		seen++;
	}
	if (rc == 0 && (!manifest || seen != cJSON_GetArraySize(files)))
		rc = altered(err, export_id, "members listed in its manifest are missing");
	cJSON_Delete(manifest);
	return rc;
}
