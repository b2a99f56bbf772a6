/* The terminal: ncursesw setup (a real tty, or newterm on /dev/null for the script harness),
 * colour depth, opt-in mouse, key reading with function keys folded into one int, resizing,
 * the "terminal too small" notice, and the screen dump that golden tests compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static SCREEN *screen;
static FILE *script_in, *script_out;
static int term_colors;

int ui_term_open(const struct ui_term_options *o, char *err, size_t errlen)
{
	if (o->script) {
		/* The harness never touches a terminal: output goes to /dev/null and the screen
		 * is read back from curses' own copy of it. */
		script_out = fopen("/dev/null", "we");
		script_in = fopen("/dev/null", "re");
		const char *term = getenv("TERM");
		screen = script_out && script_in
				 ? newterm(term && *term ? term : "xterm-256color", script_out, script_in)
				 : NULL;
		if (!screen) {
			snprintf(err, errlen, "cannot start curses for TERM=%s", term ? term : "");
			ui_term_close();
			return -1;
		}
		set_term(screen);
	} else {
		const char *term = getenv("TERM");
		screen = newterm(term, stdout, stdin);
		if (!screen) {
			snprintf(err, errlen, "cannot use the terminal TERM=%s", term ? term : "(unset)");
			return -1;
		}
		set_term(screen);
	}
	raw(); /* C-c and C-z reach the keymap; q quits */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25); /* Esc must feel instant even over SSH */
	curs_set(0);
	term_colors = 0;
	if (!o->no_color && has_colors()) {
		start_color();
		use_default_colors();
		term_colors = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
	}
	if (o->mouse) {
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
				  | BUTTON5_PRESSED
#endif
			  ,
			  NULL);
		mouseinterval(0);
	}
	return 0;
}

void ui_term_close(void)
{
	if (screen) {
		endwin();
		delscreen(screen);
		screen = NULL;
	}
	if (script_out)
		fclose(script_out);
	if (script_in)
		fclose(script_in);
	script_out = script_in = NULL;
}

bool ui_term_has_colors(void)
{
	return term_colors > 0;
}

int ui_term_colors(void)
{
	return term_colors;
}

bool ui_term_too_small(void)
{
	return LINES < UI_MIN_LINES || COLS < UI_MIN_COLS;
}

void ui_draw_too_small(void)
{
	char msg[128];
	werase(stdscr);
	snprintf(msg, sizeof msg, "terminal too small: %dx%d (klaxon needs %dx%d)", COLS, LINES,
		 UI_MIN_COLS, UI_MIN_LINES);
	/* Centred, and wrapped over several rows when narrow; clipped when even that fails. */
	int len = (int)strlen(msg), rows = COLS > 0 ? (len + COLS - 1) / COLS : 0;
	int y = LINES / 2 - rows / 2;
	for (int r = 0, off = 0; r < rows && y + r < LINES; r++, off += COLS) {
		if (y + r < 0)
			continue;
		int n = len - off < COLS ? len - off : COLS;
		int x = rows == 1 ? (COLS - n) / 2 : 0;
		ui_put(stdscr, y + r, x, n, UI_ROLE_ERROR, msg + off);
	}
}

int ui_term_read_key(MEVENT *ev)
{
	wint_t ch;
	int rc = wget_wch(stdscr, &ch);
	if (rc == ERR)
		return -1;
	if (rc == KEY_CODE_YES) {
		if (ch == KEY_MOUSE) {
			if (!ev || getmouse(ev) != OK)
				return -1;
			return UI_KEY_MOUSE;
		}
		if (ch == KEY_ENTER)
			return UI_KEY_ENTER;
		return UI_KEY_FN((int)ch);
	}
	if (ch == '\r')
		return UI_KEY_ENTER;
	if (ch == 127 || ch == 8)
		return UI_KEY_BACKSPACE;
	return (int)ch;
}

void ui_term_resize(int lines, int cols)
{
	resizeterm(lines, cols);
}

/* Line-drawing characters as the terminal shows them, not as their VT100 letters. */
static wchar_t acs_text(wchar_t c)
{
	static const struct {
		char acs;
		wchar_t text;
	} map[] = {{'q', L'─'}, {'x', L'│'}, {'l', L'┌'}, {'k', L'┐'}, {'m', L'└'},
		   {'j', L'┘'}, {'t', L'├'}, {'u', L'┤'}, {'v', L'┴'}, {'w', L'┬'}, {'n', L'┼'}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].acs == c)
			return map[i].text;
	return c;
}

int ui_term_dump(FILE *out)
{
	cchar_t cells[1024];
	for (int y = 0; y < LINES; y++) {
		int width = COLS < 1023 ? COLS : 1023;
		int n = mvwin_wchnstr(curscr, y, 0, cells, width);
		if (n == ERR)
			return -1;
		char line[8192];
		size_t len = 0;
		for (int x = 0; x < width && len + 16 < sizeof line; x++) {
			wchar_t wc[CCHARW_MAX + 1];
			attr_t attrs;
			short pair;
			if (getcchar(&cells[x], wc, &attrs, &pair, NULL) == ERR)
				break;
			if (attrs & A_ALTCHARSET)
				wc[0] = acs_text(wc[0]);
			for (int i = 0; wc[i] && i < CCHARW_MAX; i++) {
				char enc[8];
				size_t el = ui_utf8_encode(wc[i], enc);
				memcpy(line + len, enc, el);
				len += el;
			}
			int cw = wc[0] ? wcwidth(wc[0]) : 1;
			if (cw > 1) /* the cells a wide character covers repeat it */
				x += cw - 1;
		}
		while (len > 0 && line[len - 1] == ' ')
			len--;
		fprintf(out, "%.*s\n", (int)len, line);
	}
	return ferror(out) ? -1 : 0;
}
