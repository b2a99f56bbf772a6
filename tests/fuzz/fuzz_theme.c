/* libFuzzer harness: the console's theme-file parser (ui_theme_parse), fed a file's bytes as
 * klaxon reads them (text up to the first NUL), with the console's own roles registered and the
 * compiled-in default as the fallback, as ui_theme_load does; then again with no fallback. No
 * terminal is needed: parsing only reads tables. Checked: 0 or -1; a failure says
 * "source:line: why" and leaves the theme untouched; a parsed theme has colours in -1..255 that
 * come down to 16 and 8 colours within range, and the fallback's style for the roles it omits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../screens/app.h"
#include "fuzz_text.h"

static const char *const app_roles[] = {
#define FZ_ROLE(name) #name,
	APP_ROLES(FZ_ROLE)
#undef FZ_ROLE
};
static struct ui_theme base; /* the compiled-in default, as every theme file starts from */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	char err[256];
	ui_roles_register(app_roles, (int)(sizeof app_roles / sizeof app_roles[0]));
	if (ui_theme_load(&base, "default", NULL, err, sizeof err)) {
		fprintf(stderr, "fuzz_theme: %s\n", err);
		abort();
	}
	return 0;
}

static void check_color(short c)
{
	if (c < -1 || c > 255)
		abort();
	static const int depths[] = {256, 16, 8};
	for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		short d = ui_color_degrade(c, depths[i]);
		if (d < -1 || d >= depths[i] || (c == -1) != (d == -1))
			abort();
	}
}

static void parse_one(const char *text, const struct ui_theme *fallback)
{
	static const attr_t known = A_BOLD | A_DIM | A_UNDERLINE | A_REVERSE | A_ITALIC |
				    A_STANDOUT | A_BLINK;
	struct ui_theme t;
	memset(&t, 0, sizeof t);
	snprintf(t.name, sizeof t.name, "fuzz");
	t.styles[0].fg = 42; /* a marker a failed parse must leave alone */
	char err[256] = "";
	int rc = ui_theme_parse(&t, text, "fuzz.theme", fallback, err, sizeof err);
	if (rc == -1) {
		fz_check_refusal(err, "fuzz.theme");
		if (strcmp(t.name, "fuzz") != 0 || t.styles[0].fg != 42)
			abort();
		return;
	}
	if (rc != 0 || strcmp(t.name, "fuzz") != 0)
		abort();
	for (int r = 0; r < UI_MAX_ROLES; r++) {
		const struct ui_style *st = &t.styles[r];
		if (!st->set && fallback &&
		    (st->fg != fallback->styles[r].fg || st->bg != fallback->styles[r].bg ||
		     st->attrs != fallback->styles[r].attrs))
			abort(); /* an omitted role keeps the fallback's look */
		if (st->set && r >= ui_roles_count() && !(fallback && fallback->styles[r].set))
			abort(); /* only registered roles can be named */
		check_color(st->fg);
		check_color(st->bg);
		if (st->attrs & ~known)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_text(data, size);
	if (!text)
		return 0;
	parse_one(text, &base);
	parse_one(text, NULL);
	free(text);
	return 0;
}
