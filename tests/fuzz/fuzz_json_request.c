/* libFuzzer harness: JSON request bodies through the ops pipeline. The first bytes choose the
 * operation, the caller, the path ids and a few headers; the rest is the body (optionally
 * preceded by a query line), sent through kx_call on a populated embedded store. Every answer
 * must be a well-formed response and never a 5xx (fuzz_store.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_store.h"

static const char *const ops[] = {
	"incident.create", "incident.update", "incident.get", "incident.list", "incident.note",
	"timeline.list", "runbook.publish", "runbook.get", "runbook.list", "runbook.version",
	"runbook.launch", "execution.get", "execution.list", "step.execute", "step.approve",
	"execution.abort", "execution.rollback", "approval.list", "tenant.create",
	"tenant.update", "tenant.get", "tenant.list", "actor.create", "actor.update",
	"actor.list", "actor.rotate_token", "roles.get", "roles.set", "policy_profile.get",
	"policy_profile.set", "policy_profile.version", "policy.simulate", "exception.list",
	"exception.acknowledge", "signing_key.add", "signing_key.list", "signing_key.revoke",
	"redaction.get", "redaction.set", "evidence.export", "evidence.list",
	"evidence.download", "receipt.get", "receipt.list", "ledger.get", "ledger.consistency",
	"usage.report", "usage.platform", "alert.list", "session.get", "no.such_op",
};
#define N_OPS (sizeof ops / sizeof ops[0])

static const char *const steps[] = {"look", "gate", "fix", "1", "-1", ""};

/* Picks a path id: a known one, none, a step name, or a string taken from the input. */
static const char *pick_id(const struct fz_store *s, uint8_t sel, char *own, size_t own_len,
			   const uint8_t **data, size_t *size)
{
	if (sel < s->n_ids)
		return s->ids[sel];
	sel -= (uint8_t)s->n_ids;
	if (sel < sizeof steps / sizeof steps[0])
		return steps[sel];
	if (sel < 32)
		return NULL;
	size_t n = *size < own_len - 1 ? *size : own_len - 1;
	n = n > (size_t)(sel & 0x3f) ? (size_t)(sel & 0x3f) : n;
	memcpy(own, *data, n);
	own[n] = 0;
	*data += n, *size -= n;
	return own;
}

/* "a=1&b=2" into params (values may be empty; at most 8). */
static void split_query(char *q, struct kx_param p[9])
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(q, "&", &save); t && n < 8;
	     t = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(t, '=');
		if (eq)
			*eq++ = 0;
		p[n].name = t;
		p[n].value = eq ? eq : "";
		n++;
	}
	p[n].name = p[n].value = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	struct fz_store *s = fz_store_get();
	uint8_t op = data[0], who = data[1], id_sel = data[2], sub_sel = data[3], flags = data[4];
	data += 5, size -= 5;
	char id_buf[200], sub_buf[200], idem[8];
	struct kx_request req = {0};
	req.op = ops[op % N_OPS];
	req.who = who % (FZ_WHO + 1) == FZ_WHO ? NULL : &s->who[who % (FZ_WHO + 1)];
	req.id = pick_id(s, id_sel, id_buf, sizeof id_buf, &data, &size);
	req.sub_id = pick_id(s, sub_sel, sub_buf, sizeof sub_buf, &data, &size);
	if (flags & 1) {
		snprintf(idem, sizeof idem, "k%u", (unsigned)(flags >> 5));
		req.idempotency_key = idem;
	}
	if (flags & 2)
		req.if_match = flags & 16 ? "\"1\"" : "\"999999999999999999999\"";
	if (flags & 4)
		req.override = "fuzzing a break-glass";
	char *text = fz_strndup(data, size);
	struct kx_param params[9];
	char *body = text;
	size_t body_len = size;
	if (flags & 8) { /* a query line first */
		char *nl = memchr(text, '\n', size);
		if (nl) {
			*nl = 0;
			body = nl + 1;
			body_len = size - (size_t)(body - text);
		} else {
			body = text + size;
			body_len = 0;
		}
		split_query(text, params);
		req.query = params;
	}
	req.body = body_len ? body : NULL;
	req.body_len = body_len;
	struct kx_response resp;
	kx_call(s->core, &req, &resp);
	fz_check_response(&req, &resp);
	kx_response_free(&resp);
	free(text);
	return 0;
}
