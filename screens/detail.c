/* The incident detail: every field, the timeline in a pager (oldest first, newest at the
 * bottom, each entry with its receipt id), and the changes through dialogs: advance status,
 * severity, note, title and commander. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "change.h"

enum { TAG_INCIDENT = 1, TAG_TIMELINE, TAG_TIMELINE_MORE, TAG_CHANGE };
#define FIELD_ROWS 7 /* title line excluded */

struct detail {
	struct screen base;
	char id[48];
	struct incident inc;
	bool have_inc, have_timeline, at_end;
	struct ui_pager timeline, incoming; /* incoming fills page by page, then swaps in */
	int events;
	struct change_dialog change;
};

static void summary(const char *kind, const cJSON *data, char *out, size_t len)
{
	const char *from = cJSON_GetStringValue(cJSON_GetObjectItem(data, "from"));
	const char *to = cJSON_GetStringValue(cJSON_GetObjectItem(data, "to"));
	if (!strcmp(kind, "status_changed") || !strcmp(kind, "severity_changed")) {
		snprintf(out, len, "%s %s %s", from ? from : "?", ui_glyph(UI_G_ARROW), to ? to : "?");
	} else if (!strcmp(kind, "note")) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(data, "text"));
		snprintf(out, len, "%s", t ? t : "");
	} else if (!strcmp(kind, "declared")) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(data, "title"));
		const char *sev = cJSON_GetStringValue(cJSON_GetObjectItem(data, "severity"));
		snprintf(out, len, "%s \"%s\"", sev ? sev : "", t ? t : "");
	} else if (!strcmp(kind, "updated") && cJSON_IsArray(cJSON_GetObjectItem(data, "fields"))) {
		size_t used = 0;
		const cJSON *f;
		out[0] = 0;
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(data, "fields"))
		{
			int w = snprintf(out + used, len - used, "%s%s", used ? ", " : "",
					 cJSON_IsString(f) ? f->valuestring : "?");
			if (w < 0 || (size_t)w >= len - used)
				break;
			used += (size_t)w;
		}
	} else {
		char *text = cJSON_PrintUnformatted(data);
		snprintf(out, len, "%s", text ? text : "");
		cJSON_free(text);
	}
	/* Free text is one line here: the pager wraps or scrolls what is long. */
	for (char *c = out; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
}

static int event_role(const char *kind, const cJSON *data)
{
	const char *to = cJSON_GetStringValue(cJSON_GetObjectItem(data, "to"));
	if (!strcmp(kind, "declared"))
		return ROLE_STATUS_DECLARED;
	if (!strcmp(kind, "status_changed") && inc_status_parse(to) >= 0)
		return inc_status_role((enum inc_status)inc_status_parse(to));
	if (!strcmp(kind, "severity_changed") && to && strlen(to) == 4)
		return inc_severity_role(to[3] - '0');
	if (!strcmp(kind, "note"))
		return UI_ROLE_NORMAL;
	return UI_ROLE_DIM;
}

static void add_events(struct detail *d, struct app *a, const cJSON *items)
{
	const cJSON *ev;
	cJSON_ArrayForEach(ev, items)
	{
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "kind"));
		const char *at = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "at"));
		const char *actor = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "actor"));
		const char *rcpt = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "receipt_id"));
		const cJSON *data = cJSON_GetObjectItem(ev, "data");
		char when[32], what[1024], line[1400], who[24];
		inc_time_short(at, when, sizeof when);
		summary(kind ? kind : "?", data, what, sizeof what);
		snprintf(who, sizeof who, "%s", app_actor_name(a, actor));
		snprintf(line, sizeof line, "%s  %-10s  %-16s %s  %s", when, who, kind ? kind : "?",
			 what, rcpt ? rcpt : "");
		ui_pager_add(&d->incoming, event_role(kind ? kind : "", data), line);
	}
}

static void detail_fetch(struct screen *s, struct app *a)
{
	struct detail *d = (struct detail *)s;
	struct backend_request inc = {.op = "incident.get", .id = d->id};
	app_request(a, s, &inc, TAG_INCIDENT, NULL);
	struct backend_param q[] = {{"incident_id", d->id}, {"limit", "500"}, {NULL, NULL}};
	struct backend_request tl = {.op = "timeline.list", .query = q};
	ui_pager_clear(&d->incoming);
	app_request(a, s, &tl, TAG_TIMELINE, NULL);
}

static int take_timeline(struct detail *d, struct app *a, struct backend_response *resp, int tag)
{
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, "timeline", resp);
		return UI_REDRAW_STATUS;
	}
	cJSON *root = cJSON_Parse(resp->body);
	add_events(d, a, cJSON_GetObjectItem(root, "items"));
	const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(root, "next_cursor"));
	if (next) { /* oldest first: the newest are on the last page, so read to the end */
		struct backend_param q[] = {{"incident_id", d->id}, {"limit", "500"},
					    {"cursor", next}, {NULL, NULL}};
		struct backend_request tl = {.op = "timeline.list", .query = q};
		app_request(a, &d->base, &tl, TAG_TIMELINE_MORE, NULL);
		cJSON_Delete(root);
		return 0;
	}
	cJSON_Delete(root);
	(void)tag;
	/* The whole timeline is in: swap it in, keeping the reader's place (or the end). */
	bool was_end = !d->have_timeline || d->at_end;
	int top = d->timeline.top, sub = d->timeline.top_sub, left = d->timeline.left;
	bool wrap = d->timeline.wrap;
	int h = d->timeline.height, w = d->timeline.width;
	struct ui_pager tmp = d->timeline;
	d->timeline = d->incoming;
	d->incoming = tmp;
	ui_pager_clear(&d->incoming);
	d->timeline.wrap = wrap;
	d->timeline.height = h;
	d->timeline.width = w;
	d->timeline.top = top;
	d->timeline.top_sub = sub;
	d->timeline.left = left;
	d->events = d->timeline.n_lines;
	if (was_end)
		ui_pager_end(&d->timeline);
	d->have_timeline = true;
	return UI_REDRAW;
}

static int detail_reply(struct screen *s, struct app *a, int tag, void *user,
			struct backend_response *resp)
{
	struct detail *d = (struct detail *)s;
	(void)user;
	if (tag == TAG_CHANGE) {
		int flags = change_reply(&d->change, a, resp, NULL, 0);
		if (resp->status == 412 || !change_active(&d->change))
			detail_fetch(s, a); /* see the change, or what changed meanwhile */
		return flags;
	}
	if (tag == TAG_TIMELINE || tag == TAG_TIMELINE_MORE)
		return take_timeline(d, a, resp, tag);
	if (resp->status != 200) {
		if (resp->status == 404) {
			app_error_message(a, d->id, resp);
			d->have_inc = false;
		} else if (resp->status != 503) {
			app_error_message(a, "incident", resp);
		}
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *o = cJSON_Parse(resp->body);
	struct incident inc;
	if (inc_from_json(&inc, o) == 0) {
		inc_free(&d->inc);
		d->inc = inc;
		d->have_inc = true;
	} else {
		inc_free(&inc);
	}
	cJSON_Delete(o);
	return UI_REDRAW;
}

static void field(int y, int x, int width, const char *label, int role, const char *value)
{
	if (width <= 12)
		return;
	ui_put(stdscr, y, x, 11, UI_ROLE_DIM, label);
	ui_put_clip(stdscr, y, x + 11, width - 11, role, value && *value ? value : "-");
}

static void draw_fields(struct detail *d, struct app *a)
{
	const struct incident *inc = &d->inc;
	int w = COLS, col = w / 3;
	char buf[160], when[32], age[16];
	ui_fill(stdscr, 1, 0, FIELD_ROWS, w, UI_ROLE_NORMAL);
	if (!d->have_inc) {
		ui_put(stdscr, 2, 1, w - 2, UI_ROLE_DIM, "loading");
		return;
	}
	field(1, 1, w - 2, "Title", UI_ROLE_NORMAL, inc->title);
	field(2, 1, col, "Status", inc_status_role(inc->status), inc_status_name(inc->status));
	snprintf(buf, sizeof buf, "sev%d", inc->severity);
	field(2, 1 + col, col, "Severity", inc_severity_role(inc->severity), buf);
	snprintf(buf, sizeof buf, "%d", inc->version);
	field(2, 1 + 2 * col, w - 2 - 2 * col, "Version", UI_ROLE_NORMAL, buf);
	field(3, 1, col, "Commander", UI_ROLE_NORMAL,
	      inc->commander ? app_actor_name(a, inc->commander) : NULL);
	field(3, 1 + col, col, "Region", UI_ROLE_NORMAL, inc->region);
	field(3, 1 + 2 * col, w - 2 - 2 * col, "Labels", UI_ROLE_NORMAL, inc->labels);
	inc_time_short(inc->created_at, when, sizeof when);
	inc_age(app_now_ms(a) - inc->created_ms, age, sizeof age);
	snprintf(buf, sizeof buf, "%s (%s ago)", when, age);
	field(4, 1, 2 * col, "Declared", UI_ROLE_NORMAL, buf);
	inc_time_short(inc->resolved_at, when, sizeof when);
	field(4, 1 + 2 * col, w - 2 - 2 * col, "Resolved", UI_ROLE_NORMAL, inc->resolved_at[0] ? when : NULL);
	inc_time_short(inc->updated_at, when, sizeof when);
	field(5, 1, 2 * col, "Updated", UI_ROLE_NORMAL, when);
	field(5, 1 + 2 * col, w - 2 - 2 * col, "Receipt", UI_ROLE_DIM, inc->receipt_id);
	field(6, 1, w - 2, "About", UI_ROLE_NORMAL, inc->description);
}

static void detail_draw(struct screen *s, struct app *a, bool full)
{
	struct detail *d = (struct detail *)s;
	(void)full; /* a scroll repaints the pager, which is most of the screen */
	char right[128] = "";
	if (d->have_inc)
		snprintf(right, sizeof right, "sev%d %s %s ", d->inc.severity, ui_glyph(UI_G_VLINE),
			 inc_status_name(d->inc.status));
	int rw = ui_text_width(right, strlen(right));
	char left[96];
	snprintf(left, sizeof left, " klaxon  Incident %s", d->id);
	ui_put(stdscr, 0, 0, COLS - rw, UI_ROLE_TITLE, left);
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	draw_fields(d, a);
	char rule[96];
	snprintf(rule, sizeof rule, " Timeline %s %d event%s%s ", ui_glyph(UI_G_VLINE), d->events,
		 d->events == 1 ? "" : "s", d->timeline.wrap ? ", wrapped" : "");
	ui_hline(stdscr, 1 + FIELD_ROWS, 0, COLS, UI_ROLE_BORDER);
	ui_put(stdscr, 1 + FIELD_ROWS, 2, ui_text_width(rule, strlen(rule)), UI_ROLE_HEADER, rule);
	int top = 2 + FIELD_ROWS, h = app_body_lines(a) - top; /* above the banner, if any */
	ui_pager_draw(&d->timeline, stdscr, top, 0, h, COLS);
	if (d->have_timeline && d->timeline.n_lines == 0)
		ui_put(stdscr, top, 1, COLS - 2, UI_ROLE_DIM, "no events");
	/* Remember whether the reader is at the end, so new events keep the end in view. */
	int lt = d->timeline.top, ls = d->timeline.top_sub;
	ui_pager_end(&d->timeline);
	d->at_end = d->timeline.top == lt && d->timeline.top_sub == ls;
	d->timeline.top = lt;
	d->timeline.top_sub = ls;
	change_draw(&d->change);
}

static int detail_key(struct screen *s, struct app *a, int key)
{
	struct detail *d = (struct detail *)s;
	if (change_active(&d->change))
		return change_key(&d->change, s, a, key, TAG_CHANGE);
	return UI_IGNORED;
}

static int detail_scroll(struct detail *d, int rows)
{
	ui_pager_scroll(&d->timeline, rows);
	return UI_HANDLED | UI_REDRAW;
}

static int detail_action(struct screen *s, struct app *a, int act)
{
	struct detail *d = (struct detail *)s;
	struct ui_pager *p = &d->timeline;
	const struct incident *inc = d->have_inc ? &d->inc : NULL;
	int page = p->height > 1 ? p->height - 1 : 1;
	switch (act) {
	case ACT_MOVE_UP: return detail_scroll(d, -1);
	case ACT_MOVE_DOWN: return detail_scroll(d, 1);
	case ACT_PAGE_UP: return detail_scroll(d, -page);
	case ACT_PAGE_DOWN: return detail_scroll(d, page);
	case ACT_MOVE_TOP: ui_pager_home(p); return UI_HANDLED | UI_REDRAW;
	case ACT_MOVE_BOTTOM: ui_pager_end(p); return UI_HANDLED | UI_REDRAW;
	case ACT_MOVE_LEFT: ui_pager_scroll_h(p, -(p->width / 2)); return UI_HANDLED | UI_REDRAW;
	case ACT_MOVE_RIGHT: ui_pager_scroll_h(p, p->width / 2); return UI_HANDLED | UI_REDRAW;
	case ACT_TOGGLE_WRAP: ui_pager_toggle_wrap(p); return UI_HANDLED | UI_REDRAW;
	case ACT_ADVANCE: return change_open(&d->change, a, CHANGE_ADVANCE, inc);
	case ACT_SEVERITY: return change_open(&d->change, a, CHANGE_SEVERITY, inc);
	case ACT_NOTE: return change_open(&d->change, a, CHANGE_NOTE, inc);
	case ACT_TITLE: return change_open(&d->change, a, CHANGE_TITLE, inc);
	case ACT_COMMANDER: return change_open(&d->change, a, CHANGE_COMMANDER, inc);
	default: return UI_IGNORED;
	}
}

static int detail_mouse(struct screen *s, struct app *a, const MEVENT *ev)
{
	struct detail *d = (struct detail *)s;
	(void)a;
	if (change_active(&d->change))
		return UI_HANDLED;
	if (ev->bstate & BUTTON4_PRESSED)
		return detail_scroll(d, -3);
#ifdef BUTTON5_PRESSED
	if (ev->bstate & BUTTON5_PRESSED)
		return detail_scroll(d, 3);
#endif
	return UI_HANDLED;
}

static void detail_free(struct screen *s)
{
	struct detail *d = (struct detail *)s;
	inc_free(&d->inc);
	ui_pager_free(&d->timeline);
	ui_pager_free(&d->incoming);
	change_free(&d->change);
	free(d);
}

static const struct screen_ops detail_ops = {
	.name = "detail",
	.context = CTX_DETAIL,
	.draw = detail_draw,
	.key = detail_key,
	.action = detail_action,
	.mouse = detail_mouse,
	.fetch = detail_fetch,
	.reply = detail_reply,
	.free = detail_free,
};

struct screen *detail_new(struct app *a, const char *incident_id)
{
	struct detail *d = calloc(1, sizeof *d);
	(void)a;
	if (!d)
		return NULL;
	d->base.ops = &detail_ops;
	snprintf(d->id, sizeof d->id, "%s", incident_id);
	ui_pager_init(&d->timeline);
	ui_pager_init(&d->incoming);
	change_init(&d->change);
	return &d->base;
}

const char *detail_incident_id(struct screen *s)
{
	return ((struct detail *)s)->id;
}
