/* kx_error helpers: one place that fills the error struct, truncating safely. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int kx_error_set(struct kx_error *e, int status, const char *code, const char *field,
		 const char *fmt, ...)
{
	if (!e)
		return -1;
	e->status = status;
	snprintf(e->code, sizeof e->code, "%s", code ? code : "internal");
	snprintf(e->field, sizeof e->field, "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

void kx_error_clear(struct kx_error *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}
