/* The help overlay, generated from the live keymap: the keys of the screen it was opened
 * from, then those of every screen, then the `:` commands. A remapped key shows as remapped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

struct help {
	struct screen base;
	int context;
	struct ui_pager pager;
};

static void add_context(struct help *h, struct app *a, int context, const char *title)
{
	char line[256], keys[128];
	ui_pager_add(&h->pager, UI_ROLE_HEADER, title);
	for (int act = 0; act < ACT_COUNT; act++) {
		ui_keymap_keys(a->keymap, context, act, keys, sizeof keys);
		if (!keys[0])
			continue;
		const struct ui_action_def *def = ui_keymap_action(a->keymap, act);
		snprintf(line, sizeof line, "  %-18s %-18s %s", keys, def->name, def->help);
		ui_pager_add(&h->pager, UI_ROLE_NORMAL, line);
	}
	ui_pager_add(&h->pager, UI_ROLE_NORMAL, "");
}

static void build(struct help *h, struct app *a)
{
	char title[96];
	ui_pager_clear(&h->pager);
	if (h->context != CTX_GENERIC) {
		snprintf(title, sizeof title, "Keys of the %s", ui_keymap_context_name(a->keymap, h->context));
		add_context(h, a, h->context, title);
	}
	add_context(h, a, CTX_GENERIC, "Keys everywhere");
	ui_pager_add(&h->pager, UI_ROLE_HEADER, "Commands (after :, Tab completes)");
	static const char *const commands[] = {
		"  :theme NAME        switch theme (remembered); :theme alone lists them",
		"  :board  :table     status columns or one table",
		"  :sort COLUMN [asc|desc]   severity status title commander region age id newest",
		"  :filter TEXT       filter by title (empty: no filter)",
		"  :open ID           open an incident by id",
		"  :runbooks [INC]  :run RUN  :approvals             runbooks, runs, approvals",
		"  :tenants  :policy [T]  :actors [T]  :exceptions [T]   tenancy and policy",
		"  :usage  :platform  :evidence [T]  :receipts           metering and evidence",
		"  :refresh  :help  :quit",
	};
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		ui_pager_add(&h->pager, UI_ROLE_NORMAL, commands[i]);
	ui_pager_add(&h->pager, UI_ROLE_NORMAL, "");
	ui_pager_add(&h->pager, UI_ROLE_DIM,
		     "Rebind any key in ~/.config/klaxon/keymap: bind CONTEXT KEY ACTION");
}

static void help_draw(struct screen *s, struct app *a, bool full)
{
	struct help *h = (struct help *)s;
	(void)full;
	if (h->pager.n_lines == 0)
		build(h, a);
	ui_put(stdscr, 0, 0, COLS, UI_ROLE_TITLE, " klaxon  Help  (q or Esc closes)");
	ui_pager_draw(&h->pager, stdscr, 1, 0, LINES - 2, COLS);
}

static int help_action(struct screen *s, struct app *a, int act)
{
	struct help *h = (struct help *)s;
	struct ui_pager *p = &h->pager;
	int page = p->height > 1 ? p->height - 1 : 1;
	(void)a;
	switch (act) {
	case ACT_MOVE_UP: ui_pager_scroll(p, -1); break;
	case ACT_MOVE_DOWN: ui_pager_scroll(p, 1); break;
	case ACT_PAGE_UP: ui_pager_scroll(p, -page); break;
	case ACT_PAGE_DOWN: ui_pager_scroll(p, page); break;
	case ACT_MOVE_TOP: ui_pager_home(p); break;
	case ACT_MOVE_BOTTOM: ui_pager_end(p); break;
	case ACT_MOVE_LEFT: ui_pager_scroll_h(p, -(p->width / 2)); break;
	case ACT_MOVE_RIGHT: ui_pager_scroll_h(p, p->width / 2); break;
	case ACT_TOGGLE_WRAP: ui_pager_toggle_wrap(p); break;
	case ACT_HELP: return UI_HANDLED;
	default: return UI_IGNORED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void help_fetch(struct screen *s, struct app *a)
{
	(void)s;
	(void)a; /* nothing to fetch: the keymap is here */
}

static int help_reply(struct screen *s, struct app *a, int tag, void *user,
		      struct backend_response *resp)
{
	(void)s, (void)a, (void)tag, (void)user, (void)resp;
	return 0;
}

static void help_free(struct screen *s)
{
	struct help *h = (struct help *)s;
	ui_pager_free(&h->pager);
	free(h);
}

static const struct screen_ops help_ops = {
	.name = "help",
	.context = CTX_HELP,
	.draw = help_draw,
	.action = help_action,
	.fetch = help_fetch,
	.reply = help_reply,
	.free = help_free,
};

struct screen *help_new(struct app *a, int context)
{
	struct help *h = calloc(1, sizeof *h);
	(void)a;
	if (!h)
		return NULL;
	h->base.ops = &help_ops;
	h->context = context;
	ui_pager_init(&h->pager);
	return &h->base;
}
