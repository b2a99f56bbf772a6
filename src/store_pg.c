#include "store_pg.h"
struct store *store_pg_open(const char *url, const struct store_options *opt,
			    struct kx_error *err)
{
	(void)url, (void)opt;
	kx_error_set(err, 501, "unsupported", NULL, "no postgres yet");
	return NULL;
}
