/* Saved UI state (last screen, view, sort, theme), kept apart from the user's config, which
 * klaxon never writes. Written whole to a temporary file and renamed over the old one, so a
 * crash leaves either the old state or the new, never half of one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

static void state_dir(char *out, size_t len)
{
	const char *base = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (base && *base)
		snprintf(out, len, "%s/klaxon", base);
	else
		snprintf(out, len, "%s/.local/state/klaxon", home && *home ? home : ".");
}

/* A bounded copy that truncates quietly: state values are short by construction. */
static void set(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

void state_load(struct app_state *st)
{
	char dir[1024], path[1100], line[256];
	state_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/state", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char key[32], val[128] = "";
		/* A damaged file is ignored line by line: state is a convenience, never a reason to
		 * refuse to start. */
		if (sscanf(line, "%31s = %127[^\n]", key, val) < 1)
			continue;
		if (!strcmp(key, "view"))
			set(st->view, sizeof st->view, val);
		else if (!strcmp(key, "sort"))
			set(st->sort, sizeof st->sort, val);
		else if (!strcmp(key, "sort_desc"))
			st->sort_desc = !strcmp(val, "yes");
		else if (!strcmp(key, "theme"))
			set(st->theme, sizeof st->theme, val);
		else if (!strcmp(key, "screen"))
			set(st->screen, sizeof st->screen, val);
		else if (!strcmp(key, "incident"))
			set(st->incident, sizeof st->incident, val);
	}
	fclose(f);
}

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

int state_save(const struct app_state *st)
{
	char dir[1024], path[1100], tmp[1100];
	state_dir(dir, sizeof dir);
	if (mkdirs(dir))
		return -1;
	snprintf(path, sizeof path, "%s/state", dir);
	snprintf(tmp, sizeof tmp, "%s/.state.%ld", dir, (long)getpid());
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "# klaxon's saved UI state, rewritten on exit (your settings are in\n"
		   "# ~/.config/klaxon/config, which klaxon never writes)\n");
	fprintf(f, "view = %s\nsort = %s\nsort_desc = %s\ntheme = %s\nscreen = %s\nincident = %s\n",
		st->view, st->sort, st->sort_desc ? "yes" : "no", st->theme, st->screen,
		st->incident);
	int rc = fflush(f) || fsync(fileno(f)) ? -1 : 0;
	if (fclose(f))
		rc = -1;
	if (rc == 0 && rename(tmp, path))
		rc = -1;
	if (rc)
		unlink(tmp);
	return rc;
}
