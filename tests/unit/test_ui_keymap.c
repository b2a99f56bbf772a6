/* Key names and the keymap: the default keys file parses, context bindings shadow generic
 * ones, a user file rebinds and unbinds, and mistakes name their line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "../../screens/actions.h"

enum { A_QUIT, A_DOWN, A_OPEN, A_FILTER };
static const struct ui_action_def actions[] = {{A_QUIT, "quit", "Quit"},
					       {A_DOWN, "move-down", "Down"},
					       {A_OPEN, "open", "Open"},
					       {A_FILTER, "filter", "Filter"}};
static const char *const contexts[] = {"generic", "board", "detail"};

static struct ui_keymap *km_new(void)
{
	return ui_keymap_new(actions, 4, contexts, 3);
}

static void key_names_round_trip(void **state)
{
	(void)state;
	static const char *const names[] = {"j", "<Down>", "<C-f>", "<PgDown>", "<Enter>", "<Esc>",
					    "<F1>", "<Tab>", "<BackTab>", "<Space>", "?", "<", "é"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *end = NULL;
		int key = ui_key_parse(names[i], &end);
		assert_true(key >= 0);
		assert_int_equal(*end, 0);
		char buf[32];
		int again = ui_key_parse(ui_key_name(key, buf, sizeof buf), &end);
		assert_int_equal(again, key);
	}
	assert_int_equal(ui_key_parse("<PgDn>", NULL), UI_KEY_FN(KEY_NPAGE));
	assert_int_equal(ui_key_parse("<c-F>", NULL), UI_KEY_CTRL('f'));
	assert_int_equal(ui_key_parse("<Nope>", NULL), -1);
	assert_int_equal(ui_key_parse("<F13>", NULL), -1);
	assert_int_equal(ui_key_parse("<F4294967297>", NULL), -1); /* not F1 wrapped around */
	const char *end;
	assert_int_equal(ui_key_parse("ab", &end), 'a'); /* one key at a time */
	assert_string_equal(end, "b");
}

static void contexts_shadow_generic(void **state)
{
	(void)state;
	struct ui_keymap *km = km_new();
	char err[256];
	assert_int_equal(ui_keymap_parse(km,
					 "bind generic q quit\n"
					 "bind generic j move-down\n"
					 "bind board <Enter> open\n"
					 "bind detail j open\n",
					 "keys", err, sizeof err),
			 0);
	assert_int_equal(ui_keymap_lookup(km, 1, 'q'), A_QUIT);
	assert_int_equal(ui_keymap_lookup(km, 1, 'j'), A_DOWN);
	assert_int_equal(ui_keymap_lookup(km, 2, 'j'), A_OPEN);
	assert_int_equal(ui_keymap_lookup(km, 1, UI_KEY_ENTER), A_OPEN);
	assert_int_equal(ui_keymap_lookup(km, 2, UI_KEY_ENTER), -1);
	char keys[64];
	ui_keymap_keys(km, 1, A_OPEN, keys, sizeof keys);
	assert_string_equal(keys, "<Enter>");
	ui_keymap_free(km);
}

static void a_user_file_rebinds_and_unbinds(void **state)
{
	(void)state;
	struct ui_keymap *km = km_new();
	char err[256];
	assert_int_equal(ui_keymap_parse(km, "bind generic q quit\nbind board / filter\n", "default",
					 err, sizeof err),
			 0);
	assert_int_equal(ui_keymap_parse(km,
					 "# mine\n"
					 "bind generic q none\n"
					 "bind generic <C-q> quit\n"
					 "bind board f filter\n",
					 "user", err, sizeof err),
			 0);
	assert_int_equal(ui_keymap_lookup(km, 1, 'q'), -1);
	assert_int_equal(ui_keymap_lookup(km, 1, UI_KEY_CTRL('q')), A_QUIT);
	assert_int_equal(ui_keymap_lookup(km, 1, 'f'), A_FILTER);
	assert_int_equal(ui_keymap_lookup(km, 1, '/'), A_FILTER); /* both keys now */
	ui_keymap_free(km);
}

static void errors_name_the_line(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"bind generic q quit\nbind nowhere q quit\n", "keys:2: unknown context nowhere"},
		{"bind generic <Hyper> quit\n", "keys:1: unknown key <Hyper>"},
		{"bind generic q explode\n", "keys:1: unknown action explode"},
		{"\n\nunbind generic q\n", "keys:3: expected `bind CONTEXT KEY ACTION`"},
		{"bind generic q\n", "keys:1: bind takes a context, a key and an action"},
		{"bind generic qq quit\n", "keys:1: unknown key qq"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ui_keymap *km = km_new();
		char err[256] = "";
		assert_int_equal(ui_keymap_parse(km, cases[i].text, "keys", err, sizeof err), -1);
		assert_string_equal(err, cases[i].want);
		ui_keymap_free(km);
	}
}

/* The compiled-in default keys parse with the console's own action list (generated from the
 * same X-macro), and the keys the issue names are there. */
static void the_default_keys_parse(void **state)
{
	(void)state;
	static const struct ui_action_def defs[] = {
#define DEF(id, name, help, flags) {ACT_##id, name, help},
		ACTIONS(DEF)
#undef DEF
	};
	static const char *const ctx[] = {
#define CTX(id, name) name,
		KEY_CONTEXTS(CTX)
#undef CTX
	};
	struct ui_keymap *km = ui_keymap_new(defs, ACT_COUNT, ctx, CTX_COUNT);
	char err[256] = "";
	assert_int_equal(ui_keymap_parse(km, screens_default_keys, "default.keys", err, sizeof err), 0);
	assert_int_equal(ui_keymap_lookup(km, CTX_BOARD, 'j'), ACT_MOVE_DOWN);
	assert_int_equal(ui_keymap_lookup(km, CTX_BOARD, UI_KEY_FN(KEY_UP)), ACT_MOVE_UP);
	assert_int_equal(ui_keymap_lookup(km, CTX_BOARD, 'G'), ACT_MOVE_BOTTOM);
	assert_int_equal(ui_keymap_lookup(km, CTX_BOARD, UI_KEY_FN(KEY_NPAGE)), ACT_PAGE_DOWN);
	assert_int_equal(ui_keymap_lookup(km, CTX_BOARD, '/'), ACT_FILTER);
	assert_int_equal(ui_keymap_lookup(km, CTX_BOARD, 'n'), ACT_DECLARE);
	assert_int_equal(ui_keymap_lookup(km, CTX_DETAIL, 'n'), ACT_NOTE);
	assert_int_equal(ui_keymap_lookup(km, CTX_DETAIL, '?'), ACT_HELP);
	assert_int_equal(ui_keymap_lookup(km, CTX_HELP, ':'), ACT_COMMAND);
	assert_int_equal(ui_keymap_lookup(km, CTX_DETAIL, UI_KEY_ESC), ACT_BACK);
	/* Every action can be reached by some key. */
	for (int a = 0; a < ACT_COUNT; a++) {
		bool bound = false;
		char keys[128];
		for (int c = 0; c < CTX_COUNT; c++) {
			ui_keymap_keys(km, c, a, keys, sizeof keys);
			bound = bound || keys[0];
		}
		if (!bound)
			fail_msg("action %s has no default key", defs[a].name);
	}
	ui_keymap_free(km);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_names_round_trip),
		cmocka_unit_test(contexts_shadow_generic),
		cmocka_unit_test(a_user_file_rebinds_and_unbinds),
		cmocka_unit_test(errors_name_the_line),
		cmocka_unit_test(the_default_keys_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
