/* The approval queue: pending approval gates across runs with their age, risk, quorum and
 * requester; approving or rejecting one shows the exact statement that will be signed, then
 * signs it here with the approver's own key (the secret never leaves this process) and sends
 * it. The key's fingerprint is on screen, checked against the key registered on the actor. A
 * passphrase-protected key's passphrase is a field of the dialog, never drawn, and zeroed as
 * soon as the statement is signed or the dialog closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "approval.h"
#include "keys.h"
#include "runbook.h"

enum { TAG_LIST = 1, TAG_SESSION, TAG_DIGEST, TAG_APPROVE };
enum { DLG_APPROVE = 1, DLG_REJECT };

struct ap_row {
	char execution[48], step[64], runbook[64], risk[16], by[48], incident[48], roles[128];
	int version, granted, required;
	int64_t requested_ms;
};

struct approvals {
	struct screen base;
	struct app *app;
	struct ap_row *rows;
	int n;
	bool have;
	struct ui_table table;
	char key_path[1100], key_shown[1100], key_id[17], key_err[300];
	bool key_locked; /* passphrase-protected: asked for in the dialog, wiped once used */
	char me[48], my_key_id[24];
	bool have_session;
	struct run_dialog dlg;
	struct ap_row target;  /* the gate being decided */
	char digest[64];       /* its run's runbook digest, for the statement */
	bool digest_ok, submitted;
	char *statement;       /* the exact bytes on screen, signed on y */
};

static const struct ui_table_column columns[] = {
	{"RUN", {30, 30, 0, 2}, false},	   {"STEP", {8, 20, 1, 0}, false},
	{"RUNBOOK", {10, 24, 2, 0}, false}, {"RISK", {8, 8, 0, 0}, false},
	{"QUORUM", {6, 6, 0, 0}, false},   {"BY", {8, 16, 1, 1}, false},
	{"AGE", {4, 5, 0, 0}, true},
};

static int m_count(void *ctx)
{
	return ((struct approvals *)ctx)->n;
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	struct approvals *s = ctx;
	const struct ap_row *r = &s->rows[row];
	switch (col) {
	case 0: snprintf(buf, len, "%s", r->execution); break;
	case 1: snprintf(buf, len, "%s", r->step); break;
	case 2: snprintf(buf, len, "%s", r->runbook); break;
	case 3: snprintf(buf, len, "%s", r->risk); break;
	case 4: snprintf(buf, len, "%d/%d", r->granted, r->required); break;
	case 5: snprintf(buf, len, "%s", app_actor_name(s->app, r->by)); break;
	default: inc_age(app_now_ms(s->app) - r->requested_ms, buf, len);
	}
}

static int m_role(void *ctx, int row, int col)
{
	const struct ap_row *r = &((struct approvals *)ctx)->rows[row];
	if (col == 3)
		return rb_risk_role(r->risk);
	return col == 0 || col == 6 ? UI_ROLE_DIM : -1;
}

static const char *m_key(void *ctx, int row)
{
	static char key[128]; /* the table copies it at once */
	const struct ap_row *r = &((struct approvals *)ctx)->rows[row];
	snprintf(key, sizeof key, "%.47s/%.63s", r->execution, r->step);
	return key;
}

/* ---- the queue ---- */

/* The id of a protected key, whose secret half holds it encrypted: from the public key beside
 * it; "" when there is none. */
static void locked_key_id(struct approvals *s)
{
	char pub[1200], err[200];
	keys_pub_path(s->key_path, pub, sizeof pub);
	if (keys_id(pub, s->key_id, err, sizeof err) != 0)
		s->key_id[0] = 0;
}

static void check_key(struct approvals *s)
{
	char err[200];
	s->key_id[0] = s->key_err[0] = 0;
	s->key_locked = false;
	if (keys_id(s->key_path, s->key_id, err, sizeof err) == 0)
		return;
	s->key_id[0] = 0;
	if (keys_encrypted(s->key_path)) {
		s->key_locked = true;
		locked_key_id(s);
		return;
	}
	size_t n = strlen(s->key_path);
	if (!strncmp(err, s->key_path, n)) { /* the path as the key line shows it */
		char rest[80];
		snprintf(rest, sizeof rest, "%s", err + n);
		snprintf(err, sizeof err, "%.110s%s", s->key_shown, rest);
	}
	snprintf(s->key_err, sizeof s->key_err, "%s", err);
}

static void approvals_fetch(struct screen *base, struct app *a)
{
	struct approvals *s = (struct approvals *)base;
	struct backend_param q[] = {{"status", "pending"}, {"limit", "500"}, {NULL, NULL}};
	struct backend_request req = {.op = "approval.list", .query = q};
	app_request(a, base, &req, TAG_LIST, NULL);
	struct backend_request who = {.op = "session.get"};
	app_request(a, base, &who, TAG_SESSION, NULL);
	check_key(s);
}

static void take_list(struct approvals *s, const cJSON *items)
{
	int n = cJSON_GetArraySize(items), k = 0;
	struct ap_row *rows = calloc((size_t)n + 1, sizeof *rows);
	if (!rows)
		return;
	const cJSON *it, *role;
	cJSON_ArrayForEach(it, items)
	{
		struct ap_row *r = &rows[k];
		rb_copy(r->execution, sizeof r->execution, rb_json_str(it, "execution_id"));
		rb_copy(r->step, sizeof r->step, rb_json_str(it, "step_id"));
		if (!r->execution[0] || !r->step[0] || k == n)
			continue;
		rb_copy(r->runbook, sizeof r->runbook, rb_json_str(it, "runbook_id"));
		rb_copy(r->risk, sizeof r->risk, rb_json_str(it, "risk"));
		rb_copy(r->by, sizeof r->by, rb_json_str(it, "launched_by"));
		rb_copy(r->incident, sizeof r->incident, rb_json_str(it, "incident_id"));
		r->version = rb_json_int(it, "runbook_version", 0);
		r->granted = rb_json_int(it, "granted", 0);
		r->required = rb_json_int(it, "required", 1);
		r->requested_ms = inc_time_ms(rb_json_str(it, "requested_at"));
		size_t used = 0;
		cJSON_ArrayForEach(role, cJSON_GetObjectItem(it, "roles"))
		{
			if (cJSON_IsString(role) && used < sizeof r->roles)
				used += (size_t)snprintf(r->roles + used, sizeof r->roles - used, "%s%s",
							 used ? ", " : "", role->valuestring);
		}
		k++;
	}
	free(s->rows);
	s->rows = rows;
	s->n = k;
	s->have = true;
	ui_table_rebuild(&s->table);
}

static void take_session(struct approvals *s, const cJSON *o)
{
	const cJSON *actor = cJSON_GetObjectItem(o, "actor");
	rb_copy(s->me, sizeof s->me, rb_json_str(actor, "id"));
	rb_copy(s->my_key_id, sizeof s->my_key_id, rb_json_str(actor, "key_id"));
	s->have_session = s->me[0] != 0;
}

/* ---- deciding ---- */

static const struct ap_row *selected(struct approvals *s)
{
	int row = ui_table_selected_row(&s->table);
	return row >= 0 && row < s->n ? &s->rows[row] : NULL;
}

static int open_decision(struct approvals *s, struct app *a, bool reject)
{
	const struct ap_row *r = selected(s);
	if (!r)
		return UI_HANDLED;
	check_key(s);
	if (s->key_err[0]) {
		app_message(a, UI_MSG_ERROR, "cannot sign: %s", s->key_err);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (s->have_session && !strcmp(r->by, s->me)) {
		app_message(a, UI_MSG_INFO, "you launched this run: another approver decides");
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	s->target = *r;
	s->digest_ok = s->submitted = false;
	char title[160];
	snprintf(title, sizeof title, "%s step %.40s of %.40s", reject ? "Reject" : "Approve", r->step,
		 r->runbook);
	struct ui_form *f = run_dialog_form(&s->dlg, reject ? DLG_REJECT : DLG_APPROVE, title);
	ui_form_add_text(f, "Reason", "", reject);
	if (s->key_locked)
		ui_form_add_secret(f, "Passphrase", true);
	/* The statement names the runbook version's digest: ask for it while the reason is typed. */
	struct backend_request req = {.op = "execution.get", .id = s->target.execution};
	app_request(a, &s->base, &req, TAG_DIGEST, NULL);
	return UI_HANDLED | UI_REDRAW;
}

/* The statement one field per line, cut after each top-level comma: joined again without
 * separators, the lines are exactly the bytes signed. */
static void statement_lines(struct run_dialog *d, const char *title, const char *text)
{
	char line[1100];
	size_t n = 0;
	int depth = 0;
	bool in_str = false, esc = false;
	for (const char *c = text; *c; c++) {
		if (n + 1 < sizeof line)
			line[n++] = *c;
		if (in_str) {
			if (esc)
				esc = false;
			else if (*c == '\\')
				esc = true;
			else if (*c == '"')
				in_str = false;
			continue;
		}
		if (*c == '"')
			in_str = true;
		else if (*c == '{' || *c == '[')
			depth++;
		else if (*c == '}' || *c == ']')
			depth--;
		else if (*c == ',' && depth == 1) {
			line[n] = 0;
			run_dialog_text(d, title, UI_ROLE_DIALOG, line);
			n = 0;
		}
	}
	line[n] = 0;
	if (n)
		run_dialog_text(d, title, UI_ROLE_DIALOG, line);
}

static void ask_sign(struct approvals *s, struct app *a)
{
	char reason[512], line[400];
	bool reject = s->dlg.what == DLG_REJECT;
	struct approval_input in = {
		.execution_id = s->target.execution,
		.step_id = s->target.step,
		.runbook_digest = s->digest,
		.approver = s->me,
		.reject = reject,
		.reason = run_dialog_value(&s->dlg, 0, reason, sizeof reason),
	};
	free(s->statement);
	s->statement = s->have_session ? approval_statement_new(&in) : NULL;
	if (!s->statement) {
		snprintf(s->dlg.form.error, sizeof s->dlg.form.error,
			 "the statement cannot be made: who you are is not known yet");
		return;
	}
	const char *title = "The statement you sign (exact bytes, one field per line)";
	statement_lines(&s->dlg, title, s->statement);
	run_dialog_text(&s->dlg, title, UI_ROLE_DIALOG, "");
	snprintf(line, sizeof line, "key %s%s · %.300s", s->key_id,
		 s->key_locked ? " (passphrase-protected)" : "", s->key_shown);
	run_dialog_text(&s->dlg, title, UI_ROLE_DIM, line);
	char q[200];
	snprintf(q, sizeof q, "Sign with key %s and send this %s?",
		 s->key_id[0] ? s->key_id : "(its id unknown)",
		 reject ? "rejection" : "approval");
	run_dialog_ask(&s->dlg, s->dlg.what, q);
	(void)a;
}

static void send_signed(struct approvals *s, struct app *a)
{
	char err[400];
	const char *pass = s->key_locked ? ui_form_value(&s->dlg.form, 1) : NULL;
	if (s->key_locked) {
		/* Unlocking the key (scrypt) holds this thread for seconds: the dialog closes
		 * and the status line says why the screen stands still before it does. */
		run_dialog_sending(&s->dlg);
		app_message(a, UI_MSG_INFO, "unlocking key %s and signing%s",
			    s->key_id[0] ? s->key_id : "(its id unknown)", ui_glyph(UI_G_ELLIPSIS));
		a->dirty |= UI_REDRAW;
		app_draw(a);
	}
	char *body = s->statement ? approval_request_body(s->statement, s->key_path, pass, err,
							  sizeof err)
				  : NULL;
	ui_form_wipe(&s->dlg.form);
	if (s->key_locked) /* a retry types it again */
		s->dlg.form.focus = 1;
	if (!body) {
		if (!s->statement)
			snprintf(err, sizeof err, "no statement");
		run_dialog_sending(&s->dlg); /* so that the answer reopens the form with the error */
		run_dialog_answer(&s->dlg, false, err);
		app_message(a, UI_MSG_ERROR, "not signed: %s", err);
		return;
	}
	struct backend_request req = {.op = "step.approve", .id = s->target.execution,
				      .sub_id = s->target.step, .body = body};
	req.idempotency_key = run_dialog_idempotency(&s->dlg, body);
	if (app_change(a, &s->base, &req, TAG_APPROVE, NULL))
		run_dialog_sending(&s->dlg);
	else
		run_dialog_answer(&s->dlg, false, "not sent");
	free(body);
}

static int take_digest(struct approvals *s, struct app *a, struct backend_response *resp)
{
	cJSON *o = resp->status == 200 ? cJSON_Parse(resp->body) : NULL;
	rb_copy(s->digest, sizeof s->digest, rb_json_str(o, "runbook_digest"));
	cJSON_Delete(o);
	s->digest_ok = s->digest[0] != 0;
	if (!s->digest_ok) {
		char err[300];
		backend_error_text(resp, err, sizeof err);
		snprintf(s->dlg.form.error, sizeof s->dlg.form.error, "the run cannot be read: %.200s",
			 err);
	} else if (s->submitted && s->dlg.stage == RD_FORM) {
		ask_sign(s, a);
	}
	return UI_REDRAW;
}

static int take_approve(struct approvals *s, struct app *a, struct backend_response *resp)
{
	free(s->statement);
	s->statement = NULL;
	if (resp->status < 200 || resp->status > 299) {
		char err[300];
		backend_error_text(resp, err, sizeof err);
		run_dialog_answer(&s->dlg, false, err);
		app_error_message(a, "not recorded", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	run_dialog_answer(&s->dlg, true, NULL);
	cJSON *o = cJSON_Parse(resp->body);
	app_message(a, UI_MSG_INFO, "%s %s/%s: %d of %d, step %s, receipt %s",
		    !strcmp(rb_json_str(o, "decision"), "reject") ? "rejected" : "approved",
		    s->target.runbook, s->target.step, rb_json_int(o, "granted", 0),
		    rb_json_int(o, "required", 0), rb_json_str(o, "step_status"), rb_json_str(o, "receipt_id"));
	cJSON_Delete(o);
	approvals_fetch(&s->base, a); /* the gate may have closed: the queue drains */
	backlog_refresh(a);
	return UI_REDRAW | UI_REDRAW_STATUS;
}

static int approvals_reply(struct screen *base, struct app *a, int tag, void *user,
			   struct backend_response *resp)
{
	struct approvals *s = (struct approvals *)base;
	(void)user;
	if (tag == TAG_DIGEST)
		return take_digest(s, a, resp);
	if (tag == TAG_APPROVE)
		return take_approve(s, a, resp);
	if (resp->status != 200) {
		if (resp->status != 503 && tag == TAG_LIST)
			app_error_message(a, "approvals", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *o = cJSON_Parse(resp->body);
	if (tag == TAG_LIST)
		take_list(s, cJSON_GetObjectItem(o, "items"));
	else
		take_session(s, o);
	cJSON_Delete(o);
	return UI_REDRAW;
}

/* ---- drawing ---- */

static void draw_key_line(struct approvals *s)
{
	char text[1600], id[64];
	int role = UI_ROLE_DIM;
	snprintf(id, sizeof id, "%s%s", s->key_id, s->key_locked ? " (passphrase-protected)" : "");
	if (s->key_err[0]) {
		snprintf(text, sizeof text, " Key: %s", s->key_err);
		role = UI_ROLE_ERROR;
	} else if (s->key_locked && !s->key_id[0]) {
		snprintf(text, sizeof text, " Key (passphrase-protected; no .pub beside it to show its "
			 "id) %s %s", ui_glyph(UI_G_VLINE), s->key_shown);
	} else if (s->have_session && !s->my_key_id[0]) {
		snprintf(text, sizeof text, " Key %s %s no key is registered on you: approvals will be "
			 "refused", id, ui_glyph(UI_G_VLINE));
		role = UI_ROLE_ERROR;
	} else if (s->have_session && strcmp(s->my_key_id, s->key_id)) {
		snprintf(text, sizeof text, " Key %s %s yours is %s: approvals will be refused", id,
			 ui_glyph(UI_G_VLINE), s->my_key_id);
		role = UI_ROLE_ERROR;
	} else {
		snprintf(text, sizeof text, " Key %s %s %s %s %s", id, ui_glyph(UI_G_VLINE),
			 s->have_session ? "registered on you" : "checking", ui_glyph(UI_G_VLINE),
			 s->key_shown);
	}
	ui_put_clip(stdscr, 1, 0, COLS, role, text);
}

static void draw_detail(struct approvals *s, struct app *a, int y, int h)
{
	const struct ap_row *r = selected(s);
	char line[400], age[16];
	ui_fill(stdscr, y, 0, h, COLS, UI_ROLE_NORMAL);
	if (!r || h < 3)
		return;
	snprintf(line, sizeof line, " %s v%d %s %s risk %s run %s", r->runbook, r->version,
		 ui_glyph(UI_G_VLINE), r->risk, ui_glyph(UI_G_VLINE), r->execution);
	ui_put_clip(stdscr, y, 0, COLS, rb_risk_role(r->risk), line);
	inc_age(app_now_ms(a) - r->requested_ms, age, sizeof age);
	snprintf(line, sizeof line, " launched by %s%s%s, waiting %s", app_actor_name(a, r->by),
		 r->incident[0] ? " for " : "", r->incident, age);
	ui_put_clip(stdscr, y + 1, 0, COLS, UI_ROLE_NORMAL, line);
	snprintf(line, sizeof line, " needs %d approval%s from: %s %s %d granted", r->required,
		 r->required == 1 ? "" : "s", r->roles[0] ? r->roles : "-", ui_glyph(UI_G_VLINE),
		 r->granted);
	ui_put_clip(stdscr, y + 2, 0, COLS, UI_ROLE_NORMAL, line);
}

static void approvals_draw(struct screen *base, struct app *a, bool full)
{
	struct approvals *s = (struct approvals *)base;
	int body = rb_body_lines(a);
	char right[96], age[16] = "-";
	(void)full;
	int64_t oldest = 0;
	for (int i = 0; i < s->n; i++)
		if (!oldest || s->rows[i].requested_ms < oldest)
			oldest = s->rows[i].requested_ms;
	if (oldest)
		inc_age(app_now_ms(a) - oldest, age, sizeof age);
	snprintf(right, sizeof right, "%d pending %s oldest %s ", s->n, ui_glyph(UI_G_VLINE), age);
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS, UI_ROLE_TITLE, " klaxon  Approvals");
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	draw_key_line(s);
	int th = body - 2 - 4;
	ui_table_draw(&s->table, stdscr, 2, 0, th, COLS, false);
	if (s->have && s->n == 0)
		ui_put(stdscr, 3, 1, COLS - 2, UI_ROLE_DIM, "no approvals pending");
	ui_hline(stdscr, 2 + th, 0, COLS, UI_ROLE_BORDER);
	draw_detail(s, a, 3 + th, body - 3 - th);
	run_dialog_draw(&s->dlg);
}

/* ---- keys ---- */

static int approvals_key(struct screen *base, struct app *a, int key)
{
	struct approvals *s = (struct approvals *)base;
	if (!run_dialog_active(&s->dlg))
		return UI_IGNORED;
	int flags;
	enum rd_event ev = run_dialog_key(&s->dlg, key, &flags);
	if (ev == RD_SUBMIT) {
		s->submitted = true;
		if (s->digest_ok)
			ask_sign(s, a);
		else if (!s->dlg.form.error[0])
			snprintf(s->dlg.form.hint, sizeof s->dlg.form.hint, "reading the run%s",
				 ui_glyph(UI_G_ELLIPSIS));
	} else if (ev == RD_YES) {
		send_signed(s, a);
	} else if (ev == RD_CANCEL) {
		ui_form_wipe(&s->dlg.form);
	}
	return flags | UI_HANDLED;
}

static int approvals_action(struct screen *base, struct app *a, int act)
{
	struct approvals *s = (struct approvals *)base;
	struct ui_table *t = &s->table;
	int page = t->height > 1 ? t->height - 1 : 1;
	const struct ap_row *r;
	switch (act) {
	case ACT_MOVE_UP: ui_table_move(t, -1); break;
	case ACT_MOVE_DOWN: ui_table_move(t, 1); break;
	case ACT_PAGE_UP: ui_table_move(t, -page); break;
	case ACT_PAGE_DOWN: ui_table_move(t, page); break;
	case ACT_MOVE_TOP: ui_table_move_to(t, 0); break;
	case ACT_MOVE_BOTTOM: ui_table_move_to(t, t->n_view - 1); break;
	case ACT_APPROVE: return open_decision(s, a, false);
	case ACT_REJECT: return open_decision(s, a, true);
	case ACT_OPEN:
		if ((r = selected(s)))
			app_push(a, runner_new(a, r->execution));
		return UI_HANDLED;
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void approvals_free(struct screen *base)
{
	struct approvals *s = (struct approvals *)base;
	free(s->rows);
	free(s->statement);
	ui_table_free(&s->table);
	ui_form_wipe(&s->dlg.form);
	run_dialog_free(&s->dlg);
	free(s);
}

static const struct screen_ops approvals_ops = {
	.name = "approvals",
	.context = CTX_APPROVALS,
	.draw = approvals_draw,
	.key = approvals_key,
	.action = approvals_action,
	.fetch = approvals_fetch,
	.reply = approvals_reply,
	.free = approvals_free,
};

struct screen *approvals_new(struct app *a)
{
	struct approvals *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base.ops = &approvals_ops;
	s->app = a;
	rb_approval_key(a, s->key_path, sizeof s->key_path);
	rb_tilde(s->key_path, s->key_shown, sizeof s->key_shown);
	struct ui_table_model m = {s, m_count, m_cell, m_role, m_key, NULL, NULL};
	ui_table_init(&s->table, columns, 7, m);
	run_dialog_init(&s->dlg);
	return &s->base;
}
