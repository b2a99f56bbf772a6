/* Usage panes (issue 7): a tenant's metered units per event type over a window (24 hours by
 * hour, 7 or 30 days by day) as a sparkline per type, with totals and each type's share as a
 * bar; the platform view covers every tenant and shows the attribution ratio. Characters carry
 * the shape, so it reads at 80x24 and in the mono theme. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flow.h"

#define MAX_TYPES 64
#define MAX_BUCKETS 31
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

static const struct {
	const char *name, *bucket;
	int buckets;
	long long bucket_ms;
} windows[] = {
	{"last 24 hours, by hour", "hour", 24, HOUR_MS},
	{"last 7 days, by day", "day", 7, DAY_MS},
	{"last 30 days, by day", "day", 30, DAY_MS},
};
#define N_WINDOWS (int)(sizeof windows / sizeof windows[0])

struct usage_type {
	char name[64];
	double total, values[MAX_BUCKETS];
};

struct usage {
	struct screen base;
	bool platform, loaded;
	int window;
	int64_t from_ms; /* the first bucket's start */
	struct usage_type types[MAX_TYPES];
	int n_types, top;
	double attributed, total_requests, ratio;
	bool has_attribution;
	char tenant[64], error[200];
};

static void usage_fetch(struct screen *s, struct app *a)
{
	struct usage *u = (struct usage *)s;
	int64_t now = app_now_ms(a), unit = windows[u->window].bucket_ms;
	/* Whole buckets: the current one (up to now) and the ones before it. */
	u->from_ms = now / unit * unit - (windows[u->window].buckets - 1) * unit;
	char from[32], to[32];
	nav_time_text(u->from_ms, from);
	nav_time_text(now, to);
	struct backend_param q[] = {{"from", from}, {"to", to}, {"bucket", windows[u->window].bucket},
				    {NULL, NULL}};
	snprintf(u->tenant, sizeof u->tenant, "%s", a->tenant_id);
	struct backend_request req = {.op = u->platform ? "usage.platform" : "usage.report",
				      .id = u->platform ? NULL : u->tenant, .query = q};
	/* The tag names the view asked for: an answer for another one is dropped. */
	if (u->platform || u->tenant[0])
		app_request(a, s, &req, 1 + u->window * 2 + u->platform, NULL);
}

static struct usage_type *type_named(struct usage *u, const char *name)
{
	for (int i = 0; i < u->n_types; i++)
		if (!strcmp(u->types[i].name, name))
			return &u->types[i];
	if (u->n_types == MAX_TYPES)
		return NULL;
	struct usage_type *t = &u->types[u->n_types++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	return t;
}

/* Most units first; equal ones by name, so the order never shuffles between refreshes. */
static int by_total(const void *pa, const void *pb)
{
	const struct usage_type *a = pa, *b = pb;
	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	return strcmp(a->name, b->name);
}

static void take_report(struct usage *u, const cJSON *r)
{
	const cJSON *it;
	u->n_types = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "totals"))
	{
		struct usage_type *t = it->string ? type_named(u, it->string) : NULL;
		if (t)
			t->total = cJSON_GetNumberValue(it);
	}
	long long unit = windows[u->window].bucket_ms;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "series"))
	{
		int64_t at = inc_time_ms(jv_str(it, "bucket_start"));
		long long b = (at - u->from_ms) / unit;
		struct usage_type *t = type_named(u, jv_str(it, "event_type"));
		if (t && at >= u->from_ms && b < windows[u->window].buckets)
			t->values[b] += jv_num(it, "units");
	}
	qsort(u->types, (size_t)u->n_types, sizeof u->types[0], by_total);
	const cJSON *att = cJSON_GetObjectItem(r, "attribution");
	u->has_attribution = att != NULL;
	u->attributed = jv_num(att, "attributed");
	u->total_requests = jv_num(att, "total");
	u->ratio = jv_num(att, "ratio");
}

static int usage_reply(struct screen *s, struct app *a, int tag, void *user,
		       struct backend_response *resp)
{
	struct usage *u = (struct usage *)s;
	(void)user;
	if (tag != 1 + u->window * 2 + u->platform)
		return 0;
	if (resp->status != 200) {
		backend_error_text(resp, u->error, sizeof u->error);
		if (resp->status != 503)
			app_error_message(a, "usage", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	u->error[0] = 0;
	cJSON *r = cJSON_Parse(resp->body);
	take_report(u, r);
	cJSON_Delete(r);
	u->loaded = true;
	return UI_REDRAW;
}

/* ---- drawing ---- */

static void draw_axis(struct usage *u, int y, int x, int n)
{
	char first[32], last[32];
	nav_time_text(u->from_ms, first);
	nav_time_text(u->from_ms + (int64_t)(n - 1) * windows[u->window].bucket_ms, last);
	bool hours = windows[u->window].bucket_ms == HOUR_MS;
	char left[24], right[24];
	/* "03-13 10h" for hours, "03-08" for days: what tells buckets apart, nothing more. */
	snprintf(left, sizeof left, hours ? "%.5s %.2sh" : "%.5s", first + 5, first + 11);
	snprintf(right, sizeof right, hours ? "%.5s %.2sh" : "%.5s", last + 5, last + 11);
	int rw = (int)strlen(right);
	ui_put(stdscr, y, x, n, UI_ROLE_DIM, left);
	if (n > (int)strlen(left) + rw)
		ui_put(stdscr, y, x + n - rw, rw, UI_ROLE_DIM, right);
}

static void draw_attribution(struct usage *u, int y)
{
	char line[200];
	bool ok = u->ratio >= 0.95;
	snprintf(line, sizeof line, " attribution ratio %.4f%s: %.0f of %.0f requests attributed",
		 u->ratio, ok ? "" : " BELOW 0.95", u->attributed, u->total_requests);
	ui_put_clip(stdscr, y, 0, COLS, ok ? UI_ROLE_NORMAL : UI_ROLE_STATUS_WARN, line);
	ui_put(stdscr, y + 1, 0, 1, UI_ROLE_NORMAL, "");
	ui_bar(stdscr, y + 1, 1, COLS / 2, ok ? ROLE_CHART : UI_ROLE_STATUS_WARN, u->ratio);
	ui_put(stdscr, y + 1, 1 + COLS / 2, COLS - 1 - COLS / 2, UI_ROLE_NORMAL, "");
}

static void usage_draw(struct screen *s, struct app *a, bool full)
{
	struct usage *u = (struct usage *)s;
	int body = app_body_lines(a), n = windows[u->window].buckets;
	(void)full;
	char left[128], right[64];
	snprintf(left, sizeof left, " klaxon  Usage %s %s", ui_glyph(UI_G_VLINE),
		 u->platform ? "platform (every tenant)" : u->tenant[0] ? u->tenant : "?");
	snprintf(right, sizeof right, "%s ", windows[u->window].name);
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS - rw, UI_ROLE_TITLE, left);
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	ui_fill(stdscr, 1, 0, body - 1, COLS, UI_ROLE_NORMAL);
	/* name | sparkline | total | share bar: the bar takes what the rest leaves */
	int name_w = 24, spark_x = name_w + 1, total_x = spark_x + n + 1, total_w = 9;
	int bar_x = total_x + total_w + 1, bar_w = COLS - bar_x - 1;
	ui_put(stdscr, 1, 0, COLS, UI_ROLE_HEADER, "");
	ui_put(stdscr, 1, 1, name_w - 1, UI_ROLE_HEADER, "EVENT TYPE");
	ui_put(stdscr, 1, spark_x, n, UI_ROLE_HEADER, windows[u->window].bucket_ms == HOUR_MS
							      ? "BY HOUR"
							      : "BY DAY");
	ui_put(stdscr, 1, total_x, total_w, UI_ROLE_HEADER, "    TOTAL");
	ui_put(stdscr, 1, bar_x, bar_w, UI_ROLE_HEADER, "SHARE");
	int rows = body - 4 - (u->has_attribution ? 3 : 0);
	double sum = 0;
	for (int i = 0; i < u->n_types; i++)
		sum += u->types[i].total;
	if (u->top > u->n_types - rows)
		u->top = u->n_types - rows;
	if (u->top < 0)
		u->top = 0;
	for (int r = 0; r < rows && u->top + r < u->n_types; r++) {
		const struct usage_type *t = &u->types[u->top + r];
		char total[24], pct[8];
		double share = sum > 0 ? t->total / sum : 0;
		snprintf(total, sizeof total, "%9.0f", t->total);
		snprintf(pct, sizeof pct, "%3.0f%% ", share * 100);
		ui_put_clip(stdscr, 2 + r, 1, name_w - 1, UI_ROLE_NORMAL, t->name);
		ui_sparkline(stdscr, 2 + r, spark_x, n, ROLE_CHART, t->values, n, 0);
		ui_put(stdscr, 2 + r, total_x, total_w, UI_ROLE_NORMAL, total);
		ui_put(stdscr, 2 + r, bar_x, 5, UI_ROLE_DIM, pct);
		ui_bar(stdscr, 2 + r, bar_x + 5, bar_w - 5, ROLE_CHART, share);
	}
	if (u->loaded && u->n_types == 0)
		ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM, "nothing metered in this window");
	else if (!u->loaded)
		ui_put(stdscr, 2, 1, COLS - 2, u->error[0] ? UI_ROLE_ERROR : UI_ROLE_DIM,
		       u->error[0] ? u->error : "loading");
	int axis_y = 2 + (rows < u->n_types ? rows : u->n_types);
	if (u->n_types > 0) {
		char sums[48];
		snprintf(sums, sizeof sums, "%9.0f", sum);
		draw_axis(u, axis_y, spark_x, n);
		ui_put(stdscr, axis_y, 1, name_w - 1, UI_ROLE_DIM, "all types");
		ui_put(stdscr, axis_y, total_x, total_w, UI_ROLE_HEADER, sums);
	}
	if (u->has_attribution)
		draw_attribution(u, body - 4);
	ui_put_clip(stdscr, body - 1, 0, COLS, UI_ROLE_DIM,
		    " w window (24h, 7d, 30d)  p tenant/platform  j/k scroll  r refresh");
}

static int usage_action(struct screen *s, struct app *a, int act)
{
	struct usage *u = (struct usage *)s;
	switch (act) {
	case ACT_MOVE_UP: u->top--; break;
	case ACT_MOVE_DOWN: u->top++; break;
	case ACT_WINDOW:
		u->window = (u->window + 1) % N_WINDOWS;
		u->loaded = false;
		u->n_types = 0;
		usage_fetch(s, a);
		break;
	case ACT_PLATFORM:
		u->platform = !u->platform;
		u->loaded = u->has_attribution = false;
		u->n_types = 0;
		usage_fetch(s, a);
		break;
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void usage_free(struct screen *s)
{
	free(s);
}

static const struct screen_ops usage_ops = {
	.name = "usage",
	.context = CTX_USAGE,
	.draw = usage_draw,
	.action = usage_action,
	.fetch = usage_fetch,
	.reply = usage_reply,
	.free = usage_free,
};

struct screen *usage_new(struct app *a, bool platform)
{
	struct usage *u = calloc(1, sizeof *u);
	(void)a;
	if (!u)
		return NULL;
	u->base.ops = &usage_ops;
	u->platform = platform;
	return &u->base;
}
