/* The status bar's words: where the console is (mode, store or server, tenant, actor, read-only)
 * on the left; on the right the ledger witness's word and the connection — online, loading,
 * no answer, offline — with the age of the last good answer. */
#include <stdio.h>
#include <string.h>

#include "app.h"

void app_note_connection(struct app *a, const struct backend_response *resp)
{
	bool down = resp->status == 503;
	if (down && a->online) {
		char text[400];
		app_message(a, UI_MSG_ERROR, "backend unavailable: %s",
			    backend_error_text(resp, text, sizeof text));
	} else if (!down && !a->online && a->ever_ok) {
		app_message(a, UI_MSG_INFO, "connection restored");
	}
	a->online = !down;
	if (!down) {
		a->ever_ok = true;
		a->last_ok_ms = app_mono_ms(a);
	}
	a->dirty |= UI_REDRAW_STATUS;
}

void app_status_text(struct app *a)
{
	const struct console_options *o = a->opt;
	char loc[80];
	const char *l = o->location ? o->location : "";
	/* Long paths keep their end, which names the store. */
	int lw = ui_text_width(l, strlen(l));
	if (lw > 36)
		snprintf(loc, sizeof loc, "%s%s", ui_glyph(UI_G_ELLIPSIS), l + strlen(l) - 34);
	else
		snprintf(loc, sizeof loc, "%s", l);
	char who[80];
	if (o->actor)
		snprintf(who, sizeof who, "%s", o->actor);
	else if (a->actor_name[0])
		snprintf(who, sizeof who, "%s", a->actor_name);
	else if (o->token_hint)
		snprintf(who, sizeof who, "token %s%s", ui_glyph(UI_G_ELLIPSIS), o->token_hint);
	else
		snprintf(who, sizeof who, "-");
	const char *tenant = o->tenant ? o->tenant : a->tenant_id[0] ? a->tenant_id : "?";
	char ledger[64];
	int ledger_role = UI_ROLE_STATUS_OK;
	gov_status(a, ledger, sizeof ledger, &ledger_role);
	snprintf(a->status.left, sizeof a->status.left, " %s %s %s %s %s %s%s%s", o->mode, loc,
		 ui_glyph(UI_G_VLINE), tenant, ui_glyph(UI_G_VLINE), who,
		 a->read_only ? "  READ-ONLY " : "", a->read_only ? a->read_only_why : "");
	int64_t now = app_mono_ms(a);
	char age[16] = "-";
	if (a->ever_ok)
		inc_age(now - a->last_ok_ms, age, sizeof age);
	bool pending = async_pending(a->async) > 0;
	bool stale = a->ever_ok && now - a->last_ok_ms > 2 * (int64_t)a->refresh_ms + 1000;
	int64_t silent = a->pending_fg > 0 ? now - a->waiting_since_ms : 0;
	static const char spin[] = "|/-\\";
	if (!a->online) {
		snprintf(a->status.right, sizeof a->status.right, "%s offline %s stale %s ",
			 ui_glyph(UI_G_CROSS), ui_glyph(UI_G_VLINE), age);
		a->status.right_role = UI_ROLE_ERROR;
	} else if (pending && !a->script && silent >= APP_SILENT_MS) {
		/* Asked and never answered: a hung server is an error, not slow loading. */
		snprintf(a->status.right, sizeof a->status.right, "%s no answer for %llds %s %s ",
			 ui_glyph(UI_G_CROSS), (long long)(silent / 1000), ui_glyph(UI_G_VLINE), age);
		a->status.right_role = UI_ROLE_ERROR;
	} else if (pending && !a->script) {
		snprintf(a->status.right, sizeof a->status.right, "%c loading %s %s ",
			 spin[a->spinner % 4], ui_glyph(UI_G_VLINE), age);
		a->status.right_role = stale ? UI_ROLE_STATUS_WARN : UI_ROLE_STATUS_BAR;
	} else {
		snprintf(a->status.right, sizeof a->status.right, "%s %s %s %s%s ",
			 ui_glyph(UI_G_BULLET), a->ever_ok ? "online" : "connecting",
			 ui_glyph(UI_G_VLINE), stale ? "stale " : "", age);
		a->status.right_role = stale ? UI_ROLE_STATUS_WARN : UI_ROLE_STATUS_OK;
	}
	size_t ll = strlen(ledger), rl = strlen(a->status.right);
	if (ll && ll + rl < sizeof a->status.right) { /* the witness's word first */
		memmove(a->status.right + ll, a->status.right, rl + 1);
		memcpy(a->status.right, ledger, ll);
		/* an alarm colours the whole segment */
		if (ledger_role == UI_ROLE_ERROR || a->status.right_role == UI_ROLE_STATUS_OK)
			a->status.right_role = ledger_role;
	}
}
