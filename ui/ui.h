/* The console toolkit's public face: terminal, colour roles and themes, keymap, text measure,
 * layout math and widgets (table, pager, input, form, dialog, status bar, prompt). It knows no
 * incidents: screens give it rows, lines and names. */
#ifndef KX_UI_H
#define KX_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <curses.h>

/* ---- handler flags: what a key did; the loop decides when to paint (htop style) ---- */
enum {
	UI_IGNORED = 0,
	UI_HANDLED = 1 << 0,
	UI_REDRAW = 1 << 1,      /* the whole body */
	UI_REDRAW_PART = 1 << 2, /* what the screen marked dirty itself (e.g. two table rows) */
	UI_REDRAW_STATUS = 1 << 3,
	UI_QUIT = 1 << 4,
};

/* ---- keys: one int for characters and function keys ---- */
#define UI_KEY_FN(k) (0x1000000 | (k)) /* a curses KEY_* code */
#define UI_KEY_CTRL(c) ((c) & 0x1f)
#define UI_KEY_ESC 27
#define UI_KEY_ENTER '\n'
#define UI_KEY_TAB '\t'
#define UI_KEY_BACKSPACE UI_KEY_FN(KEY_BACKSPACE)
#define UI_KEY_RESIZE UI_KEY_FN(KEY_RESIZE)
#define UI_KEY_MOUSE UI_KEY_FN(KEY_MOUSE)

/* "j", "<Down>", "<C-f>", "<PgDown>", "<Enter>"; -1 when not a key name. */
int ui_key_parse(const char *name, const char **end);
/* The name of a key as the keys file spells it. */
const char *ui_key_name(int key, char *buf, size_t len);

/* ---- text: UTF-8 measured in terminal columns ---- */
/* Columns that s (n bytes) takes. */
int ui_text_width(const char *s, size_t n);
/* Bytes of s that fit in `cols` columns; *used gets their width. */
size_t ui_text_fit(const char *s, size_t n, int cols, int *used);
/* Bytes to skip to start `cols` columns in (never splitting a character). */
size_t ui_text_skip(const char *s, size_t n, int cols);
/* Decodes one UTF-8 character (invalid bytes decode as U+FFFD, one byte long). */
size_t ui_utf8_decode(const char *s, size_t n, wchar_t *out);
size_t ui_utf8_encode(wchar_t c, char out[8]);
/* Drawing glyphs, ASCII when the locale is not UTF-8. */
enum ui_glyph {
	UI_G_BULLET, UI_G_ELLIPSIS, UI_G_ARROW, UI_G_HLINE, UI_G_VLINE, UI_G_UP, UI_G_DOWN,
	UI_G_CROSS, UI_G_UL, UI_G_UR, UI_G_LL, UI_G_LR
};
const char *ui_glyph(enum ui_glyph g);

/* ---- colour roles and themes ---- */
#define UI_ROLES(_)                                                                          \
	_(NORMAL, "normal text")                                                             \
	_(DIM, "secondary text")                                                             \
	_(TITLE, "the title line")                                                           \
	_(HEADER, "column headers")                                                          \
	_(BORDER, "borders and rules")                                                       \
	_(SELECTION, "the selected row")                                                     \
	_(STATUS_BAR, "the status bar")                                                      \
	_(STATUS_OK, "connection fine")                                                      \
	_(STATUS_WARN, "stale data")                                                         \
	_(ERROR, "errors")                                                                   \
	_(DENIED, "policy denials")                                                          \
	_(MESSAGE, "transient messages")                                                     \
	_(DIALOG, "dialogs")                                                                 \
	_(DIALOG_TITLE, "dialog titles")                                                     \
	_(INPUT, "text inputs")                                                              \
	_(INPUT_FOCUS, "the focused input")                                                  \
	_(KEY, "key names in help")                                                          \
	_(MATCH, "filter matches")

enum ui_role {
#define UI_ROLE_ENUM(name, help) UI_ROLE_##name,
	UI_ROLES(UI_ROLE_ENUM)
#undef UI_ROLE_ENUM
	UI_ROLE_APP /* the application's own roles start here */
};
#define UI_MAX_ROLES 64

struct ui_style {
	short fg, bg; /* -1 default, 0-255 */
	attr_t attrs;
	bool set; /* named by the theme */
};

struct ui_theme {
	char name[64];
	struct ui_style styles[UI_MAX_ROLES];
};

/* The application names its roles (after UI_ROLE_APP) before any theme is parsed. */
void ui_roles_register(const char *const *names, int n);
int ui_roles_count(void);
const char *ui_role_name(int role);
int ui_role_lookup(const char *name);

/* Parses a theme file's text (`role = fg bg [attr,...]`, # comments). Roles it does not
 * name keep the fallback's style. 0, or -1 with "source:line: why" in err. */
int ui_theme_parse(struct ui_theme *t, const char *text, const char *source,
		   const struct ui_theme *fallback, char *err, size_t errlen);
/* Finds NAME in the theme directories (dirs: ':'-separated), else the compiled-in themes. */
int ui_theme_load(struct ui_theme *t, const char *name, const char *dirs, char *err,
		  size_t errlen);
/* The names of the themes that can be loaded (compiled-in and found in dirs), NULL-ended,
 * sorted; free with ui_names_free. */
char **ui_theme_names(const char *dirs);
void ui_names_free(char **names);
/* A 0-255 colour brought down to what the terminal has (16, 8; -1 stays default). */
short ui_color_degrade(short c, int colors);
/* Makes t the active theme: colour pairs, or attributes only without colours. */
void ui_theme_apply(const struct ui_theme *t);
/* The attributes (pair included) to draw a role with. */
attr_t ui_attr(int role);

/* ---- terminal ---- */
struct ui_term_options {
	bool script;   /* newterm on /dev/null: nothing reaches a real terminal */
	bool mouse;    /* opt-in: clicking and the wheel */
	bool no_color; /* NO_COLOR and no explicit theme */
};
int ui_term_open(const struct ui_term_options *o, char *err, size_t errlen);
void ui_term_close(void);
bool ui_term_has_colors(void);
int ui_term_colors(void); /* 0 for monochrome */
/* Below 80x24 the application draws ui_draw_too_small instead of its layout. */
#define UI_MIN_COLS 80
#define UI_MIN_LINES 24
bool ui_term_too_small(void);
void ui_draw_too_small(void);
/* The next key or UI_KEY_MOUSE (with the event in *ev); -1 when none is waiting. */
int ui_term_read_key(MEVENT *ev);
/* Resizes the virtual screen (the script harness's :test-resize). */
void ui_term_resize(int lines, int cols);
/* Writes the screen as the terminal shows it, as UTF-8 text, one line per row. */
int ui_term_dump(FILE *out);

/* ---- drawing helpers ---- */
/* Draws s clipped and padded to `width` columns at (y, x) in a role; returns columns used. */
int ui_put(WINDOW *w, int y, int x, int width, int role, const char *s);
/* The same, skipping the first `skip` columns of s (horizontal scroll). */
int ui_put_from(WINDOW *w, int y, int x, int width, int role, const char *s, int skip);
/* Like ui_put with an ellipsis when s does not fit. */
int ui_put_clip(WINDOW *w, int y, int x, int width, int role, const char *s);
void ui_fill(WINDOW *w, int y, int x, int height, int width, int role);
void ui_box(WINDOW *w, int y, int x, int height, int width, int role, const char *title);
void ui_hline(WINDOW *w, int y, int x, int width, int role);
void ui_vline(WINDOW *w, int y, int x, int height, int role);

/* ---- layout math (no terminal needed) ---- */
/* Splits `total` columns into n parts with `gap` between them; widths in out. */
void ui_layout_split(int total, int n, int gap, int *out);
struct ui_column_spec {
	int min, max;   /* max 0: no limit */
	int weight;     /* share of what is left after minimums */
	int priority;   /* columns that do not fit are dropped, highest number first */
};
/* Column widths for `total` columns (1-column gaps). Dropped columns get 0. Returns the
 * number of columns kept. */
int ui_layout_columns(int total, const struct ui_column_spec *spec, int n, int *out);
/* A centred box no larger than the screen: y, x, h, w. */
void ui_layout_center(int lines, int cols, int want_h, int want_w, int *y, int *x, int *h,
		      int *w);

/* ---- keymap ---- */
struct ui_action_def {
	int id;
	const char *name, *help;
};
struct ui_keymap;
/* contexts[0] is the generic context that every other one falls back to. */
struct ui_keymap *ui_keymap_new(const struct ui_action_def *actions, int n_actions,
				const char *const *contexts, int n_contexts);
void ui_keymap_free(struct ui_keymap *km);
/* `bind CONTEXT KEY ACTION` lines (ACTION `none` unbinds). 0, or -1 with
 * "source:line: why" in err. */
int ui_keymap_parse(struct ui_keymap *km, const char *text, const char *source, char *err,
		    size_t errlen);
/* The action bound to key in context (or in the generic context); -1 when none. */
int ui_keymap_lookup(const struct ui_keymap *km, int context, int key);
/* The keys bound to action in exactly this context, as "j <Down>"; empty when none. */
void ui_keymap_keys(const struct ui_keymap *km, int context, int action, char *buf, size_t len);
const char *ui_keymap_context_name(const struct ui_keymap *km, int context);
const struct ui_action_def *ui_keymap_action(const struct ui_keymap *km, int action);

/* ---- virtualized table ---- */
struct ui_table_column {
	const char *title;
	struct ui_column_spec spec;
	bool right; /* right-aligned */
};
/* The table reads rows through these; rows are the model's indexes. */
struct ui_table_model {
	void *ctx;
	int (*count)(void *ctx);
	/* Cell text into buf (UTF-8). */
	void (*cell)(void *ctx, int row, int col, char *buf, size_t len);
	/* The role of a cell (-1: the row's normal role). */
	int (*role)(void *ctx, int row, int col);
	/* A stable key for the row (selection survives a refresh by it). */
	const char *(*key)(void *ctx, int row);
	/* Sort order of two rows by a column (<0, 0, >0). */
	int (*compare)(void *ctx, int a, int b, int col);
	/* Does the row pass the filter text? */
	bool (*match)(void *ctx, int row, const char *filter);
};
struct ui_table {
	const struct ui_table_column *columns;
	int n_columns;
	struct ui_table_model model;
	int *view; /* visible model rows in display order */
	int n_view, cap_view;
	int selected; /* index into view, -1 when empty */
	int top;      /* first view index shown */
	int height;   /* rows of data on screen (set by draw/layout) */
	int sort_col; /* -1: model order */
	bool sort_desc;
	char filter[256];
	int prev_selected; /* for a partial redraw */
	bool focused;
	bool no_header; /* the caller draws its own */
	char sel_key[128]; /* the selected row's key, taken when it was selected: the model may
			    * have changed under the table by the time it rebuilds */
};
void ui_table_init(struct ui_table *t, const struct ui_table_column *cols, int n,
		   struct ui_table_model model);
void ui_table_free(struct ui_table *t);
/* Rebuilds the view after the model changed (filter, sort), keeping the selected row's key. */
void ui_table_rebuild(struct ui_table *t);
void ui_table_set_filter(struct ui_table *t, const char *filter);
void ui_table_set_sort(struct ui_table *t, int col, bool desc);
/* Moves the selection by delta (clamped) and scrolls it into view; true when it moved. */
bool ui_table_move(struct ui_table *t, int delta);
bool ui_table_move_to(struct ui_table *t, int index);
void ui_table_set_height(struct ui_table *t, int height);
/* The selected model row, or -1. */
int ui_table_selected_row(const struct ui_table *t);
/* Draws header and visible rows in the box; only_selection redraws just the old and new
 * selected rows. */
void ui_table_draw(struct ui_table *t, WINDOW *w, int y, int x, int h, int width,
		   bool only_selection);
/* Handles movement keys already mapped to deltas by the caller. */
int ui_table_row_at(const struct ui_table *t, int y_in_box);

/* ---- pager: long text, scrolled both ways, wrap toggle ---- */
struct ui_pager_line {
	char *text;
	int role;
	int cols; /* display width, measured once */
};
struct ui_pager {
	struct ui_pager_line *lines;
	int n_lines, cap_lines;
	int top;      /* first line (no wrap) or first line of the wrapped top row */
	int top_sub;  /* wrapped row within the top line */
	int left;     /* columns scrolled right (no wrap) */
	bool wrap;
	int height, width; /* of the last draw */
	int max_cols; /* the widest line */
};
void ui_pager_init(struct ui_pager *p);
void ui_pager_clear(struct ui_pager *p);
void ui_pager_free(struct ui_pager *p);
void ui_pager_add(struct ui_pager *p, int role, const char *text);
void ui_pager_scroll(struct ui_pager *p, int rows);
void ui_pager_scroll_h(struct ui_pager *p, int cols);
void ui_pager_home(struct ui_pager *p);
void ui_pager_end(struct ui_pager *p);
void ui_pager_toggle_wrap(struct ui_pager *p);
void ui_pager_draw(struct ui_pager *p, WINDOW *w, int y, int x, int h, int width);

/* ---- one-line text input ---- */
struct ui_input {
	char text[512];
	size_t len, cursor; /* bytes */
	int scroll;         /* first column shown */
};
void ui_input_set(struct ui_input *in, const char *text);
/* Editing keys and printable characters: UI_HANDLED, or UI_IGNORED for other keys. */
int ui_input_key(struct ui_input *in, int key);
void ui_input_draw(struct ui_input *in, WINDOW *w, int y, int x, int width, int role,
		   bool show_cursor);

/* ---- small forms: text and choice fields ---- */
#define UI_FORM_MAX_FIELDS 8
#define UI_FORM_MAX_CHOICES 32
struct ui_form_field {
	const char *label;
	bool is_choice;
	struct ui_input input;
	const char *choices[UI_FORM_MAX_CHOICES];
	int n_choices, choice;
	bool required;
	bool secret; /* a passphrase: drawn as one * per character, wiped by ui_form_wipe */
};
struct ui_form {
	char title[128];
	char error[256]; /* shown under the fields; the values stay */
	char hint[128];
	struct ui_form_field fields[UI_FORM_MAX_FIELDS];
	int n_fields, focus;
	bool open;
};
enum { UI_FORM_NONE, UI_FORM_SUBMIT, UI_FORM_CANCEL };
void ui_form_init(struct ui_form *f, const char *title);
struct ui_form_field *ui_form_add_text(struct ui_form *f, const char *label, const char *value,
				       bool required);
struct ui_form_field *ui_form_add_choice(struct ui_form *f, const char *label,
					 const char *const *choices, int n, int selected);
/* A text field whose characters are never drawn (a passphrase). */
struct ui_form_field *ui_form_add_secret(struct ui_form *f, const char *label, bool required);
/* Zeroes what the secret fields hold (every byte of their buffers) and empties them. */
void ui_form_wipe(struct ui_form *f);
/* UI_FORM_SUBMIT when Enter is pressed with every required field filled. */
int ui_form_key(struct ui_form *f, int key, int *flags);
const char *ui_form_value(const struct ui_form *f, int field);
void ui_form_draw(struct ui_form *f, WINDOW *w);

/* ---- dialogs: confirm (explicit y/n) and pick-one list ---- */
struct ui_confirm {
	char question[512];
	bool open;
};
enum { UI_CONFIRM_NONE, UI_CONFIRM_YES, UI_CONFIRM_NO };
void ui_confirm_open(struct ui_confirm *c, const char *question);
/* y answers yes, n or Esc no; every other key (Enter too) is ignored. */
int ui_confirm_key(struct ui_confirm *c, int key);
void ui_confirm_draw(const struct ui_confirm *c, WINDOW *w);
/* A centred box with a title and lines of text, for help and messages. */
void ui_dialog_frame(WINDOW *w, int want_h, int want_w, const char *title, int *y, int *x,
		     int *h, int *width);

/* ---- status bar with transient messages ---- */
enum ui_msg_kind { UI_MSG_INFO, UI_MSG_ERROR, UI_MSG_DENIED };
struct ui_statusbar {
	char left[512], right[256];
	int right_role;
	char message[512];
	enum ui_msg_kind kind;
	int64_t message_until; /* monotonic ms */
};
void ui_statusbar_message(struct ui_statusbar *s, enum ui_msg_kind kind, const char *text,
			  int64_t now_ms, int64_t duration_ms);
/* True when a message expired (and was cleared) at now_ms. */
bool ui_statusbar_expire(struct ui_statusbar *s, int64_t now_ms);
void ui_statusbar_draw(const struct ui_statusbar *s, WINDOW *w, int y, int width);

/* ---- command prompt with completion ---- */
struct ui_prompt {
	char prefix[8]; /* ":" or "/" */
	struct ui_input input;
	bool open;
	/* Completion candidates for the word under the cursor: the caller fills them. */
	char **(*complete)(void *ctx, const char *line, int *n_words_before);
	void *ctx;
	char history[16][512];
	int n_history, history_pos;
};
enum { UI_PROMPT_NONE, UI_PROMPT_DONE, UI_PROMPT_CANCEL, UI_PROMPT_EDIT };
void ui_prompt_open(struct ui_prompt *p, const char *prefix, const char *text);
int ui_prompt_key(struct ui_prompt *p, int key);
void ui_prompt_draw(struct ui_prompt *p, WINDOW *w, int y, int width);
/* The longest common prefix completion of `word` among names (NULL-ended); the number of
 * candidates in *n. Returns a malloc'd completion or NULL. */
char *ui_complete(const char *word, char *const *names, int *n);

/* ---- charts: sparklines and bars (chart.c), drawn with characters so they read in mono ---- */
/* n values as n cells scaled to max (max <= 0: the largest value); a zero is a dim dot, so an
 * empty hour is told apart from a small one. Draws at most width cells. */
void ui_sparkline(WINDOW *w, int y, int x, int width, int role, const double *values, int n,
		  double max);
/* A horizontal bar filling `fraction` (0..1) of width, in eighths of a cell when UTF-8. */
void ui_bar(WINDOW *w, int y, int x, int width, int role, double fraction);

#endif
