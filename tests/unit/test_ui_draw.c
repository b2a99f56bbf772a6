/* Drawing text on a real ncurses screen (written to /dev/null): a run of zero-width code
 * points takes room in the line's buffer but no column, and once overran it, so that a note
 * of combining accents crashed every console that showed it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static SCREEN *screen;
static FILE *out, *in;

static int setup(void **state)
{
	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return -1;
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	screen = out && in ? newterm("xterm-256color", out, in) : NULL;
	return screen ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	endwin();
	delscreen(screen);
	fclose(out);
	fclose(in);
	return 0;
}

/* "a" followed by n copies of the UTF-8 sequence mark. */
static char *marked(const char *mark, int n)
{
	size_t m = strlen(mark);
	char *s = malloc(2 + m * (size_t)n);
	assert_non_null(s);
	s[0] = 'a';
	for (int i = 0; i < n; i++)
		memcpy(s + 1 + m * (size_t)i, mark, m);
	s[1 + m * (size_t)n] = 0;
	return s;
}

static void check_line(WINDOW *w, const char *text, int width)
{
	werase(w);
	assert_int_equal(ui_put(w, 0, 0, width, 0, text), 1);
	cchar_t cell;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t attrs;
	short pair;
	assert_int_equal(mvwin_wch(w, 0, 0, &cell), OK);
	getcchar(&cell, wc, &attrs, &pair, NULL);
	assert_true(wc[0] == L'a');
	assert_int_equal(mvwin_wch(w, 0, 1, &cell), OK);
	getcchar(&cell, wc, &attrs, &pair, NULL);
	assert_true(wc[0] == L' '); /* the rest of the line is padding */
}

static void test_many_zero_width_marks_stay_in_their_cell(void **state)
{
	(void)state;
	WINDOW *w = newwin(2, 80, 0, 0);
	assert_non_null(w);
	/* combining acute accents, zero-width spaces: far more than the line has columns, and
	 * more than a stack buffer of a few hundred characters holds */
	const char *marks[] = {"\xcc\x81", "\xe2\x80\x8b"};
	for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
		char *s = marked(marks[i], 3000);
		check_line(w, s, 80);
		check_line(w, s, 3);
		free(s);
	}
	delwin(w);
}

static void test_a_wide_line_with_a_tail(void **state)
{
	(void)state;
	WINDOW *w = newwin(1, 600, 0, 0);
	assert_non_null(w);
	char *s = marked("\xcc\x81", 5000);
	/* clipped with a tail: the marks and the tail share the line's room */
	assert_true(ui_put_clip(w, 0, 0, 600, 0, s) <= 600);
	free(s);
	delwin(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_zero_width_marks_stay_in_their_cell),
		cmocka_unit_test(test_a_wide_line_with_a_tail),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
