/* Key names and the keymap. Actions are the application's (declared once in its X-macro
 * list); this file binds keys to them per context from `bind CONTEXT KEY ACTION` lines, the
 * same parser for the compiled-in defaults and the user's keys file. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui.h"

static const struct {
	const char *name;
	int key;
} special[] = {
	{"Up", UI_KEY_FN(KEY_UP)},
	{"Down", UI_KEY_FN(KEY_DOWN)},
	{"Left", UI_KEY_FN(KEY_LEFT)},
	{"Right", UI_KEY_FN(KEY_RIGHT)},
	{"PgUp", UI_KEY_FN(KEY_PPAGE)},
	{"PageUp", UI_KEY_FN(KEY_PPAGE)},
	{"PgDown", UI_KEY_FN(KEY_NPAGE)},
	{"PageDown", UI_KEY_FN(KEY_NPAGE)},
	{"PgDn", UI_KEY_FN(KEY_NPAGE)},
	{"Home", UI_KEY_FN(KEY_HOME)},
	{"End", UI_KEY_FN(KEY_END)},
	{"Insert", UI_KEY_FN(KEY_IC)},
	{"Delete", UI_KEY_FN(KEY_DC)},
	{"Backspace", UI_KEY_BACKSPACE},
	{"BackTab", UI_KEY_FN(KEY_BTAB)},
	{"Enter", UI_KEY_ENTER},
	{"Esc", UI_KEY_ESC},
	{"Escape", UI_KEY_ESC},
	{"Tab", UI_KEY_TAB},
	{"Space", ' '},
	{"LT", '<'},
	{"Resize", UI_KEY_RESIZE},
};

int ui_key_parse(const char *name, const char **end)
{
	const char *p = name;
	int key = -1;
	if (*p == '<' && p[1] && p[1] != '>') {
		const char *close = strchr(p + 1, '>');
		if (!close)
			return -1;
		char word[32];
		size_t n = (size_t)(close - p - 1);
		if (n >= sizeof word)
			return -1;
		memcpy(word, p + 1, n);
		word[n] = 0;
		if ((word[0] == 'C' || word[0] == 'c') && word[1] == '-' && word[2] && !word[3]) {
			key = UI_KEY_CTRL(tolower((unsigned char)word[2]));
		} else if ((word[0] == 'F' || word[0] == 'f') && isdigit((unsigned char)word[1])) {
			/* Not atoi: past INT_MAX it is undefined (glibc made <F4294967297> F1). */
			long f = strtol(word + 1, NULL, 10);
			key = f >= 1 && f <= 12 ? UI_KEY_FN(KEY_F((int)f)) : -1;
		} else {
			for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
				if (strcasecmp(word, special[i].name) == 0)
					key = special[i].key;
		}
		p = close + 1;
	} else if (*p) {
		wchar_t c;
		size_t len = ui_utf8_decode(p, strlen(p), &c);
		if (c == 0xfffd || c < 0x20)
			return -1;
		key = (int)c;
		p += len;
	}
	if (end)
		*end = p;
	return key;
}

const char *ui_key_name(int key, char *buf, size_t len)
{
	/* The first name of a key is its canonical one; `<` reads back fine alone. */
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (special[i].key == key && key != '<') {
			snprintf(buf, len, "<%s>", special[i].name);
			return buf;
		}
	if (key >= 1 && key < 27)
		snprintf(buf, len, "<C-%c>", 'a' + key - 1);
	else if (key >= UI_KEY_FN(KEY_F(1)) && key <= UI_KEY_FN(KEY_F(12)))
		snprintf(buf, len, "<F%d>", key - UI_KEY_FN(KEY_F(0)));
	else if (key > 0x20 && key < 0x1000000) {
		char enc[8];
		size_t n = ui_utf8_encode((wchar_t)key, enc);
		snprintf(buf, len, "%.*s", (int)n, enc);
	} else
		snprintf(buf, len, "<%#x>", key);
	return buf;
}

struct binding {
	int context, key, action;
};

struct ui_keymap {
	const struct ui_action_def *actions;
	int n_actions;
	const char *const *contexts;
	int n_contexts;
	struct binding *b;
	int n, cap;
};

struct ui_keymap *ui_keymap_new(const struct ui_action_def *actions, int n_actions,
				const char *const *contexts, int n_contexts)
{
	struct ui_keymap *km = calloc(1, sizeof *km);
	if (!km)
		return NULL;
	km->actions = actions;
	km->n_actions = n_actions;
	km->contexts = contexts;
	km->n_contexts = n_contexts;
	return km;
}

void ui_keymap_free(struct ui_keymap *km)
{
	if (km)
		free(km->b);
	free(km);
}

static int bind_key(struct ui_keymap *km, int context, int key, int action)
{
	for (int i = 0; i < km->n; i++) {
		if (km->b[i].context == context && km->b[i].key == key) {
			if (action < 0)
				km->b[i] = km->b[--km->n];
			else
				km->b[i].action = action;
			return 0;
		}
	}
	if (action < 0)
		return 0;
	if (km->n == km->cap) {
		int nc = km->cap ? km->cap * 2 : 64;
		struct binding *nb = realloc(km->b, (size_t)nc * sizeof *nb);
		if (!nb)
			return -1;
		km->b = nb;
		km->cap = nc;
	}
	km->b[km->n++] = (struct binding){context, key, action};
	return 0;
}

static int find_context(const struct ui_keymap *km, const char *name)
{
	for (int i = 0; i < km->n_contexts; i++)
		if (strcmp(km->contexts[i], name) == 0)
			return i;
	return -1;
}

static int find_action(const struct ui_keymap *km, const char *name)
{
	for (int i = 0; i < km->n_actions; i++)
		if (strcmp(km->actions[i].name, name) == 0)
			return km->actions[i].id;
	return -1;
}

/* One `bind CONTEXT KEY ACTION` line; 0, or -1 with why. */
static int parse_line(struct ui_keymap *km, char *s, char *why, size_t len)
{
	char verb[16], ctx[32], keyname[64], action[64], extra[8];
	int n = sscanf(s, "%15s %31s %63s %63s %7s", verb, ctx, keyname, action, extra);
	if (n < 1 || strcmp(verb, "bind") != 0) {
		snprintf(why, len, "expected `bind CONTEXT KEY ACTION`");
		return -1;
	}
	if (n != 4) {
		snprintf(why, len, "bind takes a context, a key and an action");
		return -1;
	}
	int context = find_context(km, ctx);
	if (context < 0) {
		snprintf(why, len, "unknown context %s", ctx);
		return -1;
	}
	const char *end = NULL;
	int key = ui_key_parse(keyname, &end);
	if (key < 0 || *end) {
		snprintf(why, len, "unknown key %s", keyname);
		return -1;
	}
	int act = strcmp(action, "none") == 0 ? -1 : find_action(km, action);
	if (act < 0 && strcmp(action, "none") != 0) {
		snprintf(why, len, "unknown action %s", action);
		return -1;
	}
	if (bind_key(km, context, key, act)) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	return 0;
}

int ui_keymap_parse(struct ui_keymap *km, const char *text, const char *source, char *err,
		    size_t errlen)
{
	int line = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char buf[256], why[160];
		line++;
		if (n >= sizeof buf) {
			snprintf(err, errlen, "%s:%d: line too long", source, line);
			return -1;
		}
		memcpy(buf, p, n);
		buf[n] = 0;
		p += n + (nl != NULL);
		/* `#` starts a comment only at a word's start, so `bind generic # x` still binds. */
		char *s = buf;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			continue;
		if (parse_line(km, s, why, sizeof why)) {
			snprintf(err, errlen, "%s:%d: %s", source, line, why);
			return -1;
		}
	}
	return 0;
}

int ui_keymap_lookup(const struct ui_keymap *km, int context, int key)
{
	int generic = -1;
	for (int i = 0; i < km->n; i++) {
		if (km->b[i].key != key)
			continue;
		if (km->b[i].context == context)
			return km->b[i].action;
		if (km->b[i].context == 0)
			generic = km->b[i].action;
	}
	return generic;
}

void ui_keymap_keys(const struct ui_keymap *km, int context, int action, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < km->n && used + 1 < len; i++) {
		if (km->b[i].context != context || km->b[i].action != action)
			continue;
		/* A generic key shadowed in this context does not run this action here. */
		char name[32];
		ui_key_name(km->b[i].key, name, sizeof name);
		int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

const char *ui_keymap_context_name(const struct ui_keymap *km, int context)
{
	return context >= 0 && context < km->n_contexts ? km->contexts[context] : "?";
}

const struct ui_action_def *ui_keymap_action(const struct ui_keymap *km, int action)
{
	for (int i = 0; i < km->n_actions; i++)
		if (km->actions[i].id == action)
			return &km->actions[i];
	return NULL;
}
