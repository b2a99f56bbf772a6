/* What governs every screen alike, kept in one place so no screen explains policy its own way:
 * a policy denial names its deciding rules and the conditions that held (error.decision); a
 * denied change is kept so that an actor allowed policy.override can pass it as a governed
 * exception, with a justification, by sending it again; a standing banner shows the alerts
 * that need a person (unacknowledged exceptions, a failing ledger); and the ledger witness's
 * last word goes in the status bar. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "witness.h"

enum { TAG_ALERTS = GOV_TAG_FIRST, TAG_MAY_OVERRIDE };
enum dlg { DLG_CLOSED, DLG_EXPLAIN, DLG_CONFIRM };
enum may { MAY_UNKNOWN, MAY_YES, MAY_NO, MAY_UNSURE };
#define GOV_LINES 8

struct saved_request {
	struct backend_request req;
	struct backend_param query[17];
	char *strings[24];
	int n_strings;
};

struct governance {
	struct witness witness;
	bool witness_on;
	char pubkey_path[1100];
	int witness_status; /* -1: nothing seen yet */
	uint64_t witness_size;
	char banner[300];
	int banner_role;
	bool alerts_inflight;
	/* the request being answered right now (set around a screen's reply) */
	const struct saved_request *replying;
	unsigned replying_serial;
	int replying_tag;
	void *replying_user;
	/* the denial dialog */
	enum dlg dialog;
	struct saved_request *denied;
	unsigned serial;
	int tag;
	void *user;
	char action[64], rules[256];
	char why[GOV_LINES][300];
	int n_why;
	bool overridable, was_override;
	enum may may;
	struct ui_input justification;
	struct ui_confirm confirm;
};

/* ---- kept requests ---- */

static const char *keep(struct saved_request *r, const char *s)
{
	if (!s || r->n_strings == (int)(sizeof r->strings / sizeof r->strings[0]))
		return NULL;
	return r->strings[r->n_strings++] = strdup(s);
}

struct saved_request *gov_save_request(const struct backend_request *req)
{
	struct saved_request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->req.op = keep(r, req->op);
	r->req.id = keep(r, req->id);
	r->req.sub_id = keep(r, req->sub_id);
	r->req.body = keep(r, req->body);
	r->req.if_match = keep(r, req->if_match);
	r->req.override = keep(r, req->override);
	int n = 0;
	for (const struct backend_param *q = req->query; q && q->name && n < 8; q++, n++) {
		r->query[n].name = keep(r, q->name);
		r->query[n].value = keep(r, q->value);
	}
	r->req.query = n ? r->query : NULL;
	/* The idempotency key is left behind on purpose: a retry is a new request. */
	return r;
}

void gov_saved_free(struct saved_request *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n_strings; i++)
		free(r->strings[i]);
	free(r);
}

/* ---- setup ---- */

int gov_open(struct app *a)
{
	struct governance *g = calloc(1, sizeof *g);
	if (!(a->gov = g))
		return -1;
	g->witness_status = -1;
	const struct console_options *o = a->opt;
	bool embedded = o->mode && !strcmp(o->mode, "embedded");
	if (o->pubkey)
		snprintf(g->pubkey_path, sizeof g->pubkey_path, "%s", o->pubkey);
	else if (embedded && o->location) /* the store keeps its key beside itself */
		snprintf(g->pubkey_path, sizeof g->pubkey_path, "%s.pub", o->location);
	/* The witness state is kept per server URL, or per store by its absolute path: the CLI
	 * names them the same way, so both witness one history. */
	char real[PATH_MAX], err[1200];
	const char *source = o->location ? o->location : "";
	if (embedded && o->location && realpath(o->location, real))
		source = real;
	if (g->pubkey_path[0] &&
	    witness_open(&g->witness, source, g->pubkey_path, NULL, err, sizeof err) == 0)
		g->witness_on = true;
	else if (o->pubkey) /* asked for and unusable: say so; a store without a key is quiet */
		app_message(a, UI_MSG_ERROR, "witness off: %s", err);
	return 0;
}

void gov_close(struct app *a)
{
	struct governance *g = a->gov;
	if (!g)
		return;
	witness_close(&g->witness);
	gov_saved_free(g->denied);
	free(g);
	a->gov = NULL;
}

struct witness *app_witness(struct app *a)
{
	return a->gov && a->gov->witness_on ? &a->gov->witness : NULL;
}

const char *app_pubkey_path(struct app *a)
{
	return a->gov && a->gov->pubkey_path[0] ? a->gov->pubkey_path : NULL;
}

void app_witness_note(struct app *a, int status, uint64_t size, const char *msg)
{
	struct governance *g = a->gov;
	if (!g || status == WITNESS_OFF)
		return;
	g->witness_status = status;
	g->witness_size = size;
	if (status == WITNESS_ALARM) /* never silent: the loudest message there is */
		app_message(a, UI_MSG_ERROR, "LEDGER WITNESS ALARM: %s", msg);
	a->dirty |= UI_REDRAW_STATUS;
}

void gov_status(struct app *a, char *buf, size_t len, int *role)
{
	struct governance *g = a->gov;
	buf[0] = 0;
	if (!g || g->witness_status < 0)
		return;
	if (g->witness_status == WITNESS_ALARM) {
		snprintf(buf, len, "LEDGER ALARM %s ", ui_glyph(UI_G_VLINE));
		*role = UI_ROLE_ERROR;
	} else if (g->witness_status == WITNESS_UNLINKED) {
		snprintf(buf, len, "ledger %llu ? %s ", (unsigned long long)g->witness_size,
			 ui_glyph(UI_G_VLINE));
		*role = UI_ROLE_STATUS_WARN;
	} else {
		snprintf(buf, len, "ledger %llu %s %s ", (unsigned long long)g->witness_size,
			 strlen(ui_glyph(UI_G_BULLET)) > 1 ? "✓" : "ok", ui_glyph(UI_G_VLINE));
	}
}

/* ---- the alert banner ---- */

int app_body_lines(struct app *a)
{
	return LINES - 1 - (a->gov && a->gov->banner[0] ? 1 : 0);
}

void gov_refresh(struct app *a)
{
	struct governance *g = a->gov;
	if (!g || g->alerts_inflight)
		return;
	struct backend_request req = {.op = "alert.list"};
	if (app_request(a, NULL, &req, TAG_ALERTS, NULL) == 0)
		g->alerts_inflight = true;
}

/* Only the alerts this console can act on stand as a banner; the rest have their screens. */
static void take_alerts(struct app *a, const struct backend_response *resp)
{
	struct governance *g = a->gov;
	char banner[sizeof g->banner] = "";
	int role = ROLE_BANNER;
	cJSON *root = resp->status == 200 ? cJSON_Parse(resp->body) : NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "items"))
	{
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(it, "kind"));
		const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(it, "message"));
		if (!kind || !msg)
			continue;
		bool exc = !strcmp(kind, "unacknowledged_exceptions");
		if (!exc && strcmp(kind, "integrity_failure") != 0)
			continue;
		if (!exc)
			role = UI_ROLE_ERROR;
		size_t used = strlen(banner);
		snprintf(banner + used, sizeof banner - used, "%s%s%s", used ? "  ·  " : " ! ", msg,
			 exc ? " (:exceptions to review)" : "");
	}
	cJSON_Delete(root);
	if (resp->status != 200 && resp->status != 403)
		return; /* offline: the banner stands as it was */
	if (strcmp(banner, g->banner) != 0 || role != g->banner_role)
		a->dirty |= UI_REDRAW | UI_REDRAW_STATUS;
	snprintf(g->banner, sizeof g->banner, "%s", banner);
	g->banner_role = role;
}

/* ---- policy denials ---- */

static void join_strings(const cJSON *arr, char *out, size_t len)
{
	const cJSON *v;
	size_t used = 0;
	out[0] = 0;
	cJSON_ArrayForEach(v, arr)
	{
		if (!cJSON_IsString(v) || used >= len)
			continue;
		int w = snprintf(out + used, len - used, "%s%s", used ? ", " : "", v->valuestring);
		used += w > 0 ? (size_t)w : 0;
	}
}

static void take_decision(struct governance *g, const cJSON *e)
{
	const cJSON *d = cJSON_GetObjectItem(e, "decision"), *v;
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	/* The message starts with the action: "incident.create is denied by policy". */
	snprintf(g->action, sizeof g->action, "%.*s", msg ? (int)strcspn(msg, " ") : 0,
		 msg ? msg : "");
	join_strings(cJSON_GetObjectItem(d, "rules"), g->rules, sizeof g->rules);
	g->n_why = 0;
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "explanation"))
	{
		if (cJSON_IsString(v) && g->n_why < GOV_LINES)
			snprintf(g->why[g->n_why++], sizeof g->why[0], "%s", v->valuestring);
	}
	g->overridable = cJSON_IsTrue(cJSON_GetObjectItem(d, "overridable"));
}

static void ask_may_override(struct app *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "subject"), "actor", a->actor_id);
	cJSON_AddStringToObject(o, "action", "policy.override");
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	struct backend_request req = {.op = "policy.simulate", .id = a->tenant_id, .body = body};
	if (!a->actor_id[0] || !a->tenant_id[0] || app_request(a, NULL, &req, TAG_MAY_OVERRIDE, NULL))
		a->gov->may = MAY_UNSURE;
	cJSON_free(body);
}

bool gov_denial(struct app *a, const char *what, const struct backend_response *resp)
{
	struct governance *g = a->gov;
	cJSON *root = resp->body ? cJSON_Parse(resp->body) : NULL;
	const cJSON *e = cJSON_GetObjectItem(root, "error");
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(e, "code"));
	if (!g || resp->status != 403 || !code || strcmp(code, "policy_denied") != 0 ||
	    !cJSON_IsObject(cJSON_GetObjectItem(e, "decision"))) {
		cJSON_Delete(root);
		return false;
	}
	take_decision(g, e);
	cJSON_Delete(root);
	/* One line: the rules, then the conditions without the "forbid RULE: " they repeat. */
	char why[600] = "";
	for (int i = 0; i < g->n_why; i++) {
		const char *w = g->why[i], *colon = strstr(w, ": ");
		if (colon && (!strncmp(w, "forbid ", 7) || !strncmp(w, "permit ", 7)))
			w = colon + 2;
		size_t used = strlen(why);
		snprintf(why + used, sizeof why - used, "%s%s", used ? "; " : "", w);
	}
	app_message(a, UI_MSG_DENIED, "%s: %s denied by %s%s (%s)", what, g->action,
		    g->rules[0] ? "rule " : "policy", g->rules,
		    why[0] ? why : "no role or permit rule grants it");
	if (!g->replying)
		return true; /* a read: the message is all there is to say */
	/* A denied change: the whole decision in a dialog, with the exception on offer. */
	gov_saved_free(g->denied);
	g->denied = gov_save_request(&g->replying->req);
	g->was_override = g->replying->req.override != NULL;
	g->serial = g->replying_serial;
	g->tag = g->replying_tag;
	g->user = g->replying_user;
	g->dialog = DLG_EXPLAIN;
	ui_input_set(&g->justification, "");
	g->may = MAY_NO;
	if (g->overridable && !g->was_override) {
		g->may = MAY_UNKNOWN;
		ask_may_override(a);
	}
	a->dirty |= UI_REDRAW;
	return true;
}

void gov_reply_context(struct app *a, const struct saved_request *req, unsigned serial, int tag,
		       void *user)
{
	struct governance *g = a->gov;
	if (!g)
		return;
	g->replying = req;
	g->replying_serial = serial;
	g->replying_tag = tag;
	g->replying_user = user;
}

void gov_reply_own(struct app *a, int tag, struct backend_response *resp)
{
	struct governance *g = a->gov;
	if (tag == TAG_ALERTS) {
		g->alerts_inflight = false;
		take_alerts(a, resp);
		return;
	}
	if (tag != TAG_MAY_OVERRIDE || g->dialog == DLG_CLOSED || g->may != MAY_UNKNOWN)
		return;
	cJSON *root = resp->status == 200 ? cJSON_Parse(resp->body) : NULL;
	const char *effect = cJSON_GetStringValue(cJSON_GetObjectItem(root, "effect"));
	/* Not allowed to ask (no policy.simulate): offer it, and let the server decide. */
	g->may = !effect ? MAY_UNSURE : !strcmp(effect, "allow") ? MAY_YES : MAY_NO;
	cJSON_Delete(root);
	a->dirty |= UI_REDRAW;
}

/* ---- the denial dialog ---- */

static bool offering(const struct governance *g)
{
	return g->may == MAY_YES || g->may == MAY_UNSURE;
}

static void send_override(struct app *a)
{
	struct governance *g = a->gov;
	struct backend_request req = g->denied->req;
	char key[40];
	app_new_key(key); /* the denial was recorded under the old key; this is a new request */
	req.idempotency_key = key;
	req.override = g->justification.text;
	if (app_resend(a, g->serial, &req, g->tag, g->user))
		app_message(a, UI_MSG_ERROR, "not sent: the screen that made the change is closed");
	else
		app_message(a, UI_MSG_INFO, "sending %s as a governed exception%s", g->action,
			    ui_glyph(UI_G_ELLIPSIS));
	ui_input_set(&g->justification, "");
	g->dialog = DLG_CLOSED;
	gov_refresh(a); /* queued behind the change: the banner then counts the exception */
}

int gov_key(struct app *a, int key)
{
	struct governance *g = a->gov;
	if (!g || g->dialog == DLG_CLOSED)
		return UI_IGNORED;
	if (g->dialog == DLG_CONFIRM) {
		int r = ui_confirm_key(&g->confirm, key);
		if (r == UI_CONFIRM_YES)
			send_override(a);
		else if (r == UI_CONFIRM_NO)
			g->dialog = DLG_EXPLAIN; /* back to the justification, as typed */
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (key == UI_KEY_ESC || (key == UI_KEY_ENTER && !offering(g))) {
		g->dialog = DLG_CLOSED;
		return UI_HANDLED | UI_REDRAW;
	}
	if (!offering(g))
		return UI_HANDLED; /* modal: nothing else happens under it */
	if (key == UI_KEY_ENTER) {
		const char *j = g->justification.text;
		while (*j == ' ')
			j++;
		if (!*j) {
			app_message(a, UI_MSG_ERROR, "a governed exception needs a justification");
			return UI_HANDLED | UI_REDRAW_STATUS;
		}
		char q[400];
		snprintf(q, sizeof q, "Pass %s as a governed exception to %s?", g->action,
			 g->rules[0] ? g->rules : "the policy");
		ui_confirm_open(&g->confirm, q);
		g->dialog = DLG_CONFIRM;
		return UI_HANDLED | UI_REDRAW;
	}
	ui_input_key(&g->justification, key);
	return UI_HANDLED | UI_REDRAW;
}

/* Puts text at (y, x) wrapped to width columns at spaces; returns the rows used. */
static int put_wrapped(int y, int x, int width, int max_rows, int role, const char *text)
{
	int rows = 0;
	size_t n = strlen(text);
	while (n > 0 && rows < max_rows) {
		size_t fit = ui_text_fit(text, n, width, NULL);
		if (fit < n) { /* break at the last space that fits, if there is one */
			size_t sp = fit;
			while (sp > 0 && text[sp] != ' ')
				sp--;
			if (sp > 0)
				fit = sp;
		}
		char line[600];
		snprintf(line, sizeof line, "%.*s", (int)fit, text);
		ui_put(stdscr, y + rows++, x, width, role, line);
		text += fit;
		n -= fit;
		while (n > 0 && *text == ' ')
			text++, n--;
	}
	return rows;
}

static void draw_dialog(struct governance *g)
{
	int y, x, h, w;
	ui_dialog_frame(stdscr, 16, COLS < 100 ? COLS : 80, "Denied by policy", &y, &x, &h, &w);
	int row = y + 2, iw = w - 4, bottom = y + h - 2;
	char line[600];
	snprintf(line, sizeof line, "%s was denied.", g->action[0] ? g->action : "The change");
	ui_put(stdscr, row++, x + 2, iw, UI_ROLE_DIALOG_TITLE, line);
	snprintf(line, sizeof line, "Deciding rule%s: %s", strchr(g->rules, ',') ? "s" : "",
		 g->rules[0] ? g->rules : "none (no role or permit rule grants it)");
	row += put_wrapped(row, x + 2, iw, 2, UI_ROLE_DIALOG, line);
	for (int i = 0; i < g->n_why && row < bottom - 4; i++) {
		snprintf(line, sizeof line, "Why: %s", g->why[i]);
		row += put_wrapped(row, x + 2, iw, 2, UI_ROLE_DIALOG, line);
	}
	row++;
	const char *note = g->was_override ? "The override was refused: it needs the "
					     "policy.override permission."
			   : !g->overridable ? "The profile marks this rule not overridable: no "
					       "exception can pass it."
			   : g->may == MAY_UNKNOWN ? "Checking whether you may override it..."
			   : g->may == MAY_NO	   ? "You are not allowed policy.override."
			   : g->may == MAY_UNSURE
				   ? "A governed exception may pass it (the server decides whether you "
				     "may); it is receipted and listed until an admin acknowledges it."
				   : "You may pass it as a governed exception: it is receipted and "
				     "listed until an admin acknowledges it.";
	row += put_wrapped(row, x + 2, iw, 3, UI_ROLE_DIALOG, note);
	if (offering(g) && row < bottom - 1) {
		ui_put(stdscr, ++row, x + 2, 15, UI_ROLE_DIALOG_TITLE, "Justification");
		ui_input_draw(&g->justification, stdscr, row, x + 17, iw - 15, UI_ROLE_INPUT_FOCUS,
			      g->dialog == DLG_EXPLAIN);
	}
	ui_put_clip(stdscr, bottom, x + 2, iw, UI_ROLE_DIM,
		    offering(g) ? "Enter override · Esc cancel" : "Enter or Esc closes");
}

void gov_draw(struct app *a)
{
	struct governance *g = a->gov;
	if (!g)
		return;
	if (g->banner[0])
		ui_put_clip(stdscr, LINES - 2, 0, COLS, g->banner_role, g->banner);
	if (g->dialog == DLG_CLOSED)
		return;
	draw_dialog(g);
	if (g->dialog == DLG_CONFIRM)
		ui_confirm_draw(&g->confirm, stdscr);
}
