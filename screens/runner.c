/* The step runner: one run's steps with their live status, attempts and exit codes, the
 * selected step's output in a pager that keeps to the end while a command runs, and the
 * changes: execute the next step, abort, roll back. While a command or a rollback runs the
 * run is polled every second (faster than the app's refresh), and a high or critical runbook
 * asks for its id to be typed before each change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runbook.h"

enum { TAG_EXEC = 1, TAG_DOC, TAG_EXECUTE, TAG_ABORT, TAG_ROLLBACK };
enum { DLG_EXECUTE = 1, DLG_ABORT, DLG_ROLLBACK };
#define POLL_MS 1000
/* How long :execute may hold the backend worker before answering 202: short, so a long
 * command never queues the screen's other requests behind it. */
#define EXECUTE_WAIT_S 1

struct step_row {
	char id[64], kind[16], status[24], title[128];
	int attempts, exit_code, approvals, required;
	bool has_exit;
	char *output; /* owned */
	int64_t started_ms;
};

struct runner {
	struct screen base;
	struct app *app;
	char id[48];
	bool have_exec, asked_doc, missing;
	char runbook_id[64], status[24], incident[48], by[48], digest[64], risk[16];
	char created_at[32], receipt[48];
	int version;
	struct step_row *steps;
	int n_steps;
	struct ui_table table;
	bool auto_select; /* the selection follows the active step until the user moves it */
	struct ui_pager out;
	char out_of[160]; /* what the pager shows: step, status, attempts, output size */
	cJSON *doc;       /* the pinned runbook version's document: argv and rollbacks */
	struct run_dialog dlg;
	char step[64];    /* the step being executed */
};

static const struct ui_table_column columns[] = {
	{"#", {2, 3, 0, 0}, true},	     {"STEP", {10, 24, 2, 0}, false},
	{"KIND", {8, 8, 0, 0}, false},	     {"STATUS", {17, 17, 0, 0}, false},
	{"TRIES", {5, 5, 0, 2}, true},	     {"EXIT", {4, 5, 0, 0}, true},
	{"APPROVALS", {9, 9, 0, 3}, false}, {"TITLE", {10, 0, 3, 1}, false},
};

static bool finished(const char *status)
{
	static const char *const done[] = {"succeeded", "failed", "aborted", "rolling_back",
					   "rolled_back"};
	for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
		if (!strcmp(status, done[i]))
			return true;
	return false;
}

static bool step_done(const char *status)
{
	return !strcmp(status, "succeeded") || !strcmp(status, "skipped") ||
	       !strcmp(status, "rolled_back");
}

/* ---- the table model ---- */

static int m_count(void *ctx)
{
	return ((struct runner *)ctx)->n_steps;
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	const struct step_row *st = &((struct runner *)ctx)->steps[row];
	buf[0] = 0;
	switch (col) {
	case 0: snprintf(buf, len, "%d", row + 1); break;
	case 1: snprintf(buf, len, "%s", st->id); break;
	case 2: snprintf(buf, len, "%s", st->kind); break;
	case 3: snprintf(buf, len, "%s", st->status); break;
	case 4: snprintf(buf, len, "%d", st->attempts); break;
	case 5:
		if (st->has_exit)
			snprintf(buf, len, "%d", st->exit_code);
		else
			snprintf(buf, len, "-");
		break;
	case 6:
		if (!strcmp(st->kind, "approval"))
			snprintf(buf, len, "%d of %d", st->approvals, st->required);
		break;
	default: snprintf(buf, len, "%s", st->title);
	}
}

static int m_role(void *ctx, int row, int col)
{
	const struct step_row *st = &((struct runner *)ctx)->steps[row];
	if (col == 3)
		return rb_status_role(st->status);
	if (col == 5 && st->has_exit && st->exit_code != 0)
		return ROLE_SEV1;
	return col == 0 || col == 4 ? UI_ROLE_DIM : -1;
}

static const char *m_key(void *ctx, int row)
{
	return ((struct runner *)ctx)->steps[row].id;
}

/* ---- the run ---- */

static void free_steps(struct step_row *steps, int n)
{
	for (int i = 0; i < n; i++)
		free(steps[i].output);
	free(steps);
}

/* The step to look at: the running one, else the furthest one that has moved. */
static int active_step(const struct runner *r)
{
	int last = 0;
	for (int i = 0; i < r->n_steps; i++) {
		if (!strcmp(r->steps[i].status, "running"))
			return i;
		if (strcmp(r->steps[i].status, "pending"))
			last = i;
	}
	return last;
}

static bool polling_needed(const struct runner *r)
{
	if (!strcmp(r->status, "rolling_back"))
		return true;
	for (int i = 0; i < r->n_steps; i++)
		if (!strcmp(r->steps[i].status, "running"))
			return true;
	return false;
}

static void take_steps(struct runner *r, const cJSON *steps)
{
	int n = cJSON_GetArraySize(steps), k = 0;
	struct step_row *rows = calloc((size_t)n + 1, sizeof *rows);
	if (!rows)
		return;
	const cJSON *it;
	cJSON_ArrayForEach(it, steps)
	{
		struct step_row *st = &rows[k];
		rb_copy(st->id, sizeof st->id, rb_json_str(it, "id"));
		if (!st->id[0] || k == n)
			continue;
		rb_copy(st->kind, sizeof st->kind, rb_json_str(it, "kind"));
		rb_copy(st->status, sizeof st->status, rb_json_str(it, "status"));
		rb_copy(st->title, sizeof st->title, rb_json_str(it, "title"));
		st->attempts = rb_json_int(it, "attempts", 0);
		st->approvals = rb_json_int(it, "approvals", 0);
		st->required = rb_json_int(it, "required", 0);
		st->has_exit = cJSON_IsNumber(cJSON_GetObjectItem(it, "exit_code"));
		st->exit_code = rb_json_int(it, "exit_code", 0);
		const char *out = cJSON_GetStringValue(cJSON_GetObjectItem(it, "output"));
		st->output = out ? strdup(out) : NULL;
		st->started_ms = inc_time_ms(rb_json_str(it, "started_at"));
		k++;
	}
	free_steps(r->steps, r->n_steps);
	r->steps = rows;
	r->n_steps = k;
	ui_table_rebuild(&r->table);
	if (r->auto_select && k > 0)
		ui_table_move_to(&r->table, active_step(r));
}

static int take_exec(struct runner *r, struct app *a, struct backend_response *resp)
{
	if (resp->status != 200) {
		r->missing = resp->status == 404;
		if (resp->status != 503)
			app_error_message(a, r->id, resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	r->missing = false;
	cJSON *o = cJSON_Parse(resp->body);
	rb_copy(r->runbook_id, sizeof r->runbook_id, rb_json_str(o, "runbook_id"));
	rb_copy(r->status, sizeof r->status, rb_json_str(o, "status"));
	rb_copy(r->incident, sizeof r->incident, rb_json_str(o, "incident_id"));
	rb_copy(r->by, sizeof r->by, rb_json_str(o, "launched_by"));
	rb_copy(r->digest, sizeof r->digest, rb_json_str(o, "runbook_digest"));
	rb_copy(r->risk, sizeof r->risk, rb_json_str(o, "risk"));
	rb_copy(r->created_at, sizeof r->created_at, rb_json_str(o, "created_at"));
	rb_copy(r->receipt, sizeof r->receipt, rb_json_str(o, "receipt_id"));
	r->version = rb_json_int(o, "runbook_version", 0);
	take_steps(r, cJSON_GetObjectItem(o, "steps"));
	cJSON_Delete(o);
	r->have_exec = r->runbook_id[0] != 0;
	if (r->have_exec && !r->asked_doc) {
		char version[16];
		snprintf(version, sizeof version, "%d", r->version);
		struct backend_request req = {.op = "runbook.version", .id = r->runbook_id,
					      .sub_id = version};
		r->asked_doc = app_request(a, &r->base, &req, TAG_DOC, NULL) == 0;
	}
	/* A command or a rollback in progress is followed closer than the app refreshes. */
	int64_t soon = app_mono_ms(a) + POLL_MS;
	if (polling_needed(r) && a->next_refresh_ms > soon)
		a->next_refresh_ms = soon;
	return UI_REDRAW;
}

static void runner_fetch(struct screen *base, struct app *a)
{
	struct runner *r = (struct runner *)base;
	struct backend_request req = {.op = "execution.get", .id = r->id};
	app_request(a, base, &req, TAG_EXEC, NULL);
}

static const cJSON *doc_step(const struct runner *r, const char *id)
{
	const cJSON *st;
	cJSON_ArrayForEach(st, cJSON_GetObjectItem(r->doc, "steps"))
	{
		if (!strcmp(rb_json_str(st, "id"), id))
			return st;
	}
	return NULL;
}

/* "$ argv0 argv1 ..." of a command step (from the pinned document). */
static void argv_text(const cJSON *argv, char *out, size_t len)
{
	size_t used = 0;
	const cJSON *w;
	out[0] = 0;
	cJSON_ArrayForEach(w, argv)
	{
		int n = snprintf(out + used, len - used, "%s%s", used ? " " : "$ ",
				 cJSON_IsString(w) ? w->valuestring : "?");
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* ---- changes ---- */

static int next_step(const struct runner *r)
{
	for (int i = 0; i < r->n_steps; i++)
		if (!step_done(r->steps[i].status))
			return i;
	return -1;
}

static int refuse(struct app *a, const char *fmt, const char *arg)
	__attribute__((format(printf, 2, 0)));
static int refuse(struct app *a, const char *fmt, const char *arg)
{
	app_message(a, UI_MSG_INFO, fmt, arg);
	return UI_HANDLED | UI_REDRAW_STATUS;
}

static void ask_execute(struct runner *r)
{
	const struct step_row *st = NULL;
	for (int i = 0; i < r->n_steps; i++)
		if (!strcmp(r->steps[i].id, r->step))
			st = &r->steps[i];
	char q[400], line[600];
	if (!st)
		return;
	if (!strcmp(st->kind, "manual")) {
		snprintf(q, sizeof q, "Mark step %s (\"%.60s\") as done?", st->id, st->title);
	} else {
		const cJSON *ds = doc_step(r, st->id);
		snprintf(line, sizeof line, "step %s: %s", st->id, st->title);
		run_dialog_text(&r->dlg, "Run a command", UI_ROLE_DIALOG, line);
		argv_text(cJSON_GetObjectItem(ds, "argv"), line, sizeof line);
		run_dialog_text(&r->dlg, "Run a command", UI_ROLE_DIALOG_TITLE,
				line[0] ? line : "(the command is in the pinned runbook version)");
		snprintf(line, sizeof line, "timeout %ds · the output shows when it ends",
			 rb_json_int(ds, "timeout_s", 0));
		run_dialog_text(&r->dlg, "Run a command", UI_ROLE_DIM, line);
		snprintf(q, sizeof q, "Run step %s now?", st->id);
	}
	run_dialog_ask(&r->dlg, DLG_EXECUTE, q);
}

static int open_execute(struct runner *r, struct app *a)
{
	if (!r->have_exec)
		return refuse(a, "%s", "the run is not loaded yet");
	if (finished(r->status))
		return refuse(a, "the run is %s: no step runs any more", r->status);
	int i = next_step(r);
	if (i < 0)
		return refuse(a, "%s", "every step is done");
	const struct step_row *st = &r->steps[i];
	r->auto_select = true;
	ui_table_move_to(&r->table, i);
	if (!strcmp(st->status, "running"))
		return refuse(a, "step %s is running", st->id);
	if (!strcmp(st->kind, "approval")) {
		app_message(a, UI_MSG_INFO, "step %s waits for approvals (%d of %d): approvers sign it "
			    "in the approval queue (A)", st->id, st->approvals, st->required);
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	snprintf(r->step, sizeof r->step, "%s", st->id);
	bool manual = !strcmp(st->kind, "manual");
	if (manual || rb_risk_needs_typing(r->risk)) {
		char title[128];
		snprintf(title, sizeof title, "%s step %.60s", manual ? "Confirm" : "Run", st->id);
		struct ui_form *f = run_dialog_form(&r->dlg, DLG_EXECUTE, title);
		if (manual)
			ui_form_add_text(f, "Note", "", false);
		if (rb_risk_needs_typing(r->risk))
			run_dialog_require_typed(&r->dlg, r->runbook_id, r->risk);
	} else {
		run_dialog_start(&r->dlg);
		ask_execute(r);
	}
	return UI_HANDLED | UI_REDRAW;
}

static int open_reasoned(struct runner *r, struct app *a, int what)
{
	if (!r->have_exec)
		return refuse(a, "%s", "the run is not loaded yet");
	bool abort = what == DLG_ABORT;
	if (abort && finished(r->status))
		return refuse(a, "the run is %s: there is nothing to abort", r->status);
	if (!abort && (!strcmp(r->status, "rolling_back") || !strcmp(r->status, "rolled_back")))
		return refuse(a, "the run is %s already", r->status);
	struct ui_form *f = run_dialog_form(&r->dlg, what, abort ? "Abort the run" : "Roll back the run");
	ui_form_add_text(f, "Reason", "", true);
	if (rb_risk_needs_typing(r->risk))
		run_dialog_require_typed(&r->dlg, r->runbook_id, r->risk);
	return UI_HANDLED | UI_REDRAW;
}

static void ask_reasoned(struct runner *r)
{
	char q[400];
	if (r->dlg.what == DLG_ABORT) {
		snprintf(q, sizeof q, "Abort %s? No further step runs; a running command is killed.",
			 r->runbook_id);
	} else {
		int n = 0;
		for (int i = 0; i < r->n_steps; i++)
			n += !strcmp(r->steps[i].status, "succeeded") &&
			     cJSON_GetObjectItem(doc_step(r, r->steps[i].id), "rollback") != NULL;
		snprintf(q, sizeof q, "Roll back %s: %d step%s with a rollback, last first?",
			 r->runbook_id, n, n == 1 ? "" : "s");
	}
	run_dialog_ask(&r->dlg, r->dlg.what, q);
}

static void send_change(struct runner *r, struct app *a)
{
	char note[512];
	cJSON *o = cJSON_CreateObject();
	struct backend_request req = {.id = r->id};
	int tag = TAG_EXECUTE;
	if (r->dlg.what == DLG_EXECUTE) {
		req.op = "step.execute";
		req.sub_id = r->step;
		if (r->dlg.has_form && r->dlg.form.n_fields > 0 &&
		    !strcmp(r->dlg.form.fields[0].label, "Note") &&
		    run_dialog_value(&r->dlg, 0, note, sizeof note)[0])
			cJSON_AddStringToObject(o, "note", note);
		cJSON_AddNumberToObject(o, "wait_s", EXECUTE_WAIT_S);
	} else {
		bool abort = r->dlg.what == DLG_ABORT;
		req.op = abort ? "execution.abort" : "execution.rollback";
		tag = abort ? TAG_ABORT : TAG_ROLLBACK;
		cJSON_AddStringToObject(o, "reason", run_dialog_value(&r->dlg, 0, note, sizeof note));
		if (!abort)
			cJSON_AddNumberToObject(o, "wait_s", EXECUTE_WAIT_S);
	}
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	req.body = body;
	req.idempotency_key = run_dialog_idempotency(&r->dlg, body);
	if (app_change(a, &r->base, &req, tag, NULL))
		run_dialog_sending(&r->dlg);
	else
		run_dialog_answer(&r->dlg, false, "not sent");
	cJSON_free(body);
}

static int take_change(struct runner *r, struct app *a, int tag, struct backend_response *resp)
{
	static const char *const what[] = {"", "", "", "step not executed", "not aborted",
					   "not rolled back"};
	if (resp->status < 200 || resp->status > 299) {
		char err[300];
		backend_error_text(resp, err, sizeof err);
		run_dialog_answer(&r->dlg, false, err);
		app_error_message(a, what[tag], resp);
		runner_fetch(&r->base, a); /* the run may have moved meanwhile */
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	run_dialog_answer(&r->dlg, true, NULL);
	cJSON *o = cJSON_Parse(resp->body);
	const char *rc = rb_json_str(o, "receipt_id"), *st = rb_json_str(o, "status");
	if (tag == TAG_EXECUTE && resp->status == 202)
		app_message(a, UI_MSG_INFO, "step %s is running%s", r->step,
			    resp->replayed ? " (replayed)" : "");
	else if (tag == TAG_EXECUTE && cJSON_IsNumber(cJSON_GetObjectItem(o, "exit_code")))
		app_message(a, UI_MSG_INFO, "step %s %s (exit %d), receipt %s", r->step, st,
			    rb_json_int(o, "exit_code", 0), rc);
	else if (tag == TAG_EXECUTE)
		app_message(a, UI_MSG_INFO, "step %s %s, receipt %s", r->step, st, rc);
	else
		app_message(a, UI_MSG_INFO, "run %s%s", st, resp->status == 202 ? " (rollbacks running)" : "");
	cJSON_Delete(o);
	r->auto_select = true;
	runner_fetch(&r->base, a);
	return UI_REDRAW | UI_REDRAW_STATUS;
}

static int runner_reply(struct screen *base, struct app *a, int tag, void *user,
			struct backend_response *resp)
{
	struct runner *r = (struct runner *)base;
	(void)user;
	if (tag == TAG_EXEC)
		return take_exec(r, a, resp);
	if (tag == TAG_DOC) {
		cJSON *v = resp->status == 200 ? cJSON_Parse(resp->body) : NULL;
		const char *doc = cJSON_GetStringValue(cJSON_GetObjectItem(v, "document"));
		cJSON_Delete(r->doc);
		r->doc = doc ? cJSON_Parse(doc) : NULL;
		cJSON_Delete(v);
		return UI_REDRAW;
	}
	return take_change(r, a, tag, resp);
}

/* ---- drawing ---- */

static void build_output(struct runner *r, struct app *a, const struct step_row *st)
{
	char key[sizeof r->out_of], line[300];
	size_t olen = st->output ? strlen(st->output) : 0;
	snprintf(key, sizeof key, "%.63s %.23s %d %zu", st->id, st->status, st->attempts, olen);
	bool running = !strcmp(st->status, "running");
	if (!strcmp(key, r->out_of) && !running)
		return;
	bool same_step = !strncmp(key, r->out_of, strlen(st->id) + 1);
	int top = r->out.top;
	/* Follow: a reader at the end (or new to this step) stays at the end as output grows. */
	bool at_end = !same_step || r->out.top + r->out.height >= r->out.n_lines;
	snprintf(r->out_of, sizeof r->out_of, "%s", key);
	ui_pager_clear(&r->out);
	if (olen)
		rb_pager_add_output(&r->out, UI_ROLE_NORMAL, st->output);
	if (running) {
		char age[16];
		inc_age(app_now_ms(a) - st->started_ms, age, sizeof age);
		snprintf(line, sizeof line, "running for %s · the output shows when the command ends",
			 age);
		ui_pager_add(&r->out, ROLE_STATUS_MITIGATING, line);
	} else if (!olen && !strcmp(st->kind, "approval")) {
		snprintf(line, sizeof line, "%d of %d approvals%s", st->approvals, st->required,
			 strcmp(st->status, "awaiting_approval") ? "" : ": approvers sign in the queue (A)");
		ui_pager_add(&r->out, UI_ROLE_DIM, line);
	} else if (!olen) {
		ui_pager_add(&r->out, UI_ROLE_DIM,
			     !strcmp(st->status, "pending") ? "not run yet" : "no output");
	}
	if (at_end)
		ui_pager_end(&r->out);
	else
		r->out.top = top < r->out.n_lines ? top : 0;
}

static void field(int y, int x, int width, const char *label, int role, const char *value)
{
	if (width <= 12)
		return;
	ui_put(stdscr, y, x, 10, UI_ROLE_DIM, label);
	ui_put_clip(stdscr, y, x + 10, width - 10, role, value && *value ? value : "-");
}

static void draw_head(struct runner *r, struct app *a)
{
	char left[96], right[96], buf[200], when[32], age[16];
	snprintf(left, sizeof left, " klaxon  Run %s", r->id);
	snprintf(right, sizeof right, " %s risk %s %s ", r->risk[0] ? r->risk : "?",
		 ui_glyph(UI_G_VLINE), r->status[0] ? r->status : "loading");
	int rw = ui_text_width(right, strlen(right)), half = COLS / 2;
	ui_put(stdscr, 0, 0, COLS - rw, UI_ROLE_TITLE, left);
	ui_put(stdscr, 0, COLS - rw, rw, r->have_exec ? rb_risk_role(r->risk) : UI_ROLE_TITLE, right);
	ui_fill(stdscr, 1, 0, 2, COLS, UI_ROLE_NORMAL);
	if (!r->have_exec) {
		ui_put(stdscr, 1, 1, COLS - 2, r->missing ? UI_ROLE_ERROR : UI_ROLE_DIM,
		       r->missing ? "no such run (or not one of this tenant's)" : "loading");
		return;
	}
	snprintf(buf, sizeof buf, "%s v%d", r->runbook_id, r->version);
	field(1, 1, half - 1, "Runbook", UI_ROLE_NORMAL, buf);
	field(1, half, COLS - half - 1, "Incident", UI_ROLE_NORMAL, r->incident);
	inc_time_short(r->created_at, when, sizeof when);
	inc_age(app_now_ms(a) - inc_time_ms(r->created_at), age, sizeof age);
	snprintf(buf, sizeof buf, "%s, %s%s", app_actor_name(a, r->by),
		 strcmp(age, "now") ? age : "just now", strcmp(age, "now") ? " ago" : "");
	field(2, 1, half - 1, "Launched", UI_ROLE_NORMAL, buf);
	field(2, half, COLS - half - 1, "Status", rb_status_role(r->status), r->status);
}

static void rule(int y, const char *text)
{
	ui_hline(stdscr, y, 0, COLS, UI_ROLE_BORDER);
	ui_put(stdscr, y, 2, ui_text_width(text, strlen(text)), UI_ROLE_HEADER, text);
}

static void runner_draw(struct screen *base, struct app *a, bool full)
{
	struct runner *r = (struct runner *)base;
	int body = rb_body_lines(a), done = 0;
	char text[200];
	(void)full;
	draw_head(r, a);
	for (int i = 0; i < r->n_steps; i++)
		done += step_done(r->steps[i].status);
	snprintf(text, sizeof text, " Steps %s %d of %d done ", ui_glyph(UI_G_VLINE), done, r->n_steps);
	rule(3, text);
	int th = r->n_steps + 1, max = (body - 5) / 2;
	if (th > max)
		th = max;
	if (th < 2)
		th = 2;
	ui_table_draw(&r->table, stdscr, 4, 0, th, COLS, false);
	int row = ui_table_selected_row(&r->table), y = 4 + th;
	const struct step_row *st = row >= 0 && row < r->n_steps ? &r->steps[row] : NULL;
	if (st) {
		char ex[24] = "";
		if (st->has_exit)
			snprintf(ex, sizeof ex, " %s exit %d", ui_glyph(UI_G_VLINE), st->exit_code);
		snprintf(text, sizeof text, " Output %s %.60s%s%s ", ui_glyph(UI_G_VLINE), st->id, ex,
			 r->out.wrap ? ", wrapped" : "");
		build_output(r, a, st);
	} else {
		snprintf(text, sizeof text, " Output ");
		ui_pager_clear(&r->out);
	}
	rule(y, text);
	ui_pager_draw(&r->out, stdscr, y + 1, 0, body - y - 1, COLS);
	run_dialog_draw(&r->dlg);
}

/* ---- keys ---- */

static int runner_key(struct screen *base, struct app *a, int key)
{
	struct runner *r = (struct runner *)base;
	if (!run_dialog_active(&r->dlg))
		return UI_IGNORED;
	int flags;
	enum rd_event ev = run_dialog_key(&r->dlg, key, &flags);
	if (ev == RD_SUBMIT && r->dlg.what == DLG_EXECUTE)
		ask_execute(r);
	else if (ev == RD_SUBMIT)
		ask_reasoned(r);
	else if (ev == RD_YES)
		send_change(r, a);
	return flags | UI_HANDLED;
}

static int select_step(struct runner *r, int delta, bool absolute)
{
	r->auto_select = false;
	if (absolute)
		ui_table_move_to(&r->table, delta);
	else
		ui_table_move(&r->table, delta);
	return UI_HANDLED | UI_REDRAW;
}

static int runner_action(struct screen *base, struct app *a, int act)
{
	struct runner *r = (struct runner *)base;
	struct ui_pager *p = &r->out;
	int page = p->height > 1 ? p->height - 1 : 1;
	switch (act) {
	case ACT_MOVE_UP: return select_step(r, -1, false);
	case ACT_MOVE_DOWN: return select_step(r, 1, false);
	case ACT_OPEN: return UI_HANDLED;
	case ACT_PAGE_UP: ui_pager_scroll(p, -page); break;
	case ACT_PAGE_DOWN: ui_pager_scroll(p, page); break;
	case ACT_MOVE_TOP: ui_pager_home(p); break;
	case ACT_MOVE_BOTTOM: ui_pager_end(p); break;
	case ACT_MOVE_LEFT: ui_pager_scroll_h(p, -(p->width / 2)); break;
	case ACT_MOVE_RIGHT: ui_pager_scroll_h(p, p->width / 2); break;
	case ACT_TOGGLE_WRAP: ui_pager_toggle_wrap(p); break;
	case ACT_EXECUTE_STEP: return open_execute(r, a);
	case ACT_ABORT_RUN: return open_reasoned(r, a, DLG_ABORT);
	case ACT_ROLLBACK_RUN: return open_reasoned(r, a, DLG_ROLLBACK);
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void runner_free(struct screen *base)
{
	struct runner *r = (struct runner *)base;
	free_steps(r->steps, r->n_steps);
	ui_table_free(&r->table);
	ui_pager_free(&r->out);
	run_dialog_free(&r->dlg);
	cJSON_Delete(r->doc);
	free(r);
}

static const struct screen_ops runner_ops = {
	.name = "runner",
	.context = CTX_RUNNER,
	.draw = runner_draw,
	.key = runner_key,
	.action = runner_action,
	.fetch = runner_fetch,
	.reply = runner_reply,
	.free = runner_free,
};

struct screen *runner_new(struct app *a, const char *execution_id)
{
	struct runner *r = calloc(1, sizeof *r);
	(void)a;
	if (!r)
		return NULL;
	r->base.ops = &runner_ops;
	r->app = a;
	rb_copy(r->id, sizeof r->id, execution_id);
	r->auto_select = true;
	struct ui_table_model m = {r, m_count, m_cell, m_role, m_key, NULL, NULL};
	ui_table_init(&r->table, columns, 8, m);
	ui_pager_init(&r->out);
	run_dialog_init(&r->dlg);
	return &r->base;
}
