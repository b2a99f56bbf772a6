/* The dialogs that change incidents: a form, then an explicit y/n confirmation, then one
 * request. A draft per kind of change is kept until it succeeds, so an error (or an Esc)
 * never loses what was typed. Used by the board (declare) and the detail screen. */
#ifndef KX_SCREENS_CHANGE_H
#define KX_SCREENS_CHANGE_H

#include "app.h"

enum change_kind {
	CHANGE_NONE,
	CHANGE_DECLARE,
	CHANGE_ADVANCE,
	CHANGE_SEVERITY,
	CHANGE_NOTE,
	CHANGE_TITLE,
	CHANGE_COMMANDER,
	CHANGE_KINDS
};

struct change_dialog {
	enum change_kind open; /* the form on screen, CHANGE_NONE when closed */
	bool confirming, sending;
	struct ui_form forms[CHANGE_KINDS];
	bool has_draft[CHANGE_KINDS];
	struct ui_confirm confirm;
	char target[48];  /* the incident changed */
	int version;      /* as the screen saw it: sent as If-Match */
	char title[128];  /* for the confirmation text */
	int from_severity;
	enum inc_status from_status;
	enum inc_status next[3];
	char status_names[3][16];
	const char *choices[UI_FORM_MAX_CHOICES];
	char commander_ids[UI_FORM_MAX_CHOICES][48];
	char key[40];     /* Idempotency-Key: reused while the same body is retried */
	char *last_body;
};

void change_init(struct change_dialog *d);
void change_free(struct change_dialog *d);
/* Opens the form for kind on inc (NULL for a declare). Returns handler flags. */
int change_open(struct change_dialog *d, struct app *a, enum change_kind kind,
		const struct incident *inc);
bool change_active(const struct change_dialog *d);
/* Keys while a form or confirmation is open; sends the change on `y` with tag. */
int change_key(struct change_dialog *d, struct screen *s, struct app *a, int key, int tag);
void change_draw(struct change_dialog *d);
/* The change's answer: on success closes the dialog, forgets the draft and copies the new
 * or changed incident's id into id (may be NULL); on failure shows the form again with the
 * error. Returns handler flags. */
int change_reply(struct change_dialog *d, struct app *a, struct backend_response *resp,
		 char *id, size_t idlen);

#endif
