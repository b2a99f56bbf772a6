/* Drawing helpers every widget uses: text clipped and padded to a width in a colour role,
 * fills, rules and boxes. Text goes through the wide-character calls so UTF-8 is drawn as
 * characters, and control bytes never reach the terminal. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

/* Draws up to width columns of s from (y, x); returns the columns drawn. */
static int put_text(WINDOW *w, int y, int x, int width, const char *s, size_t n)
{
	int col = 0;
	size_t i = 0;
	wmove(w, y, x);
	while (i < n && s[i] && col < width) {
		wchar_t c;
		i += ui_utf8_decode(s + i, n - i, &c);
		if (c < 0x20 || c == 0x7f)
			c = L'?';
		int cw = wcwidth(c);
		if (cw < 0) {
			c = L'?';
			cw = 1;
		}
		if (col + cw > width)
			break;
		wchar_t wc[2] = {c, 0};
		waddnwstr(w, wc, 1);
		col += cw;
	}
	return col;
}

static void pad(WINDOW *w, int n)
{
	for (int i = 0; i < n; i++)
		waddch(w, ' ');
}

int ui_put_from(WINDOW *w, int y, int x, int width, int role, const char *s, int skip)
{
	if (width <= 0)
		return 0;
	size_t n = s ? strlen(s) : 0;
	size_t off = skip > 0 ? ui_text_skip(s, n, skip) : 0;
	wattrset(w, ui_attr(role));
	int used = put_text(w, y, x, width, s ? s + off : "", n - off);
	pad(w, width - used);
	wattrset(w, A_NORMAL);
	return used;
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
	wattrset(w, ui_attr(role));
	int used = put_text(w, y, x, width - 1, s, n);
	waddstr(w, ui_glyph(UI_G_ELLIPSIS));
	pad(w, width - used - 1);
	wattrset(w, A_NORMAL);
	return width;
}

void ui_fill(WINDOW *w, int y, int x, int height, int width, int role)
{
	wattrset(w, ui_attr(role));
	for (int r = 0; r < height; r++) {
		wmove(w, y + r, x);
		pad(w, width);
	}
	wattrset(w, A_NORMAL);
}

void ui_hline(WINDOW *w, int y, int x, int width, int role)
{
	wattrset(w, ui_attr(role));
	wmove(w, y, x);
	for (int i = 0; i < width; i++)
		waddstr(w, ui_glyph(UI_G_HLINE));
	wattrset(w, A_NORMAL);
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
