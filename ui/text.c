/* Text measured in terminal columns: UTF-8 decoding, display width, fitting and skipping,
 * and the few drawing glyphs (ASCII stand-ins when the locale is not UTF-8). */
#include <langinfo.h>
#include <string.h>

#include "ui.h"

size_t ui_utf8_decode(const char *s, size_t n, wchar_t *out)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n == 0) {
		*out = 0;
		return 0;
	}
	if (u[0] < 0x80) {
		*out = u[0];
		return 1;
	}
	int len = u[0] >= 0xf0 && u[0] < 0xf5 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc2 && u[0] < 0xe0 ? 2 : 0;
	if (len == 0 || (size_t)len > n)
		goto bad;
	wchar_t c = u[0] & (0x7f >> len);
	for (int i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* Overlong forms and surrogates are not characters. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*out = c;
	return (size_t)len;
bad:
	*out = 0xfffd;
	return 1;
}

size_t ui_utf8_encode(wchar_t c, char out[8])
{
	unsigned long v = (unsigned long)c;
	if (v < 0x80) {
		out[0] = (char)v;
		return 1;
	}
	if (v < 0x800) {
		out[0] = (char)(0xc0 | (v >> 6));
		out[1] = (char)(0x80 | (v & 0x3f));
		return 2;
	}
	if (v < 0x10000) {
		out[0] = (char)(0xe0 | (v >> 12));
		out[1] = (char)(0x80 | ((v >> 6) & 0x3f));
		out[2] = (char)(0x80 | (v & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (v >> 18));
	out[1] = (char)(0x80 | ((v >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((v >> 6) & 0x3f));
	out[3] = (char)(0x80 | (v & 0x3f));
	return 4;
}

/* Control characters are drawn as one replacement column, so they never move the cursor. */
static int char_width(wchar_t c)
{
	if (c < 0x20 || c == 0x7f)
		return 1;
	int w = wcwidth(c);
	return w < 0 ? 1 : w;
}

int ui_text_width(const char *s, size_t n)
{
	int cols = 0;
	size_t i = 0;
	while (i < n && s[i]) {
		wchar_t c;
		i += ui_utf8_decode(s + i, n - i, &c);
		cols += char_width(c);
	}
	return cols;
}

size_t ui_text_fit(const char *s, size_t n, int cols, int *used)
{
	int w = 0;
	size_t i = 0;
	while (i < n && s[i]) {
		wchar_t c;
		size_t len = ui_utf8_decode(s + i, n - i, &c);
		int cw = char_width(c);
		if (w + cw > cols)
			break;
		w += cw;
		i += len;
	}
	if (used)
		*used = w;
	return i;
}

size_t ui_text_skip(const char *s, size_t n, int cols)
{
	int w = 0;
	size_t i = 0;
	while (i < n && s[i] && w < cols) {
		wchar_t c;
		i += ui_utf8_decode(s + i, n - i, &c);
		w += char_width(c);
	}
	return i;
}

const char *ui_glyph(enum ui_glyph g)
{
	static int utf8 = -1;
	/* Lines are drawn as characters, not the terminal's alternate character set, which
	 * some terminals and multiplexers get wrong under a UTF-8 locale. */
	static const char *const fancy[] = {"●", "…", "→", "─", "│", "▲", "▼", "✖", "┌", "┐", "└", "┘"};
	static const char *const plain[] = {"*", "~", "->", "-", "|", "^", "v", "x", "+", "+", "+", "+"};
	if (utf8 < 0) {
		const char *cs = nl_langinfo(CODESET);
		utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	}
	return utf8 ? fancy[g] : plain[g];
}
