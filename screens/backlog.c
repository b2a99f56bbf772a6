/* The approval backlog in the status bar: when the server's alerts (GET /alerts) say the
 * queue is over its threshold, the bar shows how many wait and how old the oldest is, on every
 * screen, until the queue drains. The server decides the threshold; the oldest age is worked
 * out here from the oldest pending approval, so it keeps counting between refreshes. One
 * console runs per process, so the state is this file's. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runbook.h"

static struct {
	bool asking, over;
	int count;
	int64_t oldest_ms; /* 0 until the oldest is known */
} backlog;

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
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "items"))
	{
		if (!strcmp(json_str(it, "kind"), "approval_backlog"))
			found = it;
	}
	bool was = backlog.over;
	int count = json_int(found, "count", 0);
	backlog.over = found != NULL;
	if (backlog.over != was || count != backlog.count)
		a->dirty |= UI_REDRAW_STATUS;
	backlog.count = count;
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
	backlog.oldest_ms = first ? inc_time_ms(json_str(first, "requested_at")) : 0;
	cJSON_Delete(root);
	a->dirty |= UI_REDRAW_STATUS;
}

void backlog_draw(struct app *a, int y, int width)
{
	/* A message is short-lived and was caused by the person at the keys: it goes first. */
	if (!backlog.over || backlog.count <= 0 || a->status.message[0])
		return;
	char text[96], age[16] = "";
	if (backlog.oldest_ms)
		inc_age(app_now_ms(a) - backlog.oldest_ms, age, sizeof age);
	snprintf(text, sizeof text, " %s %d approval%s%s%s ", ui_glyph(UI_G_UP), backlog.count,
		 backlog.count == 1 ? "" : "s", age[0] ? ", oldest " : "", age);
	/* Just left of the bar's right segment, measured as the status bar measures it. */
	int rw = ui_text_width(a->status.right, strlen(a->status.right));
	if (rw > width / 2)
		rw = width / 2;
	int tw = ui_text_width(text, strlen(text)), x = width - rw - tw;
	if (x < width / 4)
		return; /* too narrow to say it without hiding who and where */
	ui_put(stdscr, y, x, tw, UI_ROLE_STATUS_WARN, text);
}
