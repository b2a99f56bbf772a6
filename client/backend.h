/* The one door to data for the CLI and the console: an operation by its action name, answered
 * with API.md's status and JSON body. Two implementations: embedded.c runs the core in-process
 * on a SQLite file; remote.c speaks HTTP to klaxond. Callers cannot tell them apart. */
#ifndef KX_BACKEND_H
#define KX_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct backend;

struct backend_config {
	const char *db_path;    /* embedded: the SQLite store, or a klaxond's postgres:// URL */
	const char *key_path;   /* embedded: the store's key (NULL: db_path + ".key") */
	const char *server_url; /* remote: klaxond's base URL (wins over db_path) */
	const char *token;      /* remote: bearer token */
	const char *cacert;     /* remote: CA bundle for TLS */
	bool insecure;          /* remote: skip certificate checks (only by explicit flag) */
	const char *tenant;     /* embedded identity: tenant id or name (default "default") */
	const char *actor;      /* embedded identity: actor id or name (default "admin") */
	const char *debug_log;  /* append every call and its duration here, or NULL */
};

struct backend_param {
	const char *name, *value;
};

struct backend_request {
	const char *op;                  /* "incident.create", "incident.list", ... */
	const char *id, *sub_id;         /* path ids */
	const struct backend_param *query; /* NULL-terminated by name, or NULL */
	const char *body;                /* JSON text or NULL */
	const char *idempotency_key, *if_match, *override;
	/* A large answer (an evidence bundle): the most bytes to accept (0: 64 MiB), and told
	 * how much has arrived so far (total 0 while unknown), for a progress bar. */
	size_t max_body;
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct backend_response {
	int status;     /* API.md's status; transport failures are 503 with a JSON error */
	char *body;     /* JSON (or text for a checkpoint); owned */
	size_t body_len; /* its bytes: a binary body (application/x-tar) may hold NULs */
	bool replayed;
	char request_id[64];
};

/* Opens the backend the config names. NULL with a message in err. */
struct backend *backend_open(const struct backend_config *cfg, char *err, size_t errlen);
void backend_close(struct backend *b);

/* Runs one operation; always fills resp (free with backend_response_free). Returns 0 for a
 * 2xx answer, -1 otherwise. */
int backend_call(struct backend *b, const struct backend_request *req,
		 struct backend_response *resp);
void backend_response_free(struct backend_response *resp);

/* Makes a call in progress give up as soon as it can (a remote transfer within about a
 * second) and every later call fail at once with 503: for shutting down while a server does
 * not answer. Safe to call from another thread than the one making calls. */
void backend_cancel(struct backend *b);

/* The error message of a non-2xx response body ("code: message"), in buf. */
const char *backend_error_text(const struct backend_response *resp, char *buf, size_t len);

/* Makes a new embedded store (tenant `default`, actor `admin`). 0, or -1 with err. */
int backend_init_store(const char *db_path, char *err, size_t errlen);

/* Verifies every ledger the backend holds (embedded: recomputed from the file). 0 with a
 * summary in msg, or -1 naming the first bad receipt in msg. */
int backend_ledger_verify(struct backend *b, char *msg, size_t len);

/* A consistent copy of an embedded store while writes go on (remote: refused, a server is
 * backed up with `klaxond backup`). 0, or -1 with a message. */
int backend_backup(struct backend *b, const char *dest, char *msg, size_t len);

/* "embedded" or "remote". */
const char *backend_kind(const struct backend *b);

#endif
