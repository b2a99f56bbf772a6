/* The approval backlog in the status bar: when the server's alerts (GET /alerts) say the
 * queue is over its threshold, the bar shows how many wait and how old the oldest is, on every
 * screen, until the queue drains. The server decides the threshold; the oldest age is worked
 * out here from the oldest pending approval, so it keeps counting between refreshes. Alerts
 * that the banner leaves out (it stands only for those a person acts on at once) and that no
 * screen shows, such as refused incident transitions, take the same place when there is no
 * backlog. One console runs per process, so the state is this file's. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runbook.h"

static struct {
	bool asking, over;
	int count;
	int64_t oldest_ms; /* 0 until the oldest is known */
	char other[160];   /* the first other alert's message, "" when none */
	int n_other;
} backlog;

/* The banner's own alerts (governance.c): not repeated here. */
static bool banner_kind(const char *kind)
{
	return !strcmp(kind, "unacknowledged_exceptions") || !strcmp(kind, "integrity_failure");
}

void backlog_refresh(struct app *a)
{
	if (backlog.asking)
		return;
	struct backend_request req = {.op = "alert.list"};
	backlog.asking = app_request(a, NULL, &req, BACKLOG_TAG_ALERTS, NULL) == 0;
}

static void take_alerts(struct app *a, const struct backend_response *resp)
{
	backlog.asking = false;
	if (resp->status != 200)
		return; /* offline or not allowed: what was shown stands (or nothing) */
	cJSON *root = cJSON_Parse(resp->body);
	const cJSON *it, *found = NULL;
	char other[sizeof backlog.other] = "";
	int n_other = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "items"))
	{
		const char *kind = rb_json_str(it, "kind");
		if (!strcmp(kind, "approval_backlog"))
			found = it;
		else if (*kind && !banner_kind(kind) && n_other++ == 0)
			rb_copy(other, sizeof other, rb_json_str(it, "message"));
	}
	int count = rb_json_int(found, "count", 0);
	if ((found != NULL) != backlog.over || count != backlog.count ||
	    strcmp(other, backlog.other) || n_other != backlog.n_other)
		a->dirty |= UI_REDRAW_STATUS;
	backlog.over = found != NULL;
	backlog.count = count;
	snprintf(backlog.other, sizeof backlog.other, "%s", other);
	backlog.n_other = n_other;
	cJSON_Delete(root);
	if (!backlog.over)
		return;
	/* The queue is ordered oldest first: one item says how long the wait has been. */
	struct backend_param q[] = {{"status", "pending"}, {"limit", "1"}, {NULL, NULL}};
	struct backend_request req = {.op = "approval.list", .query = q};
	app_request(a, NULL, &req, BACKLOG_TAG_OLDEST, NULL);
}

void backlog_reply(struct app *a, int tag, const struct backend_response *resp)
{
	if (tag == BACKLOG_TAG_ALERTS) {
		take_alerts(a, resp);
		return;
	}
	if (resp->status != 200)
		return;
	cJSON *root = cJSON_Parse(resp->body);
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "items"), 0);
	backlog.oldest_ms = first ? inc_time_ms(rb_json_str(first, "requested_at")) : 0;
	cJSON_Delete(root);
	a->dirty |= UI_REDRAW_STATUS;
}

void backlog_draw(struct app *a, int y, int width)
{
	/* A message is short-lived and was caused by the person at the keys: it goes first. */
	if (a->status.message[0])
		return;
	char text[240], age[16] = "", more[24] = "";
	int extra = backlog.n_other - (backlog.over && backlog.count > 0 ? 0 : 1);
	if (extra > 0)
		snprintf(more, sizeof more, " (+%d)", extra);
	if (backlog.over && backlog.count > 0) {
		if (backlog.oldest_ms)
			inc_age(app_now_ms(a) - backlog.oldest_ms, age, sizeof age);
		snprintf(text, sizeof text, " %s %d approval%s%s%s%s ", ui_glyph(UI_G_UP),
			 backlog.count, backlog.count == 1 ? "" : "s", age[0] ? ", oldest " : "", age,
			 more);
	} else if (backlog.other[0]) {
		snprintf(text, sizeof text, " %s %.160s%s ", ui_glyph(UI_G_UP), backlog.other, more);
	} else {
		return;
	}
	/* Just left of the bar's right segment, measured as the status bar measures it; a
	 * quarter of the bar stays for who and where. */
	int rw = ui_text_width(a->status.right, strlen(a->status.right));
	if (rw > width / 2)
		rw = width / 2;
	int tw = ui_text_width(text, strlen(text)), room = width - rw - width / 4;
	if (room < 12)
		return;
	if (tw > room)
		tw = room;
	ui_put_clip(stdscr, y, width - rw - tw, tw, UI_ROLE_STATUS_WARN, text);
}
