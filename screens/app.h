/* What the screens share: the app (loop, screen stack, backend worker, keymap, theme, status
 * bar), the screen vtable (tig's views), and the incident model. Screens include this header
 * and reach data only through client/backend.h. */
#ifndef KX_SCREENS_APP_H
#define KX_SCREENS_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "../ui/ui.h"
#include "actions.h"
#include "async.h"
#include "backend.h"
#include "console.h"

struct cJSON;

/* The application's colour roles, after the toolkit's. */
#define APP_ROLES(_)                                                                         \
	_(SEV1) _(SEV2) _(SEV3) _(SEV4) _(STATUS_DECLARED) _(STATUS_TRIAGED)                 \
	_(STATUS_MITIGATING) _(STATUS_RESOLVED) _(STATUS_CLOSED)                              \
	_(BANNER) _(ALLOW) _(DENY) _(OVERRIDE) _(JSON_KEY) _(JSON_STRING) _(JSON_NUMBER)     \
	_(JSON_LITERAL) _(DIFF_ADD) _(DIFF_DEL) _(CHART)                                      \
	_(RISK_LOW) _(RISK_MEDIUM) _(RISK_HIGH) _(RISK_CRITICAL)
enum app_role {
	APP_ROLE_FIRST_ = UI_ROLE_APP - 1,
#define APP_ROLE_ENUM(name) ROLE_##name,
	APP_ROLES(APP_ROLE_ENUM)
#undef APP_ROLE_ENUM
};

/* ---- incidents as the screens hold them ---- */
enum inc_status { ST_DECLARED, ST_TRIAGED, ST_MITIGATING, ST_RESOLVED, ST_CLOSED, ST_COUNT };
#define BOARD_COLUMNS 4 /* the board shows the first four statuses */

struct incident {
	char id[48], receipt_id[48];
	char *title, *description, *commander, *region, *labels; /* owned; labels ", "-joined */
	int severity;            /* 1-4 */
	enum inc_status status;
	int version;
	char created_at[32], updated_at[32], resolved_at[32];
	int64_t created_ms, updated_ms;
};

const char *inc_status_name(enum inc_status s);
int inc_status_parse(const char *s); /* -1 when unknown */
int inc_status_role(enum inc_status s);
int inc_severity_role(int sev);
/* The statuses an incident may move to (API.md's machine); returns how many. */
int inc_next_statuses(enum inc_status s, enum inc_status out[3]);
/* Fills inc from an incident JSON object; 0, or -1 when a required field is missing. */
int inc_from_json(struct incident *inc, const struct cJSON *o);
void inc_free(struct incident *inc);
/* "45s", "12m", "3h", "5d" from ms (never negative: "now"). */
void inc_age(int64_t ms, char *buf, size_t len);
/* "2026-03-14 12:00:00" from an API time; the text as is when it does not parse. */
void inc_time_short(const char *api_time, char *buf, size_t len);
int64_t inc_time_ms(const char *api_time);

/* ---- screens ---- */
struct app;
struct screen;

struct screen_ops {
	const char *name;
	int context; /* keymap context */
	/* Draws rows 0..LINES-2; full=false redraws only what the screen marked itself. */
	void (*draw)(struct screen *s, struct app *a, bool full);
	/* Raw keys first (forms, filter input): UI_IGNORED passes the key to the keymap. */
	int (*key)(struct screen *s, struct app *a, int key);
	int (*action)(struct screen *s, struct app *a, int action);
	int (*mouse)(struct screen *s, struct app *a, const MEVENT *ev);
	/* Asks the backend for fresh data (through app_request). */
	void (*fetch)(struct screen *s, struct app *a);
	/* An answer to one of this screen's requests. Returns handler flags. */
	int (*reply)(struct screen *s, struct app *a, int tag, void *user,
		     struct backend_response *resp);
	void (*free)(struct screen *s);
};

struct screen {
	const struct screen_ops *ops;
	unsigned serial;  /* answers find their screen by it; a closed screen's are dropped */
	int inflight;     /* requests not answered yet */
	int jobs;         /* background jobs not finished (they never hold up a refresh) */
	bool refresh_queued;
	bool animate; /* repainted on the spinner's tick (a progress bar) */
};

/* ---- the app ---- */
#define APP_MAX_STACK 8
#define APP_MAX_ACTORS 256

struct app_actor {
	char id[48], name[64];
};

struct app_state { /* what is remembered between runs */
	char view[16];    /* "board" or "table" */
	char sort[32];    /* table sort column name, "" for newest first */
	bool sort_desc;
	char theme[64];   /* last theme chosen with :theme */
	char screen[16];  /* "board" or "detail" */
	char incident[48];
};

struct app {
	const struct console_options *opt;
	struct backend *backend;
	struct async *async;
	struct ui_keymap *keymap;
	struct ui_theme theme;
	char theme_dirs[4096];
	struct screen *stack[APP_MAX_STACK];
	int depth;
	unsigned next_serial;
	struct ui_statusbar status;
	struct ui_prompt prompt;
	int dirty;
	bool running, script;
	int64_t virtual_ms;  /* the script harness's monotonic clock */
	int64_t fake_now_ms; /* wall clock for ages (KLAXON_FAKE_NOW), 0 when real */
	int refresh_ms;
	int64_t next_refresh_ms, last_ok_ms, spinner_ms;
	bool online, ever_ok;
	int spinner;
	bool read_only;
	char read_only_why[64];
	char tenant_id[64];
	char actor_name[64]; /* as the backend knows us (session.get) */
	char actor_id[48];
	bool platform_admin;
	/* session.get is awaited; it found no server, so every refresh asks again until one
	 * answers (a console started while the server was down learns who it is later). */
	bool session_asked, session_unreached;
	struct governance *gov; /* denials and overrides, the alert banner, the witness */
	struct app_actor actors[APP_MAX_ACTORS];
	int n_actors;
	struct app_state state;
	int pending_fg; /* requests awaited (background jobs such as counting are not) */
	int64_t waiting_since_ms; /* the last answer, or the first request after a quiet spell */
	bool told_silent;         /* "no answer" was said for this silence */
	FILE *frame_log;
	unsigned frames;
};

/* Monotonic milliseconds (virtual in the script harness). */
int64_t app_mono_ms(struct app *a);
/* Wall-clock milliseconds for ages (fixed by KLAXON_FAKE_NOW in tests). */
int64_t app_now_ms(struct app *a);
void app_message(struct app *a, enum ui_msg_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Shows a failed answer as a message (policy denials in their own colour). */
void app_error_message(struct app *a, const char *what, const struct backend_response *resp);
/* Sends a request for screen s; its answer reaches s->ops->reply with tag and user. */
int app_request(struct app *a, struct screen *s, const struct backend_request *req, int tag,
		void *user);
/* Like app_request for a change: refused (false, with a message) when read-only. The request
 * is kept until answered: a policy denial may be passed as a governed exception by sending it
 * again, whose answer reaches the screen with the same tag and user (so user must stay valid,
 * or be NULL). */
bool app_change(struct app *a, struct screen *s, const struct backend_request *req, int tag,
		void *user);
/* A worker job's argument starts with this, so it can be freed when its screen is gone. */
struct job_head {
	void (*destroy)(void *arg);
};
/* Runs a worker job for s (see async_job); its end reaches s->ops->reply with resp NULL and
 * the argument as user, which the screen then owns. */
int app_job(struct app *a, struct screen *s, void (*run)(struct backend *b, void *arg), int tag,
	    void *arg);
void app_push(struct app *a, struct screen *s);
void app_pop(struct app *a);
struct screen *app_top(struct app *a);
/* Is a changing action allowed? false with a message when read-only. */
bool app_may_change(struct app *a, const char *what);
/* A new Idempotency-Key. */
void app_new_key(char out[40]);
const char *app_actor_name(struct app *a, const char *id);
/* Applies a theme by name; 0, or -1 with a message shown. */
int app_set_theme(struct app *a, const char *name, bool remember);
/* themes.c: the theme directories, the theme picked before the terminal opens (0, or -1
 * with err), and the next theme (next-theme; returns handler flags). */
void app_theme_dirs(struct app *a);
int app_theme_setup(struct app *a, bool no_color, char *err, size_t errlen);
int app_next_theme(struct app *a);
/* Gives the command prompt its completion. */
void command_setup(struct app *a);
/* Runs a `:` command line. Returns handler flags. */
int app_command(struct app *a, const char *line);
/* The one input function: terminal keys and script keys both come through here. */
int app_input(struct app *a, int key, const MEVENT *ev);
/* Waits for every request in flight and applies the answers (the script harness). */
void app_settle(struct app *a);
void app_draw(struct app *a);
void app_refresh_now(struct app *a);

/* ---- the screens ---- */
struct screen *board_new(struct app *a);
/* Selects the incident with this id when it appears (after a declare). */
void board_select(struct screen *s, const char *id);
struct screen *detail_new(struct app *a, const char *incident_id);
struct screen *help_new(struct app *a, int context);
const char *detail_incident_id(struct screen *s);
/* The board's view ("board"/"table") and sort, for the saved state. */
void board_save_state(struct screen *s, struct app_state *st);
int board_command(struct screen *s, struct app *a, const char *verb, const char *arg);

/* ---- governance.c: what every screen shares about policy and the ledger ---- */
struct saved_request;
struct witness;
int gov_open(struct app *a);
void gov_close(struct app *a);
/* A deep copy of a change request, kept with it so that a denial can be retried. */
struct saved_request *gov_save_request(const struct backend_request *req);
void gov_saved_free(struct saved_request *r);
/* Set around a screen's reply: the request being answered (NULL for a read). */
void gov_reply_context(struct app *a, const struct saved_request *req, unsigned serial, int tag,
		       void *user);
/* A policy denial explained (rules and conditions) as the message; for a denied change, the
 * dialog that offers a governed exception. false when resp is no policy denial. */
bool gov_denial(struct app *a, const char *what, const struct backend_response *resp);
/* Keys while the denial dialog is open (UI_IGNORED when it is not). */
int gov_key(struct app *a, int key);
/* The banner and the dialog, over the screen. */
void gov_draw(struct app *a);
/* Asks for the alerts behind the banner (after a refresh or a change). */
void gov_refresh(struct app *a);
/* Answers to the app's own requests with tags from GOV_TAG_FIRST. */
#define GOV_TAG_FIRST 0x100
void gov_reply_own(struct app *a, int tag, struct backend_response *resp);
/* The status bar (status.c): what an answer says of the connection, and the bar's text. A
 * request asked and unanswered this long is shown as an error, not as loading. */
#define APP_SILENT_MS 10000
void app_note_connection(struct app *a, const struct backend_response *resp);
void app_status_text(struct app *a);
/* The status bar's witness segment ("ledger 47 ✓"); empty until a checkpoint was seen. */
void gov_status(struct app *a, char *buf, size_t len, int *role);
/* The rows screens may draw on: above the banner and the status bar. */
int app_body_lines(struct app *a);
/* The ledger witness (NULL when no public key is known) and what it last said. A witness is
 * only used on the backend worker (app_job), which is the only thread making backend calls. */
struct witness *app_witness(struct app *a);
const char *app_pubkey_path(struct app *a);
void app_witness_note(struct app *a, int status, uint64_t size, const char *msg);
/* Sends a request for the screen with this serial (a retry), keeping it like app_change. */
int app_resend(struct app *a, unsigned serial, const struct backend_request *req, int tag,
	       void *user);

/* ---- the tenancy, policy and evidence screens (issues 6 and 7) ---- */
/* Navigation (nav.c): the actions and `:` commands that open them. */
int nav_action(struct app *a, int act);
int nav_command(struct app *a, const char *verb, const char *arg); /* UI_IGNORED: not ours */
extern const char *const nav_verbs[];
/* "2025-03-14T09:45:00.000Z" from wall-clock milliseconds. */
void nav_time_text(int64_t ms, char out[32]);
/* tenant NULL: the caller's own tenant. */
struct screen *tenants_new(struct app *a);
struct screen *policy_new(struct app *a, const char *tenant);
struct screen *actors_new(struct app *a, const char *tenant);
struct screen *exceptions_new(struct app *a, const char *tenant);
struct screen *usage_new(struct app *a, bool platform);
struct screen *evidence_new(struct app *a, const char *tenant);
struct screen *receipts_new(struct app *a);

/* ---- saved UI state ---- */
void state_load(struct app_state *st);
int state_save(const struct app_state *st);

/* ---- the script harness ---- */
int script_run(struct app *a, const char *path);
int script_command(struct app *a, const char *verb, const char *arg);

#endif
