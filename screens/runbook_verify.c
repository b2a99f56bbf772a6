/* Checking runbook signatures on the console's side, on the backend worker: the tenant's
 * trusted keys and each version's exact signed bytes are fetched, and the signature is
 * verified here, so the mark on screen is this console's own finding, not the server's word.
 * A version whose document names another runbook, or whose key is unknown or revoked, is not
 * marked verified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runbook.h"
#include "signature.h"

static void job_destroy(void *arg)
{
	struct verify_job *j = arg;
	for (int i = 0; i < j->n; i++)
		cJSON_Delete(j->items[i].doc);
	free(j);
}

struct verify_job *verify_job_new(const char *tenant, int n)
{
	struct verify_job *j = calloc(1, sizeof *j + (size_t)n * sizeof j->items[0]);
	if (!j)
		return NULL;
	j->head.destroy = job_destroy;
	snprintf(j->tenant, sizeof j->tenant, "%s", tenant);
	return j;
}

void verify_job_free(struct verify_job *j)
{
	if (j)
		job_destroy(j);
}

/* The key the row names, among the tenant's; NULL when it is not there. */
static const cJSON *find_key(const cJSON *keys, const char *key_id)
{
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(keys, "items"))
	{
		if (!strcmp(rb_json_str(k, "key_id"), key_id))
			return k;
	}
	return NULL;
}

static void verify_one(struct backend *be, const cJSON *keys, struct verify_item *it)
{
	char version[16];
	snprintf(version, sizeof version, "%d", it->version);
	struct backend_request req = {.op = "runbook.version", .id = it->id, .sub_id = version};
	struct backend_response resp;
	backend_call(be, &req, &resp);
	cJSON *v = resp.status == 200 ? cJSON_Parse(resp.body) : NULL;
	backend_response_free(&resp);
	const char *doc = cJSON_GetStringValue(cJSON_GetObjectItem(v, "document"));
	const char *sig = cJSON_GetStringValue(cJSON_GetObjectItem(v, "signature"));
	const cJSON *key = find_key(keys, it->key_id);
	char err[200];
	it->result = VER_BAD;
	if (!doc || !sig) {
		it->result = VER_UNCHECKED;
		snprintf(it->why, sizeof it->why, "the signed document could not be read");
	} else if (!key) {
		it->result = VER_UNTRUSTED;
		snprintf(it->why, sizeof it->why, "not a key this tenant trusts");
	} else if (signature_verify(rb_json_str(key, "public_key"), doc, strlen(doc), sig, err,
				    sizeof err)) {
		snprintf(it->why, sizeof it->why, "the signature does not verify: %.160s", err);
	} else if (!(it->doc = cJSON_Parse(doc)) || strcmp(rb_json_str(it->doc, "id"), it->id)) {
		/* Signed bytes that name another runbook are not this runbook. */
		snprintf(it->why, sizeof it->why, "the signed document names another runbook");
	} else if (cJSON_IsString(cJSON_GetObjectItem(key, "revoked_at"))) {
		it->result = VER_UNTRUSTED;
		snprintf(it->why, sizeof it->why, "the key was revoked since");
	} else {
		it->result = VER_OK;
	}
	cJSON_Delete(v);
}

void verify_job_run(struct backend *be, void *arg)
{
	struct verify_job *j = arg;
	struct backend_request req = {.op = "signing_key.list", .id = j->tenant};
	struct backend_response resp;
	backend_call(be, &req, &resp);
	cJSON *keys = resp.status == 200 ? cJSON_Parse(resp.body) : NULL;
	backend_response_free(&resp);
	for (int i = 0; i < j->n; i++) {
		if (keys) {
			verify_one(be, keys, &j->items[i]);
		} else {
			j->items[i].result = VER_UNCHECKED;
			snprintf(j->items[i].why, sizeof j->items[i].why,
				 "the tenant's signing keys could not be read (status %d)", resp.status);
		}
	}
	cJSON_Delete(keys);
}
