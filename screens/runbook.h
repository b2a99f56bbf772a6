/* The runbook screens (issue 5's console): the runbooks and their runs, the step runner and
 * the approval queue; the dialog flow they share (a form, a typed confirmation for high-risk
 * runbooks, an explicit y/n, one request with an Idempotency-Key); risk and run colours. */
#ifndef KX_SCREENS_RUNBOOK_H
#define KX_SCREENS_RUNBOOK_H

#include "app.h"

struct cJSON;

/* incident_id NULL: runs of every incident; otherwise launches are for it and only its runs
 * are listed. */
struct screen *runbooks_new(struct app *a, const char *incident_id);
/* The incident a runbooks screen is for ("" for none). */
const char *runbooks_incident(struct screen *s);
struct screen *runner_new(struct app *a, const char *execution_id);
struct screen *approvals_new(struct app *a);

/* R, A and `:runbooks`, `:approvals`, `:run ID`: shows the screen, going back to one already
 * open rather than stacking another. Returns handler flags, UI_IGNORED when not ours. */
int runbook_nav_action(struct app *a, int act);
int runbook_nav_command(struct app *a, const char *verb, const char *arg);

/* ---- signature checks on the worker (runbook_verify.c) ---- */
enum { VER_UNKNOWN, VER_CHECKING, VER_OK, VER_BAD, VER_UNTRUSTED, VER_UNCHECKED };

struct verify_item {
	char id[64], digest[64], key_id[20]; /* what to check: filled by the screen */
	int version, result;                  /* result: a VER_ value */
	char why[200];                        /* why not VER_OK */
	struct cJSON *doc;                    /* the verified document, parsed; owned */
};

struct verify_job {
	struct job_head head;
	char tenant[64];
	int n;
	struct verify_item items[];
};

/* A job for n runbook versions of the tenant (the caller fills items and n). */
struct verify_job *verify_job_new(const char *tenant, int n);
/* The app_job function: results land in the items. */
void verify_job_run(struct backend *be, void *arg);
void verify_job_free(struct verify_job *j);

/* ---- the approval backlog in the status bar (backlog.c) ---- */
/* Tags of the app's own requests for it (below GOV_TAG_FIRST, above the app's). */
#define BACKLOG_TAG_ALERTS 0x80
#define BACKLOG_TAG_OLDEST 0x81
/* Asks for the alerts (after a refresh); answers come back through backlog_reply. */
void backlog_refresh(struct app *a);
void backlog_reply(struct app *a, int tag, const struct backend_response *resp);
/* Over the status bar at row y when the queue is over the server's threshold. */
void backlog_draw(struct app *a, int y, int width);

/* ---- shared by the three screens (runbook_common.c) ---- */
int rb_risk_role(const char *risk);
bool rb_risk_needs_typing(const char *risk); /* high and critical: type the runbook id */
/* Execution and step statuses as colour roles (the incident roles, by what they mean:
 * active, waiting, done, failed). */
int rb_status_role(const char *status);
const char *rb_json_str(const struct cJSON *o, const char *name); /* "" when absent */
int rb_json_int(const struct cJSON *o, const char *name, int fallback);
/* The rows a screen may draw on (above any banner and the status bar). */
int rb_body_lines(struct app *a);
/* Command output for the pager: one entry per line, tabs expanded, a carriage return keeping
 * what followed it (as a terminal shows progress bars), other control bytes shown as '?'. */
void rb_pager_add_output(struct ui_pager *p, int role, const char *text);
/* Copies at most len-1 bytes of src, never cutting a UTF-8 character. */
void rb_copy(char *dst, size_t len, const char *src);
/* A path as a person writes it: $HOME as ~. */
const char *rb_tilde(const char *path, char *buf, size_t len);
/* The approval key's path: the option, else ~/.config/klaxon/keys/approver.key. */
const char *rb_approval_key(struct app *a, char *buf, size_t len);

/* ---- the dialog flow (run_dialog.c) ---- */
enum rd_stage { RD_CLOSED, RD_FORM, RD_CONFIRM, RD_SENDING };
enum rd_event { RD_NONE, RD_SUBMIT, RD_YES, RD_CANCEL };

struct run_dialog {
	enum rd_stage stage;
	int what;             /* the screen's kind of change */
	struct ui_form form;
	bool has_form;
	int typed_field;      /* -1, or the field that must hold `typed` exactly */
	char typed[128], typed_label[160], hint[128];
	struct ui_confirm confirm;
	struct ui_pager text; /* shown above the question (an approval statement), wrapped */
	char text_title[96];
	char key[40];         /* Idempotency-Key: kept while the same change is retried */
	char *last_body;
};

void run_dialog_init(struct run_dialog *d);
void run_dialog_free(struct run_dialog *d);
bool run_dialog_active(const struct run_dialog *d);
/* Opens a form (the caller adds its fields to the returned form). */
struct ui_form *run_dialog_form(struct run_dialog *d, int what, const char *title);
/* Adds a required field that must be the runbook id, typed (high and critical risk). */
void run_dialog_require_typed(struct run_dialog *d, const char *id, const char *risk);
/* Starts a dialog without a form (text and a question follow). */
void run_dialog_start(struct run_dialog *d);
/* Asks y/n (straight away after run_dialog_start, or after RD_SUBMIT). */
void run_dialog_ask(struct run_dialog *d, int what, const char *question);
/* A line of text above the question. */
void run_dialog_text(struct run_dialog *d, const char *title, int role, const char *line);
/* Keys while open: RD_SUBMIT (a valid form; the caller asks next), RD_YES (the caller sends
 * and calls run_dialog_sending), RD_CANCEL. *flags gets handler flags. */
enum rd_event run_dialog_key(struct run_dialog *d, int key, int *flags);
/* The Idempotency-Key for this body: the same change retried keeps its key. */
const char *run_dialog_idempotency(struct run_dialog *d, const char *body);
void run_dialog_sending(struct run_dialog *d);
/* The answer: success closes and forgets the change; a failure shows the form again with the
 * error (a dialog without a form closes; the error is in the status bar). */
void run_dialog_answer(struct run_dialog *d, bool ok, const char *error);
void run_dialog_draw(struct run_dialog *d);
/* A text field's value with the surrounding blanks trimmed, in buf. */
const char *run_dialog_value(struct run_dialog *d, int field, char *buf, size_t len);

#endif
