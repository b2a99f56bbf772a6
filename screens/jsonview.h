/* JSON as a person reads it: pretty-printed with each token in its colour role (keys,
 * strings, numbers, literals), the same text a file for $EDITOR gets, and a line diff of two
 * such texts. Lines keep one role per byte so a draw can colour runs without re-parsing. And
 * JSON fields read without NULL checks at every use. */
#ifndef KX_SCREENS_JSONVIEW_H
#define KX_SCREENS_JSONVIEW_H

#include "app.h"

struct jv_line {
	char *text;
	unsigned char *roles; /* one per byte of text */
	size_t len;
};

struct jsonview {
	struct jv_line *lines;
	int n, cap;
	int top; /* first line shown */
	int height;
};

void jv_init(struct jsonview *v);
void jv_clear(struct jsonview *v);
void jv_free(struct jsonview *v);
/* Appends the pretty-printed, coloured form of o (two-space indents; short arrays of scalars
 * on one line). */
void jv_add_json(struct jsonview *v, const cJSON *o);
/* Appends one line in one role. */
void jv_add_line(struct jsonview *v, int role, const char *text);
/* The lines as one text (each ending in a newline); caller frees. */
char *jv_text(const struct jsonview *v);
/* Appends the line diff from a to b: unchanged lines indented, removed ones "- " in DIFF_DEL,
 * added ones "+ " in DIFF_ADD. *added and *removed count them. */
void jv_add_diff(struct jsonview *v, const struct jsonview *a, const struct jsonview *b,
		 int *added, int *removed);
void jv_scroll(struct jsonview *v, int rows);
void jv_draw(struct jsonview *v, int y, int x, int h, int width);

/* ---- JSON fields ---- */
const char *jv_str(const cJSON *o, const char *name); /* "" when missing or not a string */
double jv_num(const cJSON *o, const char *name);      /* 0 when missing */
/* The strings of an array member joined with sep into out. */
void jv_join(const cJSON *o, const char *name, const char *sep, char *out, size_t len);

#endif
