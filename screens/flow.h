/* Shared by the tenancy, policy and evidence screens: the flow of one change (a form, an
 * explicit y/n confirmation, one request with an Idempotency-Key, the form kept on failure),
 * a notice box for results that must be read (a token shown once, each check of a
 * verification). */
#ifndef KX_SCREENS_FLOW_H
#define KX_SCREENS_FLOW_H

#include "app.h"
#include "jsonview.h"

/* ---- one change: form → confirmation → request ---- */
enum { FLOW_NONE, FLOW_SUBMIT, FLOW_YES, FLOW_CANCEL };

struct flow {
	int kind; /* the screen's own kinds; 0 when closed */
	bool has_form, confirming, sending;
	struct ui_form form;
	struct ui_confirm confirm;
	char key[40];    /* reused while the very same body is retried */
	char *last_body; /* owned */
};

/* Opens kind with a form the caller then fills (ui_form_add_*). */
struct ui_form *flow_form(struct flow *f, int kind, const char *title);
/* Opens kind with only a question (suspend, rotate a token, ...). */
void flow_question(struct flow *f, int kind, const char *question);
bool flow_active(const struct flow *f);
/* Keys while open; *event says FLOW_SUBMIT (the form was submitted: the caller checks it and
 * calls flow_ask, or sets form.error), FLOW_YES (confirmed: the caller sends with flow_send)
 * or FLOW_CANCEL. Returns handler flags. */
int flow_key(struct flow *f, struct app *a, int key, int *event);
void flow_ask(struct flow *f, const char *question);
/* Sends req for screen s as a change (app_change) with the flow's Idempotency-Key. */
bool flow_send(struct flow *f, struct app *a, struct screen *s, struct backend_request *req,
	       int tag);
/* The change's answer: true on success (the flow closes); otherwise the form stays with the
 * error (or, without a form, the flow closes) and the error is reported. *flags gets what to
 * redraw. */
bool flow_reply(struct flow *f, struct app *a, const struct backend_response *resp,
		const char *what, int *flags);
void flow_close(struct flow *f);
void flow_draw(struct flow *f);
void flow_free(struct flow *f);

/* ---- a notice: lines to read in a box, closed with Enter, Esc or q ---- */
struct notice {
	bool open, secret; /* secret: the lines are wiped when it closes */
	char title[96];
	struct ui_pager pager;
};
void notice_open(struct notice *n, const char *title, bool secret);
void notice_add(struct notice *n, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int notice_key(struct notice *n, int key);
void notice_draw(struct notice *n);
void notice_close(struct notice *n);

#endif
