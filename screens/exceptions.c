/* Governed exceptions of a tenant (issue 6): every denial that was passed with a justification,
 * open ones first, each with its receipt, actor, action and the rules it passed. An admin
 * acknowledges one after a y/n; the banner stands until none is open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flow.h"

enum { TAG_LIST = 1, TAG_ACK, TAG_ACTORS };
enum { K_ACK = 1 };
enum { COL_STATE, COL_AT, COL_ACTOR, COL_ACTION, COL_RULES, COL_RECEIPT, N_COLS };

static const struct ui_table_column columns[N_COLS] = {
	{"STATE", {6, 6, 0, 0}, false},	    {"AT", {19, 19, 0, 1}, false},
	{"ACTOR", {6, 14, 1, 0}, false},    {"ACTION", {12, 22, 1, 0}, false},
	{"RULES", {10, 0, 2, 0}, false},    {"RECEIPT", {30, 30, 0, 2}, false},
};

struct exceptions {
	struct screen base;
	struct app *app;
	char tenant[64];
	cJSON *root, *actors; /* actors: the tenant's, for names (it may not be ours) */
	const cJSON *items;
	bool loaded;
	struct ui_table table;
	struct flow flow;
	char target[64];
};

static const cJSON *row_at(struct exceptions *x, int row)
{
	return cJSON_GetArrayItem(x->items, row);
}

static const char *actor_name(struct exceptions *x, const char *id)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(x->actors, "items"))
	{
		if (!strcmp(jv_str(it, "id"), id))
			return jv_str(it, "name");
	}
	return app_actor_name(x->app, id);
}

static bool is_open(const cJSON *o)
{
	return !cJSON_IsString(cJSON_GetObjectItem(o, "acknowledged_at"));
}

static int m_count(void *ctx)
{
	return cJSON_GetArraySize(((struct exceptions *)ctx)->items);
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	struct exceptions *x = ctx;
	const cJSON *o = row_at(x, row);
	switch (col) {
	case COL_STATE: snprintf(buf, len, "%s", is_open(o) ? "open" : "acked"); break;
	case COL_AT: inc_time_short(jv_str(o, "at"), buf, len); break;
	case COL_ACTOR: snprintf(buf, len, "%s", actor_name(x, jv_str(o, "actor"))); break;
	case COL_ACTION: snprintf(buf, len, "%s", jv_str(o, "action")); break;
	case COL_RULES: jv_join(o, "rules", ", ", buf, len); break;
	default: snprintf(buf, len, "%s", jv_str(o, "receipt_id"));
	}
}

static int m_role(void *ctx, int row, int col)
{
	bool open = is_open(row_at(ctx, row));
	if (col == COL_STATE)
		return open ? ROLE_OVERRIDE : UI_ROLE_DIM;
	return open ? (col == COL_RECEIPT ? UI_ROLE_DIM : -1) : UI_ROLE_DIM;
}

static const char *m_key(void *ctx, int row)
{
	return jv_str(row_at(ctx, row), "receipt_id");
}

/* Open ones first, then by time: what needs a person comes first. */
static int m_compare(void *ctx, int ra, int rb, int col)
{
	const cJSON *a = row_at(ctx, ra), *b = row_at(ctx, rb);
	(void)col;
	if (is_open(a) != is_open(b))
		return is_open(a) ? -1 : 1;
	return strcmp(jv_str(a, "at"), jv_str(b, "at"));
}

static void exceptions_fetch(struct screen *s, struct app *a)
{
	struct exceptions *x = (struct exceptions *)s;
	if (!x->tenant[0])
		snprintf(x->tenant, sizeof x->tenant, "%s", a->tenant_id);
	if (!x->tenant[0])
		return;
	struct backend_param q[] = {{"all", "true"}, {NULL, NULL}};
	struct backend_request req = {.op = "exception.list", .id = x->tenant, .query = q};
	app_request(a, s, &req, TAG_LIST, NULL);
	if (!x->actors) {
		struct backend_request who = {.op = "actor.list", .id = x->tenant};
		app_request(a, s, &who, TAG_ACTORS, NULL);
	}
}

static int exceptions_reply(struct screen *s, struct app *a, int tag, void *user,
			    struct backend_response *resp)
{
	struct exceptions *x = (struct exceptions *)s;
	(void)user;
	if (tag == TAG_ACK) {
		int flags;
		if (flow_reply(&x->flow, a, resp, "not acknowledged", &flags)) {
			app_message(a, UI_MSG_INFO, "exception %s acknowledged", x->target);
			exceptions_fetch(s, a);
			gov_refresh(a); /* the banner counts what is still open */
		}
		return flags;
	}
	if (tag == TAG_ACTORS) {
		if (resp->status == 200 && !x->actors)
			x->actors = cJSON_Parse(resp->body);
		return UI_REDRAW; /* without them ids are shown */
	}
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, "exceptions", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON_Delete(x->root);
	x->root = cJSON_Parse(resp->body);
	x->items = cJSON_GetObjectItem(x->root, "items");
	x->loaded = true;
	ui_table_rebuild(&x->table);
	return UI_REDRAW;
}

static void exceptions_draw(struct screen *s, struct app *a, bool full)
{
	struct exceptions *x = (struct exceptions *)s;
	int body = app_body_lines(a), open = 0;
	(void)full;
	for (int i = 0; i < cJSON_GetArraySize(x->items); i++)
		open += is_open(row_at(x, i));
	char left[128], right[64];
	snprintf(left, sizeof left, " klaxon  Governed exceptions %s %s", ui_glyph(UI_G_VLINE),
		 x->tenant[0] ? x->tenant : "?");
	snprintf(right, sizeof right, "%d open ", open);
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS - rw, UI_ROLE_TITLE, left);
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	ui_table_draw(&x->table, stdscr, 1, 0, body - 2, COLS, false);
	if (x->loaded && x->table.n_view == 0)
		ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM, "no governed exceptions");
	ui_put_clip(stdscr, body - 1, 0, COLS, UI_ROLE_DIM,
		    " a acknowledge  (each was a denial passed with a justification; see its "
		    "receipt)");
	flow_draw(&x->flow);
}

static int exceptions_key(struct screen *s, struct app *a, int key)
{
	struct exceptions *x = (struct exceptions *)s;
	if (!flow_active(&x->flow))
		return UI_IGNORED;
	int event, flags = flow_key(&x->flow, a, key, &event);
	if (event == FLOW_YES) {
		struct backend_request req = {.op = "exception.acknowledge", .id = x->tenant,
					      .sub_id = x->target};
		flow_send(&x->flow, a, s, &req, TAG_ACK);
	}
	return flags | UI_REDRAW_STATUS;
}

static int acknowledge(struct exceptions *x, struct app *a)
{
	int row = ui_table_selected_row(&x->table);
	if (row < 0)
		return UI_HANDLED;
	const cJSON *o = row_at(x, row);
	if (!is_open(o)) {
		app_message(a, UI_MSG_INFO, "acknowledged already, by %s",
			    actor_name(x, jv_str(o, "acknowledged_by")));
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	snprintf(x->target, sizeof x->target, "%s", jv_str(o, "receipt_id"));
	char q[300];
	snprintf(q, sizeof q, "Acknowledge the exception to %s by %s?", jv_str(o, "action"),
		 actor_name(x, jv_str(o, "actor")));
	flow_question(&x->flow, K_ACK, q);
	return UI_HANDLED | UI_REDRAW;
}

static int exceptions_action(struct screen *s, struct app *a, int act)
{
	struct exceptions *x = (struct exceptions *)s;
	switch (act) {
	case ACT_MOVE_UP: ui_table_move(&x->table, -1); break;
	case ACT_MOVE_DOWN: ui_table_move(&x->table, 1); break;
	case ACT_MOVE_TOP: ui_table_move_to(&x->table, 0); break;
	case ACT_MOVE_BOTTOM: ui_table_move_to(&x->table, x->table.n_view - 1); break;
	case ACT_ACKNOWLEDGE: return acknowledge(x, a);
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void exceptions_free(struct screen *s)
{
	struct exceptions *x = (struct exceptions *)s;
	cJSON_Delete(x->root);
	cJSON_Delete(x->actors);
	ui_table_free(&x->table);
	flow_free(&x->flow);
	free(x);
}

static const struct screen_ops exceptions_ops = {
	.name = "exceptions",
	.context = CTX_EXCEPTIONS,
	.draw = exceptions_draw,
	.key = exceptions_key,
	.action = exceptions_action,
	.fetch = exceptions_fetch,
	.reply = exceptions_reply,
	.free = exceptions_free,
};

struct screen *exceptions_new(struct app *a, const char *tenant)
{
	struct exceptions *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->base.ops = &exceptions_ops;
	x->app = a;
	snprintf(x->tenant, sizeof x->tenant, "%s", tenant ? tenant : "");
	struct ui_table_model m = {x, m_count, m_cell, m_role, m_key, m_compare, NULL};
	ui_table_init(&x->table, columns, N_COLS, m);
	ui_table_set_sort(&x->table, 0, false);
	return &x->base;
}
