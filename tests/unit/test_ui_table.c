/* The virtualized table without a terminal: windowing keeps the selection on screen with the
 * least scrolling, sorting is stable, the filter narrows the view, and the selection follows
 * its row's key through a refresh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ui.h"

struct row {
	char key[8], title[32];
	int sev;
};
static struct row rows[200];
static int n_rows;

static int count(void *ctx)
{
	(void)ctx;
	return n_rows;
}
static void cell(void *ctx, int r, int c, char *buf, size_t len)
{
	(void)ctx;
	snprintf(buf, len, "%s", c == 0 ? rows[r].key : rows[r].title);
}
static const char *key(void *ctx, int r)
{
	(void)ctx;
	return rows[r].key;
}
static int compare(void *ctx, int a, int b, int col)
{
	(void)ctx;
	return col == 0 ? rows[a].sev - rows[b].sev : strcmp(rows[a].title, rows[b].title);
}
static bool contains(const char *s, const char *f)
{
	for (; *s; s++)
		if (strncasecmp(s, f, strlen(f)) == 0)
			return true;
	return false;
}
static bool match(void *ctx, int r, const char *f)
{
	(void)ctx;
	return contains(rows[r].title, f);
}

static const struct ui_table_column columns[] = {{"KEY", {4, 4, 0, 0}, false},
						 {"TITLE", {8, 0, 1, 0}, false}};

static void fill(int n)
{
	n_rows = n;
	for (int i = 0; i < n; i++) {
		snprintf(rows[i].key, sizeof rows[i].key, "k%03u", (unsigned)i % 1000u);
		snprintf(rows[i].title, sizeof rows[i].title, "%s %d", i % 3 ? "disk" : "Network", i);
		rows[i].sev = i % 4;
	}
}

static void setup_table(struct ui_table *t)
{
	struct ui_table_model m = {NULL, count, cell, NULL, key, compare, match};
	ui_table_init(t, columns, 2, m);
	ui_table_rebuild(t);
	ui_table_set_height(t, 10);
}

static void windowing(void **state)
{
	(void)state;
	struct ui_table t;
	fill(100);
	setup_table(&t);
	assert_int_equal(t.n_view, 100);
	assert_int_equal(t.selected, 0);
	ui_table_move(&t, 9);
	assert_int_equal(t.top, 0); /* still on the first page */
	ui_table_move(&t, 1);
	assert_int_equal(t.selected, 10);
	assert_int_equal(t.top, 1); /* one row of scrolling, not a page */
	ui_table_move(&t, 1000);
	assert_int_equal(t.selected, 99);
	assert_int_equal(t.top, 90);
	ui_table_move(&t, -1000);
	assert_int_equal(t.selected, 0);
	assert_int_equal(t.top, 0);
	assert_false(ui_table_move(&t, -1)); /* nothing moved */
	ui_table_free(&t);
}

static void sort_is_stable_and_reversible(void **state)
{
	(void)state;
	struct ui_table t;
	fill(12);
	setup_table(&t);
	ui_table_set_sort(&t, 0, false);
	for (int i = 1; i < t.n_view; i++) {
		int a = t.view[i - 1], b = t.view[i];
		assert_true(rows[a].sev < rows[b].sev || (rows[a].sev == rows[b].sev && a < b));
	}
	ui_table_set_sort(&t, 0, true);
	assert_int_equal(rows[t.view[0]].sev, 3);
	ui_table_free(&t);
}

static void filter_and_selection_survive_a_refresh(void **state)
{
	(void)state;
	struct ui_table t;
	fill(30);
	setup_table(&t);
	ui_table_move_to(&t, 7);
	assert_string_equal(rows[ui_table_selected_row(&t)].key, "k007");
	/* New rows arrive at the top (newest first): the selection stays on k007. */
	memmove(&rows[2], &rows[0], sizeof rows[0] * 30);
	snprintf(rows[0].key, 8, "n000");
	snprintf(rows[1].key, 8, "n001");
	n_rows = 32;
	ui_table_rebuild(&t);
	assert_string_equal(rows[ui_table_selected_row(&t)].key, "k007");
	ui_table_set_filter(&t, "network");
	assert_int_equal(t.n_view, 10 + 1); /* every third of 30, plus a shifted copy */
	for (int i = 0; i < t.n_view; i++)
		assert_true(contains(rows[t.view[i]].title, "network"));
	/* The selected row was filtered out: the selection stays in range. */
	assert_true(t.selected >= 0 && t.selected < t.n_view);
	ui_table_set_filter(&t, "no such thing");
	assert_int_equal(t.n_view, 0);
	assert_int_equal(ui_table_selected_row(&t), -1);
	ui_table_free(&t);
}

static void rows_at_positions(void **state)
{
	(void)state;
	struct ui_table t;
	fill(5);
	setup_table(&t);
	assert_int_equal(ui_table_row_at(&t, 0), -1); /* the header */
	assert_int_equal(ui_table_row_at(&t, 1), 0);
	assert_int_equal(ui_table_row_at(&t, 6), -1); /* past the rows */
	t.no_header = true;
	assert_int_equal(ui_table_row_at(&t, 0), 0);
	ui_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(windowing),
		cmocka_unit_test(sort_is_stable_and_reversible),
		cmocka_unit_test(filter_and_selection_survive_a_refresh),
		cmocka_unit_test(rows_at_positions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
