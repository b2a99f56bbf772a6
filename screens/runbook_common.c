/* What the runbook screens share: colours for risk and run statuses, small JSON readers,
 * command output made fit for the pager, the approval key's path, and navigation (R, A,
 * `:runbooks`, `:approvals`, `:run ID`) that goes back to an open screen instead of stacking
 * a second one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runbook.h"

int rb_risk_role(const char *risk)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};
	for (int i = 0; risk && i < 4; i++)
		if (!strcmp(risk, names[i]))
			return ROLE_RISK_LOW + i;
	return UI_ROLE_NORMAL;
}

bool rb_risk_needs_typing(const char *risk)
{
	return risk && (!strcmp(risk, "high") || !strcmp(risk, "critical"));
}

int rb_status_role(const char *st)
{
	if (!st)
		return UI_ROLE_DIM;
	if (!strcmp(st, "succeeded"))
		return ROLE_STATUS_RESOLVED;
	if (!strcmp(st, "running") || !strcmp(st, "rolling_back"))
		return ROLE_STATUS_MITIGATING;
	if (!strcmp(st, "awaiting_approval"))
		return ROLE_STATUS_TRIAGED;
	if (!strcmp(st, "failed") || !strcmp(st, "aborted"))
		return ROLE_SEV1;
	if (!strcmp(st, "rolled_back"))
		return ROLE_STATUS_CLOSED;
	return UI_ROLE_DIM; /* pending, skipped */
}

const char *rb_json_str(const cJSON *o, const char *name)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	return v ? v : "";
}

int rb_json_int(const cJSON *o, const char *name, int fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	/* A hostile or broken server may send anything: clamp before converting. */
	if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble || v->valuedouble > 1e9 ||
	    v->valuedouble < -1e9)
		return fallback;
	return (int)v->valuedouble;
}

int rb_body_lines(struct app *a)
{
	return app_body_lines(a);
}

void rb_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

void rb_pager_add_output(struct ui_pager *p, int role, const char *text)
{
	char line[1024];
	size_t n = 0;
	for (const char *c = text ? text : "";; c++) {
		if (*c == '\n' || *c == 0 || n + 9 >= sizeof line) {
			line[n] = 0;
			if (*c || n)
				ui_pager_add(p, role, line);
			n = 0;
			if (!*c)
				break;
			if (*c == '\n')
				continue;
		}
		if (*c == '\r') {
			n = 0; /* what follows overwrites the line, as on a terminal */
		} else if (*c == '\t') {
			do
				line[n++] = ' ';
			while (n % 8);
		} else if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			line[n++] = '?';
		} else {
			line[n++] = *c;
		}
	}
}

const char *rb_approval_key(struct app *a, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	if (a->opt->approval_key && *a->opt->approval_key)
		snprintf(buf, len, "%s", a->opt->approval_key);
	else
		snprintf(buf, len, "%s/.config/klaxon/keys/approver.key", home ? home : ".");
	return buf;
}

const char *rb_tilde(const char *path, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	size_t n = home ? strlen(home) : 0;
	if (n > 1 && !strncmp(path, home, n) && path[n] == '/')
		snprintf(buf, len, "~%s", path + n);
	else
		snprintf(buf, len, "%s", path);
	return buf;
}

/* ---- navigation ---- */

/* Goes back to the screen at index i of the stack. */
static void pop_to(struct app *a, int i)
{
	while (a->depth - 1 > i)
		app_pop(a);
}

static int find(struct app *a, const char *name, const char *incident)
{
	for (int i = a->depth - 1; i >= 0; i--) {
		if (strcmp(a->stack[i]->ops->name, name))
			continue;
		if (!incident || !strcmp(runbooks_incident(a->stack[i]), incident))
			return i;
	}
	return -1;
}

static int show_runbooks(struct app *a, const char *incident)
{
	int i = find(a, "runbooks", incident ? incident : "");
	if (i >= 0)
		pop_to(a, i);
	else
		app_push(a, runbooks_new(a, incident));
	return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
}

static int show_approvals(struct app *a)
{
	int i = find(a, "approvals", NULL);
	if (i >= 0)
		pop_to(a, i);
	else
		app_push(a, approvals_new(a));
	return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
}

int runbook_nav_action(struct app *a, int act)
{
	struct screen *top = app_top(a);
	if (act == ACT_RUNBOOKS) {
		/* From an incident's screen the runbooks are for that incident. */
		bool on_incident = top && !strcmp(top->ops->name, "detail");
		return show_runbooks(a, on_incident ? detail_incident_id(top) : NULL);
	}
	if (act == ACT_APPROVALS)
		return show_approvals(a);
	return UI_IGNORED;
}

int runbook_nav_command(struct app *a, const char *verb, const char *arg)
{
	if (!strcmp(verb, "runbooks"))
		return show_runbooks(a, *arg ? arg : NULL);
	if (!strcmp(verb, "approvals"))
		return show_approvals(a);
	if (!strcmp(verb, "run")) {
		if (!*arg) {
			app_message(a, UI_MSG_ERROR, ":run takes a run id (exe_...)");
			return UI_HANDLED | UI_REDRAW_STATUS;
		}
		app_push(a, runner_new(a, arg));
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	return UI_IGNORED;
}
