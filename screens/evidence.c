/* The evidence screen (issue 7): a tenant's exports, a new export for a chosen window (the
 * export itself is a change like any other, so a denial is explained and may be overridden;
 * the download that follows runs on the worker with a progress bar), and offline
 * verification of a bundle file with the server's public key, every check shown. A fresh
 * export is verified and its checkpoint witnessed at once, as the CLI does. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bundle.h"
#include "flow.h"
#include "witness.h"

enum { TAG_LIST = 1, TAG_EXPORT, TAG_JOB };
enum { K_EXPORT = 1, K_VERIFY };
enum { COL_CREATED, COL_FROM, COL_TO, COL_RECEIPTS, COL_CHECKPOINT, COL_ID, N_COLS };
#define LIST_ROWS 6

static const struct ui_table_column columns[N_COLS] = {
	{"CREATED", {16, 19, 0, 2}, false}, {"FROM", {16, 19, 0, 0}, false},
	{"TO", {16, 19, 0, 0}, false},	    {"RECEIPTS", {8, 8, 0, 1}, true},
	{"CHECKPOINT", {10, 10, 0, 3}, true}, {"ID", {30, 30, 0, 4}, false},
};

/* Work on the worker: a download (then a verification), or a verification alone. */
struct ev_job {
	struct job_head head;
	int kind;
	char tenant[64], export_id[64], path[1100], pubkey[1100];
	uint64_t bytes;
	bool own;
	struct witness *witness;
	atomic_int phase;
	atomic_ullong done, total;
	int rc;
	char msg[600];
	char **checks;
	int n_checks, cap_checks;
	uint64_t receipts, checkpoint_size;
	int witness_status;
	uint64_t witness_size;
	char witness_msg[400];
};

struct evidence {
	struct screen base;
	char tenant[64];
	cJSON *list;
	const cJSON *items;
	bool loaded;
	struct ui_table table;
	struct flow flow;
	struct ui_pager result;
	struct ev_job *running; /* read for the progress bar; owned by the worker meanwhile */
	char last_path[1100];
	char exp_from[32], exp_to[32];
	char exp_digest[64];
};

static const cJSON *row_at(struct evidence *e, int row)
{
	return cJSON_GetArrayItem(e->items, row);
}

static int m_count(void *ctx)
{
	return cJSON_GetArraySize(((struct evidence *)ctx)->items);
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	const cJSON *o = row_at(ctx, row);
	switch (col) {
	case COL_CREATED: inc_time_short(jv_str(o, "created_at"), buf, len); break;
	case COL_FROM: inc_time_short(jv_str(o, "from"), buf, len); break;
	case COL_TO: inc_time_short(jv_str(o, "to"), buf, len); break;
	case COL_RECEIPTS:
		snprintf(buf, len, "%.0f", jv_num(cJSON_GetObjectItem(o, "counts"), "receipts"));
		break;
	case COL_CHECKPOINT: snprintf(buf, len, "%.0f", jv_num(o, "checkpoint_size")); break;
	default: snprintf(buf, len, "%s", jv_str(o, "id"));
	}
}

static int m_role(void *ctx, int row, int col)
{
	(void)ctx, (void)row;
	return col == COL_ID || col == COL_CREATED ? UI_ROLE_DIM : -1;
}

static const char *m_key(void *ctx, int row)
{
	return jv_str(row_at(ctx, row), "id");
}

static void evidence_fetch(struct screen *s, struct app *a)
{
	struct evidence *e = (struct evidence *)s;
	if (!e->tenant[0])
		snprintf(e->tenant, sizeof e->tenant, "%s", a->tenant_id);
	if (!e->tenant[0])
		return;
	struct backend_param q[] = {{"limit", "50"}, {NULL, NULL}};
	struct backend_request req = {.op = "evidence.list", .id = e->tenant, .query = q};
	app_request(a, s, &req, TAG_LIST, NULL);
}

/* ---- the worker's side ---- */

static void job_destroy(void *arg)
{
	struct ev_job *j = arg;
	for (int i = 0; i < j->n_checks; i++)
		free(j->checks[i]);
	free(j->checks);
	free(j);
}

static void on_progress(void *ctx, enum evidence_phase phase, uint64_t done, uint64_t total)
{
	struct ev_job *j = ctx;
	atomic_store(&j->phase, (int)phase);
	atomic_store(&j->done, done);
	atomic_store(&j->total, total);
}

static void on_check(void *ctx, const char *check)
{
	struct ev_job *j = ctx;
	if (j->n_checks == j->cap_checks) {
		int nc = j->cap_checks ? j->cap_checks * 2 : 16;
		char **n = realloc(j->checks, (size_t)nc * sizeof *n);
		if (!n)
			return;
		j->checks = n;
		j->cap_checks = nc;
	}
	j->checks[j->n_checks++] = strdup(check);
}

/* Verifies the bundle offline; after an export, its checkpoint goes to the witness with the
 * consistency proof the bundle carries from the previous export's. */
static void verify_bundle(struct backend *b, struct ev_job *j)
{
	struct evidence_report rep = {.on_check = on_check, .ctx = j};
	j->rc = evidence_verify_file(j->path, j->pubkey, false, &rep, j->msg, sizeof j->msg);
	j->receipts = rep.receipts;
	j->checkpoint_size = rep.checkpoint_size;
	j->witness_status = -1;
	if (j->rc == 0 && j->kind == K_EXPORT && j->witness && rep.checkpoint) {
		struct witness_link link = {rep.previous_checkpoint,
					    (const char *const *)rep.consistency, rep.n_consistency};
		j->witness_status = witness_observe(j->witness, b, j->own, rep.checkpoint, &link,
						    j->witness_msg, sizeof j->witness_msg);
		j->witness_size = rep.checkpoint_size;
	}
	evidence_report_free(&rep);
}

static void job_run(struct backend *b, void *arg)
{
	struct ev_job *j = arg;
	if (j->kind == K_EXPORT) {
		j->rc = evidence_download_file(b, j->tenant, j->export_id, &j->bytes, j->path,
					       on_progress, j, j->msg, sizeof j->msg);
		if (j->rc || !j->pubkey[0])
			return;
	}
	verify_bundle(b, j);
}

static void start_job(struct evidence *e, struct app *a, struct ev_job *j)
{
	j->head.destroy = job_destroy;
	const char *pub = app_pubkey_path(a);
	if (!j->pubkey[0] && pub) /* an export is checked with the console's own key */
		snprintf(j->pubkey, sizeof j->pubkey, "%s", pub);
	if (app_job(a, &e->base, job_run, TAG_JOB, j)) {
		job_destroy(j);
		app_message(a, UI_MSG_ERROR, "cannot start the work");
		return;
	}
	e->running = j;
	e->base.animate = true;
}

/* ---- answers ---- */

static void show_checks(struct evidence *e, const struct ev_job *j)
{
	const char *ok = strlen(ui_glyph(UI_G_BULLET)) > 1 ? "✓" : "ok";
	for (int i = 0; i < j->n_checks; i++)
		if (j->checks[i]) {
			char line[700];
			snprintf(line, sizeof line, "  %s %s", ok, j->checks[i]);
			ui_pager_add(&e->result, ROLE_ALLOW, line);
		}
	if (j->rc) {
		char line[700];
		snprintf(line, sizeof line, "  %s FAILED: %s", ui_glyph(UI_G_CROSS), j->msg);
		ui_pager_add(&e->result, UI_ROLE_ERROR, line);
	}
}

static int take_job(struct evidence *e, struct app *a, struct ev_job *j)
{
	char line[1400];
	e->running = NULL;
	e->base.animate = false;
	if (j->kind == K_EXPORT) {
		if (j->rc && j->n_checks == 0) { /* the download itself failed */
			snprintf(line, sizeof line, "  %s not written: %s", ui_glyph(UI_G_CROSS), j->msg);
			ui_pager_add(&e->result, UI_ROLE_ERROR, line);
			app_message(a, UI_MSG_ERROR, "export not written: %s", j->msg);
			job_destroy(j);
			return UI_REDRAW | UI_REDRAW_STATUS;
		}
		snprintf(line, sizeof line, "  file             %s (%llu bytes)", j->path,
			 (unsigned long long)j->bytes);
		ui_pager_add(&e->result, UI_ROLE_NORMAL, line);
		snprintf(e->last_path, sizeof e->last_path, "%s", j->path);
		if (!j->pubkey[0])
			ui_pager_add(&e->result, UI_ROLE_STATUS_WARN,
				     "  not verified here: no public key of the server is known");
	}
	if (j->witness_status >= 0 && j->kind == K_EXPORT) {
		snprintf(line, sizeof line, "  %s witness: %s",
			 j->witness_status == WITNESS_ALARM ? "ALARM"
			 : j->witness_status == WITNESS_UNLINKED ? "?"
			 : strlen(ui_glyph(UI_G_BULLET)) > 1	? "✓"
								: "ok",
			 j->witness_msg);
		ui_pager_add(&e->result, j->witness_status == WITNESS_ALARM ? UI_ROLE_ERROR : ROLE_ALLOW,
			     line);
		app_witness_note(a, j->witness_status, j->witness_size, j->witness_msg);
	}
	if (j->pubkey[0]) {
		snprintf(line, sizeof line, "Verified offline with %s:", j->pubkey);
		ui_pager_add(&e->result, UI_ROLE_HEADER, line);
		show_checks(e, j);
	}
	if (j->rc)
		app_message(a, UI_MSG_ERROR, "verification FAILED: %s", j->msg);
	else
		app_message(a, UI_MSG_INFO, "%s %s: %llu receipts, checkpoint %llu",
			    j->kind == K_EXPORT ? "exported and verified" : "verified", j->path,
			    (unsigned long long)j->receipts, (unsigned long long)j->checkpoint_size);
	job_destroy(j);
	return UI_REDRAW | UI_REDRAW_STATUS;
}

/* evidence.export answered: the export exists; its bundle comes next, on the worker. */
static int take_export(struct evidence *e, struct app *a, struct backend_response *resp)
{
	int flags;
	char path[1100];
	snprintf(path, sizeof path, "%s", ui_form_value(&e->flow.form, 2));
	if (!flow_reply(&e->flow, a, resp, "not exported", &flags))
		return flags;
	cJSON *o = cJSON_Parse(resp->body);
	struct ev_job *j = calloc(1, sizeof *j);
	if (j) {
		j->kind = K_EXPORT;
		snprintf(j->tenant, sizeof j->tenant, "%s", e->tenant);
		snprintf(j->export_id, sizeof j->export_id, "%s", jv_str(o, "id"));
		snprintf(j->path, sizeof j->path, "%s", path);
		j->bytes = (uint64_t)jv_num(o, "bytes");
		j->own = !strcmp(e->tenant, a->tenant_id);
		j->witness = app_witness(a);
	}
	ui_pager_clear(&e->result);
	char line[300];
	snprintf(line, sizeof line, "Export %s of %s", jv_str(o, "id"), e->tenant);
	ui_pager_add(&e->result, UI_ROLE_HEADER, line);
	snprintf(line, sizeof line, "  window           %s %s %s", e->exp_from, ui_glyph(UI_G_ARROW),
		 e->exp_to);
	ui_pager_add(&e->result, UI_ROLE_NORMAL, line);
	snprintf(line, sizeof line, "  manifest digest  %s", jv_str(o, "manifest_digest"));
	ui_pager_add(&e->result, UI_ROLE_NORMAL, line);
	const cJSON *prev = cJSON_GetObjectItem(o, "previous_checkpoint_size");
	snprintf(line, sizeof line, "  %.0f receipts, checkpoint %.0f, previous export's %s",
		 jv_num(cJSON_GetObjectItem(o, "counts"), "receipts"), jv_num(o, "checkpoint_size"),
		 cJSON_IsNumber(prev) ? "" : "none");
	if (cJSON_IsNumber(prev))
		snprintf(line + strlen(line), sizeof line - strlen(line), "%.0f", prev->valuedouble);
	ui_pager_add(&e->result, UI_ROLE_NORMAL, line);
	cJSON_Delete(o);
	if (j)
		start_job(e, a, j);
	evidence_fetch(&e->base, a);
	return UI_REDRAW | UI_REDRAW_STATUS;
}

static int evidence_reply(struct screen *s, struct app *a, int tag, void *user,
			  struct backend_response *resp)
{
	struct evidence *e = (struct evidence *)s;
	if (tag == TAG_JOB)
		return take_job(e, a, user);
	if (tag == TAG_EXPORT)
		return take_export(e, a, resp);
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, "evidence exports", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	cJSON_Delete(e->list);
	e->list = cJSON_Parse(resp->body);
	e->items = cJSON_GetObjectItem(e->list, "items");
	e->loaded = true;
	ui_table_rebuild(&e->table);
	return UI_REDRAW;
}

/* ---- forms ---- */

static int open_export(struct evidence *e, struct app *a)
{
	if (e->running)
		return UI_HANDLED;
	char from[32], to[32], path[200], stamp[32];
	int64_t now = app_now_ms(a);
	nav_time_text(now - 24 * 3600000LL, from);
	nav_time_text(now, to);
	/* 20250314T094500Z: a name that sorts by time and needs no quoting */
	snprintf(stamp, sizeof stamp, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", to, to + 5, to + 8, to + 11,
		 to + 14, to + 17);
	snprintf(path, sizeof path, "klaxon-evidence-%s-%s.tar", e->tenant, stamp);
	struct ui_form *f = flow_form(&e->flow, K_EXPORT, "Export evidence");
	ui_form_add_text(f, "From", from, true);
	ui_form_add_text(f, "To", to, true);
	ui_form_add_text(f, "Bundle file", path, true);
	snprintf(f->hint, sizeof f->hint, "RFC 3339 times, the window is [from, to) · Esc close");
	return UI_HANDLED | UI_REDRAW;
}

static int open_verify(struct evidence *e, struct app *a)
{
	if (e->running)
		return UI_HANDLED;
	const char *pub = app_pubkey_path(a);
	struct ui_form *f = flow_form(&e->flow, K_VERIFY, "Verify a bundle offline");
	ui_form_add_text(f, "Bundle file", e->last_path, true);
	ui_form_add_text(f, "Public key", pub ? pub : "", true);
	snprintf(f->hint, sizeof f->hint, "the server's server.pub (minisign) · Enter verify · Esc");
	return UI_HANDLED | UI_REDRAW;
}

static void submit(struct evidence *e, struct app *a)
{
	const struct ui_form *f = &e->flow.form;
	if (e->flow.kind == K_EXPORT) {
		char q[400];
		snprintf(q, sizeof q, "Export %s's evidence from %s to %s?", e->tenant,
			 ui_form_value(f, 0), ui_form_value(f, 1));
		flow_ask(&e->flow, q);
		return;
	}
	/* Verifying changes nothing: no question, straight to the worker. */
	struct ev_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->kind = K_VERIFY;
	snprintf(j->path, sizeof j->path, "%s", ui_form_value(f, 0));
	snprintf(j->pubkey, sizeof j->pubkey, "%s", ui_form_value(f, 1));
	snprintf(e->last_path, sizeof e->last_path, "%s", j->path);
	flow_close(&e->flow);
	ui_pager_clear(&e->result);
	char line[1200];
	snprintf(line, sizeof line, "Bundle %s", j->path);
	ui_pager_add(&e->result, UI_ROLE_HEADER, line);
	start_job(e, a, j);
}

static void send_export(struct evidence *e, struct app *a)
{
	const struct ui_form *f = &e->flow.form;
	snprintf(e->exp_from, sizeof e->exp_from, "%s", ui_form_value(f, 0));
	snprintf(e->exp_to, sizeof e->exp_to, "%s", ui_form_value(f, 1));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "from", e->exp_from);
	cJSON_AddStringToObject(o, "to", e->exp_to);
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	struct backend_request req = {.op = "evidence.export", .id = e->tenant, .body = body};
	flow_send(&e->flow, a, &e->base, &req, TAG_EXPORT);
	cJSON_free(body);
}

/* ---- drawing and keys ---- */

static void draw_progress(struct evidence *e, int y)
{
	static const char *const phases[] = {"exporting", "downloading", "writing"};
	struct ev_job *j = e->running;
	int phase = atomic_load(&j->phase);
	uint64_t done = atomic_load(&j->done), total = atomic_load(&j->total);
	if (j->kind == K_VERIFY) {
		char text[32];
		snprintf(text, sizeof text, " verifying%s", ui_glyph(UI_G_ELLIPSIS));
		ui_put(stdscr, y, 0, COLS, UI_ROLE_NORMAL, text);
		return;
	}
	char label[64];
	snprintf(label, sizeof label, " %-11s %10llu bytes ", phases[phase < 3 ? phase : 0],
		 (unsigned long long)done);
	int lw = (int)strlen(label);
	ui_put(stdscr, y, 0, lw, UI_ROLE_NORMAL, label);
	ui_bar(stdscr, y, lw, COLS - lw - 1, ROLE_CHART,
	       total ? (double)done / (double)total : phase == 2 ? 1.0 : 0.0);
}

static void evidence_draw(struct screen *s, struct app *a, bool full)
{
	struct evidence *e = (struct evidence *)s;
	int body = app_body_lines(a);
	(void)full;
	char left[128];
	snprintf(left, sizeof left, " klaxon  Evidence %s %s", ui_glyph(UI_G_VLINE),
		 e->tenant[0] ? e->tenant : "?");
	ui_put(stdscr, 0, 0, COLS, UI_ROLE_TITLE, left);
	int n = e->table.n_view < LIST_ROWS ? e->table.n_view : LIST_ROWS;
	int table_h = 1 + (n ? n : 1);
	ui_table_draw(&e->table, stdscr, 1, 0, table_h, COLS, false);
	if (e->loaded && e->table.n_view == 0)
		ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM, "no exports yet");
	int y = 1 + table_h;
	ui_hline(stdscr, y, 0, COLS, UI_ROLE_BORDER);
	ui_put(stdscr, y, 2, 9, UI_ROLE_HEADER, " Result ");
	y++;
	if (e->running)
		draw_progress(e, y++);
	ui_pager_draw(&e->result, stdscr, y, 0, body - 1 - y, COLS);
	if (e->result.n_lines == 0 && !e->running)
		ui_put(stdscr, y, 1, COLS - 2, UI_ROLE_DIM,
		       "x exports a window into a bundle file; v verifies a bundle with server.pub");
	ui_put_clip(stdscr, body - 1, 0, COLS, UI_ROLE_DIM,
		    " x export a window  v verify a bundle  j/k scroll the result");
	flow_draw(&e->flow);
}

static int evidence_key(struct screen *s, struct app *a, int key)
{
	struct evidence *e = (struct evidence *)s;
	if (!flow_active(&e->flow))
		return UI_IGNORED;
	int event, flags = flow_key(&e->flow, a, key, &event);
	if (event == FLOW_SUBMIT)
		submit(e, a);
	else if (event == FLOW_YES)
		send_export(e, a);
	return flags | UI_REDRAW_STATUS;
}

static int evidence_action(struct screen *s, struct app *a, int act)
{
	struct evidence *e = (struct evidence *)s;
	switch (act) {
	case ACT_MOVE_UP: ui_pager_scroll(&e->result, -1); break;
	case ACT_MOVE_DOWN: ui_pager_scroll(&e->result, 1); break;
	case ACT_PAGE_UP: ui_table_move(&e->table, -1); break;
	case ACT_PAGE_DOWN: ui_table_move(&e->table, 1); break;
	case ACT_EXPORT: return open_export(e, a);
	case ACT_VERIFY: return open_verify(e, a);
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void evidence_free(struct screen *s)
{
	struct evidence *e = (struct evidence *)s;
	cJSON_Delete(e->list);
	ui_table_free(&e->table);
	ui_pager_free(&e->result);
	flow_free(&e->flow);
	free(e);
}

static const struct screen_ops evidence_ops = {
	.name = "evidence",
	.context = CTX_EVIDENCE,
	.draw = evidence_draw,
	.key = evidence_key,
	.action = evidence_action,
	.fetch = evidence_fetch,
	.reply = evidence_reply,
	.free = evidence_free,
};

struct screen *evidence_new(struct app *a, const char *tenant)
{
	struct evidence *e = calloc(1, sizeof *e);
	(void)a;
	if (!e)
		return NULL;
	e->base.ops = &evidence_ops;
	snprintf(e->tenant, sizeof e->tenant, "%s", tenant ? tenant : "");
	struct ui_table_model m = {e, m_count, m_cell, m_role, m_key, NULL, NULL};
	ui_table_init(&e->table, columns, N_COLS, m);
	ui_pager_init(&e->result);
	e->result.wrap = true; /* checks are sentences: all of each is read */
	return &e->base;
}
