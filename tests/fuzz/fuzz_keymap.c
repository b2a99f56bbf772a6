/* libFuzzer harness: the console's keys-file parser (ui_keymap_parse and ui_key_parse under
 * it), fed a user's keys file as klaxon reads it (text up to the first NUL) on top of the
 * compiled-in default keys, with the console's own actions and contexts (screens/actions.h).
 * No terminal is needed: key names are tables and curses' KEY_* constants. Checked: 0 or -1; a
 * failure says "source:line: why"; and every key the help lists for an action reads back as a
 * key that runs that action there (keys without a name, shown as <0x..>, aside). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../screens/actions.h"
#include "../../ui/ui.h"
#include "fuzz_text.h"

static const struct ui_action_def actions[] = {
#define FZ_ACTION(id, name, help, flags) {ACT_##id, name, help},
	ACTIONS(FZ_ACTION)
#undef FZ_ACTION
};
static const char *const contexts[] = {
#define FZ_CONTEXT(id, name) name,
	KEY_CONTEXTS(FZ_CONTEXT)
#undef FZ_CONTEXT
};

/* The keys listed for (context, action) each look up to that action in that context. */
static void check_listed_keys(const struct ui_keymap *km, int context, int action)
{
	static char keys[16384];
	ui_keymap_keys(km, context, action, keys, sizeof keys);
	for (char *save = NULL, *name = strtok_r(keys, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		if (strncmp(name, "<0x", 3) == 0 || strcmp(name, "<0>") == 0)
			continue; /* a key with no name (e.g. <C-@>): not readable back */
		const char *end = NULL;
		int key = ui_key_parse(name, &end);
		if (key < 0 || *end || ui_keymap_lookup(km, context, key) != action)
			abort();
	}
}

/* A list cut short stays a string within its buffer. */
static void check_short_list(const struct ui_keymap *km, int context, int action)
{
	char small[12];
	memset(small, 'x', sizeof small);
	ui_keymap_keys(km, context, action, small, sizeof small);
	if (!memchr(small, 0, sizeof small))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_text(data, size);
	if (!text)
		return 0;
	struct ui_keymap *km = ui_keymap_new(actions, ACT_COUNT, contexts, CTX_COUNT);
	char err[256] = "";
	if (!km || ui_keymap_parse(km, screens_default_keys, "default.keys", err, sizeof err))
		abort();
	int rc = ui_keymap_parse(km, text, "fuzz.keys", err, sizeof err);
	if (rc == -1) {
		fz_check_refusal(err, "fuzz.keys");
	} else if (rc != 0) {
		abort();
	}
	/* A failed file leaves the lines before its error bound (klaxon then refuses to start);
	 * the map stays consistent either way. The help's lists are checked for every action in
	 * one context picked by the input (every context each time is slow under coverage). */
	int context = (int)(size % CTX_COUNT);
	for (int a = 0; a < ACT_COUNT; a++)
		check_listed_keys(km, context, a);
	check_short_list(km, context, (int)(size / CTX_COUNT % ACT_COUNT));
	for (int c = 0; c < CTX_COUNT; c++)
		if (strcmp(ui_keymap_context_name(km, c), contexts[c]) != 0)
			abort();
	ui_keymap_free(km);
	free(text);
	return 0;
}
