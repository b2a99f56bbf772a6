/* The embedded backend: the core in-process on a local SQLite file, acting as the actor named
 * at the terminal (--tenant/--as). Receipts record the OS user; identity is not proven. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_impl.h"
#include "klaxon.h"

struct embedded {
	struct kx_core *core;
	struct kx_principal who;
};

static int embedded_call(struct backend *b, const struct backend_request *req,
			 struct backend_response *resp)
{
	struct embedded *e = b->impl;
	struct kx_param query[32];
	int n = 0;
	for (const struct backend_param *p = req->query; p && p->name && n < 31; p++, n++)
		query[n] = (struct kx_param){p->name, p->value};
	query[n] = (struct kx_param){NULL, NULL};
	struct kx_request kr = {
		.op = req->op,
		.who = &e->who,
		.id = req->id,
		.sub_id = req->sub_id,
		.query = query,
		.body = req->body,
		.body_len = req->body ? strlen(req->body) : 0,
		.idempotency_key = req->idempotency_key,
		.if_match = req->if_match,
		.override = req->override,
	};
	struct kx_response kresp;
	kx_call(e->core, &kr, &kresp);
	resp->status = kresp.status;
	resp->body = kresp.body;
	resp->body_len = kresp.body_len ? kresp.body_len : kresp.body ? strlen(kresp.body) : 0;
	resp->replayed = kresp.replayed;
	if (req->progress) /* in-process: it all arrives at once */
		req->progress(req->progress_ctx, resp->body_len, resp->body_len);
	snprintf(resp->request_id, sizeof resp->request_id, "%s", kresp.request_id);
	kresp.body = NULL;
	kx_response_free(&kresp);
	return 0;
}

static int embedded_verify(struct backend *b, char *msg, size_t len)
{
	struct embedded *e = b->impl;
	struct kx_error err = {0};
	uint64_t checked = 0;
	if (kx_ledger_verify(e->core, &checked, &err)) {
		snprintf(msg, len, "%s", err.message);
		return -1;
	}
	snprintf(msg, len, "ledger verified: %" PRIu64 " receipts, every checkpoint consistent",
		 checked);
	return 0;
}

static int embedded_backup(struct backend *b, const char *dest, char *msg, size_t len)
{
	struct embedded *e = b->impl;
	struct kx_error err = {0};
	if (kx_core_backup(e->core, dest, &err)) {
		snprintf(msg, len, "%s", err.message);
		return -1;
	}
	snprintf(msg, len, "backed up to %s (the key beside the store is not in it)", dest);
	return 0;
}

static void embedded_close(struct backend *b)
{
	struct embedded *e = b->impl;
	kx_core_close(e->core);
	free(e);
}

static const struct backend_vtable embedded_vtable = {
	.kind = "embedded",
	.call = embedded_call,
	.ledger_verify = embedded_verify,
	.backup = embedded_backup,
	.close = embedded_close,
};

struct backend *embedded_open(const struct backend_config *cfg, char *err, size_t errlen)
{
	struct kx_error kerr = {0};
	struct kx_core_options opt = {.db_path = cfg->db_path, .key_path = cfg->key_path,
				      .embedded = true};
	struct embedded *e = calloc(1, sizeof *e);
	struct backend *b = calloc(1, sizeof *b);
	if (!e || !b) {
		free(e);
		free(b);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->core = kx_core_open(&opt, &kerr);
	int rc = e->core ? kx_auth_local(e->core, cfg->tenant ? cfg->tenant : "default",
					 cfg->actor ? cfg->actor : "admin", &e->who, &kerr)
			 : -1;
	/* A klaxond store has no `default` tenant: with no identity named, act as its platform
	 * admin (who may verify ledgers and administer tenants, not read their incidents). */
	if (rc && e->core && !cfg->tenant && !cfg->actor)
		rc = kx_auth_local(e->core, "platform", "platform-admin", &e->who, &kerr);
	if (rc) {
		snprintf(err, errlen, "%s", kerr.message);
		kx_core_close(e->core);
		free(e);
		free(b);
		return NULL;
	}
	b->vt = &embedded_vtable;
	b->impl = e;
	return b;
}

int embedded_init_store(const char *db_path, char *err, size_t errlen)
{
	struct kx_core_options opt = {.db_path = db_path, .embedded = true};
	struct kx_init_result res;
	struct kx_error kerr = {0};
	if (kx_core_init(&opt, &res, &kerr)) {
		snprintf(err, errlen, "%s", kerr.message);
		return -1;
	}
	/* The local admin is named at the terminal, so its token is never needed here. */
	kx_init_result_wipe(&res);
	return 0;
}
