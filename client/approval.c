/* Approval statements: built once here, signed locally (the secret key never leaves this
 * process) and wrapped into step.approve's body. */
#include "approval.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "keys.h"

/* The statement time as the server parses it: RFC 3339, UTC, milliseconds. */
static void now_text(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 32 - 19, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

char *approval_statement_new(const struct approval_input *in)
{
	if (!in->execution_id || !in->step_id || !in->runbook_digest || !in->approver ||
	    sodium_init() < 0)
		return NULL;
	/* A fresh nonce per statement: the server refuses a nonce it has seen, so a captured
	 * statement cannot be replayed. */
	uint8_t raw[16];
	char nonce[33], at[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(nonce, sizeof nonce, raw, sizeof raw);
	now_text(at);
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "execution_id", in->execution_id);
	cJSON_AddStringToObject(st, "step_id", in->step_id);
	cJSON_AddStringToObject(st, "runbook_digest", in->runbook_digest);
	cJSON_AddStringToObject(st, "approver", in->approver);
	cJSON_AddStringToObject(st, "decision", in->reject ? "reject" : "approve");
	if (in->reason && *in->reason)
		cJSON_AddStringToObject(st, "reason", in->reason);
	cJSON_AddStringToObject(st, "nonce", nonce);
	cJSON_AddStringToObject(st, "at", at);
	char *text = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	return text;
}

char *approval_request_body(const char *statement, const char *key_path, const char *passphrase,
			    char *err, size_t errlen)
{
	char *sig = keys_sign_with(key_path, passphrase, statement, strlen(statement), NULL, err,
				   errlen);
	if (!sig)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "statement", statement);
	cJSON_AddStringToObject(o, "signature", sig);
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(sig);
	if (!body)
		snprintf(err, errlen, "out of memory");
	return body;
}
