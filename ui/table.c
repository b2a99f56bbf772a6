/* The virtualized table: the model keeps the rows, the table keeps a view (the filtered,
 * sorted row indexes) and draws only the rows on screen. A refresh rebuilds the view and
 * finds the selected row again by its key, so the selection survives new data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

void ui_table_init(struct ui_table *t, const struct ui_table_column *cols, int n,
		   struct ui_table_model model)
{
	memset(t, 0, sizeof *t);
	t->columns = cols;
	t->n_columns = n;
	t->model = model;
	t->selected = -1;
	t->prev_selected = -1;
	t->sort_col = -1;
	t->focused = true;
}

void ui_table_free(struct ui_table *t)
{
	free(t->view);
	t->view = NULL;
	t->n_view = t->cap_view = 0;
}

/* qsort has no context argument in C11: the table being sorted is held here for the
 * duration of one sort (the UI is single-threaded). */
static const struct ui_table *sorting;

static int cmp_rows(const void *a, const void *b)
{
	int ra = *(const int *)a, rb = *(const int *)b;
	int c = sorting->model.compare(sorting->model.ctx, ra, rb, sorting->sort_col);
	if (sorting->sort_desc)
		c = -c;
	/* Ties keep the model's order, so sorting is stable and refreshes do not shuffle. */
	return c ? c : (ra > rb) - (ra < rb);
}

void ui_table_rebuild(struct ui_table *t)
{
	char key[sizeof t->sel_key];
	memcpy(key, t->sel_key, sizeof key);
	int old_sel = t->selected;
	int count = t->model.count(t->model.ctx);
	if (count > t->cap_view) {
		int *nv = realloc(t->view, (size_t)count * sizeof *nv);
		if (!nv)
			count = t->cap_view;
		else {
			t->view = nv;
			t->cap_view = count;
		}
	}
	t->n_view = 0;
	for (int r = 0; r < count; r++)
		if (!t->filter[0] || !t->model.match || t->model.match(t->model.ctx, r, t->filter))
			t->view[t->n_view++] = r;
	if (t->sort_col >= 0 && t->model.compare && t->n_view > 1) {
		sorting = t;
		qsort(t->view, (size_t)t->n_view, sizeof *t->view, cmp_rows);
		sorting = NULL;
	}
	t->selected = -1;
	if (key[0] && t->model.key)
		for (int i = 0; i < t->n_view; i++)
			if (strcmp(t->model.key(t->model.ctx, t->view[i]), key) == 0) {
				t->selected = i;
				break;
			}
	/* A vanished row leaves the selection where it was, not at the top. */
	if (t->selected < 0 && t->n_view > 0)
		t->selected = old_sel < 0 ? 0 : old_sel < t->n_view ? old_sel : t->n_view - 1;
	t->prev_selected = -1;
	ui_table_move(t, 0);
}

void ui_table_set_filter(struct ui_table *t, const char *filter)
{
	snprintf(t->filter, sizeof t->filter, "%s", filter ? filter : "");
	ui_table_rebuild(t);
}

void ui_table_set_sort(struct ui_table *t, int col, bool desc)
{
	t->sort_col = col < t->n_columns ? col : -1;
	t->sort_desc = desc;
	ui_table_rebuild(t);
}

void ui_table_set_height(struct ui_table *t, int height)
{
	t->height = height > 0 ? height : 0;
	ui_table_move(t, 0);
}

bool ui_table_move_to(struct ui_table *t, int index)
{
	int before = t->selected, top_before = t->top;
	if (t->n_view == 0) {
		/* An empty view keeps the key: the row may come back when the filter changes. */
		t->selected = -1;
		t->top = 0;
		return before != -1;
	}
	if (index < 0)
		index = 0;
	if (index >= t->n_view)
		index = t->n_view - 1;
	t->selected = index;
	/* Keep the selection on screen with the least scrolling. */
	if (t->height > 0) {
		if (t->selected < t->top)
			t->top = t->selected;
		if (t->selected >= t->top + t->height)
			t->top = t->selected - t->height + 1;
		if (t->top > t->n_view - t->height)
			t->top = t->n_view - t->height;
	}
	if (t->top < 0)
		t->top = 0;
	if (t->model.key) {
		const char *k = t->model.key(t->model.ctx, t->view[t->selected]);
		size_t n = strnlen(k, sizeof t->sel_key - 1);
		memcpy(t->sel_key, k, n);
		t->sel_key[n] = 0;
	}
	if (t->selected != before)
		t->prev_selected = before;
	if (t->top != top_before)
		t->prev_selected = -2; /* scrolled: every visible row changed */
	return t->selected != before || t->top != top_before;
}

bool ui_table_move(struct ui_table *t, int delta)
{
	return ui_table_move_to(t, (t->selected < 0 ? 0 : t->selected) + delta);
}

int ui_table_selected_row(const struct ui_table *t)
{
	return t->selected >= 0 && t->selected < t->n_view ? t->view[t->selected] : -1;
}

int ui_table_row_at(const struct ui_table *t, int y_in_box)
{
	int head = t->no_header ? 0 : 1; /* the header takes the first row */
	int i = t->top + y_in_box - head;
	return y_in_box >= head && i < t->n_view ? i : -1;
}

static void draw_row(struct ui_table *t, WINDOW *w, int y, int x, int width, const int *widths,
		     int i)
{
	int row = t->view[i];
	bool sel = i == t->selected && t->focused;
	int col_x = x;
	for (int c = 0; c < t->n_columns; c++) {
		if (widths[c] <= 0)
			continue;
		char cell[512];
		t->model.cell(t->model.ctx, row, c, cell, sizeof cell);
		int role = t->model.role ? t->model.role(t->model.ctx, row, c) : -1;
		if (sel)
			role = UI_ROLE_SELECTION;
		else if (role < 0)
			role = UI_ROLE_NORMAL;
		int cw = ui_text_width(cell, strlen(cell));
		if (t->columns[c].right && cw < widths[c]) {
			ui_put(w, y, col_x, widths[c] - cw, role, "");
			ui_put(w, y, col_x + widths[c] - cw, cw, role, cell);
		} else {
			ui_put_clip(w, y, col_x, widths[c], role, cell);
		}
		col_x += widths[c];
		if (col_x < x + width) /* the gap, in the row's colour so a selection is one bar */
			ui_put(w, y, col_x, 1, sel ? UI_ROLE_SELECTION : UI_ROLE_NORMAL, " ");
		col_x++;
	}
}

void ui_table_draw(struct ui_table *t, WINDOW *w, int y, int x, int h, int width,
		   bool only_selection)
{
	int widths[64] = {0};
	struct ui_column_spec spec[64] = {{0}};
	int n = t->n_columns < 64 ? t->n_columns : 64;
	for (int c = 0; c < n; c++)
		spec[c] = t->columns[c].spec;
	ui_layout_columns(width, spec, n, widths);
	int head = t->no_header ? 0 : 1;
	ui_table_set_height(t, h - head);
	if (only_selection && t->prev_selected >= -1) {
		/* Just the two rows whose look changed: a cursor move costs two rows of cells. */
		int rows[2] = {t->prev_selected, t->selected};
		for (int k = 0; k < 2; k++)
			if (rows[k] >= t->top && rows[k] < t->top + t->height && rows[k] < t->n_view) {
				ui_fill(w, y + head + rows[k] - t->top, x, 1, width, UI_ROLE_NORMAL);
				draw_row(t, w, y + head + rows[k] - t->top, x, width, widths, rows[k]);
			}
		t->prev_selected = t->selected;
		return;
	}
	int col_x = x;
	if (head)
		ui_fill(w, y, x, 1, width, UI_ROLE_HEADER);
	for (int c = 0; head && c < n; c++) {
		if (widths[c] <= 0)
			continue;
		char title[128];
		snprintf(title, sizeof title, "%s%s", t->columns[c].title,
			 c == t->sort_col ? ui_glyph(t->sort_desc ? UI_G_DOWN : UI_G_UP) : "");
		ui_put_clip(w, y, col_x, widths[c], UI_ROLE_HEADER, title);
		col_x += widths[c] + 1;
	}
	for (int r = 0; r < t->height; r++) {
		int i = t->top + r;
		ui_fill(w, y + head + r, x, 1, width, UI_ROLE_NORMAL);
		if (i < t->n_view)
			draw_row(t, w, y + head + r, x, width, widths, i);
	}
	t->prev_selected = t->selected;
}
