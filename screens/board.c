/* The incident board: one column per open status with counts and severity colours, or one
 * sortable table of them all. Lists load a page at a time as the selection nears their end,
 * counts are made by a background job that pages through the rest, and `/` filters as you
 * type (on the rows held at once, and on the server as soon as it can be asked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "change.h"

#define PAGE_MIN 50
#define PAGE_MAX 500
#define LIST_ALL BOARD_COLUMNS /* the table's list, after the four columns */

enum { TAG_LIST = 0x10, TAG_MORE = 0x20, TAG_COUNT = 0x30, TAG_CHANGE = 0x40 };

struct inc_list {
	struct incident *items;
	int n, cap;
	char next_cursor[128];
	bool loaded, loading_more;
	long long count; /* -1 unknown */
	bool count_exact, counting;
	int64_t counted_at, count_cost;
	struct ui_table table;
};

struct board {
	struct screen base;
	struct app *app;
	struct inc_list lists[BOARD_COLUMNS + 1];
	bool table_view;
	int focus; /* the focused column */
	bool filtering;
	struct ui_input filter;
	char select_id[48];
	bool partial;
	struct change_dialog change;
};

static const struct ui_table_column card_columns[] = {
	{"", {2, 2, 0, 0}, false},
	{"", {4, 0, 1, 0}, false},
	{"", {3, 4, 0, 1}, true},
};

enum { COL_SEV, COL_STATUS, COL_TITLE, COL_COMMANDER, COL_REGION, COL_AGE, COL_ID, N_TABLE_COLS };
static const char *const sort_names[N_TABLE_COLS] = {"severity", "status", "title", "commander",
						      "region", "age", "id"};
static const struct ui_table_column table_columns[N_TABLE_COLS] = {
	{"SEV", {4, 4, 0, 0}, false},	  {"STATUS", {10, 10, 0, 0}, false},
	{"TITLE", {16, 0, 4, 0}, false},  {"COMMANDER", {9, 16, 1, 2}, false},
	{"REGION", {9, 12, 1, 3}, false}, {"AGE", {4, 5, 0, 0}, true},
	{"ID", {30, 30, 0, 4}, false},
};

/* ---- the table model over one list ---- */

struct model_ctx { /* a list and the app, for actor names and ages */
	struct board *b;
	int list;
};
static struct model_ctx contexts[BOARD_COLUMNS + 1];

static struct inc_list *ctx_list(void *ctx)
{
	struct model_ctx *m = ctx;
	return &m->b->lists[m->list];
}

static int m_count(void *ctx)
{
	return ctx_list(ctx)->n;
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	struct model_ctx *m = ctx;
	const struct incident *inc = &ctx_list(ctx)->items[row];
	bool card = m->list < BOARD_COLUMNS;
	if (card)
		col = col == 0 ? COL_SEV : col == 1 ? COL_TITLE : COL_AGE;
	switch (col) {
	case COL_SEV: snprintf(buf, len, card ? "%d" : "sev%d", inc->severity); break;
	case COL_STATUS: snprintf(buf, len, "%s", inc_status_name(inc->status)); break;
	case COL_TITLE: snprintf(buf, len, "%s", inc->title); break;
	case COL_COMMANDER:
		snprintf(buf, len, "%s", inc->commander ? app_actor_name(m->b->app, inc->commander) : "-");
		break;
	case COL_REGION: snprintf(buf, len, "%s", inc->region ? inc->region : "-"); break;
	case COL_AGE: inc_age(app_now_ms(m->b->app) - inc->created_ms, buf, len); break;
	case COL_ID: snprintf(buf, len, "%s", inc->id); break;
	default: buf[0] = 0;
	}
	if (card && col == COL_SEV) /* "S1": the severity at a glance, coloured */
		snprintf(buf, len, "S%d", inc->severity);
}

static int m_role(void *ctx, int row, int col)
{
	struct model_ctx *m = ctx;
	const struct incident *inc = &ctx_list(ctx)->items[row];
	bool card = m->list < BOARD_COLUMNS;
	if (col == COL_SEV)
		return inc_severity_role(inc->severity);
	if (!card && col == COL_STATUS)
		return inc_status_role(inc->status);
	if ((card && col == 2) || (!card && (col == COL_AGE || col == COL_ID)))
		return UI_ROLE_DIM;
	return -1;
}

static const char *m_key(void *ctx, int row)
{
	return ctx_list(ctx)->items[row].id;
}

static int cmp_str(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "");
}

static int m_compare(void *ctx, int ra, int rb, int col)
{
	const struct incident *a = &ctx_list(ctx)->items[ra], *b = &ctx_list(ctx)->items[rb];
	switch (col) {
	case COL_SEV: return a->severity - b->severity;
	case COL_STATUS: return (int)a->status - (int)b->status;
	case COL_TITLE: return cmp_str(a->title, b->title);
	case COL_COMMANDER: return cmp_str(a->commander, b->commander);
	case COL_REGION: return cmp_str(a->region, b->region);
	case COL_AGE: return (a->created_ms < b->created_ms) - (a->created_ms > b->created_ms);
	default: return strcmp(a->id, b->id);
	}
}

/* The server's `q` matches titles case-insensitively in ASCII; the table does the same, so
 * what the rows held show and what the server sends agree. */
static bool m_match(void *ctx, int row, const char *filter)
{
	const char *t = ctx_list(ctx)->items[row].title;
	size_t fl = strlen(filter);
	for (const char *p = t; *p; p++)
		if (strncasecmp(p, filter, fl) == 0)
			return true;
	return fl == 0;
}

/* ---- lists ---- */

static void list_clear(struct inc_list *l)
{
	for (int i = 0; i < l->n; i++)
		inc_free(&l->items[i]);
	l->n = 0;
}

static int list_push(struct inc_list *l, struct incident *inc)
{
	if (l->n == l->cap) {
		int nc = l->cap ? l->cap * 2 : 64;
		struct incident *ni = realloc(l->items, (size_t)nc * sizeof *ni);
		if (!ni)
			return -1;
		l->items = ni;
		l->cap = nc;
	}
	l->items[l->n++] = *inc;
	return 0;
}

/* Replaces the list's head by a fresh first page. Rows loaded further down (older, since
 * lists are newest first by id) are kept, so a refresh never throws away a deep scroll. */
static void list_take_page(struct inc_list *l, const cJSON *items, const char *next, bool append)
{
	struct incident *old = l->items;
	int n_old = l->n;
	l->items = NULL;
	l->n = l->cap = 0;
	if (append) {
		for (int i = 0; i < n_old; i++)
			list_push(l, &old[i]);
		n_old = 0;
	}
	const cJSON *it;
	char last[48] = "";
	cJSON_ArrayForEach(it, items)
	{
		struct incident inc;
		if (inc_from_json(&inc, it) == 0) {
			snprintf(last, sizeof last, "%s", inc.id);
			if (list_push(l, &inc))
				inc_free(&inc);
		} else {
			inc_free(&inc);
		}
	}
	/* Rows older than the fresh page's last one were loaded by scrolling: they stay, and so
	 * does the cursor that continues after them. */
	bool keep_tail = !append && next && last[0];
	int kept = 0;
	for (int i = 0; i < n_old; i++) {
		if (keep_tail && strcmp(old[i].id, last) < 0 && list_push(l, &old[i]) == 0) {
			kept++;
			continue;
		}
		inc_free(&old[i]);
	}
	free(old);
	if (kept == 0)
		snprintf(l->next_cursor, sizeof l->next_cursor, "%s", next ? next : "");
	l->loaded = true;
	if (!l->next_cursor[0]) {
		l->count = l->n;
		l->count_exact = true;
	} else if (!l->count_exact || l->count < l->n) {
		l->count = l->n;
	}
}

static struct inc_list *shown(struct board *b)
{
	return &b->lists[b->table_view ? LIST_ALL : b->focus];
}

static const char *status_param(int list, char *buf, size_t len)
{
	if (list < BOARD_COLUMNS)
		snprintf(buf, len, "%s", inc_status_name((enum inc_status)list));
	else
		snprintf(buf, len, "declared,triaged,mitigating,resolved");
	return buf;
}

static void request_list(struct board *b, struct app *a, int list, const char *cursor)
{
	struct inc_list *l = &b->lists[list];
	char status[64], limit[16];
	int want = cursor ? 200 : l->n > PAGE_MIN ? l->n : PAGE_MIN;
	if (LINES + 10 > want) /* a screenful and a little: the rest comes as the selection nears */
		want = LINES + 10;
	snprintf(limit, sizeof limit, "%d", want < PAGE_MAX ? want : PAGE_MAX);
	struct backend_param q[5] = {{"status", status_param(list, status, sizeof status)},
				     {"limit", limit}};
	int n = 2;
	if (b->filter.text[0])
		q[n++] = (struct backend_param){"q", b->filter.text};
	if (cursor)
		q[n++] = (struct backend_param){"cursor", cursor};
	struct backend_request req = {.op = "incident.list", .query = q};
	app_request(a, &b->base, &req, (cursor ? TAG_MORE : TAG_LIST) | list, NULL);
	if (cursor)
		l->loading_more = true;
}

/* Counting runs on the worker, a few pages per job, so answers to the person at the keys
 * are never queued behind a long count. */
struct count_job {
	struct job_head head;
	int list;
	char status[64], q[512], cursor[128];
	long long count;
	int64_t started;
	bool failed, done;
};

static void count_destroy(void *arg)
{
	free(arg);
}

static void count_run(struct backend *be, void *arg)
{
	struct count_job *j = arg;
	for (int page = 0; page < 2; page++) {
		struct backend_param q[5] = {{"status", j->status}, {"limit", "500"}};
		int n = 2;
		if (j->q[0])
			q[n++] = (struct backend_param){"q", j->q};
		if (j->cursor[0])
			q[n++] = (struct backend_param){"cursor", j->cursor};
		struct backend_request req = {.op = "incident.list", .query = q};
		struct backend_response resp;
		if (backend_call(be, &req, &resp)) {
			backend_response_free(&resp);
			j->failed = true;
			return;
		}
		cJSON *root = cJSON_Parse(resp.body);
		backend_response_free(&resp);
		j->count += cJSON_GetArraySize(cJSON_GetObjectItem(root, "items"));
		const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(root, "next_cursor"));
		snprintf(j->cursor, sizeof j->cursor, "%s", next ? next : "");
		cJSON_Delete(root);
		if (!j->cursor[0]) {
			j->done = true;
			return;
		}
	}
}

static void start_count(struct board *b, struct app *a, int list)
{
	struct inc_list *l = &b->lists[list];
	int64_t now = app_mono_ms(a);
	int64_t every = l->count_cost * 10 > a->refresh_ms ? l->count_cost * 10 : a->refresh_ms;
	/* A count that takes long is made less often: at most a tenth of the worker's time. */
	if (l->counting || (l->counted_at && now - l->counted_at < every))
		return;
	struct count_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->head.destroy = count_destroy;
	j->list = list;
	status_param(list, j->status, sizeof j->status);
	snprintf(j->q, sizeof j->q, "%s", b->filter.text);
	j->started = now;
	if (app_job(a, &b->base, count_run, TAG_COUNT | list, j) == 0)
		l->counting = true;
	else
		free(j);
}

static void board_fetch(struct screen *s, struct app *a)
{
	struct board *b = (struct board *)s;
	if (b->table_view) {
		request_list(b, a, LIST_ALL, NULL);
	} else {
		for (int i = 0; i < BOARD_COLUMNS; i++)
			request_list(b, a, i, NULL);
	}
}

static void rebuild(struct board *b, int list)
{
	ui_table_rebuild(&b->lists[list].table);
}

static void find_selected(struct board *b)
{
	if (!b->select_id[0])
		return;
	for (int list = 0; list <= LIST_ALL; list++) {
		struct ui_table *t = &b->lists[list].table;
		for (int i = 0; i < t->n_view; i++) {
			if (strcmp(b->lists[list].items[t->view[i]].id, b->select_id) != 0)
				continue;
			ui_table_move_to(t, i);
			if (list < BOARD_COLUMNS && !b->table_view)
				b->focus = list;
			if (list == (b->table_view ? LIST_ALL : b->focus))
				b->select_id[0] = 0;
		}
	}
}

static int board_reply(struct screen *s, struct app *a, int tag, void *user,
		       struct backend_response *resp)
{
	struct board *b = (struct board *)s;
	int kind = tag & 0xf0, list = tag & 0x0f;
	if (kind == TAG_CHANGE) {
		char id[48] = "";
		int flags = change_reply(&b->change, a, resp, id, sizeof id);
		if (id[0] && !change_active(&b->change)) {
			snprintf(b->select_id, sizeof b->select_id, "%s", id);
			app_refresh_now(a);
		}
		return flags;
	}
	if (kind == TAG_COUNT) {
		struct count_job *j = user;
		struct inc_list *l = &b->lists[j->list];
		if (!j->failed && !j->done && strcmp(j->q, b->filter.text) == 0 &&
		    app_job(a, s, count_run, tag, j) == 0)
			return UI_REDRAW; /* more pages: queued again behind what waits */
		l->counting = false;
		l->counted_at = app_mono_ms(a);
		l->count_cost = l->counted_at - j->started;
		if (j->done && strcmp(j->q, b->filter.text) == 0) {
			l->count = j->count;
			l->count_exact = true;
		}
		free(j);
		return UI_REDRAW;
	}
	struct inc_list *l = &b->lists[list];
	if (kind == TAG_MORE)
		l->loading_more = false;
	if (resp->status != 200) {
		if (resp->status != 503 || kind == TAG_MORE) /* "offline" is in the status bar */
			app_error_message(a, "incidents", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *root = cJSON_Parse(resp->body);
	const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(root, "next_cursor"));
	list_take_page(l, cJSON_GetObjectItem(root, "items"), next, kind == TAG_MORE);
	cJSON_Delete(root);
	rebuild(b, list);
	find_selected(b);
	if (l->next_cursor[0] && list < BOARD_COLUMNS && kind == TAG_LIST) {
		l->count_exact = false;
		start_count(b, a, list);
	}
	return UI_REDRAW;
}

/* ---- drawing ---- */

static void draw_title(struct board *b, struct app *a)
{
	char right[200], total[64] = "";
	long long sum = 0;
	bool exact = true;
	for (int i = 0; i < BOARD_COLUMNS; i++) {
		sum += b->lists[i].count > 0 ? b->lists[i].count : 0;
		exact = exact && b->lists[i].count_exact;
	}
	if (!b->table_view)
		snprintf(total, sizeof total, "%lld%s incident%s", sum, exact ? "" : "+",
			 sum == 1 && exact ? "" : "s");
	else
		snprintf(total, sizeof total, "%d%s shown", b->lists[LIST_ALL].table.n_view,
			 b->lists[LIST_ALL].next_cursor[0] ? "+" : "");
	const struct ui_table *t = &b->lists[LIST_ALL].table;
	snprintf(right, sizeof right, "%s %s %s%s%s ", b->table_view ? "table" : "board",
		 ui_glyph(UI_G_VLINE), total, b->table_view && t->sort_col >= 0 ? " by " : "",
		 b->table_view && t->sort_col >= 0 ? sort_names[t->sort_col] : "");
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS, UI_ROLE_TITLE, " klaxon  Incidents");
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	if (b->filtering || b->filter.text[0]) {
		int fx = 20, fw = COLS - rw - fx - 2;
		if (fw > 40)
			fw = 40;
		ui_put(stdscr, 0, fx, 8, UI_ROLE_TITLE, "filter:");
		ui_input_draw(&b->filter, stdscr, 0, fx + 8, fw - 8,
			      b->filtering ? UI_ROLE_INPUT_FOCUS : UI_ROLE_MATCH, b->filtering);
	}
	(void)a;
}

static void draw_column_head(struct board *b, int i, int x, int width)
{
	struct inc_list *l = &b->lists[i];
	char name[16], count[32];
	snprintf(name, sizeof name, "%s", inc_status_name((enum inc_status)i));
	for (char *c = name; *c; c++)
		*c = (char)(*c - 'a' + 'A');
	if (!l->loaded)
		snprintf(count, sizeof count, "%s", ui_glyph(UI_G_ELLIPSIS));
	else
		snprintf(count, sizeof count, "%lld%s", l->count, l->count_exact ? "" : "+");
	bool focus = i == b->focus;
	int base = focus ? UI_ROLE_SELECTION : UI_ROLE_HEADER;
	ui_put(stdscr, 1, x, width, base, "");
	int nw = (int)strlen(name) < width - 1 ? (int)strlen(name) : width - 1;
	ui_put(stdscr, 1, x + 1, nw, focus ? base : inc_status_role((enum inc_status)i), name);
	ui_put_clip(stdscr, 1, x + 2 + nw, width - nw - 2, base, count);
}

static void draw_columns(struct board *b, bool full)
{
	int widths[BOARD_COLUMNS];
	ui_layout_split(COLS, BOARD_COLUMNS, 1, widths);
	int h = app_body_lines(b->app) - 2, x = 0; /* above the banner, when one stands */
	for (int i = 0; i < BOARD_COLUMNS; i++) {
		struct inc_list *l = &b->lists[i];
		l->table.focused = i == b->focus;
		if (full || i == b->focus) {
			if (full)
				draw_column_head(b, i, x, widths[i]);
			/* Cards sit one column in from the rule, so columns read apart. */
			if (full)
				ui_fill(stdscr, 2, x, h, 1, UI_ROLE_NORMAL);
			ui_table_draw(&l->table, stdscr, 2, x + 1, h, widths[i] - 1, !full);
			if (full && l->loaded && l->table.n_view == 0)
				ui_put_clip(stdscr, 2, x + 1, widths[i] - 1, UI_ROLE_DIM,
					    b->filter.text[0] ? "no match" : "none");
		}
		x += widths[i];
		if (full && i + 1 < BOARD_COLUMNS) {
			ui_vline(stdscr, 1, x, h + 1, UI_ROLE_BORDER);
		}
		x++;
	}
}

static void board_draw(struct screen *s, struct app *a, bool full)
{
	struct board *b = (struct board *)s;
	if (change_active(&b->change))
		full = true; /* a dialog sits on top: repaint under it */
	if (full)
		draw_title(b, a);
	if (b->table_view)
		ui_table_draw(&b->lists[LIST_ALL].table, stdscr, 1, 0, app_body_lines(a) - 1, COLS,
			      !full);
	else
		draw_columns(b, full);
	change_draw(&b->change);
}

/* ---- keys ---- */

static void maybe_load_more(struct board *b, struct app *a)
{
	int list = b->table_view ? LIST_ALL : b->focus;
	struct inc_list *l = &b->lists[list];
	/* Two pages ahead, so paging down never reaches the end before the next rows. */
	int ahead = l->table.height * 2 > 20 ? l->table.height * 2 : 20;
	if (l->next_cursor[0] && !l->loading_more && l->table.selected >= l->table.n_view - ahead)
		request_list(b, a, list, l->next_cursor);
}

static int board_move(struct board *b, struct app *a, int delta, bool absolute)
{
	struct ui_table *t = &shown(b)->table;
	bool moved = absolute ? ui_table_move_to(t, delta) : ui_table_move(t, delta);
	maybe_load_more(b, a);
	if (!moved)
		return UI_HANDLED;
	/* A move within the page repaints two rows; a scroll repaints the list. */
	return UI_HANDLED | UI_REDRAW_PART;
}

static int set_filter(struct board *b, struct app *a)
{
	for (int i = 0; i <= LIST_ALL; i++) {
		ui_table_set_filter(&b->lists[i].table, b->filter.text);
		b->lists[i].counted_at = 0; /* counts of another filter are no use */
		b->lists[i].count_exact = false;
	}
	app_refresh_now(a); /* the server filters what is not loaded; one request at a time */
	return UI_HANDLED | UI_REDRAW;
}

static int board_key(struct screen *s, struct app *a, int key)
{
	struct board *b = (struct board *)s;
	if (change_active(&b->change))
		return change_key(&b->change, s, a, key, TAG_CHANGE);
	if (!b->filtering)
		return UI_IGNORED;
	if (key == UI_KEY_ENTER) {
		b->filtering = false;
		return UI_HANDLED | UI_REDRAW;
	}
	if (key == UI_KEY_ESC) {
		b->filtering = false;
		ui_input_set(&b->filter, "");
		return set_filter(b, a);
	}
	char before[512];
	snprintf(before, sizeof before, "%s", b->filter.text);
	if (ui_input_key(&b->filter, key) == UI_IGNORED)
		return UI_IGNORED; /* arrows still move the selection while filtering */
	if (strcmp(before, b->filter.text) != 0)
		return set_filter(b, a);
	return UI_HANDLED | UI_REDRAW;
}

static int open_selected(struct board *b, struct app *a)
{
	struct inc_list *l = shown(b);
	int row = ui_table_selected_row(&l->table);
	if (row < 0)
		return UI_HANDLED;
	app_push(a, detail_new(a, l->items[row].id));
	return UI_HANDLED;
}

static int toggle_view(struct board *b, struct app *a)
{
	b->table_view = !b->table_view;
	/* Keep the incident in hand across views. */
	struct inc_list *from = &b->lists[b->table_view ? b->focus : LIST_ALL];
	int row = ui_table_selected_row(&from->table);
	if (row >= 0)
		snprintf(b->select_id, sizeof b->select_id, "%s", from->items[row].id);
	find_selected(b);
	app_refresh_now(a);
	return UI_HANDLED | UI_REDRAW;
}

static int board_action(struct screen *s, struct app *a, int act)
{
	struct board *b = (struct board *)s;
	struct ui_table *t = &shown(b)->table;
	int page = t->height > 1 ? t->height - 1 : 1;
	switch (act) {
	case ACT_MOVE_UP: return board_move(b, a, -1, false);
	case ACT_MOVE_DOWN: return board_move(b, a, 1, false);
	case ACT_PAGE_UP: return board_move(b, a, -page, false);
	case ACT_PAGE_DOWN: return board_move(b, a, page, false);
	case ACT_MOVE_TOP: return board_move(b, a, 0, true);
	case ACT_MOVE_BOTTOM: return board_move(b, a, shown(b)->table.n_view - 1, true);
	case ACT_MOVE_LEFT:
	case ACT_MOVE_RIGHT:
		if (b->table_view)
			return UI_HANDLED;
		b->focus = (b->focus + (act == ACT_MOVE_LEFT ? BOARD_COLUMNS - 1 : 1)) % BOARD_COLUMNS;
		return UI_HANDLED | UI_REDRAW;
	case ACT_OPEN: return open_selected(b, a);
	case ACT_FILTER:
		b->filtering = true;
		b->filter.cursor = b->filter.len;
		return UI_HANDLED | UI_REDRAW;
	case ACT_TOGGLE_VIEW: return toggle_view(b, a);
	case ACT_SORT: {
		struct ui_table *all = &b->lists[LIST_ALL].table;
		if (!b->table_view)
			toggle_view(b, a);
		int next = all->sort_col + 1 >= N_TABLE_COLS ? -1 : all->sort_col + 1;
		ui_table_set_sort(all, next, all->sort_desc);
		app_message(a, UI_MSG_INFO, "sorted by %s", next < 0 ? "newest first" : sort_names[next]);
		return UI_HANDLED | UI_REDRAW;
	}
	case ACT_SORT_REVERSE: {
		struct ui_table *all = &b->lists[LIST_ALL].table;
		ui_table_set_sort(all, all->sort_col, !all->sort_desc);
		return UI_HANDLED | UI_REDRAW;
	}
	case ACT_DECLARE: return change_open(&b->change, a, CHANGE_DECLARE, NULL);
	case ACT_BACK:
		if (b->filter.text[0]) { /* Esc first clears a filter, then quits */
			ui_input_set(&b->filter, "");
			return set_filter(b, a);
		}
		return UI_IGNORED;
	default: return UI_IGNORED;
	}
}

static int board_mouse(struct screen *s, struct app *a, const MEVENT *ev)
{
	struct board *b = (struct board *)s;
	if (change_active(&b->change))
		return UI_HANDLED;
	if (ev->bstate & BUTTON4_PRESSED)
		return board_move(b, a, -3, false);
#ifdef BUTTON5_PRESSED
	if (ev->bstate & BUTTON5_PRESSED)
		return board_move(b, a, 3, false);
#endif
	int list = LIST_ALL, top = 1;
	if (!b->table_view) {
		int widths[BOARD_COLUMNS], x = 0;
		ui_layout_split(COLS, BOARD_COLUMNS, 1, widths);
		for (list = 0; list < BOARD_COLUMNS - 1 && ev->x >= x + widths[list] + 1; list++)
			x += widths[list] + 1;
		b->focus = list;
		top = 2;
	}
	struct ui_table *t = &b->lists[list].table;
	int i = ui_table_row_at(t, ev->y - top);
	if (i < 0 && ev->y == 1 && !b->table_view)
		return UI_HANDLED | UI_REDRAW; /* a column's head: focus it */
	if (i < 0)
		return UI_HANDLED | UI_REDRAW;
	bool again = i == t->selected;
	ui_table_move_to(t, i);
	if (again || (ev->bstate & BUTTON1_DOUBLE_CLICKED))
		return open_selected(b, a) | UI_REDRAW;
	return UI_HANDLED | UI_REDRAW;
}

static void board_free(struct screen *s)
{
	struct board *b = (struct board *)s;
	for (int i = 0; i <= LIST_ALL; i++) {
		list_clear(&b->lists[i]);
		free(b->lists[i].items);
		ui_table_free(&b->lists[i].table);
	}
	change_free(&b->change);
	free(b);
}

static const struct screen_ops board_ops = {
	.name = "board",
	.context = CTX_BOARD,
	.draw = board_draw,
	.key = board_key,
	.action = board_action,
	.mouse = board_mouse,
	.fetch = board_fetch,
	.reply = board_reply,
	.free = board_free,
};

struct screen *board_new(struct app *a)
{
	struct board *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->base.ops = &board_ops;
	b->app = a;
	change_init(&b->change);
	for (int i = 0; i <= LIST_ALL; i++) {
		contexts[i] = (struct model_ctx){b, i};
		struct ui_table_model m = {&contexts[i], m_count, m_cell, m_role, m_key, m_compare, m_match};
		if (i < BOARD_COLUMNS) {
			ui_table_init(&b->lists[i].table, card_columns, 3, m);
			b->lists[i].table.no_header = true;
		} else {
			ui_table_init(&b->lists[i].table, table_columns, N_TABLE_COLS, m);
		}
		b->lists[i].count = -1;
	}
	b->table_view = !strcmp(a->state.view, "table");
	for (int c = 0; c < N_TABLE_COLS; c++)
		if (!strcmp(a->state.sort, sort_names[c]))
			ui_table_set_sort(&b->lists[LIST_ALL].table, c, a->state.sort_desc);
	return &b->base;
}

void board_select(struct screen *s, const char *id)
{
	struct board *b = (struct board *)s;
	snprintf(b->select_id, sizeof b->select_id, "%s", id);
	find_selected(b);
}

void board_save_state(struct screen *s, struct app_state *st)
{
	struct board *b = (struct board *)s;
	const struct ui_table *t = &b->lists[LIST_ALL].table;
	snprintf(st->view, sizeof st->view, "%s", b->table_view ? "table" : "board");
	snprintf(st->sort, sizeof st->sort, "%s", t->sort_col >= 0 ? sort_names[t->sort_col] : "");
	st->sort_desc = t->sort_desc;
}

/* `:sort COLUMN [asc|desc]`, `:filter TEXT`, `:board`, `:table`. */
int board_command(struct screen *s, struct app *a, const char *verb, const char *arg)
{
	struct board *b = (struct board *)s;
	if (!strcmp(verb, "board") || !strcmp(verb, "table")) {
		if (b->table_view != !strcmp(verb, "table"))
			toggle_view(b, a);
		return UI_HANDLED | UI_REDRAW;
	}
	if (!strcmp(verb, "filter")) {
		ui_input_set(&b->filter, arg);
		return set_filter(b, a);
	}
	if (!strcmp(verb, "sort")) {
		char col[32] = "", dir[8] = "";
		sscanf(arg, "%31s %7s", col, dir);
		for (int c = 0; c < N_TABLE_COLS; c++)
			if (!strcmp(col, sort_names[c])) {
				if (!b->table_view)
					toggle_view(b, a);
				ui_table_set_sort(&b->lists[LIST_ALL].table, c, !strcmp(dir, "desc"));
				return UI_HANDLED | UI_REDRAW;
			}
		if (!strcmp(col, "newest")) {
			ui_table_set_sort(&b->lists[LIST_ALL].table, -1, false);
			return UI_HANDLED | UI_REDRAW;
		}
		app_message(a, UI_MSG_ERROR, "sort by one of: severity status title commander region age id newest");
		return UI_HANDLED;
	}
	return UI_IGNORED;
}

const char *const *board_sort_names(void);
const char *const *board_sort_names(void)
{
	return sort_names;
}
