/* The screen harness (tig's way of testing itself): a script of keys and `:` commands is fed
 * into the one input function on a virtual screen; after each key every answer is awaited and
 * the screen painted, so runs are deterministic. Test commands dump the screen as text, resize
 * it, move the virtual clock and check for text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static int script_failed;

static void feed(struct app *a, int key)
{
	app_input(a, key, NULL);
	app_settle(a);
	app_draw(a);
}

static void screen_text(char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	if (!f)
		return;
	ui_term_dump(f);
	fclose(f);
}

int script_command(struct app *a, const char *verb, const char *arg)
{
	a->dirty |= UI_REDRAW | UI_REDRAW_STATUS;
	app_draw(a);
	if (!strcmp(verb, "test-dump")) {
		const char *dir = getenv("KLAXON_DUMP_DIR");
		char path[1200];
		snprintf(path, sizeof path, "%s/%s.screen", dir && *dir ? dir : ".", arg);
		FILE *f = fopen(path, "we");
		if (!f || ui_term_dump(f)) {
			fprintf(stderr, "klaxon: script: cannot write %s: %s\n", path, strerror(errno));
			script_failed = 1;
		}
		if (f)
			fclose(f);
		return UI_HANDLED;
	}
	if (!strcmp(verb, "test-resize")) {
		int lines = 0, cols = 0;
		if (sscanf(arg, "%d %d", &cols, &lines) != 2 || lines < 1 || cols < 1) {
			fprintf(stderr, "klaxon: script: :test-resize COLS LINES\n");
			script_failed = 2;
			return UI_HANDLED;
		}
		ui_term_resize(lines, cols);
		app_input(a, UI_KEY_RESIZE, NULL);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (!strcmp(verb, "test-tick")) {
		a->virtual_ms += (int64_t)(atof(arg) * 1000);
		app_settle(a);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (!strcmp(verb, "test-refresh")) {
		app_refresh_now(a);
		app_settle(a);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	if (!strcmp(verb, "test-expect")) {
		char *text = NULL;
		size_t len = 0;
		screen_text(&text, &len);
		if (!text || !strstr(text, arg)) {
			fprintf(stderr, "klaxon: script: expected \"%s\" on the screen:\n%s", arg,
				text ? text : "");
			script_failed = 1;
		}
		free(text);
		return UI_HANDLED;
	}
	app_message(a, UI_MSG_ERROR, "unknown test command :%s", verb);
	script_failed = 2;
	return UI_HANDLED;
}

/* One line of keys: characters stand for themselves, <Name> for special keys. */
static int feed_keys(struct app *a, const char *line, const char *path, int lineno)
{
	const char *p = line;
	while (*p && a->running) {
		const char *end = NULL;
		int key = ui_key_parse(p, &end);
		if (key < 0) {
			fprintf(stderr, "klaxon: %s:%d: not a key: %s\n", path, lineno, p);
			return -1;
		}
		feed(a, key);
		p = end;
	}
	return 0;
}

int script_run(struct app *a, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "klaxon: %s: %s\n", path, strerror(errno));
		return 2;
	}
	script_failed = 0;
	app_settle(a);
	app_draw(a);
	char line[2048];
	int lineno = 0;
	while (a->running && !script_failed && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (!strncmp(line, ":test-", 6)) {
			/* Test commands act at once, whatever has the keys (a form, a prompt). */
			char verb[32] = "";
			size_t n = strcspn(line + 1, " ");
			snprintf(verb, sizeof verb, "%.*s", (int)n, line + 1);
			const char *arg = line + 1 + n;
			while (*arg == ' ')
				arg++;
			a->dirty |= script_command(a, verb, arg);
			app_draw(a);
		} else if (line[0] == ':') {
			/* A command is typed like a person would: `:`, the text (<Tab> completes),
			 * Enter. */
			if (feed_keys(a, line, path, lineno))
				script_failed = 2;
			else if (a->prompt.open)
				feed(a, UI_KEY_ENTER);
		} else if (feed_keys(a, line, path, lineno)) {
			script_failed = 2;
		}
	}
	fclose(f);
	return script_failed;
}
