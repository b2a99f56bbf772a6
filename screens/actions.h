/* Every action of the console, declared once: the enum, the names of the keys file and the
 * help text all come from this list (tig's habit). ACTION_MUTATES marks the actions that
 * change state: the app refuses them where it dispatches actions when read-only. */
#ifndef KX_SCREENS_ACTIONS_H
#define KX_SCREENS_ACTIONS_H

#define ACTION_MUTATES 1

#define ACTIONS(_)                                                                           \
	_(QUIT, "quit", "Quit klaxon", 0)                                                    \
	_(BACK, "back", "Close this screen (on the board: quit)", 0)                         \
	_(HELP, "help", "Show the keys of this screen", 0)                                   \
	_(COMMAND, "command", "Open the command prompt", 0)                                  \
	_(REFRESH, "refresh", "Refresh from the backend now", 0)                             \
	_(REDRAW, "redraw", "Repaint the whole terminal", 0)                                 \
	_(MOVE_UP, "move-up", "Move up one row", 0)                                          \
	_(MOVE_DOWN, "move-down", "Move down one row", 0)                                    \
	_(MOVE_LEFT, "move-left", "Previous column, or scroll left half a page", 0)          \
	_(MOVE_RIGHT, "move-right", "Next column, or scroll right half a page", 0)           \
	_(PAGE_UP, "page-up", "Move up one page", 0)                                         \
	_(PAGE_DOWN, "page-down", "Move down one page", 0)                                   \
	_(MOVE_TOP, "move-top", "Go to the first row", 0)                                    \
	_(MOVE_BOTTOM, "move-bottom", "Go to the last row", 0)                               \
	_(OPEN, "open", "Open the selected incident", 0)                                     \
	_(FILTER, "filter", "Filter incidents by title (as you type)", 0)                    \
	_(TOGGLE_VIEW, "toggle-view", "Switch between status columns and a table", 0)        \
	_(SORT, "sort", "Sort the table by the next column", 0)                              \
	_(SORT_REVERSE, "sort-reverse", "Reverse the sort order", 0)                         \
	_(TOGGLE_WRAP, "toggle-wrap", "Wrap long lines", 0)                                  \
	_(NEXT_THEME, "next-theme", "Switch to the next theme", 0)                           \
	_(DECLARE, "declare", "Declare a new incident", ACTION_MUTATES)                      \
	_(ADVANCE, "advance-status", "Move the incident to another status", ACTION_MUTATES)  \
	_(SEVERITY, "set-severity", "Change the severity", ACTION_MUTATES)                   \
	_(NOTE, "add-note", "Add a note to the timeline", ACTION_MUTATES)                    \
	_(TITLE, "edit-title", "Edit the title", ACTION_MUTATES)                             \
	_(COMMANDER, "assign-commander", "Assign the incident commander", ACTION_MUTATES)   \
	_(RUNBOOKS, "runbooks", "Runbooks and runs (from an incident: for it)", 0)           \
	_(APPROVALS, "approvals", "The approval queue", 0)                                   \
	_(LAUNCH, "launch", "Launch the selected runbook", ACTION_MUTATES)                   \
	_(EXECUTE_STEP, "execute-step", "Execute the run's next step", ACTION_MUTATES)       \
	_(ABORT_RUN, "abort-run", "Abort the run (kills a running command)", ACTION_MUTATES) \
	_(ROLLBACK_RUN, "rollback-run", "Roll the run back, last step first", ACTION_MUTATES) \
	_(APPROVE, "approve", "Approve the step: sign the statement with your key",          \
	  ACTION_MUTATES)                                                                    \
	_(REJECT, "reject", "Reject the step: sign the statement with your key", ACTION_MUTATES) \
	_(TENANTS, "tenants", "Tenants: kinds, statuses, partners", 0)                      \
	_(POLICY, "policy", "The policy profile: versions, diff, edit, simulate", 0)        \
	_(USAGE, "usage", "Usage by event type over a window", 0)                           \
	_(EVIDENCE, "evidence", "Export and verify evidence bundles", 0)                    \
	_(RECEIPTS, "receipts", "Receipts and the ledger witness", 0)                       \
	_(OPEN_ACTORS, "open-actors", "Roles and actors of the selected tenant", 0)         \
	_(OPEN_POLICY, "open-policy", "Policy profile of the selected tenant", 0)           \
	_(EXCEPTIONS, "exceptions", "Governed exceptions of the tenant", 0)                 \
	_(CREATE, "create", "Create a tenant or an actor", ACTION_MUTATES)                  \
	_(EDIT, "edit", "Edit the selected item (a policy in $EDITOR)", ACTION_MUTATES)     \
	_(SUSPEND, "suspend", "Suspend the selected tenant", ACTION_MUTATES)                \
	_(RESUME, "resume", "Resume the selected tenant", ACTION_MUTATES)                   \
	_(OFFBOARD, "offboard", "Offboard the selected tenant (final)", ACTION_MUTATES)     \
	_(DISABLE, "toggle-disabled", "Disable or enable the selected actor", ACTION_MUTATES) \
	_(ROTATE, "rotate-token", "Issue the selected actor a new token", ACTION_MUTATES)   \
	_(ACKNOWLEDGE, "acknowledge", "Acknowledge the selected exception", ACTION_MUTATES) \
	_(SIMULATE, "simulate", "Ask the policy: can I?", 0)                                \
	_(DIFF, "diff", "Compare two policy versions", 0)                                   \
	_(EXPORT, "export", "Export an evidence bundle for a window", ACTION_MUTATES)       \
	_(VERIFY, "verify", "Verify a bundle, or the selected receipt's inclusion", 0)      \
	_(FILTER_BY, "filter-by", "Filter receipts by action and resource", 0)              \
	_(WINDOW, "window", "Switch the time window", 0)                                    \
	_(PLATFORM, "toggle-platform", "Switch between the tenant and the platform", 0)

enum action {
#define ACTION_ENUM(id, name, help, flags) ACT_##id,
	ACTIONS(ACTION_ENUM)
#undef ACTION_ENUM
	ACT_COUNT
};

/* Keymap contexts: generic first (the fallback of every other). */
#define KEY_CONTEXTS(_) _(GENERIC, "generic") _(BOARD, "board") _(DETAIL, "detail") _(HELP, "help")   \
	_(RUNBOOKS, "runbooks") _(RUNNER, "runner") _(APPROVALS, "approvals")                \
	_(TENANTS, "tenants") _(POLICY, "policy") _(ACTORS, "actors")                        \
	_(EXCEPTIONS, "exceptions") _(USAGE, "usage") _(EVIDENCE, "evidence")                \
	_(RECEIPTS, "receipts")

enum key_context {
#define CONTEXT_ENUM(id, name) CTX_##id,
	KEY_CONTEXTS(CONTEXT_ENUM)
#undef CONTEXT_ENUM
	CTX_COUNT
};

/* The compiled-in keys file (generated by make from screens/default.keys). */
extern const char screens_default_keys[];

#endif
