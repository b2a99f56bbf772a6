/* The policy screen (issue 6): a tenant's policy profile as coloured JSON, every version of it
 * (< and > step through them), a diff between any two, a "can I?" simulation that changes
 * nothing, and editing in $EDITOR: the server's validation errors are shown with their JSON
 * path and the same file is reopened, so an edit is never lost to a typo. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "flow.h"
#include "jsonview.h"
#include "policy_edit.h"

enum { TAG_CURRENT = 1, TAG_VERSION, TAG_SET, TAG_SIMULATE };
enum mode { MODE_PROFILE, MODE_DIFF };
#define MAX_VERSIONS 1024

struct policy {
	struct screen base;
	struct app *app;
	char tenant[64];
	cJSON *versions[MAX_VERSIONS + 1]; /* fetched ones, by number */
	bool asked[MAX_VERSIONS + 1];
	int latest, shown; /* shown 0: the latest */
	enum mode mode;
	int diff_from, diff_to, added, removed;
	struct jsonview view;
	struct ui_form diff_form, sim_form;
	bool diff_open, sim_open, sim_draft;
	struct notice notice;
	/* an edit in progress: the file, the body to send, its confirmation or its error */
	char edit_path[1100];
	char *edit_body;
	bool confirming, error_open, sending;
	struct ui_confirm confirm;
	char edit_error[700];
	char key[40];
};

/* ---- versions and what is shown ---- */

/* The document as written: without what the server adds beside it. */
static cJSON *doc_of(const cJSON *profile)
{
	cJSON *d = cJSON_Duplicate(profile, 1);
	static const char *const added[] = {"version", "digest", "created_at"};
	for (size_t i = 0; i < sizeof added / sizeof added[0]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(d, added[i]);
	return d;
}

static void ask_version(struct policy *p, struct app *a, int n)
{
	if (n < 1 || n > MAX_VERSIONS || p->versions[n] || p->asked[n])
		return;
	char num[16];
	snprintf(num, sizeof num, "%d", n);
	struct backend_request req = {.op = "policy_profile.version", .id = p->tenant, .sub_id = num};
	if (app_request(a, &p->base, &req, TAG_VERSION, (void *)(intptr_t)n) == 0)
		p->asked[n] = true;
}

static void add_json_of(struct jsonview *v, const cJSON *profile)
{
	cJSON *d = doc_of(profile);
	jv_add_json(v, d);
	cJSON_Delete(d);
}

/* Rebuilds the view from what is fetched, asking for what is missing. */
static void rebuild(struct policy *p, struct app *a)
{
	int top = p->view.top;
	jv_clear(&p->view);
	if (p->mode == MODE_PROFILE) {
		int v = p->shown ? p->shown : p->latest;
		if (v > 0 && p->versions[v])
			add_json_of(&p->view, p->versions[v]);
		else
			ask_version(p, a, v);
	} else if (p->versions[p->diff_from] && p->versions[p->diff_to]) {
		struct jsonview from, to;
		jv_init(&from);
		jv_init(&to);
		add_json_of(&from, p->versions[p->diff_from]);
		add_json_of(&to, p->versions[p->diff_to]);
		jv_add_diff(&p->view, &from, &to, &p->added, &p->removed);
		jv_free(&from);
		jv_free(&to);
	} else {
		ask_version(p, a, p->diff_from);
		ask_version(p, a, p->diff_to);
	}
	p->view.top = top;
}

static void policy_fetch(struct screen *s, struct app *a)
{
	struct policy *p = (struct policy *)s;
	if (!p->tenant[0])
		snprintf(p->tenant, sizeof p->tenant, "%s", a->tenant_id);
	if (!p->tenant[0])
		return;
	struct backend_request req = {.op = "policy_profile.get", .id = p->tenant};
	app_request(a, s, &req, TAG_CURRENT, NULL);
}

static int take_profile(struct policy *p, struct app *a, int n, struct backend_response *resp)
{
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, "policy profile", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *o = cJSON_Parse(resp->body);
	int v = (int)jv_num(o, "version");
	if (n == 0)
		p->latest = v;
	if (v < 1 || v > MAX_VERSIONS) {
		cJSON_Delete(o);
		return UI_REDRAW;
	}
	/* Published versions never change, so a fetched one is kept. */
	cJSON_Delete(p->versions[v]);
	p->versions[v] = o;
	rebuild(p, a);
	return UI_REDRAW;
}

/* ---- simulate: "can I?" ---- */

static void open_simulate(struct policy *p)
{
	if (!p->sim_draft) {
		ui_form_init(&p->sim_form, "Can I? (a simulation: nothing changes)");
		ui_form_add_text(&p->sim_form, "Action", "incident.create", true);
		ui_form_add_text(&p->sim_form, "Resource", "{\"severity\": \"sev1\"}", false);
		ui_form_add_text(&p->sim_form, "Context", "", false);
		ui_form_add_text(&p->sim_form, "Subject", "me", false);
		snprintf(p->sim_form.hint, sizeof p->sim_form.hint,
			 "JSON objects · subject: me, or roles a,b · Enter ask · Esc close");
		p->sim_draft = true;
	}
	p->sim_form.error[0] = 0;
	p->sim_form.focus = 0; /* the draft's values stay; the question starts at the action */
	p->sim_open = true;
}

/* A JSON object from a form field into o; false with the form's error. */
static bool add_object(struct ui_form *f, cJSON *o, int field, const char *name)
{
	const char *text = ui_form_value(f, field);
	if (!*text)
		return true;
	cJSON *v = cJSON_Parse(text);
	if (!cJSON_IsObject(v)) {
		snprintf(f->error, sizeof f->error, "%s is not a JSON object", f->fields[field].label);
		cJSON_Delete(v);
		return false;
	}
	cJSON_AddItemToObject(o, name, v);
	return true;
}

static void send_simulate(struct policy *p, struct app *a)
{
	struct ui_form *f = &p->sim_form;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "action", ui_form_value(f, 0));
	cJSON *subject = cJSON_AddObjectToObject(o, "subject");
	const char *who = ui_form_value(f, 3);
	if (!*who || !strcmp(who, "me")) {
		cJSON_AddStringToObject(subject, "actor", a->actor_id);
	} else {
		cJSON *roles = cJSON_AddArrayToObject(subject, "roles");
		char buf[512];
		snprintf(buf, sizeof buf, "%s", who);
		for (char *sv = NULL, *r = strtok_r(buf, ", ", &sv); r; r = strtok_r(NULL, ", ", &sv))
			cJSON_AddItemToArray(roles, cJSON_CreateString(r));
	}
	if (add_object(f, o, 1, "resource") && add_object(f, o, 2, "context")) {
		char *body = cJSON_PrintUnformatted(o);
		struct backend_request req = {.op = "policy.simulate", .id = p->tenant, .body = body};
		if (app_request(a, &p->base, &req, TAG_SIMULATE, NULL) == 0)
			p->sim_open = false;
		cJSON_free(body);
	}
	cJSON_Delete(o);
}

static int take_simulation(struct policy *p, struct app *a, struct backend_response *resp)
{
	if (resp->status != 200) {
		app_error_message(a, "simulation", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *d = cJSON_Parse(resp->body);
	const char *effect = jv_str(d, "effect");
	bool allow = !strcmp(effect, "allow");
	char rules[300];
	jv_join(d, "rules", ", ", rules, sizeof rules);
	struct notice *n = &p->notice;
	notice_open(n, "Can I?", false);
	notice_add(n, UI_ROLE_DIALOG_TITLE, "%s %s", ui_form_value(&p->sim_form, 0),
		   *ui_form_value(&p->sim_form, 1) ? ui_form_value(&p->sim_form, 1) : "");
	notice_add(n, allow ? ROLE_ALLOW : ROLE_DENY, "%s", allow ? " ALLOW " : " DENY ");
	notice_add(n, UI_ROLE_DIALOG, "Deciding rules: %s",
		   rules[0] ? rules : "none (nothing grants it)");
	const cJSON *v;
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "explanation"))
	{
		if (cJSON_IsString(v))
			notice_add(n, UI_ROLE_DIALOG, "Why: %s", v->valuestring);
	}
	if (!allow)
		notice_add(n, UI_ROLE_DIALOG, "Overridable: %s",
			   cJSON_IsTrue(cJSON_GetObjectItem(d, "overridable")) ? "yes, as a governed "
									       "exception"
									     : "no");
	notice_add(n, UI_ROLE_DIM, "Decided by profile version %.0f; nothing was changed.",
		   jv_num(d, "profile_version"));
	cJSON_Delete(d);
	return UI_REDRAW;
}

/* ---- editing in $EDITOR ---- */

static void edit_finish(struct policy *p)
{
	if (p->edit_path[0])
		unlink(p->edit_path);
	p->edit_path[0] = 0;
	free(p->edit_body);
	p->edit_body = NULL;
	p->error_open = p->confirming = false;
}

static void edit_error(struct policy *p, const char *fmt, const char *detail)
{
	snprintf(p->edit_error, sizeof p->edit_error, fmt, detail);
	p->error_open = true;
}

/* Where a local parse failed, as "line L, column C". */
static void parse_error_at(const char *text, const char *at, char *out, size_t len)
{
	int line = 1, col = 1;
	for (const char *c = text; at && c < at && *c; c++) {
		col = *c == '\n' ? 1 : col + 1;
		line += *c == '\n';
	}
	snprintf(out, len, "not JSON: line %d, column %d", line, col);
}

/* Runs the editor on the file, then checks it here before asking to send it. */
static int edit_run(struct policy *p, struct app *a)
{
	char err[600];
	p->error_open = false;
	if (policy_edit_run(p->edit_path, err, sizeof err)) {
		edit_error(p, "%s", err);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	char *text = policy_edit_read(p->edit_path, err, sizeof err);
	if (!text) {
		edit_error(p, "%s", err);
		return UI_HANDLED | UI_REDRAW;
	}
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithOpts(text, &end, 0);
	if (!cJSON_IsObject(doc)) {
		parse_error_at(text, doc ? text : end, err, sizeof err);
		edit_error(p, "%s", doc ? "the profile must be a JSON object" : err);
	} else {
		cJSON *clean = doc_of(doc);
		free(p->edit_body);
		p->edit_body = cJSON_PrintUnformatted(clean);
		cJSON_Delete(clean);
		char q[200];
		snprintf(q, sizeof q, "Upload this profile to %s as version %d?", p->tenant,
			 p->latest + 1);
		ui_confirm_open(&p->confirm, q);
		p->confirming = true;
		app_new_key(p->key);
	}
	cJSON_Delete(doc);
	free(text);
	(void)a;
	return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
}

static int edit_start(struct policy *p, struct app *a)
{
	if (!p->latest || !p->versions[p->latest]) {
		app_message(a, UI_MSG_ERROR, "the profile is not loaded yet");
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	if (p->edit_path[0]) /* an edit that was not sent: its file, as left */
		return edit_run(p, a);
	struct jsonview v;
	jv_init(&v);
	add_json_of(&v, p->versions[p->latest]);
	char *text = jv_text(&v);
	jv_free(&v);
	char err[600];
	int rc = text ? policy_edit_write(text, p->edit_path, sizeof p->edit_path, err, sizeof err)
		      : -1;
	free(text);
	if (rc) {
		p->edit_path[0] = 0;
		app_message(a, UI_MSG_ERROR, "cannot edit: %s", err);
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	return edit_run(p, a);
}

static void edit_send(struct policy *p, struct app *a)
{
	struct backend_request req = {.op = "policy_profile.set", .id = p->tenant,
				      .body = p->edit_body, .idempotency_key = p->key};
	p->sending = app_change(a, &p->base, &req, TAG_SET, NULL);
}

/* The server's answer: a validation error names its JSON path and reopens the file. */
static int take_set(struct policy *p, struct app *a, struct backend_response *resp)
{
	p->sending = false;
	if (resp->status >= 200 && resp->status < 300) {
		cJSON *o = cJSON_Parse(resp->body);
		app_message(a, UI_MSG_INFO, "profile version %.0f uploaded, digest %s",
			    jv_num(o, "version"), jv_str(o, "digest"));
		cJSON_Delete(o);
		edit_finish(p);
		p->shown = 0;
		policy_fetch(&p->base, a);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *o = cJSON_Parse(resp->body);
	const cJSON *e = cJSON_GetObjectItem(o, "error");
	if (resp->status == 400 && e) {
		char text[600];
		snprintf(text, sizeof text, "%s%s%s", *jv_str(e, "field") ? "at " : "", jv_str(e, "field"),
			 *jv_str(e, "field") ? ": " : "");
		size_t used = strlen(text);
		snprintf(text + used, sizeof text - used, "%s", jv_str(e, "message"));
		edit_error(p, "%s", text);
	}
	cJSON_Delete(o);
	app_error_message(a, "profile not uploaded", resp);
	return UI_REDRAW | UI_REDRAW_STATUS;
}

/* ---- drawing ---- */

static void draw_header(struct policy *p, int width)
{
	char line[300];
	int v = p->shown ? p->shown : p->latest;
	const cJSON *doc = v > 0 ? p->versions[v] : NULL;
	if (p->mode == MODE_DIFF)
		snprintf(line, sizeof line, " diff version %d %s %d: %d line%s added, %d removed  "
					    "(q back)", p->diff_from, ui_glyph(UI_G_ARROW),
			 p->diff_to, p->added, p->added == 1 ? "" : "s", p->removed);
	else if (doc)
		snprintf(line, sizeof line, " profile %s %s version %d of %d%s %s digest %.12s%s",
			 jv_str(doc, "name"), ui_glyph(UI_G_VLINE), v, p->latest,
			 v == p->latest ? " (current)" : "", ui_glyph(UI_G_VLINE), jv_str(doc, "digest"),
			 ui_glyph(UI_G_ELLIPSIS));
	else
		snprintf(line, sizeof line, " loading%s", ui_glyph(UI_G_ELLIPSIS));
	ui_put_clip(stdscr, 1, 0, width, UI_ROLE_HEADER, line);
}

static void draw_edit(struct policy *p)
{
	if (p->confirming)
		ui_confirm_draw(&p->confirm, stdscr);
	if (!p->error_open)
		return;
	int y, x, h, w;
	ui_dialog_frame(stdscr, 9, COLS < 100 ? COLS : 80, "The profile was not accepted", &y, &x,
			&h, &w);
	if (h < 5)
		return;
	ui_put_clip(stdscr, y + 2, x + 2, w - 4, UI_ROLE_ERROR, p->edit_error);
	ui_put_clip(stdscr, y + 4, x + 2, w - 4, UI_ROLE_DIALOG, "Your edit is kept in its file.");
	ui_put_clip(stdscr, y + h - 2, x + 2, w - 4, UI_ROLE_DIM,
		    "Enter reopens it in $EDITOR · Esc discards the edit");
}

static void policy_draw(struct screen *s, struct app *a, bool full)
{
	struct policy *p = (struct policy *)s;
	int body = app_body_lines(a);
	(void)full;
	char left[128];
	snprintf(left, sizeof left, " klaxon  Policy %s %s", ui_glyph(UI_G_VLINE),
		 p->tenant[0] ? p->tenant : "?");
	ui_put(stdscr, 0, 0, COLS, UI_ROLE_TITLE, left);
	draw_header(p, COLS);
	ui_fill(stdscr, 2, 0, body - 3, 1, UI_ROLE_NORMAL); /* a margin, so text reads apart */
	jv_draw(&p->view, 2, 1, body - 3, COLS - 1);
	ui_put_clip(stdscr, body - 1, 0, COLS, UI_ROLE_DIM,
		    " < > versions  d diff  e edit in $EDITOR  s can I?  x exceptions  a actors");
	if (p->diff_open)
		ui_form_draw(&p->diff_form, stdscr);
	if (p->sim_open)
		ui_form_draw(&p->sim_form, stdscr);
	notice_draw(&p->notice);
	draw_edit(p);
}

/* ---- keys ---- */

static int diff_key(struct policy *p, struct app *a, int key)
{
	int flags = 0, r = ui_form_key(&p->diff_form, key, &flags);
	if (r == UI_FORM_CANCEL)
		p->diff_open = false;
	if (r != UI_FORM_SUBMIT)
		return flags | UI_HANDLED;
	int from = atoi(ui_form_value(&p->diff_form, 0)), to = atoi(ui_form_value(&p->diff_form, 1));
	if (from < 1 || to < 1 || from > p->latest || to > p->latest) {
		snprintf(p->diff_form.error, sizeof p->diff_form.error, "versions are 1 to %d",
			 p->latest);
		return UI_HANDLED | UI_REDRAW;
	}
	p->diff_open = false;
	p->mode = MODE_DIFF;
	p->diff_from = from;
	p->diff_to = to;
	p->view.top = 0;
	rebuild(p, a);
	return UI_HANDLED | UI_REDRAW;
}

static int edit_key(struct policy *p, struct app *a, int key)
{
	if (p->confirming) {
		int r = ui_confirm_key(&p->confirm, key);
		if (r == UI_CONFIRM_NONE)
			return UI_HANDLED;
		p->confirming = false;
		if (r == UI_CONFIRM_YES)
			edit_send(p, a);
		else
			edit_error(p, "%s", "not uploaded (you said no)");
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (key == UI_KEY_ENTER)
		return edit_run(p, a);
	if (key == UI_KEY_ESC) {
		edit_finish(p);
		app_message(a, UI_MSG_INFO, "edit discarded; the profile is unchanged");
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	return UI_HANDLED;
}

static int policy_key(struct screen *s, struct app *a, int key)
{
	struct policy *p = (struct policy *)s;
	if (p->notice.open)
		return notice_key(&p->notice, key);
	if (p->sending)
		return UI_HANDLED;
	if (p->confirming || p->error_open)
		return edit_key(p, a, key);
	if (p->diff_open)
		return diff_key(p, a, key);
	if (!p->sim_open)
		return UI_IGNORED;
	int flags = 0, r = ui_form_key(&p->sim_form, key, &flags);
	if (r == UI_FORM_CANCEL)
		p->sim_open = false;
	else if (r == UI_FORM_SUBMIT)
		send_simulate(p, a);
	return flags | UI_HANDLED | UI_REDRAW;
}

static int open_diff(struct policy *p)
{
	if (p->latest < 1)
		return UI_HANDLED;
	char from[16], to[16];
	int shown = p->shown ? p->shown : p->latest;
	snprintf(from, sizeof from, "%d", shown > 1 ? shown - 1 : 1);
	snprintf(to, sizeof to, "%d", shown);
	ui_form_init(&p->diff_form, "Compare two versions");
	ui_form_add_text(&p->diff_form, "From version", from, true);
	ui_form_add_text(&p->diff_form, "To version", to, true);
	p->diff_open = true;
	return UI_HANDLED | UI_REDRAW;
}

static int step_version(struct policy *p, struct app *a, int delta)
{
	int v = (p->shown ? p->shown : p->latest) + delta;
	if (p->mode != MODE_PROFILE || v < 1 || v > p->latest)
		return UI_HANDLED;
	p->shown = v == p->latest ? 0 : v;
	p->view.top = 0;
	rebuild(p, a);
	return UI_HANDLED | UI_REDRAW;
}

static int policy_action(struct screen *s, struct app *a, int act)
{
	struct policy *p = (struct policy *)s;
	int page = p->view.height > 1 ? p->view.height - 1 : 1;
	switch (act) {
	case ACT_MOVE_UP: jv_scroll(&p->view, -1); break;
	case ACT_MOVE_DOWN: jv_scroll(&p->view, 1); break;
	case ACT_PAGE_UP: jv_scroll(&p->view, -page); break;
	case ACT_PAGE_DOWN: jv_scroll(&p->view, page); break;
	case ACT_MOVE_TOP: p->view.top = 0; break;
	case ACT_MOVE_BOTTOM: jv_scroll(&p->view, p->view.n); break;
	case ACT_MOVE_LEFT: return step_version(p, a, -1);
	case ACT_MOVE_RIGHT: return step_version(p, a, 1);
	case ACT_DIFF: return open_diff(p);
	case ACT_SIMULATE: open_simulate(p); break;
	case ACT_EDIT: return edit_start(p, a);
	case ACT_EXCEPTIONS: app_push(a, exceptions_new(a, p->tenant)); return UI_HANDLED;
	case ACT_OPEN_ACTORS: app_push(a, actors_new(a, p->tenant)); return UI_HANDLED;
	case ACT_BACK:
		if (p->mode != MODE_DIFF)
			return UI_IGNORED;
		p->mode = MODE_PROFILE; /* q leaves the diff first, then the screen */
		p->view.top = 0;
		rebuild(p, a);
		break;
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static int policy_reply(struct screen *s, struct app *a, int tag, void *user,
			struct backend_response *resp)
{
	struct policy *p = (struct policy *)s;
	switch (tag) {
	case TAG_CURRENT: return take_profile(p, a, 0, resp);
	case TAG_VERSION:
		p->asked[(intptr_t)user] = false;
		return take_profile(p, a, (int)(intptr_t)user, resp);
	case TAG_SET: return take_set(p, a, resp);
	default: return take_simulation(p, a, resp);
	}
}

static void policy_free(struct screen *s)
{
	struct policy *p = (struct policy *)s;
	edit_finish(p); /* an edit never sent leaves no file behind */
	for (int i = 0; i <= MAX_VERSIONS; i++)
		cJSON_Delete(p->versions[i]);
	jv_free(&p->view);
	notice_close(&p->notice);
	free(p);
}

static const struct screen_ops policy_ops = {
	.name = "policy",
	.context = CTX_POLICY,
	.draw = policy_draw,
	.key = policy_key,
	.action = policy_action,
	.fetch = policy_fetch,
	.reply = policy_reply,
	.free = policy_free,
};

struct screen *policy_new(struct app *a, const char *tenant)
{
	struct policy *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->base.ops = &policy_ops;
	p->app = a;
	snprintf(p->tenant, sizeof p->tenant, "%s", tenant ? tenant : "");
	jv_init(&p->view);
	return &p->base;
}
