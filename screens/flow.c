/* The flow of one change, a notice box and JSON field access (see flow.h). Like the incident
 * dialogs (change.c): nothing is sent without an explicit y, an error never loses what was
 * typed, and a retry of the same body reuses its Idempotency-Key so it cannot happen twice. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flow.h"

struct ui_form *flow_form(struct flow *f, int kind, const char *title)
{
	f->kind = kind;
	f->has_form = true;
	f->confirming = f->sending = false;
	ui_form_init(&f->form, title);
	return &f->form;
}

void flow_question(struct flow *f, int kind, const char *question)
{
	f->kind = kind;
	f->has_form = false;
	f->sending = false;
	flow_ask(f, question);
}

bool flow_active(const struct flow *f)
{
	return f->kind != 0;
}

void flow_ask(struct flow *f, const char *question)
{
	ui_confirm_open(&f->confirm, question);
	f->confirming = true;
}

void flow_close(struct flow *f)
{
	f->kind = 0;
	f->confirming = f->sending = f->has_form = false;
}

int flow_key(struct flow *f, struct app *a, int key, int *event)
{
	*event = FLOW_NONE;
	if (f->sending)
		return UI_HANDLED; /* one change at a time; its answer closes or reopens the form */
	if (f->confirming) {
		int r = ui_confirm_key(&f->confirm, key);
		if (r == UI_CONFIRM_NONE)
			return UI_HANDLED;
		f->confirming = false;
		if (r == UI_CONFIRM_YES) {
			*event = FLOW_YES;
		} else if (!f->has_form) {
			flow_close(f);
			*event = FLOW_CANCEL;
		}
		return UI_HANDLED | UI_REDRAW;
	}
	int flags = 0;
	int r = ui_form_key(&f->form, key, &flags);
	if (r == UI_FORM_CANCEL) {
		flow_close(f);
		*event = FLOW_CANCEL;
		app_message(a, UI_MSG_INFO, "closed; nothing was changed");
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (r == UI_FORM_SUBMIT) {
		f->form.error[0] = 0;
		*event = FLOW_SUBMIT;
	}
	return flags | UI_HANDLED | UI_REDRAW;
}

bool flow_send(struct flow *f, struct app *a, struct screen *s, struct backend_request *req,
	       int tag)
{
	const char *body = req->body ? req->body : "";
	if (!f->last_body || strcmp(f->last_body, body) != 0) {
		app_new_key(f->key);
		free(f->last_body);
		f->last_body = strdup(body);
	}
	req->idempotency_key = f->key;
	if (!app_change(a, s, req, tag, NULL)) {
		if (!f->has_form)
			flow_close(f);
		return false;
	}
	f->sending = true;
	if (f->has_form)
		snprintf(f->form.hint, sizeof f->form.hint, "sending%s", ui_glyph(UI_G_ELLIPSIS));
	return true;
}

bool flow_reply(struct flow *f, struct app *a, const struct backend_response *resp,
		const char *what, int *flags)
{
	f->sending = false;
	f->form.hint[0] = 0;
	*flags = UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	if (resp->status >= 200 && resp->status < 300) {
		flow_close(f);
		free(f->last_body);
		f->last_body = NULL;
		return true;
	}
	if (f->has_form && f->kind) /* the form again, as typed, with what went wrong */
		backend_error_text(resp, f->form.error, sizeof f->form.error);
	else
		flow_close(f);
	app_error_message(a, what, resp);
	return false;
}

void flow_draw(struct flow *f)
{
	if (!f->kind)
		return;
	if (f->has_form)
		ui_form_draw(&f->form, stdscr);
	if (f->confirming)
		ui_confirm_draw(&f->confirm, stdscr);
}

void flow_free(struct flow *f)
{
	free(f->last_body);
	f->last_body = NULL;
}

/* ---- notice ---- */

static void notice_wipe(struct notice *n)
{
	for (int i = 0; n->secret && i < n->pager.n_lines; i++)
		explicit_bzero(n->pager.lines[i].text, strlen(n->pager.lines[i].text));
	ui_pager_clear(&n->pager);
}

void notice_open(struct notice *n, const char *title, bool secret)
{
	notice_wipe(n);
	snprintf(n->title, sizeof n->title, "%s", title);
	n->secret = secret;
	n->open = true;
}

void notice_add(struct notice *n, int role, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	ui_pager_add(&n->pager, role, text);
	if (n->secret)
		explicit_bzero(text, sizeof text);
}

void notice_close(struct notice *n)
{
	notice_wipe(n);
	ui_pager_free(&n->pager);
	n->open = false;
}

int notice_key(struct notice *n, int key)
{
	if (!n->open)
		return UI_IGNORED;
	if (key == UI_KEY_ENTER || key == UI_KEY_ESC || key == 'q')
		notice_close(n);
	else if (key == 'j' || key == UI_KEY_FN(KEY_DOWN))
		ui_pager_scroll(&n->pager, 1);
	else if (key == 'k' || key == UI_KEY_FN(KEY_UP))
		ui_pager_scroll(&n->pager, -1);
	return UI_HANDLED | UI_REDRAW;
}

void notice_draw(struct notice *n)
{
	if (!n->open)
		return;
	int y, x, h, w;
	ui_dialog_frame(stdscr, n->pager.n_lines + 5, COLS < 100 ? COLS : 84, n->title, &y, &x, &h,
			&w);
	if (h < 4)
		return;
	ui_pager_draw(&n->pager, stdscr, y + 2, x + 2, h - 4, w - 4);
	ui_put_clip(stdscr, y + h - 2, x + 2, w - 4, UI_ROLE_DIM, "Enter or Esc closes");
}
