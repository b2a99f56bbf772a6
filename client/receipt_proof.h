/* Checking one receipt on the client side, with nothing but the server's public key: the leaf
 * bytes are the receipt shown, the checkpoint is signed by the server key, and the inclusion
 * proof puts the leaf in the tree that checkpoint signs (RFC 9162). The server is not trusted
 * for any of it; whether the checkpoint extends the one this client witnessed before is the
 * witness's question (witness.h). */
#ifndef KX_RECEIPT_PROOF_H
#define KX_RECEIPT_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One check passed (for a person to read: "the checkpoint is signed by klaxon-…"). */
typedef void (*receipt_check_fn)(void *ctx, const char *check);

struct receipt_proof {
	char tenant_id[64];
	uint64_t leaf_index, tree_size;
	char *checkpoint; /* the signed note the proof is against (owned), for the witness */
};

/* Verifies receipt.get's answer with ?proof=true (its JSON text) against pubkey_text (the
 * text of server.pub); `shown` (JSON text, may be NULL) is the receipt as the caller showed
 * it from a list, which must be the leaf too. Each passing check is reported through check
 * (may be NULL). 0, or -1 with the first failure in msg. Free out with receipt_proof_free
 * either way. */
int receipt_proof_verify(const char *answer, const char *shown, const char *pubkey_text,
			 receipt_check_fn check, void *ctx, struct receipt_proof *out, char *msg,
			 size_t len);
void receipt_proof_free(struct receipt_proof *p);

#endif
