/* The core's error value: an HTTP-like status, a snake_case code from API.md, a message for a
 * person and, for a bad field, its JSON path. The core fills these and never prints. */
#ifndef KX_ERROR_H
#define KX_ERROR_H

#include <stdbool.h>

struct kx_error {
	int status;        /* 400, 401, 403, 404, 409, 412, 413, 415, 422, 503; 0 when unset */
	char code[40];     /* "invalid_field", "not_found", ... */
	char message[240]; /* for a person */
	char field[120];   /* JSON path of the bad field ("" when none) */
	/* The same request may succeed if run again: its transaction lost a deadlock, a
	 * serialisation conflict or an incident-version race to another (PostgreSQL store).
	 * Set after kx_error_set. */
	bool retry;
};

/* Sets every member of e (when e is not NULL) and returns -1, so callers can write
 * `return kx_error_set(err, 400, "invalid_field", "title", "title is required");`. */
int kx_error_set(struct kx_error *e, int status, const char *code, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void kx_error_clear(struct kx_error *e);

#endif
