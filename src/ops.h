/* The ops pipeline's contract with the modules that implement operations (incident.c,
 * tenant.c, ledger_ops.c, ...). A module declares each operation once in a table; the
 * pipeline (ops.c) runs the steps of DESIGN.md around it: idempotency, subject, policy,
 * the change, receipt, ledger leaf, usage, commit. */
#ifndef KX_OPS_H
#define KX_OPS_H

#include <cjson/cJSON.h>

#include "clock.h"
#include "core.h"

struct op_def;

struct op_ctx {
	const struct op_def *op;
	struct kx_core *core;
	struct store *store;
	const struct kx_request *req;
	cJSON *body;     /* the parsed request body, or NULL */
	cJSON *subject;  /* the caller's actor row (roles, platform_admin, ...) */
	const char *caller_tenant;
	char caller_status[16]; /* the caller's tenant's status, as load_subject read it */
	char tenant[64]; /* the tenant the action concerns: its ledger gets the receipt */
	int64_t now_ms;
	char now[KX_TIME_LEN];
	char request_id[KX_ID_MAX];
	char receipt_id[KX_ID_MAX]; /* made before the change so records can point at it */

	/* Set by prepare, for the decision and the receipt. */
	cJSON *resource;         /* resource attributes (owned) */
	cJSON *change;           /* context.change for an update (owned) */
	char resource_id[96];    /* what the receipt names */
	cJSON *loaded;           /* whatever prepare loaded for apply (owned) */
	void *state;             /* a module's own state across the steps, freed by state_free */
	void (*state_free)(void *state);

	/* Set by apply. */
	int status;
	cJSON *result;  /* the response body (owned) */
	char *text;     /* or a text/plain body (owned) */
	size_t text_len;       /* bytes in text when it is binary (0: NUL-terminated) */
	const char *text_type; /* text's content type (NULL: text/plain) */
	char *location; /* for 201 (owned) */
	const char *signature; /* the step or approval signature the receipt covers */
	bool metered;          /* its api.request went into its own transaction */
	/* Work that must not hold the store (a command step): run by kx_call after the commit
	 * and the unlock; it may rewrite the response. */
	void (*after_commit)(struct op_ctx *ctx, struct kx_response *resp);

	struct kx_error *err;
};

enum op_kind { OP_QUERY, OP_MUTATION };

struct op_def {
	const char *name;
	enum op_kind kind;
	/* Validates the request and loads what the decision needs (ctx->resource, ->tenant);
	 * an error here (400, 404, 409, 412) leaves no receipt. May be NULL. */
	int (*prepare)(struct op_ctx *ctx);
	/* The change (mutation) or the answer (query), after an allow. An error here rolls the
	 * whole operation back and leaves no receipt either. */
	int (*apply)(struct op_ctx *ctx);
	/* Tenancy rules (tenant.*, actions across tenants): 0 when they decided (*allow, *rule),
	 * 1 to leave the decision to the tenant's policy, -1 on error. May be NULL. */
	int (*authorize)(struct op_ctx *ctx, bool *allow, const char **rule);
	/* The policy action when it is not the name (ledger.consistency is a ledger.get). */
	const char *action;
};

/* The action policy decides and receipts name. */
const char *op_action(const struct op_def *op);

extern const struct op_def incident_ops[];
extern const struct op_def tenant_ops[];
extern const struct op_def ledger_ops[];
extern const struct op_def policy_ops[];
extern const struct op_def evidence_ops[];
extern const struct op_def usage_ops[];
extern const struct op_def runbook_ops[];
extern const struct op_def execution_ops[];
extern const struct op_def approval_ops[];
extern const struct op_def exception_ops[];
extern const struct op_def alert_ops[];

/* Steps 5-6 for callers outside kx_call too (init): writes the decision record, the receipt
 * and its ledger leaf for ctx->tenant; returns the receipt's decision summary (caller owns)
 * or NULL with ctx->err. `a` is a struct authz (authorize.h). */
struct authz;
cJSON *ops_write_receipt(struct op_ctx *ctx, const struct authz *a, const cJSON *override);

/* A receipt for an act the core performs itself on an actor's behalf (init's identities, the
 * end of a command step): allowed by `rule`, in the caller's transaction; payload (may be
 * NULL) is digested into payload_digest, signature (may be NULL) is carried. The new receipt's
 * id goes to receipt_id. 0, or -1 with err. */
int ops_system_receipt(struct kx_core *core, const char *tenant_id, const char *actor_id,
		       const char *action, const char *resource, const char *rule,
		       const char *payload, const char *signature, char receipt_id[KX_ID_MAX],
		       struct kx_error *err);

/* Helpers for modules: reading the body and the query, with errors naming the field. */
const char *op_query(const struct op_ctx *ctx, const char *name);
/* A string member of the body: required or not, 1..max characters (bytes of UTF-8). Returns
 * 0 and *out (NULL when absent and optional), or -1 with a 400 invalid_field naming it. */
int op_body_string(struct op_ctx *ctx, const char *name, bool required, size_t max,
		   const char **out);
/* An optional array of strings, each 1..max long, at most max_items. */
int op_body_strings(struct op_ctx *ctx, const char *name, int max_items, size_t max,
		    const cJSON **out);
/* Refuses members not in the NULL-terminated list (a typo must not pass silently). */
int op_body_only(struct op_ctx *ctx, const char *const *allowed);
/* limit= (1..500, default 50) and a cursor's validity are shared by every list. */
int op_query_limit(struct op_ctx *ctx, int *limit);
/* The whole list as one page, {items, next_cursor: null}, into ctx->result (takes items);
 * items NULL means the store failed: a 503. */
int op_items(struct op_ctx *ctx, cJSON *items);
/* {items, next_cursor}: trims the extra row a store list returns and sets next_cursor to
 * the named member of the last item kept. Takes ownership of items. */
cJSON *op_page(cJSON *items, int limit, const char *cursor_member);

#endif
