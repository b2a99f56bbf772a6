/* The console app: setup from the options, the screen stack, the one input function that
 * terminal and script keys share, action dispatch (where read-only is enforced), answers from
 * the backend worker routed to the screen that asked, and the loop that paints only what the
 * handlers flagged. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "runbook.h"

static const struct ui_action_def action_defs[] = {
#define ACTION_DEF(id, name, help, flags) {ACT_##id, name, help},
	ACTIONS(ACTION_DEF)
#undef ACTION_DEF
};
static const int action_flags[] = {
#define ACTION_FLAGS(id, name, help, flags) flags,
	ACTIONS(ACTION_FLAGS)
#undef ACTION_FLAGS
};
static const char *const context_names[] = {
#define CONTEXT_NAME(id, name) name,
	KEY_CONTEXTS(CONTEXT_NAME)
#undef CONTEXT_NAME
};
static const char *const app_role_names[] = {
#define APP_ROLE_NAME(name) #name,
	APP_ROLES(APP_ROLE_NAME)
#undef APP_ROLE_NAME
};

/* How long the backend may stay silent on a request before it is shown as an error. */

/* Tags of the app's own requests (serial 0). */
enum { APP_TAG_SESSION = 1, APP_TAG_TENANTS, APP_TAG_ACTORS };

static int64_t real_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t app_mono_ms(struct app *a)
{
	return a->script ? a->virtual_ms : real_mono_ms();
}

int64_t app_now_ms(struct app *a)
{
	if (a->fake_now_ms)
		return a->fake_now_ms + (a->script ? a->virtual_ms : 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void app_message(struct app *a, enum ui_msg_kind kind, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	/* Errors stay long enough to be read over a slow link. */
	ui_statusbar_message(&a->status, kind, text, app_mono_ms(a),
			     kind == UI_MSG_INFO ? 4000 : 10000);
	a->dirty |= UI_REDRAW_STATUS;
}

void app_error_message(struct app *a, const char *what, const struct backend_response *resp)
{
	char text[400];
	if (gov_denial(a, what, resp)) /* the deciding rules, and for a change an exception */
		return;
	backend_error_text(resp, text, sizeof text);
	enum ui_msg_kind kind = resp->status == 403 ? UI_MSG_DENIED : UI_MSG_ERROR;
	app_message(a, kind, "%s: %s", what, text);
}

/* What travels with a request through the worker: the screen that asked, by serial, and for
 * a change the request itself, so that a policy denial can be passed by sending it again. */
struct route {
	unsigned serial;
	void *user;
	struct saved_request *saved;
};

static struct screen *find_screen(struct app *a, unsigned serial);

static int route_request(struct app *a, unsigned serial, const struct backend_request *req,
			 int tag, void *user, bool keep)
{
	struct route *r = calloc(1, sizeof *r);
	if (!r || (keep && !(r->saved = gov_save_request(req))) ||
	    async_request(a->async, req, tag, r)) {
		if (r)
			gov_saved_free(r->saved);
		free(r);
		return -1;
	}
	r->serial = serial;
	r->user = user;
	struct screen *s = serial ? find_screen(a, serial) : NULL;
	if (s)
		s->inflight++;
	if (a->pending_fg == 0)
		a->waiting_since_ms = app_mono_ms(a);
	a->pending_fg++;
	return 0;
}

int app_request(struct app *a, struct screen *s, const struct backend_request *req, int tag,
		void *user)
{
	return route_request(a, s ? s->serial : 0, req, tag, user, false);
}

int app_resend(struct app *a, unsigned serial, const struct backend_request *req, int tag,
	       void *user)
{
	if (!find_screen(a, serial) || !app_may_change(a, req->op))
		return -1;
	return route_request(a, serial, req, tag, user, true);
}

bool app_may_change(struct app *a, const char *what)
{
	if (!a->read_only)
		return true;
	app_message(a, UI_MSG_DENIED, "read-only (%s): %s is not allowed", a->read_only_why, what);
	return false;
}

bool app_change(struct app *a, struct screen *s, const struct backend_request *req, int tag,
		void *user)
{
	/* Checked again here, where every change leaves, not only where actions start. */
	if (!app_may_change(a, req->op))
		return false;
	return route_request(a, s ? s->serial : 0, req, tag, user, true) == 0;
}

/* Jobs carry their screen serial in the tag's high bits. */
#define JOB_TAG(serial, tag) ((int)(((serial) << 8) | ((tag) & 0xff)))

int app_job(struct app *a, struct screen *s, void (*run)(struct backend *b, void *arg), int tag,
	    void *arg)
{
	int rc = async_job(a->async, run, JOB_TAG(s->serial, tag), arg);
	if (rc == 0)
		s->jobs++;
	return rc;
}

static struct screen *find_screen(struct app *a, unsigned serial)
{
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i]->serial == serial)
			return a->stack[i];
	return NULL;
}

void app_new_key(char out[40])
{
	static unsigned counter;
	unsigned char r[12] = {0};
	FILE *f = fopen("/dev/urandom", "re");
	if (f) {
		if (fread(r, 1, sizeof r, f) != sizeof r)
			memset(r, 0, sizeof r);
		fclose(f);
	}
	snprintf(out, 40, "con-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x-%u", r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], ++counter % 1000);
}

const char *app_actor_name(struct app *a, const char *id)
{
	for (int i = 0; id && i < a->n_actors; i++)
		if (strcmp(a->actors[i].id, id) == 0)
			return a->actors[i].name;
	return id ? id : "-";
}

static void check_read_only_tenant(struct app *a, const char *tenant)
{
	for (int i = 0; tenant && i < a->opt->n_read_only_tenants; i++)
		if (strcmp(a->opt->read_only_tenants[i], tenant) == 0) {
			a->read_only = true;
			snprintf(a->read_only_why, sizeof a->read_only_why, "tenant %s", tenant);
		}
}

/* The tenant's actors, for names instead of ids. */
static void ask_actors(struct app *a)
{
	struct backend_request req = {.op = "actor.list", .id = a->tenant_id};
	app_request(a, NULL, &req, APP_TAG_ACTORS, NULL);
}

static void ask_session(struct app *a)
{
	if (a->session_asked)
		return;
	struct backend_request session = {.op = "session.get"};
	a->session_asked = app_request(a, NULL, &session, APP_TAG_SESSION, NULL) == 0;
}

/* Who the console acts as (session.get); a server without it is asked for its tenants. */
static void take_session(struct app *a, const struct backend_response *resp)
{
	bool retried = a->session_unreached;
	a->session_asked = false;
	a->session_unreached = resp->status == 0 || resp->status >= 500;
	cJSON *root = resp->status == 200 ? cJSON_Parse(resp->body) : NULL;
	const char *tenant = cJSON_GetStringValue(cJSON_GetObjectItem(root, "tenant_id"));
	const char *name = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "actor"), "name"));
	const char *actor_id = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "actor"), "id"));
	if (tenant) {
		snprintf(a->tenant_id, sizeof a->tenant_id, "%s", tenant);
		snprintf(a->actor_name, sizeof a->actor_name, "%s", name ? name : "");
		snprintf(a->actor_id, sizeof a->actor_id, "%s", actor_id ? actor_id : "");
		a->platform_admin = cJSON_IsTrue(cJSON_GetObjectItem(root, "platform_admin"));
		check_read_only_tenant(a, tenant);
		ask_actors(a);
		if (retried) /* screens that wait for the tenant (policy, usage) fetch now */
			app_refresh_now(a);
	} else if (!a->session_unreached) {
		struct backend_request req = {.op = "tenant.list"};
		app_request(a, NULL, &req, APP_TAG_TENANTS, NULL);
	}
	cJSON_Delete(root);
	a->dirty |= UI_REDRAW_STATUS;
}

static void app_reply_own(struct app *a, int tag, struct backend_response *resp)
{
	if (tag == APP_TAG_SESSION) {
		take_session(a, resp);
		return;
	}
	if (tag == BACKLOG_TAG_ALERTS || tag == BACKLOG_TAG_OLDEST) {
		backlog_reply(a, tag, resp);
		return;
	}
	if (tag >= GOV_TAG_FIRST) {
		gov_reply_own(a, tag, resp);
		return;
	}
	if (resp->status < 200 || resp->status > 299)
		return; /* names are a nicety: without them ids are shown */
	cJSON *root = cJSON_Parse(resp->body);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items"), *it;
	if (tag == APP_TAG_TENANTS) {
		const cJSON *pick = NULL;
		int n = cJSON_GetArraySize(items);
		cJSON_ArrayForEach(it, items)
		{
			const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(it, "id"));
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
			if (a->opt->tenant && ((id && !strcmp(id, a->opt->tenant)) ||
					       (name && !strcmp(name, a->opt->tenant))))
				pick = it;
		}
		if (!pick && n == 1)
			pick = cJSON_GetArrayItem(items, 0);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(pick, "id"));
		if (id) {
			snprintf(a->tenant_id, sizeof a->tenant_id, "%s", id);
			check_read_only_tenant(a, id);
			check_read_only_tenant(a, cJSON_GetStringValue(cJSON_GetObjectItem(pick, "name")));
			ask_actors(a);
		}
	} else if (tag == APP_TAG_ACTORS) {
		a->n_actors = 0;
		cJSON_ArrayForEach(it, items)
		{
			const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(it, "id"));
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
			if (!id || !name || a->n_actors == APP_MAX_ACTORS)
				continue;
			snprintf(a->actors[a->n_actors].id, sizeof a->actors[0].id, "%s", id);
			snprintf(a->actors[a->n_actors].name, sizeof a->actors[0].name, "%s", name);
			a->n_actors++;
		}
		a->dirty |= UI_REDRAW;
	}
	cJSON_Delete(root);
}

static void on_reply(void *ctx, int tag, void *user, struct backend_response *resp)
{
	struct app *a = ctx;
	struct screen *s;
	void *arg = user;
	struct saved_request *saved = NULL;
	if (resp) {
		struct route *r = user;
		unsigned serial = r->serial;
		arg = r->user;
		saved = r->saved;
		free(r);
		a->pending_fg--;
		a->waiting_since_ms = app_mono_ms(a); /* an answer: the backend is not silent */
		a->told_silent = false;
		app_note_connection(a, resp);
		if (serial == 0) {
			gov_saved_free(saved);
			app_reply_own(a, tag, resp);
			return;
		}
		s = find_screen(a, serial);
	} else {
		s = find_screen(a, (unsigned)tag >> 8);
		tag &= 0xff;
	}
	if (!s) {
		/* The screen closed while its job ran: the job frees its own argument. */
		if (!resp && arg)
			((struct job_head *)arg)->destroy(arg);
		gov_saved_free(saved);
		return;
	}
	if (resp)
		s->inflight--;
	else
		s->jobs--;
	gov_reply_context(a, saved, s->serial, tag, arg);
	a->dirty |= s->ops->reply(s, a, tag, arg, resp);
	gov_reply_context(a, NULL, 0, 0, NULL);
	gov_saved_free(saved);
	if (s->inflight == 0 && s->refresh_queued) {
		s->refresh_queued = false;
		s->ops->fetch(s, a);
	}
}

void app_push(struct app *a, struct screen *s)
{
	if (!s)
		return;
	if (a->depth == APP_MAX_STACK) {
		s->ops->free(s);
		app_message(a, UI_MSG_ERROR, "too many screens open");
		return;
	}
	s->serial = ++a->next_serial;
	a->stack[a->depth++] = s;
	s->ops->fetch(s, a);
	a->dirty |= UI_REDRAW | UI_REDRAW_STATUS;
}

void app_pop(struct app *a)
{
	if (a->depth <= 1)
		return;
	struct screen *s = a->stack[--a->depth];
	s->ops->free(s);
	app_refresh_now(a); /* the screen below may be stale */
	a->dirty |= UI_REDRAW | UI_REDRAW_STATUS;
}

struct screen *app_top(struct app *a)
{
	return a->depth ? a->stack[a->depth - 1] : NULL;
}

void app_refresh_now(struct app *a)
{
	struct screen *s = app_top(a);
	if (!s)
		return;
	if (s->inflight > 0)
		s->refresh_queued = true; /* one at a time: a slow server gets no pile-up */
	else
		s->ops->fetch(s, a);
	gov_refresh(a);
	backlog_refresh(a);
	if (a->session_unreached)
		ask_session(a);
	a->next_refresh_ms = app_mono_ms(a) + a->refresh_ms;
}

static int dispatch(struct app *a, int act)
{
	struct screen *s = app_top(a);
	if (action_flags[act] & ACTION_MUTATES && !app_may_change(a, action_defs[act].name))
		return UI_HANDLED | UI_REDRAW_STATUS;
	switch (act) {
	case ACT_QUIT:
		return UI_QUIT;
	case ACT_HELP:
		if (s->ops->context != CTX_HELP)
			app_push(a, help_new(a, s->ops->context));
		return UI_HANDLED;
	case ACT_COMMAND:
		ui_prompt_open(&a->prompt, ":", "");
		return UI_HANDLED | UI_REDRAW_STATUS;
	case ACT_REFRESH:
		app_refresh_now(a);
		return UI_HANDLED | UI_REDRAW_STATUS;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	case ACT_NEXT_THEME:
		return app_next_theme(a);
	case ACT_RUNBOOKS:
	case ACT_APPROVALS:
		return runbook_nav_action(a, act);
	case ACT_TENANTS:
	case ACT_POLICY:
	case ACT_USAGE:
	case ACT_EVIDENCE:
	case ACT_RECEIPTS:
		return nav_action(a, act);
	default:
		break;
	}
	int flags = s->ops->action(s, a, act);
	if (!(flags & UI_HANDLED) && act == ACT_BACK) {
		if (a->depth > 1)
			app_pop(a);
		else
			return UI_QUIT;
		return UI_HANDLED;
	}
	return flags;
}

int app_input(struct app *a, int key, const MEVENT *ev)
{
	int flags = 0;
	if (key == UI_KEY_RESIZE) {
		a->dirty |= UI_REDRAW | UI_REDRAW_STATUS;
		return UI_HANDLED;
	}
	struct screen *s = app_top(a);
	/* A quit bound to a control key works from anywhere, a dialog waiting on a hung server
	 * included: a control key is never text. */
	if (key > 0 && key < 0x20 && key != UI_KEY_TAB && key != UI_KEY_ENTER && key != '\r' &&
	    key != UI_KEY_ESC && key != '\b' &&
	    ui_keymap_lookup(a->keymap, CTX_GENERIC, key) == ACT_QUIT) {
		a->running = false;
		return UI_QUIT;
	}
	/* A screen too small to draw takes no key but quit: a change would otherwise go through
	 * a dialog and a y/n that were never on screen. */
	if (ui_term_too_small()) {
		if (ui_keymap_lookup(a->keymap, CTX_GENERIC, key) != ACT_QUIT)
			return UI_IGNORED;
		a->running = false;
		return UI_QUIT;
	}
	if ((flags = gov_key(a, key)) != UI_IGNORED) {
		/* the denial dialog is modal over every screen */
	} else if (a->prompt.open) {
		int r = ui_prompt_key(&a->prompt, key);
		flags = UI_HANDLED | UI_REDRAW_STATUS;
		if (r == UI_PROMPT_DONE)
			flags |= app_command(a, a->prompt.input.text);
	} else if (key == UI_KEY_MOUSE) {
		if (a->opt->mouse && ev && s->ops->mouse)
			flags = s->ops->mouse(s, a, ev);
	} else {
		flags = s->ops->key ? s->ops->key(s, a, key) : UI_IGNORED;
		if (!(flags & UI_HANDLED)) {
			int act = ui_keymap_lookup(a->keymap, s->ops->context, key);
			if (act >= 0)
				flags = dispatch(a, act);
		}
	}
	if (flags & UI_QUIT)
		a->running = false;
	a->dirty |= flags;
	return flags;
}

static void frame_logged(struct app *a)
{
	if (!a->frame_log)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* The benchmark reads these: a frame is complete when no answer is awaited. */
	fprintf(a->frame_log, "frame %u %lld %s\n", ++a->frames,
		(long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
		a->ever_ok && a->pending_fg == 0 ? "complete" : "partial");
	fflush(a->frame_log);
}

void app_draw(struct app *a)
{
	if (!a->dirty)
		return;
	if (ui_term_too_small()) {
		ui_draw_too_small();
	} else {
		struct screen *s = app_top(a);
		if (a->dirty & UI_REDRAW)
			s->ops->draw(s, a, true);
		else if (a->dirty & UI_REDRAW_PART)
			s->ops->draw(s, a, false);
		if (a->dirty & (UI_REDRAW | UI_REDRAW_PART))
			gov_draw(a);
		if (a->dirty & (UI_REDRAW | UI_REDRAW_STATUS)) {
			if (a->prompt.open) {
				ui_prompt_draw(&a->prompt, stdscr, LINES - 1, COLS);
			} else {
				app_status_text(a);
				ui_statusbar_draw(&a->status, stdscr, LINES - 1, COLS);
				backlog_draw(a, LINES - 1, COLS);
			}
		}
	}
	wnoutrefresh(stdscr);
	doupdate();
	a->dirty = 0;
	frame_logged(a);
}

/* Timers: periodic refresh, message expiry, the spinner and the age in the status bar. */
static void timers(struct app *a)
{
	int64_t now = app_mono_ms(a);
	if (now >= a->next_refresh_ms)
		app_refresh_now(a);
	if (ui_statusbar_expire(&a->status, now))
		a->dirty |= UI_REDRAW_STATUS;
	if (a->pending_fg > 0 && !a->told_silent && now - a->waiting_since_ms >= APP_SILENT_MS) {
		a->told_silent = true;
		app_message(a, UI_MSG_ERROR, "the backend has not answered for %d s (keys still work)",
			    APP_SILENT_MS / 1000);
	}
	if (now >= a->spinner_ms) {
		a->spinner++;
		a->spinner_ms = now + (async_pending(a->async) ? 150 : 1000);
		a->dirty |= UI_REDRAW_STATUS;
		if (app_top(a) && app_top(a)->animate)
			a->dirty |= UI_REDRAW;
	}
}

void app_settle(struct app *a)
{
	for (;;) {
		async_wait_idle(a->async);
		if (async_poll(a->async, on_reply, a) == 0 && async_pending(a->async) == 0)
			break;
	}
	timers(a);
	for (int i = 0; i < 100 && async_pending(a->async); i++) {
		async_wait_idle(a->async);
		async_poll(a->async, on_reply, a);
	}
}

static void loop(struct app *a)
{
	while (a->running) {
		app_draw(a);
		int64_t now = app_mono_ms(a);
		int64_t wake = a->next_refresh_ms < a->spinner_ms ? a->next_refresh_ms : a->spinner_ms;
		if (a->status.message[0] && a->status.message_until < wake)
			wake = a->status.message_until;
		int timeout = wake > now ? (int)(wake - now) : 0;
		struct pollfd fds[2] = {{.fd = 0, .events = POLLIN},
					{.fd = async_fd(a->async), .events = POLLIN}};
		int n = poll(fds, 2, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[1].revents & POLLIN)
			async_poll(a->async, on_reply, a);
		/* Read every key that waits, then paint once: pasted or repeated keys cost one
		 * frame, not one each. A resize arrives as a key too. */
		MEVENT ev;
		int key;
		while (a->running && (key = ui_term_read_key(&ev)) >= 0)
			app_input(a, key, &ev);
		if (fds[0].revents & (POLLHUP | POLLERR))
			break; /* the terminal went away */
		timers(a);
	}
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = malloc(65537);
	size_t n = buf ? fread(buf, 1, 65536, f) : 0;
	if (buf)
		buf[n] = 0;
	fclose(f);
	return buf;
}

/* The keymap: compiled-in defaults, then the user's file on top. */
static int keymap_setup(struct app *a, char *err, size_t errlen)
{
	a->keymap = ui_keymap_new(action_defs, ACT_COUNT, context_names, CTX_COUNT);
	if (!a->keymap) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ui_keymap_parse(a->keymap, screens_default_keys, "default.keys", err, errlen))
		return -1;
	char path[1100], dir[1050];
	char *text;
	if (a->opt->keys_path) {
		snprintf(path, sizeof path, "%s", a->opt->keys_path);
		text = read_text(path);
	} else {
		const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		if (cfg && *cfg)
			snprintf(dir, sizeof dir, "%s/klaxon", cfg);
		else
			snprintf(dir, sizeof dir, "%s/.config/klaxon", home ? home : ".");
		/* keymap; "keys" is where it was kept before, but that is the directory of the
		 * operator's signing keys (keys/approver.key), so only a file there is read. */
		snprintf(path, sizeof path, "%s/keymap", dir);
		if (!(text = read_text(path))) {
			snprintf(path, sizeof path, "%s/keys", dir);
			text = read_text(path);
		}
	}
	if (!text) {
		if (a->opt->keys_path) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	int rc = ui_keymap_parse(a->keymap, text, path, err, errlen);
	free(text);
	return rc;
}

/* A request or job that will never be answered (the console is closing): what the app
 * attached to it is freed here. */
static void drop_unanswered(void *ctx, int tag, void *user, bool is_job)
{
	(void)ctx, (void)tag;
	if (is_job) {
		if (user)
			((struct job_head *)user)->destroy(user);
		return;
	}
	struct route *r = user;
	gov_saved_free(r->saved);
	free(r);
}

static void app_free(struct app *a)
{
	async_close(a->async, drop_unanswered, a); /* no answer may arrive for a freed screen */
	while (a->depth > 0) {
		struct screen *s = a->stack[--a->depth];
		s->ops->free(s);
	}
	ui_keymap_free(a->keymap);
	gov_close(a);
	if (a->frame_log)
		fclose(a->frame_log);
	free(a);
}

static void save_state(struct app *a)
{
	if (a->depth == 0)
		return;
	board_save_state(a->stack[0], &a->state);
	/* The last screen: a detail (under help, too) is reopened next time. */
	struct screen *detail = NULL;
	for (int i = 0; i < a->depth; i++)
		if (!strcmp(a->stack[i]->ops->name, "detail"))
			detail = a->stack[i];
	snprintf(a->state.screen, sizeof a->state.screen, "%s", detail ? "detail" : "board");
	snprintf(a->state.incident, sizeof a->state.incident, "%s",
		 detail ? detail_incident_id(detail) : "");
	state_save(&a->state);
}

int console_run(struct backend *b, const struct console_options *opt)
{
	struct app *a = calloc(1, sizeof *a);
	char err[1200];
	if (!a)
		return 1;
	a->opt = opt;
	a->backend = b;
	a->script = opt->script != NULL;
	a->running = true;
	a->online = true;
	a->refresh_ms = (opt->refresh_s > 0 ? opt->refresh_s : 5) * 1000;
	a->read_only = opt->read_only;
	snprintf(a->read_only_why, sizeof a->read_only_why, "--read-only");
	check_read_only_tenant(a, opt->tenant);
	const char *fake = getenv("KLAXON_FAKE_NOW");
	a->fake_now_ms = fake && *fake ? inc_time_ms(fake) : 0;
	const char *frames = getenv("KLAXON_FRAME_LOG");
	if (frames && *frames)
		a->frame_log = fopen(frames, "ae");
	ui_roles_register(app_role_names, (int)(sizeof app_role_names / sizeof app_role_names[0]));
	state_load(&a->state);
	app_theme_dirs(a);
	const char *nc = getenv("NO_COLOR");
	bool no_color = nc && *nc && !opt->theme_explicit;
	if (keymap_setup(a, err, sizeof err) || app_theme_setup(a, no_color, err, sizeof err)) {
		fprintf(stderr, "klaxon: %s\n", err);
		app_free(a);
		return 2;
	}
	a->async = async_open(b);
	struct ui_term_options to = {.script = a->script, .mouse = opt->mouse, .no_color = no_color};
	if (!a->async || ui_term_open(&to, err, sizeof err)) {
		fprintf(stderr, "klaxon: %s\n", a->async ? err : "cannot start the backend worker");
		app_free(a);
		return 1;
	}
	if (!ui_term_has_colors() && strcmp(a->theme.name, "mono") != 0)
		ui_theme_load(&a->theme, "mono", a->theme_dirs, err, sizeof err);
	ui_theme_apply(&a->theme);
	command_setup(a);
	if (gov_open(a)) {
		ui_term_close();
		app_free(a);
		return 1;
	}
	ask_session(a);
	gov_refresh(a);
	backlog_refresh(a);
	app_push(a, board_new(a));
	if (!strcmp(a->state.screen, "detail") && a->state.incident[0])
		app_push(a, detail_new(a, a->state.incident));
	a->next_refresh_ms = app_mono_ms(a) + a->refresh_ms;
	a->dirty = UI_REDRAW | UI_REDRAW_STATUS;
	int rc = 0;
	if (a->script)
		rc = script_run(a, opt->script);
	else
		loop(a);
	save_state(a);
	ui_term_close();
	app_free(a);
	return rc;
}
