/* Printing helpers shared by the subcommands. */
#include "print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void print_json(const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	if (text) {
		puts(text);
		cJSON_free(text);
	}
}

const char *print_str(const cJSON *o, const char *name)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	return s && *s ? s : "-";
}

void print_cell(const char *s, int width)
{
	int cols = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && cols < width) {
		int len = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
		/* control characters would move the cursor: show them as '?' */
		if (*p < 0x20 || *p == 0x7f)
			putchar('?');
		else
			fwrite(p, 1, (size_t)len, stdout);
		for (int i = 0; i < len && *p; i++)
			p++;
		cols++;
	}
	for (; cols < width; cols++)
		putchar(' ');
}
