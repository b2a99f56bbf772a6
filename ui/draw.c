/* Drawing helpers every widget uses: text clipped and padded to a width in a colour role,
 * fills, rules and boxes. Text goes through the wide-character calls so UTF-8 is drawn as
 * characters, and control bytes never reach the terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

/* Converts up to width columns of s into wide characters at out (room for 2 * width: a
 * zero-width mark takes room but no column, so a run of them is cut where the room ends);
 * returns the columns used and the count in *n. */
static int to_wide(const char *s, size_t len, int width, wchar_t *out, int *n)
{
	int col = 0, k = 0;
	size_t i = 0;
	while (i < len && s[i] && col < width && k < 2 * width) {
		wchar_t c;
		i += ui_utf8_decode(s + i, len - i, &c);
		if (c < 0x20 || c == 0x7f)
			c = L'?';
		int cw = wcwidth(c);
		if (cw < 0) {
			c = L'?';
			cw = 1;
		}
		if (col + cw > width)
			break;
		if (cw == 0 && k == 0)
			continue; /* a combining mark with nothing to combine with */
		out[k++] = c;
		col += cw;
	}
	*n = k;
	return col;
}

/* One curses call per cell: a call per character costs more than the rest of a frame. */
static int put_wide(WINDOW *w, int y, int x, int width, int role, const char *s, size_t len,
		    const char *tail)
{
	/* Text and tail take at most 2 * width characters, the padding at most width. */
	wchar_t stack[1024], *buf = stack;
	size_t room = (size_t)width * 3 + 8;
	if (room > sizeof stack / sizeof stack[0] && !(buf = malloc(room * sizeof *buf)))
		return 0;
	int n = 0, m = 0, tw = tail ? ui_text_width(tail, strlen(tail)) : 0;
	int used = to_wide(s, len, width - tw, buf, &n);
	if (tail) {
		used += to_wide(tail, strlen(tail), tw, buf + n, &m);
		n += m;
	}
	for (int i = used; i < width; i++) /* padding, in the role's background */
		buf[n++] = L' ';
	wattrset(w, ui_attr(role));
	mvwaddnwstr(w, y, x, buf, n);
	wattrset(w, A_NORMAL);
	if (buf != stack)
		free(buf);
	return used;
}

int ui_put_from(WINDOW *w, int y, int x, int width, int role, const char *s, int skip)
{
	if (width <= 0)
		return 0;
	size_t n = s ? strlen(s) : 0;
	size_t off = skip > 0 ? ui_text_skip(s, n, skip) : 0;
	return put_wide(w, y, x, width, role, s ? s + off : "", n - off, NULL);
}

int ui_put(WINDOW *w, int y, int x, int width, int role, const char *s)
{
	return ui_put_from(w, y, x, width, role, s, 0);
}

int ui_put_clip(WINDOW *w, int y, int x, int width, int role, const char *s)
{
	if (width <= 0)
		return 0;
	size_t n = s ? strlen(s) : 0;
	if (ui_text_width(s ? s : "", n) <= width)
		return ui_put(w, y, x, width, role, s);
	put_wide(w, y, x, width, role, s, n, ui_glyph(UI_G_ELLIPSIS));
	return width;
}

void ui_fill(WINDOW *w, int y, int x, int height, int width, int role)
{
	for (int r = 0; r < height && width > 0; r++)
		put_wide(w, y + r, x, width, role, "", 0, NULL);
}

void ui_hline(WINDOW *w, int y, int x, int width, int role)
{
	if (width <= 0)
		return;
	const char *g = ui_glyph(UI_G_HLINE);
	size_t gl = strlen(g);
	char *line = malloc((size_t)width * gl + 1);
	if (!line)
		return;
	for (int i = 0; i < width; i++)
		memcpy(line + (size_t)i * gl, g, gl);
	line[(size_t)width * gl] = 0;
	ui_put(w, y, x, width, role, line);
	free(line);
}

void ui_vline(WINDOW *w, int y, int x, int height, int role)
{
	for (int r = 0; r < height; r++)
		ui_put(w, y + r, x, 1, role, ui_glyph(UI_G_VLINE));
}

void ui_box(WINDOW *w, int y, int x, int height, int width, int role, const char *title)
{
	if (height < 2 || width < 2)
		return;
	ui_fill(w, y, x, height, width, role);
	ui_hline(w, y, x + 1, width - 2, role);
	ui_hline(w, y + height - 1, x + 1, width - 2, role);
	ui_vline(w, y + 1, x, height - 2, role);
	ui_vline(w, y + 1, x + width - 1, height - 2, role);
	ui_put(w, y, x, 1, role, ui_glyph(UI_G_UL));
	ui_put(w, y, x + width - 1, 1, role, ui_glyph(UI_G_UR));
	ui_put(w, y + height - 1, x, 1, role, ui_glyph(UI_G_LL));
	ui_put(w, y + height - 1, x + width - 1, 1, role, ui_glyph(UI_G_LR));
	if (title && *title && width > 6) {
		char t[256];
		snprintf(t, sizeof t, " %s ", title);
		int tw = ui_text_width(t, strlen(t));
		ui_put_clip(w, y, x + 2, tw < width - 4 ? tw : width - 4, UI_ROLE_DIALOG_TITLE, t);
	}
}
