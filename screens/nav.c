/* Getting to the tenancy, policy and evidence screens: the keys that open them from anywhere
 * (T P U E L), and their `:` commands. Each opens on top of the board, so the stack stays
 * shallow and `q` always leads back to the incidents. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"

const char *const nav_verbs[] = {"tenants", "policy",   "actors",   "roles",  "exceptions",
				 "usage",   "platform", "evidence", "receipts", "ledger", NULL};

void nav_time_text(int64_t ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

static int open_over_board(struct app *a, struct screen *s)
{
	while (a->depth > 1)
		app_pop(a);
	app_push(a, s);
	return UI_HANDLED | UI_REDRAW | UI_REDRAW_STATUS;
}

int nav_action(struct app *a, int act)
{
	switch (act) {
	case ACT_TENANTS: return open_over_board(a, tenants_new(a));
	case ACT_POLICY: return open_over_board(a, policy_new(a, NULL));
	case ACT_USAGE: return open_over_board(a, usage_new(a, false));
	case ACT_EVIDENCE: return open_over_board(a, evidence_new(a, NULL));
	case ACT_RECEIPTS: return open_over_board(a, receipts_new(a));
	default: return UI_IGNORED;
	}
}

/* `:tenants`, `:policy [TENANT]`, `:actors [TENANT]` (`:roles`), `:exceptions [TENANT]`,
 * `:usage`, `:platform` (usage of every tenant), `:evidence [TENANT]`, `:receipts`
 * (`:ledger`). */
int nav_command(struct app *a, const char *verb, const char *arg)
{
	const char *tenant = arg && *arg ? arg : NULL;
	if (!strcmp(verb, "tenants"))
		return open_over_board(a, tenants_new(a));
	if (!strcmp(verb, "policy"))
		return open_over_board(a, policy_new(a, tenant));
	if (!strcmp(verb, "actors") || !strcmp(verb, "roles"))
		return open_over_board(a, actors_new(a, tenant));
	if (!strcmp(verb, "exceptions"))
		return open_over_board(a, exceptions_new(a, tenant));
	if (!strcmp(verb, "usage") || !strcmp(verb, "platform"))
		return open_over_board(a, usage_new(a, !strcmp(verb, "platform")));
	if (!strcmp(verb, "evidence"))
		return open_over_board(a, evidence_new(a, tenant));
	if (!strcmp(verb, "receipts") || !strcmp(verb, "ledger"))
		return open_over_board(a, receipts_new(a));
	return UI_IGNORED;
}
