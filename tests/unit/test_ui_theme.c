/* Theme files: the format, errors that name file and line, colours brought down to what a
 * terminal has, and every shipped theme parsing with the console's roles. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"

/* The console's roles (screens/app.h), so the shipped files are checked as it reads them. */
static const char *const app_roles[] = {"SEV1", "SEV2", "SEV3", "SEV4", "STATUS_DECLARED",
					"STATUS_TRIAGED", "STATUS_MITIGATING", "STATUS_RESOLVED",
					"STATUS_CLOSED", "BANNER", "ALLOW", "DENY", "OVERRIDE",
					"JSON_KEY", "JSON_STRING", "JSON_NUMBER", "JSON_LITERAL",
					"DIFF_ADD", "DIFF_DEL", "CHART", "RISK_LOW", "RISK_MEDIUM",
					"RISK_HIGH", "RISK_CRITICAL"};

static int setup(void **state)
{
	(void)state;
	ui_roles_register(app_roles, (int)(sizeof app_roles / sizeof app_roles[0]));
	return 0;
}

static void parses_roles_colours_and_attributes(void **state)
{
	(void)state;
	struct ui_theme t = {0};
	char err[256] = "";
	const char *text = "# comment\n"
			   "\n"
			   "NORMAL = default default\n"
			   "selection = black bright-cyan bold,underline  # trailing comment\n"
			   "SEV1 = 196 234 reverse\n";
	assert_int_equal(ui_theme_parse(&t, text, "t.theme", NULL, err, sizeof err), 0);
	int sel = ui_role_lookup("SELECTION"), sev1 = ui_role_lookup("SEV1");
	assert_int_equal(t.styles[sel].fg, 0);
	assert_int_equal(t.styles[sel].bg, 14);
	assert_true(t.styles[sel].attrs & A_BOLD);
	assert_true(t.styles[sel].attrs & A_UNDERLINE);
	assert_int_equal(t.styles[sev1].fg, 196);
	assert_int_equal(t.styles[sev1].bg, 234);
	assert_int_equal(t.styles[UI_ROLE_NORMAL].fg, -1);
}

static void errors_name_the_line(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"NORMAL = default default\nNOPE = red blue\n", "bad.theme:2: unknown role NOPE"},
		{"\n\nSEV1 = red\n", "bad.theme:3: SEV1: expected a foreground"},
		{"SEV1 = crimson default\n", "bad.theme:1: SEV1: unknown colour crimson"},
		{"SEV1 = 256 default\n", "bad.theme:1: SEV1: unknown colour 256"},
		{"SEV1 = red default sparkly\n", "bad.theme:1: SEV1: unknown attribute"},
		{"SEV1 red default\n", "bad.theme:1: expected `role = fg bg [attrs]`"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ui_theme t = {0};
		char err[256] = "";
		assert_int_equal(ui_theme_parse(&t, cases[i].text, "bad.theme", NULL, err, sizeof err),
				 -1);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("got \"%s\", wanted \"%s...\"", err, cases[i].want);
	}
}

static void unnamed_roles_keep_the_fallback(void **state)
{
	(void)state;
	struct ui_theme base = {0}, t = {0};
	char err[256];
	assert_int_equal(ui_theme_parse(&base, "SEV2 = 208 default bold\n", "base", NULL, err, sizeof err), 0);
	assert_int_equal(ui_theme_parse(&t, "SEV1 = red default\n", "t", &base, err, sizeof err), 0);
	int sev2 = ui_role_lookup("SEV2");
	assert_int_equal(t.styles[sev2].fg, 208);
	assert_true(t.styles[sev2].attrs & A_BOLD);
}

static void colours_degrade(void **state)
{
	(void)state;
	assert_int_equal(ui_color_degrade(-1, 8), -1);
	assert_int_equal(ui_color_degrade(196, 256), 196);
	assert_int_equal(ui_color_degrade(196, 16), 9);  /* pure red: bright red */
	assert_int_equal(ui_color_degrade(231, 16), 15); /* white */
	assert_int_equal(ui_color_degrade(16, 16), 0);	 /* cube black */
	assert_int_equal(ui_color_degrade(9, 8), 1);	 /* bright red without brights */
	assert_true(ui_color_degrade(124, 8) < 8);
}

static void shipped_themes_load(void **state)
{
	(void)state;
	char **names = ui_theme_names("themes");
	int n = 0;
	for (int i = 0; names[i]; i++, n++) {
		struct ui_theme t = {0};
		char err[512] = "";
		if (ui_theme_load(&t, names[i], "themes", err, sizeof err))
			fail_msg("%s: %s", names[i], err);
		assert_string_equal(t.name, names[i]);
	}
	assert_true(n >= 5);
	for (const char *want = "default light high-contrast solarized-dark mono"; *want;) {
		size_t len = strcspn(want, " ");
		bool found = false;
		for (int i = 0; names[i]; i++)
			found = found || (strlen(names[i]) == len && !strncmp(names[i], want, len));
		assert_true(found);
		want += len + (want[len] == ' ');
	}
	ui_names_free(names);
}

static void compiled_in_when_no_directory(void **state)
{
	(void)state;
	struct ui_theme t = {0};
	char err[256];
	assert_int_equal(ui_theme_load(&t, "light", "/nonexistent", err, sizeof err), 0);
	assert_int_equal(ui_theme_load(&t, "nosuch", "/nonexistent", err, sizeof err), -1);
	assert_string_equal(err, "no theme named nosuch");
	assert_int_equal(ui_theme_load(&t, "../etc/passwd", NULL, err, sizeof err), -1);
}

static void a_bad_file_in_a_directory_is_reported(void **state)
{
	(void)state;
	char dir[] = "/tmp/klaxon-theme.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/broken.theme", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("NORMAL = default default\nSEV1 = red\n", f);
	fclose(f);
	struct ui_theme t = {0};
	char err[512] = "", want[128];
	assert_int_equal(ui_theme_load(&t, "broken", dir, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2:", path);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_roles_colours_and_attributes),
		cmocka_unit_test(errors_name_the_line),
		cmocka_unit_test(unnamed_roles_keep_the_fallback),
		cmocka_unit_test(colours_degrade),
		cmocka_unit_test(shipped_themes_load),
		cmocka_unit_test(compiled_in_when_no_directory),
		cmocka_unit_test(a_bad_file_in_a_directory_is_reported),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
