/* The command prompt (`:`) and other one-line prompts: an input on the bottom line with
 * history (Up/Down) and Tab completion of the word under the cursor from names the caller
 * gives. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

void ui_prompt_open(struct ui_prompt *p, const char *prefix, const char *text)
{
	snprintf(p->prefix, sizeof p->prefix, "%s", prefix);
	ui_input_set(&p->input, text);
	p->open = true;
	p->history_pos = p->n_history;
}

char *ui_complete(const char *word, char *const *names, int *n)
{
	size_t wl = strlen(word);
	const char *first = NULL;
	size_t common = 0;
	*n = 0;
	for (int i = 0; names && names[i]; i++) {
		if (strncmp(names[i], word, wl) != 0)
			continue;
		if (!first) {
			first = names[i];
			common = strlen(first);
		} else {
			size_t k = 0;
			while (k < common && names[i][k] == first[k])
				k++;
			common = k;
		}
		(*n)++;
	}
	if (!first)
		return NULL;
	char *out = malloc(common + 1);
	if (out) {
		memcpy(out, first, common);
		out[common] = 0;
	}
	return out;
}

static void remember(struct ui_prompt *p)
{
	if (!p->input.text[0])
		return;
	if (p->n_history && strcmp(p->history[p->n_history - 1], p->input.text) == 0)
		return;
	if (p->n_history == 16) {
		memmove(p->history[0], p->history[1], sizeof p->history[0] * 15);
		p->n_history--;
	}
	snprintf(p->history[p->n_history++], sizeof p->history[0], "%s", p->input.text);
}

static void complete(struct ui_prompt *p)
{
	if (!p->complete)
		return;
	/* Complete the word that ends at the cursor. */
	size_t start = p->input.cursor;
	while (start > 0 && p->input.text[start - 1] != ' ')
		start--;
	char line[512], word[256];
	snprintf(line, sizeof line, "%.*s", (int)start, p->input.text);
	snprintf(word, sizeof word, "%.*s", (int)(p->input.cursor - start), p->input.text + start);
	int before = 0, n = 0;
	char **names = p->complete(p->ctx, line, &before);
	char *done = names ? ui_complete(word, names, &n) : NULL;
	if (done) {
		char text[1400];
		snprintf(text, sizeof text, "%s%s%s%s", line, done, n == 1 ? " " : "",
			 p->input.text + p->input.cursor);
		size_t cursor = strlen(line) + strlen(done) + (n == 1);
		ui_input_set(&p->input, text);
		p->input.cursor = cursor <= p->input.len ? cursor : p->input.len;
	}
	free(done);
	ui_names_free(names);
}

int ui_prompt_key(struct ui_prompt *p, int key)
{
	switch (key) {
	case UI_KEY_ESC:
		p->open = false;
		return UI_PROMPT_CANCEL;
	case UI_KEY_ENTER:
		remember(p);
		p->open = false;
		return UI_PROMPT_DONE;
	case UI_KEY_BACKSPACE:
		if (p->input.len == 0) { /* backspace on an empty prompt closes it, as in vim */
			p->open = false;
			return UI_PROMPT_CANCEL;
		}
		break;
	case UI_KEY_TAB:
		complete(p);
		return UI_PROMPT_EDIT;
	case UI_KEY_FN(KEY_UP):
		if (p->history_pos > 0)
			ui_input_set(&p->input, p->history[--p->history_pos]);
		return UI_PROMPT_EDIT;
	case UI_KEY_FN(KEY_DOWN):
		if (p->history_pos < p->n_history)
			p->history_pos++;
		ui_input_set(&p->input,
			     p->history_pos < p->n_history ? p->history[p->history_pos] : "");
		return UI_PROMPT_EDIT;
	default:
		break;
	}
	ui_input_key(&p->input, key);
	return UI_PROMPT_EDIT;
}

void ui_prompt_draw(struct ui_prompt *p, WINDOW *w, int y, int width)
{
	int pw = ui_put(w, y, 0, (int)strlen(p->prefix), UI_ROLE_INPUT_FOCUS, p->prefix);
	ui_input_draw(&p->input, w, y, pw, width - pw, UI_ROLE_INPUT_FOCUS, true);
}
