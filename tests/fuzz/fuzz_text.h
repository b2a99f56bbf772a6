/* Fuzzing helper for the harnesses of the console's text files (themes, keys): the input as
 * klaxon reads such a file, and the shape every refusal of one must have. */
#ifndef KX_FUZZ_TEXT_H
#define KX_FUZZ_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input as a file's text: it ends at its first NUL. Caller frees; NULL when out of memory. */
static inline char *fz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = 0;
	}
	return text;
}

/* A refusal names the file's line and says why: "SOURCE:LINE: why". */
static inline void fz_check_refusal(const char *err, const char *source)
{
	size_t n = strlen(source);
	int line = 0, used = 0;
	if (strncmp(err, source, n) != 0 || err[n] != ':' ||
	    sscanf(err + n, ":%d: %n", &line, &used) != 1 || line < 1 || !used || !err[n + used])
		abort();
}

#endif
