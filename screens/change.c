/* The change dialogs: declare, advance status (only the transitions the status machine
 * allows), severity, note, title and commander. Each is a form, a y/n confirmation, and one
 * request with an Idempotency-Key (and If-Match for updates, so a change made meanwhile by
 * someone else is refused rather than overwritten). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "change.h"

static const char *const severities[] = {"sev1", "sev2", "sev3", "sev4"};

void change_init(struct change_dialog *d)
{
	memset(d, 0, sizeof *d);
}

void change_free(struct change_dialog *d)
{
	free(d->last_body);
	d->last_body = NULL;
}

bool change_active(const struct change_dialog *d)
{
	return d->open != CHANGE_NONE;
}

static void clip_title(char *out, size_t len, const char *title)
{
	/* Forty columns of the title are enough to recognise it in a question. */
	size_t n = ui_text_fit(title ? title : "", strlen(title ? title : ""), 40, NULL);
	snprintf(out, len, "%.*s%s", (int)n, title ? title : "",
		 title && n < strlen(title) ? ui_glyph(UI_G_ELLIPSIS) : "");
}

/* Builds the form of a kind, or refreshes its choices when a draft exists. */
static void build_form(struct change_dialog *d, struct app *a, enum change_kind kind,
		       const struct incident *inc)
{
	struct ui_form *f = &d->forms[kind];
	bool draft = d->has_draft[kind];
	switch (kind) {
	case CHANGE_DECLARE:
		if (draft)
			break;
		ui_form_init(f, "Declare an incident");
		ui_form_add_text(f, "Title", "", true);
		ui_form_add_choice(f, "Severity", severities, 4, 2);
		ui_form_add_text(f, "Description", "", false);
		ui_form_add_text(f, "Region", "", false);
		ui_form_add_text(f, "Labels", "", false);
		break;
	case CHANGE_ADVANCE: {
		int n = inc_next_statuses(inc->status, d->next);
		for (int i = 0; i < n; i++) {
			snprintf(d->status_names[i], sizeof d->status_names[i], "%s",
				 inc_status_name(d->next[i]));
			d->choices[i] = d->status_names[i];
		}
		/* The choices follow the incident as it is now; a typed note is kept. */
		char note[512] = "";
		if (draft)
			snprintf(note, sizeof note, "%s", ui_form_value(f, 1));
		ui_form_init(f, "Move to another status");
		ui_form_add_choice(f, "Status", d->choices, n, 0);
		ui_form_add_text(f, "Note", note, false);
		break;
	}
	case CHANGE_SEVERITY:
		ui_form_init(f, "Change the severity");
		ui_form_add_choice(f, "Severity", severities, 4, inc->severity - 1);
		break;
	case CHANGE_NOTE:
		if (draft)
			break;
		ui_form_init(f, "Add a note to the timeline");
		ui_form_add_text(f, "Note", "", true);
		break;
	case CHANGE_TITLE:
		if (draft)
			break;
		ui_form_init(f, "Edit the title");
		ui_form_add_text(f, "Title", inc->title, true);
		break;
	case CHANGE_COMMANDER: {
		int n = 0, sel = 0;
		d->choices[n] = "nobody";
		d->commander_ids[n++][0] = 0;
		for (int i = 0; i < a->n_actors && n < UI_FORM_MAX_CHOICES; i++, n++) {
			snprintf(d->commander_ids[n], sizeof d->commander_ids[n], "%s", a->actors[i].id);
			d->choices[n] = a->actors[i].name;
			if (inc->commander && !strcmp(inc->commander, a->actors[i].id))
				sel = n;
		}
		ui_form_init(f, "Assign the commander");
		if (a->n_actors > 0)
			ui_form_add_choice(f, "Commander", d->choices, n, sel);
		else /* the actors cannot be listed: an id is typed instead */
			ui_form_add_text(f, "Actor id", inc->commander ? inc->commander : "", false);
		break;
	}
	default:
		break;
	}
	d->has_draft[kind] = true;
}

int change_open(struct change_dialog *d, struct app *a, enum change_kind kind,
		const struct incident *inc)
{
	if (kind != CHANGE_DECLARE && !inc) {
		app_message(a, UI_MSG_ERROR, "the incident is not loaded yet");
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	if (kind == CHANGE_ADVANCE) {
		enum inc_status next[3];
		if (inc_next_statuses(inc->status, next) == 0) {
			app_message(a, UI_MSG_INFO, "a closed incident is final");
			return UI_HANDLED | UI_REDRAW_STATUS;
		}
	}
	if (inc) {
		snprintf(d->target, sizeof d->target, "%s", inc->id);
		d->version = inc->version;
		clip_title(d->title, sizeof d->title, inc->title);
		d->from_severity = inc->severity;
		d->from_status = inc->status;
	}
	build_form(d, a, kind, inc);
	d->open = kind;
	d->confirming = d->sending = false;
	d->forms[kind].error[0] = 0;
	return UI_HANDLED | UI_REDRAW;
}

static void question(struct change_dialog *d, struct app *a, char *q, size_t len)
{
	const struct ui_form *f = &d->forms[d->open];
	char title[128];
	switch (d->open) {
	case CHANGE_DECLARE:
		clip_title(title, sizeof title, ui_form_value(f, 0));
		snprintf(q, len, "Declare %s \"%s\"?", ui_form_value(f, 1), title);
		break;
	case CHANGE_ADVANCE:
		snprintf(q, len, "Move \"%s\" from %s to %s?", d->title,
			 inc_status_name(d->from_status), ui_form_value(f, 0));
		break;
	case CHANGE_SEVERITY:
		snprintf(q, len, "Change \"%s\" from sev%d to %s?", d->title, d->from_severity,
			 ui_form_value(f, 0));
		break;
	case CHANGE_NOTE:
		snprintf(q, len, "Add this note to \"%s\"?", d->title);
		break;
	case CHANGE_TITLE:
		clip_title(title, sizeof title, ui_form_value(f, 0));
		snprintf(q, len, "Rename \"%s\" to \"%s\"?", d->title, title);
		break;
	case CHANGE_COMMANDER: {
		const char *who = ui_form_value(f, 0);
		if (!*who || !strcmp(who, "nobody"))
			snprintf(q, len, "Remove the commander of \"%s\"?", d->title);
		else
			snprintf(q, len, "Make %s the commander of \"%s\"?", who, d->title);
		break;
	}
	default:
		q[0] = 0;
	}
	(void)a;
}

static cJSON *labels_json(const char *text)
{
	cJSON *arr = cJSON_CreateArray();
	char buf[512];
	snprintf(buf, sizeof buf, "%s", text);
	for (char *save = NULL, *l = strtok_r(buf, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
		while (*l == ' ')
			l++;
		char *e = l + strlen(l);
		while (e > l && e[-1] == ' ')
			*--e = 0;
		if (*l)
			cJSON_AddItemToArray(arr, cJSON_CreateString(l));
	}
	return arr;
}

static void add_text(cJSON *o, const char *name, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, name, v);
}

/* The request of the open form; body is malloc'd (the caller frees). */
static const char *build_request(struct change_dialog *d, struct backend_request *req,
				 char **body, char *if_match, size_t mlen)
{
	const struct ui_form *f = &d->forms[d->open];
	cJSON *o = cJSON_CreateObject();
	memset(req, 0, sizeof *req);
	req->op = "incident.update";
	req->id = d->target;
	snprintf(if_match, mlen, "\"%d\"", d->version);
	req->if_match = if_match;
	switch (d->open) {
	case CHANGE_DECLARE: {
		req->op = "incident.create";
		req->id = NULL;
		req->if_match = NULL;
		cJSON_AddStringToObject(o, "title", ui_form_value(f, 0));
		cJSON_AddStringToObject(o, "severity", ui_form_value(f, 1));
		add_text(o, "description", ui_form_value(f, 2));
		add_text(o, "region", ui_form_value(f, 3));
		cJSON *labels = labels_json(ui_form_value(f, 4));
		if (cJSON_GetArraySize(labels) > 0)
			cJSON_AddItemToObject(o, "labels", labels);
		else
			cJSON_Delete(labels);
		break;
	}
	case CHANGE_ADVANCE:
		cJSON_AddStringToObject(o, "status", ui_form_value(f, 0));
		add_text(o, "note", ui_form_value(f, 1));
		break;
	case CHANGE_SEVERITY:
		cJSON_AddStringToObject(o, "severity", ui_form_value(f, 0));
		break;
	case CHANGE_NOTE:
		/* A note changes no field, so it needs no If-Match. */
		req->op = "incident.note";
		req->if_match = NULL;
		cJSON_AddStringToObject(o, "text", ui_form_value(f, 0));
		break;
	case CHANGE_TITLE:
		cJSON_AddStringToObject(o, "title", ui_form_value(f, 0));
		break;
	case CHANGE_COMMANDER: {
		const char *id = f->fields[0].is_choice ? d->commander_ids[f->fields[0].choice]
							: ui_form_value(f, 0);
		if (*id)
			cJSON_AddStringToObject(o, "commander", id);
		else
			cJSON_AddNullToObject(o, "commander");
		break;
	}
	default:
		break;
	}
	*body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	req->body = *body;
	/* A retry of the very same change reuses its key, so it cannot happen twice. */
	if (!d->last_body || !*body || strcmp(d->last_body, *body) != 0) {
		app_new_key(d->key);
		free(d->last_body);
		d->last_body = *body ? strdup(*body) : NULL;
	}
	req->idempotency_key = d->key;
	return req->op;
}

int change_key(struct change_dialog *d, struct screen *s, struct app *a, int key, int tag)
{
	if (d->sending)
		return UI_HANDLED; /* one change at a time; the answer closes or reopens the form */
	if (d->confirming) {
		int r = ui_confirm_key(&d->confirm, key);
		if (r == UI_CONFIRM_NONE)
			return UI_HANDLED;
		d->confirming = false;
		if (r == UI_CONFIRM_NO)
			return UI_HANDLED | UI_REDRAW; /* back to the form, values intact */
		struct backend_request req;
		char *body = NULL, if_match[32];
		build_request(d, &req, &body, if_match, sizeof if_match);
		if (app_change(a, s, &req, tag, NULL)) {
			d->sending = true;
			snprintf(d->forms[d->open].hint, sizeof d->forms[d->open].hint, "sending%s",
				 ui_glyph(UI_G_ELLIPSIS));
		}
		cJSON_free(body);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	int flags = 0;
	int r = ui_form_key(&d->forms[d->open], key, &flags);
	if (r == UI_FORM_CANCEL) {
		d->open = CHANGE_NONE; /* the draft stays for next time */
		app_message(a, UI_MSG_INFO, "closed; the draft is kept");
		return UI_HANDLED | UI_REDRAW;
	}
	if (r == UI_FORM_SUBMIT) {
		char q[512];
		question(d, a, q, sizeof q);
		ui_confirm_open(&d->confirm, q);
		d->confirming = true;
		d->forms[d->open].error[0] = 0;
	}
	return flags | UI_HANDLED | UI_REDRAW;
}

void change_draw(struct change_dialog *d)
{
	if (d->open == CHANGE_NONE)
		return;
	ui_form_draw(&d->forms[d->open], stdscr);
	if (d->confirming)
		ui_confirm_draw(&d->confirm, stdscr);
}

int change_reply(struct change_dialog *d, struct app *a, struct backend_response *resp,
		 char *id, size_t idlen)
{
	struct ui_form *f = &d->forms[d->open];
	d->sending = false;
	f->hint[0] = 0;
	if (resp->status >= 200 && resp->status < 300) {
		cJSON *o = cJSON_Parse(resp->body);
		const char *new_id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "id"));
		const char *rcpt = cJSON_GetStringValue(cJSON_GetObjectItem(o, "receipt_id"));
		if (id)
			snprintf(id, idlen, "%s", new_id ? new_id : "");
		static const char *const done[] = {"", "declared", "status changed", "severity changed",
						   "note added", "title changed", "commander assigned"};
		app_message(a, UI_MSG_INFO, "%s%s%s%s", done[d->open], resp->replayed ? " (replayed)" : "",
			    rcpt ? ", receipt " : "", rcpt ? rcpt : "");
		cJSON_Delete(o);
		d->has_draft[d->open] = false;
		d->open = CHANGE_NONE;
		free(d->last_body);
		d->last_body = NULL;
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (resp->status == 412)
		snprintf(f->error, sizeof f->error, "changed meanwhile: review and submit again");
	else
		backend_error_text(resp, f->error, sizeof f->error);
	app_error_message(a, "not changed", resp);
	return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
}
