/* The pager: long text (timelines, command output) scrolled by rows, by half pages sideways,
 * or wrapped. Every step costs what is on screen, never the length of the text: widths are
 * measured once per line and wrapping is worked out only for the lines passed over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

void ui_pager_init(struct ui_pager *p)
{
	memset(p, 0, sizeof *p);
}

void ui_pager_clear(struct ui_pager *p)
{
	for (int i = 0; i < p->n_lines; i++)
		free(p->lines[i].text);
	p->n_lines = 0;
	p->max_cols = 0;
	p->top = p->top_sub = 0;
}

void ui_pager_free(struct ui_pager *p)
{
	ui_pager_clear(p);
	free(p->lines);
	p->lines = NULL;
	p->cap_lines = 0;
}

void ui_pager_add(struct ui_pager *p, int role, const char *text)
{
	if (p->n_lines == p->cap_lines) {
		int nc = p->cap_lines ? p->cap_lines * 2 : 64;
		struct ui_pager_line *nl = realloc(p->lines, (size_t)nc * sizeof *nl);
		if (!nl)
			return;
		p->lines = nl;
		p->cap_lines = nc;
	}
	char *copy = strdup(text ? text : "");
	if (!copy)
		return;
	int cols = ui_text_width(copy, strlen(copy));
	p->lines[p->n_lines++] = (struct ui_pager_line){copy, role, cols};
	if (cols > p->max_cols)
		p->max_cols = cols;
}

/* Rows a line takes when wrapped at the last drawn width. */
static int rows_of(const struct ui_pager *p, int i)
{
	if (!p->wrap || p->width <= 0 || p->lines[i].cols <= p->width)
		return 1;
	return (p->lines[i].cols + p->width - 1) / p->width;
}

/* The last top position that still fills the screen. */
static void last_top(const struct ui_pager *p, int *line, int *sub)
{
	int left = p->height > 0 ? p->height : 1;
	int i = p->n_lines - 1;
	while (i > 0) {
		int r = rows_of(p, i);
		if (r >= left) {
			*line = i;
			*sub = r - left;
			return;
		}
		left -= r;
		i--;
	}
	*line = 0;
	*sub = 0;
	if (i == 0 && rows_of(p, 0) > left)
		*sub = rows_of(p, 0) - left;
}

static void clamp(struct ui_pager *p)
{
	int lt, ls;
	last_top(p, &lt, &ls);
	if (p->top > lt || (p->top == lt && p->top_sub > ls)) {
		p->top = lt;
		p->top_sub = ls;
	}
	if (p->top < 0 || p->n_lines == 0)
		p->top = p->top_sub = 0;
	int max_left = p->max_cols - p->width;
	if (p->left > max_left)
		p->left = max_left;
	if (p->left < 0 || p->wrap)
		p->left = 0;
}

void ui_pager_scroll(struct ui_pager *p, int rows)
{
	while (rows > 0 && p->top < p->n_lines) {
		if (p->top_sub + 1 < rows_of(p, p->top)) {
			p->top_sub++;
		} else {
			p->top++;
			p->top_sub = 0;
		}
		rows--;
	}
	while (rows < 0 && (p->top > 0 || p->top_sub > 0)) {
		if (p->top_sub > 0) {
			p->top_sub--;
		} else {
			p->top--;
			p->top_sub = rows_of(p, p->top) - 1;
		}
		rows++;
	}
	clamp(p);
}

void ui_pager_scroll_h(struct ui_pager *p, int cols)
{
	p->left += cols;
	clamp(p);
}

void ui_pager_home(struct ui_pager *p)
{
	p->top = p->top_sub = 0;
}

void ui_pager_end(struct ui_pager *p)
{
	last_top(p, &p->top, &p->top_sub);
	clamp(p);
}

void ui_pager_toggle_wrap(struct ui_pager *p)
{
	p->wrap = !p->wrap;
	p->top_sub = 0;
	p->left = 0;
	clamp(p);
}

void ui_pager_draw(struct ui_pager *p, WINDOW *w, int y, int x, int h, int width)
{
	bool at_end = false;
	if (p->height != h || p->width != width) {
		/* A new size keeps a pager that showed the end showing the end. */
		int lt, ls;
		last_top(p, &lt, &ls);
		at_end = p->top == lt && p->top_sub == ls;
	}
	p->height = h;
	p->width = width;
	if (at_end)
		ui_pager_end(p);
	clamp(p);
	int line = p->top, sub = p->top_sub;
	for (int r = 0; r < h; r++) {
		if (line >= p->n_lines) {
			ui_fill(w, y + r, x, 1, width, UI_ROLE_NORMAL);
			continue;
		}
		const struct ui_pager_line *l = &p->lines[line];
		if (p->wrap) {
			ui_put_from(w, y + r, x, width, l->role, l->text, sub * width);
			if (++sub >= rows_of(p, line)) {
				line++;
				sub = 0;
			}
		} else {
			ui_put_from(w, y + r, x, width, l->role, l->text, p->left);
			line++;
		}
	}
}
