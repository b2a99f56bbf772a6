/* Dialogs: the frame every overlay uses, and the confirmation that guards every change.
 * A confirmation takes only an explicit y or n (Esc is no): Enter, the key most likely to be
 * pressed by a hand that meant the previous screen, is ignored. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

void ui_dialog_frame(WINDOW *w, int want_h, int want_w, const char *title, int *y, int *x,
		     int *h, int *width)
{
	int lines, cols;
	getmaxyx(w, lines, cols);
	/* The status bar stays visible under any dialog. */
	ui_layout_center(lines - 1, cols, want_h, want_w, y, x, h, width);
	ui_box(w, *y, *x, *h, *width, UI_ROLE_DIALOG, title);
}

void ui_confirm_open(struct ui_confirm *c, const char *question)
{
	snprintf(c->question, sizeof c->question, "%s", question);
	c->open = true;
}

int ui_confirm_key(struct ui_confirm *c, int key)
{
	if (key == 'y' || key == 'Y') {
		c->open = false;
		return UI_CONFIRM_YES;
	}
	if (key == 'n' || key == 'N' || key == UI_KEY_ESC) {
		c->open = false;
		return UI_CONFIRM_NO;
	}
	return UI_CONFIRM_NONE;
}

void ui_confirm_draw(const struct ui_confirm *c, WINDOW *w)
{
	int qw = ui_text_width(c->question, strlen(c->question));
	int y, x, h, width;
	ui_dialog_frame(w, 6, qw + 6 < 40 ? 40 : qw + 6, "Confirm", &y, &x, &h, &width);
	if (h < 3)
		return;
	ui_put_clip(w, y + 2, x + 3, width - 6, UI_ROLE_DIALOG, c->question);
	if (h >= 5)
		ui_put_clip(w, y + h - 2, x + 3, width - 6, UI_ROLE_DIM, "y yes · n no");
}
