/* The `:` commands and their completion: a verb and the rest of the line as its argument.
 * The harness's test commands (:test-dump and friends) exist only under --script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "runbook.h"

static const char *const verbs[] = {"approvals", "board", "filter", "help", "open", "quit", "q",
				    "refresh", "run", "runbooks", "sort", "table", "theme", NULL};
static const char *const test_verbs[] = {"test-dump", "test-resize", "test-tick", "test-refresh",
					 "test-expect", NULL};

const char *const *board_sort_names(void);

static char **copy_names(const char *const *a, const char *const *b, int nb)
{
	int n = 0, nn = 0;
	for (int i = 0; a && a[i]; i++)
		n++;
	while (nav_verbs[nn])
		nn++;
	char **out = calloc((size_t)(n + nn + nb + 1), sizeof *out);
	if (!out)
		return NULL;
	int k = 0;
	for (int i = 0; a && a[i]; i++)
		out[k++] = strdup(a[i]);
	for (int i = 0; i < nn; i++) /* the tenancy and evidence screens' (nav.c) */
		out[k++] = strdup(nav_verbs[i]);
	for (int i = 0; b && i < nb; i++)
		out[k++] = strdup(b[i]);
	return out;
}

static char **complete(void *ctx, const char *line, int *n_words_before)
{
	struct app *a = ctx;
	char verb[32] = "";
	*n_words_before = sscanf(line, "%31s", verb) == 1 ? 1 : 0;
	if (*n_words_before == 0)
		return copy_names(verbs, a->script ? test_verbs : NULL, a->script ? 5 : 0);
	if (!strcmp(verb, "theme"))
		return ui_theme_names(a->theme_dirs);
	if (!strcmp(verb, "sort")) {
		static const char *const more[] = {"newest"};
		const char *const *names = board_sort_names();
		char **out = calloc(9, sizeof *out);
		for (int i = 0; out && i < 7; i++)
			out[i] = strdup(names[i]);
		if (out)
			out[7] = strdup(more[0]);
		return out;
	}
	return NULL;
}

static int theme_command(struct app *a, const char *arg)
{
	if (*arg) {
		app_set_theme(a, arg, true);
		return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
	}
	char **names = ui_theme_names(a->theme_dirs), list[400] = "";
	size_t used = 0;
	for (int i = 0; names && names[i]; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s", i ? " " : "", names[i]);
		if (w < 0 || (size_t)w >= sizeof list - used)
			break;
		used += (size_t)w;
	}
	ui_names_free(names);
	app_message(a, UI_MSG_INFO, "themes: %s (now %s)", list, a->theme.name);
	return UI_HANDLED | UI_REDRAW_STATUS;
}

int app_command(struct app *a, const char *line)
{
	a->prompt.complete = complete;
	a->prompt.ctx = a;
	char verb[32] = "";
	const char *p = line;
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, " ");
	if (n == 0)
		return UI_HANDLED;
	snprintf(verb, sizeof verb, "%.*s", (int)n, p);
	const char *arg = p + n;
	while (*arg == ' ')
		arg++;
	char argbuf[512];
	snprintf(argbuf, sizeof argbuf, "%s", arg);
	for (size_t e = strlen(argbuf); e > 0 && argbuf[e - 1] == ' ';)
		argbuf[--e] = 0;
	if (!strcmp(verb, "q") || !strcmp(verb, "quit"))
		return UI_QUIT;
	if (!strcmp(verb, "theme"))
		return theme_command(a, argbuf);
	if (!strcmp(verb, "refresh")) {
		app_refresh_now(a);
		return UI_HANDLED | UI_REDRAW_STATUS;
	}
	if (!strcmp(verb, "help")) {
		app_push(a, help_new(a, app_top(a)->ops->context));
		return UI_HANDLED | UI_REDRAW;
	}
	if (!strcmp(verb, "open") && argbuf[0]) {
		app_push(a, detail_new(a, argbuf));
		return UI_HANDLED | UI_REDRAW;
	}
	if (!strncmp(verb, "test-", 5) && a->script)
		return script_command(a, verb, argbuf);
	int flags = runbook_nav_command(a, verb, argbuf);
	if (flags & UI_HANDLED)
		return flags;
	flags = nav_command(a, verb, argbuf);
	if (flags & UI_HANDLED)
		return flags;
	if (!strcmp(verb, "board") || !strcmp(verb, "table") || !strcmp(verb, "sort") ||
	    !strcmp(verb, "filter")) {
		while (a->depth > 1) /* these act on the board: go back to it */
			app_pop(a);
		flags = board_command(a->stack[0], a, verb, argbuf);
	}
	if (!(flags & UI_HANDLED))
		app_message(a, UI_MSG_ERROR, "unknown command :%s (Tab lists them)", verb);
	return flags | UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
}

void command_setup(struct app *a)
{
	a->prompt.complete = complete;
	a->prompt.ctx = a;
}
