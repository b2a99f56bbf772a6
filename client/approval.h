/* Approval statements (API.md "Runbooks and executions"): the exact JSON bytes an approver
 * signs, built in one place for the CLI (`klaxon approve`) and the console's approval queue,
 * so that what a person reviews on screen is byte for byte what is signed and sent. */
#ifndef KX_APPROVAL_H
#define KX_APPROVAL_H

#include <stdbool.h>
#include <stddef.h>

struct approval_input {
	const char *execution_id, *step_id, *runbook_digest;
	const char *approver; /* the approver's actor id (session.get's actor.id) */
	bool reject;
	const char *reason;   /* NULL or "": none */
};

/* The statement's exact bytes with a fresh random nonce and the current time; NULL when a
 * field is missing or out of memory. Caller frees. */
char *approval_statement_new(const struct approval_input *in);
/* Signs the statement with the secret key at key_path (minisign, prehashed) and returns the
 * body of step.approve, {"statement", "signature"}; NULL with a message in err. passphrase:
 * that of a protected key, else NULL (a protected key without one, or with a wrong one, is
 * refused with a message that says so). Caller frees. */
char *approval_request_body(const char *statement, const char *key_path, const char *passphrase,
			    char *err, size_t errlen);

#endif
