/* The dialog flow of every runbook change: an optional form, a typed runbook id when the
 * risk is high or critical (a y pressed by habit is not enough for those), then an explicit
 * y/n under the text of what will happen (for an approval, the exact statement that is
 * signed). While the answer is awaited the dialog steps aside, so a slow server never traps
 * the keys; the answer reopens the form with its error or closes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runbook.h"

void run_dialog_init(struct run_dialog *d)
{
	memset(d, 0, sizeof *d);
	d->typed_field = -1;
	ui_pager_init(&d->text);
	d->text.wrap = true;
}

void run_dialog_free(struct run_dialog *d)
{
	ui_pager_free(&d->text);
	free(d->last_body);
	d->last_body = NULL;
}

bool run_dialog_active(const struct run_dialog *d)
{
	return d->stage == RD_FORM || d->stage == RD_CONFIRM;
}

struct ui_form *run_dialog_form(struct run_dialog *d, int what, const char *title)
{
	ui_form_init(&d->form, title);
	ui_pager_clear(&d->text);
	d->has_form = true;
	d->typed_field = -1;
	d->hint[0] = 0;
	d->what = what;
	d->stage = RD_FORM;
	return &d->form;
}

void run_dialog_require_typed(struct run_dialog *d, const char *id, const char *risk)
{
	snprintf(d->typed, sizeof d->typed, "%s", id);
	snprintf(d->typed_label, sizeof d->typed_label, "Runbook id");
	if (ui_form_add_text(&d->form, d->typed_label, "", true))
		d->typed_field = d->form.n_fields - 1;
	snprintf(d->hint, sizeof d->hint, "%.10s risk: type %.60s to confirm · Enter · Esc close",
		 risk, id);
	snprintf(d->form.hint, sizeof d->form.hint, "%s", d->hint);
}

void run_dialog_start(struct run_dialog *d)
{
	ui_pager_clear(&d->text);
	d->has_form = false;
	d->typed_field = -1;
	d->stage = RD_CLOSED;
}

void run_dialog_ask(struct run_dialog *d, int what, const char *question)
{
	if (d->stage != RD_FORM) /* straight to y/n: no form behind it */
		d->has_form = false;
	d->what = what;
	ui_confirm_open(&d->confirm, question);
	d->stage = RD_CONFIRM;
}

void run_dialog_text(struct run_dialog *d, const char *title, int role, const char *line)
{
	snprintf(d->text_title, sizeof d->text_title, "%s", title);
	ui_pager_add(&d->text, role, line);
}

const char *run_dialog_value(struct run_dialog *d, int field, char *buf, size_t len)
{
	const char *v = ui_form_value(&d->form, field);
	while (*v == ' ')
		v++;
	snprintf(buf, len, "%s", v);
	for (size_t n = strlen(buf); n > 0 && buf[n - 1] == ' ';)
		buf[--n] = 0;
	return buf;
}

/* The typed id must match exactly: a near miss is treated as "not sure". */
static bool typed_ok(struct run_dialog *d)
{
	char v[512];
	if (d->typed_field < 0)
		return true;
	if (!strcmp(run_dialog_value(d, d->typed_field, v, sizeof v), d->typed))
		return true;
	snprintf(d->form.error, sizeof d->form.error, "type %s exactly to confirm", d->typed);
	d->form.focus = d->typed_field;
	return false;
}

enum rd_event run_dialog_key(struct run_dialog *d, int key, int *flags)
{
	*flags = UI_HANDLED | UI_REDRAW;
	if (d->stage == RD_CONFIRM) {
		int r = ui_confirm_key(&d->confirm, key);
		if (r == UI_CONFIRM_NONE) {
			*flags = UI_HANDLED;
			return RD_NONE;
		}
		if (r == UI_CONFIRM_YES)
			return RD_YES;
		/* n: back to the form with what was typed, or closed when there is none. */
		d->stage = d->has_form ? RD_FORM : RD_CLOSED;
		return d->has_form ? RD_NONE : RD_CANCEL;
	}
	if (d->stage != RD_FORM) {
		*flags = UI_IGNORED;
		return RD_NONE;
	}
	int r = ui_form_key(&d->form, key, flags);
	if (r == UI_FORM_CANCEL) {
		d->stage = RD_CLOSED;
		return RD_CANCEL;
	}
	if (r == UI_FORM_SUBMIT && typed_ok(d)) {
		d->form.error[0] = 0;
		ui_pager_clear(&d->text); /* the caller writes what the answer will say afresh */
		return RD_SUBMIT;
	}
	return RD_NONE;
}

const char *run_dialog_idempotency(struct run_dialog *d, const char *body)
{
	/* A retry of the very same change (after a timeout, say) reuses its key, so the server
	 * answers the first attempt again instead of running a step twice. */
	if (!d->last_body || !body || strcmp(d->last_body, body) != 0) {
		app_new_key(d->key);
		free(d->last_body);
		d->last_body = body ? strdup(body) : NULL;
	}
	return d->key;
}

void run_dialog_sending(struct run_dialog *d)
{
	d->stage = RD_SENDING;
}

void run_dialog_answer(struct run_dialog *d, bool ok, const char *error)
{
	if (ok) {
		free(d->last_body);
		d->last_body = NULL;
		d->stage = RD_CLOSED;
		return;
	}
	if (d->has_form && d->stage == RD_SENDING) {
		snprintf(d->form.error, sizeof d->form.error, "%s", error ? error : "failed");
		d->stage = RD_FORM;
	} else if (d->stage == RD_SENDING) {
		d->stage = RD_CLOSED;
	}
}

static void draw_text_confirm(struct run_dialog *d)
{
	int lines = d->text.n_lines, want_w = 40;
	for (int i = 0; i < lines; i++)
		if (d->text.lines[i].cols + 6 > want_w)
			want_w = d->text.lines[i].cols + 6;
	int qw = ui_text_width(d->confirm.question, strlen(d->confirm.question)) + 6;
	if (qw > want_w)
		want_w = qw;
	int y, x, h, w;
	ui_dialog_frame(stdscr, lines + 7, want_w, d->text_title, &y, &x, &h, &w);
	if (h < 5 || w < 8)
		return;
	/* The text wraps rather than scrolls sideways: every byte of it must be seen. */
	ui_pager_draw(&d->text, stdscr, y + 2, x + 3, h - 6, w - 6);
	ui_put_clip(stdscr, y + h - 3, x + 3, w - 6, UI_ROLE_DIALOG_TITLE, d->confirm.question);
	ui_put_clip(stdscr, y + h - 2, x + 3, w - 6, UI_ROLE_DIM, "y yes · n no");
}

void run_dialog_draw(struct run_dialog *d)
{
	if (d->stage == RD_FORM) {
		if (d->typed_field >= 0 && !d->form.hint[0])
			snprintf(d->form.hint, sizeof d->form.hint, "%s", d->hint);
		ui_form_draw(&d->form, stdscr);
	} else if (d->stage == RD_CONFIRM) {
		if (d->has_form)
			ui_form_draw(&d->form, stdscr);
		if (d->text.n_lines > 0)
			draw_text_confirm(d);
		else
			ui_confirm_draw(&d->confirm, stdscr);
	}
}
