/* The console's themes: where theme files are looked for, the theme picked at start (the
 * command line or config, else the one remembered, else default; mono without colours), and
 * switching at run time (:theme, next-theme). Kept apart from app.c, which runs the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

int app_set_theme(struct app *a, const char *name, bool remember)
{
	struct ui_theme t;
	char err[512];
	if (ui_theme_load(&t, name, a->theme_dirs, err, sizeof err)) {
		app_message(a, UI_MSG_ERROR, "%s", err);
		return -1;
	}
	if (remember)
		snprintf(a->state.theme, sizeof a->state.theme, "%s", name);
	if (!ui_term_has_colors()) {
		app_message(a, UI_MSG_INFO, "colours are off: staying monochrome");
		return 0;
	}
	a->theme = t;
	ui_theme_apply(&a->theme);
	app_message(a, UI_MSG_INFO, "theme %s", name);
	a->dirty |= UI_REDRAW | UI_REDRAW_STATUS;
	return 0;
}

int app_next_theme(struct app *a)
{
	char **names = ui_theme_names(a->theme_dirs);
	int i = 0;
	while (names && names[i] && strcmp(names[i], a->theme.name) != 0)
		i++;
	if (names && names[0])
		app_set_theme(a, names[i] && names[i + 1] ? names[i + 1] : names[0], true);
	ui_names_free(names);
	return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
}

void app_theme_dirs(struct app *a)
{
	char exe[1024], dir[1024];
	const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	char *slash = strrchr(exe, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - exe) : 1, slash ? exe : ".");
	/* The user's own themes, then the checkout's (./klaxon beside ./themes), then an
	 * installed share/klaxon/themes beside bin/; the shipped ones are compiled in too. */
	if (cfg && *cfg)
		snprintf(a->theme_dirs, sizeof a->theme_dirs, "%s/klaxon/themes:", cfg);
	else
		snprintf(a->theme_dirs, sizeof a->theme_dirs, "%s/.config/klaxon/themes:",
			 home ? home : ".");
	size_t used = strlen(a->theme_dirs);
	snprintf(a->theme_dirs + used, sizeof a->theme_dirs - used,
		 "%s/themes:%s/../share/klaxon/themes", dir, dir);
}

/* Picks the theme before the terminal opens, so a bad theme file is reported plainly. */
int app_theme_setup(struct app *a, bool no_color, char *err, size_t errlen)
{
	const char *name = a->opt->theme;
	if (!name && a->state.theme[0])
		name = a->state.theme;
	if (!name)
		name = "default";
	if (no_color)
		name = "mono";
	if (ui_theme_load(&a->theme, name, a->theme_dirs, err, errlen)) {
		if (a->opt->theme)
			return -1;
		/* A remembered theme that went away is not worth refusing to start. */
		return ui_theme_load(&a->theme, "default", a->theme_dirs, err, errlen);
	}
	return 0;
}
