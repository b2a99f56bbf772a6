/* Small forms: labelled text fields and pick-one fields in a centred box. Tab and the arrows
 * move between fields, Enter submits when every required field is filled. The form never
 * clears its values itself: after an error the caller shows it again as it was. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

void ui_form_init(struct ui_form *f, const char *title)
{
	memset(f, 0, sizeof *f);
	snprintf(f->title, sizeof f->title, "%s", title);
}

struct ui_form_field *ui_form_add_text(struct ui_form *f, const char *label, const char *value,
				       bool required)
{
	if (f->n_fields == UI_FORM_MAX_FIELDS)
		return NULL;
	struct ui_form_field *fl = &f->fields[f->n_fields++];
	memset(fl, 0, sizeof *fl);
	fl->label = label;
	fl->required = required;
	ui_input_set(&fl->input, value);
	return fl;
}

struct ui_form_field *ui_form_add_choice(struct ui_form *f, const char *label,
					 const char *const *choices, int n, int selected)
{
	if (f->n_fields == UI_FORM_MAX_FIELDS)
		return NULL;
	struct ui_form_field *fl = &f->fields[f->n_fields++];
	memset(fl, 0, sizeof *fl);
	fl->label = label;
	fl->is_choice = true;
	fl->n_choices = n < UI_FORM_MAX_CHOICES ? n : UI_FORM_MAX_CHOICES;
	for (int i = 0; i < fl->n_choices; i++)
		fl->choices[i] = choices[i];
	fl->choice = selected >= 0 && selected < fl->n_choices ? selected : 0;
	return fl;
}

struct ui_form_field *ui_form_add_secret(struct ui_form *f, const char *label, bool required)
{
	struct ui_form_field *fl = ui_form_add_text(f, label, "", required);
	if (fl)
		fl->secret = true;
	return fl;
}

void ui_form_wipe(struct ui_form *f)
{
	for (int i = 0; i < f->n_fields; i++) {
		struct ui_input *in = &f->fields[i].input;
		if (!f->fields[i].secret)
			continue;
		explicit_bzero(in->text, sizeof in->text);
		in->len = in->cursor = 0;
		in->scroll = 0;
	}
}

/* A secret field as drawn: one * per character of its text, the cursor where it is. */
static void draw_secret(struct ui_input *in, WINDOW *w, int y, int x, int width, int role,
			bool focus)
{
	struct ui_input shown = {.scroll = in->scroll};
	for (size_t i = 0; i < in->len && shown.len + 1 < sizeof shown.text; i++) {
		if (((unsigned char)in->text[i] & 0xC0) == 0x80)
			continue; /* a UTF-8 continuation byte: the same character */
		if (i < in->cursor)
			shown.cursor++;
		shown.text[shown.len++] = '*';
	}
	ui_input_draw(&shown, w, y, x, width, role, focus);
	in->scroll = shown.scroll;
}

const char *ui_form_value(const struct ui_form *f, int field)
{
	if (field < 0 || field >= f->n_fields)
		return "";
	const struct ui_form_field *fl = &f->fields[field];
	if (fl->is_choice)
		return fl->n_choices ? fl->choices[fl->choice] : "";
	return fl->input.text;
}

static int first_missing(const struct ui_form *f)
{
	for (int i = 0; i < f->n_fields; i++) {
		const char *v = ui_form_value(f, i);
		while (*v == ' ')
			v++;
		if (f->fields[i].required && !*v)
			return i;
	}
	return -1;
}

int ui_form_key(struct ui_form *f, int key, int *flags)
{
	struct ui_form_field *fl = &f->fields[f->focus];
	*flags = UI_HANDLED | UI_REDRAW;
	switch (key) {
	case UI_KEY_ESC:
		return UI_FORM_CANCEL;
	case UI_KEY_TAB:
	case UI_KEY_FN(KEY_DOWN):
		f->focus = (f->focus + 1) % f->n_fields;
		return UI_FORM_NONE;
	case UI_KEY_FN(KEY_BTAB):
	case UI_KEY_FN(KEY_UP):
		f->focus = (f->focus + f->n_fields - 1) % f->n_fields;
		return UI_FORM_NONE;
	case UI_KEY_ENTER: {
		int missing = first_missing(f);
		if (missing < 0)
			return UI_FORM_SUBMIT;
		snprintf(f->error, sizeof f->error, "%s is required", f->fields[missing].label);
		f->focus = missing;
		return UI_FORM_NONE;
	}
	default:
		break;
	}
	if (fl->is_choice) {
		/* Left/right, space, or the first letter of a choice. */
		if (key == UI_KEY_FN(KEY_LEFT) || key == 'h')
			fl->choice = (fl->choice + fl->n_choices - 1) % fl->n_choices;
		else if (key == UI_KEY_FN(KEY_RIGHT) || key == 'l' || key == ' ')
			fl->choice = (fl->choice + 1) % fl->n_choices;
		else if (key >= '0' && key <= '9') {
			for (int i = 0; i < fl->n_choices; i++)
				if (strchr(fl->choices[i], key)) {
					fl->choice = i;
					break;
				}
		}
		return UI_FORM_NONE;
	}
	if (ui_input_key(&fl->input, key) == UI_IGNORED)
		*flags = UI_HANDLED; /* a form is modal: unknown keys are swallowed */
	return UI_FORM_NONE;
}

void ui_form_draw(struct ui_form *f, WINDOW *w)
{
	int label_w = 0;
	for (int i = 0; i < f->n_fields; i++) {
		int lw = ui_text_width(f->fields[i].label, strlen(f->fields[i].label));
		if (lw > label_w)
			label_w = lw;
	}
	int want_h = f->n_fields * 2 + 5, y, x, h, width;
	/* On a narrow terminal a form takes the whole width: slivers of rows beside it would
	 * be unreadable anyway. */
	ui_dialog_frame(w, want_h, getmaxx(w) < 100 ? getmaxx(w) : 72, f->title, &y, &x, &h,
			&width);
	int in_x = x + 2 + label_w + 2, in_w = width - (in_x - x) - 2;
	for (int i = 0; i < f->n_fields && 2 + i * 2 < h - 1; i++) {
		struct ui_form_field *fl = &f->fields[i];
		int row = y + 2 + i * 2;
		bool focus = i == f->focus;
		ui_put(w, row, x + 2, label_w + 1, focus ? UI_ROLE_DIALOG_TITLE : UI_ROLE_DIALOG,
		       fl->label);
		int role = focus ? UI_ROLE_INPUT_FOCUS : UI_ROLE_INPUT;
		if (fl->is_choice) {
			int cx = in_x;
			ui_put(w, row, cx, in_w, UI_ROLE_DIALOG, "");
			for (int c = 0; c < fl->n_choices && cx < in_x + in_w; c++) {
				int cw = ui_text_width(fl->choices[c], strlen(fl->choices[c])) + 2;
				int avail = in_x + in_w - cx;
				char item[80];
				/* Brackets mark the choice without colour too (mono, NO_COLOR). */
				snprintf(item, sizeof item, c == fl->choice ? "[%s]" : " %s ",
					 fl->choices[c]);
				ui_put_clip(w, row, cx, cw < avail ? cw : avail,
					    c == fl->choice ? role : UI_ROLE_DIALOG, item);
				cx += cw + 1;
			}
		} else if (fl->secret) {
			draw_secret(&fl->input, w, row, in_x, in_w, role, focus);
		} else {
			ui_input_draw(&fl->input, w, row, in_x, in_w, role, focus);
		}
	}
	if (f->error[0])
		ui_put_clip(w, y + h - 3, x + 2, width - 4, UI_ROLE_ERROR, f->error);
	ui_put_clip(w, y + h - 2, x + 2, width - 4, UI_ROLE_DIM,
		    f->hint[0] ? f->hint : "Tab next field · Enter submit · Esc close");
}
