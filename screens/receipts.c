/* The receipts screen (issue 7): the tenant's ledger of receipts, oldest first with the newest
 * selected, decisions in their colours (allow, deny, override), filtered by action and
 * resource; "verify" checks the selected receipt's inclusion proof against the signed
 * checkpoint here, with the server's public key, and hands the checkpoint to the witness,
 * whose word (size, verified or ALARM) stands in the status bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flow.h"
#include "keys.h"
#include "receipt_proof.h"
#include "witness.h"

enum { TAG_PAGE = 1, TAG_NEWER, TAG_JOB };
enum { COL_SEQ, COL_AT, COL_ACTION, COL_DECISION, COL_ACTOR, COL_RESOURCE, N_COLS };
#define MAX_ROWS 5000 /* held at once; older ones stay a filter away */

static const struct ui_table_column columns[N_COLS] = {
	{"SEQ", {4, 7, 0, 0}, true},	    {"AT", {19, 19, 0, 2}, false},
	{"ACTION", {14, 24, 1, 0}, false},  {"DECISION", {8, 8, 0, 0}, false},
	{"ACTOR", {8, 14, 1, 1}, false},    {"RESOURCE", {10, 0, 2, 3}, false},
};

/* Work on the worker: the proof fetched, verified and witnessed. */
struct verify_job {
	struct job_head head;
	char id[64], pubkey_path[1100];
	char *shown; /* the row as listed (owned), checked against the leaf too */
	struct witness *witness;
	int rc, witness_status;
	uint64_t size;
	char msg[600], witness_msg[400];
	char checks[8][300];
	int n_checks;
};

struct receipts {
	struct screen base;
	struct app *app;
	cJSON **pages; /* the answers held, each owning its items */
	int n_pages;
	const cJSON **rows;
	int n_rows, cap_rows;
	bool loaded, truncated, witnessed;
	long long last_seq;
	struct ui_table table;
	struct ui_form filter;
	bool filtering;
	char action[128], resource[128];
	struct notice notice;
	int generation; /* a filter change outdates answers still on their way */
};

static int m_count(void *ctx)
{
	return ((struct receipts *)ctx)->n_rows;
}

static const char *decision_of(const cJSON *r)
{
	const cJSON *d = cJSON_GetObjectItem(r, "decision");
	if (cJSON_GetObjectItem(d, "override"))
		return "override";
	return jv_str(d, "effect");
}

static void m_cell(void *ctx, int row, int col, char *buf, size_t len)
{
	struct receipts *r = ctx;
	const cJSON *o = r->rows[row];
	switch (col) {
	case COL_SEQ: snprintf(buf, len, "%.0f", jv_num(o, "seq")); break;
	case COL_AT: inc_time_short(jv_str(o, "at"), buf, len); break;
	case COL_ACTION: snprintf(buf, len, "%s", jv_str(o, "action")); break;
	case COL_DECISION: snprintf(buf, len, "%s", decision_of(o)); break;
	case COL_ACTOR: snprintf(buf, len, "%s", app_actor_name(r->app, jv_str(o, "actor"))); break;
	default: snprintf(buf, len, "%s", *jv_str(o, "resource") ? jv_str(o, "resource") : "-");
	}
}

static int m_role(void *ctx, int row, int col)
{
	struct receipts *r = ctx;
	if (col == COL_DECISION) {
		const char *d = decision_of(r->rows[row]);
		return !strcmp(d, "allow") ? ROLE_ALLOW : !strcmp(d, "deny") ? ROLE_DENY : ROLE_OVERRIDE;
	}
	return col == COL_AT || col == COL_RESOURCE ? UI_ROLE_DIM : -1;
}

static const char *m_key(void *ctx, int row)
{
	return jv_str(((struct receipts *)ctx)->rows[row], "id");
}

static void clear_rows(struct receipts *r)
{
	for (int i = 0; i < r->n_pages; i++)
		cJSON_Delete(r->pages[i]);
	free(r->pages);
	r->pages = NULL;
	r->n_pages = r->n_rows = 0;
	r->last_seq = 0;
	r->loaded = r->truncated = false;
}

/* Asks for the receipts after `after` (0: from the first), with the filter. */
static void ask_page(struct receipts *r, struct app *a, long long after, int tag)
{
	char cursor[24];
	snprintf(cursor, sizeof cursor, "%lld", after);
	struct backend_param q[5] = {{"limit", "500"}};
	int n = 1;
	if (after > 0)
		q[n++] = (struct backend_param){"cursor", cursor};
	if (r->action[0])
		q[n++] = (struct backend_param){"action", r->action};
	if (r->resource[0])
		q[n++] = (struct backend_param){"resource", r->resource};
	struct backend_request req = {.op = "receipt.list", .query = q};
	app_request(a, &r->base, &req, tag | (r->generation << 4), NULL);
}

/* ---- the witness: the current checkpoint on opening, and each verification's ---- */

static void job_destroy(void *arg)
{
	struct verify_job *j = arg;
	cJSON_free(j->shown);
	free(j);
}

static void add_check(void *ctx, const char *check)
{
	struct verify_job *j = ctx;
	if (j->n_checks < 8)
		snprintf(j->checks[j->n_checks++], sizeof j->checks[0], "%s", check);
}

/* The witness checks the signature itself; the size is read for the status bar only. */
static void observe(struct backend *b, struct verify_job *j, const char *note)
{
	const char *nl = note ? strchr(note, '\n') : NULL;
	unsigned long long size = 0;
	if (nl && sscanf(nl + 1, "%llu", &size) == 1)
		j->size = size;
	j->witness_status = witness_observe(j->witness, b, true, note, NULL, j->witness_msg,
					    sizeof j->witness_msg);
}

/* No id: only the current checkpoint, for the witness. */
static void job_run(struct backend *b, void *arg)
{
	struct verify_job *j = arg;
	char err[300];
	j->witness_status = -1;
	char *pub = keys_read_file(j->pubkey_path, 4096, NULL, err, sizeof err);
	struct backend_param q[] = {{"proof", "true"}, {NULL, NULL}};
	struct backend_request req = {.op = j->id[0] ? "receipt.get" : "ledger.get",
				      .id = j->id[0] ? j->id : NULL, .query = j->id[0] ? q : NULL};
	struct backend_response resp;
	if (!pub) {
		j->rc = -1;
		snprintf(j->msg, sizeof j->msg, "%s", err);
	} else if (backend_call(b, &req, &resp)) {
		j->rc = -1;
		backend_error_text(&resp, j->msg, sizeof j->msg);
		backend_response_free(&resp);
	} else if (!j->id[0]) {
		if (j->witness)
			observe(b, j, resp.body);
		backend_response_free(&resp);
	} else {
		struct receipt_proof p;
		j->rc = receipt_proof_verify(resp.body, j->shown, pub, add_check, j, &p, j->msg,
					     sizeof j->msg);
		j->size = p.tree_size;
		if (j->rc == 0 && j->witness)
			observe(b, j, p.checkpoint);
		receipt_proof_free(&p);
		backend_response_free(&resp);
	}
	free(pub);
}

static void start_job(struct receipts *r, struct app *a, const cJSON *row)
{
	const char *id = row ? jv_str(row, "id") : NULL;
	const char *pub = app_pubkey_path(a);
	if (!pub) {
		if (id)
			app_message(a, UI_MSG_ERROR, "no public key of the server is known: start "
						     "klaxon with --pubkey server.pub");
		return;
	}
	struct verify_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->head.destroy = job_destroy;
	snprintf(j->id, sizeof j->id, "%s", id ? id : "");
	snprintf(j->pubkey_path, sizeof j->pubkey_path, "%s", pub);
	j->shown = row ? cJSON_PrintUnformatted(row) : NULL;
	j->witness = app_witness(a);
	if (app_job(a, &r->base, job_run, TAG_JOB, j))
		job_destroy(j);
}

static int take_job(struct receipts *r, struct app *a, struct verify_job *j)
{
	const char *ok = strlen(ui_glyph(UI_G_BULLET)) > 1 ? "✓" : "ok";
	if (j->witness_status >= 0)
		app_witness_note(a, j->witness_status, j->size, j->witness_msg);
	if (j->id[0]) {
		notice_open(&r->notice, "Inclusion verified here", false);
		notice_add(&r->notice, UI_ROLE_DIALOG_TITLE, "Receipt %s", j->id);
		for (int i = 0; i < j->n_checks; i++)
			notice_add(&r->notice, ROLE_ALLOW, "  %s %s", ok, j->checks[i]);
		if (j->rc)
			notice_add(&r->notice, UI_ROLE_ERROR, "  %s FAILED: %s", ui_glyph(UI_G_CROSS),
				   j->msg);
		if (j->witness_status >= 0)
			notice_add(&r->notice,
				   j->witness_status == WITNESS_ALARM ? UI_ROLE_ERROR : ROLE_ALLOW,
				   "  %s witness: %s", j->witness_status == WITNESS_ALARM ? "ALARM"
						       : j->witness_status == WITNESS_UNLINKED ? "?"
											 : ok,
				   j->witness_msg);
		notice_add(&r->notice, UI_ROLE_DIM, "%s",
			   "Checked with the server's public key alone: the server is not trusted.");
	} else if (j->rc) {
		app_message(a, UI_MSG_ERROR, "witness: %s", j->msg);
	}
	job_destroy(j);
	return UI_REDRAW | UI_REDRAW_STATUS;
}

/* ---- answers ---- */

static void keep_page(struct receipts *r, cJSON *page)
{
	cJSON **np = realloc(r->pages, (size_t)(r->n_pages + 1) * sizeof *np);
	if (!np) {
		cJSON_Delete(page);
		return;
	}
	r->pages = np;
	r->pages[r->n_pages++] = page;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(page, "items"))
	{
		if (r->n_rows == MAX_ROWS) {
			r->truncated = true;
			break;
		}
		if (r->n_rows == r->cap_rows) {
			int nc = r->cap_rows ? r->cap_rows * 2 : 256;
			const cJSON **nr = realloc(r->rows, (size_t)nc * sizeof *nr);
			if (!nr)
				break;
			r->rows = nr;
			r->cap_rows = nc;
		}
		r->rows[r->n_rows++] = it;
		r->last_seq = (long long)jv_num(it, "seq");
	}
}

static int take_page(struct receipts *r, struct app *a, int tag, struct backend_response *resp)
{
	if (resp->status != 200) {
		if (resp->status != 503)
			app_error_message(a, "receipts", resp);
		return UI_REDRAW | UI_REDRAW_STATUS;
	}
	bool first = !r->loaded;
	int before = r->n_rows;
	cJSON *page = cJSON_Parse(resp->body);
	const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(page, "next_cursor"));
	bool more = next && *next && !r->truncated;
	keep_page(r, page);
	/* Oldest first: read on to the newest, which is where a person looks. */
	if (more && !r->truncated)
		ask_page(r, a, r->last_seq, tag & 0xf);
	else
		r->loaded = true;
	ui_table_rebuild(&r->table);
	bool at_end = r->table.selected < 0 || r->table.selected >= before - 1;
	if ((first || at_end) && r->loaded && r->n_rows > before)
		ui_table_move_to(&r->table, r->table.n_view - 1);
	return UI_REDRAW;
}

static void receipts_fetch(struct screen *s, struct app *a)
{
	struct receipts *r = (struct receipts *)s;
	if (!r->witnessed) { /* the current checkpoint, once: the status bar shows its word */
		r->witnessed = true;
		start_job(r, a, NULL);
	}
	if (r->n_pages == 0)
		ask_page(r, a, 0, TAG_PAGE);
	else if (r->loaded)
		ask_page(r, a, r->last_seq, TAG_NEWER); /* a refresh brings what came since */
}

static int receipts_reply(struct screen *s, struct app *a, int tag, void *user,
			  struct backend_response *resp)
{
	struct receipts *r = (struct receipts *)s;
	if (tag == TAG_JOB)
		return take_job(r, a, user);
	if (tag >> 4 != r->generation)
		return 0; /* for a filter no longer set */
	return take_page(r, a, tag, resp);
}

/* ---- filter ---- */

static int open_filter(struct receipts *r)
{
	ui_form_init(&r->filter, "Filter receipts");
	ui_form_add_text(&r->filter, "Action", r->action, false);
	ui_form_add_text(&r->filter, "Resource", r->resource, false);
	snprintf(r->filter.hint, sizeof r->filter.hint,
		 "exact action (incident.create) and resource id; empty: all · Esc");
	r->filtering = true;
	return UI_HANDLED | UI_REDRAW;
}

static int filter_key(struct receipts *r, struct app *a, int key)
{
	int flags = 0, res = ui_form_key(&r->filter, key, &flags);
	if (res == UI_FORM_CANCEL)
		r->filtering = false;
	if (res != UI_FORM_SUBMIT)
		return flags | UI_HANDLED;
	r->filtering = false;
	snprintf(r->action, sizeof r->action, "%s", ui_form_value(&r->filter, 0));
	snprintf(r->resource, sizeof r->resource, "%s", ui_form_value(&r->filter, 1));
	r->generation = (r->generation + 1) & 0xfff;
	clear_rows(r);
	ui_table_rebuild(&r->table);
	ask_page(r, a, 0, TAG_PAGE);
	return UI_HANDLED | UI_REDRAW;
}

/* ---- drawing and keys ---- */

static void receipts_draw(struct screen *s, struct app *a, bool full)
{
	struct receipts *r = (struct receipts *)s;
	int body = app_body_lines(a);
	(void)full;
	char left[128], right[300] = "";
	snprintf(left, sizeof left, " klaxon  Receipts %s %s", ui_glyph(UI_G_VLINE),
		 a->tenant_id[0] ? a->tenant_id : "?");
	if (r->action[0] || r->resource[0])
		snprintf(right, sizeof right, "%s%s%s%s %s ", r->action[0] ? "action " : "", r->action,
			 r->resource[0] ? " resource " : "", r->resource, ui_glyph(UI_G_VLINE));
	snprintf(right + strlen(right), sizeof right - strlen(right), "%d%s receipt%s ", r->n_rows,
		 r->truncated ? "+" : "", r->n_rows == 1 ? "" : "s");
	int rw = ui_text_width(right, strlen(right));
	ui_put(stdscr, 0, 0, COLS - rw, UI_ROLE_TITLE, left);
	ui_put(stdscr, 0, COLS - rw, rw, UI_ROLE_TITLE, right);
	ui_table_draw(&r->table, stdscr, 1, 0, body - 2, COLS, false);
	if (r->loaded && r->n_rows == 0)
		ui_put(stdscr, 2, 1, COLS - 2, UI_ROLE_DIM, "no receipts match");
	ui_put_clip(stdscr, body - 1, 0, COLS, UI_ROLE_DIM,
		    " v or Enter verify inclusion  / filter by action and resource");
	if (r->filtering)
		ui_form_draw(&r->filter, stdscr);
	notice_draw(&r->notice);
}

static int receipts_key(struct screen *s, struct app *a, int key)
{
	struct receipts *r = (struct receipts *)s;
	if (r->notice.open)
		return notice_key(&r->notice, key);
	if (r->filtering)
		return filter_key(r, a, key);
	return UI_IGNORED;
}

static int receipts_action(struct screen *s, struct app *a, int act)
{
	struct receipts *r = (struct receipts *)s;
	struct ui_table *t = &r->table;
	int page = t->height > 1 ? t->height - 1 : 1, row;
	switch (act) {
	case ACT_MOVE_UP: ui_table_move(t, -1); break;
	case ACT_MOVE_DOWN: ui_table_move(t, 1); break;
	case ACT_PAGE_UP: ui_table_move(t, -page); break;
	case ACT_PAGE_DOWN: ui_table_move(t, page); break;
	case ACT_MOVE_TOP: ui_table_move_to(t, 0); break;
	case ACT_MOVE_BOTTOM: ui_table_move_to(t, t->n_view - 1); break;
	case ACT_FILTER_BY: return open_filter(r);
	case ACT_VERIFY:
		if ((row = ui_table_selected_row(t)) >= 0)
			start_job(r, a, r->rows[row]);
		return UI_HANDLED | UI_REDRAW_STATUS;
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void receipts_free(struct screen *s)
{
	struct receipts *r = (struct receipts *)s;
	clear_rows(r);
	free(r->rows);
	ui_table_free(&r->table);
	notice_close(&r->notice);
	free(r);
}

static const struct screen_ops receipts_ops = {
	.name = "receipts",
	.context = CTX_RECEIPTS,
	.draw = receipts_draw,
	.key = receipts_key,
	.action = receipts_action,
	.fetch = receipts_fetch,
	.reply = receipts_reply,
	.free = receipts_free,
};

struct screen *receipts_new(struct app *a)
{
	struct receipts *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->base.ops = &receipts_ops;
	r->app = a;
	struct ui_table_model m = {r, m_count, m_cell, m_role, m_key, NULL, NULL};
	ui_table_init(&r->table, columns, N_COLS, m);
	return &r->base;
}
