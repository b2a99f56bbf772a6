/* Roles and actors of a tenant (issue 6): the actors with their roles, key fingerprint and
 * disabled state, and the tenant's role catalog. New actors, role changes, disabling and
 * token rotation go through a confirmation; a new token is shown once, in a box that wipes
 * it when closed (the server keeps only its hash). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flow.h"
#include "keys.h"

enum { TAG_ACTORS = 1, TAG_ROLES, TAG_CHANGE };
enum { K_CREATE = 1, K_EDIT, K_DISABLE, K_ROTATE };
enum { COL_NAME, COL_ROLES, COL_KEY, COL_STATE, COL_ID, N_COLS };
#define CATALOG_ROWS 8

static const struct ui_table_column columns[N_COLS] = {
	{"NAME", {8, 20, 1, 0}, false},	 {"ROLES", {20, 0, 3, 0}, false},
	{"KEY", {16, 16, 0, 1}, false},	 {"STATE", {8, 8, 0, 0}, false},
	{"ID", {30, 30, 0, 2}, false},
};

struct actors {
	struct screen base;
	char tenant[64]; /* "" until the caller's own is known */
	cJSON *list, *catalog;
	const cJSON *items;
	bool loaded;
	struct ui_table table;
	struct ui_pager roles;
	struct flow flow;
	struct notice notice;
	char target[64], target_name[64];
};

static const cJSON *row_at(struct actors *s, int row)
{
	return cJSON_GetArrayItem(s->items, row);
}

static int m_count(void *ctx)
{
	return cJSON_GetArraySize(((struct actors *)ctx)->items);
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	const cJSON *o = row_at(ctx, row);
	switch (col) {
	case COL_NAME: snprintf(buf, len, "%s", jv_str(o, "name")); break;
	case COL_ROLES: jv_join(o, "roles", ", ", buf, len); break;
	case COL_KEY: snprintf(buf, len, "%s", *jv_str(o, "key_id") ? jv_str(o, "key_id") : "-"); break;
	case COL_STATE:
		snprintf(buf, len, "%s",
			 cJSON_IsTrue(cJSON_GetObjectItem(o, "disabled")) ? "disabled" : "active");
		break;
	default: snprintf(buf, len, "%s", jv_str(o, "id"));
	}
}

static int m_role(void *ctx, int row, int col)
{
	bool off = cJSON_IsTrue(cJSON_GetObjectItem(row_at(ctx, row), "disabled"));
	if (off)
		return col == COL_STATE ? UI_ROLE_STATUS_WARN : UI_ROLE_DIM;
	return col == COL_STATE ? ROLE_ALLOW : col == COL_ID || col == COL_KEY ? UI_ROLE_DIM : -1;
}

static const char *m_key(void *ctx, int row)
{
	return jv_str(row_at(ctx, row), "id");
}

static const char *tenant_of(struct actors *s, struct app *a)
{
	if (!s->tenant[0])
		snprintf(s->tenant, sizeof s->tenant, "%s", a->tenant_id);
	return s->tenant;
}

static void actors_fetch(struct screen *sc, struct app *a)
{
	struct actors *s = (struct actors *)sc;
	const char *tenant = tenant_of(s, a);
	if (!*tenant)
		return; /* the session has not said whose tenant this is yet */
	struct backend_request list = {.op = "actor.list", .id = tenant};
	app_request(a, sc, &list, TAG_ACTORS, NULL);
	struct backend_request roles = {.op = "roles.get", .id = tenant};
	app_request(a, sc, &roles, TAG_ROLES, NULL);
}

static void take_catalog(struct actors *s)
{
	ui_pager_clear(&s->roles);
	const cJSON *role;
	cJSON_ArrayForEach(role, cJSON_GetObjectItem(s->catalog, "roles"))
	{
		char patterns[400], line[480];
		const cJSON *p;
		size_t used = 0;
		patterns[0] = 0;
		cJSON_ArrayForEach(p, role)
		{
			if (cJSON_IsString(p) && used < sizeof patterns)
				used += (size_t)snprintf(patterns + used, sizeof patterns - used, "%s%s",
							 used ? "  " : "", p->valuestring);
		}
		snprintf(line, sizeof line, "  %-16s %s", role->string ? role->string : "?", patterns);
		ui_pager_add(&s->roles, UI_ROLE_NORMAL, line);
	}
}

/* A token arrived: shown once, and wiped from the answer it came in. */
static void show_token(struct actors *s, struct backend_response *resp, cJSON *o)
{
	cJSON *tok = cJSON_GetObjectItem(o, "token");
	const cJSON *actor = cJSON_GetObjectItem(o, "actor");
	const char *name = actor ? jv_str(actor, "name") : s->target_name;
	notice_open(&s->notice, "Token, shown once", true);
	notice_add(&s->notice, UI_ROLE_DIALOG_TITLE, "%s %s. Its token:",
		   actor ? "Actor" : "New token for", name);
	notice_add(&s->notice, UI_ROLE_DIALOG, "%s", "");
	notice_add(&s->notice, UI_ROLE_INPUT_FOCUS, "%s", cJSON_IsString(tok) ? tok->valuestring : "?");
	notice_add(&s->notice, UI_ROLE_DIALOG, "%s", "");
	notice_add(&s->notice, UI_ROLE_DIALOG, "%s",
		   "Copy it now: the server keeps only its hash and it is never shown again.");
	if (!actor)
		notice_add(&s->notice, UI_ROLE_DIALOG, "%s", "The old token no longer works.");
	if (cJSON_IsString(tok))
		explicit_bzero(tok->valuestring, strlen(tok->valuestring));
	if (resp->body)
		explicit_bzero(resp->body, strlen(resp->body));
}

static int actors_reply(struct screen *sc, struct app *a, int tag, void *user,
			struct backend_response *resp)
{
	struct actors *s = (struct actors *)sc;
	(void)user;
	if (tag == TAG_CHANGE) {
		int flags, kind = s->flow.kind;
		if (flow_reply(&s->flow, a, resp, "not changed", &flags)) {
			cJSON *o = cJSON_Parse(resp->body);
			if (kind == K_CREATE || kind == K_ROTATE)
				show_token(s, resp, o);
			else
				app_message(a, UI_MSG_INFO, "actor %s changed", s->target_name);
			cJSON_Delete(o);
			actors_fetch(sc, a);
		}
		return flags;
	}
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, tag == TAG_ROLES ? "role catalog" : "actors", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *o = cJSON_Parse(resp->body);
	if (tag == TAG_ROLES) {
		cJSON_Delete(s->catalog);
		s->catalog = o;
		take_catalog(s);
	} else {
		cJSON_Delete(s->list);
		s->list = o;
		s->items = cJSON_GetObjectItem(o, "items");
		s->loaded = true;
		ui_table_rebuild(&s->table);
	}
	return UI_REDRAW;
}

/* ---- changes ---- */

static const cJSON *pick(struct actors *s)
{
	int row = ui_table_selected_row(&s->table);
	const cJSON *o = row < 0 ? NULL : row_at(s, row);
	if (o) {
		snprintf(s->target, sizeof s->target, "%s", jv_str(o, "id"));
		snprintf(s->target_name, sizeof s->target_name, "%s", jv_str(o, "name"));
	}
	return o;
}

static int open_form(struct actors *s, int kind)
{
	char roles[256] = "viewer", title[128];
	const cJSON *o = kind == K_EDIT ? pick(s) : NULL;
	if (kind == K_EDIT && !o)
		return UI_HANDLED;
	if (o)
		jv_join(o, "roles", ", ", roles, sizeof roles);
	snprintf(title, sizeof title, kind == K_CREATE ? "New actor in %s" : "Edit actor %s",
		 kind == K_CREATE ? s->tenant : s->target_name);
	struct ui_form *f = flow_form(&s->flow, kind, title);
	if (kind == K_CREATE)
		ui_form_add_text(f, "Name", "", true);
	ui_form_add_text(f, "Roles", roles, kind == K_CREATE);
	ui_form_add_text(f, "Public key file", "", false);
	snprintf(f->hint, sizeof f->hint, "roles comma-separated · key: a minisign .pub · Esc close");
	return UI_HANDLED | UI_REDRAW;
}

static int open_question(struct actors *s, int kind)
{
	const cJSON *o = pick(s);
	if (!o)
		return UI_HANDLED;
	bool off = cJSON_IsTrue(cJSON_GetObjectItem(o, "disabled"));
	char q[300];
	if (kind == K_ROTATE)
		snprintf(q, sizeof q, "Issue %s a new token? The old one stops working at once.",
			 s->target_name);
	else if (off)
		snprintf(q, sizeof q, "Enable %s again?", s->target_name);
	else
		snprintf(q, sizeof q, "Disable %s? Its token stops working until it is enabled.",
			 s->target_name);
	flow_question(&s->flow, kind, q);
	return UI_HANDLED | UI_REDRAW;
}

static cJSON *roles_json(const char *text)
{
	cJSON *arr = cJSON_CreateArray();
	char buf[512];
	snprintf(buf, sizeof buf, "%s", text);
	for (char *save = NULL, *r = strtok_r(buf, ", ", &save); r; r = strtok_r(NULL, ", ", &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(r));
	return arr;
}

/* The form's key file as the API's base64 line; false with the form's error set. */
static bool add_key(struct actors *s, cJSON *o, const char *path)
{
	if (!*path)
		return true;
	char err[256];
	char *line = keys_public_line(path, err, sizeof err);
	if (!line) {
		snprintf(s->flow.form.error, sizeof s->flow.form.error, "%s", err);
		return false;
	}
	cJSON_AddStringToObject(o, "public_key", line);
	free(line);
	return true;
}

static void submit(struct actors *s)
{
	const struct ui_form *f = &s->flow.form;
	char q[300];
	if (s->flow.kind == K_CREATE)
		snprintf(q, sizeof q, "Create actor %s with roles %s?", ui_form_value(f, 0),
			 ui_form_value(f, 1));
	else
		snprintf(q, sizeof q, "Give %s the roles %s?", s->target_name, ui_form_value(f, 0));
	flow_ask(&s->flow, q);
}

static void send(struct actors *s, struct app *a)
{
	const struct ui_form *f = &s->flow.form;
	cJSON *o = cJSON_CreateObject();
	struct backend_request req = {.op = "actor.update", .id = s->tenant, .sub_id = s->target};
	bool ok = true;
	if (s->flow.kind == K_CREATE) {
		req.op = "actor.create";
		req.sub_id = NULL;
		cJSON_AddStringToObject(o, "name", ui_form_value(f, 0));
		cJSON_AddItemToObject(o, "roles", roles_json(ui_form_value(f, 1)));
		ok = add_key(s, o, ui_form_value(f, 2));
	} else if (s->flow.kind == K_EDIT) {
		cJSON_AddItemToObject(o, "roles", roles_json(ui_form_value(f, 0)));
		ok = add_key(s, o, ui_form_value(f, 1));
	} else if (s->flow.kind == K_DISABLE) {
		const cJSON *row = pick(s);
		cJSON_AddBoolToObject(o, "disabled", !cJSON_IsTrue(cJSON_GetObjectItem(row, "disabled")));
	} else {
		req.op = "actor.rotate_token";
	}
	char *body = s->flow.kind == K_ROTATE ? NULL : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	req.body = body;
	if (ok)
		flow_send(&s->flow, a, &s->base, &req, TAG_CHANGE);
	cJSON_free(body);
}

/* ---- drawing and keys ---- */

static void actors_draw(struct screen *sc, struct app *a, bool full)
{
	struct actors *s = (struct actors *)sc;
	int body = app_body_lines(a);
	(void)full;
	char left[128], right[64] = "";
	snprintf(left, sizeof left, " klaxon  Roles and actors %s %s", ui_glyph(UI_G_VLINE),
		 s->tenant[0] ? s->tenant : "?");
	if (s->catalog)
		snprintf(right, sizeof right, "catalog v%.0f ", jv_num(s->catalog, "version"));
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS - rw, UI_ROLE_TITLE, left);
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	int cat_rows = s->roles.n_lines < CATALOG_ROWS ? s->roles.n_lines : CATALOG_ROWS;
	int table_h = body - 3 - cat_rows;
	ui_table_draw(&s->table, stdscr, 1, 0, table_h, COLS, false);
	if (s->loaded && s->table.n_view == 0)
		ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM, "no actors");
	ui_hline(stdscr, 1 + table_h, 0, COLS, UI_ROLE_BORDER);
	ui_put(stdscr, 1 + table_h, 2, 14, UI_ROLE_HEADER, " Role catalog ");
	ui_pager_draw(&s->roles, stdscr, 2 + table_h, 0, cat_rows, COLS);
	ui_put_clip(stdscr, body - 1, 0, COLS, UI_ROLE_DIM,
		    " n new actor  e roles/key  d disable/enable  t rotate token  p policy");
	flow_draw(&s->flow);
	notice_draw(&s->notice);
}

static int actors_key(struct screen *sc, struct app *a, int key)
{
	struct actors *s = (struct actors *)sc;
	if (s->notice.open)
		return notice_key(&s->notice, key);
	if (!flow_active(&s->flow))
		return UI_IGNORED;
	int event, flags = flow_key(&s->flow, a, key, &event);
	if (event == FLOW_SUBMIT)
		submit(s);
	else if (event == FLOW_YES)
		send(s, a);
	return flags | UI_REDRAW_STATUS;
}

static int actors_action(struct screen *sc, struct app *a, int act)
{
	struct actors *s = (struct actors *)sc;
	struct ui_table *t = &s->table;
	switch (act) {
	case ACT_MOVE_UP: ui_table_move(t, -1); break;
	case ACT_MOVE_DOWN: ui_table_move(t, 1); break;
	case ACT_MOVE_TOP: ui_table_move_to(t, 0); break;
	case ACT_MOVE_BOTTOM: ui_table_move_to(t, t->n_view - 1); break;
	case ACT_PAGE_UP: ui_pager_scroll(&s->roles, -CATALOG_ROWS); break;
	case ACT_PAGE_DOWN: ui_pager_scroll(&s->roles, CATALOG_ROWS); break;
	case ACT_CREATE: return open_form(s, K_CREATE);
	case ACT_EDIT: return open_form(s, K_EDIT);
	case ACT_DISABLE: return open_question(s, K_DISABLE);
	case ACT_ROTATE: return open_question(s, K_ROTATE);
	case ACT_OPEN_POLICY: app_push(a, policy_new(a, s->tenant)); return UI_HANDLED;
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void actors_free(struct screen *sc)
{
	struct actors *s = (struct actors *)sc;
	cJSON_Delete(s->list);
	cJSON_Delete(s->catalog);
	ui_table_free(&s->table);
	ui_pager_free(&s->roles);
	flow_free(&s->flow);
	notice_close(&s->notice);
	free(s);
}

static const struct screen_ops actors_ops = {
	.name = "actors",
	.context = CTX_ACTORS,
	.draw = actors_draw,
	.key = actors_key,
	.action = actors_action,
	.fetch = actors_fetch,
	.reply = actors_reply,
	.free = actors_free,
};

struct screen *actors_new(struct app *a, const char *tenant)
{
	struct actors *s = calloc(1, sizeof *s);
	(void)a;
	if (!s)
		return NULL;
	s->base.ops = &actors_ops;
	snprintf(s->tenant, sizeof s->tenant, "%s", tenant ? tenant : "");
	struct ui_table_model m = {s, m_count, m_cell, m_role, m_key, NULL, NULL};
	ui_table_init(&s->table, columns, N_COLS, m);
	ui_pager_init(&s->roles);
	return &s->base;
}
