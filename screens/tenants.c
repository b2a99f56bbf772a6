/* The tenants screen (issue 6): every tenant the caller may see, with kind, status, region and
 * partner; create and edit through forms, and suspend, resume or offboard behind an explicit
 * y/n that says what the change does. From a tenant: its actors and roles (Enter), its policy
 * (p) and its governed exceptions (x). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flow.h"

enum { TAG_LIST = 1, TAG_CHANGE };
enum { K_CREATE = 1, K_EDIT, K_SUSPEND, K_RESUME, K_OFFBOARD };
enum { COL_ID, COL_NAME, COL_KIND, COL_STATUS, COL_REGION, COL_PARTNER, N_COLS };

static const struct ui_table_column columns[N_COLS] = {
	{"ID", {10, 24, 1, 0}, false},	     {"NAME", {10, 0, 2, 1}, false},
	{"KIND", {8, 8, 0, 0}, false},	     {"STATUS", {10, 10, 0, 0}, false},
	{"REGION", {9, 14, 1, 2}, false},    {"PARTNER", {9, 24, 1, 3}, false},
};

struct tenants {
	struct screen base;
	struct app *app;
	cJSON *root; /* tenant.list's answer; items are the rows */
	const cJSON *items;
	bool loaded;
	struct ui_table table;
	struct flow flow;
	char target[64]; /* the tenant a change is about */
	char done[64];   /* what the change did, for the message */
};

static const cJSON *row_at(struct tenants *t, int row)
{
	return cJSON_GetArrayItem(t->items, row);
}

static int m_count(void *ctx)
{
	return cJSON_GetArraySize(((struct tenants *)ctx)->items);
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	static const char *const fields[N_COLS] = {"id", "name", "kind", "status", "region",
						   "partner_id"};
	const char *v = jv_str(row_at(ctx, row), fields[col]);
	snprintf(buf, len, "%s", *v ? v : "-");
}

static int m_role(void *ctx, int row, int col)
{
	const char *status = jv_str(row_at(ctx, row), "status");
	if (!strcmp(status, "offboarded"))
		return UI_ROLE_DIM;
	if (col == COL_STATUS)
		return !strcmp(status, "active") ? ROLE_ALLOW : UI_ROLE_STATUS_WARN;
	if (col == COL_KIND && !strcmp(jv_str(row_at(ctx, row), "kind"), "partner"))
		return UI_ROLE_KEY;
	return -1;
}

static const char *m_key(void *ctx, int row)
{
	return jv_str(row_at(ctx, row), "id");
}

static const cJSON *selected(struct tenants *t)
{
	int row = ui_table_selected_row(&t->table);
	return row < 0 ? NULL : row_at(t, row);
}

static void tenants_fetch(struct screen *s, struct app *a)
{
	struct backend_param q[] = {{"limit", "500"}, {NULL, NULL}};
	struct backend_request req = {.op = "tenant.list", .query = q};
	app_request(a, s, &req, TAG_LIST, NULL);
}

static int take_list(struct tenants *t, struct app *a, struct backend_response *resp)
{
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, "tenants", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON_Delete(t->root);
	t->root = cJSON_Parse(resp->body);
	t->items = cJSON_GetObjectItem(t->root, "items");
	t->loaded = true;
	ui_table_rebuild(&t->table);
	return UI_REDRAW;
}

static int tenants_reply(struct screen *s, struct app *a, int tag, void *user,
			 struct backend_response *resp)
{
	struct tenants *t = (struct tenants *)s;
	(void)user;
	if (tag == TAG_LIST)
		return take_list(t, a, resp);
	int flags;
	if (flow_reply(&t->flow, a, resp, "not changed", &flags)) {
		cJSON *o = cJSON_Parse(resp->body);
		app_message(a, UI_MSG_INFO, "tenant %s %s%s", jv_str(o, "id"), t->done,
			    resp->replayed ? " (replayed)" : "");
		cJSON_Delete(o);
		tenants_fetch(s, a);
	}
	return flags;
}

/* ---- changes ---- */

static int open_create(struct tenants *t, struct app *a)
{
	static const char *const kinds[] = {"customer", "partner"};
	struct ui_form *f = flow_form(&t->flow, K_CREATE, "New tenant");
	ui_form_add_text(f, "Name", "", true);
	ui_form_add_text(f, "Id", "", false);
	ui_form_add_text(f, "Region", "", false);
	/* Only platform admins make partners; a partner's admin makes its own customers. */
	ui_form_add_choice(f, "Kind", kinds, a->platform_admin ? 2 : 1, 0);
	ui_form_add_text(f, "Partner", a->platform_admin ? "" : a->tenant_id, false);
	snprintf(f->hint, sizeof f->hint, "Id: empty to let the server choose · Esc close");
	return UI_HANDLED | UI_REDRAW;
}

static int open_edit(struct tenants *t)
{
	const cJSON *row = selected(t);
	if (!row)
		return UI_HANDLED;
	snprintf(t->target, sizeof t->target, "%s", jv_str(row, "id"));
	char title[128];
	snprintf(title, sizeof title, "Edit tenant %s", t->target);
	struct ui_form *f = flow_form(&t->flow, K_EDIT, title);
	ui_form_add_text(f, "Name", jv_str(row, "name"), true);
	ui_form_add_text(f, "Region", jv_str(row, "region"), false);
	return UI_HANDLED | UI_REDRAW;
}

/* Suspend, resume and offboard: the question says what the new status means. */
static int open_status(struct tenants *t, struct app *a, int kind)
{
	const cJSON *row = selected(t);
	if (!row)
		return UI_HANDLED;
	const char *status = jv_str(row, "status");
	snprintf(t->target, sizeof t->target, "%s", jv_str(row, "id"));
	static const char *const need[] = {[K_SUSPEND] = "active", [K_RESUME] = "suspended"};
	if (!strcmp(status, "offboarded")) {
		app_message(a, UI_MSG_INFO, "%s is offboarded: that is final", t->target);
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	if (kind != K_OFFBOARD && strcmp(status, need[kind]) != 0) {
		app_message(a, UI_MSG_INFO, "%s is %s already", t->target, status);
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	char q[300];
	if (kind == K_SUSPEND)
		snprintf(q, sizeof q, "Suspend tenant %s? Every change its actors try is denied.",
			 t->target);
	else if (kind == K_RESUME)
		snprintf(q, sizeof q, "Resume tenant %s? Its actors may change things again.",
			 t->target);
	else
		snprintf(q, sizeof q, "Offboard tenant %s for good? Tokens are revoked, data kept "
				      "read-only.", t->target);
	flow_question(&t->flow, kind, q);
	return UI_HANDLED | UI_REDRAW;
}

static void add_field(cJSON *o, const char *name, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, name, v);
}

static void submit(struct tenants *t)
{
	const struct ui_form *f = &t->flow.form;
	char q[300];
	if (t->flow.kind == K_CREATE)
		snprintf(q, sizeof q, "Create %s tenant \"%s\"%s%s?", ui_form_value(f, 3),
			 ui_form_value(f, 0), *ui_form_value(f, 4) ? " under partner " : "",
			 ui_form_value(f, 4));
	else
		snprintf(q, sizeof q, "Rename tenant %s to \"%s\"%s%s?", t->target, ui_form_value(f, 0),
			 *ui_form_value(f, 1) ? ", region " : "", ui_form_value(f, 1));
	flow_ask(&t->flow, q);
}

static void send(struct tenants *t, struct app *a)
{
	static const char *const statuses[] = {[K_SUSPEND] = "suspended", [K_RESUME] = "active",
					       [K_OFFBOARD] = "offboarded"};
	static const char *const done[] = {[K_CREATE] = "created", [K_EDIT] = "changed",
					   [K_SUSPEND] = "suspended", [K_RESUME] = "resumed",
					   [K_OFFBOARD] = "offboarded"};
	const struct ui_form *f = &t->flow.form;
	cJSON *o = cJSON_CreateObject();
	struct backend_request req = {.op = "tenant.update", .id = t->target};
	if (t->flow.kind == K_CREATE) {
		req.op = "tenant.create";
		req.id = NULL;
		add_field(o, "name", ui_form_value(f, 0));
		add_field(o, "id", ui_form_value(f, 1));
		add_field(o, "region", ui_form_value(f, 2));
		add_field(o, "kind", ui_form_value(f, 3));
		add_field(o, "partner_id", ui_form_value(f, 4));
	} else if (t->flow.kind == K_EDIT) {
		add_field(o, "name", ui_form_value(f, 0));
		add_field(o, "region", ui_form_value(f, 1));
	} else {
		cJSON_AddStringToObject(o, "status", statuses[t->flow.kind]);
	}
	snprintf(t->done, sizeof t->done, "%s", done[t->flow.kind]);
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	req.body = body;
	flow_send(&t->flow, a, &t->base, &req, TAG_CHANGE);
	cJSON_free(body);
}

/* ---- drawing and keys ---- */

static void tenants_draw(struct screen *s, struct app *a, bool full)
{
	struct tenants *t = (struct tenants *)s;
	int body = app_body_lines(a);
	(void)full;
	char right[64];
	snprintf(right, sizeof right, "%d tenant%s ", t->table.n_view, t->table.n_view == 1 ? "" : "s");
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS - rw, UI_ROLE_TITLE, " klaxon  Tenants");
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	ui_table_draw(&t->table, stdscr, 1, 0, body - 2, COLS, false);
	if (t->loaded && t->table.n_view == 0)
		ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM, "no tenants visible to you");
	ui_put_clip(stdscr, body - 1, 0, COLS, UI_ROLE_DIM,
		    " n new  e edit  s suspend  u resume  X offboard  Enter actors  p policy  ? more");
	flow_draw(&t->flow);
}

static int tenants_key(struct screen *s, struct app *a, int key)
{
	struct tenants *t = (struct tenants *)s;
	if (!flow_active(&t->flow))
		return UI_IGNORED;
	int event, flags = flow_key(&t->flow, a, key, &event);
	if (event == FLOW_SUBMIT)
		submit(t);
	else if (event == FLOW_YES)
		send(t, a);
	return flags | UI_REDRAW_STATUS;
}

static int open_tenant(struct tenants *t, struct app *a, int act)
{
	const cJSON *row = selected(t);
	if (!row)
		return UI_HANDLED;
	const char *id = jv_str(row, "id");
	app_push(a, act == ACT_OPEN_POLICY ? policy_new(a, id)
		    : act == ACT_EXCEPTIONS ? exceptions_new(a, id)
					    : actors_new(a, id));
	return UI_HANDLED;
}

static int tenants_action(struct screen *s, struct app *a, int act)
{
	struct tenants *t = (struct tenants *)s;
	int page = t->table.height > 1 ? t->table.height - 1 : 1;
	switch (act) {
	case ACT_MOVE_UP: ui_table_move(&t->table, -1); break;
	case ACT_MOVE_DOWN: ui_table_move(&t->table, 1); break;
	case ACT_PAGE_UP: ui_table_move(&t->table, -page); break;
	case ACT_PAGE_DOWN: ui_table_move(&t->table, page); break;
	case ACT_MOVE_TOP: ui_table_move_to(&t->table, 0); break;
	case ACT_MOVE_BOTTOM: ui_table_move_to(&t->table, t->table.n_view - 1); break;
	case ACT_CREATE: return open_create(t, a);
	case ACT_EDIT: return open_edit(t);
	case ACT_SUSPEND: return open_status(t, a, K_SUSPEND);
	case ACT_RESUME: return open_status(t, a, K_RESUME);
	case ACT_OFFBOARD: return open_status(t, a, K_OFFBOARD);
	case ACT_OPEN_ACTORS:
	case ACT_OPEN_POLICY:
	case ACT_EXCEPTIONS: return open_tenant(t, a, act);
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void tenants_free(struct screen *s)
{
	struct tenants *t = (struct tenants *)s;
	cJSON_Delete(t->root);
	ui_table_free(&t->table);
	flow_free(&t->flow);
	free(t);
}

static const struct screen_ops tenants_ops = {
	.name = "tenants",
	.context = CTX_TENANTS,
	.draw = tenants_draw,
	.key = tenants_key,
	.action = tenants_action,
	.fetch = tenants_fetch,
	.reply = tenants_reply,
	.free = tenants_free,
};

struct screen *tenants_new(struct app *a)
{
	struct tenants *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->base.ops = &tenants_ops;
	t->app = a;
	struct ui_table_model m = {t, m_count, m_cell, m_role, m_key, NULL, NULL};
	ui_table_init(&t->table, columns, N_COLS, m);
	return &t->base;
}
