/* klaxond's HTTP front: libmicrohttpd on an epoll thread pool, mapping requests onto the
 * core's operations through the shared route table. */
#ifndef KXD_HTTP_H
#define KXD_HTTP_H

#include <stdio.h>

#include "config.h"
#include "klaxon.h"

struct http_server;

struct http_tls {
	char *cert_pem, *key_pem; /* owned by the caller, alive while the server runs */
};

/* Starts serving; NULL with a message in err. */
struct http_server *http_start(struct kx_core *core, const struct server_config *cfg,
			       const struct http_tls *tls, FILE *log, char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish, frees the server (not the core). */
void http_stop(struct http_server *s);

#endif
