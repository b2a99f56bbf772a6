/* Fuzzing helper: an embedded klaxon store in a scratch directory (tmpfs when there is one),
 * populated with two tenants, actors of several roles, incidents, a trusted signing key, a
 * runbook and an execution, so that fuzzed requests reach deep into the ops pipeline. The
 * store is rebuilt every FZ_RESET_EVERY inputs so that neither its size nor a fuzzed change
 * (a suspended tenant, a forbid-everything profile) narrows what later inputs can reach. */
#ifndef KX_FUZZ_STORE_H
#define KX_FUZZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "klaxon.h"

#define FZ_RESET_EVERY 2000
#define FZ_WHO 6 /* principals: admin, responder, viewer, approver, acme's admin, acme's viewer */
#define FZ_IDS 16

struct fz_store {
	char dir[256], db[320];
	struct kx_core *core;
	struct kx_principal who[FZ_WHO];
	char *token[FZ_WHO]; /* bearer tokens of who[1..] (who[0], the local admin, has none) */
	/* ids the fuzzer may aim at: incidents, tenants, actors, runbook, execution, steps,
	 * signing key, receipts, exceptions; several in both tenants. */
	char ids[FZ_IDS][KX_ID_MAX];
	int n_ids;
	unsigned long inputs;
};

/* The store for the next input (made on first use, rebuilt every FZ_RESET_EVERY calls). */
struct fz_store *fz_store_get(void);

/* Checks an answer of kx_call the way klaxond would send it; aborts on a broken one: no body,
 * a status outside 200..599, a 5xx (a malformed request never yields one), an error body that
 * is not API.md's shape. */
void fz_check_response(const struct kx_request *req, const struct kx_response *resp);

/* A bounded, NUL-terminated copy of data[0..n) (caller frees). */
char *fz_strndup(const uint8_t *data, size_t n);

#endif
