/* Checking a minisign signature on the operator's side, so the console can mark a runbook
 * version verified by itself rather than take the server's word for it. */
#ifndef KX_SIGNATURE_H
#define KX_SIGNATURE_H

#include <stddef.h>

/* 0 when sig_text (a .minisig text) signs msg under the public key (its base64 line, as
 * signing-key listings carry it); -1 with the reason in err. */
int signature_verify(const char *pubkey_line, const void *msg, size_t len, const char *sig_text,
		     char *err, size_t errlen);

#endif
