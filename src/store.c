/* The store's front: store_open picks the implementation from the location it is given (a
 * postgres:// URL or a SQLite file path), and every other function of store.h dispatches to
 * that connection's operations. */
#include <stdlib.h>
#include <string.h>

#include "store_api.h"
#include "store_lite.h"
#include "store_pg.h"

bool store_is_url(const char *location)
{
	return strncmp(location, "postgres://", 11) == 0 ||
	       strncmp(location, "postgresql://", 13) == 0;
}

struct store *store_open(const char *location, const struct store_options *opt,
			 struct kx_error *err)
{
	if (store_is_url(location))
		return store_pg_open(location, opt, err);
	return store_lite_open(location, opt, err);
}

#define STORE_DISPATCH(ret, name, params, args)                                               \
	ret store_##name params                                                               \
	{                                                                                     \
		return s->ops->name args;                                                     \
	}
#define STORE_DISPATCH_VOID(ret, name, params, args)                                          \
	ret store_##name params                                                               \
	{                                                                                     \
		if (s)                                                                        \
			s->ops->name args;                                                    \
	}
STORE_API(STORE_DISPATCH, STORE_DISPATCH_VOID)
#undef STORE_DISPATCH
#undef STORE_DISPATCH_VOID

int store_receipt_walk(struct store *s, const char *tenant_id, store_receipt_fn fn, void *ctx)
{
	return store_receipt_walk_seq(s, tenant_id, 1, INT64_MAX, fn, ctx);
}

void store_idem_free(struct store_idem *rec)
{
	free(rec->request_digest);
	free(rec->response);
	free(rec->location);
	memset(rec, 0, sizeof *rec);
}
