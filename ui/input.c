/* A one-line text input: UTF-8 editing with a cursor, readline-like keys (C-a, C-e, C-u, C-w,
 * C-k), and a view that scrolls sideways to keep the cursor visible. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

void ui_input_set(struct ui_input *in, const char *text)
{
	snprintf(in->text, sizeof in->text, "%s", text ? text : "");
	/* Never keep half a character at the end of a long text. */
	in->len = strlen(in->text);
	while (in->len > 0 && ((unsigned char)in->text[in->len - 1] & 0xc0) == 0x80 &&
	       ui_text_fit(in->text, in->len, 1 << 20, NULL) != in->len)
		in->text[--in->len] = 0;
	in->cursor = in->len;
	in->scroll = 0;
}

static size_t prev_char(const struct ui_input *in, size_t at)
{
	while (at > 0) {
		at--;
		if (((unsigned char)in->text[at] & 0xc0) != 0x80)
			break;
	}
	return at;
}

static size_t next_char(const struct ui_input *in, size_t at)
{
	wchar_t c;
	return at < in->len ? at + ui_utf8_decode(in->text + at, in->len - at, &c) : at;
}

static void input_erase(struct ui_input *in, size_t from, size_t to)
{
	memmove(in->text + from, in->text + to, in->len - to + 1);
	in->len -= to - from;
	in->cursor = from;
}

int ui_input_key(struct ui_input *in, int key)
{
	switch (key) {
	case UI_KEY_FN(KEY_LEFT):
		in->cursor = prev_char(in, in->cursor);
		return UI_HANDLED;
	case UI_KEY_FN(KEY_RIGHT):
		in->cursor = next_char(in, in->cursor);
		return UI_HANDLED;
	case UI_KEY_FN(KEY_HOME):
	case UI_KEY_CTRL('a'):
		in->cursor = 0;
		return UI_HANDLED;
	case UI_KEY_FN(KEY_END):
	case UI_KEY_CTRL('e'):
		in->cursor = in->len;
		return UI_HANDLED;
	case UI_KEY_BACKSPACE:
	case UI_KEY_CTRL('h'):
		if (in->cursor > 0)
			input_erase(in, prev_char(in, in->cursor), in->cursor);
		return UI_HANDLED;
	case UI_KEY_FN(KEY_DC):
	case UI_KEY_CTRL('d'):
		if (in->cursor < in->len)
			input_erase(in, in->cursor, next_char(in, in->cursor));
		return UI_HANDLED;
	case UI_KEY_CTRL('u'):
		input_erase(in, 0, in->cursor);
		return UI_HANDLED;
	case UI_KEY_CTRL('k'):
		in->text[in->cursor] = 0;
		in->len = in->cursor;
		return UI_HANDLED;
	case UI_KEY_CTRL('w'): {
		size_t at = in->cursor;
		while (at > 0 && in->text[at - 1] == ' ')
			at--;
		while (at > 0 && in->text[at - 1] != ' ')
			at--;
		input_erase(in, at, in->cursor);
		return UI_HANDLED;
	}
	default:
		break;
	}
	if (key < 0x20 || key >= 0x1000000 || key == 0x7f)
		return UI_IGNORED;
	char enc[8];
	size_t n = ui_utf8_encode((wchar_t)key, enc);
	if (in->len + n + 1 > sizeof in->text)
		return UI_HANDLED; /* full: the key is taken, not passed on */
	memmove(in->text + in->cursor + n, in->text + in->cursor, in->len - in->cursor + 1);
	memcpy(in->text + in->cursor, enc, n);
	in->len += n;
	in->cursor += n;
	return UI_HANDLED;
}

void ui_input_draw(struct ui_input *in, WINDOW *w, int y, int x, int width, int role,
		   bool show_cursor)
{
	if (width <= 0)
		return;
	int before = ui_text_width(in->text, in->cursor);
	/* Scroll by whole characters so the cursor stays inside the box. */
	if (before < in->scroll)
		in->scroll = before;
	if (before - in->scroll > width - 1)
		in->scroll = before - width + 1;
	ui_put_from(w, y, x, width, role, in->text, in->scroll);
	if (show_cursor) {
		int cx = x + before - in->scroll;
		mvwchgat(w, y, cx, 1, ui_attr(role) ^ A_REVERSE, PAIR_NUMBER(ui_attr(role)), NULL);
	}
}
