/* The PostgreSQL store (store_pg*.c): the same operations as the SQLite store, over libpq, for
 * several klaxond instances sharing one database. */
#ifndef KX_STORE_PG_H
#define KX_STORE_PG_H

#include "store.h"

struct store *store_pg_open(const char *url, const struct store_options *opt,
			    struct kx_error *err);

#endif
