/* Between backend.c and its implementations: the vtable each one fills. */
#ifndef KX_BACKEND_IMPL_H
#define KX_BACKEND_IMPL_H

#include <stdatomic.h>
#include <stdio.h>

#include "backend.h"

struct backend_vtable {
	const char *kind;
	int (*call)(struct backend *b, const struct backend_request *req,
		    struct backend_response *resp);
	int (*ledger_verify)(struct backend *b, char *msg, size_t len);
	int (*backup)(struct backend *b, const char *dest, char *msg, size_t len);
	void (*close)(struct backend *b);
};

struct backend {
	const struct backend_vtable *vt;
	void *impl;
	FILE *debug_log;
	atomic_bool cancelled; /* backend_cancel: give up calls in progress and to come */
};

struct backend *remote_open(const struct backend_config *cfg, char *err, size_t errlen);
struct backend *embedded_open(const struct backend_config *cfg, char *err, size_t errlen);
int embedded_init_store(const char *db_path, char *err, size_t errlen);

/* A JSON error body for failures that happen on this side of the contract. */
void backend_fail(struct backend_response *resp, int status, const char *code, const char *msg);

#endif
