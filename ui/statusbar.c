/* The status bar: the application's left and right segments, and transient messages that
 * take the left side for a while (errors stay longer) and then give it back. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

void ui_statusbar_message(struct ui_statusbar *s, enum ui_msg_kind kind, const char *text,
			  int64_t now_ms, int64_t duration_ms)
{
	snprintf(s->message, sizeof s->message, "%s", text);
	/* One line only: a multi-line server message must not tear the bar. */
	for (char *c = s->message; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	s->kind = kind;
	s->message_until = now_ms + duration_ms;
}

bool ui_statusbar_expire(struct ui_statusbar *s, int64_t now_ms)
{
	if (s->message[0] && now_ms >= s->message_until) {
		s->message[0] = 0;
		return true;
	}
	return false;
}

void ui_statusbar_draw(const struct ui_statusbar *s, WINDOW *w, int y, int width)
{
	int rw = ui_text_width(s->right, strlen(s->right));
	if (rw > width / 2)
		rw = width / 2;
	int lw = width - rw;
	if (s->message[0]) {
		int role = s->kind == UI_MSG_ERROR	? UI_ROLE_ERROR
			   : s->kind == UI_MSG_DENIED ? UI_ROLE_DENIED
						      : UI_ROLE_MESSAGE;
		ui_put_clip(w, y, 0, lw, role, s->message);
	} else {
		ui_put_clip(w, y, 0, lw, UI_ROLE_STATUS_BAR, s->left);
	}
	ui_put_clip(w, y, lw, rw, s->right_role, s->right);
}
