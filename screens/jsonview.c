/* Pretty-printed, coloured JSON and a line diff (see jsonview.h). Scalars are printed by cJSON
 * itself, so strings are escaped exactly as a JSON parser expects them back from the editor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonview.h"

#define JV_INLINE_MAX 64 /* an array of scalars this short stays on one line */
#define JV_DIFF_MAX 2000 /* lines per side a diff is computed for (the table is n*m) */

/* A line under construction. */
struct jv_buf {
	char text[4096];
	unsigned char roles[4096];
	size_t len;
};

void jv_init(struct jsonview *v)
{
	memset(v, 0, sizeof *v);
}

void jv_clear(struct jsonview *v)
{
	for (int i = 0; i < v->n; i++) {
		free(v->lines[i].text);
		free(v->lines[i].roles);
	}
	v->n = 0;
	v->top = 0;
}

void jv_free(struct jsonview *v)
{
	jv_clear(v);
	free(v->lines);
	v->lines = NULL;
	v->cap = 0;
}

static void push_line(struct jsonview *v, const struct jv_buf *b)
{
	if (v->n == v->cap) {
		int nc = v->cap ? v->cap * 2 : 64;
		struct jv_line *nl = realloc(v->lines, (size_t)nc * sizeof *nl);
		if (!nl)
			return;
		v->lines = nl;
		v->cap = nc;
	}
	struct jv_line *l = &v->lines[v->n];
	l->text = malloc(b->len + 1);
	l->roles = malloc(b->len + 1);
	if (!l->text || !l->roles) {
		free(l->text);
		free(l->roles);
		return;
	}
	memcpy(l->text, b->text, b->len);
	l->text[b->len] = 0;
	memcpy(l->roles, b->roles, b->len);
	l->len = b->len;
	v->n++;
}

static void put(struct jv_buf *b, int role, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n >= sizeof b->text)
		n = sizeof b->text - 1 - b->len;
	memcpy(b->text + b->len, s, n);
	memset(b->roles + b->len, role, n);
	b->len += n;
}

static void indent(struct jv_buf *b, int depth)
{
	b->len = 0;
	for (int i = 0; i < depth; i++)
		put(b, UI_ROLE_NORMAL, "  ");
}

static int scalar_role(const cJSON *o)
{
	if (cJSON_IsString(o))
		return ROLE_JSON_STRING;
	if (cJSON_IsNumber(o))
		return ROLE_JSON_NUMBER;
	return ROLE_JSON_LITERAL;
}

static void put_scalar(struct jv_buf *b, const cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	put(b, scalar_role(o), text ? text : "?");
	cJSON_free(text);
}

static void put_key(struct jv_buf *b, const char *key)
{
	cJSON *k = cJSON_CreateString(key);
	char *text = cJSON_PrintUnformatted(k);
	put(b, ROLE_JSON_KEY, text ? text : "\"?\"");
	put(b, UI_ROLE_NORMAL, ": ");
	cJSON_free(text);
	cJSON_Delete(k);
}

/* [ "a", "b" ] on one line when every item is a scalar and it stays short. */
static bool inline_array(const cJSON *o)
{
	const cJSON *it;
	size_t width = 2;
	if (!cJSON_IsArray(o))
		return false;
	cJSON_ArrayForEach(it, o)
	{
		if (cJSON_IsArray(it) || cJSON_IsObject(it))
			return false;
		char *text = cJSON_PrintUnformatted(it);
		width += (text ? strlen(text) : 0) + 2;
		cJSON_free(text);
	}
	return width <= JV_INLINE_MAX;
}

static void emit(struct jsonview *v, struct jv_buf *b, const cJSON *o, int depth, bool comma)
{
	bool obj = cJSON_IsObject(o);
	if (!obj && !cJSON_IsArray(o)) {
		put_scalar(b, o);
		put(b, UI_ROLE_NORMAL, comma ? "," : "");
		push_line(v, b);
		return;
	}
	const cJSON *it;
	if (!obj && inline_array(o)) {
		put(b, UI_ROLE_NORMAL, "[");
		cJSON_ArrayForEach(it, o)
		{
			put_scalar(b, it);
			put(b, UI_ROLE_NORMAL, it->next ? ", " : "");
		}
		put(b, UI_ROLE_NORMAL, comma ? "]," : "]");
		push_line(v, b);
		return;
	}
	if (!o->child) {
		put(b, UI_ROLE_NORMAL, obj ? (comma ? "{}," : "{}") : (comma ? "[]," : "[]"));
		push_line(v, b);
		return;
	}
	put(b, UI_ROLE_NORMAL, obj ? "{" : "[");
	push_line(v, b);
	cJSON_ArrayForEach(it, o)
	{
		indent(b, depth + 1);
		if (obj)
			put_key(b, it->string ? it->string : "");
		emit(v, b, it, depth + 1, it->next != NULL);
	}
	indent(b, depth);
	put(b, UI_ROLE_NORMAL, obj ? (comma ? "}," : "}") : (comma ? "]," : "]"));
	push_line(v, b);
}

void jv_add_json(struct jsonview *v, const cJSON *o)
{
	struct jv_buf *b = malloc(sizeof *b);
	if (!b || !o) {
		free(b);
		return;
	}
	b->len = 0;
	emit(v, b, o, 0, false);
	free(b);
}

void jv_add_line(struct jsonview *v, int role, const char *text)
{
	struct jv_buf *b = malloc(sizeof *b);
	if (!b)
		return;
	b->len = 0;
	put(b, role, text);
	push_line(v, b);
	free(b);
}

char *jv_text(const struct jsonview *v)
{
	size_t total = 1;
	for (int i = 0; i < v->n; i++)
		total += v->lines[i].len + 1;
	char *out = malloc(total), *at = out;
	for (int i = 0; out && i < v->n; i++) {
		memcpy(at, v->lines[i].text, v->lines[i].len);
		at += v->lines[i].len;
		*at++ = '\n';
	}
	if (out)
		*at = 0;
	return out;
}

/* One diff line: the source line with a marker, all in one role when changed. */
static void diff_line(struct jsonview *v, const struct jv_line *l, char mark)
{
	struct jv_buf *b = malloc(sizeof *b);
	if (!b)
		return;
	b->len = 0;
	int role = mark == '+' ? ROLE_DIFF_ADD : mark == '-' ? ROLE_DIFF_DEL : UI_ROLE_DIM;
	char m[3] = {mark, ' ', 0};
	put(b, role, m);
	size_t start = b->len;
	put(b, UI_ROLE_NORMAL, l->text);
	for (size_t i = start; i < b->len; i++) /* context keeps its colours, changes take one */
		b->roles[i] = mark == ' ' ? l->roles[i - start] : (unsigned char)role;
	push_line(v, b);
	free(b);
}

void jv_add_diff(struct jsonview *v, const struct jsonview *a, const struct jsonview *b,
		 int *added, int *removed)
{
	int n = a->n < JV_DIFF_MAX ? a->n : JV_DIFF_MAX, m = b->n < JV_DIFF_MAX ? b->n : JV_DIFF_MAX;
	*added = *removed = 0;
	/* Longest common subsequence, suffix form: lcs[i][j] for a[i..], b[j..]. */
	unsigned *lcs = calloc((size_t)(n + 1) * (size_t)(m + 1), sizeof *lcs);
	if (!lcs)
		return;
#define LCS(i, j) lcs[(size_t)(i) * (size_t)(m + 1) + (size_t)(j)]
	for (int i = n - 1; i >= 0; i--)
		for (int j = m - 1; j >= 0; j--)
			LCS(i, j) = !strcmp(a->lines[i].text, b->lines[j].text)
					    ? LCS(i + 1, j + 1) + 1
				    : LCS(i + 1, j) >= LCS(i, j + 1) ? LCS(i + 1, j)
								     : LCS(i, j + 1);
	int i = 0, j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && !strcmp(a->lines[i].text, b->lines[j].text)) {
			diff_line(v, &b->lines[j], ' ');
			i++, j++;
		} else if (j < m && (i == n || LCS(i, j + 1) >= LCS(i + 1, j))) {
			diff_line(v, &b->lines[j++], '+');
			(*added)++;
		} else {
			diff_line(v, &a->lines[i++], '-');
			(*removed)++;
		}
	}
#undef LCS
	free(lcs);
}

void jv_scroll(struct jsonview *v, int rows)
{
	int max = v->n - v->height;
	v->top += rows;
	if (v->top > max)
		v->top = max;
	if (v->top < 0)
		v->top = 0;
}

/* Runs of one role are drawn with one call each; the rest of the row is cleared. */
static void draw_line(const struct jv_line *l, int y, int x, int width)
{
	int col = 0;
	size_t i = 0;
	while (i < l->len && col < width) {
		size_t j = i;
		while (j < l->len && l->roles[j] == l->roles[i])
			j++;
		char run[4096];
		snprintf(run, sizeof run, "%.*s", (int)(j - i), l->text + i);
		int w = ui_text_width(run, strlen(run));
		if (col + w > width) {
			ui_put_clip(stdscr, y, x + col, width - col, l->roles[i], run);
			return;
		}
		ui_put(stdscr, y, x + col, w, l->roles[i], run);
		col += w;
		i = j;
	}
	if (col < width)
		ui_put(stdscr, y, x + col, width - col, UI_ROLE_NORMAL, "");
}

void jv_draw(struct jsonview *v, int y, int x, int h, int width)
{
	v->height = h;
	jv_scroll(v, 0);
	for (int r = 0; r < h; r++) {
		int i = v->top + r;
		if (i < v->n)
			draw_line(&v->lines[i], y + r, x, width);
		else
			ui_put(stdscr, y + r, x, width, UI_ROLE_NORMAL, "");
	}
}

/* ---- JSON fields ---- */

const char *jv_str(const cJSON *o, const char *name)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	return s ? s : "";
}

double jv_num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void jv_join(const cJSON *o, const char *name, const char *sep, char *out, size_t len)
{
	const cJSON *v;
	size_t used = 0;
	out[0] = 0;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(o, name))
	{
		if (!cJSON_IsString(v) || used + 1 >= len)
			continue;
		int w = snprintf(out + used, len - used, "%s%s", used ? sep : "", v->valuestring);
		used += w > 0 ? (size_t)w : 0;
		if (used >= len)
			used = len - 1;
	}
}
