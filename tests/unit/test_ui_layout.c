/* The toolkit's layout math and text measure: splits, adaptive columns that drop the least
 * important first, centring, and UTF-8 widths. No terminal is opened. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "ui.h"

static void split_spreads_the_remainder(void **state)
{
	(void)state;
	int w[4];
	ui_layout_split(80, 4, 1, w);
	assert_int_equal(w[0] + w[1] + w[2] + w[3] + 3, 80);
	assert_int_equal(w[0], 20);
	assert_int_equal(w[3], 19);
	ui_layout_split(2, 4, 1, w); /* narrower than the gaps: nothing left, nothing negative */
	for (int i = 0; i < 4; i++)
		assert_int_equal(w[i], 0);
}

static const struct ui_column_spec cols[] = {
	{4, 4, 0, 0},	/* severity: fixed */
	{16, 0, 4, 0},	/* title: takes the room */
	{9, 16, 1, 2},	/* commander */
	{30, 30, 0, 4}, /* id: first to go */
};

static void columns_fill_the_width(void **state)
{
	(void)state;
	int w[4];
	int kept = ui_layout_columns(120, cols, 4, w);
	assert_int_equal(kept, 4);
	assert_int_equal(w[0], 4);
	assert_int_equal(w[3], 30);
	assert_true(w[2] <= 16);
	assert_int_equal(w[0] + w[1] + w[2] + w[3] + 3, 120);
}

static void columns_drop_by_priority(void **state)
{
	(void)state;
	int w[4];
	int kept = ui_layout_columns(40, cols, 4, w);
	assert_int_equal(kept, 3);
	assert_int_equal(w[3], 0); /* the id went first */
	assert_true(w[1] >= 16);
	kept = ui_layout_columns(22, cols, 4, w);
	assert_int_equal(kept, 2);
	assert_int_equal(w[2], 0);
	kept = ui_layout_columns(3, cols, 4, w);
	assert_int_equal(kept, 0);
}

static void center_clamps_to_the_screen(void **state)
{
	(void)state;
	int y, x, h, w;
	ui_layout_center(24, 80, 10, 40, &y, &x, &h, &w);
	assert_int_equal(y, 7);
	assert_int_equal(x, 20);
	ui_layout_center(5, 10, 10, 40, &y, &x, &h, &w);
	assert_int_equal(h, 5);
	assert_int_equal(w, 10);
	assert_int_equal(y, 0);
	assert_int_equal(x, 0);
}

static void text_widths(void **state)
{
	(void)state;
	assert_int_equal(ui_text_width("abc", 3), 3);
	assert_int_equal(ui_text_width("fällt", strlen("fällt")), 5);
	assert_int_equal(ui_text_width("東京", strlen("東京")), 4);
	int used = 0;
	/* A wide character that does not fit is left out whole. */
	assert_int_equal(ui_text_fit("a東京", strlen("a東京"), 2, &used), 1);
	assert_int_equal(used, 1);
	assert_int_equal(ui_text_skip("東京x", strlen("東京x"), 2), 3);
	wchar_t c;
	assert_int_equal(ui_utf8_decode("\xff", 1, &c), 1); /* invalid: one byte, U+FFFD */
	assert_int_equal(c, 0xfffd);
	assert_int_equal(ui_utf8_decode("\xe6\x9d", 2, &c), 1); /* truncated */
	char enc[8];
	assert_int_equal(ui_utf8_encode(L'東', enc), 3);
	assert_memory_equal(enc, "東", 3);
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_spreads_the_remainder),
		cmocka_unit_test(columns_fill_the_width),
		cmocka_unit_test(columns_drop_by_priority),
		cmocka_unit_test(center_clamps_to_the_screen),
		cmocka_unit_test(text_widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
