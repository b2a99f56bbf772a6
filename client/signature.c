/* Signature checks over the core's minisign module (pure functions: no store, no I/O). */
#include "signature.h"

#include <stdio.h>

#include "minisign.h"

int signature_verify(const char *pubkey_line, const void *msg, size_t len, const char *sig_text,
		     char *err, size_t errlen)
{
	struct minisign_pubkey pk;
	struct kx_error e = {0};
	if (!pubkey_line || !sig_text || minisign_pubkey_parse(pubkey_line, &pk, &e) ||
	    minisign_verify(&pk, msg, len, sig_text, NULL, &e)) {
		snprintf(err, errlen, "%s", e.message[0] ? e.message : "no key or no signature");
		return -1;
	}
	return 0;
}
