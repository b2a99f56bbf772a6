/* Printing helpers shared by the subcommands. */
#define _GNU_SOURCE /* fopencookie */
#include "print.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the terminal guard ---- */

/* One guarded stream: its file descriptor, and whether the last byte written was the first of
 * a two-byte UTF-8 sequence that may turn out to be a C1 control (U+0080..U+009F). */
struct guard {
	int fd;
	bool held_c2;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t guard_write(void *cookie, const char *buf, size_t size)
{
	struct guard *g = cookie;
	char out[4096 + 1];
	size_t n = 0;
	for (size_t i = 0; i < size; i++) {
		unsigned char c = (unsigned char)buf[i];
		bool c1 = g->held_c2 && c >= 0x80 && c <= 0x9f; /* CSI and its kin: one '?' */
		if (g->held_c2 && !c1)
			out[n++] = (char)0xc2;
		g->held_c2 = false;
		if (c1 || (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
			out[n++] = '?';
		else if (c == 0xc2)
			g->held_c2 = true;
		else
			out[n++] = (char)c;
		if (n >= sizeof out - 1) {
			if (write_all(g->fd, out, n))
				return -1;
			n = 0;
		}
	}
	return n && write_all(g->fd, out, n) ? -1 : (ssize_t)size;
}

static int guard_close(void *cookie)
{
	struct guard *g = cookie;
	if (g->held_c2)
		write_all(g->fd, "\xc2", 1);
	return 0;
}

/* g lives as long as the process: the guarded stream is never closed before exit. */
static FILE *guard_stream(FILE *f, struct guard *g)
{
	int fd = fileno(f);
	if (!isatty(fd))
		return f;
	*g = (struct guard){.fd = fd};
	cookie_io_functions_t io = {.write = guard_write, .close = guard_close};
	FILE *guarded = fopencookie(g, "w", io);
	if (!guarded)
		return f;
	fflush(f);
	setvbuf(guarded, NULL, f == stderr ? _IONBF : _IOLBF, 0);
	return guarded;
}

void print_guard_terminal(void)
{
	static struct guard out, err;
	stdout = guard_stream(stdout, &out);
	stderr = guard_stream(stderr, &err);
}

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
