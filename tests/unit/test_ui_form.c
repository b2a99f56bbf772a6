/* Forms without a terminal: a secret field takes keys like any text field, and
 * ui_form_wipe zeroes every byte its buffer ever held (what C-u cleared too) while the
 * other fields keep their values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ui.h"

static void type(struct ui_form *f, const char *text)
{
	int flags;
	for (const char *c = text; *c; c++)
		assert_int_equal(ui_form_key(f, (unsigned char)*c, &flags), UI_FORM_NONE);
}

static void test_secret_field_edits_and_submits(void **state)
{
	(void)state;
	struct ui_form f;
	int flags;
	ui_form_init(&f, "Approve");
	ui_form_add_text(&f, "Reason", "", false);
	assert_non_null(ui_form_add_secret(&f, "Passphrase", true));
	assert_true(f.fields[1].secret);
	assert_false(f.fields[0].secret);
	assert_int_equal(ui_form_key(&f, UI_KEY_ENTER, &flags), UI_FORM_NONE);
	assert_string_equal(f.error, "Passphrase is required");
	assert_int_equal(f.focus, 1);
	type(&f, "hunter22");
	ui_form_key(&f, UI_KEY_BACKSPACE, &flags);
	assert_string_equal(ui_form_value(&f, 1), "hunter2");
	assert_int_equal(ui_form_key(&f, UI_KEY_ENTER, &flags), UI_FORM_SUBMIT);
}

static void test_wipe_zeroes_every_byte_of_secrets_only(void **state)
{
	(void)state;
	struct ui_form f;
	int flags;
	ui_form_init(&f, "Approve");
	ui_form_add_text(&f, "Reason", "checked the lag", false);
	ui_form_add_secret(&f, "Passphrase", true);
	f.focus = 1;
	type(&f, "correct horse battery");
	/* C-u clears the line by moving its end: the old text stays in the buffer past it */
	ui_form_key(&f, UI_KEY_CTRL('u'), &flags);
	type(&f, "staple");
	assert_string_equal(ui_form_value(&f, 1), "staple");
	ui_form_wipe(&f);
	const struct ui_input *in = &f.fields[1].input;
	for (size_t i = 0; i < sizeof in->text; i++)
		assert_int_equal(in->text[i], 0);
	assert_int_equal(in->len, 0);
	assert_int_equal(in->cursor, 0);
	assert_string_equal(ui_form_value(&f, 0), "checked the lag");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_field_edits_and_submits),
		cmocka_unit_test(test_wipe_zeroes_every_byte_of_secrets_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
