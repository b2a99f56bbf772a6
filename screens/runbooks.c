/* The runbooks: each runbook's latest version with its risk, version, signer and a mark that
 * this console checked the signature itself (against the keys the tenant trusts), a preview of
 * the verified document's steps, and launching one (for an incident when opened from it).
 * `t` switches to the runs (of that incident, or all), which open in the step runner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "runbook.h"

enum { TAG_LIST = 1, TAG_EXECS, TAG_LAUNCH, TAG_VERIFY };
enum { DLG_LAUNCH = 1 };
#define VERIFY_MAX 200 /* runbooks checked per job: a tenant with more gets the rest next */

struct rb_row {
	char id[64], name[128], risk[16], key_id[20], digest[64];
	int version, verified;
	char why[200];
	cJSON *doc; /* the verified document, for the preview; owned */
};

struct ex_row {
	char id[48], runbook_id[64], status[24], incident[48], by[48];
	int version;
	int64_t created_ms;
};

struct runbooks {
	struct screen base;
	struct app *app;
	char incident[48];
	struct rb_row *rbs;
	struct ex_row *exs;
	int n_rbs, n_exs;
	bool have_rbs, have_exs, show_execs, verifying, filtering;
	struct ui_table rb_table, ex_table;
	struct ui_pager preview;
	char preview_of[140]; /* id and digest the preview shows */
	struct ui_input filter;
	struct run_dialog dlg;
	char launch_id[64], launch_risk[16];
	int launch_version;
};

/* ---- table models ---- */

static const struct ui_table_column rb_columns[] = {
	{"ID", {12, 28, 2, 0}, false},	   {"NAME", {10, 0, 3, 1}, false},
	{"RISK", {8, 8, 0, 0}, false},	   {"VER", {3, 4, 0, 0}, true},
	{"SIGNER", {16, 16, 0, 2}, false}, {"SIGNATURE", {11, 11, 0, 0}, false},
};
static const struct ui_table_column ex_columns[] = {
	{"RUN", {30, 30, 0, 0}, false},	     {"RUNBOOK", {10, 24, 2, 0}, false},
	{"VER", {3, 4, 0, 1}, true},	     {"STATUS", {17, 17, 0, 0}, false},
	{"INCIDENT", {30, 30, 0, 4}, false}, {"BY", {8, 16, 1, 3}, false},
	{"AGE", {4, 5, 0, 0}, true},
};

static const char *verified_text(int v, char *buf, size_t len)
{
	const char *check = strlen(ui_glyph(UI_G_BULLET)) > 1 ? "✓" : "+";
	const char *cross = ui_glyph(UI_G_CROSS);
	switch (v) {
	case VER_OK: snprintf(buf, len, "%s verified", check); break;
	case VER_BAD: snprintf(buf, len, "%s BAD", cross); break;
	case VER_UNTRUSTED: snprintf(buf, len, "%s untrusted", cross); break;
	case VER_UNCHECKED: snprintf(buf, len, "? unchecked"); break;
	default: snprintf(buf, len, "%s", ui_glyph(UI_G_ELLIPSIS));
	}
	return buf;
}

static int rb_count(void *ctx)
{
	return ((struct runbooks *)ctx)->n_rbs;
}

static void rb_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	const struct rb_row *r = &((struct runbooks *)ctx)->rbs[row];
	switch (col) {
	case 0: snprintf(buf, len, "%s", r->id); break;
	case 1: snprintf(buf, len, "%s", r->name); break;
	case 2: snprintf(buf, len, "%s", r->risk); break;
	case 3: snprintf(buf, len, "v%d", r->version); break;
	case 4: snprintf(buf, len, "%s", r->key_id); break;
	default: verified_text(r->verified, buf, len);
	}
}

static int rb_role(void *ctx, int row, int col)
{
	const struct rb_row *r = &((struct runbooks *)ctx)->rbs[row];
	if (col == 2)
		return rb_risk_role(r->risk);
	if (col == 5)
		return r->verified == VER_OK		 ? ROLE_STATUS_RESOLVED
		       : r->verified == VER_BAD || r->verified == VER_UNTRUSTED ? UI_ROLE_ERROR
									 : UI_ROLE_DIM;
	return col == 4 ? UI_ROLE_DIM : -1;
}

static const char *rb_key(void *ctx, int row)
{
	return ((struct runbooks *)ctx)->rbs[row].id;
}

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; *p; p++)
		if (!strncasecmp(p, needle, n))
			return true;
	return n == 0;
}

static bool rb_match(void *ctx, int row, const char *filter)
{
	const struct rb_row *r = &((struct runbooks *)ctx)->rbs[row];
	return contains(r->id, filter) || contains(r->name, filter) || contains(r->risk, filter);
}

static int ex_count(void *ctx)
{
	return ((struct runbooks *)ctx)->n_exs;
}

static void ex_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	struct runbooks *s = ctx;
	const struct ex_row *e = &s->exs[row];
	switch (col) {
	case 0: snprintf(buf, len, "%s", e->id); break;
	case 1: snprintf(buf, len, "%s", e->runbook_id); break;
	case 2: snprintf(buf, len, "v%d", e->version); break;
	case 3: snprintf(buf, len, "%s", e->status); break;
	case 4: snprintf(buf, len, "%s", e->incident[0] ? e->incident : "-"); break;
	case 5: snprintf(buf, len, "%s", app_actor_name(s->app, e->by)); break;
	default: inc_age(app_now_ms(s->app) - e->created_ms, buf, len);
	}
}

static int ex_role(void *ctx, int row, int col)
{
	const struct ex_row *e = &((struct runbooks *)ctx)->exs[row];
	if (col == 3)
		return rb_status_role(e->status);
	return col == 4 || col == 6 ? UI_ROLE_DIM : -1;
}

static const char *ex_key(void *ctx, int row)
{
	return ((struct runbooks *)ctx)->exs[row].id;
}

static bool ex_match(void *ctx, int row, const char *filter)
{
	const struct ex_row *e = &((struct runbooks *)ctx)->exs[row];
	return contains(e->id, filter) || contains(e->runbook_id, filter) ||
	       contains(e->status, filter);
}

static struct rb_row *selected_rb(struct runbooks *s)
{
	int row = ui_table_selected_row(&s->rb_table);
	return row >= 0 && row < s->n_rbs ? &s->rbs[row] : NULL;
}

static void start_verify(struct runbooks *s, struct app *a)
{
	int n = 0;
	if (s->verifying || !a->tenant_id[0])
		return;
	for (int i = 0; i < s->n_rbs; i++)
		n += s->rbs[i].verified == VER_UNKNOWN;
	if (n > VERIFY_MAX)
		n = VERIFY_MAX;
	if (n == 0)
		return;
	struct verify_job *j = verify_job_new(a->tenant_id, n);
	if (!j)
		return;
	for (int i = 0; i < s->n_rbs && j->n < n; i++) {
		struct rb_row *r = &s->rbs[i];
		if (r->verified != VER_UNKNOWN)
			continue;
		struct verify_item *it = &j->items[j->n++];
		snprintf(it->id, sizeof it->id, "%s", r->id);
		snprintf(it->digest, sizeof it->digest, "%s", r->digest);
		snprintf(it->key_id, sizeof it->key_id, "%s", r->key_id);
		it->version = r->version;
		r->verified = VER_CHECKING;
	}
	if (app_job(a, &s->base, verify_job_run, TAG_VERIFY, j) == 0)
		s->verifying = true;
	else
		verify_job_free(j);
}

static int take_verify(struct runbooks *s, struct app *a, struct verify_job *j)
{
	s->verifying = false;
	for (int i = 0; i < j->n; i++) {
		struct verify_item *it = &j->items[i];
		for (int k = 0; k < s->n_rbs; k++) {
			struct rb_row *r = &s->rbs[k];
			if (strcmp(r->id, it->id) || strcmp(r->digest, it->digest))
				continue;
			r->verified = it->result;
			snprintf(r->why, sizeof r->why, "%s", it->why);
			cJSON_Delete(r->doc);
			r->doc = it->doc;
			it->doc = NULL;
		}
	}
	verify_job_free(j);
	s->preview_of[0] = 0;
	start_verify(s, a); /* those left over, or listed while this one ran */
	return UI_REDRAW;
}

/* ---- lists ---- */

static void free_rbs(struct rb_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(rows[i].doc);
	free(rows);
}

static int take_runbooks(struct runbooks *s, struct app *a, const cJSON *items)
{
	int n = cJSON_GetArraySize(items), k = 0;
	struct rb_row *rows = calloc((size_t)n + 1, sizeof *rows);
	if (!rows)
		return UI_REDRAW;
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		struct rb_row *r = &rows[k];
		rb_copy(r->id, sizeof r->id, rb_json_str(it, "id"));
		if (!r->id[0] || k == n)
			continue;
		rb_copy(r->name, sizeof r->name, rb_json_str(it, "name"));
		rb_copy(r->risk, sizeof r->risk, rb_json_str(it, "risk"));
		rb_copy(r->key_id, sizeof r->key_id, rb_json_str(it, "key_id"));
		rb_copy(r->digest, sizeof r->digest, rb_json_str(it, "digest"));
		r->version = rb_json_int(it, "version", 0);
		/* A version checked before keeps its result: published versions never change. */
		for (int o = 0; o < s->n_rbs; o++) {
			struct rb_row *old = &s->rbs[o];
			if (!strcmp(old->id, r->id) && !strcmp(old->digest, r->digest) &&
			    old->verified != VER_CHECKING) {
				r->verified = old->verified;
				snprintf(r->why, sizeof r->why, "%s", old->why);
				r->doc = old->doc;
				old->doc = NULL;
			}
		}
		k++;
	}
	free_rbs(s->rbs, s->n_rbs);
	s->rbs = rows;
	s->n_rbs = k;
	s->have_rbs = true;
	ui_table_rebuild(&s->rb_table);
	s->preview_of[0] = 0;
	start_verify(s, a);
	return UI_REDRAW;
}

static int take_execs(struct runbooks *s, const cJSON *items)
{
	int n = cJSON_GetArraySize(items), k = 0;
	struct ex_row *rows = calloc((size_t)n + 1, sizeof *rows);
	if (!rows)
		return UI_REDRAW;
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		struct ex_row *e = &rows[k];
		rb_copy(e->id, sizeof e->id, rb_json_str(it, "id"));
		if (!e->id[0] || k == n)
			continue;
		rb_copy(e->runbook_id, sizeof e->runbook_id, rb_json_str(it, "runbook_id"));
		rb_copy(e->status, sizeof e->status, rb_json_str(it, "status"));
		rb_copy(e->incident, sizeof e->incident, rb_json_str(it, "incident_id"));
		rb_copy(e->by, sizeof e->by, rb_json_str(it, "launched_by"));
		e->version = rb_json_int(it, "runbook_version", 0);
		e->created_ms = inc_time_ms(rb_json_str(it, "created_at"));
		k++;
	}
	free(s->exs);
	s->exs = rows;
	s->n_exs = k;
	s->have_exs = true;
	ui_table_rebuild(&s->ex_table);
	return UI_REDRAW;
}

static void runbooks_fetch(struct screen *base, struct app *a)
{
	struct runbooks *s = (struct runbooks *)base;
	struct backend_request rl = {.op = "runbook.list"};
	app_request(a, base, &rl, TAG_LIST, NULL);
	struct backend_param q[3] = {{"limit", "200"}};
	if (s->incident[0])
		q[1] = (struct backend_param){"incident_id", s->incident};
	struct backend_request el = {.op = "execution.list", .query = q};
	app_request(a, base, &el, TAG_EXECS, NULL);
}

/* ---- launching ---- */

/* "A=1 B=two" as {"A":"1","B":"two"}; NULL when a word is not NAME=value. */
static cJSON *parse_params(const char *text)
{
	cJSON *o = cJSON_CreateObject();
	char buf[512];
	snprintf(buf, sizeof buf, "%s", text);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		if (!eq || eq == w) {
			cJSON_Delete(o);
			return NULL;
		}
		*eq = 0;
		cJSON_DeleteItemFromObject(o, w);
		cJSON_AddStringToObject(o, w, eq + 1);
	}
	return o;
}

static int open_launch(struct runbooks *s, struct app *a)
{
	struct rb_row *r = selected_rb(s);
	if (s->show_execs) {
		app_message(a, UI_MSG_INFO, "t shows the runbooks, to launch one");
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	if (!r)
		return UI_HANDLED;
	if (r->verified == VER_BAD) { /* the one case this console refuses on its own */
		app_message(a, UI_MSG_ERROR, "not launching %s: %s", r->id, r->why);
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	snprintf(s->launch_id, sizeof s->launch_id, "%s", r->id);
	snprintf(s->launch_risk, sizeof s->launch_risk, "%s", r->risk);
	s->launch_version = r->version;
	char title[128];
	snprintf(title, sizeof title, "Launch %.60s v%d", r->id, r->version);
	struct ui_form *f = run_dialog_form(&s->dlg, DLG_LAUNCH, title);
	ui_form_add_text(f, "Incident", s->incident, false);
	ui_form_add_text(f, "Parameters", "", false);
	if (rb_risk_needs_typing(r->risk))
		run_dialog_require_typed(&s->dlg, r->id, r->risk);
	return UI_HANDLED | UI_REDRAW;
}

static void ask_launch(struct runbooks *s)
{
	char inc[128], params[512], q[400];
	run_dialog_value(&s->dlg, 0, inc, sizeof inc);
	run_dialog_value(&s->dlg, 1, params, sizeof params);
	cJSON *p = parse_params(params);
	if (!p) {
		snprintf(s->dlg.form.error, sizeof s->dlg.form.error,
			 "parameters are NAME=value, separated by spaces");
		return;
	}
	cJSON_Delete(p);
	snprintf(q, sizeof q, "Launch %s v%d (%s risk) %s%s?", s->launch_id, s->launch_version,
		 s->launch_risk, inc[0] ? "for " : "with no incident", inc);
	run_dialog_ask(&s->dlg, DLG_LAUNCH, q);
}

static void send_launch(struct runbooks *s, struct app *a)
{
	char inc[128], params[512];
	run_dialog_value(&s->dlg, 0, inc, sizeof inc);
	run_dialog_value(&s->dlg, 1, params, sizeof params);
	cJSON *o = cJSON_CreateObject();
	if (inc[0])
		cJSON_AddStringToObject(o, "incident_id", inc);
	/* Pinned to the version on screen: what was previewed and verified is what runs. */
	cJSON_AddNumberToObject(o, "version", s->launch_version);
	cJSON *p = parse_params(params);
	if (p && cJSON_GetArraySize(p) > 0)
		cJSON_AddItemToObject(o, "params", p);
	else
		cJSON_Delete(p);
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	struct backend_request req = {.op = "runbook.launch", .id = s->launch_id, .body = body};
	req.idempotency_key = run_dialog_idempotency(&s->dlg, body);
	if (app_change(a, &s->base, &req, TAG_LAUNCH, NULL))
		run_dialog_sending(&s->dlg);
	else
		run_dialog_answer(&s->dlg, false, "not sent");
	cJSON_free(body);
}

static int take_launch(struct runbooks *s, struct app *a, struct backend_response *resp)
{
	if (resp->status < 200 || resp->status > 299) {
		char err[300];
		backend_error_text(resp, err, sizeof err);
		run_dialog_answer(&s->dlg, false, err);
		app_error_message(a, "not launched", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	run_dialog_answer(&s->dlg, true, NULL);
	cJSON *o = cJSON_Parse(resp->body);
	char id[48];
	rb_copy(id, sizeof id, rb_json_str(o, "id"));
	app_message(a, UI_MSG_INFO, "launched %s%s, receipt %s", id,
		    resp->replayed ? " (replayed)" : "", rb_json_str(o, "receipt_id"));
	cJSON_Delete(o);
	if (id[0])
		app_push(a, runner_new(a, id));
	return UI_REDRAW | UI_REDRAW_STATUS;
}

static int runbooks_reply(struct screen *base, struct app *a, int tag, void *user,
			  struct backend_response *resp)
{
	struct runbooks *s = (struct runbooks *)base;
	if (tag == TAG_VERIFY)
		return take_verify(s, a, user);
	if (tag == TAG_LAUNCH)
		return take_launch(s, a, resp);
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, tag == TAG_LIST ? "runbooks" : "runs", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON *root = cJSON_Parse(resp->body);
	const cJSON *items = cJSON_GetObjectItem(root, "items");
	int flags = tag == TAG_LIST ? take_runbooks(s, a, items) : take_execs(s, items);
	cJSON_Delete(root);
	return flags;
}

/* ---- drawing ---- */

static void step_line(const cJSON *st, int i, char *out, size_t len)
{
	const char *kind = rb_json_str(st, "kind");
	char what[256] = "", rb[64] = "";
	if (!strcmp(kind, "command")) {
		size_t used = 0;
		const cJSON *w;
		cJSON_ArrayForEach(w, cJSON_GetObjectItem(st, "argv"))
		{
			int n = snprintf(what + used, sizeof what - used, "%s%s", used ? " " : "$ ",
					 cJSON_IsString(w) ? w->valuestring : "?");
			if (n < 0 || (size_t)n >= sizeof what - used)
				break;
			used += (size_t)n;
		}
	} else if (!strcmp(kind, "approval")) {
		const cJSON *g = cJSON_GetObjectItem(st, "approvals"), *r;
		size_t used = (size_t)snprintf(what, sizeof what, "needs %d of", rb_json_int(g, "count", 1));
		cJSON_ArrayForEach(r, cJSON_GetObjectItem(g, "roles"))
		{
			int n = snprintf(what + used, sizeof what - used, " %s",
					 cJSON_IsString(r) ? r->valuestring : "?");
			if (n < 0 || (size_t)n >= sizeof what - used)
				break;
			used += (size_t)n;
		}
	}
	const cJSON *back = cJSON_GetObjectItem(st, "rollback");
	if (back)
		snprintf(rb, sizeof rb, "  (rollback: %s)", rb_json_str(back, "kind"));
	snprintf(out, len, "%2d  %-8s %-12.40s %.80s%s%s%s", i, kind, rb_json_str(st, "id"),
		 rb_json_str(st, "title"), what[0] ? "  " : "", what, rb);
}

static void build_preview(struct runbooks *s, const struct rb_row *r)
{
	char key[140], line[600];
	snprintf(key, sizeof key, "%.63s@%.63s#%d", r->id, r->digest, r->verified);
	if (!strcmp(key, s->preview_of))
		return;
	snprintf(s->preview_of, sizeof s->preview_of, "%s", key);
	ui_pager_clear(&s->preview);
	snprintf(line, sizeof line, "%s v%d %s %s %s %s risk", r->id, r->version,
		 ui_glyph(UI_G_VLINE), r->name, ui_glyph(UI_G_VLINE), r->risk);
	ui_pager_add(&s->preview, rb_risk_role(r->risk), line);
	char mark[32];
	snprintf(line, sizeof line, "signed by key %s: %s%s%s%s", r->key_id,
		 verified_text(r->verified, mark, sizeof mark), r->why[0] ? " (" : "", r->why,
		 r->why[0] ? ")" : "");
	ui_pager_add(&s->preview, r->verified == VER_OK ? UI_ROLE_DIM : UI_ROLE_ERROR, line);
	snprintf(line, sizeof line, "digest %s", r->digest);
	ui_pager_add(&s->preview, UI_ROLE_DIM, line);
	if (!r->doc) {
		snprintf(line, sizeof line, "%s",
			 r->verified <= VER_CHECKING ? "checking the signature"
						     : "no verified document to preview");
		ui_pager_add(&s->preview, UI_ROLE_DIM, line);
		return;
	}
	const cJSON *t;
	size_t used = (size_t)snprintf(line, sizeof line, "tags:");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(r->doc, "tags"))
	{
		if (cJSON_IsString(t) && used < sizeof line)
			used += (size_t)snprintf(line + used, sizeof line - used, " %s", t->valuestring);
	}
	ui_pager_add(&s->preview, UI_ROLE_DIM, used > 5 ? line : "tags: none");
	int i = 1;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(r->doc, "steps"))
	{
		step_line(t, i++, line, sizeof line);
		ui_pager_add(&s->preview, UI_ROLE_NORMAL, line);
	}
}

static void draw_title(struct runbooks *s, struct app *a)
{
	char left[160], right[96];
	snprintf(left, sizeof left, " klaxon  %s%s%s", s->show_execs ? "Runs" : "Runbooks",
		 s->incident[0] ? " for " : "", s->incident);
	struct ui_table *t = s->show_execs ? &s->ex_table : &s->rb_table;
	snprintf(right, sizeof right, "%s %s %d%s ", s->show_execs ? "runs" : "runbooks",
		 ui_glyph(UI_G_VLINE), t->n_view, s->filter.text[0] ? " shown" : "");
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS, UI_ROLE_TITLE, left);
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	if (s->filtering || s->filter.text[0]) {
		int fx = ui_text_width(left, strlen(left)) + 2, fw = COLS - rw - fx - 2;
		if (fw > 40)
			fw = 40;
		if (fw > 12) {
			ui_put(stdscr, 0, fx, 8, UI_ROLE_TITLE, "filter:");
			ui_input_draw(&s->filter, stdscr, 0, fx + 8, fw - 8,
				      s->filtering ? UI_ROLE_INPUT_FOCUS : UI_ROLE_MATCH, s->filtering);
		}
	}
	(void)a;
}

static void runbooks_draw(struct screen *base, struct app *a, bool full)
{
	struct runbooks *s = (struct runbooks *)base;
	int body = rb_body_lines(a);
	(void)full;
	draw_title(s, a);
	if (s->show_execs) {
		ui_table_draw(&s->ex_table, stdscr, 1, 0, body - 1, COLS, false);
		if (s->have_exs && s->ex_table.n_view == 0)
			ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM,
			       s->incident[0] ? "no runs for this incident" : "no runs yet");
	} else {
		int th = (body - 1) / 2 < 4 ? 4 : (body - 1) / 2;
		ui_table_draw(&s->rb_table, stdscr, 1, 0, th, COLS, false);
		if (s->have_rbs && s->rb_table.n_view == 0)
			ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM, "no runbooks published");
		ui_hline(stdscr, 1 + th, 0, COLS, UI_ROLE_BORDER);
		ui_put(stdscr, 1 + th, 2, 9, UI_ROLE_HEADER, " Preview ");
		const struct rb_row *r = selected_rb(s);
		if (r)
			build_preview(s, r);
		else
			ui_pager_clear(&s->preview);
		ui_pager_draw(&s->preview, stdscr, 2 + th, 0, body - 2 - th, COLS);
	}
	run_dialog_draw(&s->dlg);
}

/* ---- keys ---- */

static int set_filter(struct runbooks *s)
{
	ui_table_set_filter(&s->rb_table, s->filter.text);
	ui_table_set_filter(&s->ex_table, s->filter.text);
	return UI_HANDLED | UI_REDRAW;
}

static int runbooks_key(struct screen *base, struct app *a, int key)
{
	struct runbooks *s = (struct runbooks *)base;
	if (run_dialog_active(&s->dlg)) {
		int flags;
		enum rd_event ev = run_dialog_key(&s->dlg, key, &flags);
		if (ev == RD_SUBMIT)
			ask_launch(s);
		else if (ev == RD_YES)
			send_launch(s, a);
		return flags | UI_HANDLED;
	}
	if (!s->filtering)
		return UI_IGNORED;
	if (key == UI_KEY_ENTER || key == UI_KEY_ESC) {
		s->filtering = false;
		if (key == UI_KEY_ESC)
			ui_input_set(&s->filter, "");
		return set_filter(s);
	}
	char before[512];
	snprintf(before, sizeof before, "%s", s->filter.text);
	if (ui_input_key(&s->filter, key) == UI_IGNORED)
		return UI_IGNORED;
	return strcmp(before, s->filter.text) ? set_filter(s) : UI_HANDLED | UI_REDRAW;
}

static int open_selected(struct runbooks *s, struct app *a)
{
	if (!s->show_execs)
		return open_launch(s, a);
	int row = ui_table_selected_row(&s->ex_table);
	if (row >= 0 && row < s->n_exs)
		app_push(a, runner_new(a, s->exs[row].id));
	return UI_HANDLED;
}

static int runbooks_action(struct screen *base, struct app *a, int act)
{
	struct runbooks *s = (struct runbooks *)base;
	struct ui_table *t = s->show_execs ? &s->ex_table : &s->rb_table;
	int page = t->height > 1 ? t->height - 1 : 1;
	switch (act) {
	case ACT_MOVE_UP: ui_table_move(t, -1); break;
	case ACT_MOVE_DOWN: ui_table_move(t, 1); break;
	case ACT_PAGE_UP: ui_table_move(t, -page); break;
	case ACT_PAGE_DOWN: ui_table_move(t, page); break;
	case ACT_MOVE_TOP: ui_table_move_to(t, 0); break;
	case ACT_MOVE_BOTTOM: ui_table_move_to(t, t->n_view - 1); break;
	case ACT_MOVE_LEFT: ui_pager_scroll_h(&s->preview, -(COLS / 2)); break;
	case ACT_MOVE_RIGHT: ui_pager_scroll_h(&s->preview, COLS / 2); break;
	case ACT_TOGGLE_VIEW: s->show_execs = !s->show_execs; break;
	case ACT_FILTER:
		s->filtering = true;
		s->filter.cursor = s->filter.len;
		break;
	case ACT_OPEN: return open_selected(s, a) | UI_REDRAW;
	case ACT_LAUNCH: return open_launch(s, a);
	case ACT_BACK:
		if (!s->filter.text[0])
			return UI_IGNORED;
		ui_input_set(&s->filter, "");
		return set_filter(s);
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void runbooks_free(struct screen *base)
{
	struct runbooks *s = (struct runbooks *)base;
	free_rbs(s->rbs, s->n_rbs);
	free(s->exs);
	ui_table_free(&s->rb_table);
	ui_table_free(&s->ex_table);
	ui_pager_free(&s->preview);
	run_dialog_free(&s->dlg);
	free(s);
}

static const struct screen_ops runbooks_ops = {
	.name = "runbooks",
	.context = CTX_RUNBOOKS,
	.draw = runbooks_draw,
	.key = runbooks_key,
	.action = runbooks_action,
	.fetch = runbooks_fetch,
	.reply = runbooks_reply,
	.free = runbooks_free,
};

struct screen *runbooks_new(struct app *a, const char *incident_id)
{
	struct runbooks *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base.ops = &runbooks_ops;
	s->app = a;
	rb_copy(s->incident, sizeof s->incident, incident_id);
	struct ui_table_model rm = {s, rb_count, rb_cell, rb_role, rb_key, NULL, rb_match};
	struct ui_table_model em = {s, ex_count, ex_cell, ex_role, ex_key, NULL, ex_match};
	ui_table_init(&s->rb_table, rb_columns, 6, rm);
	ui_table_init(&s->ex_table, ex_columns, 7, em);
	ui_pager_init(&s->preview);
	run_dialog_init(&s->dlg);
	return &s->base;
}

const char *runbooks_incident(struct screen *base)
{
	return ((struct runbooks *)base)->incident;
}
