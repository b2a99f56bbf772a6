/* kx_error helpers: one place that fills the error struct, truncating safely. */
#include "error.h"

#include "json_input.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Replaces every byte that does not start a valid UTF-8 sequence, and control characters,
 * with '?'; truncation by snprintf may also have cut a sequence at the end. */
static void error_text_clean(char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c < 0x20 || n > len - i || !json_utf8_valid(s + i, n)) {
			s[i++] = '?';
			continue;
		}
		i += n;
	}
}

int kx_error_set(struct kx_error *e, int status, const char *code, const char *field,
		 const char *fmt, ...)
{
	if (!e)
		return -1;
	e->status = status;
	e->retry = false;
	snprintf(e->code, sizeof e->code, "%s", code ? code : "internal");
	snprintf(e->field, sizeof e->field, "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	/* Messages echo what a client sent (an id, a path): keep them valid UTF-8 so the JSON
	 * error that carries them stays valid too. */
	error_text_clean(e->message);
	error_text_clean(e->field);
	return -1;
}

void kx_error_clear(struct kx_error *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}
